"""resources-missing: a container without CPU and memory requests or a memory limit.

## What it does
Checks the (non-init) containers of Deployments, StatefulSets, DaemonSets,
ReplicaSets, Jobs, CronJobs, Pods, the replicas of PyTorchJob/TFJob/MPIJob/
XGBoostJob and the predictor and transformer of a KServe InferenceService
(custom containers and model-format predictors such as
`spec.predictor.model`). Each must request `cpu` and `memory` and limit
`memory`. A value set only under `limits` counts as a request, since
Kubernetes defaults the request to the limit. Init containers,
TrainingRuntimes, TrainJobs and ServingRuntimes (whose resources are usually
set by the job or the InferenceService that uses them) are not checked.

ModelMesh is the exception: an InferenceService annotated
`serving.kserve.io/deploymentMode: ModelMesh` only names a model, which
ModelMesh loads into the pods of the ServingRuntime named by
`predictor.model.runtime`. Its predictor is not checked; the ServingRuntime
is, when it is in the same render.

## Why is this bad?
Without requests the scheduler packs a data-loading worker or a model server
onto a node that cannot hold it; without a memory limit one process that loads
a larger checkpoint than expected takes the node's memory and the kernel kills
its neighbours, often the training job next to it, hours into an epoch. A
KServe predictor without resources gets the cluster's default, rarely right
for a model.

## Example
```yaml
containers:
  - name: pytorch
    image: ghcr.io/acme/trainer:2.3.1
```

## Use instead
```yaml
containers:
  - name: pytorch
    image: ghcr.io/acme/trainer:2.3.1
    resources:
      requests: {cpu: "8", memory: 64Gi}
      limits: {memory: 64Gi, nvidia.com/gpu: 1}
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation

_ROLES = frozenset({"predictor", "transformer", "worker"})


def _missing(resources: dict[str, Any]) -> list[str]:
    requests = resources.get("requests")
    limits = resources.get("limits")
    requests = requests if isinstance(requests, dict) else {}
    limits = limits if isinstance(limits, dict) else {}
    missing = [f"{r} request" for r in ("cpu", "memory") if r not in requests and r not in limits]
    if "memory" not in limits:
        missing.append("memory limit")
    return missing


def _render_of(ctx: LintContext, obj: RenderedObject) -> list[RenderedObject]:
    if obj.overlay is None:
        return ctx.manifests
    return next((o.objects for o in ctx.overlays if o.path == obj.overlay), [])


def _serves_modelmesh(ctx: LintContext, runtime: RenderedObject) -> bool:
    """Whether a ModelMesh InferenceService of the same render loads its models here."""
    objects = [o.data for o in _render_of(ctx, runtime)]
    return any(
        workloads.modelmesh_runtime(o, objects) is runtime.data
        for o in objects
        if workloads.is_modelmesh(o)
    )


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    if workloads.is_modelmesh(obj.data):
        return  # a pointer to a model; its runtime's pods hold the resources
    if obj.kind in workloads.SERVING_RUNTIME_KINDS and not _serves_modelmesh(ctx, obj):
        return
    for c in workloads.containers(obj.data, init=False):
        if obj.kind == "InferenceService" and c.role not in _ROLES:
            continue
        missing = _missing(c.resources)
        if missing:
            has_resources = isinstance(c.container.get("resources"), dict)
            yield Violation(
                message=f"{c.noun} has no {', '.join(missing)}",
                path=(*c.path, "resources") if has_resources else c.path,
            )


RULE = Rule(
    id="resources-missing",
    scope=Scope.OBJECT,
    severity=Severity.WARNING,
    summary="a container has no CPU/memory requests or no memory limit",
    remediation="Set requests.cpu, requests.memory and limits.memory in the container's resources.",
    check=check,
    doc=__doc__ or "",
    kinds=workloads.WORKLOAD_KINDS
    | frozenset({"CronJob", "Pod", "InferenceService"})
    | workloads.SERVING_RUNTIME_KINDS
    | frozenset(workloads.KUBEFLOW_V1_KINDS),
)
