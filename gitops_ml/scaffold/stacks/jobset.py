"""``--training jobset``: a JobSet of ``--workers`` + 1 pods that train together, any framework.

One replicated job ``node`` runs ``workers + 1`` indexed pods (JobSet gives
each a stable hostname, so ``torchrun``'s rendezvous can name pod 0); a
failed pod restarts the whole set, at most three times. Like a Job, a
JobSet's pod template is immutable, so it carries Argo CD's
``Force=true,Replace=true`` and Flux's ``force: enabled``. GPU pods get the
GPU toleration and node selector in the template itself.
"""

from __future__ import annotations

from gitops_ml.scaffold.spec import ModelSpec
from gitops_ml.scaffold.stack import TrainingStack
from gitops_ml.scaffold.training import (
    ACTIVE_DEADLINE,
    container_block,
    gpu_placement,
    labels,
    shm_volume,
    training_metadata,
)


def jobset(spec: ModelSpec) -> str:
    nodes = spec.workers + 1
    shm = spec.uses_torch
    text = "apiVersion: jobset.x-k8s.io/v1alpha2\nkind: JobSet\n" + training_metadata(spec)
    if not spec.airflow:
        text += (
            "  annotations:\n"
            "    # A JobSet's pod template is immutable: a new version replaces it.\n"
            "    argocd.argoproj.io/sync-options: Force=true,Replace=true\n"
            "    kustomize.toolkit.fluxcd.io/force: enabled\n"
        )
    pod = [
        "              restartPolicy: Never  # the JobSet restarts the whole set",
    ]
    if spec.gpus:
        pod += gpu_placement(14)
    pod += ["              containers:", container_block(spec, "train", 16, shm)]
    if shm:
        pod.append(shm_volume(spec, 14))
    text += (
        "spec:\n"
        "  failurePolicy:\n"
        "    maxRestarts: 3  # a failed pod restarts every pod of the set, three times at most\n"
        "  replicatedJobs:\n"
        "    - name: node\n"
        "      replicas: 1\n"
        "      template:\n"
        "        spec:\n"
        f"          parallelism: {nodes}\n"
        f"          completions: {nodes}\n"
        "          backoffLimit: 0\n"
        f"          activeDeadlineSeconds: {ACTIVE_DEADLINE}  # a hung run gives its nodes back\n"
        "          template:\n"
        "            metadata:\n"
        "              labels:\n"
        f"{labels(spec, 'training', 16, False)}\n"
        "            spec:\n" + "\n".join(pod) + "\n"
    )
    return text


def files(spec: ModelSpec) -> dict[str, str]:
    return {"training.yaml": jobset(spec)}


STACK = TrainingStack(
    name="jobset",
    summary="a JobSet of indexed pods that train together (multi-node), any framework",
    kind="JobSet",
    files=files,
    distributed=True,
    rerun=("jobset.x-k8s.io", "jobsets"),
)
