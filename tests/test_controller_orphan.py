"""controller-orphan-overlay is a warning only when the config names the controller."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gitops_ml.findings import Severity
from gitops_ml.lint.engine import LintOptions, run_lint

BAD = Path(__file__).parent / "rules/controller-orphan-overlay/bad/app-of-apps"


@pytest.mark.parametrize(
    ("config", "severity"),
    [("controller: argocd\n", Severity.WARNING), ("kubernetesVersion: '1.33'\n", Severity.INFO)],
)
def test_orphan_severity_follows_the_declared_controller(
    config: str, severity: Severity, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(BAD, repo)
    (repo / "gitops-ml.yaml").write_text(config)
    result = run_lint(LintOptions(paths=(repo,), root=repo))
    orphans = [f for f in result.findings if f.rule == "controller-orphan-overlay"]
    assert [(f.file, f.severity) for f in orphans] == [
        ("models/fraud/overlays/staging/kustomization.yaml", severity)
    ]
