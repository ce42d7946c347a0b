"""The executed pipeline as ``smpipe graph SPEC --execution EXEC`` draws it, for the report.

The drawing is ``compiler.graph.render_graph`` (each step coloured by its status, a step
the execution did not run dashed), which works on a spec. The report always has the
definition that ran, not always a spec: that definition is imported back to a spec
(``compiler.importer``, whose round trip is exact for the definitions smpipe compiles and
which reads SDK-built ones too) and drawn, so both backends get the same picture wherever
the executed definition can be read. Pure: no clock, no state, no AWS.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.backends.interface import StepRecord

_LABEL = "executed definition"
_SPEC_PATH = Path("spec/executed.yaml")  # where an imported spec would live (no file is read)


def execution_graph(
    definition: dict[str, Any] | None, steps: Sequence[StepRecord]
) -> tuple[str | None, str | None]:
    """(the Mermaid ``flowchart`` text, None) or (None, why it cannot be drawn)."""
    if definition is None:
        return None, "the executed definition could not be read"
    from compiler.compile import check_document
    from compiler.errors import SmpipeError
    from compiler.graph import render_graph
    from compiler.importer import import_definition
    from compiler.importer.source import Source
    from compiler.loader import load_text

    try:
        imported = import_definition(Source(_LABEL, definition), _SPEC_PATH)
        checked = check_document(
            load_text(imported.spec_text, str(_SPEC_PATH)),
            _SPEC_PATH,
            None,
            imported.env_values,
            True,
        )
    except SmpipeError as error:
        said = " ".join(str(error).split()) or type(error).__name__
        said = said if len(said) <= 240 else said[:237] + "..."
        return None, f"the executed definition does not import to a spec ({said})"
    if checked.spec is None:
        problems = "; ".join(d.message for d in checked.errors[:3])
        return None, f"the executed definition does not import to a valid spec: {problems}"
    statuses = {step.name: step.status for step in steps}
    return render_graph(checked.spec, statuses=statuses), None
