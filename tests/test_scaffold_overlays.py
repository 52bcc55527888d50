"""The shipped profiles and Components (top-level overlays/) build and lint clean."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gitops_ml.lint.engine import LintOptions, run_lint
from gitops_ml.render import build_plain, get_engine
from gitops_ml.resources import overlays_dir

WORKLOAD = """\
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: m
  annotations:
    serving.kserve.io/deploymentMode: Knative
  labels:
    gitops-ml.io/gpu: "true"
spec:
  predictor:
    model:
      modelFormat: {name: sklearn}
      storageUri: s3://models/m/v1
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: m
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: m}
  maxReplicas: 3
"""

COMPONENTS = sorted(
    p.parent.name for p in (overlays_dir() / "components").glob("*/kustomization.yaml")
)


def test_components_are_shipped() -> None:
    assert COMPONENTS == ["dev", "gpu", "prod-ha", "staging"]


@pytest.mark.parametrize("name", COMPONENTS)
def test_component_builds_in_a_wrapper(tmp_path: Path, name: str) -> None:
    shutil.copytree(overlays_dir() / "components" / name, tmp_path / "components" / name)
    wrapper = tmp_path / "wrapper"
    wrapper.mkdir()
    (wrapper / "workload.yaml").write_text(WORKLOAD)
    (wrapper / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        f"resources: [workload.yaml]\ncomponents: [../components/{name}]\n"
    )
    objects = build_plain(wrapper, get_engine(None))
    isvc = next(o for o in objects if o["kind"] == "InferenceService")
    hpa = next(o for o in objects if o["kind"] == "HorizontalPodAutoscaler")
    if name == "gpu":
        assert isvc["spec"]["predictor"]["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    else:
        expected = {"dev": 0, "staging": 1, "prod-ha": 2}[name]
        assert isvc["spec"]["predictor"]["minReplicas"] == expected
        assert hpa["spec"]["minReplicas"] == {"dev": 1, "staging": 1, "prod-ha": 2}[name]


def test_overlays_folder_lints_clean() -> None:
    root = overlays_dir()
    result = run_lint(LintOptions(paths=(root,), root=root))
    assert [(f.rule, f.file, f.line, f.message) for f in result.findings] == []
