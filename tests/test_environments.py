"""Which overlay folders are environments and which are variants."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gitops_ml.config import Config, load_config, looks_like_environment
from gitops_ml.kustomizations import locate
from gitops_ml.lint.engine import LintOptions, run_lint

VARIANTS = Path(__file__).parent / "rules/controller-orphan-overlay/good/variant-overlays"


@pytest.mark.parametrize(
    "name", ["dev", "dev2", "qa", "stage", "staging", "preprod", "prod", "production", "prod-eu"]
)
def test_environment_like_names_are_environments(name: str) -> None:
    assert looks_like_environment(name)
    assert locate(f"models/fraud/overlays/{name}").environment == name


@pytest.mark.parametrize("name", ["stable", "gitops-1.10", "preview", "v22.9", "mig-mixed"])
def test_other_overlays_are_variants(name: str) -> None:
    assert not looks_like_environment(name)
    where = locate(f"operator/overlays/{name}")
    assert (where.model, where.environment, where.name) == ("operator", None, name)


def test_declared_environments_are_environments_whatever_their_name() -> None:
    config = Config(declared_environments=("blue",))
    assert config.is_environment("blue")
    assert config.is_environment("prod")
    assert not config.is_environment("stable")


def test_environment_names_option_adds_words(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(VARIANTS, repo)
    (repo / "gitops-ml.yaml").write_text("controller: argocd\nenvironmentNames: [stable]\n")
    assert load_config(repo).is_environment("stable")
    result = run_lint(LintOptions(paths=(repo,), root=repo))
    orphans = {f.file for f in result.findings if f.rule == "controller-orphan-overlay"}
    assert orphans == {"operator/overlays/stable/kustomization.yaml"}
    assert "stable" in result.environments and "preview" not in result.environments


def test_a_base_shared_by_variants_gives_its_finding_once(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(VARIANTS, repo)
    for k in (repo / "operator/overlays").glob("*/kustomization.yaml"):
        k.write_text(k.read_text().split("nameSuffix")[0])  # one object name in every variant
    (repo / "operator/base/subscription.yaml").write_text(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: install\nspec:\n"
        "  backoffLimit: 1\n  template:\n    spec:\n      restartPolicy: Never\n"
        "      containers:\n      - name: oc\n        image: quay.io/acme/cli:latest\n"
    )
    result = run_lint(LintOptions(paths=(repo,), root=repo))
    found = [f for f in result.findings if f.rule == "image-tag-mutable"]
    assert [(f.file, f.line, f.environment) for f in found] == [
        ("operator/base/subscription.yaml", 12, None)
    ]
