"""ValidatingAdmissionPolicies offline: matching, params, severities, bad input, via the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gitops_ml import admission
from gitops_ml.cli import main

FIXTURES = Path(__file__).parent / "rules" / "admission-policy-denied"
RULE = "admission-policy-denied"

ISVC = """\
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: {name}
  namespace: {namespace}
  labels: {{tier: {tier}}}
spec:
  predictor:
    minReplicas: {replicas}
    model:
      modelFormat: {{name: sklearn}}
      storageUri: gs://acme-models/{name}/v1
"""


def _policy(
    name: str,
    validations: str,
    *,
    extra: str = "",
    resources: str = "[inferenceservices]",
    groups: str = "[serving.kserve.io]",
) -> str:
    return f"""\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: {name}
spec:
{extra}  matchConstraints:
    resourceRules:
      - apiGroups: {groups}
        apiVersions: ["*"]
        operations: [CREATE, UPDATE]
        resources: {resources}
  validations:
{validations}
"""


def _binding(name: str, policy: str, actions: str = "[Deny]", extra: str = "") -> str:
    return f"""\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: {name}
spec:
  policyName: {policy}
  validationActions: {actions}
{extra}"""


MIN2 = '    - expression: "object.spec.predictor.minReplicas >= 2"\n      message: needs 2\n'


def _lint(repo: Path, *extra: str) -> tuple[int, list[dict[str, Any]], str]:
    result = CliRunner().invoke(main, ["lint", str(repo), "--format", "json", *extra])
    if result.exit_code == 2:
        return 2, [], result.output
    data = json.loads(result.output)
    return result.exit_code, [f for f in data["findings"] if f["rule"] == RULE], result.output


def _repo(tmp_path: Path, files: dict[str, str], config: str = "") -> Path:
    repo = tmp_path / "repo"
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    if config:
        (repo / "gitops-ml.yaml").write_text(config)
    return repo


def _isvc(name: str, namespace: str = "serving", replicas: int = 1, tier: str = "gold") -> str:
    return ISVC.format(name=name, namespace=namespace, replicas=replicas, tier=tier)


# --- the fixture repository ----------------------------------------------------------------


def test_fixture_deny_in_prod_only_and_warn_in_dev(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "bad" / "repo", repo)
    code, mine, _ = _lint(repo)
    assert code == 1
    by_env = {(f["environment"], f["severity"]) for f in mine}
    # the Deny binding's namespaceSelector (env: prod) matches only prod's Namespace;
    # the Warn policy is rendered in both environments, and prod adds the label
    assert by_env == {("prod", "error"), ("dev", "warning")}
    deny = next(f for f in mine if f["severity"] == "error")
    assert (
        "'prod-min-replicas'" in deny["message"] and "'prod-min-replicas-deny'" in deny["message"]
    )
    assert "iris has 1" in deny["message"]  # messageExpression
    assert deny["file"].endswith("base/inferenceservice.yaml") and deny["line"] == 7


# --- matching --------------------------------------------------------------------------------


def test_namespace_not_rendered_is_known_by_its_name_label_only(tmp_path: Path) -> None:
    by_name = "  matchResources:\n    namespaceSelector:\n      matchLabels:\n        kubernetes.io/metadata.name: serving\n"
    by_env = "  matchResources:\n    namespaceSelector:\n      matchLabels: {env: prod}\n"
    repo = _repo(
        tmp_path,
        {
            "apps/isvc.yaml": _isvc("a"),
            "policies/p.yaml": _policy("p", MIN2)
            + "---\n"
            + _binding("by-name", "p", extra=by_name)
            + "---\n"
            + _binding("by-env", "p", extra=by_env),
        },
    )
    _, mine, _ = _lint(repo)
    # by-env cannot be decided (the namespace's labels are unknown): it does not match
    assert [("by-name" in f["message"], f["severity"]) for f in mine] == [(True, "error")]


def test_object_selector_exclude_rules_match_conditions(tmp_path: Path) -> None:
    extra = (
        "  matchConditions:\n"
        "    - name: not-canary\n"
        "      expression: \"!object.metadata.name.startsWith('canary')\"\n"
    )
    exclude = (
        "  matchResources:\n"
        "    objectSelector:\n      matchExpressions: [{key: tier, operator: In, values: [gold]}]\n"
        "    excludeResourceRules:\n"
        "      - apiGroups: ['*']\n        apiVersions: ['*']\n        operations: ['*']\n"
        "        resources: ['*']\n        resourceNames: [skipped]\n"
    )
    repo = _repo(
        tmp_path,
        {
            "apps/isvc.yaml": "---\n".join(
                [
                    _isvc("caught"),
                    _isvc("bronze", tier="bronze"),
                    _isvc("skipped"),
                    _isvc("canary-x"),
                    _isvc("fine", replicas=3),
                ]
            ),
            "policies/p.yaml": _policy("p", MIN2, extra=extra)
            + "---\n"
            + _binding("b", "p", extra=exclude),
        },
    )
    _, mine, _ = _lint(repo)
    assert [f["object"] for f in mine] == ["InferenceService/serving/caught"]


def test_crd_plural_maps_kind_to_resource(tmp_path: Path) -> None:
    crd = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gooses.example.com
spec:
  group: example.com
  names: {kind: Goose, plural: geese, singular: goose, listKind: GooseList}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
"""
    goose = "apiVersion: example.com/v1\nkind: Goose\nmetadata: {name: g, namespace: n}\nspec: {}\n"
    check = '    - expression: "has(object.spec.size)"\n'
    repo = _repo(
        tmp_path,
        {
            "apps/kustomization.yaml": "resources: [crd.yaml, goose.yaml, policy.yaml]\n",
            "apps/crd.yaml": crd,
            "apps/goose.yaml": goose,
            "apps/policy.yaml": _policy("geese", check, resources="[geese]", groups="[example.com]")
            + "---\n"
            + _policy("gooses", check, resources="[gooses]", groups="[example.com]").replace(
                "name: gooses", "name: guessed"
            )
            + "---\n"
            + _binding("b1", "geese")
            + "---\n"
            + _binding("b2", "guessed"),
        },
    )
    _, mine, _ = _lint(repo)
    assert [m["message"].split("'")[1] for m in mine] == ["geese"]


# --- params, severities, expressions ---------------------------------------------------------


def test_params_from_the_render_and_a_missing_param_is_one_info(tmp_path: Path) -> None:
    extra = "  paramKind:\n    apiVersion: v1\n    kind: ConfigMap\n"
    check = (
        '    - expression: "object.spec.predictor.minReplicas >= int(params.data.min)"\n'
        "      messageExpression: \"'at least ' + params.data.min\"\n"
    )
    ref = (
        "  paramRef:\n    name: {name}\n    namespace: serving\n    parameterNotFoundAction: Deny\n"
    )
    repo = _repo(
        tmp_path,
        {
            "apps/isvc.yaml": _isvc("a", replicas=2) + "---\n" + _isvc("b", replicas=4),
            "apps/limits.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: limits, namespace: serving}\ndata: {min: '3'}\n",
            "policies/p.yaml": _policy("p", check, extra=extra)
            + "---\n"
            + _binding("found", "p", "[Warn, Audit]", ref.format(name="limits"))
            + "---\n"
            + _binding("missing", "p", "[Deny]", ref.format(name="nope")),
        },
        config="policies: [policies/p.yaml]\n",
    )
    _, mine, _ = _lint(repo)
    warn = [f for f in mine if f["severity"] == "warning"]
    assert [(f["object"], "at least 3" in f["message"]) for f in warn] == [
        ("InferenceService/serving/a", True)
    ]
    infos = [f for f in mine if f["severity"] == "info"]
    assert len(infos) == 1 and "'missing'" in infos[0]["message"]
    assert "ConfigMap 'nope'" in infos[0]["message"]
    assert not [f for f in mine if f["severity"] == "error"]


def test_audit_is_info_and_a_runtime_error_is_a_denial(tmp_path: Path) -> None:
    check = '    - expression: "object.spec.predictor.maxReplicas <= 10"\n'
    repo = _repo(
        tmp_path,
        {
            "apps/isvc.yaml": _isvc("a"),
            "apps/p.yaml": _policy("p", check) + "---\n" + _binding("audit", "p", "[Audit]"),
            "apps/q.yaml": _policy("q", check, extra="  failurePolicy: Ignore\n")
            + "---\n"
            + _binding("ignored", "q", "[Deny]"),
        },
    )
    _, mine, _ = _lint(repo)
    # no maxReplicas: the expression errors; Fail (the default) rejects, Ignore does not
    assert [(f["severity"], "resulted in error" in f["message"]) for f in mine] == [("info", True)]


@pytest.mark.parametrize(
    "expression, why",
    [
        ("object.spec.predictor.minReplicas >=", "does not compile"),
        ("object.metadata.name.format.dns1123Label()", "not implemented"),
    ],
)
def test_an_expression_that_does_not_compile_is_one_info(
    tmp_path: Path, expression: str, why: str
) -> None:
    check = f'    - expression: "{expression}"\n'
    repo = _repo(
        tmp_path,
        {
            "apps/isvc.yaml": _isvc("a") + "---\n" + _isvc("b"),
            "apps/p.yaml": _policy("p", check) + "---\n" + _binding("b", "p"),
        },
    )
    code, mine, _ = _lint(repo)
    assert code == 0, why
    assert [(f["severity"], "is not checked" in f["message"]) for f in mine] == [("info", True)]
    assert mine[0]["object"].startswith("ValidatingAdmissionPolicy/")


def test_no_policies_no_findings_and_rendered_policy_scoped_to_its_environment(
    tmp_path: Path,
) -> None:
    files = {
        "m/base/kustomization.yaml": "resources: [isvc.yaml]\n",
        "m/base/isvc.yaml": _isvc("a").replace("  namespace: serving\n", ""),
        "m/overlays/dev/kustomization.yaml": "resources: [../../base]\n",
        "m/overlays/prod/kustomization.yaml": "resources: [../../base, p.yaml]\n",
        "m/overlays/prod/p.yaml": _policy("p", MIN2) + "---\n" + _binding("b", "p"),
    }
    repo = _repo(tmp_path, files)
    _, mine, _ = _lint(repo)
    assert [f["environment"] for f in mine] == ["prod"]
    (repo / "m/overlays/prod/kustomization.yaml").write_text("resources: [../../base]\n")
    (repo / "m/overlays/prod/p.yaml").unlink()
    assert _lint(repo)[1] == []


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entry, says",
    [
        ("../outside.yaml", "leads out"),
        ("nope.yaml", "does not exist"),
        ("/etc/passwd", "absolute"),
    ],
)
def test_policies_entry_refused_with_one_sentence(tmp_path: Path, entry: str, says: str) -> None:
    (tmp_path / "outside.yaml").write_text(_policy("p", MIN2))
    repo = _repo(tmp_path, {"apps/isvc.yaml": _isvc("a")}, config=f"policies: ['{entry}']\n")
    code, _, output = _lint(repo)
    assert code == 2 and says in output and "Traceback" not in output


def test_policies_file_with_broken_yaml_is_one_sentence(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path,
        {"apps/isvc.yaml": _isvc("a"), "policies/p.yaml": "kind: [unclosed\n"},
        config="policies: [policies]\n",
    )
    code, _, output = _lint(repo)
    assert code == 2 and "policies/p.yaml" in output and "Traceback" not in output


# --- units --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, resource",
    [
        ("Pod", "pods"),
        ("Endpoints", "endpoints"),
        ("NetworkPolicy", "networkpolicies"),
        ("Ingress", "ingresses"),
        ("InferenceService", "inferenceservices"),
        ("PyTorchJob", "pytorchjobs"),
    ],
)
def test_guess_resource_is_the_apimachinery_guess(kind: str, resource: str) -> None:
    assert admission.guess_resource(kind) == resource


def test_selector_three_valued() -> None:
    known = frozenset({admission.NAME_LABEL})
    labels = {admission.NAME_LABEL: "prod"}
    sel = admission.selector_matches
    assert sel({"matchLabels": {admission.NAME_LABEL: "prod"}}, labels, known_keys=known)
    assert sel({"matchLabels": {admission.NAME_LABEL: "dev"}}, labels, known_keys=known) is False
    assert sel({"matchLabels": {"env": "prod"}}, labels, known_keys=known) is None
    both = {
        "matchLabels": {"env": "prod"},
        "matchExpressions": [
            {"key": admission.NAME_LABEL, "operator": "NotIn", "values": ["prod"]}
        ],
    }
    assert sel(both, labels, known_keys=known) is False  # one known requirement fails
