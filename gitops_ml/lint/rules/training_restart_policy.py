"""training-restart-policy: training that can restart forever on its GPUs.

## What it does
* A Kubeflow v1 training job (PyTorchJob, TFJob, MPIJob, XGBoostJob) replica
  with `restartPolicy: Always`.
* A Kubeflow v1 training job whose replicas restart failed pods
  (`OnFailure`, `ExitCode`, `Always`, or unset on a PyTorchJob, whose default
  is `OnFailure`) with neither `runPolicy.backoffLimit` nor
  `runPolicy.activeDeadlineSeconds`.
* A pod template with `restartPolicy: Always` in a batch Job, a CronJob or a
  TrainingRuntime's JobSet (the API server rejects it for Jobs).

The pod template's own `restartPolicy` inside a Kubeflow v1 replica is not
checked: the operator overwrites it with the replica's. A batch Job without
`backoffLimit` is not reported (Kubernetes defaults it to 6), nor a TrainJob
(its JobSet does not restart by default).

The Kubeflow findings are policy, not admission (the operator accepts these
jobs): warnings, errors in a prod-tier environment. `restartPolicy: Always`
in a Job's pod template is an error everywhere: the API server rejects it.

## Why is this bad?
A training process that crashes on a bad shard, a CUDA OOM or a NCCL timeout
is restarted again and again: the job never fails, nobody is paged, and eight
GPUs burn for days on a loop.

## Example
```yaml
spec:
  pytorchReplicaSpecs:
    Worker:
      restartPolicy: OnFailure
```

## Use instead
```yaml
spec:
  runPolicy:
    backoffLimit: 3
    activeDeadlineSeconds: 86400
  pytorchReplicaSpecs:
    Worker:
      restartPolicy: OnFailure
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation

_RESTARTING = frozenset({"OnFailure", "ExitCode", "Always"})
_DEFAULT_POLICY = {"PyTorchJob": "OnFailure"}


def _kubeflow_v1(obj: RenderedObject, severity: Severity) -> Iterator[Violation]:
    field = workloads.KUBEFLOW_V1_KINDS[obj.kind]
    restarts = False
    for role, replica in workloads.replica_specs(obj.data):
        policy = replica.get("restartPolicy") or _DEFAULT_POLICY.get(obj.kind, "Never")
        restarts = restarts or policy in _RESTARTING
        if replica.get("restartPolicy") == "Always":
            yield Violation(
                message=f"{role} replicas have restartPolicy Always: a finished or failed "
                f"training process is restarted forever",
                path=("spec", field, role, "restartPolicy"),
                severity=severity,
            )
    run_policy = obj.spec.get("runPolicy")
    run_policy = run_policy if isinstance(run_policy, dict) else {}
    limits = ("backoffLimit", "activeDeadlineSeconds")
    if restarts and not any(run_policy.get(k) is not None for k in limits):
        yield Violation(
            message=f"{obj.kind} '{obj.name}' restarts failed pods but sets neither "
            f"runPolicy.backoffLimit nor runPolicy.activeDeadlineSeconds",
            path=("spec", "runPolicy") if run_policy else ("spec",),
            severity=severity,
        )


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    if obj.kind in workloads.KUBEFLOW_V1_KINDS:
        prod = ctx.tier(obj.environment) == "prod"
        yield from _kubeflow_v1(obj, Severity.ERROR if prod else Severity.WARNING)
        return
    for pod in workloads.pod_specs(obj.data):
        if pod.spec.get("restartPolicy") == "Always":
            yield Violation(
                message=f"{pod.noun} template of a Job has restartPolicy Always "
                f"(only Never or OnFailure are valid)",
                path=(*pod.path, "restartPolicy"),
                severity=Severity.ERROR,
            )


RULE = Rule(
    id="training-restart-policy",
    scope=Scope.OBJECT,
    severity=Severity.WARNING,
    summary="a training job can restart forever",
    remediation="Use restartPolicy OnFailure or Never and set runPolicy.backoffLimit "
    "and activeDeadlineSeconds.",
    check=check,
    doc=__doc__ or "",
    kinds=frozenset(workloads.KUBEFLOW_V1_KINDS)
    | workloads.TRAINING_RUNTIME_KINDS
    | frozenset({"Job", "CronJob"}),
)
