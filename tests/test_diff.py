"""gitops-ml diff on real git repositories with real kustomize builds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitops_ml.cli import main
from gitops_ml.diff import DiffOptions, review
from gitops_ml.diff.reporters import GITHUB_COMMENT_LIMIT, render_markdown
from tests.mlrepo import commit_all, git, make_repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "gitops")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _diff(repo: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["diff", "-C", str(repo), *args])
    return result.exit_code, result.output


def _bump_staging(repo: Path) -> None:
    _edit(
        repo / "models/churn/overlays/staging/kustomization.yaml",
        'newTag: "1.0.0"',
        'newTag: "1.1.0"',
    )
    commit_all(repo, "churn 1.1.0 in staging")


def test_staging_tag_edit_reports_staging_only_in_every_format(repo: Path) -> None:
    _bump_staging(repo)
    status, text = _diff(repo, "--base", "HEAD~1", "--format", "json")
    assert status == 0, text
    report = json.loads(text)
    assert [e["name"] for e in report["summary"]] == ["staging"]
    assert report["summary"][0]["changed"] == 1
    assert {o["environment"] for o in report["objects"]} == {"staging"}
    images = [h for h in report["highlights"] if h["what"] == "image"]
    assert images == [
        {
            "environment": "staging",
            "object": {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "namespace": "ml-staging",
                "name": "churn",
            },
            "what": "image",
            "field": "spec.template.spec.containers.server.image",
            "old": "ghcr.io/example-org/churn:1.0.0",
            "new": "ghcr.io/example-org/churn:1.1.0",
        }
    ]
    assert report["changedFiles"] == ["models/churn/overlays/staging/kustomization.yaml"]

    status, text = _diff(repo, "--base", "HEAD~1")
    assert status == 0
    assert "staging: 0 added, 0 removed, 1 changed" in text
    assert "ghcr.io/example-org/churn:1.0.0 -> ghcr.io/example-org/churn:1.1.0" in text
    assert "-        image: ghcr.io/example-org/churn:1.0.0" in text
    assert "+        image: ghcr.io/example-org/churn:1.1.0" in text
    assert "prod" not in text and "dev:" not in text

    status, text = _diff(repo, "--base", "HEAD~1", "--format", "markdown")
    assert status == 0
    assert "| staging | 0 | 0 | 1 |" in text
    assert "`ghcr.io/example-org/churn:1.0.0` | `ghcr.io/example-org/churn:1.1.0`" in text
    assert "<details><summary>staging: <code>Deployment/ml-staging/churn</code>" in text
    assert "| prod |" not in text and "| dev |" not in text


def test_base_change_reaches_every_environment_and_unchanged_are_not_listed(
    repo: Path,
) -> None:
    _edit(repo / "models/fraud/base/deployment.yaml", "cpu: 500m", "cpu: 750m")
    commit_all(repo, "fraud needs more CPU")
    result = review(DiffOptions(root=repo, base="HEAD~1"))
    assert [e.name for e in result.environments] == ["dev", "staging", "prod"]
    for env in result.environments:
        assert env.overlays == (f"models/fraud/overlays/{env.name}",)
    assert {(c.environment, c.key.name, c.status) for c in result.changes} == {
        ("dev", "fraud", "changed"),
        ("staging", "fraud", "changed"),
        ("prod", "fraud", "changed"),
    }
    assert not any("churn" in o for e in result.environments for o in e.overlays)


def test_component_change_reaches_only_the_overlays_including_it(repo: Path) -> None:
    _edit(repo / "components/prod-ha/kustomization.yaml", "critical", "tier-1")
    result = review(DiffOptions(root=repo, base="HEAD"))  # the working tree
    assert [e.name for e in result.environments] == ["prod"]
    assert {c.key.name for c in result.changes} == {"churn", "fraud"}
    assert result.head_commit is None


def test_working_tree_and_untracked_files_count_and_nothing_is_written(repo: Path) -> None:
    overlay = repo / "models/churn/overlays/dev"
    (overlay / "extra.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: churn-extra\ndata:\n  a: b\n"
    )
    _edit(overlay / "kustomization.yaml", "  - ../../base\n", "  - ../../base\n  - extra.yaml\n")
    status_before = git(repo, "status", "--porcelain")
    result = review(DiffOptions(root=repo, base="HEAD"))
    assert git(repo, "status", "--porcelain") == status_before
    assert [(c.environment, c.key.kind, c.status) for c in result.changes] == [
        ("dev", "ConfigMap", "added")
    ]


def test_config_change_affects_everything(repo: Path) -> None:
    _edit(repo / "gitops-ml.yaml", 'kubernetesVersion: "1.33"', 'kubernetesVersion: "1.32"')
    result = review(DiffOptions(root=repo, base="HEAD"))
    # every overlay is rendered; none of them changes
    assert result.changes == ()
    assert not result.has_differences


def test_exit_code(repo: Path) -> None:
    assert _diff(repo, "--base", "HEAD", "--exit-code")[0] == 0
    _bump_staging(repo)
    assert _diff(repo, "--base", "HEAD~1", "--exit-code")[0] == 1
    assert _diff(repo, "--base", "HEAD~1")[0] == 0


def test_head_ref_and_findings_delta(repo: Path) -> None:
    _edit(
        repo / "models/churn/overlays/prod/kustomization.yaml", 'newTag: "1.0.0"', "newTag: latest"
    )
    commit_all(repo, "latest in prod")
    git(repo, "checkout", "-q", "-b", "other", "HEAD~1")  # the work tree no longer has it
    result = review(DiffOptions(root=repo, base="main~1", head="main"))
    assert [f.rule for f in result.new_findings] == ["image-tag-mutable"]
    assert result.fixed_findings == ()
    back = review(DiffOptions(root=repo, base="main", head="other"))
    assert back.changes == ()  # merge base of main and other is other itself


def test_markdown_stays_under_the_github_limit_and_says_what_it_left_out(repo: Path) -> None:
    deployment = repo / "models/churn/base/deployment.yaml"
    big = "".join(
        f"            - name: SETTING_{i}\n              value: v{i}\n" for i in range(3000)
    )
    _edit(deployment, "          env:\n", "          env:\n" + big)
    result = review(DiffOptions(root=repo, base="HEAD"))
    text = render_markdown(result)
    assert len(text) < GITHUB_COMMENT_LIMIT
    assert "Left out to stay under GitHub's comment size limit" in text
    assert "object diffs" in text
    assert "| prod | 0 | 0 | 1 |" in text


def test_unknown_env_is_a_usage_error_listing_the_known_ones(repo: Path) -> None:
    _bump_staging(repo)
    status, text = _diff(repo, "--base", "HEAD~1", "--env", "nosuchenv")
    assert status == 2
    assert (
        "--env 'nosuchenv' is not an environment of this repository; known: dev, staging, prod"
        in text
    )
    status, text = _diff(repo, "--base", "HEAD~1", "--env", "staging")
    assert status == 0 and "staging: 0 added, 0 removed, 1 changed" in text
