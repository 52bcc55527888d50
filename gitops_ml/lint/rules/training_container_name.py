"""training-container-name: a training replica without the container its operator looks for.

## What it does
* PyTorchJob, TFJob, XGBoostJob, JAXJob and PaddleJob replicas must have a
  container named `pytorch`, `tensorflow`, `xgboost`, `jax` and `paddle`
  respectively: the training-operator webhook rejects the job otherwise
  (release-1.9 `pkg/webhooks/*/..._webhook.go`, the `validate...ReplicaSpecs`
  functions: "must have at least one container with name ..."), and the
  operator sets the distributed environment (`MASTER_ADDR`, `TF_CONFIG`...)
  and ports only on that container.
  MPIJob is not checked: no webhook requires a name.
* A TrainJob must not set the environment variables the Trainer's Torch plugin
  reserves for torchrun in `spec.trainer.env`: `PET_NNODES`,
  `PET_NPROC_PER_NODE`, `PET_NODE_RANK`, `PET_MASTER_ADDR`,
  `PET_MASTER_PORT` (kubeflow/trainer `TorchRunReservedEnvNames`).

## Why is this bad?
A container named `trainer` in a PyTorchJob is rejected at sync time; with a
reserved `PET_` variable set by hand, the job is rejected or the value is
overwritten, and a run configured for 4 nodes silently trains on 1.

## Example
```yaml
pytorchReplicaSpecs:
  Worker:
    template:
      spec:
        containers:
          - name: trainer
```

## Use instead
```yaml
        containers:
          - name: pytorch
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation

CONTAINER_NAMES = {
    "PyTorchJob": "pytorch",
    "TFJob": "tensorflow",
    "XGBoostJob": "xgboost",
    "JAXJob": "jax",
    "PaddleJob": "paddle",
}
RESERVED_ENV = frozenset(
    {"PET_NNODES", "PET_NPROC_PER_NODE", "PET_NODE_RANK", "PET_MASTER_ADDR", "PET_MASTER_PORT"}
)


def _trainjob(obj: RenderedObject) -> Iterator[Violation]:
    for c in workloads.containers(obj.data):
        env = c.container.get("env")
        for i, var in enumerate(env if isinstance(env, list) else ()):
            name = var.get("name") if isinstance(var, dict) else None
            if name in RESERVED_ENV:
                yield Violation(
                    message=f"TrainJob sets {name}, which the Torch plugin reserves for torchrun",
                    path=(*c.path, "env", i, "name"),
                )


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    if obj.kind == "TrainJob":
        yield from _trainjob(obj)
        return
    expected = CONTAINER_NAMES[obj.kind]
    for pod in workloads.pod_specs(obj.data):
        containers = pod.spec.get("containers")
        if not isinstance(containers, list) or not containers:
            continue  # training-master-count reports replicas without containers
        names = [c.get("name") for c in containers if isinstance(c, dict)]
        if expected not in names:
            yield Violation(
                message=f"{pod.role} replicas have no container named '{expected}' "
                f"(found {', '.join(str(n) for n in names)})",
                path=(*pod.path, "containers"),
            )


RULE = Rule(
    id="training-container-name",
    scope=Scope.OBJECT,
    severity=Severity.ERROR,
    summary="a training replica lacks the container name its operator needs, "
    "or a TrainJob sets reserved env",
    remediation="Name the training container pytorch/tensorflow/xgboost; "
    "leave PET_* variables to the Trainer.",
    check=check,
    doc=__doc__ or "",
    kinds=frozenset(CONTAINER_NAMES) | workloads.TRAINER_KINDS,
)
