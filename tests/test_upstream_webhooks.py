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

IG = "kserve pkg/apis/serving/v1alpha1/inference_graph_validation_test.go TestInferenceGraph_ValidateCreate"
# upstream's "root: {}" carries no routerType, which the CRD requires (the API server would
# refuse it before the webhook): the accepted cases here give root a Sequence router
ROOT = {"root": {"routerType": "Sequence", "steps": [{"serviceName": "svc"}]}}


def _ig(nodes: Any, name: str = "foo-bar") -> dict[str, Any]:
    return {
        "apiVersion": "serving.kserve.io/v1alpha1",
        "kind": "InferenceGraph",
        "metadata": {"name": name, "namespace": "serving"},
        "spec": {"nodes": nodes},
    }


def _split(*steps: dict[str, Any]) -> dict[str, Any]:
    return {"root": {"routerType": "Splitter", "steps": list(steps)}}


INFERENCE_GRAPH: list[Case] = [
    ("ig-simple", f'{IG} "simple" L53', _ig(ROOT), False),
    ("ig-name-upper", f'{IG} "alphanumeric model name" L61', _ig(ROOT, "Abc-123"), True),
    ("ig-name-digit", f'{IG} "name starts with number" L69', _ig(ROOT, "4abc-3"), True),
    ("ig-name-dash", f'{IG} "name starts with dash" L80', _ig(ROOT, "-abc-3"), True),
    ("ig-name-end-dash", f'{IG} "name ends with dash" L91', _ig(ROOT, "abc-3-"), True),
    ("ig-name-dot", f'{IG} "name includes dot" L102', _ig(ROOT, "abc.123"), True),
    ("ig-name-space", f'{IG} "name includes spaces" L113', _ig(ROOT, "abc 123"), True),
    ("ig-no-root", f'{IG} "without root node" L124', _ig({"other": ROOT["root"]}), True),
    ("ig-root", f'{IG} "with root node" L130', _ig(ROOT), False),
    (
        "ig-weight-110",
        f'{IG} "invalid weight for splitter" L138',
        _ig(
            _split(
                {"weight": 80, "nodeName": "test"},
                {"weight": 30, "serviceUrl": "http://foo-bar.local/"},
            )
        ),
        True,
    ),
    (
        "ig-weight-missing",
        f'{IG} "weight missing in splitter" L162',
        _ig(_split({"serviceName": "test"})),
        True,
    ),
    (
        "ig-splitter",
        f'{IG} "simple splitter" L179',
        _ig(
            _split(
                {"weight": 80, "serviceName": "service1"}, {"weight": 20, "serviceName": "service2"}
            )
        ),
        False,
    ),
    (
        "ig-no-target",
        f'{IG} "step inference target not provided" L203',
        _ig(_split({"weight": 100})),
        True,
    ),
    (
        "ig-two-targets",
        f'{IG} "invalid inference graph target" L218',
        _ig(_split({"weight": 100, "serviceName": "service", "nodeName": "test"})),
        True,
    ),
    (
        "ig-duplicate-step",
        f'{IG} "duplicate step name" L237',
        _ig(
            _split(
                {"name": "step1", "weight": 80, "serviceName": "service1"},
                {"name": "step1", "weight": 20, "serviceName": "service2"},
            )
        ),
        True,
    ),
]

CAN = "kserve pkg/apis/serving/v1beta1/inference_service_validation_test.go TestValidateCanarySpecs"
STANDARD = {"serving.kserve.io/deploymentMode": "Standard"}


def _model(uri: str) -> dict[str, Any]:
    return {"modelFormat": {"name": "sklearn"}, "storageUri": uri}


def _canary(name: str | None, traffic: int, **predictor: Any) -> dict[str, Any]:
    # the released CRD requires canary[].predictor.model.name (a container name; the
    # predictor's own model has that requirement removed), which the unit tests skip
    model = {**_model(f"gs://test/model-{name}"), "name": "kserve-container"}
    body: dict[str, Any] = {**predictor, "model": model}
    if name is not None:
        body["name"] = name
    return {"trafficPercent": traffic, "predictor": body}


def _isvc(
    canaries: list[dict[str, Any]] | None,
    annotations: dict[str, str] | None = STANDARD,
    predictor: dict[str, Any] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "foo", "namespace": "default"}
    if annotations:
        meta["annotations"] = annotations
    spec: dict[str, Any] = {
        "predictor": predictor
        if predictor is not None
        else {"minReplicas": 4, "model": _model("gs://test/model-v1")}
    }
    if canaries is not None:
        spec["canary"] = canaries
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": meta,
        "spec": spec,
    }


DEFAULT_STABLE = {"model": _model("gs://test/model-v1")}

KSERVE_CANARY: list[Case] = [
    ("can-none", f'{CAN} "No canaries passes validation" L2423', _isvc(None), False),
    ("can-single", f'{CAN} "Single valid canary" L2425', _isvc([_canary("v2", 10)]), False),
    (
        "can-multiple",
        f'{CAN} "Multiple valid canaries" L2429',
        _isvc([_canary("v2", 25), _canary("v3", 25)]),
        False,
    ),
    (
        "can-sum-100",
        f'{CAN} "Traffic sum = 100 accepted" L2433',
        _isvc([_canary("v2", 50), _canary("v3", 50)]),
        False,
    ),
    (
        "can-zero",
        f'{CAN} "Traffic percent = 0 accepted (dark launch)" L2437',
        _isvc([_canary("v2", 0)]),
        False,
    ),
    # no annotation: the test calls the validator without the defaulter; in a cluster the
    # default mode decides (a warning here, not an error), so this case is not caught
    (
        "can-knative-no-annotation",
        f'{CAN} "Canary rejected in Knative mode" L2441',
        _isvc([_canary("v2", 10)], None, DEFAULT_STABLE),
        True,
    ),
    (
        "can-knative",
        f'{CAN} "Canary rejected in Knative mode" L2441, with the annotation Knative',
        _isvc([_canary("v2", 10)], {"serving.kserve.io/deploymentMode": "Knative"}, DEFAULT_STABLE),
        True,
    ),
    (
        "can-no-name",
        f'{CAN} "Missing predictor.name rejected" L2460',
        _isvc([_canary(None, 10)]),
        True,
    ),
    (
        "can-duplicate",
        f'{CAN} "Duplicate predictor.name rejected" L2472',
        _isvc([_canary("v2", 10), _canary("v2", 20)]),
        True,
    ),
    (
        "can-stable-name",
        f'{CAN} "Canary name conflicts with stable name rejected" L2476',
        _isvc(
            [_canary("stable", 10)],
            predictor={"name": "stable", "minReplicas": 4, "model": _model("gs://test/model-v1")},
        ),
        True,
    ),
    (
        "can-sum-110",
        f'{CAN} "Traffic sum > 100 rejected" L2484',
        _isvc([_canary("v2", 60), _canary("v3", 50)]),
        True,
    ),
    (
        "can-max-replicas",
        f'{CAN} "Canary with maxReplicas rejected" L2488',
        _isvc([_canary("v2", 10, maxReplicas=5)]),
        True,
    ),
    (
        "can-min-equal",
        f'{CAN} "Canary minReplicas equal to stable accepted" L2502',
        _isvc([_canary("v2", 10, minReplicas=4)]),
        False,
    ),
    (
        "can-min-over",
        f'{CAN} "Canary minReplicas exceeds stable rejected" L2516',
        _isvc([_canary("v2", 10, minReplicas=5)]),
        True,
    ),
    (
        "can-min-default-equal",
        f'{CAN} "Canary minReplicas equal to default stable accepted" L2530',
        _isvc([_canary("v2", 10, minReplicas=1)], predictor=DEFAULT_STABLE),
        False,
    ),
    (
        "can-min-default-over",
        f'{CAN} "Canary minReplicas exceeds default stable rejected" L2560',
        _isvc([_canary("v2", 10, minReplicas=2)], predictor=DEFAULT_STABLE),
        True,
    ),
    (
        "can-min-nil",
        f'{CAN} "Canary minReplicas accepted when nil (derived from traffic)" L2590',
        _isvc([_canary("v2", 10)], predictor=DEFAULT_STABLE),
        False,
    ),
    (
        "can-worker-spec",
        f'{CAN} "Canary with workerSpec rejected" L2610',
        _isvc([_canary("v2", 10, workerSpec={})]),
        True,
    ),
    (
        "can-custom-stable",
        f'{CAN} "Canary rejected when stable uses custom container (no model)" L2624',
        _isvc(
            [_canary("v2", 10)],
            predictor={
                "containers": [{"name": "kserve-container", "image": "custom-server:latest"}]
            },
        ),
        True,
    ),
]
NOT_CAUGHT = {"can-knative-no-annotation"}  # see the comment on the case

KS = "kserve pkg/apis/serving/v1beta1"
GPU = {"resources": {"limits": {"nvidia.com/gpu": "1"}}}
STORAGE = {
    "path": "/logger",
    "parameters": {"type": "s3", "region": "us-west-2", "format": "json"},
    "key": "logger-credentials",
}


def _serve(component: str, body: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {"predictor": {"sklearn": {"storageUri": "gs://test/model"}}}
    spec[component] = body
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": "foo", "namespace": "default"},
        "spec": spec,
    }


def _pred(framework: str, **impl: Any) -> dict[str, Any]:
    return _serve("predictor", {framework: {"storageUri": "gs://test/model", **impl}})


TFT = f"{KS}/predictor_tfserving_test.go TestTensorflowValidation"
PTT = f"{KS}/predictor_torchserve_test.go TestTorchServeValidation"
ONX = f"{KS}/predictor_onnxruntime_test.go TestOnnxRuntimeValidation"
STO = f"{KS}/component_test.go TestComponentExtensionSpec_validateStorageSpec (on an art explainer)"
LOG = f"{KS}/component_test.go TestComponentExtensionSpec_validateLogger"


def _art(uri: str | None, storage: dict[str, Any]) -> dict[str, Any]:
    art: dict[str, Any] = {"type": "SquareAttack", "storage": storage}
    if uri:
        art["storageUri"] = uri
    return _serve("explainer", {"art": art})


def _keda(value: str) -> dict[str, Any]:
    isvc = _serve(
        "predictor",
        {
            "sklearn": {"storageUri": "gs://m"},
            "autoScaling": {
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "memory",
                            "target": {"type": "AverageValue", "averageValue": value},
                        },
                    }
                ]
            },
        },
    )
    isvc["metadata"]["annotations"] = {
        "serving.kserve.io/deploymentMode": "Standard",
        "serving.kserve.io/autoscalerClass": "keda",
    }
    return isvc


KEDA = f"{KS}/inference_service_validation_test.go TestValidateScalingKedaCompExtension"

KSERVE_FRAMEWORKS: list[Case] = [
    ("keda-memory", f'{KEDA} "valid memory" L1779', _keda("2Gi"), False),
    ("keda-memory-low", f'{KEDA} "invalid: memory value too low" L1784', _keda("512Ki"), True),
    (
        "tf-good",
        f'{TFT} "AcceptGoodRuntimeVersion" L39',
        _pred("tensorflow", runtimeVersion="latest"),
        False,
    ),
    (
        "tf-gpu-no-limit",
        f'{TFT} "RejectGpuRuntimeVersionWithoutGpuResource" L49',
        _pred("tensorflow", runtimeVersion="latest-gpu"),
        True,
    ),
    (
        "tf-limit-no-gpu",
        f'{TFT} "RejectGpuGpuResourceWithoutGpuRuntime" L59',
        _pred("tensorflow", runtimeVersion="latest", **GPU),
        True,
    ),
    (
        "pt-good",
        f'{PTT} "AcceptGoodRuntimeVersion" L38',
        _pred("pytorch", runtimeVersion="0.7.0"),
        False,
    ),
    (
        "pt-gpu-no-limit",
        f'{PTT} "RejectGpuRuntimeVersionWithoutGpuResource" L48',
        _pred("pytorch", runtimeVersion="0.7.0-gpu"),
        True,
    ),
    (
        "pt-limit-no-gpu",
        f'{PTT} "RejectGpuGpuResourceWithoutGpuRuntime" L58',
        _pred("pytorch", runtimeVersion="0.7.0", **GPU),
        True,
    ),
    (
        "onnx-good",
        f'{ONX} "AcceptGoodRuntimeVersion" L40',
        _pred("onnx", runtimeVersion="latest"),
        False,
    ),
    (
        "onnx-ext",
        f'{ONX} "ValidModelExtension" L50',
        _pred("onnx", storageUri="gs://my_model.onnx"),
        False,
    ),
    (
        "onnx-bad-ext",
        f'{ONX} "InvalidModelExtension" L60',
        _pred("onnx", storageUri="gs://my_model.txt"),
        True,
    ),
    ("sto-valid", f'{STO} "ValidStoragespec" L77', _art(None, STORAGE), False),
    ("sto-empty", f'{STO} "ValidStoragespecWithoutParameters" L88', _art(None, {}), False),
    (
        "sto-uri",
        f'{STO} "ValidStoragespecWithStorageURI" L93',
        _art("s3://test/model", STORAGE),
        False,
    ),
    (
        "sto-bad-uri",
        f'{STO} "StorageSpecWithInvalidStorageURI" L104',
        _art("gs://test/model", {"parameters": {"type": "gs"}}),
        True,
    ),
    (
        "sto-bad-type",
        f'{STO} "InvalidStoragespec" L115',
        _art(None, {"parameters": {"type": "gs"}}),
        True,
    ),
    (
        "log-all",
        f'{LOG} "LoggerWithLogAllMode" L140',
        _pred("onnx", storageUri="gs://m.onnx")
        | {
            "spec": {
                "predictor": {"onnx": {"storageUri": "gs://m.onnx"}, "logger": {"mode": "all"}}
            }
        },
        False,
    ),
    (
        "log-bad-mode",
        f'{LOG} "InvalidLoggerMode" L165',
        _serve("predictor", {"sklearn": {"storageUri": "gs://m"}, "logger": {"mode": "notall"}}),
        True,
    ),
    (
        "log-storage-nil",
        f'{LOG} "StorageConfigNilValues" L175',
        _serve(
            "predictor",
            {"sklearn": {"storageUri": "gs://m"}, "logger": {"mode": "all", "storage": {}}},
        ),
        True,
    ),
]

TR = "kubeflow/trainer pkg/webhooks/trainingruntime_webhook_test.go TestValidateReplicatedJobs"
ANCESTOR = "trainer.kubeflow.org/trainjob-ancestor-step"


def _rjob(name: str, ancestor: str | None, replicas: int, container: str) -> dict[str, Any]:
    meta = {"labels": {ANCESTOR: ancestor}} if ancestor else {}
    pod = {"containers": [{"name": container, "image": "docker.io/kubeflow/test:v1"}]}
    return {
        "name": name,
        "replicas": replicas,
        "template": {"metadata": meta, "spec": {"template": {"spec": pod}}},
    }


def _runtime(*jobs: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "trainer.kubeflow.org/v1alpha1",
        "kind": "TrainingRuntime",
        "metadata": {"name": "valid", "namespace": "ns"},
        "spec": {
            "mlPolicy": {"numNodes": 1, "torch": {}},
            "template": {"spec": {"replicatedJobs": list(jobs)}},
        },
    }


def _jobs(
    replicas: int, ancestors: dict[str, str | None], containers: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    names = ["dataset-initializer", "model-initializer", "launcher", "node"]
    return [_rjob(n, ancestors.get(n), replicas, (containers or {}).get(n, n)) for n in names]


STEPS: dict[str, str | None] = {
    "dataset-initializer": "dataset-initializer",
    "model-initializer": "model-initializer",
    "node": "trainer",
}
USER: dict[str, str | None] = {
    n: "user-specified" for n in ("dataset-initializer", "model-initializer", "node")
}

TRAINER_RUNTIME: list[Case] = [
    ("tr-valid", f'{TR} "valid replicatedJobs" L37', _runtime(*_jobs(1, STEPS)), False),
    (
        "tr-user-ancestor",
        f'{TR} "valid replicatedJobs with unknown user-specified ancestor" L43',
        _runtime(*_jobs(2, USER)),
        False,
    ),
    ("tr-replicas", f'{TR} "invalid replicas" L49', _runtime(*_jobs(2, STEPS)), True),
    (
        "tr-containers",
        f'{TR} "missing required container in replicatedJobs" L63',
        _runtime(
            *_jobs(
                1,
                STEPS,
                {"dataset-initializer": "test", "model-initializer": "test", "node": "test"},
            )
        ),
        True,
    ),
]

JS = "kubeflow/trainer pkg/runtime/framework/plugins/jobset/jobset_test.go TestValidate"


def _trainjob(
    name: str = "test", patches: list[dict[str, Any]] | None = None, **spec: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"runtimeRef": {"name": "torch"}, **spec}
    if patches is not None:
        body["runtimePatches"] = patches
    return {
        "apiVersion": "trainer.kubeflow.org/v1alpha1",
        "kind": "TrainJob",
        "metadata": {"name": name, "namespace": "default"},
        "spec": body,
    }


def _patch(manager: str, env: bool) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "node"}
    if env:
        container["env"] = [{"name": "ENV_NAME", "value": "value"}]
    pod = {"spec": {"containers": [container]}}
    job = {"name": "node", "template": {"spec": {"template": pod}}}
    return {
        "manager": manager,
        "trainingRuntimeSpec": {"template": {"spec": {"replicatedJobs": [job]}}},
    }


TRAINJOB: list[Case] = [
    (
        "tj-patch-env",
        f'{JS} "runtimePatches contain envs for reserved container" L1120',
        _trainjob(patches=[_patch("test.io/manager", True)]),
        True,
    ),
    (
        "tj-patch-ok",
        f'{JS} "allow runtimePatches when creating a new trainJob" L1217',
        _trainjob(patches=[_patch("test.io/manager", False)]),
        False,
    ),
    # kubeflow/trainer jobset.go JobSet.Validate IsDomainPrefixedPath (no upstream case)
    (
        "tj-patch-manager",
        "kubeflow/trainer jobset.go JobSet.Validate IsDomainPrefixedPath",
        _trainjob(patches=[_patch("manager", False)]),
        True,
    ),
    # the CRD's CEL (cel-invalid), as upstream's TrainJob webhook integration tests expect
    (
        "tj-name",
        "kubeflow/trainer trainjob_types.go XValidation metadata.name RFC 1035",
        _trainjob(name="Llama-3"),
        True,
    ),
    (
        "tj-nproc",
        "kubeflow/trainer trainjob_types.go XValidation numProcPerNode >= 1",
        _trainjob(trainer={"numProcPerNode": 0}),
        True,
    ),
    (
        "tj-storage-uri",
        "kubeflow/trainer trainjob_types.go XValidation storageUri format",
        _trainjob(initializer={"dataset": {"storageUri": "not-a-uri"}}),
        True,
    ),
    (
        "tj-managed-by",
        "kubeflow/trainer trainjob_types.go XValidation managedBy",
        _trainjob(managedBy="example.com/other"),
        True,
    ),
]

GROUPS: dict[str, list[Case]] = {
    "trainer-trainjob": TRAINJOB,
    "trainer-runtime": TRAINER_RUNTIME,
    "kserve-frameworks": KSERVE_FRAMEWORKS,
    "kserve-canary": KSERVE_CANARY,
    "training-operator-v1": TRAINING_V1,
    "kserve-inference-graph": INFERENCE_GRAPH,
}


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
    if case_id in NOT_CAUGHT:
        assert not errors, f"{case_id} is listed as not caught but is: {errors}"
    elif rejected:
        assert errors, f"{case_id}: upstream rejects it, lint found no error"
    else:
        assert not errors, f"{case_id}: upstream accepts it, lint says {errors}"


def test_counts() -> None:
    counts = Counter((g, c[3]) for g, cases in GROUPS.items() for c in cases)
    assert counts[("training-operator-v1", True)] == 34
    assert counts[("kserve-inference-graph", True)] == 12
    assert counts[("kserve-frameworks", True)] == 10
    assert counts[("trainer-runtime", True)] == 2
    assert counts[("trainer-trainjob", True)] == 6
    assert counts[("kserve-canary", True)] == 11  # one of them (with no annotation) not caught
