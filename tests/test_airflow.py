"""Airflow-orchestrated retraining: generated DAGs imported by the real Airflow.

The DagBag test runs ``tests/airflow_probe.py`` in a child process of the same
interpreter (the ``airflow`` extra, installed by ``make dev``), with its own
``AIRFLOW_HOME``: Airflow configures logging and settings at import, which
must not leak into this test process. Lint never imports a DAG.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from gitops_ml.airflow import parse_dag, schedule_problem, training_object
from gitops_ml.cli import main
from gitops_ml.lint.engine import LintOptions, run_lint

PROBE = Path(__file__).with_name("airflow_probe.py")
SCHEDULE = "0 3 * * 0"
MODELS = {
    "bert": "--framework pytorch --serving kserve --training pytorchjob --gpus 1 --workers 2",
    "churn": "--framework tensorflow --serving none --training tfjob",
    "llm": "--framework pytorch --serving none --training trainjob --gpus 2",
    "fraud": "--framework xgboost --serving kserve --training job",
}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def _repo(base: Path, controller: str = "argocd", config: str = "") -> Path:
    root = base / "ml"
    code, out = run("init", str(root), "--controller", controller)
    assert code == 0, out
    if config:
        with (root / "gitops-ml.yaml").open("a", encoding="utf-8") as handle:
            handle.write(config)
        run_git(root, "commit", "-qam", "airflow settings")
    for name, options in MODELS.items():
        code, out = run(
            "new-model",
            name,
            *shlex.split(options),
            "--schedule",
            SCHEDULE,
            "--orchestrator",
            "airflow",
            "--repo",
            str(root),
        )
        assert code == 0, out
    return root


def run_git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def _rendered_training(root: Path, overlay: str, model: str) -> dict[str, Any]:
    code, out = run("render", str(root / overlay))
    assert code == 0, out
    found = training_object(list(YAML(typ="safe").load_all(out)), model)
    assert found is not None
    return found


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _repo(tmp_path_factory.mktemp("airflow"))


@pytest.fixture(scope="module")
def probed(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("airflow-home")
    out = home / "probe.json"
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "True",
    }
    proc = subprocess.run(
        [sys.executable, str(PROBE), str(generated / "dags"), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:] + proc.stdout[-2000:]
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def test_one_dag_and_one_manifest_per_environment(generated: Path) -> None:
    for model in MODELS:
        for env in ("dev", "staging", "prod"):
            assert (generated / "dags" / f"{model}_{env}_retrain.py").is_file()
            assert (generated / "dags" / "manifests" / f"{model}_{env}_train.yaml").is_file()
        assert not (generated / "models" / model / "base" / "retrain.yaml").exists()
        assert (
            "CronJob" not in (generated / "models" / model / "base" / "training.yaml").read_text()
        )


def test_generated_repository_lints_clean(generated: Path) -> None:
    result = run_lint(LintOptions(paths=(generated,), root=generated))
    # the default training images are new-model's placeholders, reported as such
    rest = [f for f in result.findings if f.rule != "placeholder-value"]
    assert [f for f in rest if f.severity >= f.severity.WARNING] == []


def test_every_dag_imports_in_airflow(probed: dict[str, Any]) -> None:
    assert probed["import_errors"] == {}
    expected = {f"{m}_{e}_retrain" for m in MODELS for e in ("dev", "staging", "prod")}
    assert set(probed["dags"]) == expected


def test_dags_have_the_schedule_and_the_three_tasks(probed: dict[str, Any]) -> None:
    for dag in probed["dags"].values():
        assert dag["schedule"] == SCHEDULE
        assert dag["max_active_runs"] == 1
        assert dag["catchup"] is False
        assert dag["operator"] == "KubernetesCreateResourceOperator"
        assert dag["upstream_of_create"] == ["remove_previous_run"]
        assert dag["downstream_of_create"] == ["wait_for_training"]
        assert dag["conn_id"] == "kubernetes_default"


def test_task_creates_exactly_what_render_builds(generated: Path, probed: dict[str, Any]) -> None:
    for dag_id, dag in probed["dags"].items():
        model, env, _ = dag_id.rsplit("_", 2)
        overlay = f"models/{model}/overlays/{env}"
        expected = _rendered_training(generated, overlay, model)
        assert len(dag["calls"]) == 1, dag_id
        call = dag["calls"][0]
        assert call["method"] == "POST"
        assert call["body"] == expected, dag_id
        kind = expected["kind"]
        if kind == "Job":
            assert call["path"] == "/apis/batch/v1/namespaces/{namespace}/jobs"
        else:
            assert call["params"]["plural"] == kind.lower() + "s"
        assert call["params"]["namespace"] == f"ml-{env}"


def test_controllers_never_apply_the_training_run(generated: Path) -> None:
    for model in MODELS:
        obj = _rendered_training(generated, f"models/{model}/overlays/prod", model)
        annotations = obj["metadata"]["annotations"]
        assert annotations["argocd.argoproj.io/hook"] == "Skip"
        assert annotations["kustomize.toolkit.fluxcd.io/ssa"] == "Ignore"


def test_overlay_change_is_drift_until_sync(generated: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(generated, root)
    kustomization = root / "models/bert/overlays/staging/kustomization.yaml"
    kustomization.write_text(
        kustomization.read_text().replace(
            'newTag: "0.1.0-placeholder"  # bump the training',
            'newTag: "0.2.0-placeholder"  # bump the training',
        )
    )
    result = run_lint(LintOptions(paths=(root,), root=root))
    drift = [f for f in result.findings if f.rule == "airflow-drift"]
    assert [(f.file, f.message.split(" at ")[-1]) for f in drift] == [
        (
            "dags/manifests/bert_staging_train.yaml",
            "spec.pytorchReplicaSpecs.Master.template.spec.containers[0].image; "
            "run `gitops-ml airflow sync`",
        )
    ]
    assert run("airflow", "sync", "--check", "-C", str(root))[0] == 1
    code, out = run("airflow", "sync", "-C", str(root))
    assert code == 0 and "wrote dags/manifests/bert_staging_train.yaml" in out
    assert run("airflow", "sync", "--check", "-C", str(root))[0] == 0
    result = run_lint(LintOptions(paths=(root,), root=root))
    assert [f for f in result.findings if f.rule.startswith("airflow-")] == []


def test_config_settings_reach_the_dag(tmp_path: Path) -> None:
    config = "airflow:\n  dagsFolder: airflow/dags\n  kubernetesConnId: ml_cluster\n  namespace: training\n"
    root = tmp_path / "ml"
    code, out = run("init", str(root), "--controller", "flux")
    assert code == 0, out
    with (root / "gitops-ml.yaml").open("a", encoding="utf-8") as handle:
        handle.write(config)
    run_git(root, "commit", "-qam", "airflow settings")
    code, out = run(
        "new-model",
        "fraud",
        "--framework",
        "xgboost",
        "--training",
        "job",
        "--schedule",
        "@weekly",
        "--orchestrator",
        "airflow",
        "--envs",
        "prod",
        "--repo",
        str(root),
    )
    assert code == 0, out
    dag = parse_dag((root / "airflow/dags/fraud_prod_retrain.py").read_text(), "x.py")
    assert dag.value_of("manifest") == "manifests/fraud_prod_train.yaml"
    text = (root / "airflow/dags/fraud_prod_retrain.py").read_text()
    assert 'KUBERNETES_CONN_ID = "ml_cluster"' in text and 'NAMESPACE = "training"' in text
    assert (root / "airflow/dags/manifests/fraud_prod_train.yaml").is_file()
    assert [s.value for s in dag.schedules] == ["@weekly"]


@pytest.mark.parametrize(
    ("schedule", "orchestrator", "message"),
    [
        (None, "airflow", "needs --schedule"),
        ("@once", "airflow", "Airflow accepts"),
        ("0 3 * * 8", "airflow", "Airflow accepts"),
        ("@daily", "cron", "not one of"),
    ],
)
def test_refusals(schedule: str | None, orchestrator: str, message: str) -> None:
    from gitops_ml.errors import UserError
    from gitops_ml.scaffold import model_spec

    with pytest.raises(UserError, match=message):
        model_spec(
            "x",
            framework="xgboost",
            serving="none",
            training="job",
            schedule=schedule,
            orchestrator=orchestrator,
        )


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("0 3 * * 0", True),
        ("*/5 * * * *", True),
        ("0 0 L * *", True),
        ("0 0 * * 5#3", True),
        ("@daily", True),
        (None, True),
        ("0 3 * * 8", False),
        ("60 * * * *", False),
        ("0 0 0 * *", False),
        ("* * * * * *", False),
        ("5-1 * * * *", False),
        ("*/0 * * * *", False),
        ("@fortnightly", False),
        ("", False),
    ],
)
def test_schedule_validation(value: str | None, ok: bool) -> None:
    assert (schedule_problem(value) is None) is ok


def test_lint_never_imports_a_dag(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "dags").mkdir(parents=True)
    marker = tmp_path / "imported"
    (root / "dags" / "evil.py").write_text(
        f"open({str(marker)!r}, 'w').write('x')\n"
        "from airflow.sdk import DAG\n"
        "with DAG('evil', schedule='61 * * * *'):\n    pass\n"
    )
    result = run_lint(LintOptions(paths=(root,), root=root))
    assert [f.rule for f in result.findings] == ["airflow-schedule-invalid"]
    assert not marker.exists()


def test_broken_dag_file_does_not_stop_lint(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "dags").mkdir(parents=True)
    (root / "dags" / "broken.py").write_text("def (:\n")
    (root / "dags" / "binary.py").write_bytes(b"\xff\xfe\x00garbage")
    result = run_lint(LintOptions(paths=(root,), root=root))
    assert [f for f in result.findings if f.rule.startswith("airflow-")] == []


def test_pod_template_file_is_linted_as_a_pod(tmp_path: Path) -> None:
    """KubernetesExecutor pod templates are plain manifests: the object rules see them."""
    root = tmp_path / "repo"
    (root / "airflow" / "pod_templates").mkdir(parents=True)
    (root / "airflow" / "pod_templates" / "gpu.yaml").write_text(
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata:\n"
        "  labels: {tier: airflow-worker}\n"  # no name: Airflow names the pod
        "spec:\n"
        "  containers:\n"
        "    - name: base\n"
        "      image: ghcr.io/acme/airflow-torch:2.10.0\n"
        "      resources:\n"
        "        limits: {nvidia.com/gpu: 1}\n"
        "        requests: {nvidia.com/gpu: 2}\n"
    )
    (root / "dags").mkdir()
    (root / "dags" / "gpu.py").write_text(
        "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n"
        "KubernetesPodOperator(task_id='t', pod_template_file='airflow/pod_templates/gpu.yaml')\n"
    )
    result = run_lint(LintOptions(paths=(root,), root=root))
    rules = {f.rule for f in result.findings if f.file == "airflow/pod_templates/gpu.yaml"}
    assert {"gpu-request-limit-mismatch", "resources-missing"} <= rules
    dag = parse_dag((root / "dags" / "gpu.py").read_text(), "dags/gpu.py")
    assert [v.value for v in dag.pod_template_files] == ["airflow/pod_templates/gpu.yaml"]


def test_diff_shows_schedule_and_manifest_changes(generated: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(generated, root)
    dag = root / "dags/fraud_prod_retrain.py"
    dag.write_text(dag.read_text().replace(f'SCHEDULE = "{SCHEDULE}"', 'SCHEDULE = "0 4 * * *"'))
    manifest = root / "dags/manifests/churn_dev_train.yaml"
    manifest.write_text(manifest.read_text().replace("churn-train:0.1.0-", "churn-train:0.2.0-"))
    code, out = run("diff", "--base", "HEAD", "--format", "json", "-C", str(root))
    assert code == 0, out
    highlights = {
        (h["environment"], h["what"], h["old"], h["new"]) for h in json.loads(out)["highlights"]
    }
    assert ("prod", "schedule", SCHEDULE, "0 4 * * *") in highlights
    assert (
        "dev",
        "image",
        "ghcr.io/acme/churn-train:0.1.0-placeholder",
        "ghcr.io/acme/churn-train:0.2.0-placeholder",
    ) in highlights


def test_promote_rewrites_the_target_dag_manifest_in_the_same_commit(
    generated: Path, tmp_path: Path
) -> None:
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(generated, root)
    kustomization = root / "models/bert/overlays/staging/kustomization.yaml"
    kustomization.write_text(
        kustomization.read_text().replace(
            'newTag: "0.1.0-placeholder"  # bump the training',
            'newTag: "0.2.0-placeholder"  # bump the training',
        )
    )
    assert run("airflow", "sync", "-C", str(root))[0] == 0
    run_git(root, "commit", "-qam", "bert 0.2.0 to staging")
    code, out = run(
        "promote", "bert", "--from", "staging", "--to", "prod", "--dry-run", "-C", str(root)
    )
    assert code == 0, out
    assert "b/dags/manifests/bert_prod_train.yaml" in out and "0.2.0" in out
    code, out = run("promote", "bert", "--from", "staging", "--to", "prod", "-C", str(root))
    assert code == 0, out
    changed = subprocess.run(
        ["git", "-C", str(root), "show", "--name-only", "--format=", "HEAD"],
        check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    assert "dags/manifests/bert_prod_train.yaml" in changed
    assert "models/bert/overlays/prod/kustomization.yaml" in changed
    result = run_lint(LintOptions(paths=(root,), root=root))
    assert [f for f in result.findings if f.rule == "airflow-drift"] == []
    assert run("airflow", "sync", "--check", "-C", str(root))[0] == 0
