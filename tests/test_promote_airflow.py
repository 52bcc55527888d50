"""promote an Airflow-orchestrated model: the target's training manifest goes in the same
commit (issue 12.3). Real init, new-model, airflow sync, promote, git and kustomize."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from gitops_ml.cli import main
from tests.mlrepo import git

STAGING = "models/churn/overlays/staging/kustomization.yaml"
MANIFEST = "dags/manifests/churn_prod_train.yaml"


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def _released_to_staging(tmp_path: Path) -> Path:
    root = tmp_path / "gitops"
    code, out = _cli(
        "init", str(root), "--controller", "argocd", "--repo-url", "https://x.io/y.git"
    )
    assert code == 0, out
    code, out = _cli("new-model", "churn", "--framework", "pytorch", "--serving", "none",
                     "--training", "pytorchjob", "--schedule", "0 3 * * 0",
                     "--orchestrator", "airflow", "--training-image",
                     "ghcr.io/x/churn-train:1.0.0", "--repo", str(root))  # fmt: skip
    assert code == 0, out
    staging = root / STAGING
    staging.write_text(staging.read_text().replace('newTag: "1.0.0"', 'newTag: "1.1.0"'))
    code, out = _cli("airflow", "sync", "-C", str(root))
    assert code == 0, out
    git(root, "commit", "-qam", "churn-train 1.1.0 in staging")
    return root


def test_promote_rewrites_the_target_airflow_manifest_in_the_same_commit(tmp_path: Path) -> None:
    root = _released_to_staging(tmp_path)
    before = (root / MANIFEST).read_text()

    code, out = _cli("promote", "churn", "--from", "staging", "--to", "prod", "-C", str(root),
                     "--dry-run")  # fmt: skip
    assert code == 0, out
    assert f"+++ b/{MANIFEST}" in out and "+          - image: ghcr.io/x/churn-train:1.1.0" in out
    assert (root / MANIFEST).read_text() == before  # a dry run writes nothing

    code, out = _cli("promote", "churn", "--from", "staging", "--to", "prod", "-C", str(root))
    assert code == 0, out
    committed = git(root, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(committed) == [MANIFEST, "models/churn/overlays/prod/kustomization.yaml"]
    assert "ghcr.io/x/churn-train:1.1.0" in (root / MANIFEST).read_text()
    assert git(root, "status", "--porcelain") == ""
    code, out = _cli("airflow", "sync", "--check", "-C", str(root))
    assert code == 0, out  # nothing left for airflow sync to do
    code, out = _cli("lint", str(root))
    assert code == 0 and "airflow-drift" not in out, out
