"""The schema registry keeps every field of the upstream schemas."""

from __future__ import annotations

import shutil
from pathlib import Path

from gitops_ml.lint.engine import LintOptions, run_lint


def test_vendored_upstream_crds_are_valid_custom_resource_definitions(
    shared_testdata: Path, tmp_path: Path
) -> None:
    # descriptions sit at every level of a real CRD, and some fields are named description
    for rel in ("jobset/jobset.x-k8s.io_jobsets.yaml", "argocd/appproject-crd.yaml"):
        shutil.copy(shared_testdata / "crds" / rel, tmp_path / Path(rel).name)
    result = run_lint(LintOptions(paths=(tmp_path,), root=tmp_path))
    assert result.objects == 2
    assert [f.message for f in result.findings if f.rule == "schema-invalid"] == []
