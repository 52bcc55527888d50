"""Scaffolding: ``init`` and ``new-model``, spec -> documents -> plan -> files -> commit.

The public names are imported on first use, so that the CLI can read the
option choices in ``gitops_ml.scaffold.spec`` without loading git and the
templates at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gitops_ml.scaffold.api import Outcome, init_repo, new_model
    from gitops_ml.scaffold.spec import init_spec, model_spec

__all__ = ["Outcome", "init_repo", "init_spec", "model_spec", "new_model"]


def __getattr__(name: str) -> Any:
    if name in ("Outcome", "init_repo", "new_model"):
        from gitops_ml.scaffold import api

        return getattr(api, name)
    if name in ("init_spec", "model_spec"):
        from gitops_ml.scaffold import spec

        return getattr(spec, name)
    raise AttributeError(name)
