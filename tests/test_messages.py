"""Exit codes and the wording of messages a user meets in the everyday loop (issue 12.8)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitops_ml.cli import main
from tests.conftest import write_tree
from tests.mlrepo import commit_all, git, make_repo


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_init_in_a_folder_that_cannot_be_made_is_a_usage_error() -> None:
    code, out = _cli("init", "/proc/gitops-ml-test/x", "--controller", "argocd")
    assert code == 2, out
    assert (
        out.startswith("gitops-ml: cannot create /proc/gitops-ml-test/x") and "internal" not in out
    )


def _without_identity(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tuseConfigOnly = true\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_AUTHOR", "GIT_COMMITTER"))}
    env.update(HOME=str(tmp_path), GIT_CONFIG_GLOBAL=str(config), GIT_CONFIG_NOSYSTEM="1")
    return env


@pytest.mark.parametrize("exists", [False, True])
def test_init_without_a_git_identity_writes_nothing_and_says_how_to_set_one(
    tmp_path: Path, exists: bool
) -> None:
    target = tmp_path / "gitops"
    if exists:
        target.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "gitops_ml.cli", "init", str(target), "--controller", "argocd"],
        env=_without_identity(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "git config --global user.email" in done.stderr, done.stderr
    assert "git config --global user.name" in done.stderr
    assert (not target.exists()) if not exists else list(target.iterdir()) == []


def test_new_model_without_a_git_identity_writes_nothing(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "gitops")
    git(root, "config", "--unset", "user.name")
    git(root, "config", "--unset", "user.email")
    done = subprocess.run(
        [sys.executable, "-m", "gitops_ml.cli", "new-model", "iris", "--framework", "sklearn"],
        cwd=root,
        env=_without_identity(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "user.email" in done.stderr
    assert not (root / "models/iris").exists()


GPU_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: llm
spec:
  selector: {matchLabels: {app: llm}}
  template:
    metadata: {labels: {app: llm}}
    spec:
      containers:
        - name: server
          image: ghcr.io/x/llm:1.0.0
          resources:
            limits: {nvidia.com/gpu: 1}
"""

PYTORCH_JOB = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: train
spec:
  pytorchReplicaSpecs:
    Master:
      replicas: 1
      template:
        spec:
          containers:
            - name: pytorch
              image: ghcr.io/x/train:1.0.0
              resources:
                limits: {nvidia.com/gpu: 1}
"""


def test_messages_name_a_plain_pod_once_and_a_replica_role_when_there_is_one(
    tmp_path: Path,
) -> None:
    write_tree(tmp_path, {"llm.yaml": GPU_DEPLOYMENT, "train.yaml": PYTORCH_JOB})
    code, out = _cli("lint", str(tmp_path), "--format", "json")
    assert code in (0, 1), out
    import json

    messages = [f["message"] for f in json.loads(out)["findings"]]
    gpu = [m for m in messages if "requests a GPU" in m]
    assert any(m.startswith("pod requests a GPU") for m in gpu), gpu
    assert any(m.startswith("Master pod requests a GPU") for m in gpu), gpu
    assert not any("pod pod" in m or "(pod)" in m or "pod container" in m for m in messages)
    assert any(m.startswith("container 'server' ") for m in messages), messages


def test_training_choice_that_does_not_fit_the_framework_names_what_does(tmp_path: Path) -> None:
    for framework in ("sklearn", "keras"):
        code, out = _cli("new-model", "iris", "--framework", framework, "--training", "pytorchjob")
        assert code == 2
        offered = re.search(r"; use (?:one of (.+) or (\S+)|--training (\S+))\.$", out.strip())
        assert offered is not None, out
        names = [n for part in offered.groups() if part for n in part.split(", ")]
        assert "job" in names and len(set(names)) == len(names), out  # never "job or job"


def test_diff_text_heads_the_findings_in_plain_words(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "gitops")
    prod = repo / "models/churn/overlays/prod/kustomization.yaml"
    prod.write_text(prod.read_text().replace('newTag: "1.0.0"', "newTag: latest"))
    commit_all(repo, "latest in prod")
    code, out = _cli("diff", "-C", str(repo), "--base", "HEAD~1")
    assert code == 0, out
    assert "New findings:" in out and "Findings new" not in out


def test_an_unquoted_kubernetes_version_says_to_quote_it(tmp_path: Path) -> None:
    write_tree(tmp_path, {"gitops-ml.yaml": "kind: Config\nkubernetesVersion: 1.30\n"})
    code, out = _cli("lint", str(tmp_path))
    assert code == 2
    assert 'quote it: kubernetesVersion: "1.30"' in out, out
    assert "not of type" not in out
