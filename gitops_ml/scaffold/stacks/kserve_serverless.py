"""``--serving kserve-serverless``: a KServe InferenceService on Knative, scaling to zero.

Scales on in-flight requests, to zero where the environment's profile allows
it (dev). Overlays, patches and the prod PodDisruptionBudget are those of
``--serving kserve``.
"""

from __future__ import annotations

import dataclasses

from gitops_ml.scaffold import serving
from gitops_ml.scaffold.spec import ModelSpec
from gitops_ml.scaffold.stack import ServingStack
from gitops_ml.scaffold.stacks import kserve


def files(spec: ModelSpec) -> dict[str, str]:
    return {"serving.yaml": serving.inference_service(spec, serverless=True)}


STACK: ServingStack = dataclasses.replace(
    kserve.STACK,
    name="kserve-serverless",
    summary="KServe InferenceService on Knative, to zero",
    files=files,
)
