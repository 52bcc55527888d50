"""The lint pipeline end to end: CLI contract, corpus, positions, config."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import write_tree

from gitops_ml.cli import main
from gitops_ml.lint.engine import LintOptions, run_lint

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: churn
spec:
  replicas: 1
  selector:
    matchLabels:
      app: churn
  template:
    metadata:
      labels:
        app: churn
    spec:
      containers:
      - name: server
        image: ghcr.io/acme/churn-serve
        ports:
        - containerPort: 8080
"""


def _repo(tmp_path: Path) -> Path:
    return write_tree(
        tmp_path / "repo",
        {
            "models/churn/base/kustomization.yaml": "resources:\n- deployment.yaml\n",
            "models/churn/base/deployment.yaml": DEPLOYMENT,
            "models/churn/overlays/dev/kustomization.yaml": (
                "resources:\n- ../../base\nnamespace: ml-dev\n"
                "images:\n- name: ghcr.io/acme/churn-serve\n  newTag: 2.0.1\n"
            ),
            "models/churn/overlays/prod/kustomization.yaml": (
                "resources:\n- ../../base\nnamespace: ml-prod\n"
                "# the version prod serves\n"
                "images:\n- name: ghcr.io/acme/churn-serve\n  newTag: 2.0.0\n"
                "patches:\n- path: replicas.yaml\n"
            ),
            "models/churn/overlays/prod/replicas.yaml": (
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: churn\n"
                "spec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n"
                "      - name: server\n        ports:\n        - containerPort: 8080\n"
            ),
        },
    )


def _lint(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["lint", *args])
    return result.exit_code, result.stdout, result.stderr


def test_clean_repository_exits_zero_and_reports_json_contract(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    code, out, _ = _lint(str(root), "--format", "json")
    data = json.loads(out)
    errors = [f for f in data["findings"] if f["severity"] == "error"]
    assert code == 0, errors
    assert set(data["summary"]) >= {"error", "warning", "info", "suppressed", "overlays"}
    assert data["summary"]["overlays"] == 2
    for finding in data["findings"]:
        assert set(finding) >= {
            "rule",
            "severity",
            "message",
            "file",
            "line",
            "column",
            "object",
            "environment",
            "overlay",
        }


def test_finding_in_a_patch_points_at_the_patch_line(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    patch = root / "models/churn/overlays/prod/replicas.yaml"
    patch.write_text(patch.read_text().replace("replicas: 3", "replicas: three"))
    result = run_lint(LintOptions(paths=(root,)))
    found = [f for f in result.findings if f.rule == "schema-invalid"]
    assert [(f.file, f.line, f.environment) for f in found] == [
        ("models/churn/overlays/prod/replicas.yaml", 6, "prod")
    ]
    assert str(found[0].object) == "Deployment/ml-prod/churn"
    assert found[0].overlay == "models/churn/overlays/prod"


def test_finding_in_a_base_points_at_the_base_file_for_each_environment(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    base = root / "models/churn/base/deployment.yaml"
    base.write_text(base.read_text().replace("containerPort: 8080", "containerPort: http"))
    result = run_lint(LintOptions(paths=(root,)))
    found = sorted(
        (f.file, f.line, f.environment) for f in result.findings if f.rule == "schema-invalid"
    )
    # both environments carry the base's bad port (prod's patch merges another one in)
    assert sorted((file, env or "") for file, _, env in found) == [
        ("models/churn/base/deployment.yaml", "dev"),
        ("models/churn/base/deployment.yaml", "prod"),
    ]
    assert ("models/churn/base/deployment.yaml", 19, "dev") in found


def test_lint_of_one_file_renders_only_the_overlays_it_affects(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    prod_patch = root / "models/churn/overlays/prod/replicas.yaml"
    result = run_lint(LintOptions(paths=(prod_patch,), root=root))
    assert result.overlays == 1
    assert result.context is not None
    assert [o.environment for o in result.context.overlays] == ["prod"]
    result = run_lint(LintOptions(paths=(root / "models/churn/base/deployment.yaml",), root=root))
    assert result.overlays == 2


def test_environment_filter(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    result = run_lint(LintOptions(paths=(root,), environments=("dev",)))
    assert result.overlays == 1


def test_missing_path_is_a_usage_error_in_one_sentence(tmp_path: Path) -> None:
    code, out, err = _lint(str(tmp_path / "nope"))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "does not exist" in err
    assert "Traceback" not in err


def test_fail_on_threshold_decides_the_exit_code(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "r",
        {"x.yaml": "apiVersion: apps/v1\nkind: DeploymentConfig\nmetadata:\n  name: t\n"},
    )
    assert _lint(str(root))[0] == 0  # unknown-kind of a built-in group is a warning
    assert _lint(str(root), "--fail-on", "warning")[0] == 1


def test_invalid_config_names_the_key_and_line(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / "gitops-ml.yaml").write_text("kubernetesVersion: '1.33'\nenvironmnets:\n- name: dev\n")
    code, _, err = _lint(str(root))
    assert code == 2
    assert "gitops-ml.yaml:2" in err and "environmnets" in err


def test_config_environment_namespace_and_kubernetes_version(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / "gitops-ml.yaml").write_text(
        "kubernetesVersion: '1.30'\nenvironments:\n- name: dev\n  namespace: ml-dev\n"
        "- name: prod\n  namespace: ml-prod\n"
    )
    result = run_lint(LintOptions(paths=(root,)))
    assert result.kubernetes_version == "1.30"
    assert result.environments == ("dev", "prod")


def test_unsupported_kubernetes_version_is_a_usage_error(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    code, _, err = _lint(str(root), "--kubernetes-version", "1.10")
    assert code == 2 and "older than the oldest" in err


def test_folder_of_plain_manifests_is_linted(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "r", {"apps/deploy.yaml": DEPLOYMENT.replace("replicas: 1", "replicas: one")}
    )
    result = run_lint(LintOptions(paths=(root,)))
    found = [(f.rule, f.file, f.line) for f in result.findings if f.rule == "schema-invalid"]
    assert found == [("schema-invalid", "apps/deploy.yaml", 6)]


def test_non_kubernetes_yaml_is_not_reported(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "r",
        {"values.yaml": "replicaCount: 2\nimage: {tag: x}\n", "mkdocs.yml": "site_name: x\n"},
    )
    result = run_lint(LintOptions(paths=(root,)))
    assert result.findings == ()


def test_corpus_lints_without_crash_and_every_finding_names_a_file(corpus_copy: Path) -> None:
    code, out, err = _lint(str(corpus_copy), "--format", "json")
    assert code == 1, err
    data = json.loads(out)
    assert data["findings"]
    assert all(f["file"] for f in data["findings"])
    by_rule = {(f["rule"], f["file"]) for f in data["findings"]}
    assert (
        "schema-invalid",
        "kserve__kserve/docs/samples/explanation/alibi/income/income.yaml",
    ) in by_rule
    assert (
        "missing-reference",
        "argoproj__argocd-example-apps/plugins/kustomized-helm/kustomization.yaml",
    ) in by_rule
    # the upstream file with trailing tabs builds with kustomize: never an error
    tabs = "kustomize-guestbook/guestbook-ui-svc.yaml"
    assert not [
        f for f in data["findings"] if f["file"].endswith(tabs) and f["severity"] == "error"
    ]


def test_a_file_with_trailing_tabs_is_still_validated_at_its_line(corpus_copy: Path) -> None:
    svc = corpus_copy / "argoproj__argocd-example-apps/kustomize-guestbook/guestbook-ui-svc.yaml"
    svc.write_bytes(svc.read_bytes().replace(b"port: 80", b"port: eighty"))
    result = run_lint(LintOptions(paths=(svc.parent,), root=corpus_copy))
    found = [(f.rule, f.file, f.line) for f in result.findings if f.severity.name == "ERROR"]
    assert found == [("schema-invalid", svc.relative_to(corpus_copy).as_posix(), 7)]


def test_schemastore_kustomization_instances_are_classified(
    shared_testdata: Path, tmp_path: Path
) -> None:
    instances = shared_testdata / "schemas" / "schemastore-instances"
    for kind, should_fail in (("test", False), ("negative_test", True)):
        for sample in sorted((instances / kind / "kustomization").iterdir()):
            root = tmp_path / kind / sample.stem
            root.mkdir(parents=True)
            shutil.copy(sample, root / "kustomization.yaml")
            result = run_lint(LintOptions(paths=(root,), root=root))
            fired = [f for f in result.findings if f.rule == "kustomization-schema"]
            assert bool(fired) == should_fail, (sample.name, fired)


@pytest.mark.parametrize("engine", ["pykustomize", "kubectl"])
def test_both_engines_give_the_same_findings(corpus_copy: Path, engine: str) -> None:
    reference = run_lint(LintOptions(paths=(corpus_copy,), engine="pykustomize"))
    other = run_lint(LintOptions(paths=(corpus_copy,), engine=engine))

    def keys(r: object) -> list[tuple[str, str | None, int | None]]:
        return sorted(
            (f.rule, f.file, f.line)
            for f in r.findings  # type: ignore[attr-defined]
            if f.rule != "build-failed"
        )

    assert keys(reference) == keys(other)


def test_unknown_env_is_a_usage_error_listing_the_known_ones(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    code, out, err = _lint(str(root), "--env", "prod", "--env", "nosuchenv")
    assert code == 2 and out == ""
    assert "--env 'nosuchenv' is not an environment of this repository; known: dev, prod" in err


def test_env_filters_source_findings_too(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    dev = root / "models/churn/overlays/dev/kustomization.yaml"
    dev.write_text(dev.read_text().replace("- ../../base\n", "- ../../base\n- gone.yaml\n"))
    every = run_lint(LintOptions(paths=(root,)))
    assert [(f.file, f.environment) for f in every.findings if f.rule == "missing-reference"] == [
        ("models/churn/overlays/dev/kustomization.yaml", "dev")
    ]
    prod = run_lint(LintOptions(paths=(root,), environments=("prod",)))
    assert {f.environment for f in prod.findings} <= {None, "prod"}
    assert not [f for f in prod.findings if f.rule == "missing-reference"]


def test_env_filters_repository_findings_too(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    dev = root / "models/churn/overlays/dev/kustomization.yaml"
    dev.write_text(
        dev.read_text().replace("newTag: 2.0.1", "newTag: 2.0.1  # gitops-ml: ignore[x]")
    )
    every = run_lint(LintOptions(paths=(root,)))
    unexplained = {
        (f.file, f.environment) for f in every.findings if f.rule == "suppression-unexplained"
    }
    assert unexplained == {("models/churn/overlays/dev/kustomization.yaml", "dev")}
    prod = run_lint(LintOptions(paths=(root,), environments=("prod",)))
    assert {f.environment for f in prod.findings} <= {None, "prod"}
    assert not [f for f in prod.findings if f.rule == "suppression-unexplained"]


@pytest.mark.parametrize("version", ["1.99", "2.0", "1.10"])
def test_kubernetes_version_outside_the_bundled_range_names_the_range(
    tmp_path: Path, version: str
) -> None:
    from gitops_ml.schemas import available_versions

    versions = available_versions()
    code, _, err = _lint(str(_repo(tmp_path)), "--kubernetes-version", version)
    assert code == 2
    assert f"the bundled schemas cover Kubernetes {versions[0]} to {versions[-1]}" in err
    assert err.count("\n") == 1


def test_kubernetes_version_inside_the_range_is_used(tmp_path: Path) -> None:
    from gitops_ml.schemas import available_versions

    newest = available_versions()[-1]
    result = run_lint(LintOptions(paths=(_repo(tmp_path),), kubernetes_version=newest))
    assert result.kubernetes_version == newest


def test_config_kubernetes_version_outside_the_range_names_the_file(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / "gitops-ml.yaml").write_text("kubernetesVersion: '1.99'\n")
    code, _, err = _lint(str(root))
    assert code == 2
    assert "kubernetesVersion in gitops-ml.yaml: Kubernetes 1.99 is newer than" in err


def test_env_of_plain_manifest_folders_is_known(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", {"clusters/prod/deploy.yaml": DEPLOYMENT})
    code, out, err = _lint(str(root), "--env", "prod", "--format", "json")
    assert code in (0, 1), err
    assert json.loads(out)["summary"]["objects"] == 1
    code, _, err = _lint(str(root), "--env", "dev")
    assert code == 2 and "known: prod" in err
