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

Not reported: images the cluster itself maintains and that have no version
to pin. These are OpenShift's own ImageStreams in the internal registry's
`openshift` namespace
(`image-registry.openshift-image-registry.svc:5000/openshift/tools:latest`),
and containers whose image an ImageStream trigger sets (the
`image.openshift.io/triggers` annotation, unless `paused`). The trigger's
`fieldPath` is resolved the way OpenShift does it: `<pod spec
path>.containers[<index or ?(@.name=="x")>].image`, mirroring
`ContainerForObjectFieldPath` in openshift/origin
`pkg/image/trigger/annotations/annotations.go`. The `allowedMutable`
option lists more images (globs on the image without its tag).

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

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Option, OptionType, Rule, Scope, Violation

# the OpenShift internal registry, by its service name; ``openshift/`` holds the cluster's streams
_INTERNAL_REGISTRY = re.compile(
    r"^image-registry\.openshift-image-registry\.svc(\.cluster\.local)?(:\d+)?\Z"
)
_TRIGGERS = "image.openshift.io/triggers"
_TRIGGER_FIELD = re.compile(
    r"^(?P<spec>.*?)\.?(?P<list>initContainers|containers)\[(?P<sel>[^\]]*)\]"
)


def _cluster_image(image: str) -> bool:
    ref = workloads.parse_image(image)
    return bool(_INTERNAL_REGISTRY.match(ref.registry)) and ref.repository.startswith("openshift/")


def _triggered(obj: RenderedObject) -> set[tuple[str, str, str]]:
    """(pod spec path, list, selector) of the containers ImageStream triggers set."""
    raw = obj.annotations.get(_TRIGGERS)
    try:
        triggers = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return set()
    out: set[tuple[str, str, str]] = set()
    for trigger in triggers if isinstance(triggers, list) else ():
        if not isinstance(trigger, dict) or trigger.get("paused") is True:
            continue
        field = trigger.get("fieldPath")
        match = _TRIGGER_FIELD.match(field) if isinstance(field, str) else None
        if match:
            out.add((match["spec"], match["list"], match["sel"]))
    return out


def _set_by_trigger(c: workloads.Container, triggered: set[tuple[str, str, str]]) -> bool:
    if len(c.path) < 2:
        return False
    spec = ".".join(str(p) for p in c.path[:-2])
    field = str(c.path[-2])
    return (spec, field, str(c.path[-1])) in triggered or (
        spec,
        field,
        f'?(@.name=="{c.container.get("name")}")',
    ) in triggered


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
    allowed = options["allowedMutable"]
    triggered = _triggered(obj)
    for c in workloads.containers(obj.data):
        image = c.container.get("image")
        if not isinstance(image, str) or not image or "$" in image:
            continue
        if (
            _cluster_image(image)
            or _set_by_trigger(c, triggered)
            or workloads.image_matches(image, allowed)
        ):
            continue
        problem = _problem(image, require_digest)
        if problem:
            yield Violation(
                message=f"{c.noun} image {image} {problem}",
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
        Option(
            "allowedMutable",
            OptionType.STRINGS,
            (),
            "images that may float (globs on the image without its tag, e.g. `quay.io/acme/dev-*`)",
        ),
    ),
)
