"""Rules on images: known framework, version and region (the SDK's bundled image config)."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.diagnostics import Diagnostic, problem
from compiler.model import FrameworkImage
from compiler.rules.context import SpecContext
from compiler.rules.registry import rule
from compiler.rules.suggest import did_you_mean
from compiler.sagemaker_data import image_config, resolve_image
from compiler.variables import is_unresolved


@rule("image-unknown", "images", "An image's framework or version is not one SageMaker publishes.")
def image_unknown(ctx: SpecContext) -> Iterator[Diagnostic]:
    config = image_config()
    frameworks = [name for name in config if not name.startswith("_")]
    for key, image in ctx.spec.images.items():
        if not isinstance(image, FrameworkImage):
            continue
        if image.framework not in frameworks:
            yield problem(
                "image-unknown",
                ("images", key, "framework"),
                f'framework "{image.framework}" is not known to smpipe{did_you_mean(image.framework, frameworks)}; '
                "give an explicit {uri: ...} for other images",
            )
            continue
        entry = config[image.framework]
        version = entry["aliases"].get(image.version, image.version)
        if version not in entry["versions"]:
            yield problem(
                "image-unknown",
                ("images", key, "version"),
                f'{image.framework} has no version "{image.version}" (known: {", ".join(entry["versions"])})',
            )


@rule(
    "image-region",
    "images",
    "An image is not published in the deploy region (the `region` variable).",
)
def image_region(ctx: SpecContext) -> Iterator[Diagnostic]:
    if ctx.variables is None:
        return
    region = ctx.variables.get("region")
    framework_images = {k: v for k, v in ctx.spec.images.items() if isinstance(v, FrameworkImage)}
    if not framework_images:
        return
    if region is None:
        key = next(iter(framework_images))
        yield problem(
            "deploy-variable-missing",
            ("images", key),
            'deploy variable "region" is not set: images by framework are resolved for it',
        )
        return
    if is_unresolved(region):
        return
    for key, image in framework_images.items():
        try:
            resolve_image(image.framework, image.version, region)
        except KeyError as unknown:
            if unknown.args[0] == "region":
                yield problem(
                    "image-region",
                    ("images", key),
                    f'{image.framework} {image.version} is not published in region "{region}"',
                )
