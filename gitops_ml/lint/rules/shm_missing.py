"""shm-missing: a PyTorch training pod or GPU model server without a memory-backed /dev/shm.

## What it does
Checks that these containers mount an `emptyDir` volume with
`medium: Memory` at `/dev/shm` (or run in a pod with `hostIPC: true`):

* the `pytorch` container of every PyTorchJob replica (all containers when
  none is named `pytorch`);
* the `node` containers of a TrainingRuntime/ClusterTrainingRuntime whose
  `mlPolicy` is `torch` (a TrainJob's pod comes from its runtime, so the
  runtime is where the volume belongs);
* containers of a Job, a CronJob or a JobSet replicated job whose image is a
  PyTorch image (`pytorch` or `torch` in the repository name);
* GPU model servers: containers of a Deployment, StatefulSet or
  LeaderWorkerSet (leader and worker templates) that request a GPU, and KServe InferenceService predictor containers that request a GPU
  (the volume goes in `spec.predictor.volumes`, the mount in the container).
  A model-format predictor that names its `runtime` is not checked: the
  ServingRuntime's container and volumes are merged into it. TensorFlow
  predictors on a single GPU are not checked either: TensorFlow Serving is
  one process and passes nothing through shared memory.

Not checked, because the operator adds the volume itself: KubeRay pods
(RayCluster, RayJob, RayService: `BuildPod` in KubeRay's
`ray-operator/controllers/ray/common/pod.go` mounts a memory `emptyDir` at
`/dev/shm` unless `rayStartParams` moves the object store elsewhere with
`plasma-directory`) and KServe LLMInferenceService (its default preset
`config/llmisvcconfig/config-llm-template.yaml`, merged into every
LLMInferenceService, mounts the `dshm` memory volume).

It also reports the Docker-only flags `--shm-size` and `--ipc=host` in a
container's `command` or `args`, where they do nothing.

## Why is this bad?
A container's `/dev/shm` is 64 MiB. PyTorch DataLoader workers pass batches
through shared memory and die with "bus error" or "unable to write to file
</torch_...>" after the first large batch; NCCL and vLLM tensor parallelism
use it between GPU processes and fail or fall back to slow paths. `docker run
--shm-size` has no Kubernetes equivalent in the arguments.

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
    volumeMounts: [{name: dshm, mountPath: /dev/shm}]
volumes:
  - name: dshm
    emptyDir: {medium: Memory, sizeLimit: 16Gi}
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation
from gitops_ml.lint.workloads import Container

_TORCH_IMAGE = re.compile(r"(^|[/_-])(py)?torch([/_.:-]|\Z)", re.IGNORECASE)
_GPU_SERVERS = frozenset({"Deployment", "StatefulSet", "LeaderWorkerSet", "InferenceService"})


def has_shm(c: Container) -> bool:
    pod = c.pod.spec if c.pod else {}
    if pod.get("hostIPC") is True:
        return True
    memory_volumes = {
        v.get("name")
        for v in workloads.as_list(pod.get("volumes"))
        if isinstance(v, dict)
        and isinstance(v.get("emptyDir"), dict)
        and v["emptyDir"].get("medium") == "Memory"
    }
    return any(
        isinstance(m, dict)
        and str(m.get("mountPath", "")).rstrip("/") == "/dev/shm"
        and m.get("name") in memory_volumes
        for m in workloads.as_list(c.container.get("volumeMounts"))
    )


def _torch_image(c: Container) -> bool:
    image = c.container.get("image")
    return isinstance(image, str) and bool(
        _TORCH_IMAGE.search(workloads.parse_image(image).repository)
    )


def _candidates(obj: RenderedObject) -> Iterator[tuple[Container, str]]:
    data = obj.data
    main = list(workloads.containers(data, init=False))
    if obj.kind == "PyTorchJob":
        for role in {c.role for c in main}:
            of_role = [c for c in main if c.role == role]
            named = [c for c in of_role if c.container.get("name") == "pytorch"]
            yield from ((c, "PyTorch training") for c in named or of_role)
    elif obj.kind in workloads.TRAINING_RUNTIME_KINDS:
        policy = obj.spec.get("mlPolicy")
        if isinstance(policy, dict) and "torch" in policy:
            yield from ((c, "PyTorch training") for c in main if c.role == "node")
    elif obj.kind in ("Job", "CronJob", "JobSet"):
        yield from ((c, "PyTorch") for c in main if _torch_image(c))

    elif obj.kind in _GPU_SERVERS:
        for c in main:
            if obj.kind == "InferenceService" and (
                c.role != "predictor" or "runtime" in c.container
            ):
                continue
            if workloads.gpu_resources(c.resources) and not _single_gpu_tensorflow(c):
                yield c, "GPU model server"


def _single_gpu_tensorflow(c: Container) -> bool:
    """TensorFlow Serving on one GPU: one process, nothing passes through /dev/shm."""
    fmt = str(c.path[-1]) if c.path else ""
    if fmt == "model":
        model_format = c.container.get("modelFormat")
        fmt = str(model_format.get("name", "")) if isinstance(model_format, dict) else ""
    if fmt.lower() != "tensorflow":
        return False
    limits = c.resources.get("limits") if isinstance(c.resources, dict) else None
    amounts = [
        (limits or {}).get(name, 1) if isinstance(limits, dict) else 1
        for name in workloads.gpu_resources(c.resources)
    ]
    try:
        return sum(float(str(a)) for a in amounts) <= 1
    except ValueError:
        return False


_DOCKER_FLAG = re.compile(r"^--(shm-size|ipc)(=|\Z)")


def _docker_flags(c: Container) -> Iterator[tuple[str, int, str]]:
    for field in ("command", "args"):
        items = workloads.as_list(c.container.get(field))
        for i, item in enumerate(items):
            if not isinstance(item, str) or not _DOCKER_FLAG.match(item):
                continue
            if item.startswith("--ipc") and item != "--ipc=host":
                following = items[i + 1] if i + 1 < len(items) else None
                if item != "--ipc" or following != "host":
                    continue
            yield field, i, item


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    for c, what in _candidates(obj):
        if not has_shm(c):
            yield Violation(
                message=f"{what} {c.noun} has no memory-backed /dev/shm",
                path=c.path,
            )
    for c in workloads.containers(obj.data):
        for field, i, flag in _docker_flags(c):
            yield Violation(
                message=f"{c.noun} passes the Docker flag {flag}, "
                f"which Kubernetes ignores; mount an emptyDir with medium Memory at /dev/shm",
                path=(*c.path, field, i),
            )


RULE = Rule(
    id="shm-missing",
    scope=Scope.OBJECT,
    severity=Severity.WARNING,
    summary="a PyTorch training pod or GPU model server has no memory-backed /dev/shm",
    remediation="Mount an emptyDir volume with medium: Memory at /dev/shm in the container.",
    check=check,
    doc=__doc__ or "",
    kinds=workloads.ALL_KINDS,
)
