"""Diagnostics for CI: GitHub workflow-command annotations and SARIF 2.1.0 for code scanning.

``--format github`` prints one ``::error file=...,line=...::message`` line per diagnostic,
which GitHub Actions shows as an annotation on the pull request's changed lines.
``--format sarif`` prints one SARIF 2.1.0 log (the OASIS schema; tests validate against it)
for ``github/codeql-action/upload-sarif``: one run, the rules that fired as the tool's
rules, one result per diagnostic with its region.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PurePosixPath

from compiler.diagnostics import Diagnostic

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(diagnostics: Sequence[Diagnostic], sources: dict[str, str] | None = None) -> str:
    """GitHub Actions workflow commands (``::error``/``::warning``), one per diagnostic."""
    out = []
    for d in diagnostics:
        end_line, end_col = d.end
        level = "error" if d.is_error else "warning"
        properties = [
            f"file={_escape_property(d.file)}",
            f"line={d.line}",
            f"col={d.col}",
            f"endLine={end_line}",
        ]
        if end_line == d.line:  # GitHub takes columns only for a range on one line
            properties.append(f"endColumn={end_col}")
        properties.append(f"title={_escape_property(f'smpipe [{d.rule}]')}")
        out.append(f"::{level} {','.join(properties)}::{_escape_data(d.message)}")
    return "\n".join(out) + ("\n" if out else "")


def _uri(file: str) -> str:
    """A relative URI as SARIF wants it (forward slashes), for uriBaseId %SRCROOT%."""
    return str(PurePosixPath(*file.replace("\\", "/").split("/"))) if file else "."


def render_sarif(diagnostics: Sequence[Diagnostic], sources: dict[str, str] | None = None) -> str:
    from compiler import __version__
    from compiler.rules import RULES

    described = {rule.id: rule.description for rule in RULES}
    fired = sorted({d.rule for d in diagnostics})
    index = {rule: position for position, rule in enumerate(fired)}
    rules = [
        {
            "id": rule,
            "name": "".join(part.capitalize() for part in rule.split("-")),
            "shortDescription": {"text": described.get(rule, rule)},
            "help": {"text": f"docs/rules.md#{rule} in the smpipe repository"},
        }
        for rule in fired
    ]
    results = []
    for d in diagnostics:
        end_line, end_col = d.end
        results.append(
            {
                "ruleId": d.rule,
                "ruleIndex": index[d.rule],
                "level": "error" if d.is_error else "warning",
                "message": {"text": d.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": _uri(d.file), "uriBaseId": "%SRCROOT%"},
                            "region": {
                                "startLine": d.line,
                                "startColumn": d.col,
                                "endLine": end_line,
                                "endColumn": end_col,
                            },
                        }
                    }
                ],
            }
        )
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "smpipe",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
