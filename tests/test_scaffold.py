"""init + new-model end to end, in real git repositories with real kustomize."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import git
import jsonschema
import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from gitops_ml.cli import main
from gitops_ml.lint.engine import LintOptions, run_lint

REPO_URL = "https://github.com/acme/ml-gitops.git"

# the six combinations of the scaffolding issue, as a user types them
COMBINATIONS = {
    "iris": "--framework sklearn --serving kserve --training none --storage-uri s3://models/iris/v1",
    "bert": "--framework pytorch --serving kserve --training pytorchjob --gpus 1 "
    "--training-image ghcr.io/acme/bert-train:0.3.1 --storage-uri s3://models/bert/v2",
    "churn": "--framework tensorflow --serving deployment --training tfjob "
    "--image ghcr.io/acme/churn-serve:2.0.1 --training-image ghcr.io/acme/churn-train:2.0.1",
    "llm": "--framework pytorch --serving kserve-serverless --training trainjob --gpus 2 "
    "--training-image ghcr.io/acme/llm-train:1.0.0 --storage-uri s3://models/llm/v4",
    "fraud": "--framework xgboost --serving kserve --training job --schedule '0 3 * * 0' "
    "--training-image ghcr.io/acme/fraud-train:0.9.0 --storage-uri gs://acme/fraud/v5",
    "cls": "--framework onnx --serving kserve --training none --storage-uri s3://models/cls/v1",
    # the 2026 stack: LLM serving with a Gateway route, queued multi-node training
    "chat": "--framework huggingface --serving llm --router gateway --gpus 2 "
    "--storage-uri hf://Qwen/Qwen2.5-7B-Instruct:a09a35458c702b33eeacc393d103063234e8bc28",
    "pretrain": "--framework pytorch --serving none --training jobset --workers 3 --gpus 4 "
    "--queue gpu-training --training-image ghcr.io/acme/pretrain:1.0.0",
}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def split(options: str) -> list[str]:
    import shlex

    return shlex.split(options)


def _build_repo(base: Path, controller: str) -> Path:
    code, out = run("init", str(base / "ml"), "--controller", controller, "--repo-url", REPO_URL)
    assert code == 0, out
    root = base / "ml"
    for name, options in COMBINATIONS.items():
        code, out = run("new-model", name, *split(options), "--repo", str(root))
        assert code == 0, out
    return root


@pytest.fixture(scope="module", params=["argocd", "flux"])
def generated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_repo(tmp_path_factory.mktemp(request.param), request.param)


def test_one_commit_per_command_and_a_clean_tree(generated: Path) -> None:
    repo = git.Repo(generated)
    assert not repo.is_dirty(untracked_files=True)
    subjects = [c.summary for c in repo.iter_commits()]
    assert len(subjects) == 1 + len(COMBINATIONS)
    assert "feat(models): add bert (kserve, pytorchjob)" in subjects
    assert subjects[-1].startswith("chore(repo): set up gitops-ml layout")


def test_lint_reports_nothing(generated: Path) -> None:
    result = run_lint(LintOptions(paths=(generated,)))
    # --training pytorchjob/tfjob write Training Operator v1 kinds: one info each, by design
    notices = [
        f
        for f in result.findings
        if f.rule == "ml-api-deprecated" and "Training Operator v1" in f.message
    ]
    assert notices and all(f.file and f.file.endswith("/base/training.yaml") for f in notices)
    assert {str(f.severity) for f in notices} == {"info"}
    rest = [f for f in result.findings if f not in notices]
    assert [(f.rule, f.file, f.line, f.message) for f in rest] == []
    assert result.overlays >= 3 * len(COMBINATIONS)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_every_kustomization_builds_with_kubectl(generated: Path) -> None:
    folders = sorted(
        p.parent
        for top in ("models", "clusters")
        for p in (generated / top).rglob("kustomization.yaml")
    )
    assert folders
    for folder in folders:
        done = subprocess.run(
            ["kubectl", "kustomize", str(folder)], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"{folder}: {done.stderr}"


def test_overlays_pin_every_version(generated: Path) -> None:
    bert = generated / "models/bert/overlays"
    for env in ("dev", "staging", "prod"):
        kustomization = (bert / env / "kustomization.yaml").read_text()
        assert "name: ghcr.io/acme/bert-train" in kustomization
        assert 'newTag: "0.3.1"  # bump the training image version here' in kustomization
        patch = (bert / env / "serving-patch.yaml").read_text()
        assert "storageUri: s3://models/bert/v2  # bump the model version here" in patch
    assert "../../../../components/gpu" in (bert / "prod/kustomization.yaml").read_text()
    assert "components/prod-ha" in (bert / "prod/kustomization.yaml").read_text()


def test_second_new_model_of_the_same_name_changes_nothing(generated: Path) -> None:
    repo = git.Repo(generated)
    head = repo.head.commit.hexsha
    before = {p: p.read_bytes() for p in (generated / "models/iris").rglob("*") if p.is_file()}
    code, out = run("new-model", "iris", *split(COMBINATIONS["iris"]), "--repo", str(generated))
    assert code == 2
    assert "already exists" in out
    after = {p: p.read_bytes() for p in (generated / "models/iris").rglob("*") if p.is_file()}
    assert before == after
    assert repo.head.commit.hexsha == head
    assert not repo.is_dirty(untracked_files=True)


def _validate(instance_path: Path, schema_path: Path) -> list[str]:
    data = json.loads(json.dumps(YAML(typ="safe").load(instance_path.read_text())))
    schema = json.loads(schema_path.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [e.message for e in validator.iter_errors(data)]


def test_hook_and_workflow_match_schemastore(generated: Path, shared_testdata: Path) -> None:
    schemas = shared_testdata / "schemas"
    pre_commit = generated / ".pre-commit-config.yaml"
    assert _validate(pre_commit, schemas / "pre-commit-config.json") == []
    workflow = generated / ".github/workflows/gitops-ml-review.yaml"
    assert _validate(workflow, schemas / "github-workflow.json") == []
    text = workflow.read_text()
    assert "gitops-ml lint --format sarif -o gitops-ml.sarif" in text
    assert "github/codeql-action/upload-sarif" in text
    assert "gitops-ml diff --base origin/${{ github.base_ref }} --format markdown" in text
    assert "fetch-depth: 0" in text
    assert "id: gitops-ml-lint" in pre_commit.read_text()


def test_controller_objects(generated: Path) -> None:
    config = (generated / "gitops-ml.yaml").read_text()
    if "controller: argocd" in config:
        appset = (generated / "clusters/prod/applicationset.yaml").read_text()
        assert "path: models/*/overlays/prod" in appset
        assert "'{{ index .path.segments 1 }}-prod'" in appset
        assert (generated / "clusters/prod/appproject.yaml").is_file()
    else:
        assert (generated / "clusters/prod/source.yaml").is_file()
        model = (generated / "clusters/prod/models/fraud.yaml").read_text()
        assert "path: ./models/fraud/overlays/prod" in model


@pytest.mark.parametrize("controller", ["argocd", "flux"])
def test_fresh_init_lints_clean(tmp_path: Path, controller: str) -> None:
    # no model yet: the ApplicationSet glob matches nothing, which is not a finding
    code, out = run(
        "init", str(tmp_path / "ml"), "--controller", controller, "--repo-url", REPO_URL
    )
    assert code == 0, out
    result = run_lint(LintOptions(paths=(tmp_path / "ml",)))
    assert [(f.rule, f.file, f.line, f.message) for f in result.findings] == []
    code, out = run("lint", str(tmp_path / "ml"))
    assert code == 0 and "0 error(s), 0 warning(s)" in out, out


def test_llm_and_queued_jobset_stacks(generated: Path) -> None:
    from gitops_ml.build import BuildOptions, render_folder

    chat = render_folder(generated, generated / "models/chat/overlays/prod", BuildOptions())
    by_kind = {o.kind: o.data for o in chat.objects}
    svc = by_kind["LLMInferenceService"]["spec"]
    assert svc["model"]["uri"].startswith("hf://Qwen/Qwen2.5-7B-Instruct:")
    assert svc["parallelism"] == {"tensor": 2} and svc["replicas"] == 2
    main_container = svc["template"]["containers"][0]
    assert main_container["resources"]["limits"]["nvidia.com/gpu"] == 2
    assert main_container["startupProbe"]["failureThreshold"] * 10 >= 600
    assert {"name": "dshm", "mountPath": "/dev/shm"} in main_container["volumeMounts"]
    assert svc["template"]["volumes"][0]["emptyDir"]["medium"] == "Memory"
    ref = by_kind["HTTPRoute"]["spec"]["rules"][0]["backendRefs"][0]
    assert (ref["kind"], ref["name"]) == ("InferencePool", "chat-inference-pool")
    assert "PodDisruptionBudget" in by_kind

    for env, namespace in (("dev", "ml-dev"), ("prod", "ml-prod")):
        job = render_folder(generated, generated / f"models/pretrain/overlays/{env}")
        jobset = next(o for o in job.objects if o.kind == "JobSet")
        assert jobset.labels["kueue.x-k8s.io/queue-name"] == "gpu-training"
        assert jobset.data["spec"]["replicatedJobs"][0]["template"]["spec"]["parallelism"] == 4
        queue = render_folder(generated, generated / f"clusters/{env}/queues/gpu-training")
        kinds = {o.kind: o for o in queue.objects}
        assert kinds["LocalQueue"].key.namespace == namespace
        assert kinds["LocalQueue"].data["spec"]["clusterQueue"] == f"gpu-training-{env}"
        covered = kinds["ClusterQueue"].data["spec"]["resourceGroups"][0]["coveredResources"]
        assert "nvidia.com/gpu" in covered


def test_new_model_refuses_router_without_llm(tmp_path: Path) -> None:
    code, out = run("init", str(tmp_path / "ml"), "--controller", "argocd")
    assert code == 0, out
    code, out = run(
        "new-model", "m", "--framework", "sklearn", "--router", "gateway",
        "--repo", str(tmp_path / "ml"),
    )  # fmt: skip
    assert code == 2 and "--serving llm" in out
    code, out = run(
        "new-model", "m", "--framework", "sklearn", "--queue", "Bad_Name",
        "--training", "job", "--repo", str(tmp_path / "ml"),
    )  # fmt: skip
    assert code == 2 and "DNS label" in out
