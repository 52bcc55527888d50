"""The CRD -> JSON Schema converter and the bundled schemas in schemas/crds."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import pytest
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from gitops_ml.crdschema import (
    CrdSchema,
    convert_crd,
    import_crd_files,
    load_crd_documents,
    main,
)
from gitops_ml.errors import UserError

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "schemas" / "crds"
TESTDATA = ROOT.parent / "shared" / "testdata"
CRDS = TESTDATA / "crds"
CORPUS = TESTDATA / "corpus"

# Outside CI a checkout without ../shared skips these; in CI their absence is a failure.
needs_testdata = pytest.mark.skipif(
    not (CRDS.is_dir() and CORPUS.is_dir()) and not os.environ.get("CI"),
    reason=f"shared test data (upstream CRDs and corpus) not found at {TESTDATA}",
)

# Upstream samples that are genuinely invalid against the CRD they name; each
# must be rejected, for the reason given.
KNOWN_INVALID_SAMPLES = {
    # `cpu: 0.1` is a JSON number, but a Quantity in a CRD is int-or-string (the
    # API server answers "must be of type integer,string"), and the KServe
    # ExplainerSpec no longer has `alibi` (only `art`): a stale docs sample.
    "kserve__kserve/docs/samples/explanation/alibi/income/income.yaml": {
        "spec/predictor/sklearn/resources/requests/cpu",
        "spec/explainer",
    },
    # TransformerSpec has no `custom` component (only `containers` and pod
    # fields), so the first InferenceService in this file is rejected.
    "kserve__kserve/docs/samples/rollout-strategy/rollout-strategy-example.yaml": {
        "spec/transformer",
    },
    # LLMInferenceServiceConfig presets whose `router.scheduler.pool.spec` is a
    # partial InferencePool spec: the CRD requires `selector`, `targetPorts` and
    # `endpointPickerRef.name` there, and structural validation applies to each
    # object before KServe merges presets, so the API server rejects both files.
    "kserve__kserve/docs/samples/llmisvc/e2e-gpt-oss/llmisvc_config_default.yaml": {
        "spec/router/scheduler/pool/spec",
        "spec/router/scheduler/pool/spec/endpointPickerRef",
    },
    "kserve__kserve/docs/samples/llmisvc/e2e-gpt-oss/llmisvc_config_prefix_cache.yaml": {
        "spec/router/scheduler/pool/spec",
        "spec/router/scheduler/pool/spec/endpointPickerRef",
    },
}
# Upstream "samples" that are templates, not YAML: `image: {username}/x:latest`.
NOT_YAML_SAMPLES = {
    "kserve__kserve/docs/samples/bentoml/bentoml.yaml",
    "kserve__kserve/docs/samples/v1beta1/custom/torchserve/torchserve-custom.yaml",
}


# --- helpers -------------------------------------------------------------------


def _bundle_index() -> dict[str, str]:
    data: dict[str, str] = json.loads((BUNDLE / "index.json").read_text(encoding="utf-8"))
    return data


def _bundled_schema(key: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((BUNDLE / _bundle_index()[key]).read_text(encoding="utf-8"))
    return data


def _errors(key: str, obj: dict[str, Any]) -> list[str]:
    validator = jsonschema_rs.validator_for(_bundled_schema(key))
    return ["/".join(map(str, e.instance_path)) for e in validator.iter_errors(obj)]


def _corpus_objects() -> Iterator[tuple[str, dict[str, Any]]]:
    yaml = YAML(typ="safe", pure=False)
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix not in (".yaml", ".yml") or not path.is_file():
            continue
        rel = path.relative_to(CORPUS).as_posix()
        try:
            docs = list(yaml.load_all(path.read_text(encoding="utf-8")))
        except YAMLError:
            assert rel in NOT_YAML_SAMPLES, f"{rel} does not parse as YAML"
            continue
        for doc in docs:
            if isinstance(doc, dict):
                yield rel, doc


def _generated_files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*.json"))
        if "LICENSES" not in p.parts
    }


ISVC: dict[str, Any] = {
    "apiVersion": "serving.kserve.io/v1beta1",
    "kind": "InferenceService",
    "metadata": {"name": "fraud", "namespace": "ml", "labels": {"team": "risk"}},
    "spec": {
        "predictor": {
            "minReplicas": 1,
            "maxReplicas": 3,
            "model": {
                "modelFormat": {"name": "pytorch"},
                "storageUri": "s3://models/fraud/v3",
                "resources": {"requests": {"cpu": "500m", "memory": "2Gi"}},
            },
        }
    },
}

PYTORCHJOB: dict[str, Any] = {
    "apiVersion": "kubeflow.org/v1",
    "kind": "PyTorchJob",
    "metadata": {"name": "fraud-train"},
    "spec": {
        "pytorchReplicaSpecs": {
            "Master": {
                "replicas": 1,
                "restartPolicy": "OnFailure",
                "template": {
                    "spec": {
                        "containers": [
                            {
                                "name": "pytorch",
                                "image": "ghcr.io/acme/fraud-train:1.2.0",
                                "resources": {"limits": {"nvidia.com/gpu": 1}},
                            }
                        ]
                    }
                },
            },
        }
    },
}

ARGO_APP: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Application",
    "metadata": {"name": "fraud-prod", "namespace": "argocd"},
    "spec": {
        "project": "ml",
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "ml"},
        "source": {
            "repoURL": "https://github.com/acme/gitops",
            "path": "charts/fraud",
            "targetRevision": "main",
            "helm": {"valuesObject": {"any": {"thing": [1, "two", None]}, "x": True}},
        },
    },
}


# --- the bundle ----------------------------------------------------------------


@needs_testdata
def test_bundle_is_regenerated_byte_for_byte(tmp_path: Path) -> None:
    assert main([str(CRDS), str(tmp_path)]) == 0
    assert _generated_files(tmp_path) == _generated_files(BUNDLE), (
        "schemas/crds is stale or edited by hand: run "
        "`python -m gitops_ml.crdschema ../shared/testdata/crds schemas/crds`"
    )


def test_bundle_covers_the_requested_kinds_and_stays_small() -> None:
    kinds = {key.rsplit("/", 1)[1] for key in _bundle_index()}
    assert kinds >= {
        "InferenceService", "ServingRuntime", "ClusterServingRuntime", "InferenceGraph",
        "PyTorchJob", "TFJob", "MPIJob", "XGBoostJob",
        "TrainJob", "TrainingRuntime", "ClusterTrainingRuntime",
        "Application", "ApplicationSet", "AppProject",
        "Kustomization", "GitRepository", "OCIRepository",
        "Model", "Server",
        "ClusterQueue", "LocalQueue", "ResourceFlavor", "WorkloadPriorityClass",
    }  # fmt: skip
    size = sum(len(data) for data in _generated_files(BUNDLE).values())
    assert size < 2 * 1024 * 1024
    for rel in _bundle_index().values():
        assert (BUNDLE / rel).is_file(), rel


def test_bundle_names_its_provenance_and_licences() -> None:
    provenance = (BUNDLE / "PROVENANCE.md").read_text(encoding="utf-8")
    for rel in _bundle_index().values():
        assert f"`{rel}`" in provenance, f"{rel} has no provenance row"
    licences = {p.name for p in (BUNDLE / "LICENSES").iterdir()}
    for name in licences:
        assert f"LICENSES/{name}" in provenance
    assert len(licences) == 15


@pytest.mark.parametrize("key", sorted(_bundle_index()))
def test_bundled_schema_is_valid_2020_12(key: str) -> None:
    schema = _bundled_schema(key)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    group, version, kind = key.split("/")
    assert schema["properties"]["apiVersion"] == {"const": f"{group}/{version}"}
    assert schema["properties"]["kind"] == {"const": kind}
    assert {"apiVersion", "kind"} <= set(schema["required"])


@needs_testdata
def test_upstream_samples_are_accepted() -> None:
    index = _bundle_index()
    validators = {key: jsonschema_rs.validator_for(_bundled_schema(key)) for key in index}
    accepted = 0
    rejected: dict[str, set[str]] = {}
    for rel, obj in _corpus_objects():
        key = f"{obj.get('apiVersion')}/{obj.get('kind')}"
        if key not in validators:
            continue
        paths = {"/".join(map(str, e.instance_path)) for e in validators[key].iter_errors(obj)}
        if paths:
            rejected.setdefault(rel, set()).update(paths)
        else:
            accepted += 1
    assert accepted >= 70  # 72 objects at the pinned commits
    expected = {rel: KNOWN_INVALID_SAMPLES[rel] for rel in rejected if rel in KNOWN_INVALID_SAMPLES}
    assert rejected == expected
    assert set(rejected) == set(KNOWN_INVALID_SAMPLES)


# --- seeded errors against the bundle -------------------------------------------


def test_valid_baselines_are_accepted() -> None:
    assert _errors("serving.kserve.io/v1beta1/InferenceService", ISVC) == []
    assert _errors("kubeflow.org/v1/PyTorchJob", PYTORCHJOB) == []
    assert _errors("argoproj.io/v1alpha1/Application", ARGO_APP) == []


def test_unknown_field_in_inferenceservice_spec_is_rejected() -> None:
    obj = copy.deepcopy(ISVC)
    obj["spec"]["predictr"] = {"model": {"modelFormat": {"name": "sklearn"}}}
    assert _errors("serving.kserve.io/v1beta1/InferenceService", obj) == ["spec"]


def test_unknown_top_level_field_is_rejected() -> None:
    obj = copy.deepcopy(ISVC)
    obj["sepc"] = {}
    assert _errors("serving.kserve.io/v1beta1/InferenceService", obj) == [""]


def test_string_where_integer_belongs_is_rejected() -> None:
    obj = copy.deepcopy(ISVC)
    obj["spec"]["predictor"]["minReplicas"] = "two"
    assert _errors("serving.kserve.io/v1beta1/InferenceService", obj) == [
        "spec/predictor/minReplicas"
    ]


def test_wrong_apiversion_or_kind_is_rejected() -> None:
    obj = copy.deepcopy(ISVC)
    obj["apiVersion"] = "serving.kserve.io/v1alpha1"
    assert _errors("serving.kserve.io/v1beta1/InferenceService", obj) == ["apiVersion"]
    del obj["kind"]
    assert "" in _errors("serving.kserve.io/v1beta1/InferenceService", obj)


def test_metadata_is_permissive_but_label_values_are_strings() -> None:
    obj = copy.deepcopy(ISVC)
    obj["metadata"]["annotations"] = {"serving.kserve.io/deploymentMode": "RawDeployment"}
    obj["metadata"]["finalizers"] = ["x"]
    assert _errors("serving.kserve.io/v1beta1/InferenceService", obj) == []
    obj["metadata"]["labels"]["version"] = 3
    assert _errors("serving.kserve.io/v1beta1/InferenceService", obj) == ["metadata/labels/version"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("replicas", "2"), ("restartPolicy", 3), ("template", ["not", "a", "pod"])],
)
def test_pytorchjob_replica_spec_with_wrong_type_is_rejected(field: str, value: Any) -> None:
    obj = copy.deepcopy(PYTORCHJOB)
    obj["spec"]["pytorchReplicaSpecs"]["Master"][field] = value
    assert _errors("kubeflow.org/v1/PyTorchJob", obj) == [
        f"spec/pytorchReplicaSpecs/Master/{field}"
    ]


def test_missing_required_field_is_rejected() -> None:
    obj = copy.deepcopy(PYTORCHJOB)
    del obj["spec"]["pytorchReplicaSpecs"]
    assert _errors("kubeflow.org/v1/PyTorchJob", obj) == ["spec"]
    obj = copy.deepcopy(PYTORCHJOB)
    del obj["spec"]["pytorchReplicaSpecs"]["Master"]["template"]["spec"]["containers"][0]["name"]
    assert _errors("kubeflow.org/v1/PyTorchJob", obj) == [
        "spec/pytorchReplicaSpecs/Master/template/spec/containers/0"
    ]


@pytest.mark.parametrize("quantity", [1, "1", "500m", "16Gi"])
def test_int_or_string_accepts_both_forms(quantity: Any) -> None:
    obj = copy.deepcopy(PYTORCHJOB)
    container = obj["spec"]["pytorchReplicaSpecs"]["Master"]["template"]["spec"]["containers"][0]
    container["resources"]["requests"] = {"cpu": quantity}
    container["ports"] = [{"containerPort": 23456, "name": "pytorchjob-port"}]
    container["readinessProbe"] = {"httpGet": {"port": quantity if quantity != 1 else 8080}}
    assert _errors("kubeflow.org/v1/PyTorchJob", obj) == []


@pytest.mark.parametrize("quantity", [0.5, True, None, ["1"]])
def test_int_or_string_rejects_other_types(quantity: Any) -> None:
    obj = copy.deepcopy(PYTORCHJOB)
    container = obj["spec"]["pytorchReplicaSpecs"]["Master"]["template"]["spec"]["containers"][0]
    container["resources"]["requests"] = {"cpu": quantity}
    path = "spec/pytorchReplicaSpecs/Master/template/spec/containers/0/resources/requests/cpu"
    assert set(_errors("kubeflow.org/v1/PyTorchJob", obj)) == {path}


@pytest.mark.parametrize(
    "values",
    [{}, {"a": {"b": {"c": [1, 2.5, None, "x"]}}}, {"replicaCount": 2, "image": {"tag": "v3"}}],
)
def test_preserve_unknown_fields_subtree_accepts_anything(values: dict[str, Any]) -> None:
    obj = copy.deepcopy(ARGO_APP)
    obj["spec"]["source"]["helm"]["valuesObject"] = values
    assert _errors("argoproj.io/v1alpha1/Application", obj) == []
    obj["spec"]["source"]["helm"]["valueObject"] = values  # a typo beside it is still caught
    assert _errors("argoproj.io/v1alpha1/Application", obj) == ["spec/source/helm"]


def test_flux_kustomization_requires_prune() -> None:
    obj: dict[str, Any] = {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": "flux-system"},
        "spec": {
            "interval": "10m",
            "path": "./clusters/prod",
            "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
        },
    }
    assert _errors("kustomize.toolkit.fluxcd.io/v1/Kustomization", obj) == ["spec"]
    obj["spec"]["prune"] = True
    assert _errors("kustomize.toolkit.fluxcd.io/v1/Kustomization", obj) == []


# --- the converter on small CRDs ------------------------------------------------


def _crd_v1(schema: dict[str, Any], **version: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": schema},
                }
                | version,
                {"name": "v0", "served": False, "storage": False},
            ],
        },
    }


def _widget(spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": spec,
    }


def _one(crd: dict[str, Any]) -> CrdSchema:
    (only,) = convert_crd(crd)
    jsonschema.Draft202012Validator.check_schema(only.schema)
    return only


def _valid(item: CrdSchema, obj: Any) -> bool:
    return bool(jsonschema_rs.validator_for(item.schema).is_valid(obj))


SPEC_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A widget.",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["size"],
            "x-kubernetes-validations": [{"rule": "self.size > 0"}],
            "properties": {
                "size": {"type": "integer", "minimum": 0, "exclusiveMinimum": True, "default": 1},
                "port": {
                    "x-kubernetes-int-or-string": True,
                    "anyOf": [{"type": "integer"}, {"type": "string"}],
                },
                "note": {"type": "string", "nullable": True, "example": "hi"},
                "mode": {"type": "string", "enum": ["a", "b"], "nullable": True},
                "extra": {"x-kubernetes-preserve-unknown-fields": True},
                "open": {
                    "type": "object",
                    "x-kubernetes-preserve-unknown-fields": True,
                    "properties": {"known": {"type": "string"}},
                },
                "tags": {"type": "object", "additionalProperties": {"type": "string"}},
                "template": {
                    "type": "object",
                    "x-kubernetes-embedded-resource": True,
                    "x-kubernetes-preserve-unknown-fields": True,
                },
                "choice": {
                    "type": "object",
                    "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
                    "oneOf": [{"required": ["a"]}, {"required": ["b"]}],
                },
                "count": {"type": "integer", "format": "int32"},
                "when": {"type": "string", "format": "date-time"},
            },
        }
    },
}


def test_convert_keeps_only_served_versions_and_identifies_them() -> None:
    item = _one(_crd_v1(SPEC_SCHEMA))
    assert (item.group, item.version, item.kind) == ("example.com", "v1", "Widget")
    assert item.key == "example.com/v1/Widget"
    assert item.relative_path == "example.com/widget_v1.json"


def test_convert_drops_noise_and_translates_openapi_keywords() -> None:
    item = _one(_crd_v1(SPEC_SCHEMA))
    text = json.dumps(item.schema)
    for noise in ('"description"', '"example"', '"default"', "x-kubernetes", "int32", "self.size"):
        assert noise not in text
    spec = item.schema["properties"]["spec"]
    assert spec["properties"]["size"] == {"type": "integer", "exclusiveMinimum": 0}
    assert spec["properties"]["when"]["format"] == "date-time"
    assert spec["additionalProperties"] is False


@pytest.mark.parametrize(
    ("spec", "valid"),
    [
        ({"size": 1}, True),
        ({"size": 0}, False),  # exclusive minimum
        ({}, False),  # size is required
        ({"size": 1, "unknown": 1}, False),
        ({"size": 1, "port": 80}, True),
        ({"size": 1, "port": "http"}, True),
        ({"size": 1, "port": 1.5}, False),
        ({"size": 1, "note": None}, True),
        ({"size": 1, "mode": None}, True),
        ({"size": 1, "mode": "c"}, False),
        ({"size": 1, "extra": [1, {"x": None}]}, True),
        ({"size": 1, "open": {"known": "k", "other": 1}}, True),
        ({"size": 1, "open": {"known": 1}}, False),
        ({"size": 1, "tags": {"a": "b"}}, True),
        ({"size": 1, "tags": {"a": 1}}, False),
        (
            {"size": 1, "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}},
            True,
        ),
        ({"size": 1, "template": {"metadata": {"labels": {"a": 1}}}}, False),
        ({"size": 1, "choice": {"a": "x"}}, True),  # oneOf branches add no additionalProperties
        ({"size": 1, "choice": {"a": "x", "b": "y"}}, False),
        ({"size": 1, "choice": {"c": "x"}}, False),
        ({"size": 1, "count": 3.5}, False),
    ],
)
def test_converted_schema_validates_like_the_api_server(spec: dict[str, Any], valid: bool) -> None:
    assert _valid(_one(_crd_v1(SPEC_SCHEMA)), _widget(spec)) is valid


def test_status_is_ignored_when_the_status_subresource_is_on() -> None:
    schema = {
        "type": "object",
        "properties": {"status": {"type": "object", "properties": {"ready": {"type": "boolean"}}}},
    }
    stale = {"apiVersion": "example.com/v1", "kind": "Widget", "status": {"ready": "yes", "x": 1}}
    assert _valid(_one(_crd_v1(schema, subresources={"status": {}})), stale)
    assert not _valid(_one(_crd_v1(schema)), stale)


def test_version_without_schema_accepts_any_widget() -> None:
    crd = _crd_v1({})
    del crd["spec"]["versions"][0]["schema"]
    item = _one(crd)
    assert _valid(item, _widget({"anything": [1]}))
    assert not _valid(item, {"apiVersion": "example.com/v2", "kind": "Widget"})


def test_v1beta1_crd_with_top_level_validation() -> None:
    crd: dict[str, Any] = {
        "apiVersion": "apiextensions.k8s.io/v1beta1",
        "kind": "CustomResourceDefinition",
        "spec": {
            "group": "example.com",
            "version": "v1",
            "names": {"kind": "Widget"},
            "preserveUnknownFields": False,
            "validation": {"openAPIV3Schema": SPEC_SCHEMA},
        },
    }
    item = _one(crd)
    assert item.key == "example.com/v1/Widget"
    assert _valid(item, _widget({"size": 2}))
    assert not _valid(item, _widget({"size": 2, "unknown": 1}))
    # v1beta1 keeps unknown fields unless preserveUnknownFields is false.
    del crd["spec"]["preserveUnknownFields"]
    crd["spec"]["versions"] = [{"name": "v1", "served": True}, {"name": "v2", "served": True}]
    items = convert_crd(crd)
    assert [i.version for i in items] == ["v1", "v2"]
    assert _valid(items[0], _widget({"size": 2, "unknown": 1}))


def test_repeated_subschemas_are_shared_through_defs() -> None:
    pod = {
        "type": "object",
        "properties": {f"field{i}": {"type": "string", "pattern": "^[a-z]+$"} for i in range(20)},
    }
    schema = {
        "type": "object",
        "properties": {"spec": {"type": "object", "properties": {"a": pod, "b": pod}}},
    }
    item = _one(_crd_v1(schema))
    spec = item.schema["properties"]["spec"]
    assert spec["properties"]["a"] == spec["properties"]["b"]
    assert "$ref" in spec["properties"]["a"]
    assert len(item.schema["$defs"]) == 1
    assert _valid(item, _widget({"a": {"field1": "ok"}, "b": {"field2": "ok"}}))
    assert not _valid(item, _widget({"b": {"field2": "NOT-OK"}}))
    assert not _valid(item, _widget({"b": {"field99": "ok"}}))


# --- files ---------------------------------------------------------------------


def test_load_crd_documents_skips_other_documents(tmp_path: Path) -> None:
    path = tmp_path / "mixed.yaml"
    crd = _crd_v1(SPEC_SCHEMA)
    path.write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n---\n"
        + json.dumps(crd)
        + "\n---\n# empty\n",
        encoding="utf-8",
    )
    assert load_crd_documents(path) == [crd]


def test_import_writes_files_and_merges_the_index(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "widget.json").write_text(json.dumps(_crd_v1(SPEC_SCHEMA)), encoding="utf-8")
    (src / "kustomization.yaml").write_text("resources: [widget.json]\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.json").write_text(
        '{"other.io/v1/Thing": "other.io/thing_v1.json"}', encoding="utf-8"
    )

    written = import_crd_files([src], out)

    # SPEC_SCHEMA has a CEL rule: it is kept in a file beside the schema
    assert written == [
        out / "example.com" / "widget_v1.json",
        out / "example.com" / "widget_v1.cel.json",
        out / "index.json",
    ]
    assert json.loads((out / "index.json").read_text(encoding="utf-8")) == {
        "example.com/v1/Widget": "example.com/widget_v1.json",
        "other.io/v1/Thing": "other.io/thing_v1.json",
    }
    text = written[0].read_text(encoding="utf-8")
    assert "\n" not in text.rstrip("\n")  # minified
    assert json.loads(text) == convert_crd(_crd_v1(SPEC_SCHEMA))[0].schema
    rules = json.loads(written[1].read_text(encoding="utf-8"))
    assert rules == convert_crd(_crd_v1(SPEC_SCHEMA))[0].rules
    assert rules["tree"]["properties"]["spec"]["rules"] == [{"rule": "self.size > 0"}]
    assert sorted(p.name for p in out.rglob(".*")) == []  # no temporary files left


def test_import_rejects_a_file_without_crd(tmp_path: Path) -> None:
    path = tmp_path / "ns.yaml"
    path.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n", encoding="utf-8")
    with pytest.raises(UserError, match="contains no CustomResourceDefinition"):
        import_crd_files([path], tmp_path / "out")
    with pytest.raises(UserError, match="No CustomResourceDefinition was found"):
        import_crd_files([tmp_path], tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        (b"a: [1\n", "is not valid YAML"),
        (b"\xff\xfe\x00", "is not UTF-8"),
    ],
)
def test_import_rejects_unreadable_input(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "crd.yaml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UserError, match=message):
        import_crd_files([path], tmp_path / "out")


def test_module_entry_point_reports_usage_and_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([]) == 2
    assert main([str(tmp_path / "missing"), str(tmp_path / "out")]) == 2
    assert "does not exist" in capsys.readouterr().err


def _alias_bomb_crd() -> str:
    """A CRD of about 1 KB whose schema expands to 9**10 strings through its aliases."""
    lines = [
        "apiVersion: apiextensions.k8s.io/v1",
        "kind: CustomResourceDefinition",
        "metadata: {name: bombs.example.com}",
        "spec:",
        "  group: example.com",
        "  names: {kind: Bomb, plural: bombs}",
        "  scope: Namespaced",
        "  versions:",
        "  - name: v1",
        "    served: true",
        "    storage: true",
        "    schema:",
        "      openAPIV3Schema:",
        "        type: object",
        "        properties:",
        "          spec:",
        "            type: string",
        "            enum: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
        "        x-kubernetes-bomb:",
    ]
    previous = "a"
    for name in "bcdefghij":
        lines.append(f"          {name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
        previous = name
    lines.append("          all: *j")
    return "\n".join(lines) + "\n"


def test_schemas_import_refuses_an_alias_bomb_in_one_sentence(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from gitops_ml.cli import main as cli

    crd = tmp_path / "bomb.yaml"
    crd.write_text(_alias_bomb_crd(), encoding="utf-8")
    assert crd.stat().st_size < 1500  # small as text
    result = CliRunner().invoke(
        cli, ["schemas", "import", str(crd), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert "refusing to expand them" in result.stderr and "bomb.yaml" in result.stderr
    assert not (tmp_path / "out").exists()
