"""``smpipe put FILE S3_URI``: copy a file into the local object store (seeding inputs)."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.local.home import LocalHome


@click.command("put")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("uri")
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="SMPIPE_STATE_DIR",
    default=None,
    help="The local state [default: .smpipe].",
)
def put(source: Path, uri: str, state_dir: Path | None) -> None:
    """Put SOURCE at URI (s3://bucket/key) in the local object store."""
    path = LocalHome(state_dir).store.put_file(source, uri)
    click.echo(f"{uri} -> {path}")
