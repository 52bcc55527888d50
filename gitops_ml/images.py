"""Container image references: the one parser every module uses.

``name[:tag][@digest]``, where a ``:`` counts as the tag's only after the last
``/`` (``localhost:5000/a/b`` has a registry port, no tag). ``split`` keeps the
name as written (what kustomize's ``images:`` matches); ``parse_image`` also
splits off the registry as the container runtime reads it (``docker.io`` when
the first part is no host).
"""

from __future__ import annotations

from typing import NamedTuple


class ImageRef(NamedTuple):
    registry: str
    repository: str
    tag: str | None
    digest: str | None


def split(image: str) -> tuple[str, str | None, str | None]:
    """(name as written, tag, digest); a part that is not there is None."""
    name, at, digest = image.partition("@")
    slash, colon = name.rfind("/"), name.rfind(":")
    tag = None
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    return name, tag, digest if at else None


def name_of(image: str) -> str:
    """The name of an image without its tag and digest, as written."""
    return split(image)[0]


def parse_image(image: str) -> ImageRef:
    """Split an image reference as the container runtime reads it."""
    name, tag, digest = split(image)
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return ImageRef(first, rest, tag, digest)
    return ImageRef("docker.io", name, tag, digest)
