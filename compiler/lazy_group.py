"""A click group whose commands are imported only when they run.

``smpipe compile`` must not pay for importing the local engine (pandas, xgboost) or the
SageMaker SDK, so every command lives in its own module and is loaded by name.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from compiler.errors import SmpipeError


class LazyGroup(click.Group):
    """Also turns :class:`SmpipeError` into one ``smpipe: error: ...`` line and its exit
    code, here rather than in ``main`` so that tests driving the group see the same."""

    def __init__(self, *args: object, lazy_commands: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy_commands = dict(lazy_commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.lazy_commands.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module_name, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SmpipeError as error:
            click.echo(f"smpipe: error: {error}", err=True)
            ctx.exit(error.exit_code)
