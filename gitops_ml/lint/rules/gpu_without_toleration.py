"""gpu-without-toleration: a GPU pod that neither tolerates the GPU taint nor targets GPU nodes.

## What it does
For every pod that requests a GPU (a resource such as `nvidia.com/gpu` or
`amd.com/gpu` in any of its containers), checks that it tolerates the GPU
taint (a toleration for `taintKey`, or one with `operator: Exists` and no key)
or selects GPU nodes (a `nodeSelector` key, or a key of a required node
affinity term, listed in `nodeLabels`). Covers workloads, Kubeflow training
replicas, TrainingRuntimes, KServe InferenceService components,
ServingRuntimes and LLMInferenceService pods (with the pod templates of the
LLMInferenceServiceConfig objects its `baseRefs` name, which KServe merges in;
a service whose base config is not in the render is not judged), JobSet
replicated jobs, LeaderWorkerSet templates and KubeRay head and worker groups. TrainJobs are not checked: their pod is the runtime's.

## Why is this bad?
GPU node pools are tainted so that CPU pods stay off them. A pod that asks for
a GPU without the toleration stays `Pending` forever: the training run never
starts, or the new model server never becomes ready and the rollout stalls.
(Clusters whose admission adds the toleration, such as GKE's
ExtendedResourceToleration, are fine; disable the rule there.)

## Example
```yaml
spec:
  containers:
    - name: pytorch
      resources: {limits: {nvidia.com/gpu: 1}}
```

## Use instead
```yaml
spec:
  tolerations:
    - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
  containers:
    - name: pytorch
      resources: {limits: {nvidia.com/gpu: 1}}
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Option, OptionType, Rule, Scope, Violation

OPTIONS = (
    Option("taintKey", OptionType.STRING, "nvidia.com/gpu", "the taint key of GPU nodes"),
    Option(
        "nodeLabels",
        OptionType.STRINGS,
        (
            "nvidia.com/gpu.present",
            "nvidia.com/gpu.product",
            "cloud.google.com/gke-accelerator",
            "k8s.amazonaws.com/accelerator",
            "node.kubernetes.io/instance-type",
            "accelerator",
        ),
        "node labels that select GPU nodes (as a nodeSelector or required node affinity key)",
    ),
)


def tolerates(pod: dict[str, Any], taint_key: str) -> bool:
    for toleration in workloads.as_list(pod.get("tolerations")):
        if not isinstance(toleration, dict):
            continue
        key = toleration.get("key")
        if key == taint_key or (not key and toleration.get("operator") == "Exists"):
            return True
    return False


def selects_gpu_nodes(pod: dict[str, Any], labels: set[str]) -> bool:
    selector = pod.get("nodeSelector")
    if isinstance(selector, dict) and labels & set(selector):
        return True
    affinity = pod.get("affinity")
    node = affinity.get("nodeAffinity") if isinstance(affinity, dict) else None
    required = (
        node.get("requiredDuringSchedulingIgnoredDuringExecution")
        if isinstance(node, dict)
        else None
    )
    terms = required.get("nodeSelectorTerms") if isinstance(required, dict) else None
    for term in workloads.as_list(terms):
        for expression in workloads.as_list(
            term.get("matchExpressions") if isinstance(term, dict) else None
        ):
            if isinstance(expression, dict) and expression.get("key") in labels:
                return True
    return False


def _base_configs(ctx: LintContext, obj: RenderedObject) -> list[dict[str, Any]] | None:
    """The LLMInferenceServiceConfig objects an LLMInferenceService builds on (``baseRefs``).

    KServe merges them into the service, so their pod templates may carry the
    toleration; None when one of them is not in the render (it cannot be judged).
    """
    names = [
        str(workloads.as_dict(ref).get("name"))
        for ref in workloads.as_list(obj.spec.get("baseRefs"))
    ]
    if not names:
        return []
    configs = {
        (o.key.namespace, o.key.name): o.data
        for o in ctx.objects()
        if o.kind == "LLMInferenceServiceConfig"
    }
    found = []
    for name in names:
        match = configs.get((obj.key.namespace, name)) or next(
            (data for (_, n), data in configs.items() if n == name), None
        )
        if match is None:
            return None
        found.append(match)
    return found


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    taint_key: str = options["taintKey"]
    labels = set(options["nodeLabels"])
    bases = _base_configs(ctx, obj) if obj.kind in workloads.LLM_KINDS else []
    if bases is None:
        return
    for pod in workloads.pod_specs(obj.data):
        if not workloads.pod_requests_gpu(obj.data, pod):
            continue
        merged = [pod.spec] + [
            workloads.as_dict(workloads.get_path(base, pod.path)) for base in bases
        ]
        if any(tolerates(s, taint_key) or selects_gpu_nodes(s, labels) for s in merged):
            continue
        yield Violation(
            message=f"{pod.noun} requests a GPU but has no toleration for {taint_key} "
            f"and no nodeSelector or node affinity for GPU nodes",
            path=pod.path,
        )


RULE = Rule(
    id="gpu-without-toleration",
    scope=Scope.OBJECT,
    severity=Severity.WARNING,
    summary="a pod requests GPUs but neither tolerates the GPU taint nor selects GPU nodes",
    remediation="Add a toleration for the GPU taint (e.g. key nvidia.com/gpu, operator Exists) "
    "or a nodeSelector for GPU nodes.",
    check=check,
    doc=__doc__ or "",
    kinds=workloads.ALL_KINDS - workloads.TRAINER_KINDS,
    options=OPTIONS,
)
