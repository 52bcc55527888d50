"""The sarif, github and markdown reporters over real lint runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from gitops_ml.cli import main
from gitops_ml.findings import Finding, Severity
from gitops_ml.lint.engine import LintOptions, LintResult, run_lint
from gitops_ml.lint.reporters import REPORTERS, github, markdown, sarif

FIXTURES = Path(__file__).parent / "rules"
SARIF_SCHEMA = Path("/work/shared/testdata/schemas/sarif-schema-2.1.0.json")


def _repo(tmp_path: Path, fixture: str = "controller-missing-path/bad/repo") -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / fixture, root)
    return root


def _lint(root: Path) -> LintResult:
    return run_lint(LintOptions(paths=(root,), root=root))


def _suppress_one(root: Path) -> None:
    app = root / "clusters" / "dev" / "app.yaml"
    text = app.read_text(encoding="utf-8").replace(
        "    path: models/fraud/overlays/canary",
        "    # gitops-ml: ignore[controller-missing-path] the canary lands next week\n"
        "    path: models/fraud/overlays/canary",
    )
    app.write_text(text, encoding="utf-8")


def test_all_formats_are_registered() -> None:
    assert {"text", "json", "sarif", "github", "markdown"} <= set(REPORTERS)


def test_sarif_validates_against_the_official_schema(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _suppress_one(root)
    result = _lint(root)
    data = json.loads(sarif.render(result))
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(data)
    run = data["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    described = rules["controller-missing-path"]
    assert described["defaultConfiguration"]["level"] == "error"
    assert described["shortDescription"]["text"].startswith("a GitOps controller deploys")
    assert "## Why is this bad?" in described["help"]["markdown"]
    by_rule = [r for r in run["results"] if r["ruleId"] == "controller-missing-path"]
    assert len(by_rule) == 2
    suppressed = [r for r in by_rule if "suppressions" in r]
    assert [s["suppressions"][0]["kind"] for s in suppressed] == ["inSource"]
    located = by_rule[0]["locations"][0]["physicalLocation"]
    assert not located["artifactLocation"]["uri"].startswith("/")
    assert located["region"]["startLine"] >= 1
    assert run["tool"]["driver"]["rules"][by_rule[0]["ruleIndex"]]["id"] == by_rule[0]["ruleId"]


def test_sarif_of_a_clean_repo_is_valid(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    data = json.loads(sarif.render(_lint(root)))
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(data)
    assert data["runs"][0]["results"] == []


def test_github_annotations_escape_data_and_properties() -> None:
    finding = Finding(
        rule="r-1",
        severity=Severity.WARNING,
        message="50% done\r\nnext: a, b",
        file="a,b:c.yaml",
        line=3,
        column=7,
    )
    line = github.annotation(finding)
    assert line == (
        "::warning file=a%2Cb%3Ac.yaml,line=3,col=7,title=gitops-ml r-1::50%25 done%0D%0Anext: a, b"
    )
    info = Finding(rule="r", severity=Severity.INFO, message="m", file=None)
    assert github.annotation(info) == "::notice title=gitops-ml r::m"


def test_github_format_through_the_cli(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    out = CliRunner().invoke(main, ["lint", str(root), "--format", "github"])
    assert out.exit_code == 1
    errors = [line for line in out.output.splitlines() if line.startswith("::error ")]
    assert any(
        "file=clusters/dev/app.yaml,line=11,col=5,title=gitops-ml controller-missing-path::" in e
        for e in errors
    )


def test_markdown_groups_by_environment(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _suppress_one(root)
    text = markdown.render(_lint(root))
    assert text.startswith("### gitops-ml lint")
    assert "| environment | errors | warnings | info | suppressed |" in text
    assert "| dev | " in text and "| staging | " in text
    assert "<details><summary><b>staging</b>" in text
    assert text.count("<details>") == text.count("</details>")
    assert "more finding(s) not shown" not in text


def test_markdown_is_cut_under_githubs_comment_limit(tmp_path: Path) -> None:
    result = _lint(tmp_path)
    many = tuple(
        Finding(
            rule="schema-invalid",
            severity=Severity.ERROR,
            message="x" * 200 + f" <{i}> | pipe",
            file=f"models/m{i}/overlays/prod/kustomization.yaml",
            line=i,
            environment=("prod", "dev", None)[i % 3],
        )
        for i in range(2000)
    )
    big = LintResult(root=result.root, findings=many)
    text = markdown.render(big)
    assert len(text) < 65_536
    assert len(text) <= markdown.LIMIT
    assert text.count("<details>") == text.count("</details>")
    shown = text.count("| :x: error |")
    assert f"**{2000 - shown} more finding(s) not shown**" in text
    assert "&lt;1&gt; \\| pipe" in text
