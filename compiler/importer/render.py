"""The imported spec as YAML in the project's style: sections in the order of
spec/titanic-modelbuild.yaml, references and small mappings in flow style
(``{param: X}``, ``{framework: sklearn, version: "1.2-1"}``), a blank line between steps,
and comments where a reviewer has a decision to make."""

from __future__ import annotations

import json
from typing import Any

import yaml

from compiler.references import _REFERENCE_KEYS

_FLOW_KEYS = {*_REFERENCE_KEYS, "framework", "uri", "type", "enabled"}


class _Flow(dict[str, Any]):
    """A mapping written on one line."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # lists indented under their key


def _flow_representer(dumper: yaml.SafeDumper, data: _Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    # Quote what a reader could take for a number ("1.2-1", "30d" read fine; "1.20" not).
    style = '"' if _looks_numeric(data) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def _looks_numeric(text: str) -> bool:
    return bool(text) and text[0].isdigit() and any(c in text for c in ".-")


_Dumper.add_representer(_Flow, _flow_representer)
_Dumper.add_representer(str, _str_representer)
_Dumper.add_representer(
    dict,
    lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=False),
)


class _FlowList(list[Any]):
    """A list written on one line."""


def _flow_list_representer(dumper: yaml.SafeDumper, data: _FlowList) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_Dumper.add_representer(_FlowList, _flow_list_representer)


def _inline(value: Any) -> bool:
    return not isinstance(value, (dict, list)) or isinstance(value, (_Flow, _FlowList))


def _styled(value: Any) -> Any:
    if isinstance(value, dict):
        inner = {key: _styled(item) for key, item in value.items()}
        if (
            value
            and set(value) & _FLOW_KEYS
            and all(_inline(v) for v in inner.values())
            and len(_flow_text(inner)) < 90
        ):
            return _Flow(inner)
        return inner
    if isinstance(value, list):
        items = [_styled(item) for item in value]
        if all(_inline(v) for v in items) and len(_flow_text(items)) < 72:
            return _FlowList(items)
        return items
    return value


def _flow_text(value: Any) -> str:
    """About what the value takes on one line (a cheap measure: no YAML emitter run)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow_text(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False) if _needs_quotes(value) else value
    return json.dumps(value)


def _needs_quotes(text: str) -> bool:
    return not text or _looks_numeric(text) or any(c in text for c in ":{}[],#&*!|>'\"%@`")


def _dump(value: Any) -> str:
    return yaml.dump(value, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def render_spec(
    header: list[str],
    sections: dict[str, Any],
    step_comments: dict[str, list[str]],
    section_comments: dict[str, list[str]],
) -> str:
    """The spec's text: ``header`` comment lines, then each section (steps one by one,
    each after its review comments)."""
    out = [f"# {line}".rstrip() for line in header]
    for key, value in sections.items():
        if key == "version":
            out.append(f"version: {value}")
            continue
        out.append("")
        out.extend(f"# {line}" for line in section_comments.get(key, []))
        if key != "steps":
            out.append(_dump({key: _styled(value)}).rstrip("\n"))
            continue
        out.append("steps:")
        for index, step in enumerate(value):
            if index:
                out.append("")
            for line in step_comments.get(step["name"], []):
                out.append(f"  # REVIEW: {line}")
            text = _dump([{key: _styled(item) for key, item in step.items()}]).rstrip("\n")
            out.extend("  " + line for line in text.splitlines())
    return "\n".join(out) + "\n"
