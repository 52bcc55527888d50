"""Rules whose severity depends on the environment tier: policy is an error only in prod."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_ml.findings import Severity
from gitops_ml.lint.engine import LintOptions, run_lint

# the Training Operator's webhook accepts this job; without backoffLimit it never fails
PYTORCHJOB = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: mnist
spec:
  pytorchReplicaSpecs:
    Master:
      replicas: 1
      restartPolicy: OnFailure
      template:
        spec:
          containers:
          - name: pytorch
            image: ghcr.io/acme/mnist:1.0
"""

BATCH_JOB_ALWAYS = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: train
spec:
  template:
    spec:
      restartPolicy: Always
      containers:
      - name: train
        image: ghcr.io/acme/train:1.0
"""


def _severities(tmp_path: Path, env: str, text: str, rule: str) -> list[Severity]:
    folder = tmp_path / "apps" / "mnist" / "overlays" / env
    folder.mkdir(parents=True)
    (folder / "job.yaml").write_text(text)
    result = run_lint(LintOptions(paths=(tmp_path,), root=tmp_path))
    return [f.severity for f in result.findings if f.rule == rule]


@pytest.mark.parametrize(
    ("env", "severity"),
    [("dev", Severity.WARNING), ("staging", Severity.WARNING), ("prod", Severity.ERROR)],
)
def test_training_restart_policy_is_an_error_only_in_prod(
    env: str, severity: Severity, tmp_path: Path
) -> None:
    assert _severities(tmp_path, env, PYTORCHJOB, "training-restart-policy") == [severity]


def test_a_job_the_api_server_rejects_is_an_error_everywhere(tmp_path: Path) -> None:
    assert _severities(tmp_path, "dev", BATCH_JOB_ALWAYS, "training-restart-policy") == [
        Severity.ERROR
    ]
