"""Every framework, serving and training option; dry-run, --branch and the refusals."""

from __future__ import annotations

from pathlib import Path

import git
import pytest
from click.testing import CliRunner

from gitops_ml.cli import main
from gitops_ml.errors import UserError
from gitops_ml.findings import Finding, Severity
from gitops_ml.lint.engine import LintOptions, run_lint
from gitops_ml.scaffold import init_repo, init_spec, model_spec, new_model
from gitops_ml.scaffold.api import placeholders
from gitops_ml.scaffold.spec import FRAMEWORKS, SERVING, TRAINING

CASES = [
    # (framework, serving, training, extra options): every value of every option at least once
    ("pytorch", "kserve", "pytorchjob", {"gpus": 1, "workers": 2}),
    ("tensorflow", "kserve-serverless", "tfjob", {"schedule": "@weekly"}),
    ("keras", "deployment", "tfjob", {"gpus": 1}),
    ("sklearn", "kserve", "job", {"schedule": "0 2 * * *"}),
    ("xgboost", "kserve-serverless", "none", {}),
    ("onnx", "deployment", "trainjob", {"schedule": "0 4 * * 1"}),
    ("huggingface", "kserve-serverless", "trainjob", {"gpus": 1}),
    ("triton", "kserve", "none", {"storage_uri": "s3://models/t/v2"}),
    ("custom", "kserve", "pytorchjob", {"image": "ghcr.io/acme/srv@sha256:" + "a" * 64}),
    ("custom", "none", "job", {"gpus": 1}),
    ("pytorch", "deployment", "job", {"gpus": 1, "schedule": "@daily"}),
    ("huggingface", "llm", "none", {"gpus": 1}),
    (
        "pytorch",
        "kserve",
        "jobset",
        {"gpus": 2, "workers": 1, "queue": "gpu", "schedule": "@weekly"},
    ),
]


def _training_v1_notice(finding: Finding) -> bool:
    """The one info a Training Operator v1 kind carries by design (ml-api-deprecated)."""
    return (
        finding.rule == "ml-api-deprecated"
        and finding.severity is Severity.INFO
        and "Training Operator v1" in finding.message
    )


def test_cases_cover_every_option() -> None:
    assert {c[0] for c in CASES} == set(FRAMEWORKS)
    assert {c[1] for c in CASES} == set(SERVING)
    assert {c[2] for c in CASES} == set(TRAINING)


@pytest.fixture(scope="module")
def flux_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("options") / "repo"
    init_repo(root, init_spec("flux", None, "dev,qa,prod"))
    return root


@pytest.mark.parametrize(("framework", "serving", "training", "extra"), CASES)
def test_every_option_lints_clean(
    flux_repo: Path, framework: str, serving: str, training: str, extra: dict[str, object]
) -> None:
    name = f"{framework[:6]}-{serving[:6]}-{training[:5]}".replace("--", "-").strip("-")
    spec = model_spec(name, framework=framework, serving=serving, training=training, **extra)  # type: ignore[arg-type]
    outcome = new_model(spec, repo=flux_repo)
    assert outcome.commit
    assert [f for f in outcome.findings if not _training_v1_notice(f)] == []
    result = run_lint(LintOptions(paths=(flux_repo / "models" / name,), root=flux_repo))
    # the placeholders new-model wrote (it names them) are reported until replaced
    written = {value for _, value, _ in placeholders(spec)}
    held = [f for f in result.findings if f.rule == "placeholder-value"]
    assert {f.message.rsplit(" ", 1)[-1].strip("'") for f in held} == written
    findings = [f for f in result.findings if not _training_v1_notice(f) and f not in held]
    assert [(f.rule, f.file, f.line, f.message) for f in findings] == []
    notices = len(result.findings) - len(findings) - len(held)
    assert (notices > 0) == (training in ("pytorchjob", "tfjob"))
    assert not git.Repo(flux_repo).is_dirty(untracked_files=True)
    assert sorted(p.name for p in (flux_repo / "models" / name / "overlays").iterdir()) == [
        "dev",
        "prod",
        "qa",
    ]


@pytest.fixture
def argo_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    init_repo(root, init_spec("argocd", "https://github.com/acme/x.git", None))
    return root


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def test_dry_run_changes_nothing(argo_repo: Path) -> None:
    before = _snapshot(argo_repo)
    head = git.Repo(argo_repo).head.commit.hexsha
    code, out = _cli(
        "new-model", "fraud", "--framework", "xgboost", "--repo", str(argo_repo), "--dry-run"
    )
    assert code == 0, out
    assert "would write models/fraud/overlays/prod/kustomization.yaml" in out
    assert _snapshot(argo_repo) == before
    assert git.Repo(argo_repo).head.commit.hexsha == head


def test_branch_is_created_and_only_written_paths_are_committed(argo_repo: Path) -> None:
    repo = git.Repo(argo_repo)
    (argo_repo / "notes.txt").write_text("mine\n")
    repo.index.add(["notes.txt"])  # the user's own staged change stays staged
    code, out = _cli(
        "new-model", "fraud", "--framework", "xgboost", "--repo", str(argo_repo),
        "--branch", "add-fraud",
    )  # fmt: skip
    assert code == 0, out
    assert repo.active_branch.name == "add-fraud"
    changed = set(repo.head.commit.stats.files)
    assert all(str(p).startswith("models/fraud/") for p in changed)
    assert "notes.txt" in [d.a_path for d in repo.index.diff("HEAD")]


def test_dirty_target_path_is_refused(argo_repo: Path) -> None:
    repo = git.Repo(argo_repo)
    gpu = argo_repo / "components/gpu/kustomization.yaml"
    gpu.unlink()  # deleted, uncommitted: new-model would write it again
    before = _snapshot(argo_repo)
    with pytest.raises(UserError, match="uncommitted changes"):
        new_model(model_spec("bert", framework="pytorch", serving="kserve", training="pytorchjob",
                             gpus=1), repo=argo_repo)  # fmt: skip
    assert _snapshot(argo_repo) == before
    assert not (argo_repo / "models/bert").exists()
    assert repo.head.commit.summary.startswith("chore(repo)")


def test_detached_head_is_refused(argo_repo: Path) -> None:
    repo = git.Repo(argo_repo)
    repo.git.checkout("--detach")
    code, out = _cli("new-model", "iris", "--framework", "sklearn", "--repo", str(argo_repo))
    assert code == 2
    assert "detached" in out
    assert not (argo_repo / "models/iris").exists()


def test_no_commit_leaves_files_uncommitted(argo_repo: Path) -> None:
    code, out = _cli(
        "new-model", "iris", "--framework", "sklearn", "--repo", str(argo_repo), "--no-commit"
    )
    assert code == 0, out
    assert (argo_repo / "models/iris/base/serving.yaml").is_file()
    assert git.Repo(argo_repo).is_dirty(untracked_files=True)


def test_init_refuses_a_non_empty_folder_and_force_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "existing"
    target.mkdir()
    (target / "README.md").write_text("my readme\n")
    code, out = _cli("init", str(target), "--controller", "flux")
    assert code == 2
    assert "not empty" in out
    assert sorted(p.name for p in target.iterdir()) == ["README.md"]
    code, out = _cli("init", str(target), "--controller", "flux", "--force")
    assert code == 0, out
    assert (target / "README.md").read_text() == "my readme\n"
    assert (target / "gitops-ml.yaml").is_file()
    repo = git.Repo(target)
    assert "README.md" not in repo.head.commit.stats.files
    assert repo.untracked_files == ["README.md"]


def test_init_inside_an_existing_repository_does_not_reinit(tmp_path: Path) -> None:
    outer = git.Repo.init(tmp_path / "outer")
    (tmp_path / "outer/a.txt").write_text("a\n")
    outer.index.add(["a.txt"])
    outer.index.commit("first")
    code, out = _cli("init", str(tmp_path / "outer/gitops"), "--controller", "argocd")
    assert code == 0, out
    assert not (tmp_path / "outer/gitops/.git").exists()
    assert outer.head.commit.summary.startswith("chore(repo)")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"framework": "sklearn", "serving": "none", "training": "none"}, "nothing to generate"),
        ({"framework": "sklearn", "serving": "kserve", "training": "pytorchjob"}, "does not train"),
        ({"framework": "pytorch", "serving": "kserve", "training": "none", "image": "a/b:1"},
         "--image"),
        ({"framework": "custom", "serving": "deployment", "training": "none",
          "image": "ghcr.io/x/y:latest"}, "latest"),
        ({"framework": "sklearn", "serving": "kserve", "training": "job", "schedule": "weekly"},
         "cron"),
        ({"framework": "sklearn", "serving": "kserve", "training": "none",
          "storage_uri": "file:///tmp/x"}, "model URI"),
    ],
)  # fmt: skip
def test_invalid_options_are_one_sentence_errors(options: dict[str, str], message: str) -> None:
    with pytest.raises(UserError, match=message):
        model_spec("m", **options)  # type: ignore[arg-type]


def test_invalid_model_name_is_refused() -> None:
    with pytest.raises(UserError, match="DNS label"):
        model_spec("Fraud_Model", framework="sklearn", serving="kserve", training="none")


def test_new_model_outside_a_repository(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="gitops-ml init"):
        new_model(
            model_spec("m", framework="sklearn", serving="kserve", training="none"), repo=tmp_path
        )
