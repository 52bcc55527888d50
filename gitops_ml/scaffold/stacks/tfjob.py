"""``--training tfjob``: a Kubeflow Training Operator TFJob, Chief + Workers (also Keras).

The operator finds the training container by the name ``tensorflow``.
"""

from __future__ import annotations

from gitops_ml.scaffold.spec import ModelSpec
from gitops_ml.scaffold.stack import TrainingStack
from gitops_ml.scaffold.training import kubeflow_job


def files(spec: ModelSpec) -> dict[str, str]:
    return {
        "training.yaml": kubeflow_job(
            spec, "TFJob", "tfReplicaSpecs", ("Chief", "Worker"), "tensorflow", False
        )
    }


STACK = TrainingStack(
    name="tfjob",
    summary="Kubeflow TFJob, Chief + Workers (TensorFlow, Keras)",
    kind="TFJob",
    files=files,
    frameworks=frozenset({"tensorflow", "keras", "custom"}),
    distributed=True,
    rerun=("kubeflow.org", "tfjobs"),
)
