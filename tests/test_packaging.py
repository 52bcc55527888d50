"""Every package of gitops_ml is in the wheel: a plain pip install (pre-commit's) needs it."""

from __future__ import annotations

import tomllib

from tests.conftest import PROJECT


def test_every_package_folder_is_listed_in_pyproject() -> None:
    listed = set(
        tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.parent.relative_to(PROJECT).parts)
        for p in (PROJECT / "gitops_ml").rglob("__init__.py")
    }
    assert found - listed == set()
