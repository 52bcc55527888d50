"""promotion-skips-staging reads git history: a staging-first release is not a finding."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from gitops_ml.cli import main
from tests.mlrepo import commit_all, git, make_repo


def _set_tag(root: Path, model: str, env: str, tag: str) -> None:
    path = root / "models" / model / "overlays" / env / "kustomization.yaml"
    path.write_text(re.sub(r'newTag: "[^"]*"', f'newTag: "{tag}"', path.read_text()))


def _skips(root: Path) -> list[dict[str, object]]:
    out = CliRunner().invoke(main, ["lint", str(root), "--format", "json", "--no-cache"])
    assert out.exit_code in (0, 1), out.output
    findings = json.loads(out.output)["findings"]
    return [f for f in findings if f["rule"] == "promotion-skips-staging"]


def test_staging_bumped_past_prod_is_not_reported(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    for env in ("staging", "prod"):
        _set_tag(root, "churn", env, "2.0.1")
    commit_all(root, "churn 2.0.1 in staging and prod")
    _set_tag(root, "churn", "staging", "2.1.0")
    commit_all(root, "churn 2.1.0 to staging")
    assert _skips(root) == []
    _set_tag(root, "churn", "staging", "2.2.0")  # uncommitted: the history still has 2.0.1
    assert _skips(root) == []


def test_a_version_staging_never_ran_is_reported(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    _set_tag(root, "churn", "staging", "2.1.0")
    commit_all(root, "churn 2.1.0 to staging")
    _set_tag(root, "churn", "prod", "9.9.9")
    commit_all(root, "hand-edited prod")
    found = _skips(root)
    assert len(found) == 1
    message = str(found[0]["message"])
    assert "'ghcr.io/example-org/churn:9.9.9'" in message
    assert "staging never ran in its git history" in message and "2.1.0" in message


def test_outside_git_only_the_working_tree_counts(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    for env in ("staging", "prod"):
        _set_tag(root, "churn", env, "2.0.1")
    commit_all(root, "2.0.1")
    _set_tag(root, "churn", "staging", "2.1.0")
    commit_all(root, "2.1.0 to staging")
    assert git(root, "rev-parse", "--is-inside-work-tree").strip() == "true"
    import shutil

    shutil.rmtree(root / ".git")
    found = _skips(root)
    assert len(found) == 1 and "never ran (" in str(found[0]["message"])
