"""Files shipped inside the package: the top-level ``schemas/`` and ``overlays/``.

In a wheel they are the packages ``gitops_ml._schemas`` and
``gitops_ml._overlays``; in a source checkout (editable install, tests) they are
the folders beside ``gitops_ml/``.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path


def _located(package: str, folder: str) -> Path:
    source = Path(__file__).resolve().parent.parent / folder
    if source.is_dir() and (source.parent / "pyproject.toml").is_file():
        return source
    spec = importlib.util.find_spec(package)
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    raise FileNotFoundError(f"gitops-ml is installed without its {folder}/ data")


@cache
def schemas_dir() -> Path:
    return _located("gitops_ml._schemas", "schemas")


@cache
def overlays_dir() -> Path:
    return _located("gitops_ml._overlays", "overlays")


def schema_text(name: str) -> str:
    return (schemas_dir() / name).read_text(encoding="utf-8")
