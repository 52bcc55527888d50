"""schema-invalid: an object that the API server would reject.

## What it does
Validates every rendered object against the strict JSON schema of its kind:
Kubernetes built-in kinds from the schemas of the configured Kubernetes
version (`kubernetesVersion`, default 1.33), custom resources from the CRD
schemas bundled with gitops-ml (KServe, Kubeflow Training Operator and
Trainer, Argo CD, Flux, Seldon Core v2, Kueue) and any CRD in the repository or
configured under `crds:`. Unknown fields are errors, as with
`kubectl apply --validate=strict`.

An object that patches one the cluster already has is not checked for
missing required fields (unknown fields and types still are): an object with
nothing beyond `apiVersion`, `kind` and `metadata` (a StorageClass that only
changes the default-class annotation), or one Argo CD applies server-side
(`argocd.argoproj.io/sync-options: ServerSideApply=true`). `partial-object`
says, as info, that the object must already exist.

## Why is this bad?
The controller syncs, the API server refuses the object, and the environment
is left half-applied: the new InferenceService is missing while the old
training CronJob keeps running. A typo such as `minReplica` is silently
dropped by some clients, so the model scales to zero in prod.

## Example
```yaml
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
spec:
  predictor:
    minReplica: 2          # the field is minReplicas
```

## Use instead
```yaml
spec:
  predictor:
    minReplicas: 2
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation

SYNC_OPTIONS = "argocd.argoproj.io/sync-options"


def is_partial(obj: RenderedObject) -> bool:
    """Whether the object patches one the cluster has: metadata only, or applied server-side."""
    if obj.data.keys() <= {"apiVersion", "kind", "metadata"}:
        return True
    options = obj.annotations.get(SYNC_OPTIONS)
    if not isinstance(options, str):
        return False
    return "ServerSideApply=true" in (o.strip() for o in options.split(","))


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    if not obj.key.api_version or not obj.key.kind:
        missing = " and ".join(k for k in ("apiVersion", "kind") if not obj.data.get(k))
        yield Violation(message=f"document has no {missing}", path=())
        return
    errors = ctx.schemas.validate(obj.data)
    partial = is_partial(obj)
    for error in errors or ():
        if partial and error.keyword == "required":
            continue
        where = ".".join(str(p) for p in error.path) or "(object)"
        yield Violation(message=f"{where}: {error.message}", path=error.path)


RULE = Rule(
    id="schema-invalid",
    scope=Scope.OBJECT,
    severity=Severity.ERROR,
    summary="an object does not match the schema of its kind",
    remediation="Fix the field at the reported path; `kubectl explain KIND.FIELD` describes it.",
    check=check,
    doc=__doc__ or "",
)
