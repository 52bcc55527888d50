"""Training objects of a model's base: PyTorchJob, TFJob, TrainJob or Job, and retraining.

Choices a reviewer will ask about:

* Every pod restarts ``OnFailure`` with a bounded ``backoffLimit`` and an
  ``activeDeadlineSeconds``: a hung collective or a crash loop must not hold
  GPUs for days.
* PyTorch pods mount a memory-backed ``/dev/shm``: DataLoader workers and NCCL
  use it, and the container default of 64 MiB dies with a bus error.
* No ``ttlSecondsAfterFinished``: the GitOps controller would recreate a
  deleted run at once, training the model again.
* ``--schedule`` on a plain Job makes the Job a CronJob's template. For the
  operators' jobs (PyTorchJob, TFJob, TrainJob) the schedule runs a small
  CronJob that deletes the finished run; the GitOps controller (Argo CD
  self-heal, Flux's next reconcile) recreates it from git, which starts a new
  run with exactly the version the overlay pins. A copy of the manifest in a
  ConfigMap would drift from the overlay's ``images:`` on every promotion.
* ``--orchestrator airflow``: no CronJob. The training object carries Argo CD's
  ``hook: Skip`` and Flux's ``ssa: Ignore`` so the controllers never create it;
  an Airflow DAG creates it from its committed rendering (``scaffold/airflow.py``).
"""

from __future__ import annotations

from typing import Any

from gitops_ml.scaffold.spec import ModelSpec
from gitops_ml.scaffold.text import block, doc, q

KUBECTL_IMAGE = "registry.k8s.io/kubectl"
KUBECTL_TAG = "v1.33.4"
TRAINJOB_RUNTIME = "torch-distributed"
_ACTIVE_DEADLINE = 86400

_KINDS = {
    "pytorchjob": ("kubeflow.org", "pytorchjobs", "PyTorchJob"),
    "tfjob": ("kubeflow.org", "tfjobs", "TFJob"),
    "trainjob": ("trainer.kubeflow.org", "trainjobs", "TrainJob"),
}


def training_name(spec: ModelSpec) -> str:
    return f"{spec.name}-train"


def resources(spec: ModelSpec) -> dict[str, Any]:
    # CPU is requested, not limited: a CPU limit throttles data loading.
    if spec.gpus:
        memory = f"{16 * spec.gpus}Gi"
        return {
            "requests": {"cpu": str(4 * spec.gpus), "memory": memory, "nvidia.com/gpu": spec.gpus},
            "limits": {"memory": memory, "nvidia.com/gpu": spec.gpus},
        }
    return {"requests": {"cpu": "2", "memory": "8Gi"}, "limits": {"memory": "8Gi"}}


def _shm_size(spec: ModelSpec) -> str:
    return f"{4 * max(spec.gpus, 1)}Gi"


def labels(spec: ModelSpec, component: str, indent: int, gpu: bool) -> str:
    pad = " " * indent
    lines = [
        f"{pad}app.kubernetes.io/name: {spec.name}",
        f"{pad}app.kubernetes.io/component: {component}",
    ]
    if gpu:
        lines.append(
            f'{pad}gitops-ml.io/gpu: "true"  # components/gpu places these pods on GPU nodes'
        )
    return "\n".join(lines)


def _image_line(spec: ModelSpec) -> str:
    image = spec.training_image
    assert image is not None
    note = "overlays pin the version each environment runs"
    if image.placeholder:
        note = "placeholder: replace with your training image; " + note
    return f"{q(image.ref)}  # {note}"


def _container(spec: ModelSpec, name: str, indent: int, shm: bool) -> str:
    pad = " " * indent
    lines = [
        f"{pad}- name: {name}",
        f"{pad}  image: {_image_line(spec)}",
        f"{pad}  resources:",
        block(resources(spec), indent + 4),
    ]
    if shm:
        lines += [
            f"{pad}  volumeMounts:",
            f"{pad}    - name: dshm",
            f"{pad}      mountPath: /dev/shm",
        ]
    return "\n".join(lines)


def _shm_volume(spec: ModelSpec, indent: int) -> str:
    pad = " " * indent
    return "\n".join(
        [
            f"{pad}volumes:",
            f"{pad}  # PyTorch DataLoader workers and NCCL share tensors through /dev/shm.",
            f"{pad}  - name: dshm",
            f"{pad}    emptyDir:",
            f"{pad}      medium: Memory",
            f"{pad}      sizeLimit: {_shm_size(spec)}",
        ]
    )


def _pod_template(spec: ModelSpec, container: str, indent: int, shm: bool) -> str:
    pad = " " * indent
    lines = [
        f"{pad}template:",
        f"{pad}  metadata:",
        f"{pad}    labels:",
        labels(spec, "training", indent + 6, False),
        f"{pad}  spec:",
        f"{pad}    containers:",
        _container(spec, container, indent + 6, shm),
    ]
    if shm:
        lines.append(_shm_volume(spec, indent + 4))
    return "\n".join(lines)


def _metadata(spec: ModelSpec, name: str, component: str, gpu: bool) -> str:
    return f"metadata:\n  name: {name}\n  labels:\n{labels(spec, component, 4, gpu)}\n"


def _airflow_annotations(spec: ModelSpec) -> str:
    return (
        "  annotations:\n"
        f"    # Airflow starts this run (dags/{spec.name}_<env>_retrain.py, from the rendered\n"
        "    # manifest next to it); the GitOps controllers keep it in git but never apply it.\n"
        "    argocd.argoproj.io/hook: Skip\n"
        "    kustomize.toolkit.fluxcd.io/ssa: Ignore\n"
    )


def _training_metadata(spec: ModelSpec) -> str:
    text = _metadata(spec, training_name(spec), "training", spec.gpus > 0)
    return text + _airflow_annotations(spec) if spec.airflow else text


def _run_policy() -> str:
    return (
        "  runPolicy:\n"
        "    backoffLimit: 3\n"
        f"    activeDeadlineSeconds: {_ACTIVE_DEADLINE}  # a hung run gives its GPUs back after a day\n"
        "    cleanPodPolicy: None  # keep finished pods for their logs\n"
    )


def _kubeflow_job(spec: ModelSpec) -> str:
    if spec.training == "pytorchjob":
        kind, field, roles, container, shm = (
            "PyTorchJob",
            "pytorchReplicaSpecs",
            ("Master", "Worker"),
            "pytorch",
            True,
        )
    else:
        kind, field, roles, container, shm = (
            "TFJob",
            "tfReplicaSpecs",
            ("Chief", "Worker"),
            "tensorflow",
            False,
        )
    text = f"apiVersion: kubeflow.org/v1\nkind: {kind}\n"
    text += _training_metadata(spec)
    text += "spec:\n" + _run_policy() + f"  {field}:\n"
    for role in roles:
        replicas = 1 if role != "Worker" else spec.workers
        text += f"    {role}:\n      replicas: {replicas}\n      restartPolicy: OnFailure\n"
        text += f"      # the operator finds the training container by the name {container!r}\n"
        text += _pod_template(spec, container, 6, shm) + "\n"
    return text


def _trainjob(spec: ModelSpec) -> str:
    text = "apiVersion: trainer.kubeflow.org/v1alpha1\nkind: TrainJob\n"
    text += _training_metadata(spec)
    text += (
        "spec:\n"
        "  # The runtime (installed with Kubeflow Trainer) defines the pods; this job\n"
        "  # sets the image, the node count and each node's resources.\n"
        "  runtimeRef:\n"
        "    apiGroup: trainer.kubeflow.org\n"
        "    kind: ClusterTrainingRuntime\n"
        f"    name: {TRAINJOB_RUNTIME}\n"
        f"  activeDeadlineSeconds: {_ACTIVE_DEADLINE}  # a hung run gives its GPUs back after a day\n"
        "  trainer:\n"
        f"    image: {_image_line(spec)}\n"
        f"    numNodes: {spec.workers + 1}\n"
        "    resourcesPerNode:\n"
        f"{block(resources(spec), 6)}\n"
        "  runtimePatches:\n"
        "    # PyTorch DataLoader workers and NCCL share tensors through /dev/shm.\n"
        "    - manager: gitops-ml.io/scaffold\n"
        "      trainingRuntimeSpec:\n"
        "        template:\n"
        "          spec:\n"
        "            replicatedJobs:\n"
        "              - name: node\n"
        "                template:\n"
        "                  spec:\n"
        "                    template:\n"
        "                      spec:\n"
        "                        containers:\n"
        "                          - name: node\n"
        "                            volumeMounts:\n"
        "                              - name: dshm\n"
        "                                mountPath: /dev/shm\n"
        f"{_shm_volume(spec, 24)}\n"
    )
    return text


def _job_spec(spec: ModelSpec, indent: int) -> str:
    pad = " " * indent
    shm = spec.uses_torch
    lines = [
        f"{pad}backoffLimit: 3",
        f"{pad}activeDeadlineSeconds: {_ACTIVE_DEADLINE}  # a hung run gives its nodes back after a day",
        f"{pad}template:",
        f"{pad}  metadata:",
        f"{pad}    labels:",
        labels(spec, "training", indent + 6, False),
        f"{pad}  spec:",
        f"{pad}    restartPolicy: OnFailure",
        f"{pad}    containers:",
        _container(spec, "train", indent + 6, shm),
    ]
    if shm:
        lines.append(_shm_volume(spec, indent + 4))
    return "\n".join(lines) + "\n"


def _cron_head(spec: ModelSpec, name: str, gpu: bool) -> str:
    assert spec.schedule is not None
    return (
        "apiVersion: batch/v1\nkind: CronJob\n"
        + _metadata(spec, name, "training", gpu)
        + "spec:\n"
        + f"  schedule: {q(spec.schedule)}  # retraining schedule (cron, UTC)\n"
        + "  timeZone: Etc/UTC\n"
        + "  concurrencyPolicy: Forbid  # never two runs of one model at once\n"
        + "  startingDeadlineSeconds: 3600\n"
        + "  successfulJobsHistoryLimit: 3\n"
        + "  failedJobsHistoryLimit: 3\n"
        + "  jobTemplate:\n"
        + "    spec:\n"
    )


def _job(spec: ModelSpec) -> str:
    if spec.schedule and not spec.airflow:
        return _cron_head(spec, training_name(spec), spec.gpus > 0) + _job_spec(spec, 6)
    text = "apiVersion: batch/v1\nkind: Job\n"
    if spec.airflow:
        return text + _training_metadata(spec) + "spec:\n" + _job_spec(spec, 2)
    text += _metadata(spec, training_name(spec), "training", spec.gpus > 0)
    text += (
        "  annotations:\n"
        "    # A Job's pod template is immutable: a new version replaces the Job.\n"
        "    argocd.argoproj.io/sync-options: Force=true,Replace=true\n"
        "    kustomize.toolkit.fluxcd.io/force: enabled\n"
    )
    return text + "spec:\n" + _job_spec(spec, 2)


def _retrain(spec: ModelSpec) -> str:
    group, plural, _kind = _KINDS[spec.training]
    name = f"{spec.name}-retrain"
    run = training_name(spec)
    cron = _cron_head(spec, name, False) + (
        "      backoffLimit: 2\n"
        "      activeDeadlineSeconds: 600\n"
        "      template:\n"
        "        metadata:\n"
        "          labels:\n"
        f"{labels(spec, 'training', 12, False)}\n"
        "        spec:\n"
        f"          serviceAccountName: {name}\n"
        "          restartPolicy: OnFailure\n"
        "          containers:\n"
        "            # Deletes the finished run; the GitOps controller recreates it from\n"
        "            # git, which starts a new run of the version this overlay pins.\n"
        "            - name: kubectl\n"
        f"              image: {KUBECTL_IMAGE}:{KUBECTL_TAG}\n"
        "              args:\n"
        "                - delete\n"
        f"                - {plural}.{group}/{run}\n"
        "                - --ignore-not-found\n"
        "                - --wait=false\n"
        "              resources:\n"
        f"{block({'requests': {'cpu': '50m', 'memory': '64Mi'}, 'limits': {'memory': '128Mi'}}, 16)}\n"
        "              securityContext:\n"
        "                allowPrivilegeEscalation: false\n"
        "                readOnlyRootFilesystem: true\n"
        "                runAsNonRoot: true\n"
        "                runAsUser: 65532\n"
        "                capabilities:\n"
        "                  drop: [ALL]\n"
    )
    account = "apiVersion: v1\nkind: ServiceAccount\n" + _metadata(spec, name, "training", False)
    role = (
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\n"
        + _metadata(spec, name, "training", False)
        + "rules:\n"
        + "  # only this model's training run, and only to delete it\n"
        + f"  - apiGroups: [{group}]\n"
        + f"    resources: [{plural}]\n"
        + f"    resourceNames: [{run}]\n"
        + "    verbs: [get, delete]\n"
    )
    binding = (
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"
        + _metadata(spec, name, "training", False)
        + "roleRef:\n"
        + "  apiGroup: rbac.authorization.k8s.io\n"
        + "  kind: Role\n"
        + f"  name: {name}\n"
        + "subjects:\n"
        + "  - kind: ServiceAccount\n"
        + f"    name: {name}\n"
    )
    return doc(cron, account, role, binding)


def training_files(spec: ModelSpec) -> dict[str, str]:
    """Base-relative file name -> text of the training objects."""
    if spec.training == "none":
        return {}
    if spec.training in ("pytorchjob", "tfjob"):
        main = _kubeflow_job(spec)
    elif spec.training == "trainjob":
        main = _trainjob(spec)
    else:
        main = _job(spec)
    files = {"training.yaml": main}
    if spec.schedule and spec.training != "job" and not spec.airflow:
        files["retrain.yaml"] = _retrain(spec)
    return files


def uses_kubectl_image(spec: ModelSpec) -> bool:
    return bool(spec.schedule) and spec.training not in ("job", "none") and not spec.airflow
