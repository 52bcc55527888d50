"""Rules whose severity depends on what the input means, not only on the rule."""

from __future__ import annotations

import shutil
from pathlib import Path

from gitops_ml.lint.engine import LintOptions, run_lint
from gitops_ml.model import Severity

RULES = Path(__file__).parent / "rules"


def _severities(fixture: Path, rule: str, tmp_path: Path) -> list[Severity]:
    root = tmp_path / "repo"
    if fixture.is_dir():
        shutil.copytree(fixture, root)
    else:
        root.mkdir()
        shutil.copy(fixture, root / fixture.name)
    result = run_lint(LintOptions(paths=(root,), root=root))
    return [f.severity for f in result.findings if f.rule == rule]


def test_kserve_standard_mode_without_autoscaler_class_warns(tmp_path: Path) -> None:
    # the webhook checks nothing without the annotation: what the controller does is a warning
    found = _severities(
        RULES / "kserve-invalid/bad/standard-default-class.yaml", "kserve-invalid", tmp_path
    )
    assert found == [Severity.WARNING] * 3


def test_kserve_explicit_hpa_class_is_an_admission_error(tmp_path: Path) -> None:
    found = _severities(RULES / "kserve-invalid/bad/autoscaling.yaml", "kserve-invalid", tmp_path)
    assert found and set(found) == {Severity.ERROR}
