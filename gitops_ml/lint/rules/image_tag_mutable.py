"""image-tag-mutable: a container image without a tag, or tagged `latest`.

## What it does
Checks the image of every container, init container and model server: pod
templates of Deployments, StatefulSets, DaemonSets, Jobs and CronJobs, the
replicas of PyTorchJob/TFJob/MPIJob/XGBoostJob, TrainJob `spec.trainer.image`,
TrainingRuntimes, KServe InferenceService components and ServingRuntimes. An
image with no tag (which means `latest`) or the tag `latest` is reported; an
image pinned by digest is always accepted. With `requireDigest`, any image
without a `@sha256:` digest is reported. Errors in prod-tier environments,
warnings elsewhere.

## Why is this bad?
`latest` moves. A node pulls whatever the tag points to on the day the pod
starts, so two workers of the same PyTorchJob can run different CUDA or
PyTorch builds and NCCL hangs, and a model server restarted at night silently
serves with a new tokenizer or preprocessing. A rollback to the "same"
manifest does not bring the old code back.

## Example
```yaml
containers:
  - name: pytorch
    image: ghcr.io/acme/trainer:latest
```

## Use instead
```yaml
containers:
  - name: pytorch
    image: ghcr.io/acme/trainer:2.3.1-cuda12.1   # or @sha256:...
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Option, OptionType, Rule, Scope, Violation
from gitops_ml.model import Severity


def _problem(image: str, require_digest: bool) -> str | None:
    ref = workloads.parse_image(image)
    if ref.digest:
        return None
    if require_digest:
        return "is not pinned by digest"
    if ref.tag is None:
        return "has no tag, so it runs whatever `latest` points to"
    if ref.tag == "latest":
        return "uses the mutable tag `latest`"
    return None


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    severity = Severity.ERROR if ctx.tier(obj.environment) == "prod" else Severity.WARNING
    require_digest: bool = options["requireDigest"]
    for c in workloads.containers(obj.data):
        image = c.container.get("image")
        if not isinstance(image, str) or not image or "$" in image:
            continue
        problem = _problem(image, require_digest)
        if problem:
            yield Violation(
                message=f"{c.role} container '{c.name}' image {image} {problem}",
                path=(*c.path, "image"),
                severity=severity,
            )


RULE = Rule(
    id="image-tag-mutable",
    scope=Scope.OBJECT,
    severity=Severity.ERROR,
    summary="a container image has no tag or uses `latest`",
    remediation="Pin the image to a version tag or, better, a digest (`image@sha256:...`).",
    check=check,
    doc=__doc__ or "",
    kinds=workloads.ALL_KINDS,
    options=(
        Option(
            "requireDigest",
            OptionType.BOOLEAN,
            False,
            "report every image that is not pinned by digest, tags included",
        ),
    ),
)
