"""gitops-ml promote on real git repositories, rendered with real kustomize."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gitops_ml.cli import main
from gitops_ml.errors import UserError
from gitops_ml.promote import PromoteOptions, promote
from gitops_ml.render import build_plain, get_engine
from tests.mlrepo import commit_all, git, make_repo

STAGING = "models/churn/overlays/staging"
PROD = "models/churn/overlays/prod"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "gitops")
    for name, old, new in (
        ("kustomization.yaml", 'newTag: "1.0.0"', 'newTag: "1.1.0"'),
        ("model.yaml", "s3://models/churn/v1", "s3://models/churn/v2"),
    ):
        path = root / STAGING / name
        path.write_text(path.read_text().replace(old, new))
    commit_all(root, "churn 1.1.0 in staging")
    return root


def _image_and_uri(root: Path, overlay: str) -> tuple[str, str, int]:
    (deployment,) = [
        o for o in build_plain(root / overlay, get_engine()) if o["kind"] == "Deployment"
    ]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    uri = next(e["value"] for e in container["env"] if e["name"] == "MODEL_URI")
    return container["image"], uri, deployment["spec"]["replicas"]


def test_promote_copies_the_version_keeps_comments_and_commits(repo: Path) -> None:
    before = (repo / PROD / "kustomization.yaml").read_text()
    result = CliRunner().invoke(
        main, ["promote", "churn", "--from", "staging", "--to", "prod", "-C", str(repo)]
    )
    assert result.exit_code == 0, result.output
    assert "committed" in result.output

    assert _image_and_uri(repo, PROD) == (
        "ghcr.io/example-org/churn:1.1.0",
        "s3://models/churn/v2",
        3,  # prod's own replicas stay
    )
    after = (repo / PROD / "kustomization.yaml").read_text()
    assert "# prod: namespace and replicas are this environment's own" in after
    assert "  - name: ghcr.io/example-org/churn  # the serving image" in after
    assert after == before.replace('newTag: "1.0.0"', 'newTag: "1.1.0"')  # quoting kept
    patch = (repo / PROD / "model.yaml").read_text()
    assert 'value: "s3://models/churn/v2"  # the trained model' in patch

    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == [
        f"{PROD}/kustomization.yaml",
        f"{PROD}/model.yaml",
    ]
    subject = git(repo, "log", "-1", "--format=%s")
    assert "churn" in subject and "staging" in subject and "prod" in subject
    assert "1.1.0" in subject and "s3://models/churn/v2" in subject


def test_refuses_when_nothing_would_change(repo: Path) -> None:
    promote(PromoteOptions(root=repo, model="churn", source="staging", target="prod"))
    head = git(repo, "rev-parse", "HEAD")
    with pytest.raises(UserError, match="nothing to promote"):
        promote(PromoteOptions(root=repo, model="churn", source="staging", target="prod"))
    result = CliRunner().invoke(
        main, ["promote", "churn", "--from", "staging", "--to", "prod", "-C", str(repo)]
    )
    assert result.exit_code == 2
    assert git(repo, "rev-parse", "HEAD") == head


def test_dry_run_writes_nothing(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    result = CliRunner().invoke(
        main,
        ["promote", "churn", "--from", "staging", "--to", "prod", "--dry-run", "-C", str(repo)],
    )
    assert result.exit_code == 0, result.output
    assert '+    newTag: "1.1.0"' in result.output
    assert "dry run: nothing written" in result.output
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "rev-parse", "HEAD") == head


def test_no_commit_writes_only_and_other_staged_files_are_not_committed(repo: Path) -> None:
    other = repo / "models/fraud/overlays/dev/kustomization.yaml"
    other.write_text(other.read_text() + "# staged by the user\n")
    git(repo, "add", str(other))
    result = promote(PromoteOptions(root=repo, model="churn", source="staging", target="prod"))
    assert result.commit is not None
    committed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert "models/fraud/overlays/dev/kustomization.yaml" not in committed
    assert (
        git(repo, "status", "--porcelain").strip()
        == "M  models/fraud/overlays/dev/kustomization.yaml"
    )

    head = git(repo, "rev-parse", "HEAD")
    promote(PromoteOptions(root=repo, model="churn", source="prod", target="dev", commit=False))
    assert git(repo, "rev-parse", "HEAD") == head
    assert "models/churn/overlays/dev/kustomization.yaml" in git(repo, "status", "--porcelain")


def test_refuses_dirty_target_files(repo: Path) -> None:
    target = repo / PROD / "model.yaml"
    target.write_text(target.read_text() + "# local edit\n")
    with pytest.raises(UserError, match="uncommitted changes"):
        promote(PromoteOptions(root=repo, model="churn", source="staging", target="prod"))
    assert 'newTag: "1.0.0"' in (repo / PROD / "kustomization.yaml").read_text()


def test_refuses_a_promotion_that_would_not_lint(repo: Path) -> None:
    path = repo / STAGING / "kustomization.yaml"
    path.write_text(path.read_text().replace('newTag: "1.1.0"', "newTag: latest"))
    commit_all(repo, "latest in staging")
    with pytest.raises(UserError, match="image-tag-mutable"):
        promote(PromoteOptions(root=repo, model="churn", source="staging", target="prod"))
    assert git(repo, "status", "--porcelain") == ""


def test_digest_replaces_tag_and_new_image_entries_are_added(repo: Path) -> None:
    path = repo / STAGING / "kustomization.yaml"
    digest = "sha256:" + "a" * 64
    text = path.read_text().replace('newTag: "1.1.0"', f"digest: {digest}")
    sidecar = "  - name: ghcr.io/example-org/churn-sidecar\n    newTag: v2\n"
    path.write_text(text.replace("replicas:", sidecar + "replicas:"))
    commit_all(repo, "digest in staging")
    promote(PromoteOptions(root=repo, model="churn", source="staging", target="prod"))
    text = (repo / PROD / "kustomization.yaml").read_text()
    assert f"    digest: {digest}\n" in text
    assert 'newTag: "1.0.0"' not in text
    assert "  - name: ghcr.io/example-org/churn-sidecar\n    newTag: v2\n" in text
    image, _, _ = _image_and_uri(repo, PROD)
    assert image == f"ghcr.io/example-org/churn@{digest}"
