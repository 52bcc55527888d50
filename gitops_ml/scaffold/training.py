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
ACTIVE_DEADLINE = 86400


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


def gpu_placement(indent: int) -> list[str]:
    """A pod's GPU toleration and node selector, for kinds ``components/gpu`` does not patch."""
    pad = " " * indent
    return [
        f"{pad}tolerations:",
        f"{pad}  - key: nvidia.com/gpu",
        f"{pad}    operator: Exists",
        f"{pad}    effect: NoSchedule",
        f"{pad}nodeSelector:",
        f'{pad}  nvidia.com/gpu.present: "true"',
    ]


def image_line(spec: ModelSpec) -> str:
    image = spec.training_image
    assert image is not None
    note = "overlays pin the version each environment runs"
    if image.placeholder:
        note = "placeholder: replace with your training image; " + note
    return f"{q(image.ref)}  # {note}"


def container_block(spec: ModelSpec, name: str, indent: int, shm: bool) -> str:
    pad = " " * indent
    lines = [
        f"{pad}- name: {name}",
        f"{pad}  image: {image_line(spec)}",
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


def shm_volume(spec: ModelSpec, indent: int) -> str:
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


def pod_template(spec: ModelSpec, container: str, indent: int, shm: bool) -> str:
    pad = " " * indent
    lines = [
        f"{pad}template:",
        f"{pad}  metadata:",
        f"{pad}    labels:",
        labels(spec, "training", indent + 6, False),
        f"{pad}  spec:",
        f"{pad}    containers:",
        container_block(spec, container, indent + 6, shm),
    ]
    if shm:
        lines.append(shm_volume(spec, indent + 4))
    return "\n".join(lines)


QUEUE_LABEL = "kueue.x-k8s.io/queue-name"


def queue_label(spec: ModelSpec, indent: int) -> str:
    """The Kueue label of a training run, with its newline; empty without --queue."""
    if spec.queue is None:
        return ""
    return f"{' ' * indent}{QUEUE_LABEL}: {spec.queue}  # Kueue admits the run from this queue\n"


def metadata(spec: ModelSpec, name: str, component: str, gpu: bool) -> str:
    text = f"metadata:\n  name: {name}\n  labels:\n{labels(spec, component, 4, gpu)}\n"
    if name == training_name(spec) and component == "training":
        text += queue_label(spec, 4)
    return text


def _airflow_annotations(spec: ModelSpec) -> str:
    return (
        "  annotations:\n"
        f"    # Airflow starts this run (dags/{spec.name}_<env>_retrain.py, from the rendered\n"
        "    # manifest next to it); the GitOps controllers keep it in git but never apply it.\n"
        "    argocd.argoproj.io/hook: Skip\n"
        "    kustomize.toolkit.fluxcd.io/ssa: Ignore\n"
    )


def training_metadata(spec: ModelSpec) -> str:
    text = metadata(spec, training_name(spec), "training", spec.gpus > 0)
    return text + _airflow_annotations(spec) if spec.airflow else text


def run_policy() -> str:
    return (
        "  runPolicy:\n"
        "    backoffLimit: 3\n"
        f"    activeDeadlineSeconds: {ACTIVE_DEADLINE}  # a hung run gives its GPUs back after a day\n"
        "    cleanPodPolicy: None  # keep finished pods for their logs\n"
    )


def kubeflow_job(
    spec: ModelSpec, kind: str, field: str, roles: tuple[str, str], container: str, shm: bool
) -> str:
    """A Kubeflow Training Operator v1 job: one master/chief, ``spec.workers`` workers."""
    text = f"apiVersion: kubeflow.org/v1\nkind: {kind}\n"
    text += training_metadata(spec)
    text += "spec:\n" + run_policy() + f"  {field}:\n"
    for role in roles:
        replicas = 1 if role != "Worker" else spec.workers
        text += f"    {role}:\n      replicas: {replicas}\n      restartPolicy: OnFailure\n"
        text += f"      # the operator finds the training container by the name {container!r}\n"
        text += pod_template(spec, container, 6, shm) + "\n"
    return text


def cron_head(spec: ModelSpec, name: str, gpu: bool) -> str:
    assert spec.schedule is not None
    return (
        "apiVersion: batch/v1\nkind: CronJob\n"
        + metadata(spec, name, "training", gpu)
        + "spec:\n"
        + f"  schedule: {q(spec.schedule)}  # retraining schedule (cron, UTC)\n"
        + "  timeZone: Etc/UTC\n"
        + "  concurrencyPolicy: Forbid  # never two runs of one model at once\n"
        + "  startingDeadlineSeconds: 3600\n"
        + "  successfulJobsHistoryLimit: 3\n"
        + "  failedJobsHistoryLimit: 3\n"
        + "  jobTemplate:\n"
        + (
            "    metadata:\n      labels:\n" + queue_label(spec, 8)
            if spec.queue and name == training_name(spec)
            else ""
        )
        + "    spec:\n"
    )


def _retrain(spec: ModelSpec, rerun: tuple[str, str]) -> str:
    group, plural = rerun
    name = f"{spec.name}-retrain"
    run = training_name(spec)
    cron = cron_head(spec, name, False) + (
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
    account = "apiVersion: v1\nkind: ServiceAccount\n" + metadata(spec, name, "training", False)
    role = (
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\n"
        + metadata(spec, name, "training", False)
        + "rules:\n"
        + "  # only this model's training run, and only to delete it\n"
        + f"  - apiGroups: [{group}]\n"
        + f"    resources: [{plural}]\n"
        + f"    resourceNames: [{run}]\n"
        + "    verbs: [get, delete]\n"
    )
    binding = (
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"
        + metadata(spec, name, "training", False)
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
    stack = spec.training_stack
    files = stack.files(spec)
    if spec.schedule and stack.rerun is not None and not spec.airflow:
        files["retrain.yaml"] = _retrain(spec, stack.rerun)
    return files


def uses_kubectl_image(spec: ModelSpec) -> bool:
    return bool(spec.schedule) and spec.training_stack.rerun is not None and not spec.airflow
