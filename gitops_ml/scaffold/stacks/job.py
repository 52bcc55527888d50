"""``--training job``: a plain ``batch/v1`` Job, any framework; ``--schedule`` makes it a CronJob.

A Job's pod template is immutable, so the Job carries Argo CD's
``Force=true,Replace=true`` and Flux's ``force: enabled``: a new version
replaces it.
"""

from __future__ import annotations

from gitops_ml.scaffold.spec import ModelSpec
from gitops_ml.scaffold.stack import TrainingStack
from gitops_ml.scaffold.training import (
    ACTIVE_DEADLINE,
    container_block,
    cron_head,
    labels,
    metadata,
    shm_volume,
    training_metadata,
    training_name,
)


def job_spec(spec: ModelSpec, indent: int) -> str:
    pad = " " * indent
    shm = spec.uses_torch
    lines = [
        f"{pad}backoffLimit: 3",
        f"{pad}activeDeadlineSeconds: {ACTIVE_DEADLINE}  # a hung run gives its nodes back after a day",
        f"{pad}template:",
        f"{pad}  metadata:",
        f"{pad}    labels:",
        labels(spec, "training", indent + 6, False),
        f"{pad}  spec:",
        f"{pad}    restartPolicy: OnFailure",
        f"{pad}    containers:",
        container_block(spec, "train", indent + 6, shm),
    ]
    if shm:
        lines.append(shm_volume(spec, indent + 4))
    return "\n".join(lines) + "\n"


def job(spec: ModelSpec) -> str:
    if spec.schedule and not spec.airflow:
        return cron_head(spec, training_name(spec), spec.gpus > 0) + job_spec(spec, 6)
    text = "apiVersion: batch/v1\nkind: Job\n"
    if spec.airflow:
        return text + training_metadata(spec) + "spec:\n" + job_spec(spec, 2)
    text += metadata(spec, training_name(spec), "training", spec.gpus > 0)
    text += (
        "  annotations:\n"
        "    # A Job's pod template is immutable: a new version replaces the Job.\n"
        "    argocd.argoproj.io/sync-options: Force=true,Replace=true\n"
        "    kustomize.toolkit.fluxcd.io/force: enabled\n"
    )
    return text + "spec:\n" + job_spec(spec, 2)


def files(spec: ModelSpec) -> dict[str, str]:
    return {"training.yaml": job(spec)}


STACK = TrainingStack(
    name="job",
    summary="a plain batch/v1 Job, any framework",
    kind="Job",
    files=files,
)
