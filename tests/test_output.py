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


SECRET = (
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: churn-db\n"
    "stringData:\n  password: hunter2-not-a-placeholder\n"
)


def _add_base_secret(repo: Path) -> None:
    (repo / "models/churn/base/secret.yaml").write_text(SECRET, encoding="utf-8")
    _edit(
        repo / "models/churn/base/kustomization.yaml",
        "  - pdb.yaml\n",
        "  - pdb.yaml\n  - secret.yaml\n",
    )


def test_a_finding_in_a_base_is_reported_once_with_its_environments(repo: Path) -> None:
    _add_base_secret(repo)
    _, text = _lint(repo)
    lines = [line for line in text.splitlines() if " plaintext-secret " in line]
    assert len(lines) == 1
    assert lines[0].startswith("  models/churn/base/secret.yaml:")
    assert lines[0].endswith("[Secret/ml-dev/churn-db, env=dev,staging,prod]")
    data = _json(repo)
    found = [f for f in data["findings"] if f["rule"] == "plaintext-secret"]
    assert len(found) == 1
    assert found[0]["environments"] == ["dev", "staging", "prod"]
    assert found[0]["environment"] == "dev"  # the first, as before for one environment
    assert data["summary"]["error"] == 1
    sarif = json.loads(_lint(repo, "--format", "sarif")[1])
    results = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "plaintext-secret"]
    assert [r["properties"]["environments"] for r in results] == [["dev", "staging", "prod"]]
    markdown = _lint(repo, "--format", "markdown")[1]
    assert markdown.count("plaintext values in stringData") == 1
    assert "<details><summary><b>dev, staging, prod</b>: 1 finding(s)</summary>" in markdown
    for env in ("dev", "staging", "prod"):  # counted in each environment's row
        assert f"| {env} | 1 | 0 | 0 | 0 |" in markdown
    github = _lint(repo, "--format", "github")[1]
    assert github.count("plaintext values in stringData") == 1
    assert "(env dev,staging,prod)" in github


def test_diff_lists_a_base_finding_once_and_only_for_the_environments_it_changes(
    repo: Path,
) -> None:
    _add_base_secret(repo)
    out = CliRunner().invoke(main, ["diff", "-C", str(repo), "--base", "HEAD", "--format", "json"])
    assert out.exit_code == 0, out.output
    new = [f for f in json.loads(out.output)["findings"]["new"] if f["rule"] == "plaintext-secret"]
    assert [f["environments"] for f in new] == [["dev", "staging", "prod"]]
    commit_all(repo, "churn: a database secret")
    # prod now takes the secret out: fixed there only, still found in dev and staging
    _edit(
        repo / "models/churn/overlays/prod/kustomization.yaml",
        "patches:\n",
        "patches:\n  - patch: |-\n      $patch: delete\n      apiVersion: v1\n      kind: Secret\n"
        "      metadata:\n        name: churn-db\n",
    )
    out = CliRunner().invoke(main, ["diff", "-C", str(repo), "--base", "HEAD", "--format", "json"])
    assert out.exit_code == 0, out.output
    delta = json.loads(out.output)["findings"]
    fixed = [f for f in delta["fixed"] if f["rule"] == "plaintext-secret"]
    assert [(f["environment"], f["environments"]) for f in fixed] == [("prod", ["prod"])]
    assert not [f for f in delta["new"] if f["rule"] == "plaintext-secret"]


DEPRECATED_FIXTURE = Path(__file__).parent / "rules/kustomize-deprecated-field/bad/old-style"


@pytest.mark.parametrize("engine", ["pykustomize", "kubectl"])
def test_kustomize_deprecation_warnings_are_findings_not_stderr_lines(
    tmp_path: Path, engine: str
) -> None:
    import shutil
    import subprocess
    import sys

    root = tmp_path / "repo"
    shutil.copytree(DEPRECATED_FIXTURE, root)
    gitops_ml = str(Path(sys.executable).parent / "gitops-ml")
    args = [gitops_ml, "lint", str(root), "--format", "json", "--no-cache", "--engine", engine]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    assert "deprecated" not in proc.stderr, proc.stderr
    found = sorted(
        (f["file"], f["line"], f["message"].split("'")[1])
        for f in json.loads(proc.stdout)["findings"]
        if f["rule"] == "kustomize-deprecated-field"
    )
    base, prod = "base/kustomization.yaml", "overlays/prod/kustomization.yaml"
    assert found == [
        (base, 3, "commonLabels"),
        (base, 7, "vars"),
        (prod, 3, "bases"),
        (prod, 5, "imageTags"),
        (prod, 8, "patchesStrategicMerge"),
        (prod, 10, "patchesJson6902"),
    ]


def test_a_kustomization_that_does_not_parse_gives_its_cause_and_no_findings_beside_it(
    repo: Path,
) -> None:
    overlay = repo / "models/fraud/overlays/staging/kustomization.yaml"
    overlay.write_text("resources:\n - ../../base\n  bad: [\n", encoding="utf-8")
    data = _json(repo)
    mine = [f for f in data["findings"] if (f["file"] or "").startswith("models/fraud/overlays/")]
    assert sorted((f["rule"], f["file"], f["line"]) for f in mine) == [
        ("build-failed", "models/fraud/overlays/staging/kustomization.yaml", 1),
        ("yaml-syntax", "models/fraud/overlays/staging/kustomization.yaml", 3),
    ]
    cause = "models/fraud/overlays/staging/kustomization.yaml:3 is not valid YAML (yaml-syntax)"
    assert [f["message"] for f in mine if f["rule"] == "build-failed"] == [
        f"kustomize build failed: {cause}"
    ]
    deploys = [f for f in data["findings"] if f["rule"] == "controller-missing-path"]
    assert [f["message"].rsplit(": ", 1)[-1] for f in deploys] == [cause]


def test_on_a_terminal_the_hint_is_dimmed(repo: Path) -> None:
    from gitops_ml.lint.engine import LintOptions, run_lint
    from gitops_ml.lint.reporters import REPORTERS

    _edit(
        repo / "models/churn/overlays/dev/kustomization.yaml", 'newTag: "1.0.0"', "newTag: latest"
    )
    result = run_lint(LintOptions(paths=(repo,), root=repo))
    coloured = REPORTERS["text"](result, True)
    assert "\x1b[2m    hint: Pin the image to a version tag" in coloured
