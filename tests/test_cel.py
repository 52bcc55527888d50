"""CEL: the Kubernetes library, the rule trees of CRDs, and cel-invalid through the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gitops_ml import cel, crdrules
from gitops_ml.cli import main
from gitops_ml.crdschema import convert_crd
from gitops_ml.lint.engine import LintOptions, run_lint
from gitops_ml.schemas import SchemaRegistry

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "schemas" / "crds"
FIXTURES = Path(__file__).parent / "rules" / "cel-invalid"


def _eval(expr: str, this: Any = None) -> Any:
    return cel.evaluate(cel.compile(expr, cel.CRD_VARIABLES), {"self": this})


# --- the library, function by function ------------------------------------------------

LIBRARY = [
    # strings extension (cel-go ext.Strings, in the runtime)
    ("'AbC'.lowerAscii()", "abc"),
    ("'abc'.upperAscii()", "ABC"),
    ("'a,b'.split(',')", ["a", "b"]),
    ("['a', 'b'].join('-')", "a-b"),
    ("'aXb'.replace('X', 'Y')", "aYb"),
    ("'  x '.trim()", "x"),
    ("'abc'.indexOf('c')", 2),
    ("'abcc'.lastIndexOf('c')", 3),
    ("'abc'.substring(1)", "bc"),
    ("'%s-%d'.format(['a', 1])", "a-1"),
    # lists
    ("[1, 2, 3].isSorted()", True),
    ("['b', 'a'].isSorted()", False),
    ("[1, 2].sum()", 3),
    ("[1.5, 2.0].sum()", 3.5),
    ("[].sum()", 0),
    ("[3, 1, 2].min()", 1),
    ("[3, 1, 2].max()", 3),
    ("[1, 2, 2].indexOf(2)", 1),
    ("[1, 2, 2].lastIndexOf(2)", 2),
    ("[1, 2].indexOf(3)", -1),
    ("[true].indexOf(1)", -1),  # a bool is not a number
    # regex
    ("'abc123def45'.find('[0-9]+')", "123"),
    ("'abc'.find('[0-9]+')", ""),
    ("'a1b2c3'.findAll('[0-9]')", ["1", "2", "3"]),
    ("'a1b2c3'.findAll('[0-9]', 2)", ["1", "2"]),
    ("'Abc'.matches('^(?i)a')", True),  # the runtime's RE2
    # sets
    ("sets.contains([1, 2, 3], [1, 3])", True),
    ("sets.contains([1], [1, 2])", False),
    ("sets.equivalent([1, 2], [2, 1, 1])", True),
    ("sets.intersects([1, 2], [3])", False),
    # url
    ("isURL('https://example.com/x')", True),
    ("isURL('/absolute/path')", True),
    ("isURL('relative/path')", False),
    ("isURL('https://exa mple.com')", False),
    ("url('https://u@example.com:8443/a%20b?x=1&x=2').getScheme()", "https"),
    ("url('https://u@example.com:8443/a%20b?x=1&x=2').getHost()", "example.com:8443"),
    ("url('https://[::1]:80/').getHostname()", "::1"),
    ("url('https://example.com:8443/').getPort()", "8443"),
    ("url('https://example.com/').getPort()", ""),
    ("url('https://example.com/a%20b').getEscapedPath()", "/a%20b"),
    ("url('https://example.com/?x=1&x=2&y=').getQuery()", {"x": ["1", "2"], "y": [""]}),
    # ip and cidr
    ("isIP('10.0.0.1')", True),
    ("isIP('::ffff:10.0.0.1')", False),  # Kubernetes refuses IPv4-mapped IPv6
    ("isIP('010.0.0.1')", False),
    ("ip('10.0.0.1').family()", 4),
    ("ip('fe80::1').family()", 6),
    ("ip('127.0.0.1').isLoopback()", True),
    ("ip('0.0.0.0').isUnspecified()", True),
    ("ip('169.254.1.1').isLinkLocalUnicast()", True),
    ("ip('224.0.0.1').isLinkLocalMulticast()", True),
    ("ip('10.0.0.1').isGlobalUnicast()", True),  # Go counts private ranges
    ("ip.isCanonical('2001:db8::1')", True),
    ("ip.isCanonical('2001:db8:0::1')", False),
    ("string(ip('10.0.0.1'))", "10.0.0.1"),
    ("ip('10.0.0.1') == ip('10.0.0.1')", True),
    ("isCIDR('10.0.0.0/8')", True),
    ("isCIDR('10.0.0.0')", False),
    ("cidr('10.0.0.0/8').containsIP(ip('10.1.2.3'))", True),
    ("cidr('10.0.0.0/8').containsIP('11.1.2.3')", False),
    ("cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16')", True),
    ("cidr('10.1.0.0/16').containsCIDR(cidr('10.0.0.0/8'))", False),
    ("cidr('10.1.2.3/8').prefixLength()", 8),
    ("string(cidr('10.1.2.3/8').masked())", "10.0.0.0/8"),
    ("cidr('10.1.2.3/8').ip() == ip('10.1.2.3')", True),
    # quantity
    ("isQuantity('1.5Gi')", True),
    ("isQuantity('1.5 Gi')", False),
    ("quantity('1Gi') == quantity('1024Mi')", True),
    ("quantity('1Gi').isGreaterThan(quantity('1G'))", True),
    ("quantity('500m').isLessThan(quantity('1'))", True),
    ("quantity('1k').compareTo(quantity('1000'))", 0),
    ("quantity('-2').sign()", -1),
    ("quantity('1500m').isInteger()", False),
    ("quantity('2k').asInteger()", 2000),
    ("quantity('1.5').asApproximateFloat()", 1.5),
    ("quantity('1').add(quantity('500m')) == quantity('1.5')", True),
    ("quantity('2').sub(1) == quantity('1')", True),
    ("quantity('1e3') == quantity('1k')", True),
    # optional types, has(), macros (the runtime's own)
    ("self.?a.orValue(5)", 1),
    ("self.?missing.?deeper.orValue(5)", 5),
    ("has(self.a) && !has(self.missing)", True),
    ("[1, 2, 3].all(x, x > 0) && [1, 2].exists(x, x == 2)", True),
    ("[1, 2, 2].exists_one(x, x == 2)", False),
    ("[1, 2, 3].map(x, x * 2)", [2, 4, 6]),
    ("[1, 2, 3].filter(x, x > 1)", [2, 3]),
    ("cel.bind(x, 2, x * x)", 4),
]


@pytest.mark.parametrize(("expr", "expected"), LIBRARY)
def test_kubernetes_library_function(expr: str, expected: Any) -> None:
    assert _eval(expr, {"a": 1}) == expected


@pytest.mark.parametrize(
    "expr",
    [
        "quantity('1 Gi')",  # not a quantity
        "[].min()",
        "url('not a url')",
        "ip('10.0.0.256')",
        "cidr('10.0.0.0/33')",
        "quantity('1.5').asInteger()",
        "self.missing > 1",  # no such key, as in the API server
    ],
)
def test_an_error_in_a_function_is_an_evaluation_error(expr: str) -> None:
    with pytest.raises(cel.CelEvalError):
        _eval(expr, {"a": 1})


@pytest.mark.parametrize(
    "expr",
    [
        "!format.dns1123Label().validate(self).hasValue()",  # the format library
        "isSemver('1.2.3')",
        "[1, 2].all(i, v, v > i)",  # two-variable comprehensions
        "self.size(",  # a syntax error
    ],
)
def test_what_is_not_implemented_does_not_compile(expr: str) -> None:
    with pytest.raises(cel.CelCompileError):
        cel.compile(expr, cel.CRD_VARIABLES)


def test_a_regex_python_reads_differently_is_unsupported_not_an_error() -> None:
    with pytest.raises(cel.CelUnsupported):
        _eval("'ab'.find('(?<name>a)')")


def test_programs_are_compiled_once_per_process() -> None:
    expr = "self.replicas >= 1 && self.replicas <= 64"
    first = cel.compile_cached(expr, cel.CRD_VARIABLES)
    assert cel.compile_cached(expr, cel.CRD_VARIABLES) is first


@pytest.mark.parametrize(
    ("name", "escaped"),
    [
        ("namespace", "__namespace__"),
        ("foo-bar", "foo__dash__bar"),
        ("a.b/c", "a__dot__b__slash__c"),
        ("x__y", "x__underscores__y"),
        ("plain", "plain"),
    ],
)
def test_property_names_are_escaped_as_in_kubernetes(name: str, escaped: str) -> None:
    assert cel.escape(name) == escaped


def test_field_path_is_read_as_json_path() -> None:
    assert crdrules.parse_field_path(".spec.limits['a.b'][2]") == ("spec", "limits", "a.b", 2)
    assert crdrules.parse_field_path("not a path") == ()


def test_every_bundled_rule_compiles() -> None:
    rules = set()
    for path in sorted(BUNDLE.rglob("*.cel.json")):
        rules.update(crdrules.iter_rules(json.loads(path.read_text(encoding="utf-8"))))
    assert len(rules) >= 140  # 143 distinct rules in the bundled CRDs
    failed = {}
    for expr in sorted(rules):
        try:
            cel.compile(expr, cel.CRD_VARIABLES)
        except cel.CelCompileError as exc:
            failed[expr] = str(exc)
    assert failed == {}


# --- rule trees ----------------------------------------------------------------------------


def _crd(spec_schema: dict[str, Any], status: bool = False) -> dict[str, Any]:
    version: dict[str, Any] = {
        "name": "v1",
        "served": True,
        "storage": True,
        "schema": {
            "openAPIV3Schema": {
                "type": "object",
                "properties": {"spec": spec_schema, "status": {"type": "object"}},
            }
        },
    }
    if status:
        version["subresources"] = {"status": {}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "pools.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Pool", "plural": "pools"},
            "scope": "Namespaced",
            "versions": [version],
        },
    }


def _tree(spec_schema: dict[str, Any]) -> dict[str, Any]:
    rules = convert_crd(_crd(spec_schema))[0].rules
    assert rules is not None
    return rules


def _pool(spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "example.com/v1", "kind": "Pool", "metadata": {"name": "p"}, "spec": spec}


def test_a_crd_without_rules_has_no_tree() -> None:
    assert convert_crd(_crd({"type": "object"}))[0].rules is None


def test_a_missing_field_without_has_guard_rejects_the_object() -> None:
    tree = _tree({"type": "object", "x-kubernetes-validations": [{"rule": "self.size > 0"}]})
    outcome = crdrules.check_object(tree, _pool({}))
    assert [f.path for f in outcome.failures] == [("spec",)]
    assert "failed rule: self.size > 0" in outcome.failures[0].message


def test_defaults_are_applied_before_the_rules() -> None:
    schema = {
        "type": "object",
        "properties": {"size": {"type": "integer", "default": 3}},
        "x-kubernetes-validations": [{"rule": "self.size == 3"}],
    }
    assert crdrules.check_object(_tree(schema), _pool({})).failures == []
    assert len(crdrules.check_object(_tree(schema), _pool({"size": 4})).failures) == 1


def test_rules_below_items_run_per_element_and_point_at_it() -> None:
    schema = {
        "type": "object",
        "properties": {
            "ports": {
                "type": "array",
                "items": {
                    "type": "integer",
                    "x-kubernetes-validations": [{"rule": "self > 1024", "message": "high"}],
                },
            }
        },
    }
    outcome = crdrules.check_object(_tree(schema), _pool({"ports": [8080, 80, 9090, 22]}))
    assert [f.path for f in outcome.failures] == [("spec", "ports", 1), ("spec", "ports", 3)]
    assert outcome.evaluated == 4


def test_transition_rules_are_counted_not_judged() -> None:
    schema = {
        "type": "object",
        "x-kubernetes-validations": [{"rule": "self == oldSelf", "message": "immutable"}],
    }
    tree = _tree(schema)
    outcome = crdrules.check_object(tree, _pool({"a": 1}))
    assert outcome.failures == [] and outcome.evaluated == 0
    assert outcome.transition == {"self == oldSelf"}
    assert crdrules.transition_rules(tree) == ["self == oldSelf"]


def test_status_is_not_validated_under_the_status_subresource() -> None:
    crd = _crd({"type": "object"}, status=True)
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["x-kubernetes-validations"] = [
        {"rule": "!has(self.status)"}
    ]
    tree = convert_crd(crd)[0].rules
    assert tree is not None
    obj = {**_pool({}), "status": {"ready": True}}
    assert crdrules.check_object(tree, obj).failures == []


# --- through the CLI -------------------------------------------------------------------------


def test_cli_reports_failures_the_uncompiled_rule_once_and_the_transition_count(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "bad" / "library", repo)
    result = CliRunner().invoke(main, ["lint", str(repo), "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    mine = [f for f in data["findings"] if f["rule"] == "cel-invalid"]
    infos = [f for f in mine if f["severity"] == "info"]
    assert len(infos) == 1  # two Widgets use the rule; reported once
    assert "Widget CRD (example.com/v1)" in infos[0]["message"]
    assert "format.dns1123Label()" in infos[0]["message"]
    assert sum(1 for f in mine if f["severity"] == "error") == 25
    assert data["summary"]["celTransitionRulesSkipped"] == 1


def test_crds_folder_from_the_config_brings_its_rules(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "apps").mkdir(parents=True)
    crd_file = tmp_path / "pool-crd.json"
    schema = {
        "type": "object",
        "properties": {"size": {"type": "integer"}},
        "x-kubernetes-validations": [{"rule": "self.size <= 8", "message": "at most 8"}],
    }
    crd_file.write_text(json.dumps(_crd(schema)), encoding="utf-8")
    runner = CliRunner()
    imported = runner.invoke(
        main, ["schemas", "import", str(crd_file), "--out", str(repo / "crds")]
    )
    assert imported.exit_code == 0, imported.output
    assert (repo / "crds" / "example.com" / "pool_v1.cel.json").is_file()
    (repo / "gitops-ml.yaml").write_text("crds: [crds]\n", encoding="utf-8")
    (repo / "apps" / "pool.yaml").write_text(
        "apiVersion: example.com/v1\nkind: Pool\nmetadata:\n  name: p\nspec:\n  size: 9\n",
        encoding="utf-8",
    )
    result = run_lint(LintOptions(paths=(repo,), root=repo))
    found = [(f.file, f.line, f.message) for f in result.findings if f.rule == "cel-invalid"]
    assert found == [("apps/pool.yaml", 5, "spec: at most 8")]


def test_kinds_without_rules_read_no_rule_file() -> None:
    registry = SchemaRegistry("1.33")
    assert registry.cel_rules("serving.kserve.io/v1beta1", "InferenceService") is None
    assert registry.cel_rules("apps/v1", "Deployment") is None
    assert registry.cel_rules("trainer.kubeflow.org/v1alpha1", "TrainJob") is not None


def test_a_null_the_schema_does_not_allow_is_pruned_before_the_rules() -> None:
    schema = {
        "type": "object",
        "properties": {
            "port": {"type": "integer"},
            "tuning": {"type": "object", "properties": {"threads": {"type": "integer"}}},
            "note": {"type": "string", "nullable": True},
        },
        "x-kubernetes-validations": [
            {"rule": "!has(self.port) || self.port > 0"},
            {"rule": "!has(self.tuning) || !has(self.tuning.threads) || self.tuning.threads > 0"},
            {"rule": "!has(self.note) || self.note == null"},
        ],
    }
    spec = {"port": None, "tuning": {"threads": None}, "note": None}
    assert crdrules.check_object(_tree(schema), _pool(spec)).failures == []


@pytest.mark.parametrize(
    "content", ["{not json", '{"tree": "x"}', '{"tree": {"rules": [{"rule": 1}]}}', "[]"]
)
def test_a_broken_rule_file_in_a_crds_folder_is_one_sentence_and_exit_2(
    tmp_path: Path, content: str
) -> None:
    repo = tmp_path / "repo"
    (repo / "apps").mkdir(parents=True)
    crd_file = tmp_path / "pool-crd.json"
    schema = {"type": "object", "x-kubernetes-validations": [{"rule": "true"}]}
    crd_file.write_text(json.dumps(_crd(schema)), encoding="utf-8")
    runner = CliRunner()
    imported = runner.invoke(
        main, ["schemas", "import", str(crd_file), "--out", str(repo / "crds")]
    )
    assert imported.exit_code == 0, imported.output
    (repo / "crds" / "example.com" / "pool_v1.cel.json").write_text(content, encoding="utf-8")
    (repo / "gitops-ml.yaml").write_text("crds: [crds]\n", encoding="utf-8")
    (repo / "apps" / "pool.yaml").write_text(
        "apiVersion: example.com/v1\nkind: Pool\nmetadata:\n  name: p\nspec: {}\n", encoding="utf-8"
    )
    result = runner.invoke(main, ["lint", str(repo)])
    assert result.exit_code == 2, result.output
    assert "CEL rule file" in result.output
    assert "Traceback" not in result.output


def test_without_the_runtime_package_one_info_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing() -> None:
        raise cel.CelRuntimeMissing("the CEL runtime cel-expr-python is not installed (test)")

    monkeypatch.setattr(cel, "_runtime", missing)
    cel._env.cache_clear()
    cel.compile_cached.cache_clear()
    try:
        repo = tmp_path / "repo"
        shutil.copytree(FIXTURES / "bad" / "library", repo)
        result = run_lint(LintOptions(paths=(repo,), root=repo))
    finally:
        cel._env.cache_clear()
        cel.compile_cached.cache_clear()
    mine = [f for f in result.findings if f.rule == "cel-invalid"]
    assert [(f.severity.name, "not installed" in f.message) for f in mine] == [("INFO", True)]
