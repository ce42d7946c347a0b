"""Cross-reference and limit rules over a validated spec. ``RULES`` is the explicit list."""

from __future__ import annotations

from compiler.diagnostics import Diagnostic
from compiler.rules import (  # noqa: F401  (they register rules)
    algorithms,
    gate,
    handoff,
    images,
    jobs,
    limits,
    pipeline_settings,
    references,
    retry,
    security,
    spark,
    types,
    uris,
)
from compiler.rules.context import SpecContext
from compiler.rules.registry import RULES, Rule, declare

declare("file-unreadable", "parse", "The spec is a directory, missing, binary or not UTF-8.")
declare("yaml-empty", "parse", "The spec file is empty.")
declare("yaml-syntax", "parse", "The spec is not valid YAML.")
declare(
    "yaml-duplicate-key",
    "parse",
    "A mapping has the same key twice (YAML would silently keep the last).",
)
declare(
    "yaml-limit",
    "parse",
    "The spec crosses a parsing bound (size, nesting depth, aliases, values after alias "
    "expansion); --parse-limit NAME=N raises one.",
)
declare(
    "schema",
    "schema",
    "A key is unknown or missing, or a value has the wrong type (spec format v1).",
)
declare(
    "env-file", "deploy", "An environment file is not a flat mapping of variable names to values."
)
declare("deploy-variable-syntax", "deploy", "A ${...} is not a valid deploy variable reference.")
declare(
    "deploy-variable-missing", "deploy", "A ${name} is not set by the environment file or --var."
)
declare(
    "deploy-variable-unclosed",
    "deploy",
    'A "${" has no closing "}" (it would end up in S3 URIs as written).',
)
declare(
    "deploy-variable-unknown",
    "deploy",
    "A --var names no deploy variable of the spec (a typo): a usage error (exit 2) listing "
    "the known names.",
)
declare(
    "definition-size",
    "definition",
    "Warning: the compiled definition exceeds CreatePipeline's inline limit (deploy it through S3).",
)
declare(
    "definition-schema",
    "definition",
    "The compiled definition does not match schemas/pipeline-definition.schema.json, or its "
    "Metadata has more entries than SageMaker's quota of 20.",
)


def run_rules(ctx: SpecContext) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for entry in RULES:
        if entry.check is not None:
            found.extend(entry.check(ctx))
    return found


__all__ = ["RULES", "Rule", "SpecContext", "run_rules"]
