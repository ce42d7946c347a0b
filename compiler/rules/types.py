"""Rules on typed values: a {param} must name a parameter of the type its field takes."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.diagnostics import Diagnostic, problem
from compiler.references import ParamRef
from compiler.rules.context import SpecContext
from compiler.rules.registry import rule
from compiler.typed_values import typed_values


@rule(
    "param-type",
    "types",
    "A {param: NAME} names a parameter of another type than its field takes "
    "(e.g. a String parameter as an instance count).",
)
def param_type(ctx: SpecContext) -> Iterator[Diagnostic]:
    places = list(typed_values(ctx.spec.defaults, ("defaults",)))
    for index, step in enumerate(ctx.spec.steps):
        base = ("steps", index)
        places.extend(
            ((*base, *path), value, takes) for path, value, takes in ctx.typed_values_of(step)
        )
    for path, value, takes in places:
        if not isinstance(value, ParamRef):
            continue
        parameter = ctx.spec.parameters.get(value.param)
        if parameter is not None and not takes.accepts(parameter.type):
            if path[0] == "steps":
                field = ".".join(str(p) for p in path[2:] if not isinstance(p, int))
                owner = f'step "{ctx.spec.steps[int(path[1])].name}": '
            else:
                field, owner = ".".join(str(p) for p in path), ""
            yield problem(
                "param-type",
                (*path, "param"),
                f'{owner}{field} takes {takes.what}; parameter "{value.param}" is {parameter.type}',
            )
