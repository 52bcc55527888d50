"""Promotion gates, provenance trailers, --branch, --pr-body and --all, in real git history."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitops_ml.cli import main
from gitops_ml.promotion import GITHUB_BODY_LIMIT, split_body
from gitops_ml.status import StatusOptions, status
from tests.mlrepo import git, make_repo

GATES = "promotion:\n  minSoak: 24h\n  requireClean: true\n"


def _iso(delta: timedelta) -> str:
    return (datetime.now(UTC) - delta).replace(microsecond=0).isoformat()


def _commit(root: Path, message: str, ago: timedelta) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": _iso(ago), "GIT_COMMITTER_DATE": _iso(ago)}
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=root, check=True, env=env)
    return git(root, "rev-parse", "HEAD").strip()


def _set_tag(root: Path, model: str, env: str, tag: str) -> None:
    path = root / "models" / model / "overlays" / env / "kustomization.yaml"
    path.write_text(re.sub(r'newTag: "[^"]*"', f'newTag: "{tag}"', path.read_text()))


def _repo(tmp_path: Path, gates: str = GATES) -> Path:
    root = make_repo(tmp_path / "repo")
    if gates:
        (root / "gitops-ml.yaml").write_text((root / "gitops-ml.yaml").read_text() + gates)
        _commit(root, "gates", timedelta(days=10))
    return root


def _promote(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["promote", *args, "-C", str(root)])
    return result.exit_code, result.output


def _state(root: Path) -> tuple[str, str, str]:
    return (
        git(root, "rev-parse", "HEAD"),
        git(root, "status", "--porcelain"),
        git(root, "branch", "--show-current"),
    )


def test_soak_gate_refuses_a_fresh_version_and_writes_nothing(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _set_tag(root, "churn", "staging", "2.2.0")
    _commit(root, "churn 2.2.0 to staging", timedelta(minutes=12))
    before = _state(root)
    code, out = _promote(root, "churn", "--from", "staging", "--to", "prod")
    assert code == 1, out
    assert "staging has run churn churn:2.2.0" in out
    assert "for 12m since" in out and "promotion.minSoak is 24h" in out
    assert _state(root) == before


def test_soak_gate_passes_after_three_days_and_writes_trailers(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _set_tag(root, "churn", "staging", "2.2.0")
    staged = _commit(root, "churn 2.2.0 to staging", timedelta(days=3))
    code, out = _promote(root, "churn", "--from", "staging", "--to", "prod")
    assert code == 0, out
    message = git(root, "log", "-1", "--format=%B")
    assert f"Promoted-From: staging@{staged}" in message
    assert (
        "Promoted-Version: ghcr.io/example-org/churn:2.2.0; model=s3://models/churn/v1" in message
    )
    assert "Gate: minSoak passed" in message and "Gate: requireClean passed" in message
    trailers = git(root, "log", "-1", "--format=%(trailers:key=Gate,valueonly)").split()
    assert trailers.count("passed") == 2
    prod = {m.model: m for m in status(StatusOptions(root=root)).models}["churn"].cells["prod"]
    assert prod.promoted_from == f"staging@{staged}"
    assert prod.images == ("ghcr.io/example-org/churn:2.2.0",)


def test_interrupted_soak_counts_from_the_return(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _set_tag(root, "churn", "staging", "2.2.0")
    _commit(root, "2.2.0 to staging", timedelta(days=5))
    _set_tag(root, "churn", "staging", "2.1.9")
    _commit(root, "roll staging back", timedelta(days=4))
    _set_tag(root, "churn", "staging", "2.2.0")
    back = _commit(root, "2.2.0 again", timedelta(hours=2))
    code, out = _promote(root, "churn", "--from", "staging", "--to", "prod")
    assert code == 1 and f"for 2h since {back[:7]}" in out, out


def test_override_records_the_reason(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _set_tag(root, "churn", "staging", "2.2.0")
    _commit(root, "churn 2.2.0 to staging", timedelta(minutes=5))
    code, out = _promote(
        root, "churn", "--from", "staging", "--to", "prod",
        "--override-gate", "minSoak", "--reason", "CVE hotfix",
    )  # fmt: skip
    assert code == 0, out
    assert "Gate: minSoak overridden (CVE hotfix)" in git(root, "log", "-1", "--format=%B")
    code, out = _promote(root, "fraud", "--from", "staging", "--to", "prod", "--override-gate", "x")
    assert code == 2 and "--reason" in out


def test_require_clean_refuses_a_version_that_fails_lint(tmp_path: Path) -> None:
    root = _repo(tmp_path, "promotion:\n  requireClean: true\n")
    _set_tag(root, "churn", "staging", "2.2.0")
    patch = root / "models/churn/overlays/staging/model.yaml"
    patch.write_text(
        patch.read_text().replace("- name: server\n", "- name: server\n          gpuCount: 1\n")
    )
    _commit(root, "2.2.0 to staging, with a field no container has", timedelta(days=2))
    code, out = _promote(root, "churn", "--from", "staging", "--to", "prod")
    assert code == 1 and "lint error(s)" in out and "requireClean" in out, out


def test_branch_leaves_the_checkout_alone_and_pr_body_is_written(tmp_path: Path) -> None:
    root = _repo(tmp_path, "")
    _set_tag(root, "churn", "staging", "2.2.0")
    _commit(root, "churn 2.2.0 to staging", timedelta(days=1))
    before = _state(root)
    body = tmp_path / "body.md"
    code, out = _promote(
        root, "churn", "--from", "staging", "--to", "prod",
        "--branch", "promote/churn-prod", "--pr-body", str(body),
    )  # fmt: skip
    assert code == 0, out
    assert _state(root) == before
    tip = git(root, "log", "-1", "--format=%B", "promote/churn-prod")
    assert tip.startswith("promote churn from staging to prod") and "Promoted-From:" in tip
    changed = git(root, "diff", "--name-only", "HEAD", "promote/churn-prod").split()
    assert changed == ["models/churn/overlays/prod/kustomization.yaml"]
    text = body.read_text()
    assert "## Promote churn from staging to prod" in text and "### Gates" in text
    assert "churn:2.2.0" in text and "prod" in text
    code, out = _promote(
        root, "churn", "--from", "staging", "--to", "prod", "--branch", "promote/churn-prod"
    )
    assert code == 2 and "already exists" in out


def test_pr_body_is_split_at_the_limit_never_cut() -> None:
    text = "".join(f"line {i:06d} " + "x" * 90 + "\n" for i in range(2000))
    parts = split_body(text)
    assert len(parts) > 1 and all(len(p) <= GITHUB_BODY_LIMIT for p in parts)
    assert parts[0].startswith(f"> Part 1 of {len(parts)}")
    rebuilt = "".join(p.split("\n\n", 1)[1] for p in parts)
    assert rebuilt == text
    assert split_body("short") == ["short"]


def test_all_promotes_each_model_and_reports_the_refused(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _set_tag(root, "churn", "staging", "2.2.0")
    _commit(root, "churn 2.2.0 to staging", timedelta(days=3))
    _set_tag(root, "fraud", "staging", "3.0.0")
    _commit(root, "fraud 3.0.0 to staging", timedelta(minutes=1))
    code, out = _promote(root, "--all", "--from", "staging", "--to", "prod")
    assert code == 1, out
    assert "fraud: refused:" in out and "promoted 1 of 2 model(s)" in out
    subjects = git(root, "log", "-3", "--format=%s").splitlines()
    assert subjects[0].startswith("promote churn from staging to prod")
    assert not any(s.startswith("promote fraud") for s in subjects)


@pytest.mark.parametrize("value", ["24 hours", "1w", "-1h"])
def test_bad_durations_are_config_errors(tmp_path: Path, value: str) -> None:
    root = _repo(tmp_path, f"promotion:\n  minSoak: {value!r}\n")
    code, out = _promote(root, "churn", "--from", "staging", "--to", "prod")
    assert code == 2 and "minSoak" in out, out


def test_a_pr_body_that_cannot_be_written_is_refused_before_the_commit(tmp_path: Path) -> None:
    root = _repo(tmp_path, "")
    _set_tag(root, "churn", "staging", "2.2.0")
    _commit(root, "churn 2.2.0 to staging", timedelta(days=1))
    before = _state(root)
    code, out = _promote(
        root, "churn", "--from", "staging", "--to", "prod",
        "--pr-body", str(tmp_path / "no-such-folder" / "body.md"),
    )  # fmt: skip
    assert code == 2 and "nothing was promoted" in out
    assert _state(root) == before


def test_a_missing_repository_folder_is_one_sentence(tmp_path: Path) -> None:
    for args in (["status"], ["promote", "churn", "--from", "staging", "--to", "prod"]):
        result = CliRunner().invoke(main, [*args, "-C", str(tmp_path / "missing")])
        assert result.exit_code == 2
        assert "does not exist" in result.output and "Traceback" not in result.output
