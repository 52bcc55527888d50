"""Scaffolding: ``init`` and ``new-model``, spec -> documents -> plan -> files -> commit."""

from __future__ import annotations

from gitops_ml.scaffold.api import Outcome, init_repo, new_model
from gitops_ml.scaffold.spec import init_spec, model_spec

__all__ = ["Outcome", "init_repo", "init_spec", "model_spec", "new_model"]
