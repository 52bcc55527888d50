"""Golden fixtures for every rule.

``tests/rules/<rule-id>/bad/*`` must fire exactly on the lines marked
``# expect: <rule-id>``; ``tests/rules/<rule-id>/good/*`` must stay silent for
that rule. A file is linted as a plain manifest (``# env: <name>`` on its
first line puts it in that environment); a folder is linted as a repository.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from gitops_ml.lint.engine import LintOptions, run_lint

RULES_DIR = Path(__file__).parent / "rules"
EXPECT = re.compile(r"#\s*expect:\s*([a-z0-9,\- ]+)\s*$")
ENV = re.compile(r"^#\s*env:\s*([a-z0-9-]+)\s*$")


def _cases(kind: str) -> list[tuple[str, Path]]:
    out = []
    for rule_dir in sorted(RULES_DIR.iterdir()) if RULES_DIR.is_dir() else []:
        for entry in sorted((rule_dir / kind).glob("*")) if (rule_dir / kind).is_dir() else []:
            out.append((rule_dir.name, entry))
    return out


def _materialize(entry: Path, tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    if entry.is_dir():
        shutil.copytree(entry, root)
        return root
    first = entry.read_text(encoding="utf-8").splitlines()[:1]
    match = ENV.match(first[0]) if first else None
    folder = root / "apps" / "fixture" / "overlays" / match.group(1) if match else root
    folder.mkdir(parents=True)
    shutil.copy(entry, folder / entry.name)
    return root


def _expected(root: Path, rule: str) -> set[tuple[str, int]]:
    expected = set()
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(lines, start=1):
            match = EXPECT.search(line)
            if match and rule in {r.strip() for r in match.group(1).split(",")}:
                expected.add((path.relative_to(root).as_posix(), number))
    return expected


def _fired(root: Path, rule: str) -> set[tuple[str, int | None]]:
    result = run_lint(LintOptions(paths=(root,), root=root))
    return {(f.file or "", f.line) for f in result.findings if f.rule == rule}


@pytest.mark.parametrize(("rule", "entry"), _cases("bad"), ids=lambda x: str(x))
def test_bad_fixture_fires_on_marked_lines(rule: str, entry: Path, tmp_path: Path) -> None:
    root = _materialize(entry, tmp_path)
    expected = _expected(root, rule)
    assert expected, f"{entry} marks no line with '# expect: {rule}'"
    assert _fired(root, rule) == expected


@pytest.mark.parametrize(("rule", "entry"), _cases("good"), ids=lambda x: str(x))
def test_good_fixture_is_silent(rule: str, entry: Path, tmp_path: Path) -> None:
    root = _materialize(entry, tmp_path)
    assert _fired(root, rule) == set()
