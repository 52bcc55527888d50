"""namespace-mismatch: an object in another namespace than its environment's.

## What it does
When the configuration gives an environment a `namespace`, reports every
namespaced object of that environment whose `metadata.namespace` is set to
another one. Objects without a namespace (the GitOps controller's destination
namespace applies), cluster-scoped kinds, and the GitOps controllers' own
objects (Argo CD `argoproj.io`, Flux `*.toolkit.fluxcd.io`), which live in the
controller's namespace, are not reported.

## Why is this bad?
The staging overlay that still says `namespace: ml-prod` deploys the staging
model server over the production one, or a training job lands in a namespace
without the GPU quota and the data-access service account, and fails.

## Example
```yaml
# gitops-ml.yaml: environments: [{name: staging, namespace: ml-staging}]
metadata:
  name: ranker
  namespace: ml-prod
```

## Use instead
```yaml
# overlays/staging/kustomization.yaml
namespace: ml-staging
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation

CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "StorageClass",
        "CSIDriver",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "PriorityClass",
        "RuntimeClass",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "APIService",
        "ClusterServingRuntime",
        "ClusterStorageContainer",
        "ClusterTrainingRuntime",
        "ClusterQueue",
        "ResourceFlavor",
        "WorkloadPriorityClass",
        "ClusterSecretStore",
        "ClusterIssuer",
    }
)


def _controller_object(obj: RenderedObject) -> bool:
    group = obj.key.group
    return group == "argoproj.io" or group.endswith(".toolkit.fluxcd.io")


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    env = ctx.environment(obj.environment)
    expected = env.namespace if env else None
    actual = obj.key.namespace
    if not expected or not actual or actual == expected:
        return
    if obj.kind in CLUSTER_SCOPED or _controller_object(obj):
        return
    yield Violation(
        message=f"{obj.kind} '{obj.name}' is in namespace {actual}, "
        f"but environment {env.name if env else ''} deploys to {expected}",
        path=("metadata", "namespace"),
    )


RULE = Rule(
    id="namespace-mismatch",
    scope=Scope.OBJECT,
    severity=Severity.ERROR,
    summary="an object's namespace differs from its environment's",
    remediation="Set the environment's namespace in the overlay's kustomization.yaml `namespace:`.",
    check=check,
    doc=__doc__ or "",
)
