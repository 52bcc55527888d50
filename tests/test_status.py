"""`gitops-ml status`: models x environments from the real render and real git history."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitops_ml.cli import main
from gitops_ml.status import StatusOptions, middle, render_text, status
from tests.mlrepo import git, make_repo


def _commit(root: Path, message: str, when: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    import subprocess

    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=root, check=True, env=env)


def _bump(root: Path, model: str, env: str, tag: str) -> None:
    path = root / "models" / model / "overlays" / env / "kustomization.yaml"
    path.write_text(re.sub(r'newTag: "[^"]*"', f'newTag: "{tag}"', path.read_text()))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "repo")
    _bump(root, "churn", "staging", "2.0.0")
    _commit(
        root,
        "release churn 2.0.0 to staging\n\nPromoted-From: dev@0123456789abcdef",
        "2026-11-20T10:00:00+00:00",
    )
    return root


def test_cells_show_version_replicas_history_and_drift(repo: Path) -> None:
    result = status(StatusOptions(root=repo))
    assert result.environments == ("dev", "staging", "prod")
    churn = {m.model: m for m in result.models}["churn"]
    dev, staging, prod = (churn.cells[e] for e in result.environments)
    assert dev.images == ("ghcr.io/example-org/churn:1.0.0",)
    assert staging.images == ("ghcr.io/example-org/churn:2.0.0",)
    assert dev.model_uris == ("s3://models/churn/v1",)
    assert (dev.replicas, staging.replicas, prod.replicas) == ("1", "2", "3")
    assert (dev.drift, staging.drift, prod.drift) == (False, True, True)
    head = git(repo, "rev-parse", "HEAD").strip()
    assert staging.commit == head and staging.date.startswith("2026-11-20")
    assert staging.promoted_from == "dev@0123456789abcdef"
    assert dev.commit != head and dev.promoted_from is None
    fraud = {m.model: m for m in result.models}["fraud"]
    assert not any(c.drift for c in fraud.cells.values())


def test_uncommitted_change_is_marked(repo: Path) -> None:
    _bump(repo, "fraud", "prod", "9.9.9")
    fraud = {m.model: m for m in status(StatusOptions(root=repo)).models}["fraud"]
    assert fraud.cells["prod"].uncommitted and fraud.cells["prod"].drift
    assert not fraud.cells["staging"].uncommitted


def test_text_fits_100_columns_and_keeps_environment_names(repo: Path) -> None:
    text = render_text(status(StatusOptions(root=repo)))
    lines = text.splitlines()
    assert all(len(line) <= 100 for line in lines)
    assert lines[0].split() == ["MODEL", "dev", "staging", "prod"]
    assert "* churn:2.0.0" in text


def test_middle_truncation_keeps_both_ends() -> None:
    assert middle("ghcr.io/acme/very-long-image-name:1.2.3", 20) == "ghcr.io/a…name:1.2.3"
    cut = middle("abcdefghijklmnopqrstuvwxyz", 11)
    assert len(cut) == 11 and cut.startswith("abcde") and cut.endswith("vwxyz")
    assert middle("short", 10) == "short"


def test_json_has_one_object_per_environment(repo: Path) -> None:
    out = CliRunner().invoke(main, ["status", "--format", "json", "-C", str(repo)])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["environments"] == ["dev", "staging", "prod"]
    churn = next(m for m in data["models"] if m["model"] == "churn")
    assert set(churn["environments"]) == {"dev", "staging", "prod"}
    staging = churn["environments"]["staging"]
    assert staging["images"] == ["ghcr.io/example-org/churn:2.0.0"]
    assert staging["drift"] is True and staging["lastChange"]["date"].startswith("2026-11-20")


def test_markdown_has_table_and_wellformed_mermaid(repo: Path) -> None:
    out = CliRunner().invoke(main, ["status", "--format", "markdown", "-C", str(repo)])
    assert out.exit_code == 0, out.output
    text = out.output
    assert "| model | dev | staging | prod |" in text
    block = text.split("```mermaid\n", 1)[1].split("\n```", 1)[0].splitlines()
    assert block[0] == "flowchart LR"
    nodes = [line for line in block[1:] if "[" in line]
    edges = [line.strip() for line in block[1:] if "-->" in line]
    assert len(nodes) == 3 and all(line.count('"') == 2 for line in nodes)
    assert edges == ["env0 --> env1", "env1 --> env2"]
    assert "churn: churn:2.0.0 · v1" in nodes[1]


def test_env_filter_and_unknown_env(repo: Path) -> None:
    out = CliRunner().invoke(main, ["status", "--env", "prod", "-C", str(repo)])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[0].split() == ["MODEL", "prod"]
    out = CliRunner().invoke(main, ["status", "--env", "qa", "-C", str(repo)])
    assert out.exit_code == 2
    assert "known: dev, staging, prod" in out.output


def test_outside_git_has_no_history(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    import shutil

    shutil.rmtree(root / ".git")
    result = status(StatusOptions(root=root))
    assert not result.in_git
    assert all(c.commit is None for m in result.models for c in m.cells.values())
