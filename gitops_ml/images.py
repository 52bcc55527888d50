"""Container image references: the one parser every module uses.

``name[:tag][@digest]``, where a ``:`` counts as the tag's only after the last
``/`` (``localhost:5000/a/b`` has a registry port, no tag). ``split`` keeps the
name as written (what kustomize's ``images:`` matches); ``parse_image`` also
splits off the registry as the container runtime reads it (``docker.io`` when
the first part is no host). ``reference_problem`` says why a reference is one
that no registry or container runtime accepts, by distribution/reference's
grammar.
"""

from __future__ import annotations

import re
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


# -- the grammar a container runtime parses an image with ------------------------------
#
# As github.com/distribution/reference (the parser containerd's CRI and Docker use):
# regexp.go (alphanumeric, separator, domainNameComponent, ipv6address,
# optionalPort, tag, digestPat, ReferenceRegexp), normalize.go ParseNormalizedNamed
# and splitDockerDomain (the implicit docker.io/library/, lower-case repository
# names, no 64-hex identifiers), reference.go Parse (NameTotalLengthMax), and
# github.com/opencontainers/go-digest Digest.Validate (sha256/384/512, lower-case hex
# of their exact length).
_ALPHANUMERIC = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALPHANUMERIC}(?:{_SEPARATOR}{_ALPHANUMERIC})*"
_REMOTE_NAME = rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])"
_DOMAIN_AND_PORT = rf"{_HOST}(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(
    rf"(?P<name>(?:{_DOMAIN_AND_PORT}/)?{_REMOTE_NAME})(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?",
    re.ASCII,
)
_IDENTIFIER = re.compile(r"[a-f0-9]{64}")
_DIGEST_HEX = {"sha256": 64, "sha384": 96, "sha512": 128}
NAME_TOTAL_LENGTH_MAX = 255
_SHOWN = 80


def _docker_domain(name: str) -> tuple[str, str]:
    """splitDockerDomain: (domain, rest), docker.io and library/ filled in."""
    first, sep, rest = name.partition("/")
    if not sep or (
        not any(c in first for c in ".:") and first != "localhost" and first.lower() == first
    ):
        domain, rest = "docker.io", name
    else:
        domain = first
    if domain == "index.docker.io":
        domain = "docker.io"
    if domain == "docker.io" and "/" not in rest:
        rest = "library/" + rest
    return domain, rest


def reference_problem(image: str) -> str | None:
    """Why no container runtime would pull ``image``, or None when it parses."""
    if _IDENTIFIER.fullmatch(image):
        return "is a 64-character hexadecimal identifier, not a repository name"
    if image != image.strip():
        return "has leading or trailing whitespace"
    domain, rest = _docker_domain(image)
    remote = rest.split(":", 1)[0]
    if remote.lower() != remote:
        return f"has upper-case letters in its repository name ({remote[:_SHOWN]})"
    match = _REFERENCE.fullmatch(f"{domain}/{rest}")
    if match is None:
        return _why_not(image)
    if len(match["name"]) > NAME_TOTAL_LENGTH_MAX:
        return f"has a name longer than {NAME_TOTAL_LENGTH_MAX} characters"
    digest = match["digest"]
    if digest is not None:
        algorithm, _, encoded = digest.partition(":")
        length = _DIGEST_HEX.get(algorithm)
        if length is None:
            return f"has a digest of the unknown algorithm {algorithm!r}"
        if len(encoded) != length or not re.fullmatch(r"[a-f0-9]+", encoded, re.ASCII):
            return f"has a {algorithm} digest that is not {length} lower-case hexadecimal digits"
    return None


def _why_not(image: str) -> str:
    """The first part of an unparsable reference that breaks the grammar."""
    if any(c.isspace() for c in image):
        return "contains whitespace"
    if not image:
        return "is empty"
    name, tag, digest = split(image)
    if digest is not None and not re.fullmatch(_DIGEST, digest, re.ASCII):
        return f"has a digest {digest[:_SHOWN]!r} that is not algorithm:hex"
    if tag is not None and not re.fullmatch(_TAG, tag, re.ASCII):
        if len(tag) > 128:
            return f"has a tag of {len(tag)} characters; a tag has at most 128"
        return f"has a tag {tag[:_SHOWN]!r} with characters a tag cannot hold"
    return f"has a name {name[:_SHOWN]!r} that is not [registry/]path of lower-case components"
