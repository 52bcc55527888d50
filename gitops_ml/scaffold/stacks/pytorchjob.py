"""``--training pytorchjob``: a Kubeflow Training Operator PyTorchJob, Master + Workers.

The operator finds the training container by the name ``pytorch``; every
replica mounts a memory-backed ``/dev/shm`` for DataLoader workers and NCCL.
"""

from __future__ import annotations

from gitops_ml.scaffold.spec import ModelSpec
from gitops_ml.scaffold.stack import TrainingStack
from gitops_ml.scaffold.training import kubeflow_job


def files(spec: ModelSpec) -> dict[str, str]:
    return {
        "training.yaml": kubeflow_job(
            spec, "PyTorchJob", "pytorchReplicaSpecs", ("Master", "Worker"), "pytorch", True
        )
    }


STACK = TrainingStack(
    name="pytorchjob",
    summary="Kubeflow PyTorchJob, Master + Workers",
    kind="PyTorchJob",
    files=files,
    frameworks=frozenset({"pytorch", "huggingface", "onnx", "custom"}),
    distributed=True,
    torch=True,
    rerun=("kubeflow.org", "pytorchjobs"),
)
