"""Shared fixtures: real folders, real git repositories, the shared test data."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared" / "testdata"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: a test that takes more than a few seconds")
    # git in tests: a fixed identity, no user config, no signing prompts
    os.environ.setdefault("GIT_AUTHOR_NAME", "gitops-ml tests")
    os.environ.setdefault("GIT_AUTHOR_EMAIL", "tests@gitops-ml.invalid")
    os.environ.setdefault("GIT_COMMITTER_NAME", "gitops-ml tests")
    os.environ.setdefault("GIT_COMMITTER_EMAIL", "tests@gitops-ml.invalid")
    os.environ["GIT_CONFIG_NOSYSTEM"] = "1"
    # the caches (and crash reports) of this run, not the developer's; removed at the end
    if "GITOPS_ML_CACHE_DIR" not in os.environ:
        _made.append(tempfile.mkdtemp(prefix="gitops-ml-test-cache-"))
        os.environ["GITOPS_ML_CACHE_DIR"] = _made[-1]


_made: list[str] = []


def pytest_unconfigure(config: pytest.Config) -> None:
    for folder in _made:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def shared_testdata() -> Path:
    if not SHARED.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the shared test data is not at {SHARED}")
        pytest.skip(f"the shared test data is not at {SHARED}")
    return SHARED


@pytest.fixture
def corpus_copy(shared_testdata: Path, tmp_path: Path) -> Path:
    """A writable copy of the upstream kustomize corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(shared_testdata / "corpus", target, symlinks=True)
    return target


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: text}`` under ``root``; returns root."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
