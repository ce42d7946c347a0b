"""Image URIs -> ``images:`` entries. A URI SageMaker publishes (compiler/data/images.json,
from the SDK's image tables) becomes ``{framework, version}``, so the deploy region picks
the registry; any other URI stays ``{uri: ...}``."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from compiler.sagemaker_data import image_config, resolve_image

_ECR = re.compile(r"([0-9]{12})\.dkr\.(ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?)/([^:@]+):(.+)")


def recognise(uri: str) -> tuple[str, str, str] | None:
    """(framework, version, region) of a SageMaker-published image URI, or None."""
    match = _ECR.fullmatch(uri)
    if match is None:
        return None
    account, _host, region, repository, tag = match.groups()
    config = image_config()
    for framework, entry in config.items():
        if framework.startswith("_"):
            continue
        for version, image in entry["versions"].items():
            if (
                image["repository"] == repository
                and image["tag"] == tag
                and image["registries"].get(region) == account
            ):
                try:
                    if resolve_image(framework, version, region) == uri:
                        return framework, version, region
                except KeyError:
                    continue
    return None


def image_region(uris: list[str]) -> str | None:
    """The region most recognised images are in: the deploy region they imply."""
    regions = Counter(found[2] for uri in uris if (found := recognise(uri)) is not None)
    return regions.most_common(1)[0][0] if regions else None


def images_section(
    keys: dict[str, str], region: str | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """(images: section, temporary key -> final key). Recognised images of another region
    than the deploy region stay URIs: one spec resolves images for one region."""
    section: dict[str, Any] = {}
    renamed: dict[str, str] = {}
    for uri, temporary in keys.items():
        found = recognise(uri)
        if found is not None and found[2] == region:
            framework, version, _ = found
            entry: dict[str, Any] = {"framework": framework, "version": version}
            base = framework
        else:
            entry = {"uri": uri}
            repository = uri.split("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]
            base = re.sub(r"[^A-Za-z0-9_-]+", "-", repository.rsplit("/", 1)[-1]).strip("-")
            base = base.removeprefix("sagemaker-") or "image"
        key = base
        if key in section:
            key = f"{base}-{found[1]}" if found is not None else base
        counter = 2
        while key in section:
            key, counter = f"{base}-{counter}", counter + 1
        section[key] = entry
        renamed[temporary] = key
    return section, renamed
