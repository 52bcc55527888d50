"""Serving objects of a model's base: a KServe InferenceService, or a Deployment set.

* Raw KServe runs as plain Deployments (``serving.kserve.io/deploymentMode:
  Standard``, the name since KServe 0.17; the older ``RawDeployment`` and
  ``Serverless`` are deprecated aliases, ``ParseDeploymentMode`` in KServe's
  ``pkg/constants/constants.go``). Knative mode scales to zero where the
  environment profile allows it.
* The replica range in the base is a default; the environment's profile
  Component (``components/dev``, ``staging``, ``prod-ha``) sets it.
* The model URI is in the base and pinned again in every overlay's patch, so
  promoting a model is a change to one overlay.
* A Deployment has no ``replicas``: its HorizontalPodAutoscaler owns the count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gitops_ml.scaffold.spec import ModelSpec
from gitops_ml.scaffold.text import block, doc, q
from gitops_ml.scaffold.training import labels

if TYPE_CHECKING:
    from gitops_ml.scaffold.model import Env

RAW_MODE = "Standard"
SERVERLESS_MODE = "Knative"
SERVER_PORT = 8080
HEAVY = {"pytorch", "tensorflow", "keras", "huggingface", "triton", "custom"}


def server_gpus(spec: ModelSpec) -> int:
    """One GPU per serving replica when the model uses GPUs."""
    return 1 if spec.gpus else 0


def needs_shm(spec: ModelSpec) -> bool:
    return server_gpus(spec) > 0 or spec.framework in ("pytorch", "huggingface")


def resources(spec: ModelSpec, small: bool = False) -> dict[str, Any]:
    heavy = spec.framework in HEAVY
    if small:
        cpu, memory = ("500m", "2Gi") if heavy else ("100m", "512Mi")
    else:
        cpu, memory = ("2", "8Gi") if heavy else ("500m", "1Gi")
    out: dict[str, Any] = {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": memory}}
    if server_gpus(spec):
        out["requests"]["nvidia.com/gpu"] = 1
        out["limits"]["nvidia.com/gpu"] = 1
    return out


def _serving_image_line(spec: ModelSpec) -> str:
    image = spec.serving_image
    assert image is not None
    note = "overlays pin the version each environment runs"
    if image.placeholder:
        note = "placeholder: replace with your model server's image; " + note
    return f"{q(image.ref)}  # {note}"


def _uri_comment(spec: ModelSpec) -> str:
    if spec.storage_placeholder:
        return "  # placeholder: where your model is stored; overlays pin the version"
    return "  # overlays pin the version each environment serves"


def _probe(indent: int, path: str, port: str | int, period: int, failures: int) -> str:
    return block(
        {
            "httpGet": {"path": path, "port": port},
            "periodSeconds": period,
            "failureThreshold": failures,
        },
        indent,
    )


def _shm(spec: ModelSpec, indent: int) -> str:
    pad = " " * indent
    return (
        f"{pad}volumes:\n"
        f"{pad}  # PyTorch workers and GPU runtimes share tensors through /dev/shm.\n"
        f"{pad}  - name: dshm\n"
        f"{pad}    emptyDir:\n"
        f"{pad}      medium: Memory\n"
        f"{pad}      sizeLimit: 2Gi\n"
    )


def _shm_mount(indent: int) -> str:
    pad = " " * indent
    return f"{pad}volumeMounts:\n{pad}  - name: dshm\n{pad}    mountPath: /dev/shm\n"


def _security(indent: int) -> str:
    return block({"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}, indent)


def inference_service(spec: ModelSpec, serverless: bool) -> str:
    mode = SERVERLESS_MODE if serverless else RAW_MODE
    gpu = server_gpus(spec) > 0
    text = "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\n"
    text += f"metadata:\n  name: {spec.name}\n  labels:\n{labels(spec, 'serving', 4, gpu)}\n"
    text += "  annotations:\n"
    if serverless:
        text += "    # Knative: scales with traffic, to zero where the environment allows it\n"
    else:
        text += "    # plain Deployment + HPA, no Knative\n"
    text += f"    serving.kserve.io/deploymentMode: {mode}\n"
    if not serverless:
        text += "    serving.kserve.io/autoscalerClass: hpa\n"
    text += "spec:\n  predictor:\n"
    text += "    # replica range: set per environment by its profile in components/\n"
    text += "    minReplicas: 1\n    maxReplicas: 3\n"
    if serverless:
        text += (
            "    scaleMetric: concurrency\n    scaleTarget: 4  # in-flight requests per replica\n"
        )
    else:
        text += "    scaleMetric: cpu\n    scaleTarget: 70  # percent of the CPU request\n"
    if spec.framework == "custom":
        text += "    containers:\n"
        text += "      - name: kserve-container\n"
        text += f"        image: {_serving_image_line(spec)}\n"
        text += (
            f"        ports:\n          - containerPort: {SERVER_PORT}\n            protocol: TCP\n"
        )
        if spec.storage_uri:
            text += (
                "        env:\n          # KServe downloads the model to /mnt/models before start\n"
            )
            text += f"          - name: STORAGE_URI\n            value: {q(spec.storage_uri)}"
            text += _uri_comment(spec) + "\n"
        text += (
            "        readinessProbe:\n" + _probe(10, "/v2/health/ready", SERVER_PORT, 10, 3) + "\n"
        )
        text += "        resources:\n" + block(resources(spec), 10) + "\n"
        text += "        securityContext:\n" + _security(10) + "\n"
        if needs_shm(spec):
            text += _shm_mount(8)
    else:
        text += "    model:\n"
        text += f"      modelFormat:\n        name: {spec.model_format}\n"
        assert spec.storage_uri is not None
        text += f"      storageUri: {q(spec.storage_uri)}{_uri_comment(spec)}\n"
        text += "      resources:\n" + block(resources(spec), 8) + "\n"
        if needs_shm(spec):
            text += _shm_mount(6)
    if needs_shm(spec):
        text += _shm(spec, 4)
    return text


def _selector(spec: ModelSpec, indent: int) -> str:
    pad = " " * indent
    return f"{pad}app.kubernetes.io/name: {spec.name}\n{pad}app.kubernetes.io/component: serving\n"


def deployment_set(spec: ModelSpec) -> str:
    gpu = server_gpus(spec) > 0
    meta = f"metadata:\n  name: {spec.name}\n  labels:\n{labels(spec, 'serving', 4, gpu)}\n"
    plain_meta = f"metadata:\n  name: {spec.name}\n  labels:\n{labels(spec, 'serving', 4, False)}\n"
    container = (
        "        - name: server\n"
        f"          image: {_serving_image_line(spec)}\n"
        "          ports:\n"
        f"            - name: http\n              containerPort: {SERVER_PORT}\n"
        "              protocol: TCP\n"
    )
    if spec.storage_uri:
        container += (
            "          env:\n            - name: MODEL_URI\n"
            f"              value: {q(spec.storage_uri)}{_uri_comment(spec)}\n"
        )
    container += (
        "          # point the probes at your server's health endpoints\n"
        "          startupProbe:  # loading a model can take minutes\n"
        + _probe(12, "/healthz", "http", 10, 30)
        + "\n          readinessProbe:\n"
        + _probe(12, "/healthz", "http", 10, 3)
        + "\n          livenessProbe:\n"
        + _probe(12, "/healthz", "http", 20, 3)
        + "\n          resources:\n"
        + block(resources(spec), 12)
        + "\n          securityContext:\n"
        + _security(12)
        + "\n"
    )
    if needs_shm(spec):
        container += _shm_mount(10)
    deployment = (
        "apiVersion: apps/v1\nkind: Deployment\n"
        + meta
        + "spec:\n"
        + "  # no replicas here: the HorizontalPodAutoscaler owns the count\n"
        + "  revisionHistoryLimit: 5\n"
        + "  selector:\n    matchLabels:\n"
        + _selector(spec, 6)
        + "  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n"
        + "      maxSurge: 1\n      maxUnavailable: 0  # keep serving while a new version starts\n"
        + "  template:\n    metadata:\n      labels:\n"
        + _selector(spec, 8)
        + "    spec:\n      containers:\n"
        + container
        + (_shm(spec, 6) if needs_shm(spec) else "")
    )
    service = (
        "apiVersion: v1\nkind: Service\n"
        + plain_meta
        + "spec:\n  selector:\n"
        + _selector(spec, 4)
        + "  ports:\n    - name: http\n      port: 80\n      targetPort: http\n      protocol: TCP\n"
    )
    hpa = (
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n"
        + plain_meta
        + "spec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n"
        + f"    name: {spec.name}\n"
        + "  # replica range: set per environment by its profile in components/\n"
        + "  minReplicas: 1\n  maxReplicas: 3\n"
        + "  metrics:\n    - type: Resource\n      resource:\n        name: cpu\n"
        + "        target:\n          type: Utilization\n          averageUtilization: 70\n"
    )
    return doc(deployment, service, hpa, pdb(spec, _selector(spec, 6)))


def pdb(spec: ModelSpec, selector: str) -> str:
    return (
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\n"
        f"metadata:\n  name: {spec.name}\n  labels:\n{labels(spec, 'serving', 4, False)}\n"
        "spec:\n"
        "  maxUnavailable: 1  # a node drain takes one replica at a time\n"
        "  selector:\n    matchLabels:\n" + selector
    )


def isvc_pdb(spec: ModelSpec) -> str:
    return pdb(spec, f"      serving.kserve.io/inferenceservice: {spec.name}\n")


def serving_files(spec: ModelSpec) -> dict[str, str]:
    return spec.serving_stack.files(spec)


def patch_head(spec: ModelSpec, env: Env) -> str:
    """The comment atop an overlay's serving patch."""
    head = f"# {spec.name} in {env.name}: the model version this environment serves"
    return head + (" and the server's size.\n" if env.tier == "dev" else ".\n")
