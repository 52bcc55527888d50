"""Config settings, annotations and comments: what is reported and what is counted."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from gitops_ml.cli import main
from gitops_ml.config import RuleSetting
from gitops_ml.findings import Severity
from gitops_ml.lint.engine import LintOptions, LintResult, run_lint

FIXTURES = Path(__file__).parent / "rules"


def _repo(tmp_path: Path, config: str = "") -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "controller-missing-path" / "bad" / "repo", root)
    if config:
        (root / "gitops-ml.yaml").write_text(config, encoding="utf-8")
    return root


def _lint(root: Path) -> LintResult:
    return run_lint(LintOptions(paths=(root,), root=root))


def _of(result: LintResult, rule: str) -> list[tuple[str | None, int | None, str]]:
    return sorted((f.file, f.line, str(f.severity)) for f in result.findings if f.rule == rule)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


ENVS = "environments:\n- name: dev\n- name: staging\n- name: prod\n"


def test_defaults(tmp_path: Path) -> None:
    result = _lint(_repo(tmp_path))
    assert _of(result, "controller-missing-path") == [
        ("clusters/dev/app.yaml", 11, "error"),
        ("clusters/staging/appset.yaml", 12, "error"),
    ]
    assert result.summary()["suppressed"] == 0


def test_rule_off_in_config(tmp_path: Path) -> None:
    result = _lint(_repo(tmp_path, ENVS + "rules:\n  controller-missing-path: off\n"))
    assert _of(result, "controller-missing-path") == []
    assert _of(result, "controller-orphan-overlay")


def test_severity_from_config(tmp_path: Path) -> None:
    config = ENVS + "rules:\n  controller-missing-path: {severity: info}\n"
    result = _lint(_repo(tmp_path, config))
    assert {s for _, _, s in _of(result, "controller-missing-path")} == {"info"}


def test_severity_and_off_per_environment(tmp_path: Path) -> None:
    config = ENVS + (
        "rules:\n"
        "  controller-missing-path:\n"
        "    severity: warning\n"
        "    environments:\n"
        "      staging: {severity: 'off'}\n"
        "  controller-orphan-overlay:\n"
        "    environments:\n"
        "      staging: {severity: error}\n"
    )
    result = _lint(_repo(tmp_path, config))
    assert _of(result, "controller-missing-path") == [("clusters/dev/app.yaml", 11, "warning")]
    assert {s for _, _, s in _of(result, "controller-orphan-overlay")} == {"error"}


def test_options_only_override_keeps_a_rule_off() -> None:
    setting = RuleSetting(
        enabled=False,
        environments={"prod": RuleSetting(options={"x": 1})},
    )
    prod = setting.for_environment("prod")
    assert prod.enabled is False
    assert prod.options == {"x": 1}
    on_in_prod = RuleSetting(
        enabled=False, environments={"prod": RuleSetting(severity=Severity.ERROR)}
    )
    assert on_in_prod.for_environment("prod").enabled is True
    assert on_in_prod.for_environment("dev").enabled is False


def test_options_from_config_reach_the_rule(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "job.yaml").write_text(
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: train}\nspec:\n  template:\n"
        "    spec:\n      restartPolicy: Never\n      containers:\n"
        "        - name: train\n          image: ghcr.io/acme/train:1.0\n",
        encoding="utf-8",
    )
    assert _of(_lint(root), "image-tag-mutable") == []
    (root / "gitops-ml.yaml").write_text(
        "rules:\n  image-tag-mutable:\n    options: {requireDigest: true}\n", encoding="utf-8"
    )
    assert [line for _, line, _ in _of(_lint(root), "image-tag-mutable")] == [10]


def test_comment_on_the_line_and_on_the_line_above(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _edit(
        root / "clusters" / "dev" / "app.yaml",
        "    path: models/fraud/overlays/canary",
        "    path: models/fraud/overlays/canary  # gitops-ml: ignore[controller-missing-path] soon",
    )
    _edit(
        root / "clusters" / "staging" / "appset.yaml",
        "      - path: models/fraud/overlay/staging",
        "      # gitops-ml: ignore[controller-missing-path] migrating the layout\n"
        "      - path: models/fraud/overlay/staging",
    )
    result = _lint(root)
    assert _of(result, "controller-missing-path") == []
    suppressed = [f for f in result.suppressed if f.rule == "controller-missing-path"]
    assert [f.suppressed for f in suppressed] == ["comment", "comment"]
    assert result.summary()["suppressed"] == len(result.suppressed) >= 2
    out = CliRunner().invoke(main, ["lint", str(root)])
    assert f"{len(result.suppressed)} suppressed" in out.output


def test_trailing_comment_on_the_line_above_does_not_suppress(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _edit(
        root / "clusters" / "dev" / "app.yaml",
        "    targetRevision: HEAD\n",
        "    targetRevision: HEAD  # gitops-ml: ignore[controller-missing-path] not this line\n",
    )
    result = _lint(root)
    assert ("clusters/dev/app.yaml", 11, "error") in _of(result, "controller-missing-path")


def test_comment_for_another_rule_does_not_suppress(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _edit(
        root / "clusters" / "dev" / "app.yaml",
        "    path: models/fraud/overlays/canary",
        "    path: models/fraud/overlays/canary  # gitops-ml: ignore[schema-invalid] other",
    )
    result = _lint(root)
    assert ("clusters/dev/app.yaml", 11, "error") in _of(result, "controller-missing-path")


def test_annotation_suppresses_rules_of_that_object(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _edit(
        root / "clusters" / "dev" / "app.yaml",
        "  namespace: argocd\n",
        "  namespace: argocd\n  annotations:\n"
        "    gitops-ml.io/ignore: schema-invalid, controller-missing-path\n",
    )
    result = _lint(root)
    assert ("clusters/dev/app.yaml", 14, "error") not in _of(result, "controller-missing-path")
    assert [f.file for f in result.findings if f.rule == "controller-missing-path"] == [
        "clusters/staging/appset.yaml"
    ]
    assert [f.suppressed for f in result.suppressed if f.rule == "controller-missing-path"] == [
        "annotation"
    ]


def test_annotation_all(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _edit(
        root / "clusters" / "staging" / "appset.yaml",
        "  namespace: argocd\n",
        "  namespace: argocd\n  annotations:\n    gitops-ml.io/ignore: all\n",
    )
    result = _lint(root)
    assert [f.file for f in result.findings if f.rule == "controller-missing-path"] == [
        "clusters/dev/app.yaml"
    ]


def test_a_repository_rule_off_globally_runs_where_one_environment_turns_it_on(
    tmp_path: Path,
) -> None:
    from conftest import write_tree

    from gitops_ml.lint.engine import LintOptions, run_lint

    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
    root = write_tree(
        tmp_path / "repo",
        {
            "gitops-ml.yaml": (
                "environments:\n- name: dev\n- name: prod\n"
                "rules:\n  env-missing-overlay:\n    severity: 'off'\n"
                "    environments:\n      prod: warning\n"
            ),
            "models/a/base/kustomization.yaml": "resources:\n- cm.yaml\n",
            "models/a/base/cm.yaml": cm,
            "models/a/overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
            "models/b/base/kustomization.yaml": "resources:\n- cm.yaml\n",
            "models/b/base/cm.yaml": cm,
            "models/b/overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
        },
    )
    result = run_lint(LintOptions(paths=(root,), root=root))
    found = [(f.rule, f.environment) for f in result.findings if f.rule == "env-missing-overlay"]
    # model a lacks prod (on there); model b lacks dev (off there)
    assert found == [("env-missing-overlay", "prod")]


def _tag_repo(tmp_path: Path) -> Path:
    """mlrepo's churn and fraud; churn's staging runs two images, both tagged `latest`."""
    import mlrepo
    from conftest import write_tree

    root = write_tree(tmp_path / "repo", mlrepo.files())
    staging = root / "models/churn/overlays/staging/kustomization.yaml"
    _edit(
        staging,
        '    newTag: "1.0.0"\n',
        "    newTag: latest\n  - name: ghcr.io/example-org/sidecar\n    newTag: latest\n",
    )
    _edit(
        root / "models/churn/base/deployment.yaml",
        "      containers:\n",
        "      containers:\n        - name: sidecar\n          image: ghcr.io/example-org/sidecar:1\n",
    )
    return root


def _lint_json(root: Path) -> dict[str, Any]:
    import json

    out = CliRunner().invoke(main, ["lint", str(root), "--format", "json"])
    assert out.exit_code in (0, 1), out.output
    data: dict[str, Any] = json.loads(out.output)
    return data


def _mutable(data: dict[str, Any], key: str = "findings") -> list[tuple[str, int]]:
    return sorted((f["file"], f["line"]) for f in data[key] if f["rule"] == "image-tag-mutable")


STAGING = "models/churn/overlays/staging/kustomization.yaml"


def test_comment_above_newtag_suppresses_the_finding_at_its_images_entry(
    tmp_path: Path,
) -> None:
    root = _tag_repo(tmp_path)
    before = _lint_json(root)
    # image-tag-mutable points at the `- name:` line of each images entry
    assert _mutable(before) == [(STAGING, 8), (STAGING, 10)]
    _edit(
        root / STAGING,
        "  - name: ghcr.io/example-org/sidecar\n    newTag: latest\n",
        "  - name: ghcr.io/example-org/sidecar\n"
        "    # gitops-ml: ignore[image-tag-mutable] the sidecar follows its upstream\n"
        "    newTag: latest\n",
    )
    after = _lint_json(root)
    assert _mutable(after) == [(STAGING, 8)]  # the other entry of the list stays reported
    assert _mutable(after, "suppressed") == [(STAGING, 10)]
    assert after["summary"]["suppressed"] == 1
    assert not [f for f in after["findings"] if f["rule"] == "suppression-unexplained"]


def test_trailing_comment_on_newtag_suppresses_and_does_not_leak_to_the_next_entry(
    tmp_path: Path,
) -> None:
    root = _tag_repo(tmp_path)
    _edit(
        root / STAGING,
        "    newTag: latest\n  - name: ghcr.io/example-org/sidecar\n",
        "    newTag: latest  # gitops-ml: ignore[image-tag-mutable] rebuilt nightly\n"
        "  - name: ghcr.io/example-org/sidecar\n",
    )
    data = _lint_json(root)
    assert _mutable(data) == [(STAGING, 10)]
    assert _mutable(data, "suppressed") == [(STAGING, 8)]
