"""Precision on repositories gitops-ml did not write: findings per rule on the corpus.

Each repository of ``../shared/testdata/corpus`` is linted on its own, as a user
would (``gitops-ml lint DIR``), and the number of findings per rule and severity
is compared with the dict below, so a change in precision (or recall) shows as a
diff in review. When a rule change moves these numbers on purpose, read the
findings that changed, then regenerate the dict with

    .venv/bin/python tests/test_corpus_counts.py

and paste its output over ``EXPECTED``.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from pprint import pformat

import pytest

from gitops_ml.lint.engine import LintOptions, run_lint

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "testdata" / "corpus"

EXPECTED: dict[str, dict[str, int]] = {
    "argoproj__argocd-example-apps": {
        "argocd-hook-unbounded/warning": 2,
        "build-failed/error": 1,
        "image-tag-mutable/warning": 5,
        "kustomization-schema/error": 1,
        "kustomize-deprecated-field/warning": 1,
        "missing-reference/error": 1,
        "probes-missing/warning": 8,
        "resources-missing/warning": 10,
    },
    "fluxcd__flux2-kustomize-helm-example": {"unknown-kind/info": 4},
    "kserve__kserve": {
        "gpu-without-toleration/warning": 13,
        "image-tag-mutable/warning": 12,
        "kserve-invalid/error": 3,
        "resources-missing/warning": 49,
        "schema-invalid/error": 7,
        "shm-missing/warning": 2,
        "unknown-kind/info": 2,
        "yaml-syntax/error": 2,
    },
    "kubeflow__manifests": {
        "gpu-without-toleration/warning": 3,
        "image-tag-mutable/warning": 1,
        "resources-missing/warning": 1,
        "shm-missing/warning": 5,
        "unknown-kind/info": 2,
    },
    "stefanprodan__podinfo": {},
}


def counts(repo: Path) -> dict[str, int]:
    result = run_lint(LintOptions(paths=(repo,), root=repo))
    found = Counter(f"{f.rule}/{f.severity.name.lower()}" for f in result.findings)
    return dict(sorted(found.items()))


def _repos() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.is_dir() else []


def test_the_corpus_is_the_one_counted(shared_testdata: Path) -> None:
    assert sorted(EXPECTED) == _repos()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_findings_per_rule(shared_testdata: Path, name: str) -> None:
    assert counts(shared_testdata / "corpus" / name) == EXPECTED[name]


if __name__ == "__main__":
    if not CORPUS.is_dir():
        sys.exit(f"no corpus at {CORPUS}")
    print(pformat({name: counts(CORPUS / name) for name in _repos()}, width=100, sort_dicts=True))
