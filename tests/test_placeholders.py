"""new-model's placeholders: printed by new-model, reported by lint (issue 12.6)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from gitops_ml.cli import main
from gitops_ml.lint.rules.placeholder_value import templates


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_new_model_names_its_placeholders_and_lint_reports_them_by_tier(tmp_path: Path) -> None:
    root = tmp_path / "gitops"
    code, out = _cli(
        "init", str(root), "--controller", "argocd", "--repo-url", "https://x.io/y.git"
    )
    assert code == 0, out
    code, out = _cli("new-model", "ranker", "--framework", "pytorch", "--serving", "deployment",
                     "--training", "pytorchjob", "--repo", str(root))  # fmt: skip
    assert code == 0, out
    assert "placeholder training image: ghcr.io/acme/ranker-train:0.1.0-placeholder" in out
    assert "placeholder serving image: ghcr.io/acme/ranker-serve:0.1.0-placeholder" in out
    code, out = _cli("lint", str(root), "--format", "json")
    assert code == 1, out
    found = [f for f in json.loads(out)["findings"] if f["rule"] == "placeholder-value"]
    by_env = {(f.get("environment"), f["severity"]) for f in found}
    assert ("prod", "error") in by_env or any(
        "prod" in (f.get("environments") or []) and f["severity"] == "error" for f in found
    ), found
    assert all(f["severity"] == "warning" for f in found if f.get("environment") == "dev")
    values = " ".join(f["message"] for f in found)
    assert "ranker-train:0.1.0-placeholder" in values and "ranker-serve:0.1.0-placeholder" in values


def test_real_values_are_not_placeholders(tmp_path: Path) -> None:
    root = tmp_path / "gitops"
    code, out = _cli(
        "init", str(root), "--controller", "argocd", "--repo-url", "https://x.io/y.git"
    )
    assert code == 0, out
    code, out = _cli("new-model", "churn", "--framework", "sklearn", "--storage-uri",
                     "s3://models/churn/v1", "--repo", str(root))  # fmt: skip
    assert code == 0, out
    assert "placeholder" not in out
    code, out = _cli("lint", str(root), "--format", "json")
    assert not [f for f in json.loads(out)["findings"] if f["rule"] == "placeholder-value"]


def test_the_rule_knows_every_placeholder_the_stacks_define() -> None:
    from gitops_ml.scaffold.stacks import SERVING_STACKS, TRAINING_STACKS

    for stack in (*TRAINING_STACKS, *SERVING_STACKS):
        assert ":".join(stack.placeholder_image) in templates()
    assert {s.placeholder_uri for s in SERVING_STACKS} <= set(templates())
