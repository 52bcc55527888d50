"""``--training none`` and ``--serving none``: the model has no training, or no server."""

from __future__ import annotations

from gitops_ml.scaffold.stack import ServingStack, TrainingStack

TRAINING = TrainingStack(name="none", summary="no training", kind=None)
SERVING = ServingStack(name="none", summary="no model server", kind=None)
