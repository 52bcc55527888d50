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


def _deployment(container: dict[str, Any], labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "kind": "Deployment",
        "metadata": {"name": "x", "labels": labels or {}},
        "spec": {
            "template": {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [container]}}
        },
    }


def test_model_servers_are_recognised_by_what_they_run() -> None:
    cases = {
        "image vllm/vllm-openai": {"image": "vllm/vllm-openai:v0.6.3"},
        "image nvidia/tritonserver": {"image": "nvcr.io/nvidia/tritonserver:24.05-py3"},
        "image tensorflow/serving": {"image": "tensorflow/serving:2.16.1-gpu"},
        "image kserve/huggingfaceserver": {"image": "kserve/huggingfaceserver:v0.14.0"},
        "image openvino/model_server": {"image": "quay.io/openvino/model_server:2024.1"},
        "image nim/meta/llama3-8b-instruct": {"image": "nvcr.io/nim/meta/llama3-8b-instruct:1.0"},
        "command 'vllm serve'": {"image": "acme/llm:1", "command": ["vllm", "serve", "qwen"]},
        "command 'mlflow models serve'": {
            "image": "acme/churn:1",
            "command": ["sh", "-c", "mlflow models serve -m models:/churn/3 -p 8080"],
        },
        "argument --model-repository": {
            "image": "acme/t:1",
            "args": ["--model-repository=s3://m/v3"],
        },
        "argument --model": {"image": "acme/t:1", "args": ["--model", "/models/qwen"]},
        "env MODEL_ID": {"image": "acme/tgi:1", "env": [{"name": "MODEL_ID", "value": "x"}]},
        "env HF_MODEL_ID": {"image": "acme/tgi:1", "env": [{"name": "HF_MODEL_ID"}]},
        "port http-inference": {
            "image": "acme/s:1",
            "ports": [{"name": "http-inference", "containerPort": 8080}],
        },
    }
    for expected, container in cases.items():
        assert workloads.model_server_evidence(_deployment(container)) == expected, expected
    labelled = _deployment({"image": "acme/ranker:1"}, {"app.kubernetes.io/component": "serving"})
    assert workloads.model_server_evidence(labelled) == "label app.kubernetes.io/component: serving"
    custom = _deployment({"image": "registry.acme.io/ranker:1.4.2"})
    assert workloads.model_server_evidence(custom, ("registry.acme.io/ranker",)) is not None


def test_databases_stores_and_dashboards_do_not_serve_a_model() -> None:
    others = [
        {"image": "postgres:16", "env": [{"name": "POSTGRES_PASSWORD", "value": "x"}]},
        {"image": "quay.io/minio/minio:RELEASE.2024-05-01", "args": ["server", "/data"]},
        {"image": "redis:7", "ports": [{"name": "redis", "containerPort": 6379}]},
        {"image": "grafana/grafana:11.0.0", "ports": [{"name": "http", "containerPort": 3000}]},
        {"image": "quay.io/jupyter/pytorch-notebook:2024-05-01", "args": ["start-notebook.py"]},
        {"image": "ghcr.io/mlflow/mlflow:v2.12.1", "command": ["mlflow", "server"]},
        {"image": "acme/api:1", "env": [{"name": "MODEL_REGISTRY_TOKEN", "value": "x"}]},
    ]
    for container in others:
        assert workloads.model_server_evidence(_deployment(container)) is None, container


def test_one_image_parser_keeps_the_name_as_written() -> None:
    from gitops_ml import images

    assert images.split("localhost:5000/a/b") == ("localhost:5000/a/b", None, None)
    assert images.split("nginx:1.27@sha256:" + "1" * 64) == ("nginx", "1.27", "sha256:" + "1" * 64)
    assert images.name_of("docker.io/library/nginx:1") == "docker.io/library/nginx"
    assert images.parse_image("nginx").registry == "docker.io"
