"""Matching a rendered name to the name written in a source file."""

from __future__ import annotations

import pytest

from gitops_ml.lint.locate import _names_match


@pytest.mark.parametrize(
    ("rendered", "written"),
    [
        ("det", "det"),
        ("prod-det", "det"),
        ("det-v2", "det"),
        ("cfg-5h2k4m", "cfg"),
        ("a.det", "det"),
    ],
)
def test_a_prefix_suffix_or_hash_around_the_name_matches(rendered: str, written: str) -> None:
    assert _names_match(rendered, written)


@pytest.mark.parametrize(
    ("rendered", "written"), [("det2", "det"), ("prod-det2", "det"), ("detector", "det"), ("x", "")]
)
def test_a_name_inside_another_word_does_not_match(rendered: str, written: str) -> None:
    assert not _names_match(rendered, written)
