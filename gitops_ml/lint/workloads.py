"""Where the pods and containers of a workload are, for every kind rules care about.

One walker for all rules: Kubernetes workloads, Kubeflow training jobs (v1
replica specs, Trainer v2 TrainJob and its runtimes), KServe InferenceService
components and ServingRuntimes. It yields ``PodSpec`` (the JSON path to an
object that carries pod-level fields: volumes, tolerations, nodeSelector...)
and ``Container`` (the JSON path to a container-like mapping: image, env,
resources...). A KServe model-format predictor (``spec.predictor.model``,
``spec.predictor.sklearn``...) is a container whose pod is the predictor.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from gitops_ml.lint.rule import JsonPath

WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"})
KUBEFLOW_V1_KINDS: Mapping[str, str] = {
    "PyTorchJob": "pytorchReplicaSpecs",
    "TFJob": "tfReplicaSpecs",
    "MPIJob": "mpiReplicaSpecs",
    "XGBoostJob": "xgbReplicaSpecs",
}
TRAINER_KINDS = frozenset({"TrainJob"})
TRAINING_RUNTIME_KINDS = frozenset({"TrainingRuntime", "ClusterTrainingRuntime"})
SERVING_RUNTIME_KINDS = frozenset({"ServingRuntime", "ClusterServingRuntime"})
KSERVE_COMPONENTS = ("predictor", "transformer", "explainer")
# predictor implementations that embed a container (KServe PredictorSpec)
MODEL_FORMATS = (
    "model",
    "sklearn",
    "xgboost",
    "tensorflow",
    "pytorch",
    "triton",
    "onnx",
    "huggingface",
    "pmml",
    "lightgbm",
    "paddle",
)
EXPLAINER_FORMATS = ("art", "alibi")

TRAINING_KINDS = frozenset(KUBEFLOW_V1_KINDS) | TRAINER_KINDS | TRAINING_RUNTIME_KINDS
ALL_KINDS = (
    WORKLOAD_KINDS | {"CronJob", "Pod", "InferenceService"} | TRAINING_KINDS | SERVING_RUNTIME_KINDS
)


class PodSpec(NamedTuple):
    """An object with pod-level fields and the role it plays in its workload."""

    path: JsonPath
    spec: dict[str, Any]
    role: str


class Container(NamedTuple):
    """A container-like mapping; ``pod`` is None where the pod is defined elsewhere."""

    path: JsonPath
    container: dict[str, Any]
    role: str
    pod: PodSpec | None = None
    init: bool = False
    resources_key: str = "resources"

    @property
    def name(self) -> str:
        return str(self.container.get("name") or self.role)

    @property
    def resources(self) -> dict[str, Any]:
        found = self.container.get(self.resources_key)
        return found if isinstance(found, dict) else {}


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a mapping, else an empty one: rendered YAML can hold anything."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def _get(data: Any, path: JsonPath) -> Any:
    for part in path:
        if isinstance(part, str) and isinstance(data, dict):
            data = data.get(part)
        elif isinstance(part, int) and isinstance(data, list) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def _pod(data: dict[str, Any], path: JsonPath, role: str) -> Iterator[PodSpec]:
    spec = _get(data, path)
    if isinstance(spec, dict):
        yield PodSpec(path, spec, role)


def pod_specs(data: dict[str, Any]) -> Iterator[PodSpec]:
    """Every pod spec of an object, with the role it plays (``pod`` when there is one)."""
    kind = str(data.get("kind") or "")
    if kind == "Pod":
        yield from _pod(data, ("spec",), "pod")
    elif kind == "CronJob":
        yield from _pod(data, ("spec", "jobTemplate", "spec", "template", "spec"), "pod")
    elif kind in WORKLOAD_KINDS:
        yield from _pod(data, ("spec", "template", "spec"), "pod")
    elif kind in KUBEFLOW_V1_KINDS:
        for role, _replica in replica_specs(data):
            yield from _pod(data, ("spec", KUBEFLOW_V1_KINDS[kind], role, "template", "spec"), role)
    elif kind in TRAINING_RUNTIME_KINDS:
        jobs = _get(data, ("spec", "template", "spec", "replicatedJobs"))
        for i, job in enumerate(jobs if isinstance(jobs, list) else ()):
            role = str(as_dict(job).get("name") or i)
            path = ("spec", "template", "spec", "replicatedJobs", i)
            yield from _pod(data, (*path, "template", "spec", "template", "spec"), role)
    elif kind in SERVING_RUNTIME_KINDS:
        yield from _pod(data, ("spec",), "runtime")
        yield from _pod(data, ("spec", "workerSpec"), "worker")
    elif kind == "InferenceService":
        for component in KSERVE_COMPONENTS:
            yield from _pod(data, ("spec", component), component)
        yield from _pod(data, ("spec", "predictor", "workerSpec"), "worker")


def replica_specs(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The (role, replica spec) pairs of a Kubeflow v1 training job."""
    field = KUBEFLOW_V1_KINDS.get(str(data.get("kind") or ""))
    specs = _get(data, ("spec", field)) if field else None
    for role, replica in as_dict(specs).items():
        if isinstance(replica, dict):
            yield str(role), replica


def _listed(pod: PodSpec, key: str, init: bool) -> Iterator[Container]:
    items = pod.spec.get(key)
    for i, item in enumerate(items if isinstance(items, list) else ()):
        if isinstance(item, dict):
            yield Container((*pod.path, key, i), item, pod.role, pod, init)


def containers(data: dict[str, Any], *, init: bool = True) -> Iterator[Container]:
    """Every container of an object; ``init=False`` leaves init containers out."""
    kind = str(data.get("kind") or "")
    if kind == "TrainJob":
        trainer = _get(data, ("spec", "trainer"))
        if isinstance(trainer, dict):
            yield Container(
                ("spec", "trainer"), trainer, "trainer", None, False, "resourcesPerNode"
            )
        return
    for pod in pod_specs(data):
        if init:
            yield from _listed(pod, "initContainers", True)
        yield from _listed(pod, "containers", False)
        if kind == "InferenceService" and pod.role in KSERVE_COMPONENTS:
            formats = MODEL_FORMATS if pod.role == "predictor" else EXPLAINER_FORMATS
            for name in formats:
                spec = pod.spec.get(name)
                if isinstance(spec, dict):
                    yield Container((*pod.path, name), spec, pod.role, pod)


_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


class ImageRef(NamedTuple):
    registry: str
    repository: str
    tag: str | None
    digest: str | None


def parse_image(image: str) -> ImageRef:
    """Split an image reference as the container runtime reads it."""
    digest = None
    name = image
    if "@" in name:
        name, _, digest = name.partition("@")
    tag = None
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, _, tag = name.rpartition(":")
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first, rest
    else:
        registry, repository = "docker.io", name
    return ImageRef(registry, repository, tag, digest)


_GPU = re.compile(r"gpu", re.IGNORECASE)


def is_extended_resource(name: str) -> bool:
    """A resource the scheduler cannot overcommit: a device plugin's, not hugepages."""
    return (
        "/" in name and not name.startswith("hugepages-") and not name.startswith("kubernetes.io/")
    )


def gpu_resources(resources: Mapping[str, Any]) -> set[str]:
    """GPU resource names requested or limited (``nvidia.com/gpu``, ``amd.com/gpu``...)."""
    names: set[str] = set()
    for section in ("requests", "limits"):
        for name, value in as_dict(resources.get(section)).items():
            if is_extended_resource(str(name)) and _GPU.search(str(name)) and _positive(value):
                names.add(str(name))
    return names


def _positive(value: Any) -> bool:
    try:
        return float(str(value)) > 0
    except ValueError:
        return True


def pod_requests_gpu(data: dict[str, Any], pod: PodSpec) -> bool:
    return any(
        c.pod is not None and c.pod.path == pod.path and gpu_resources(c.resources)
        for c in containers(data)
    )
