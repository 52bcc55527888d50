"""image-registry-not-allowed: an image pulled from a registry that is not allowed.

## What it does
Compares the registry of every container image (the same containers as
`image-tag-mutable`) with the `allowedRegistries` option. A name without a
registry host (`pytorch/pytorch:2.3.1`) is on `docker.io`. An entry matches its
registry host exactly, or a prefix of `host/path` when it contains a `/`
(`ghcr.io/acme` allows `ghcr.io/acme/trainer`). The rule is silent while
`allowedRegistries` is empty.

## Why is this bad?
Training and serving images carry the model code and often credentials to
the feature store. An image from an unvetted registry skips the scanning and
signing of the internal one, and a public registry's rate limit can keep a
256-GPU job waiting for its workers to pull.

## Example
```yaml
# option allowedRegistries: [registry.acme.io]
containers:
  - name: kserve-container
    image: docker.io/someone/llm-server:1.0
```

## Use instead
```yaml
containers:
  - name: kserve-container
    image: registry.acme.io/serving/llm-server:1.0
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Option, OptionType, Rule, Scope, Violation


def allowed(image: str, registries: list[str] | tuple[str, ...]) -> bool:
    ref = workloads.parse_image(image)
    full = f"{ref.registry}/{ref.repository}"
    for entry in registries:
        entry = entry.rstrip("/")
        if entry == ref.registry or ("/" in entry and full.startswith(entry + "/")):
            return True
    return False


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    registries: list[str] = list(options["allowedRegistries"])
    if not registries:
        return
    for c in workloads.containers(obj.data):
        image = c.container.get("image")
        if not isinstance(image, str) or not image or "$" in image:
            continue
        if not allowed(image, registries):
            registry = workloads.parse_image(image).registry
            yield Violation(
                message=f"{c.noun} image {image} comes from {registry}, "
                f"which is not in allowedRegistries",
                path=(*c.path, "image"),
            )


RULE = Rule(
    id="image-registry-not-allowed",
    scope=Scope.OBJECT,
    severity=Severity.ERROR,
    summary="a container image comes from a registry that is not allowed",
    remediation="Mirror the image into an allowed registry and reference it there.",
    check=check,
    doc=__doc__ or "",
    kinds=workloads.ALL_KINDS,
    options=(
        Option(
            "allowedRegistries",
            OptionType.STRINGS,
            (),
            "registry hosts, or `host/path` prefixes, that images may come from; "
            "while empty the rule is silent",
        ),
    ),
)
