"""Where the pods and containers of a workload are, for every kind rules care about.

One walker for all rules: Kubernetes workloads, Kubeflow training jobs (v1
replica specs, Trainer v2 TrainJob and its runtimes), KServe InferenceService
components and ServingRuntimes, KServe LLMInferenceService (decode, prefill,
their multi-node workers and the scheduler), JobSet replicated jobs,
LeaderWorkerSet leader and worker templates and KubeRay head and worker groups
(RayCluster, and the cluster a RayJob or RayService creates). It yields ``PodSpec`` (the JSON path to an
object that carries pod-level fields: volumes, tolerations, nodeSelector...)
and ``Container`` (the JSON path to a container-like mapping: image, env,
resources...). A KServe model-format predictor (``spec.predictor.model``,
``spec.predictor.sklearn``...) is a container whose pod is the predictor.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from gitops_ml.images import ImageRef as ImageRef
from gitops_ml.images import parse_image as parse_image
from gitops_ml.lint.rule import JsonPath

WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"})
KUBEFLOW_V1_KINDS: Mapping[str, str] = {
    "PyTorchJob": "pytorchReplicaSpecs",
    "TFJob": "tfReplicaSpecs",
    "MPIJob": "mpiReplicaSpecs",
    "XGBoostJob": "xgbReplicaSpecs",
    "JAXJob": "jaxReplicaSpecs",
    "PaddleJob": "paddleReplicaSpecs",
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
LLM_KINDS = frozenset({"LLMInferenceService"})
# where a KubeRay kind keeps its RayClusterSpec
RAY_CLUSTER_SPECS: Mapping[str, JsonPath] = {
    "RayCluster": ("spec",),
    "RayJob": ("spec", "rayClusterSpec"),
    "RayService": ("spec", "rayClusterConfig"),
}
MULTI_NODE_KINDS = frozenset({"JobSet", "LeaderWorkerSet"}) | frozenset(RAY_CLUSTER_SPECS)

TRAINING_KINDS = frozenset(KUBEFLOW_V1_KINDS) | TRAINER_KINDS | TRAINING_RUNTIME_KINDS
ALL_KINDS = (
    WORKLOAD_KINDS
    | {"CronJob", "Pod", "InferenceService"}
    | TRAINING_KINDS
    | SERVING_RUNTIME_KINDS
    | LLM_KINDS
    | MULTI_NODE_KINDS
)
# LLMInferenceService roles: (role, path of a PodSpec)
_LLM_PODS: tuple[tuple[str, JsonPath], ...] = (
    ("decode", ("spec", "template")),
    ("worker", ("spec", "worker")),
    ("prefill", ("spec", "prefill", "template")),
    ("prefill-worker", ("spec", "prefill", "worker")),
    ("scheduler", ("spec", "router", "scheduler", "template")),
)


class PodSpec(NamedTuple):
    """An object with pod-level fields and the role it plays in its workload."""

    path: JsonPath
    spec: dict[str, Any]
    role: str

    @property
    def noun(self) -> str:
        """How a message names it: ``pod`` alone, else ``worker pod``, never ``pod pod``."""
        return "pod" if self.role == "pod" else f"{self.role} pod"


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
    def noun(self) -> str:
        """How a message names it: ``container 'x'``, or ``worker container 'x'`` in a role."""
        named = f"container '{self.name}'"
        return named if self.role == "pod" else f"{self.role} {named}"

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


def get_path(data: Any, path: JsonPath) -> Any:
    """The value at a JSON path of ``data``, or None."""
    return _get(data, path)


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
    elif kind in LLM_KINDS:
        for role, llm_pod in _LLM_PODS:
            yield from _pod(data, llm_pod, role)
    elif kind == "JobSet":
        jobs = _get(data, ("spec", "replicatedJobs"))
        for i, job in enumerate(as_list(jobs)):
            role = str(as_dict(job).get("name") or i)
            job_pod: JsonPath = (
                "spec",
                "replicatedJobs",
                i,
                "template",
                "spec",
                "template",
                "spec",
            )
            yield from _pod(data, job_pod, role)
    elif kind == "LeaderWorkerSet":
        template = ("spec", "leaderWorkerTemplate")
        yield from _pod(data, (*template, "leaderTemplate", "spec"), "leader")
        yield from _pod(data, (*template, "workerTemplate", "spec"), "worker")
    elif kind in RAY_CLUSTER_SPECS:
        cluster = RAY_CLUSTER_SPECS[kind]
        yield from _pod(data, (*cluster, "headGroupSpec", "template", "spec"), "head")
        groups = _get(data, (*cluster, "workerGroupSpecs"))
        for i, group in enumerate(as_list(groups)):
            role = str(as_dict(group).get("groupName") or i)
            yield from _pod(data, (*cluster, "workerGroupSpecs", i, "template", "spec"), role)
        if kind == "RayJob":
            yield from _pod(data, ("spec", "submitterPodTemplate", "spec"), "submitter")


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


MODEL_ENV_NAME = re.compile(r"(^|_)(MODEL_(URI|URL|PATH|DIR|ID|NAME_OR_PATH)|STORAGE_URI)\Z")


def storage_specs(data: dict[str, Any]) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    """InferenceService components and their model-format specs: where storageUri goes."""
    if data.get("kind") != "InferenceService":
        return
    for pod in pod_specs(data):
        yield pod.path, pod.spec
    for c in containers(data):
        if c.pod is not None and c.path[-1] in (
            *MODEL_FORMATS,
            *EXPLAINER_FORMATS,
        ):
            yield c.path, c.container


def model_uris(data: dict[str, Any]) -> Iterator[tuple[JsonPath, str, bool]]:
    """(path, uri, is a KServe storage URI) for every model URI of an object."""
    if data.get("kind") in LLM_KINDS:
        model = as_dict(as_dict(data.get("spec")).get("model"))
        if isinstance(model.get("uri"), str):
            yield ("spec", "model", "uri"), model["uri"], True
    for base, spec in storage_specs(data):
        if isinstance(spec.get("storageUri"), str):
            yield (*base, "storageUri"), spec["storageUri"], True
        items = spec.get("storageUris")
        for i, item in enumerate(items if isinstance(items, list) else ()):
            if isinstance(item, dict) and isinstance(item.get("uri"), str):
                yield (*base, "storageUris", i, "uri"), item["uri"], True
    for c in containers(data):
        env = c.container.get("env")
        for i, var in enumerate(env if isinstance(env, list) else ()):
            if not isinstance(var, dict) or not MODEL_ENV_NAME.search(str(var.get("name", ""))):
                continue
            value = var.get("value")
            if isinstance(value, str) and "://" in value:
                storage = str(var.get("name")) == "STORAGE_URI"
                yield (*c.path, "env", i, "value"), value, storage


def image_matches(image: str, patterns: tuple[str, ...] | list[str]) -> bool:
    """Whether a glob matches the image as written, with its registry, or its repository."""
    ref = parse_image(image)
    names = {image, f"{ref.registry}/{ref.repository}", ref.repository}
    return any(fnmatch.fnmatchcase(n, p) for p in patterns for n in names)


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


def gpu_count(resources: Mapping[str, Any]) -> int | None:
    """GPUs a container asks for (limits, else requests); None when not a whole number."""
    total = 0
    for name in gpu_resources(resources):
        section = as_dict(resources.get("limits"))
        value = section.get(name, as_dict(resources.get("requests")).get(name))
        try:
            amount = float(str(value))
        except ValueError:
            return None
        if not amount.is_integer():
            return None
        total += int(amount)
    return total


def pod_requests_gpu(data: dict[str, Any], pod: PodSpec) -> bool:
    return any(
        c.pod is not None and c.pod.path == pod.path and gpu_resources(c.resources)
        for c in containers(data)
    )


# -- what serves a model ----------------------------------------------------------
# Evidence read from the object alone, strongest first. Each names what it saw so
# a finding can say why the workload counts as a model server.

# images of model servers, matched on the repository without registry or tag
_SERVER_IMAGES = re.compile(
    r"(^|/)(vllm[-\w]*|tritonserver|torchserve(-\w+)?|mlserver|model_server"
    r"|text-generation-inference|text-embeddings-inference|sglang|ollama|llama\.cpp"
    r"|lmdeploy|localai|tensorrt[-_]llm\w*)\Z"
    r"|(^|/)tensorflow/serving\Z|(^|/)kserve/\w+server\Z|^nim/",
    re.IGNORECASE,
)
# commands of model servers, in the text of command + args
_SERVER_COMMANDS = re.compile(
    r"\bvllm\s+serve\b|\bvllm\.entrypoints\b|\btritonserver\b|\btensorflow_model_server\b"
    r"|\btorchserve\b|\bmlserver\s+start\b|\btext-generation-launcher\b"
    r"|\bsglang\.launch_server\b|\bllama-server\b|\bollama\s+serve\b"
    r"|\bmlflow\s+models\s+serve\b|\bbentoml\s+serve\b|\blmdeploy\s+serve\b|\btrtllm-serve\b"
)
# an env variable or a flag that tells the server which model to load
MODEL_LOCATION_ENV = re.compile(
    r"^(\w+_)?MODELS?_(URI|URL|PATH|DIR|ID|NAME_OR_PATH|REPOSITORY|STORE|BASE_PATH|LOCATION)\Z"
    r"|^STORAGE_URI\Z"
)
_MODEL_FLAG = re.compile(
    r"^--(served[-_])?model([-_](id|repository|store|base[-_]path|path|dir|uri|name"
    r"|name[-_]or[-_]path))?(=.*)?\Z"
)
_INFERENCE_PORT = re.compile(r"infer|predict", re.IGNORECASE)
# labels that operators and scaffolds put on serving pods
_SERVING_LABEL_PREFIXES = ("serving.kserve.io/", "seldon.io/", "modelmesh")
_SERVING_LABEL_KEYS = frozenset({"seldon-deployment-id", "seldon-app"})
_SERVING_COMPONENTS = frozenset(
    {"serving", "model-serving", "model-server", "inference", "inference-server", "predictor"}
)


def _labels_of(data: dict[str, Any]) -> dict[str, Any]:
    own = as_dict(as_dict(data.get("metadata")).get("labels"))
    template = as_dict(as_dict(as_dict(data.get("spec")).get("template")).get("metadata"))
    return {**own, **as_dict(template.get("labels"))}


def _label_evidence(data: dict[str, Any]) -> str | None:
    for key, value in _labels_of(data).items():
        key = str(key)
        if key.startswith(_SERVING_LABEL_PREFIXES) or key in _SERVING_LABEL_KEYS:
            return f"label {key}"
        if key in ("app.kubernetes.io/component", "component") and value in _SERVING_COMPONENTS:
            return f"label {key}: {value}"
    return None


def _container_evidence(c: Container, extra_images: tuple[str, ...]) -> str | None:
    image = c.container.get("image")
    if isinstance(image, str) and image:
        repository = parse_image(image).repository
        if _SERVER_IMAGES.search(repository):
            return f"image {repository}"
        if extra_images and image_matches(image, extra_images):
            return f"image {repository}"
    words = [
        str(w) for w in (*as_list(c.container.get("command")), *as_list(c.container.get("args")))
    ]
    found = _SERVER_COMMANDS.search(" ".join(words))
    if found:
        return f"command {found.group(0)!r}"
    flag = next((w for w in words for part in w.split() if _MODEL_FLAG.match(part)), None)
    if flag is not None:
        return f"argument {flag.split('=')[0].split()[0]}"
    for env in as_list(c.container.get("env")):
        name = str(as_dict(env).get("name") or "")
        if MODEL_LOCATION_ENV.match(name):
            return f"env {name}"
    for port in as_list(c.container.get("ports")):
        name = str(as_dict(port).get("name") or "")
        if _INFERENCE_PORT.search(name):
            return f"port {name}"
    return None


def model_server_evidence(data: dict[str, Any], extra_images: tuple[str, ...] = ()) -> str | None:
    """Why a workload serves a model (``"image vllm/vllm-openai"``), or None.

    Read from the object alone: serving labels (KServe, Seldon, ModelMesh,
    ``app.kubernetes.io/component: serving``), then per container a known
    model-server image or command, a flag or env variable naming the model to
    load, or a port named for inference. ``extra_images`` are globs on the
    image without its tag.
    """
    found = _label_evidence(data)
    if found:
        return found
    for c in containers(data, init=False):
        found = _container_evidence(c, extra_images)
        if found:
            return found
    return None


# -- KServe ModelMesh ------------------------------------------------------------------

DEPLOYMENT_MODE = "serving.kserve.io/deploymentMode"


def is_modelmesh(data: dict[str, Any]) -> bool:
    """An InferenceService that ModelMesh serves: its predictor is a pointer to a model,
    loaded into the pods of a shared ServingRuntime (kserve ``constants.ModelMeshDeployment``)."""
    meta = as_dict(data.get("metadata"))
    return (
        data.get("kind") == "InferenceService"
        and as_dict(meta.get("annotations")).get(DEPLOYMENT_MODE) == "ModelMesh"
    )


def modelmesh_runtime(
    isvc: dict[str, Any], objects: Iterable[dict[str, Any]]
) -> dict[str, Any] | None:
    """The ServingRuntime (or ClusterServingRuntime) among ``objects`` that a ModelMesh
    InferenceService names in ``predictor.model.runtime``; None when not rendered."""
    predictor = as_dict(as_dict(isvc.get("spec")).get("predictor"))
    name = as_dict(predictor.get("model")).get("runtime")
    if not isinstance(name, str) or not name:
        return None
    namespace = as_dict(isvc.get("metadata")).get("namespace")
    for obj in objects:
        if obj.get("kind") not in SERVING_RUNTIME_KINDS:
            continue
        meta = as_dict(obj.get("metadata"))
        same_ns = obj.get("kind") == "ClusterServingRuntime" or meta.get("namespace") == namespace
        if meta.get("name") == name and same_ns:
            return obj
    return None
