"""unknown-kind: no schema is known for an object's apiVersion and kind.

## What it does
Reports objects that gitops-ml cannot validate because neither Kubernetes
nor a bundled or configured CRD defines their `apiVersion`/`kind`.

## Why is this bad?
A wrong group or version (`serving.kubeflow.org/v1alpha2` for KServe, a
`kubeflow.org/v2` PyTorchJob) is exactly what an unknown kind looks like: the
cluster has no such API and the sync fails. When the kind is real but
unknown to gitops-ml, add its CRD under `crds:` in `gitops-ml.yaml` so the
objects are validated too.

## Example
```yaml
apiVersion: serving.kubeflow.org/v1alpha2   # KServe's old group
kind: InferenceService
```

## Use instead
```yaml
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation
from gitops_ml.model import Severity


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    api_version, kind = obj.key.api_version, obj.key.kind
    if not api_version or not kind:
        return
    if not ctx.schemas.knows(api_version, kind):
        yield Violation(
            message=f"no schema for {kind} in {api_version}; the object is not validated",
            path=("apiVersion",),
        )


RULE = Rule(
    id="unknown-kind",
    scope=Scope.OBJECT,
    severity=Severity.WARNING,
    summary="no schema is known for an object's kind",
    remediation="Fix apiVersion/kind, or add the CRD under `crds:` in gitops-ml.yaml.",
    check=check,
    doc=__doc__ or "",
)
