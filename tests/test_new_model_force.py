"""new-model over an existing model (--force) and --envs naming environments (issue 12.5, 12.7).

Real repositories from `init` and `new-model`, real git, real kustomize.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitops_ml.cli import main
from tests.mlrepo import git

URI = "s3://m/churn/v3"


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def _files(root: Path, under: str) -> dict[str, bytes]:
    files = (p for p in (root / under).rglob("*") if p.is_file())
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("force") / "gitops"
    code, out = _cli(
        "init", str(root), "--controller", "argocd", "--repo-url", "https://x.io/y.git"
    )
    assert code == 0, out
    code, out = _cli("new-model", "churn", "--framework", "sklearn", "--storage-uri", URI,
                     "--repo", str(root))  # fmt: skip
    assert code == 0, out
    return root


@pytest.fixture
def repo(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "gitops"
    shutil.copytree(template, root, symlinks=True)
    return root


def _force(repo: Path, *extra: str) -> tuple[int, str]:
    return _cli("new-model", "churn", "--framework", "sklearn", "--repo", str(repo), "--force",
                *extra)  # fmt: skip


def test_force_without_envs_is_refused_and_writes_nothing(repo: Path) -> None:
    before = _files(repo, "models")
    code, out = _force(repo, "--storage-uri", URI)
    assert code == 2, out
    assert "--envs" in out
    assert _files(repo, "models") == before


def test_force_touches_only_the_named_environment_and_says_it_replaced_files(repo: Path) -> None:
    dev = repo / "models/churn/overlays/dev/kustomization.yaml"
    dev.write_text(dev.read_text() + "# hand edit\n")
    git(repo, "commit", "-qam", "hand edit in dev")
    prod = _files(repo, "models/churn/overlays/prod")
    head = git(repo, "rev-parse", "HEAD").strip()

    code, out = _force(repo, "--storage-uri", URI, "--envs", "dev", "--dry-run")
    assert code == 0, out
    assert "would replace models/churn/overlays/dev/kustomization.yaml" in out
    assert "overlays/prod" not in out and "overlays/staging" not in out
    assert "# hand edit" in dev.read_text()  # a dry run writes nothing
    assert git(repo, "rev-parse", "HEAD").strip() == head

    code, out = _force(repo, "--storage-uri", URI, "--envs", "dev")
    assert code == 0, out
    assert "# hand edit" not in dev.read_text()
    message = git(repo, "log", "-1", "--format=%B")
    assert "regenerate churn in dev" in message and "replac" in message
    assert "models/churn/overlays/dev/kustomization.yaml" in message
    assert _files(repo, "models/churn/overlays/prod") == prod
    changed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert changed == ["models/churn/overlays/dev/kustomization.yaml"]


def test_a_base_change_reaching_prod_needs_prod_named(repo: Path) -> None:
    before = _files(repo, "models")
    code, out = _force(repo, "--storage-uri", "s3://m/churn/v9", "--envs", "dev")
    assert code == 2, out
    assert "prod" in out and "models/churn/base/" in out
    assert _files(repo, "models") == before

    code, out = _force(repo, "--storage-uri", "s3://m/churn/v9", "--envs", "dev,staging,prod")
    assert code == 0, out
    assert "s3://m/churn/v9" in (repo / "models/churn/base/serving.yaml").read_text()


def test_envs_naming_an_unconfigured_environment_exit_2_naming_the_configured_ones(
    repo: Path,
) -> None:
    code, out = _cli("new-model", "iris", "--framework", "sklearn", "--envs", "dev,qa",
                     "--repo", str(repo))  # fmt: skip
    assert code == 2, out
    assert "'qa'" in out and "dev, staging, prod" in out
    assert not (repo / "models/iris").exists()
