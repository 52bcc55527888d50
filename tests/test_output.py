"""Readable lint output through the real CLI and real kustomize (issue 12, item 10).

Hints in text, one cause and short consequences for a broken file, no
absolute paths and no message over 300 characters (the whole text with
``--verbose``), and ``diff`` not calling one failure both new and fixed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gitops_ml.cli import main
from tests.mlrepo import commit_all, make_repo

BROKEN_PDB = (
    "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: churn\n spec: x\n"
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "gitops")
    out = CliRunner().invoke(main, ["init", str(root), "--controller", "argocd"])
    assert out.exit_code == 0, out.output
    return root


def _lint(root: Path, *args: str) -> tuple[int, str]:
    out = CliRunner().invoke(main, ["lint", str(root), *args])
    assert out.exit_code in (0, 1), out.output
    return out.exit_code, out.output


def _json(root: Path, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_lint(root, "--format", "json", *args)[1])
    return data


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_text_prints_each_findings_hint_under_it(repo: Path) -> None:
    _edit(
        repo / "models/churn/overlays/dev/kustomization.yaml", 'newTag: "1.0.0"', "newTag: latest"
    )
    _, text = _lint(repo)
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if " image-tag-mutable " in line)
    assert lines[at + 1] == (
        "    hint: Pin the image to a version tag or, better, a digest (`image@sha256:...`)."
    )


def test_a_broken_yaml_file_is_reported_once_and_its_consequences_name_it(repo: Path) -> None:
    (repo / "models/churn/base/pdb.yaml").write_text(BROKEN_PDB, encoding="utf-8")
    data = _json(repo)
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for f in data["findings"]:
        by_rule.setdefault(f["rule"], []).append(f)
    assert [(f["file"], f["line"]) for f in by_rule["yaml-syntax"]] == [
        ("models/churn/base/pdb.yaml", 5)
    ]
    cause = "models/churn/base/pdb.yaml:5 is not valid YAML (yaml-syntax)"
    failed = by_rule["build-failed"]
    assert sorted(f["overlay"] for f in failed) == [
        f"models/churn/overlays/{env}" for env in ("dev", "prod", "staging")
    ]
    assert {f["message"] for f in failed} == {f"kustomize build failed: {cause}"}
    deploys = by_rule["controller-missing-path"]
    assert len(deploys) == 3
    assert all(f["message"].endswith(f"which does not build: {cause}") for f in deploys)
    assert set(by_rule) == {"yaml-syntax", "build-failed", "controller-missing-path"}


def test_messages_are_short_relative_and_whole_with_verbose(repo: Path) -> None:
    _edit(
        repo / "models/churn/base/kustomization.yaml",
        "  - pdb.yaml\n",
        "  - pdb.yaml\n  - monitoring/servicemonitor.yaml\n",
    )
    (repo / "models/fraud/base/pdb.yaml").write_text(BROKEN_PDB, encoding="utf-8")
    _edit(repo / "models/fraud/overlays/prod/model.yaml", "  name: fraud\n", "  name: fraud-v2\n")
    status, text = _lint(repo)
    assert status == 1
    assert str(repo) not in text and "/tmp/" not in text
    data = _json(repo)
    messages = [f["message"] for f in data["findings"]]
    assert max(len(m) for m in messages) < 300
    assert not [m for m in messages if str(repo) in m or "/tmp/" in m]
    failed = {f["overlay"]: f["message"] for f in data["findings"] if f["rule"] == "build-failed"}
    # the missing file: the root cause, not kustomize's chain of "accumulating resources"
    assert failed["models/churn/overlays/dev"] == (
        "kustomize build failed: models/churn/base/kustomization.yaml: resources entry "
        "'monitoring/servicemonitor.yaml' does not exist (missing-reference)"
    )
    assert failed["models/fraud/overlays/prod"].startswith(
        "kustomize build failed: models/fraud/base/pdb.yaml:5 is not valid YAML"
    )
    full = {
        f["overlay"]: f["message"]
        for f in _json(repo, "--verbose")["findings"]
        if f["rule"] == "build-failed"
    }
    assert "accumulating resources" in full["models/churn/overlays/dev"]
    assert "models/churn/base/monitoring/servicemonitor.yaml" in full["models/churn/overlays/dev"]
    assert str(repo) not in json.dumps(full)
    _, verbose_text = _lint(repo, "-v")
    assert "accumulating resources" in verbose_text and str(repo) not in verbose_text


def test_a_failure_on_both_sides_of_a_diff_is_neither_new_nor_fixed(repo: Path) -> None:
    _edit(
        repo / "models/churn/base/kustomization.yaml",
        "  - pdb.yaml\n",
        "  - pdb.yaml\n  - monitoring/servicemonitor.yaml\n",
    )
    commit_all(repo, "churn: a monitor that is not written yet")
    _edit(repo / "models/churn/overlays/dev/kustomization.yaml", "count: 1", "count: 2")
    out = CliRunner().invoke(main, ["diff", "-C", str(repo), "--base", "HEAD", "--format", "json"])
    assert out.exit_code == 0, out.output
    findings = json.loads(out.output)["findings"]
    assert [f["rule"] for f in findings["new"]] == []
    assert [f["rule"] for f in findings["fixed"]] == []
