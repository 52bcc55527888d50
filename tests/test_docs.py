"""docs/rules.md is generated and current; every rule is documented, registered, tested."""

from __future__ import annotations

import pkgutil
from pathlib import Path

import pytest

import gitops_ml.lint.rules as rules_pkg
from gitops_ml import docs
from gitops_ml.lint.rules import RULES

ROOT = Path(__file__).resolve().parent.parent


def test_rules_md_is_current() -> None:
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == docs.render(RULES), "run `python -m gitops_ml.docs`"


def test_check_mode_agrees() -> None:
    assert docs.main(["--check"]) == 0


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_docstring_has_the_five_sections_in_order(rule: object) -> None:
    doc = rule.doc  # type: ignore[attr-defined]
    positions = [doc.find(f"\n{section}\n") for section in docs.SECTIONS]
    assert all(p >= 0 for p in positions), f"{rule.id} lacks a section"  # type: ignore[attr-defined]
    assert positions == sorted(positions)
    # the Options section is generated from RULE.options; written by hand it would be twice
    assert "\n## Options\n" not in doc, f"{rule.id}: declare options in Rule(options=...)"  # type: ignore[attr-defined]
    assert doc.lstrip().startswith(f"{rule.id}: ")  # type: ignore[attr-defined]


def test_every_rule_module_is_registered() -> None:
    modules = {m.name for m in pkgutil.iter_modules(rules_pkg.__path__)}
    registered = {r.check.__module__.rsplit(".", 1)[-1] for r in RULES}
    assert modules - registered == set()
    assert len({r.id for r in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_has_good_and_bad_fixtures(rule: object) -> None:
    folder = ROOT / "tests" / "rules" / rule.id  # type: ignore[attr-defined]
    for kind in ("bad", "good"):
        assert any((folder / kind).glob("*")), f"{folder / kind} is empty or missing"
