"""The shared walker finds the pods and containers of every workload kind."""

from __future__ import annotations

from typing import Any

from gitops_ml.lint import workloads


def _pod(name: str = "main", image: str = "img:1") -> dict[str, Any]:
    return {"containers": [{"name": name, "image": image}], "initContainers": [{"name": "init"}]}


def test_kubeflow_replicas_are_walked_per_role() -> None:
    job = {
        "kind": "PyTorchJob",
        "spec": {"pytorchReplicaSpecs": {"Master": {"template": {"spec": _pod("pytorch")}}}},
    }
    found = [(c.path, c.role, c.init) for c in workloads.containers(job)]
    base = ("spec", "pytorchReplicaSpecs", "Master", "template", "spec")
    assert found == [
        ((*base, "initContainers", 0), "Master", True),
        ((*base, "containers", 0), "Master", False),
    ]
    assert [c.path for c in workloads.containers(job, init=False)] == [(*base, "containers", 0)]


def test_kserve_model_format_predictor_is_a_container_of_the_predictor_pod() -> None:
    isvc = {
        "kind": "InferenceService",
        "spec": {
            "predictor": {"model": {"storageUri": "s3://m/v1"}, "volumes": []},
            "transformer": {"containers": [{"name": "t", "image": "t:1"}]},
        },
    }
    found = {c.path: c.role for c in workloads.containers(isvc)}
    assert found == {
        ("spec", "predictor", "model"): "predictor",
        ("spec", "transformer", "containers", 0): "transformer",
    }


def test_cronjob_trainjob_and_runtime_paths() -> None:
    cron = {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": _pod()}}}}}
    assert [p.path for p in workloads.pod_specs(cron)] == [
        ("spec", "jobTemplate", "spec", "template", "spec")
    ]
    trainjob = {"kind": "TrainJob", "spec": {"trainer": {"image": "t:1"}}}
    (trainer,) = workloads.containers(trainjob)
    assert trainer.path == ("spec", "trainer") and trainer.resources_key == "resourcesPerNode"
    runtime = {
        "kind": "ClusterTrainingRuntime",
        "spec": {
            "template": {
                "spec": {
                    "replicatedJobs": [
                        {"name": "node", "template": {"spec": {"template": {"spec": _pod()}}}}
                    ]
                }
            }
        },
    }
    assert [p.role for p in workloads.pod_specs(runtime)] == ["node"]


def test_parse_image() -> None:
    assert workloads.parse_image("pytorch/pytorch") == ("docker.io", "pytorch/pytorch", None, None)
    assert workloads.parse_image("localhost:5000/a/b:1.0") == ("localhost:5000", "a/b", "1.0", None)
    ref = workloads.parse_image("ghcr.io/a/b:1@sha256:" + "0" * 64)
    assert (ref.registry, ref.tag, ref.digest) == ("ghcr.io", "1", "sha256:" + "0" * 64)


def test_gpu_resources_ignore_hugepages_and_zero() -> None:
    resources = {"limits": {"nvidia.com/gpu": 1, "amd.com/gpu": "0", "hugepages-2Mi": "1Gi"}}
    assert workloads.gpu_resources(resources) == {"nvidia.com/gpu"}
