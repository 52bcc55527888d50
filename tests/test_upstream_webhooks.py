"""The operators' own webhook test tables, translated case by case and linted through the CLI.

Each case cites the upstream test (file, case name, line). A case upstream
rejects must give at least one error in its file (from any rule: the API
server refuses the object whichever check says so); a case upstream accepts
must give none. All cases of a group are written into one repository and
linted once.

Not translatable offline, listed here and not counted as caught: cases that
compare with the object already in the cluster (an update of
``runPolicy.managedBy``).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gitops_ml.cli import main

Case = tuple[str, str, dict[str, Any], bool]  # (id, citation, manifest, rejected upstream)

TO = "kubeflow/training-operator release-1.9 pkg/webhooks"


def _container(name: str = "", image: str = "gcr.io/kubeflow-ci/mnist:1.0") -> dict[str, Any]:
    return {"name": name, "image": image}


def _replica(containers: list[dict[str, Any]] | None, replicas: int | None = 1) -> dict[str, Any]:
    spec: dict[str, Any] = {"template": {"spec": {"containers": containers or []}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return spec


def _job(kind: str, field: str, specs: Any, name: str = "test", **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = dict(spec)
    if specs is not None:
        body[field] = specs
    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": "training"},
        "spec": body,
    }


def _pt(specs: Any, **kw: Any) -> dict[str, Any]:
    return _job("PyTorchJob", "pytorchReplicaSpecs", specs, **kw)


def _tf(specs: Any, **kw: Any) -> dict[str, Any]:
    return _job("TFJob", "tfReplicaSpecs", specs, **kw)


def _xgb(specs: Any, **kw: Any) -> dict[str, Any]:
    return _job("XGBoostJob", "xgbReplicaSpecs", specs, **kw)


def _jax(specs: Any, **kw: Any) -> dict[str, Any]:
    return _job("JAXJob", "jaxReplicaSpecs", specs, **kw)


def _paddle(specs: Any, **kw: Any) -> dict[str, Any]:
    return _job("PaddleJob", "paddleReplicaSpecs", specs, **kw)


PT_VALID = {
    "Master": _replica([_container("pytorch")], 1),
    "Worker": _replica([_container("pytorch")], 1),
}
TF_VALID = {"Worker": _replica([_container("tensorflow")], 2)}
XGB_VALID = {
    "Master": _replica([_container("xgboost")], 1),
    "Worker": _replica([_container("xgboost")], 2),
}
JAX_VALID = {"Worker": _replica([_container("jax")], 1)}
PADDLE_VALID = {"Worker": _replica([_container("paddle")], 2)}
MANAGED = {"runPolicy": {"managedBy": "kubeflow.org/training-operator"}}
OTHER = {"runPolicy": {"managedBy": "other-job-controller"}}
PT = f"{TO}/pytorch/pytorchjob_webhook_test.go TestValidateV1PyTorchJob"
TF = f"{TO}/tensorflow/tfjob_webhook_test.go TestValidateV1TFJob"
XGB = f"{TO}/xgboost/xgboostjob_webhook_test.go TestValidateV1XGBoostJob"
JAX = f"{TO}/jax/jaxjob_webhook_test.go TestValidateV1JAXJob"
PADDLE = f"{TO}/paddlepaddle/paddlepaddle_webhook_test.go TestValidateV1PaddleJob"

TRAINING_V1: list[Case] = [
    (
        "pt-valid",
        f'{PT} "valid PyTorchJob" L82',
        _pt(PT_VALID, elasticPolicy={"rdzvBackend": "c10d"}, **MANAGED),
        False,
    ),
    (
        "pt-dns1035",
        f'{PT} "pytorchJob name does not meet DNS1035" L98',
        _pt(PT_VALID, name="0-test"),
        True,
    ),
    ("pt-no-containers", f'{PT} "no containers" L111', _pt({"Worker": _replica([], None)}), True),
    (
        "pt-empty-image",
        f'{PT} "image is empty" L141',
        _pt({"Worker": _replica([_container("pytorch", "")], None)}),
        True,
    ),
    (
        "pt-no-default-name",
        f'{PT} "pytorchJob default container name doesn\'t present" L173',
        _pt({"Worker": _replica([_container("")], None)}),
        True,
    ),
    (
        "pt-master-2",
        f'{PT} "the number of replicas in masterReplica is other than 1" L203',
        _pt({"Master": _replica([_container("pytorch")], 2)}),
        True,
    ),
    (
        "pt-elastic-nproc-warning",
        f'{PT} "Spec.ElasticPolicy.NProcPerNode are set" L230 (a warning only)',
        _pt(PT_VALID, elasticPolicy={"nProcPerNode": 1}),
        False,
    ),
    (
        "pt-elastic-nproc-both",
        f'{PT} "Spec.NprocPerNode and Spec.ElasticPolicy.NProcPerNode are set" L274',
        _pt(PT_VALID, nprocPerNode="1", elasticPolicy={"nProcPerNode": 1}),
        True,
    ),
    (
        "pt-managed-by",
        f'{PT} "attempt to set unsupported managedBy controller name gets rejected" L322',
        _pt(PT_VALID, **OTHER),
        True,
    ),
    (
        "pt-elastic-no-worker",
        f'{PT} "attempt to configure elasticPolicy when no worker is configured" L367',
        _pt({"Master": PT_VALID["Master"]}, elasticPolicy={"rdzvBackend": "c10d"}),
        True,
    ),
    (
        "pt-worker-0",
        f'{PT} "attempt to configure worker with 0 replicas" L395',
        _pt({"Worker": _replica([_container("pytorch")], 0)}),
        True,
    ),
    # issue 14: release-1.9 has no defaulting webhook; validatePyTorchReplicaSpecs rejects nil
    (
        "pt-master-unset",
        f"{TO}/pytorch/pytorchjob_webhook.go validatePyTorchReplicaSpecs (Replicas == nil)",
        _pt({"Master": _replica([_container("pytorch")], None)}),
        True,
    ),
    ("tf-valid", f'{TF} "valid tfJob" L57', _tf(TF_VALID, **MANAGED), False),
    (
        "tf-dns1035",
        f'{TF} "TFJob name does not meet DNS1035" L70',
        _tf(TF_VALID, name="00test"),
        True,
    ),
    ("tf-no-containers", f'{TF} "no containers" L83', _tf({"Worker": _replica([], None)}), True),
    (
        "tf-empty-image",
        f'{TF} "empty image" L105',
        _tf({"Worker": _replica([_container("tensorflow", "")], None)}),
        True,
    ),
    (
        "tf-no-default-name",
        f'{TF} "tfJob default container name doesn\'t present" L129',
        _tf({"Worker": _replica([_container("")], None)}),
        True,
    ),
    (
        "tf-chief-and-master",
        f"{TF} \"there are more than 2 masterReplica's or ChiefReplica's\" L153",
        _tf(
            {
                "Chief": _replica([_container("tensorflow")], None),
                "Master": _replica([_container("tensorflow")], None),
            }
        ),
        True,
    ),
    (
        "tf-managed-by",
        f'{TF} "attempt to set unsupported managedBy controller name gets rejected" L187',
        _tf(TF_VALID, **OTHER),
        True,
    ),
    ("xgb-valid", f'{XGB} "valid XGBoostJob" L89', _xgb(XGB_VALID, **MANAGED), False),
    (
        "xgb-dns1035",
        f'{XGB} "XGBoostJob name does not meet DNS1035" L102',
        _xgb(XGB_VALID, name="-test"),
        True,
    ),
    (
        "xgb-no-containers",
        f'{XGB} "empty containers" L115',
        _xgb({"Master": _replica([], 1)}),
        True,
    ),
    (
        "xgb-empty-image",
        f'{XGB} "image is empty" L138',
        _xgb({"Master": _replica([_container("xgboost", "")], 1)}),
        True,
    ),
    (
        "xgb-no-default-name",
        f'{XGB} "xgboostJob default container name doesn\'t present" L163',
        _xgb({"Master": _replica([_container("")], 1)}),
        True,
    ),
    (
        "xgb-master-2",
        f'{XGB} "the number of replicas in masterReplica is other than 1" L188',
        _xgb({"Master": _replica([_container("xgboost")], 2)}),
        True,
    ),
    (
        "xgb-no-master",
        f'{XGB} "masterReplica does not exist" L213',
        _xgb({"Worker": _replica([_container("xgboost")], 1)}),
        True,
    ),
    (
        "xgb-managed-by",
        f'{XGB} "attempt to set unsupported managedBy controller name gets rejected" L238',
        _xgb(XGB_VALID, **OTHER),
        True,
    ),
    ("jax-valid", f'{JAX} "valid JAXJob" L61', _jax(JAX_VALID), False),
    (
        "jax-dns1035",
        f'{JAX} "jaxJob name does not meet DNS1035" L71',
        _jax(JAX_VALID, name="0-test"),
        True,
    ),
    ("jax-no-containers", f'{JAX} "no containers" L84', _jax({"Worker": _replica([], None)}), True),
    (
        "jax-empty-image",
        f'{JAX} "image is empty" L114',
        _jax({"Worker": _replica([_container("jax", "")], None)}),
        True,
    ),
    (
        "jax-no-default-name",
        f'{JAX} "jaxJob default container name doesn\'t present" L146',
        _jax({"Worker": _replica([_container("")], None)}),
        True,
    ),
    ("jax-no-specs", f'{JAX} "replicaSpec is nil" L176', _jax(None), True),
    ("paddle-valid", f'{PADDLE} "valid paddleJob" L63', _paddle(PADDLE_VALID, **MANAGED), False),
    (
        "paddle-dns1035",
        f'{PADDLE} "paddleJob name does not meet DNS1035" L76',
        _paddle(PADDLE_VALID, name="__test"),
        True,
    ),
    (
        "paddle-no-containers",
        f'{PADDLE} "no containers" L89',
        _paddle({"Worker": _replica([], None)}),
        True,
    ),
    (
        "paddle-empty-image",
        f'{PADDLE} "image is empty" L111',
        _paddle({"Worker": _replica([_container("paddle", "")], None)}),
        True,
    ),
    (
        "paddle-no-default-name",
        f'{PADDLE} "paddle default container name doesn\'t find" L137',
        _paddle({"Worker": _replica([_container("")], None)}),
        True,
    ),
    ("paddle-no-specs", f'{PADDLE} "replicaSpec is nil" L163', _paddle(None), True),
    (
        "paddle-managed-by",
        f'{PADDLE} "attempt to set unsupported managedBy controller name gets rejected" L176',
        _paddle(PADDLE_VALID, **OTHER),
        True,
    ),
]
# not translatable: f'{PT} "attempt to update the managedBy field gets rejected" L340' (an update)

GROUPS: dict[str, list[Case]] = {"training-operator-v1": TRAINING_V1}


def _errors_by_file(tmp: Path, cases: list[Case]) -> dict[str, list[str]]:
    repo = tmp / "repo"
    (repo / "cases").mkdir(parents=True)
    for case_id, citation, manifest, _ in cases:
        text = f"# {citation}\n" + json.dumps(manifest, indent=2) + "\n"
        (repo / "cases" / f"{case_id}.yaml").write_text(text)
    result = CliRunner().invoke(main, ["lint", str(repo), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    out: dict[str, list[str]] = {}
    for f in json.loads(result.output)["findings"]:
        if f["severity"] == "error" and f.get("file"):
            out.setdefault(Path(f["file"]).stem, []).append(f"{f['rule']}: {f['message']}")
    return out


@pytest.fixture(scope="module")
def linted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, list[str]]]:
    return {
        group: _errors_by_file(tmp_path_factory.mktemp(group), cases)
        for group, cases in GROUPS.items()
    }


@pytest.mark.parametrize(
    ("group", "case_id", "rejected"),
    [(g, c[0], c[3]) for g, cases in GROUPS.items() for c in cases],
)
def test_upstream_case(
    linted: dict[str, dict[str, list[str]]], group: str, case_id: str, rejected: bool
) -> None:
    errors = linted[group].get(case_id, [])
    if rejected:
        assert errors, f"{case_id}: upstream rejects it, lint found no error"
    else:
        assert not errors, f"{case_id}: upstream accepts it, lint says {errors}"


def test_counts() -> None:
    counts = Counter((g, c[3]) for g, cases in GROUPS.items() for c in cases)
    assert counts[("training-operator-v1", True)] == 34
