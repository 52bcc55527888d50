"""gpu-request-limit-mismatch: a GPU (or other extended resource) requested unlike its limit.

## What it does
For `nvidia.com/gpu`, `amd.com/gpu` and every other extended resource (a
resource name with a `/`, not `hugepages-*` and not `kubernetes.io/*`),
reports a container that requests it without a limit, or whose request differs
from its limit. A limit alone is fine: the request defaults to the limit.
Covers every container, init containers included, and TrainJob
`spec.trainer.resourcesPerNode`.

## Why is this bad?
Extended resources cannot be overcommitted, so the API server rejects such a
pod: the Deployment of a model server never gets a replica, and the workers of
a PyTorchJob are never created while the job itself looks submitted.

## Example
```yaml
resources:
  requests: {nvidia.com/gpu: 2}
  limits: {nvidia.com/gpu: 1}
```

## Use instead
```yaml
resources:
  limits: {nvidia.com/gpu: 2}
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation


def _same(a: Any, b: Any) -> bool:
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except InvalidOperation:
        return str(a) == str(b)


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    for c in workloads.containers(obj.data):
        requests = c.resources.get("requests")
        limits = c.resources.get("limits")
        limits = limits if isinstance(limits, dict) else {}
        for name, value in (requests if isinstance(requests, dict) else {}).items():
            if not workloads.is_extended_resource(str(name)):
                continue
            path = (*c.path, c.resources_key, "requests", name)
            if name not in limits:
                yield Violation(
                    message=f"{c.noun} requests {value} {name} without a limit",
                    path=path,
                )
            elif not _same(value, limits[name]):
                yield Violation(
                    message=f"{c.noun} requests {value} {name} but limits {limits[name]}",
                    path=path,
                )


RULE = Rule(
    id="gpu-request-limit-mismatch",
    scope=Scope.OBJECT,
    severity=Severity.ERROR,
    summary="a GPU or other extended resource is requested without an equal limit",
    remediation="Set only the limit of the GPU resource (the request defaults to it), "
    "or make request and limit equal.",
    check=check,
    doc=__doc__ or "",
    kinds=workloads.ALL_KINDS,
)
