"""Generate a synthetic GitOps repository of N models x M environments.

The layout is what ``gitops-ml`` itself scaffolds (see DESIGN.md):

    gitops-ml.yaml
    models/<model>/base/                 kustomization.yaml + resources
    models/<model>/overlays/<env>/       kustomization.yaml + patches
    components/gpu/, components/prod-ha/ kustomize Components used by overlays
    clusters/<env>/                      Argo CD AppProject + ApplicationSet

Models cycle over three stacks so the repository mixes the object kinds a lint
has to handle:

1. KServe raw-deployment InferenceService (pytorch) + Kubeflow PyTorchJob
2. Deployment + Service + HorizontalPodAutoscaler + PodDisruptionBudget + TFJob
3. Kubeflow Trainer v2 TrainJob + KServe serverless InferenceService (sklearn)

Every object is meant to be valid against the Kubernetes 1.33 strict schemas and
the upstream CRDs. Output is deterministic for a given ``--seed``. Stdlib only:
YAML is written from text templates.

Usage::

    python benchmarks/generate.py OUT_DIR --models 100 --envs dev,staging,prod --seed 0
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_URL = "https://github.com/example-org/ml-gitops.git"
REGISTRY = "ghcr.io/example-org"
STACKS = ("kserve-pytorchjob", "deployment-tfjob", "trainjob-kserve-serverless")
# Per-environment replica counts; environments not listed here use 1.
ENV_REPLICAS = {"dev": 1, "staging": 2, "prod": 3}
GPU_ENVS = frozenset({"dev", "staging", "prod"})
HA_ENVS = frozenset({"prod"})

__all__ = ["ModelSpec", "generate", "main", "model_specs"]


@dataclass(frozen=True)
class ModelSpec:
    """Everything random about one model, drawn once from the seeded generator."""

    name: str
    stack: str
    gpus: int
    workers: int
    cpu: str
    memory: str
    version: int
    tags: dict[str, str]


def _tier(env: str) -> str | None:
    return env if env in ENV_REPLICAS else None


def model_specs(count: int, envs: list[str], seed: int) -> list[ModelSpec]:
    """Return ``count`` model specs, deterministic for ``seed``."""
    rng = random.Random(seed)
    specs: list[ModelSpec] = []
    for i in range(count):
        stack = STACKS[i % len(STACKS)]
        minor = rng.randint(0, 9)
        tags = {env: f"v1.{minor}.{rng.randint(0, 30)}" for env in envs}
        if "staging" in tags and "prod" in tags:
            tags["prod"] = tags["staging"]  # prod runs what staging ran, as after a promotion
        specs.append(
            ModelSpec(
                name=f"model-{i:04d}",
                stack=stack,
                gpus=rng.choice((1, 1, 2, 4)),
                workers=rng.randint(1, 4),
                cpu=rng.choice(("500m", "1", "2", "4")),
                memory=rng.choice(("1Gi", "2Gi", "4Gi", "8Gi")),
                version=rng.randint(1, 5),
                tags=tags,
            )
        )
    return specs


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.lstrip("\n"), encoding="utf-8")


def _labels(m: ModelSpec, indent: int) -> str:
    pad = " " * indent
    return (
        f"{pad}app.kubernetes.io/name: {m.name}\n"
        f"{pad}app.kubernetes.io/part-of: ml-platform\n"
        f"{pad}gitops-ml.io/model: {m.name}\n"
    )


def _meta(m: ModelSpec, name: str, annotations: dict[str, str] | None = None) -> str:
    text = f"metadata:\n  name: {name}\n  labels:\n{_labels(m, 4)}"
    if annotations:
        text += "  annotations:\n"
        for key, value in annotations.items():
            text += f'    {key}: "{value}"\n'
    return text


def _resources(m: ModelSpec, indent: int, gpus: int) -> str:
    """requests == limits (GPUs cannot be overcommitted; Guaranteed QoS for training)."""
    pad = " " * indent
    gpu = f"{pad}    nvidia.com/gpu: {gpus}\n" if gpus else ""
    return (
        f"{pad}resources:\n"
        f"{pad}  requests:\n"
        f'{pad}    cpu: "{m.cpu}"\n'
        f"{pad}    memory: {m.memory}\n"
        f"{gpu}"
        f"{pad}  limits:\n"
        f'{pad}    cpu: "{m.cpu}"\n'
        f"{pad}    memory: {m.memory}\n"
        f"{gpu}"
    )


def _service_account(m: ModelSpec) -> str:
    return f"apiVersion: v1\nkind: ServiceAccount\n{_meta(m, m.name)}"


def _config_map(m: ModelSpec, framework: str) -> str:
    return (
        f"apiVersion: v1\nkind: ConfigMap\n{_meta(m, f'{m.name}-config')}"
        "data:\n"
        f"  FRAMEWORK: {framework}\n"
        f'  MODEL_VERSION: "v{m.version}"\n'
        "  LOG_LEVEL: info\n"
    )


def _replica_template(m: ModelSpec, container: str, image: str, gpus: int, shm: bool) -> str:
    """A Kubeflow replica spec pod template (indent 6, under <Role>:)."""
    volumes = ""
    mounts = ""
    if shm:
        mounts = (
            "              volumeMounts:\n"
            "                - name: dshm\n"
            "                  mountPath: /dev/shm\n"
        )
        volumes = (
            "          volumes:\n"
            "            - name: dshm\n"
            "              emptyDir:\n"
            "                medium: Memory\n"
            "                sizeLimit: 2Gi\n"
        )
    return (
        "      restartPolicy: OnFailure\n"
        "      template:\n"
        "        metadata:\n"
        "          labels:\n"
        f"{_labels(m, 12)}"
        "        spec:\n"
        f"          serviceAccountName: {m.name}\n"
        "          containers:\n"
        f"            - name: {container}\n"
        f"              image: {image}\n"
        "              args:\n"
        f'                - "--model-dir=s3://models/{m.name}/v{m.version}"\n'
        "              envFrom:\n"
        "                - configMapRef:\n"
        f"                    name: {m.name}-config\n"
        f"{_resources(m, 14, gpus)}"
        f"{mounts}"
        f"{volumes}"
    )


def _pytorchjob(m: ModelSpec) -> str:
    image = f"{REGISTRY}/{m.name}-train:latest"
    return (
        "apiVersion: kubeflow.org/v1\nkind: PyTorchJob\n"
        f"{_meta(m, f'{m.name}-train')}"
        "spec:\n"
        "  runPolicy:\n"
        "    backoffLimit: 3\n"
        "    activeDeadlineSeconds: 86400\n"
        "    cleanPodPolicy: None\n"
        "  pytorchReplicaSpecs:\n"
        "    Master:\n"
        "      replicas: 1\n"
        f"{_replica_template(m, 'pytorch', image, m.gpus, shm=True)}"
        "    Worker:\n"
        f"      replicas: {m.workers}\n"
        f"{_replica_template(m, 'pytorch', image, m.gpus, shm=True)}"
    )


def _tfjob(m: ModelSpec) -> str:
    image = f"{REGISTRY}/{m.name}-train:latest"
    return (
        "apiVersion: kubeflow.org/v1\nkind: TFJob\n"
        f"{_meta(m, f'{m.name}-train')}"
        "spec:\n"
        "  runPolicy:\n"
        "    backoffLimit: 3\n"
        "    activeDeadlineSeconds: 86400\n"
        "  tfReplicaSpecs:\n"
        "    Chief:\n"
        "      replicas: 1\n"
        f"{_replica_template(m, 'tensorflow', image, m.gpus, shm=False)}"
        "    Worker:\n"
        f"      replicas: {m.workers}\n"
        f"{_replica_template(m, 'tensorflow', image, m.gpus, shm=False)}"
    )


def _isvc_raw(m: ModelSpec) -> str:
    return (
        "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\n"
        f"{_meta(m, m.name, {'serving.kserve.io/deploymentMode': 'RawDeployment'})}"
        "spec:\n"
        "  predictor:\n"
        f"    serviceAccountName: {m.name}\n"
        "    minReplicas: 1\n"
        "    maxReplicas: 4\n"
        "    volumes:\n"
        "      - name: dshm\n"
        "        emptyDir:\n"
        "          medium: Memory\n"
        "          sizeLimit: 2Gi\n"
        "    model:\n"
        "      modelFormat:\n"
        "        name: pytorch\n"
        f"      storageUri: s3://models/{m.name}/v3\n"
        "      volumeMounts:\n"
        "        - name: dshm\n"
        "          mountPath: /dev/shm\n"
        f"{_resources(m, 6, 1)}"
    )


def _isvc_serverless(m: ModelSpec) -> str:
    annotations = {
        "serving.kserve.io/deploymentMode": "Serverless",
        "autoscaling.knative.dev/target": "10",
    }
    return (
        "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\n"
        f"{_meta(m, m.name, annotations)}"
        "spec:\n"
        "  predictor:\n"
        f"    serviceAccountName: {m.name}\n"
        "    minReplicas: 0\n"
        "    maxReplicas: 5\n"
        "    scaleMetric: concurrency\n"
        "    scaleTarget: 10\n"
        "    model:\n"
        "      modelFormat:\n"
        "        name: sklearn\n"
        f"      storageUri: s3://models/{m.name}/v{m.version}\n"
        f"{_resources(m, 6, 0)}"
    )


def _trainjob(m: ModelSpec) -> str:
    return (
        "apiVersion: trainer.kubeflow.org/v1alpha1\nkind: TrainJob\n"
        f"{_meta(m, f'{m.name}-train')}"
        "spec:\n"
        "  runtimeRef:\n"
        "    apiGroup: trainer.kubeflow.org\n"
        "    kind: ClusterTrainingRuntime\n"
        "    name: torch-distributed\n"
        "  trainer:\n"
        f"    image: {REGISTRY}/{m.name}-train:latest\n"
        "    numNodes: 1\n"
        "    args:\n"
        f'      - "--output=s3://models/{m.name}/v{m.version}"\n'
        "    resourcesPerNode:\n"
        "      requests:\n"
        f'        cpu: "{m.cpu}"\n'
        f"        memory: {m.memory}\n"
        f"        nvidia.com/gpu: {m.gpus}\n"
        "      limits:\n"
        f'        cpu: "{m.cpu}"\n'
        f"        memory: {m.memory}\n"
        f"        nvidia.com/gpu: {m.gpus}\n"
    )


def _deployment(m: ModelSpec) -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\n"
        f"{_meta(m, m.name)}"
        "spec:\n"
        "  replicas: 1\n"
        "  selector:\n"
        "    matchLabels:\n"
        f"      app.kubernetes.io/name: {m.name}\n"
        "  template:\n"
        "    metadata:\n"
        "      labels:\n"
        f"{_labels(m, 8)}"
        "    spec:\n"
        f"      serviceAccountName: {m.name}\n"
        "      containers:\n"
        "        - name: server\n"
        f"          image: {REGISTRY}/{m.name}-server:latest\n"
        "          ports:\n"
        "            - name: http\n"
        "              containerPort: 8080\n"
        "          env:\n"
        "            - name: MODEL_URI\n"
        f"              value: s3://models/{m.name}/v{m.version}\n"
        "          readinessProbe:\n"
        "            httpGet:\n"
        "              path: /v2/health/ready\n"
        "              port: http\n"
        "            initialDelaySeconds: 5\n"
        "            periodSeconds: 10\n"
        "          livenessProbe:\n"
        "            httpGet:\n"
        "              path: /v2/health/live\n"
        "              port: http\n"
        "            periodSeconds: 20\n"
        f"{_resources(m, 10, 0)}"
    )


def _service(m: ModelSpec) -> str:
    return (
        f"apiVersion: v1\nkind: Service\n{_meta(m, m.name)}"
        "spec:\n"
        "  selector:\n"
        f"    app.kubernetes.io/name: {m.name}\n"
        "  ports:\n"
        "    - name: http\n"
        "      port: 80\n"
        "      targetPort: http\n"
    )


def _hpa(m: ModelSpec) -> str:
    return (
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n"
        f"{_meta(m, m.name)}"
        "spec:\n"
        "  scaleTargetRef:\n"
        "    apiVersion: apps/v1\n"
        "    kind: Deployment\n"
        f"    name: {m.name}\n"
        "  minReplicas: 1\n"
        "  maxReplicas: 6\n"
        "  metrics:\n"
        "    - type: Resource\n"
        "      resource:\n"
        "        name: cpu\n"
        "        target:\n"
        "          type: Utilization\n"
        "          averageUtilization: 70\n"
    )


def _pdb(m: ModelSpec) -> str:
    return (
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\n"
        f"{_meta(m, m.name)}"
        "spec:\n"
        "  maxUnavailable: 1\n"
        "  selector:\n"
        "    matchLabels:\n"
        f"      app.kubernetes.io/name: {m.name}\n"
    )


def _base_files(m: ModelSpec) -> dict[str, str]:
    if m.stack == "kserve-pytorchjob":
        return {
            "serviceaccount.yaml": _service_account(m),
            "configmap.yaml": _config_map(m, "pytorch"),
            "inferenceservice.yaml": _isvc_raw(m),
            "pytorchjob.yaml": _pytorchjob(m),
        }
    if m.stack == "deployment-tfjob":
        return {
            "deployment.yaml": _deployment(m),
            "service.yaml": _service(m),
            "hpa.yaml": _hpa(m),
            "pdb.yaml": _pdb(m),
            "tfjob.yaml": _tfjob(m),
        }
    return {
        "serviceaccount.yaml": _service_account(m),
        "configmap.yaml": _config_map(m, "sklearn"),
        "trainjob.yaml": _trainjob(m),
        "inferenceservice.yaml": _isvc_serverless(m),
    }


def _write_base(root: Path, m: ModelSpec) -> None:
    base = root / "models" / m.name / "base"
    files = _base_files(m)
    for name, text in files.items():
        _write(base / name, text)
    resources = "".join(f"  - {name}\n" for name in files)
    extra = ""
    if m.stack == "trainjob-kserve-serverless":
        # Teach the images transformer where a TrainJob keeps its image.
        extra = "configurations:\n  - kustomizeconfig.yaml\n"
        _write(
            base / "kustomizeconfig.yaml",
            "images:\n  - path: spec/trainer/image\n    kind: TrainJob\n",
        )
    _write(
        base / "kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\n"
        "kind: Kustomization\n"
        "labels:\n"
        "  - pairs:\n"
        f"      gitops-ml.io/model: {m.name}\n"
        f"resources:\n{resources}{extra}",
    )


def _json_patch(target_kind: str, target_name: str, ops: list[tuple[str, str]]) -> str:
    body = "".join(
        f"      - op: replace\n        path: {path}\n        value: {value}\n"
        for path, value in ops
    )
    return (
        f"  - target:\n      kind: {target_kind}\n      name: {target_name}\n    patch: |-\n{body}"
    )


def _write_overlay(root: Path, m: ModelSpec, env: str, namespace: str) -> None:
    overlay = root / "models" / m.name / "overlays" / env
    replicas = ENV_REPLICAS.get(env, 1)
    tag = m.tags[env]
    components: list[str] = []
    patches: list[str] = []
    replicas_block = ""
    images = f"  - name: {REGISTRY}/{m.name}-train\n    newTag: {tag}\n"
    if m.stack == "kserve-pytorchjob":
        if env in GPU_ENVS:
            components.append("gpu")
        patches.append(
            _json_patch(
                "InferenceService",
                m.name,
                [
                    ("/spec/predictor/minReplicas", str(replicas)),
                    ("/spec/predictor/maxReplicas", str(replicas + 3)),
                ],
            )
        )
        patches.append(
            _json_patch(
                "PyTorchJob",
                f"{m.name}-train",
                [("/spec/pytorchReplicaSpecs/Worker/replicas", str(m.workers * replicas))],
            )
        )
    elif m.stack == "deployment-tfjob":
        if env in GPU_ENVS:
            components.append("gpu")
        if env in HA_ENVS:
            components.append("prod-ha")
        replicas_block = f"replicas:\n  - name: {m.name}\n    count: {replicas}\n"
        images += f"  - name: {REGISTRY}/{m.name}-server\n    newTag: {tag}\n"
        patches.append(
            _json_patch(
                "HorizontalPodAutoscaler",
                m.name,
                [("/spec/minReplicas", str(replicas)), ("/spec/maxReplicas", str(replicas * 3))],
            )
        )
        _write(
            overlay / "tfjob-workers.yaml",
            "apiVersion: kubeflow.org/v1\n"
            "kind: TFJob\n"
            "metadata:\n"
            f"  name: {m.name}-train\n"
            "spec:\n"
            "  tfReplicaSpecs:\n"
            "    Worker:\n"
            f"      replicas: {m.workers * replicas}\n",
        )
        patches.append("  - path: tfjob-workers.yaml\n")
    else:
        if env in HA_ENVS:
            components.append("prod-ha")
        patches.append(
            _json_patch(
                "InferenceService",
                m.name,
                [
                    ("/spec/predictor/minReplicas", str(replicas - 1)),
                    ("/spec/predictor/maxReplicas", str(replicas * 3)),
                ],
            )
        )
        patches.append(
            _json_patch("TrainJob", f"{m.name}-train", [("/spec/trainer/numNodes", str(replicas))])
        )
    comps = ""
    if components:
        comps = "components:\n" + "".join(f"  - ../../../../components/{c}\n" for c in components)
    _write(
        overlay / "kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\n"
        "kind: Kustomization\n"
        f"namespace: {namespace}\n"
        "labels:\n"
        "  - pairs:\n"
        f"      gitops-ml.io/environment: {env}\n"
        "resources:\n"
        "  - ../../base\n"
        f"{comps}"
        f"images:\n{images}"
        f"{replicas_block}"
        "patches:\n" + "".join(patches),
    )


GPU_TOLERATION = '[{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]'
GPU_NODE_SELECTOR = '{"nvidia.com/gpu.present": "true"}'


def _gpu_patch(kind: str, pod_spec_paths: list[str]) -> str:
    ops = ""
    for spec in pod_spec_paths:
        ops += (
            f"      - op: add\n        path: {spec}/tolerations\n        value: {GPU_TOLERATION}\n"
            f"      - op: add\n        path: {spec}/nodeSelector\n"
            f"        value: {GPU_NODE_SELECTOR}\n"
        )
    return f"  - target:\n      kind: {kind}\n    patch: |-\n{ops}"


def _write_components(root: Path) -> None:
    gpu = root / "components" / "gpu"
    _write(
        gpu / "kustomization.yaml",
        "# Schedules GPU training pods onto GPU nodes: tolerate the nvidia.com/gpu taint\n"
        "# and select nodes that advertise a GPU.\n"
        "apiVersion: kustomize.config.k8s.io/v1alpha1\n"
        "kind: Component\n"
        "patches:\n"
        + _gpu_patch(
            "PyTorchJob",
            [
                "/spec/pytorchReplicaSpecs/Master/template/spec",
                "/spec/pytorchReplicaSpecs/Worker/template/spec",
            ],
        )
        + _gpu_patch(
            "TFJob",
            [
                "/spec/tfReplicaSpecs/Chief/template/spec",
                "/spec/tfReplicaSpecs/Worker/template/spec",
            ],
        )
        + _gpu_patch("InferenceService", ["/spec/predictor"]),
    )
    ha = root / "components" / "prod-ha"
    _write(
        ha / "kustomization.yaml",
        "# Production high availability: spread serving pods across zones.\n"
        "apiVersion: kustomize.config.k8s.io/v1alpha1\n"
        "kind: Component\n"
        "labels:\n"
        "  - pairs:\n"
        "      gitops-ml.io/ha: enabled\n"
        "patches:\n"
        "  - target:\n"
        "      kind: Deployment\n"
        "    patch: |-\n"
        "      - op: add\n"
        "        path: /spec/template/spec/topologySpreadConstraints\n"
        "        value:\n"
        "          - maxSkew: 1\n"
        "            topologyKey: topology.kubernetes.io/zone\n"
        "            whenUnsatisfiable: ScheduleAnyway\n"
        "            labelSelector:\n"
        "              matchLabels:\n"
        "                app.kubernetes.io/part-of: ml-platform\n"
        "  - target:\n"
        "      kind: InferenceService\n"
        "    patch: |-\n"
        "      - op: add\n"
        "        path: /metadata/annotations/serving.kserve.io~1enable-prometheus-scraping\n"
        '        value: "true"\n',
    )


def _write_cluster(root: Path, env: str, namespace: str) -> None:
    cluster = root / "clusters" / env
    _write(
        cluster / "kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\n"
        "kind: Kustomization\n"
        "namespace: argocd\n"
        "resources:\n"
        "  - appproject.yaml\n"
        "  - applicationset.yaml\n",
    )
    _write(
        cluster / "appproject.yaml",
        "apiVersion: argoproj.io/v1alpha1\n"
        "kind: AppProject\n"
        "metadata:\n"
        f"  name: ml-{env}\n"
        "spec:\n"
        f"  description: ML training and serving workloads ({env})\n"
        "  sourceRepos:\n"
        f"    - {REPO_URL}\n"
        "  destinations:\n"
        "    - server: https://kubernetes.default.svc\n"
        f"      namespace: {namespace}\n"
        "  namespaceResourceWhitelist:\n"
        "    - group: '*'\n"
        "      kind: '*'\n",
    )
    _write(
        cluster / "applicationset.yaml",
        "apiVersion: argoproj.io/v1alpha1\n"
        "kind: ApplicationSet\n"
        "metadata:\n"
        f"  name: ml-models-{env}\n"
        "spec:\n"
        "  goTemplate: true\n"
        "  goTemplateOptions:\n"
        '    - "missingkey=error"\n'
        "  generators:\n"
        "    - git:\n"
        f"        repoURL: {REPO_URL}\n"
        "        revision: HEAD\n"
        "        directories:\n"
        f"          - path: models/*/overlays/{env}\n"
        "  template:\n"
        "    metadata:\n"
        f"      name: '{{{{index .path.segments 1}}}}-{env}'\n"
        "    spec:\n"
        f"      project: ml-{env}\n"
        "      source:\n"
        f"        repoURL: {REPO_URL}\n"
        "        targetRevision: HEAD\n"
        "        path: '{{.path.path}}'\n"
        "      destination:\n"
        "        server: https://kubernetes.default.svc\n"
        f"        namespace: {namespace}\n"
        "      syncPolicy:\n"
        "        automated:\n"
        "          prune: true\n"
        "          selfHeal: true\n"
        "        syncOptions:\n"
        "          - CreateNamespace=true\n",
    )


def _write_config(root: Path, envs: list[str], namespaces: dict[str, str]) -> None:
    lines = [
        "apiVersion: gitops-ml.io/v1alpha1",
        "kind: Config",
        'kubernetesVersion: "1.33"',
        "controller: argocd",
        f"repoURL: {REPO_URL}",
        "environments:",
    ]
    for env in envs:
        lines.append(f"  - name: {env}")
        lines.append(f"    namespace: {namespaces[env]}")
        tier = _tier(env)
        if tier:
            lines.append(f"    tier: {tier}")
    _write(root / "gitops-ml.yaml", "\n".join(lines) + "\n")


def generate(out: Path, models: int, envs: list[str], seed: int = 0) -> list[ModelSpec]:
    """Write the repository under ``out`` (created if missing) and return the model specs."""
    out.mkdir(parents=True, exist_ok=True)
    namespaces = {env: f"ml-{env}" for env in envs}
    specs = model_specs(models, envs, seed)
    _write_config(out, envs, namespaces)
    _write_components(out)
    for env in envs:
        _write_cluster(out, env, namespaces[env])
    for m in specs:
        _write_base(out, m)
        for env in envs:
            _write_overlay(out, m, env, namespaces[env])
    return specs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="output directory (created if missing)")
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--envs", default="dev,staging,prod", help="comma-separated names")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    envs = [e.strip() for e in args.envs.split(",") if e.strip()]
    if args.models < 1 or not envs:
        parser.error("need at least one model and one environment")
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"{args.out} exists and is not empty")
    generate(args.out, args.models, envs, args.seed)
    print(f"wrote {args.models} models x {len(envs)} environments to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
