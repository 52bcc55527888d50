"""unknown-kind: no schema is known for an object's apiVersion and kind.

## What it does
Reports objects that gitops-ml cannot validate because neither Kubernetes
nor a bundled or configured CRD defines their `apiVersion`/`kind`:

* a kind of a Kubernetes API group (`apps`, `batch`, the core group...) that
  the configured Kubernetes version does not have, or a kind gitops-ml knows
  (a bundled CRD, one of `crds:`) in a version it does not have, is a
  warning for each object: that is what a typo or a removed API looks like;
* any other kind (an operator's API gitops-ml has no CRD for, such as OLM's
  `operators.coreos.com` Subscription or Flux's HelmRelease) is one info per
  kind for the whole run, with the number of objects: the objects may be
  right, they are just not validated.

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

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation


def check(
    ctx: LintContext, subject: LintContext, options: Mapping[str, Any]
) -> Iterator[Violation]:
    foreign: dict[tuple[str, str], list[RenderedObject]] = {}
    for obj in ctx.objects():
        api_version, kind = obj.key.api_version, obj.key.kind
        if not api_version or not kind or "__document__" in obj.data:
            continue
        if ctx.schemas.knows(api_version, kind):
            continue
        group = api_version.rpartition("/")[0]
        if ctx.schemas.builtin_group(group) or ctx.schemas.knows_kind(group, kind):
            yield Violation(
                message=f"no schema for {kind} in {api_version}; the object is not validated",
                obj=obj,
                path=("apiVersion",),
            )
        else:
            foreign.setdefault((api_version, kind), []).append(obj)
    for (api_version, kind), objects in foreign.items():
        more = f" ({len(objects)} objects)" if len(objects) > 1 else ""
        yield Violation(
            message=f"{kind} of {api_version} is an API gitops-ml has no schema for{more}; "
            "its objects are not validated",
            obj=objects[0],
            path=("apiVersion",),
            severity=Severity.INFO,
        )


RULE = Rule(
    id="unknown-kind",
    scope=Scope.REPOSITORY,
    severity=Severity.WARNING,
    summary="no schema is known for an object's kind",
    remediation="Fix apiVersion/kind, or add the CRD under `crds:` in gitops-ml.yaml.",
    check=check,
    doc=__doc__ or "",
)
