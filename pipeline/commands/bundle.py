"""``smpipe bundle``: build the code bundle and say the URI it belongs at."""

from __future__ import annotations

from pathlib import Path

import click
import yaml

from compiler.errors import UsageError
from pipeline.bundle.build import build_bundle


@click.command("bundle")
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build/bundle"),
    show_default=True,
    help="Folder for <version>/pipeline_code.tar.gz.",
)
@click.option(
    "--code-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("pipeline/code"),
    show_default=True,
)
@click.option("--bucket", default=None, help="Bucket of the URI [default: the env's data_bucket].")
@click.option("--env", "env", default="dev", show_default=True, help="spec/env/NAME.yaml.")
@click.option(
    "--local-store",
    is_flag=True,
    help="Also put the bundle at its URI in the local object store (for local runs).",
)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="SMPIPE_STATE_DIR",
    default=None,
    help="The local state with --local-store [default: .smpipe].",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only the URI.")
@click.option(
    "--upload",
    "upload_to",
    default=None,
    metavar="S3_PREFIX",
    help="Upload to s3://<bucket>/pipeline/code/<git_sha>/ (skipped when the same bytes are "
    "there; different bytes are refused). Uses AWS_PROFILE/AWS_REGION.",
)
@click.option("--allow-dirty", is_flag=True, help="With --upload: accept uncommitted changes.")
def bundle(
    out_dir: Path,
    code_dir: Path,
    bucket: str | None,
    env: str,
    local_store: bool,
    state_dir: Path | None,
    quiet: bool,
    upload_to: str | None,
    allow_dirty: bool,
) -> None:
    """Build pipeline_code.tar.gz reproducibly from the step code, named by git SHA."""
    built = build_bundle(code_dir, out_dir)
    uri = built.uri(bucket or _env_bucket(env))
    if local_store:
        from pipeline.local.home import LocalHome

        LocalHome(state_dir).store.put_file(built.path, uri)
    if upload_to:
        from pipeline.bundle.upload import upload_bundle

        uploaded = upload_bundle(built, upload_to, allow_dirty=allow_dirty)
        uri = uploaded.uri
        if not quiet:
            click.echo(uploaded.describe())
    if quiet:
        click.echo(uri)
        return
    click.echo(f"bundle:  {built.path} ({len(built.files)} files, sha256 {built.sha256[:16]})")
    click.echo(f"version: {built.version}")
    click.echo(f"uri:     {uri}" + ("  (put in the local object store)" if local_store else ""))


def _env_bucket(env: str) -> str:
    path = Path("spec/env") / f"{env}.yaml"
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise UsageError(f"cannot read the bucket from {path} ({error}); pass --bucket") from error
    bucket = values.get("data_bucket") if isinstance(values, dict) else None
    if not isinstance(bucket, str) or not bucket:
        raise UsageError(f"{path} has no data_bucket; pass --bucket")
    return bucket
