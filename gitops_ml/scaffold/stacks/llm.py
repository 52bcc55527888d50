"""``--serving llm``: a KServe LLMInferenceService running vLLM, for Hugging Face models.

KServe merges its preset ``kserve-config-llm-template`` (the vLLM command,
probes, TLS, volumes) into every LLMInferenceService, so the base states only
what a reviewer must see and what the preset cannot know:

* ``spec.model.uri`` (``hf://owner/model:revision``: the revision pins it) and
  ``parallelism.tensor`` = ``--gpus``, which KServe passes to vLLM as
  ``--tensor-parallel-size``;
* the GPUs, CPU and memory of the ``main`` container, and a GPU toleration and
  node selector in the pod template itself (so an older ``components/gpu`` copy
  need not know this kind);
* a ``startupProbe`` that allows 15 minutes for the model to load: a TCP check
  on vLLM's port 8000, which vLLM opens only once the weights are loaded, and
  which works with or without KServe's TLS; and a memory-backed ``/dev/shm``
  (``dshm``, the preset's volume name, so the two merge) sized for tensor
  parallelism;
* ``--router gateway``: ``router.scheduler`` makes KServe create the
  InferencePool ``<name>-inference-pool`` and its endpoint picker, and
  ``route.yaml`` is a Gateway API HTTPRoute to that pool.

Each overlay pins the model URI and the replica count (1 in dev and staging,
2 in prod) in ``serving-patch.yaml``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gitops_ml.scaffold.spec import ModelSpec
from gitops_ml.scaffold.stack import Patch, ServingStack
from gitops_ml.scaffold.text import block, q
from gitops_ml.scaffold.training import gpu_placement, labels

if TYPE_CHECKING:
    from gitops_ml.scaffold.model import Env

VLLM_PORT = 8000
GATEWAY = "inference-gateway"
REPLICAS = {"dev": 1, "staging": 1, "prod": 2}


def pool_name(spec: ModelSpec) -> str:
    """The InferencePool KServe creates for an LLMInferenceService with a scheduler."""
    return f"{spec.name}-inference-pool"


def model_name(uri: str) -> str:
    """``owner/model`` of ``hf://owner/model:revision``."""
    body = uri.split("://", 1)[-1]
    return body.rsplit(":", 1)[0] if ":" in body.rsplit("/", 1)[-1] else body


def _resources(spec: ModelSpec) -> dict[str, Any]:
    gpus = max(spec.gpus, 0)
    memory = f"{max(16, 24 * gpus)}Gi"
    out: dict[str, dict[str, Any]] = {
        "requests": {"cpu": str(max(4, 4 * gpus)), "memory": memory},
        "limits": {"memory": memory},
    }
    if gpus:
        out["requests"]["nvidia.com/gpu"] = gpus
        out["limits"]["nvidia.com/gpu"] = gpus
    return out


def service(spec: ModelSpec) -> str:
    assert spec.storage_uri is not None
    gpus = spec.gpus
    uri_note = (
        "placeholder: the Hugging Face model and revision to serve"
        if spec.storage_placeholder
        else "overlays pin the revision each environment serves"
    )
    lines = [
        "apiVersion: serving.kserve.io/v1alpha2",
        "kind: LLMInferenceService",
        "metadata:",
        f"  name: {spec.name}",
        "  labels:",
        labels(spec, "serving", 4, False),
        "spec:",
        "  model:",
        f"    uri: {q(spec.storage_uri)}  # {uri_note}",
        f"    name: {q(model_name(spec.storage_uri))}",
        "  replicas: 1  # per environment in ../overlays/<env>/serving-patch.yaml",
        "  parallelism:",
        f"    tensor: {max(gpus, 1)}  # vLLM --tensor-parallel-size: one shard per GPU of a pod",
    ]
    if spec.router == "gateway":
        lines += [
            "  router:",
            f"    # KServe creates the InferencePool {pool_name(spec)} and its endpoint picker",
            "    scheduler: {}",
        ]
    lines += ["  template:"]
    if gpus:
        lines += gpu_placement(4)
    lines += ["    containers:", "      - name: main  # KServe's preset supplies the vLLM command"]
    if spec.serving_image is not None:
        lines.append(f"        image: {q(spec.serving_image.ref)}")
    lines += [
        "        resources:",
        block(_resources(spec), 10),
        "        # vLLM opens its port only once the weights are loaded: up to 15 minutes",
        "        startupProbe:",
        f"          tcpSocket: {{port: {VLLM_PORT}}}",
        "          periodSeconds: 10",
        "          failureThreshold: 90",
        "        volumeMounts:",
        "          - name: dshm",
        "            mountPath: /dev/shm",
        "    volumes:",
        "      # vLLM's tensor-parallel workers exchange tensors through /dev/shm",
        "      - name: dshm",
        "        emptyDir:",
        "          medium: Memory",
        f"          sizeLimit: {max(2, 2 * gpus)}Gi",
    ]
    return "\n".join(lines) + "\n"


def route(spec: ModelSpec) -> str:
    return (
        "apiVersion: gateway.networking.k8s.io/v1\n"
        "kind: HTTPRoute\n"
        f"metadata:\n  name: {spec.name}\n  labels:\n{labels(spec, 'serving', 4, False)}\n"
        "spec:\n"
        "  parentRefs:\n"
        "    - group: gateway.networking.k8s.io\n"
        "      kind: Gateway\n"
        f"      name: {GATEWAY}  # the Gateway your cluster routes inference through\n"
        "  rules:\n"
        "    - matches:\n"
        "        - path:\n"
        "            type: PathPrefix\n"
        "            value: /v1\n"
        "      backendRefs:\n"
        "        - group: inference.networking.k8s.io\n"
        "          kind: InferencePool\n"
        f"          name: {pool_name(spec)}\n"
        f"          port: {VLLM_PORT}\n"
    )


def files(spec: ModelSpec) -> dict[str, str]:
    out = {"serving.yaml": service(spec)}
    if spec.router == "gateway":
        out["route.yaml"] = route(spec)
    return out


def overlay_patch(spec: ModelSpec, env: Env) -> Patch | None:
    """The model revision and the replica count this environment serves."""
    assert spec.storage_uri is not None
    return Patch(
        "apiVersion: serving.kserve.io/v1alpha2\n"
        "kind: LLMInferenceService\n"
        f"metadata:\n  name: {spec.name}\n"
        "spec:\n"
        f"  replicas: {REPLICAS.get(env.tier, 1)}\n"
        "  model:\n"
        f"    uri: {q(spec.storage_uri)}  # bump the model revision here\n"
    )


def prod_files(spec: ModelSpec) -> dict[str, str]:
    return {
        "pdb.yaml": (
            "# KServe does not add a PodDisruptionBudget: keep serving through node drains.\n"
            "apiVersion: policy/v1\n"
            "kind: PodDisruptionBudget\n"
            f"metadata:\n  name: {spec.name}\n"
            "spec:\n"
            "  maxUnavailable: 1\n"
            "  selector:\n"
            "    matchLabels:\n"
            f"      app.kubernetes.io/name: {spec.name}\n"
            "      app.kubernetes.io/component: serving\n"
        )
    }


def always(framework: str) -> bool:
    return True


STACK = ServingStack(
    name="llm",
    summary="KServe LLMInferenceService with vLLM (Hugging Face models; --router gateway)",
    kind="LLMInferenceService",
    files=files,
    frameworks=frozenset({"huggingface"}),
    model_uri=always,
    overlay_patch=overlay_patch,
    prod_files=prod_files,
    placeholder_uri="hf://acme/{name}:v1",
)
