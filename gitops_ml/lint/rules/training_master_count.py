"""training-master-count: replica specs the Kubeflow training-operator webhook rejects.

## What it does
Ports the static checks of the training-operator admission webhooks of
`release-1.9` (`pkg/webhooks/pytorch/pytorchjob_webhook.go`
`validatePyTorchReplicaSpecs`, `tensorflow/tfjob_webhook.go`
`validateTFReplicaSpecs`, `xgboost/xgboostjob_webhook.go`
`validateXGBReplicaSpecs`, `jax/jaxjob_webhook.go` `validateJAXReplicaSpecs`,
`paddlepaddle/paddlepaddle_webhook.go` `validateSpec`):

* replica specs are required;
* PyTorchJob roles are `Master` or `Worker`; `Master.replicas` must be 1;
  every other role needs at least 1 replica; an `elasticPolicy` needs a
  `Worker`, and `elasticPolicy.nProcPerNode` must not be used with
  `spec.nprocPerNode`;
* a TFJob has at most one `Chief` or `Master` role;
* an XGBoostJob has roles `Master` and `Worker` only, a `Master`, and
  `Master.replicas` of 1;
* a JAXJob has only `Worker` replicas; a PaddleJob `Master` and `Worker`;
* every replica has containers, and every container an image.

A `Master` with `replicas` unset is rejected too (PyTorchJob, XGBoostJob):
`release-1.9` has no defaulting webhook and the CRD no default, so the
validating webhook sees no value, not 1. Unset `replicas` of other roles are
fine. The container name each kind needs is checked by
`training-container-name`; the job's name and `runPolicy.managedBy` by
`training-job-invalid`.

## Why is this bad?
The webhook rejects the job when Argo CD or Flux applies it: the training run
the merge was meant to start never exists, and the sync error is easy to miss
among healthy applications.

## Example
```yaml
pytorchReplicaSpecs:
  Master:
    replicas: 2
```

## Use instead
```yaml
pytorchReplicaSpecs:
  Master:
    replicas: 1
  Worker:
    replicas: 1
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation

_ROLES = {
    "PyTorchJob": ("Master", "Worker"),
    "XGBoostJob": ("Master", "Worker"),
    "JAXJob": ("Worker",),
    "PaddleJob": ("Master", "Worker"),
}


def _replicas(replica: dict[str, Any]) -> int | None:
    value = replica.get("replicas")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _common(obj: RenderedObject, field: str) -> Iterator[Violation]:
    specs = obj.spec.get(field)
    if not isinstance(specs, dict) or not specs:
        yield Violation(message=f"{obj.kind} has no {field}", path=("spec",))
        return
    allowed = _ROLES.get(obj.kind)
    for role, replica in workloads.replica_specs(obj.data):
        path = ("spec", field, role)
        if allowed and role not in allowed:
            yield Violation(
                message=f"{obj.kind} role {role} is not one of {', '.join(allowed)}", path=path
            )
        template = replica.get("template")
        pod = template.get("spec") if isinstance(template, dict) else None
        containers = pod.get("containers") if isinstance(pod, dict) else None
        if not isinstance(containers, list) or not containers:
            yield Violation(message=f"{role} replicas have no containers", path=path)
            continue
        for i, container in enumerate(containers):
            if isinstance(container, dict) and not container.get("image"):
                yield Violation(
                    message=f"{role} container '{container.get('name', i)}' has no image",
                    path=(*path, "template", "spec", "containers", i),
                )


def _pytorch(obj: RenderedObject, field: str) -> Iterator[Violation]:
    roles = dict(workloads.replica_specs(obj.data))
    for role, replica in roles.items():
        count = _replicas(replica)
        path = ("spec", field, role, "replicas")
        if role == "Master" and count != 1:
            yield _master_not_one("PyTorchJob", count, replica, path)
        elif role != "Master" and count is not None and count < 1:
            yield Violation(
                message=f"PyTorchJob {role} replicas is {count}; it must be at least 1", path=path
            )
    elastic = obj.spec.get("elasticPolicy")
    if isinstance(elastic, dict):
        if "Worker" not in roles:
            yield Violation(
                message="PyTorchJob with an elasticPolicy has no Worker replicas",
                path=("spec", "elasticPolicy"),
            )
        if elastic.get("nProcPerNode") is not None and obj.spec.get("nprocPerNode") is not None:
            yield Violation(
                message="elasticPolicy.nProcPerNode must not be used with spec.nprocPerNode",
                path=("spec", "elasticPolicy", "nProcPerNode"),
            )


def _tensorflow(obj: RenderedObject, field: str) -> Iterator[Violation]:
    chiefs = [role for role, _ in workloads.replica_specs(obj.data) if role in ("Chief", "Master")]
    if len(chiefs) > 1:
        yield Violation(
            message=f"TFJob has more than one Chief or Master role ({', '.join(chiefs)})",
            path=("spec", field),
        )


def _xgboost(obj: RenderedObject, field: str) -> Iterator[Violation]:
    roles = dict(workloads.replica_specs(obj.data))
    if "Master" not in roles:
        yield Violation(message="XGBoostJob has no Master replica", path=("spec", field))
        return
    count = _replicas(roles["Master"])
    if count != 1:
        yield _master_not_one("XGBoostJob", count, roles["Master"], ("spec", field, "Master"))


def _master_not_one(
    kind: str, count: int | None, replica: dict[str, Any], path: tuple[str | int, ...]
) -> Violation:
    if replica.get("replicas") is None:
        return Violation(
            message=f"{kind} Master has no replicas; the webhook requires replicas: 1 "
            "(release-1.9 sets no default)",
            path=path[:-1] if path[-1] == "replicas" else path,
        )
    return Violation(
        message=f"{kind} Master replicas is {count}; it must be 1",
        path=path if path[-1] == "replicas" else (*path, "replicas"),
    )


def _nothing(obj: RenderedObject, field: str) -> Iterator[Violation]:
    return iter(())


_BY_KIND = {
    "PyTorchJob": _pytorch,
    "TFJob": _tensorflow,
    "XGBoostJob": _xgboost,
    "JAXJob": _nothing,
    "PaddleJob": _nothing,
}


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    field = workloads.KUBEFLOW_V1_KINDS[obj.kind]
    yield from _common(obj, field)
    if isinstance(obj.spec.get(field), dict):
        yield from _BY_KIND[obj.kind](obj, field)


RULE = Rule(
    id="training-master-count",
    scope=Scope.OBJECT,
    severity=Severity.ERROR,
    summary="a Kubeflow training job's replica specs are rejected by the training-operator webhook",
    remediation="Use exactly one Master (or Chief), at least one Worker, and give every replica "
    "containers with images.",
    check=check,
    doc=__doc__ or "",
    kinds=frozenset(_BY_KIND),
)
