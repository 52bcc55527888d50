"""``--training trainjob``: a Kubeflow Trainer v2 TrainJob on the ``torch-distributed`` runtime.

The runtime (installed with Kubeflow Trainer) defines the pods; the job sets
the image, ``numNodes = workers + 1`` and each node's resources. A base
``kustomizeconfig.yaml`` teaches kustomize's ``images:`` where a TrainJob keeps
its image, so the overlays can pin it.
"""

from __future__ import annotations

from gitops_ml.scaffold.spec import ModelSpec
from gitops_ml.scaffold.stack import TrainingStack
from gitops_ml.scaffold.text import block
from gitops_ml.scaffold.training import (
    ACTIVE_DEADLINE,
    TRAINJOB_RUNTIME,
    image_line,
    resources,
    shm_volume,
    training_metadata,
)


def trainjob(spec: ModelSpec) -> str:
    text = "apiVersion: trainer.kubeflow.org/v1alpha1\nkind: TrainJob\n"
    text += training_metadata(spec)
    text += (
        "spec:\n"
        "  # The runtime (installed with Kubeflow Trainer) defines the pods; this job\n"
        "  # sets the image, the node count and each node's resources.\n"
        "  runtimeRef:\n"
        "    apiGroup: trainer.kubeflow.org\n"
        "    kind: ClusterTrainingRuntime\n"
        f"    name: {TRAINJOB_RUNTIME}\n"
        f"  activeDeadlineSeconds: {ACTIVE_DEADLINE}  # a hung run gives its GPUs back after a day\n"
        "  trainer:\n"
        f"    image: {image_line(spec)}\n"
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
        f"{shm_volume(spec, 24)}\n"
    )
    return text


def files(spec: ModelSpec) -> dict[str, str]:
    return {"training.yaml": trainjob(spec)}


def configurations(spec: ModelSpec) -> dict[str, str]:
    return {
        "kustomizeconfig.yaml": (
            "# Teaches kustomize's images: transformer where a TrainJob keeps its image.\n"
            "images:\n"
            "  - path: spec/trainer/image\n"
            "    kind: TrainJob\n"
        )
    }


STACK = TrainingStack(
    name="trainjob",
    summary="Kubeflow Trainer v2 TrainJob (torch-distributed)",
    kind="TrainJob",
    files=files,
    frameworks=frozenset({"pytorch", "huggingface", "onnx", "custom"}),
    distributed=True,
    torch=True,
    rerun=("trainer.kubeflow.org", "trainjobs"),
    configurations=configurations,
)
