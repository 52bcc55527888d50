"""Property tests: random input never raises anything but the project's own errors.

The YAML loaders, the kustomization reader (a Repository over a random tree),
path resolution and the origin mapper get random text, random documents and
random trees; only ``gitops_ml.errors`` exceptions may escape, and each
example must end within a few seconds (``_bounded``), never hang.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitops_ml import yamlio
from gitops_ml.errors import GitopsMlError, YamlError
from gitops_ml.kustomizations import Reference, Repository
from gitops_ml.render import _parse_origin

EXAMPLE_BUDGET_S = 20  # a hang, not a slow example on a loaded 2-core machine
STATUSES = {
    "kustomization",
    "file",
    "remote",
    "missing",
    "escapes",
    "not-a-kustomization",
    "directory",
}
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

T = TypeVar("T")


@contextmanager
def _bounded(seconds: int = EXAMPLE_BUDGET_S) -> Iterator[None]:
    """Fail an example that runs too long instead of hanging the suite."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"example ran over {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _only_own_errors(func: Callable[[], T]) -> T | None:
    with _bounded():
        try:
            return func()
        except GitopsMlError:
            return None


# -- strategies -------------------------------------------------------------------------

YAML_PIECES = st.sampled_from(
    [
        "a: 1\n",
        "- x\n",
        "  ",
        "\t",
        "[",
        "]",
        "{",
        "}",
        ": ",
        "- ",
        "&a ",
        "*a ",
        "!!str ",
        "!!python/object:os.system ",
        "---\n",
        "...\n",
        "? ",
        "|\n",
        ">-\n",
        "'",
        '"',
        "#c\n",
        "\n",
        "\r\n",
        "\ufeff",
        "\x00",
        "\x85",
        "é",
        "%YAML 1.1\n",
        "%TAG ! tag:x:\n",
        "<<: *a\n",
        "key",
        "0x1f",
        "1e9",
        "~",
        "null",
        "on",
        "=",
        ",",
    ]
)
yaml_texts = st.one_of(
    st.lists(YAML_PIECES, max_size=40).map("".join),
    st.text(max_size=300),
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=20), st.floats(allow_nan=False)
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
path_parts = st.lists(
    st.one_of(st.text(max_size=6), st.integers(min_value=-3, max_value=5)), max_size=6
)
rel_paths = st.lists(
    st.sampled_from(["..", ".", "a", "b", "base", "/", "/etc", "x.yaml", "é", "", "//", "?ref=1"]),
    max_size=5,
).map("/".join)


# -- the YAML loader ---------------------------------------------------------------------


@FUZZ
@given(yaml_texts)
def test_load_fast_raises_only_yaml_errors(text: str) -> None:
    _only_own_errors(lambda: yamlio.load_fast(text))


@FUZZ
@given(yaml_texts)
def test_load_positioned_raises_only_yaml_errors(text: str) -> None:
    _only_own_errors(lambda: yamlio.load_positioned(text))


@FUZZ
@given(st.binary(max_size=400))
def test_decode_raises_only_yaml_errors(data: bytes) -> None:
    text = _only_own_errors(lambda: yamlio.decode(data, "f.yaml"))
    if text is not None:
        _only_own_errors(lambda: yamlio.load_fast(text))


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=1, max_value=200_000), st.sampled_from(["[", "{a: ", "- "]))
def test_deep_nesting_is_refused_not_crashed(depth: int, opener: str) -> None:
    closer = {"[": "]", "{a: ": "}", "- ": ""}[opener]
    text = "x: " + opener * depth + "1" + closer * depth + "\n"
    for load in (yamlio.load_fast, yamlio.load_positioned):
        try:
            with _bounded():
                load(text)
        except yamlio.LimitError:
            assert depth > yamlio.MAX_DEPTH - 5
        except YamlError:
            pass


# -- the kustomization reader and path resolution -------------------------------------------


trees = st.dictionaries(
    st.lists(
        st.sampled_from(["a", "b", "base", "overlays", "prod", "kustomization.yaml"]),
        min_size=1,
        max_size=3,
    ).map("/".join),
    st.one_of(
        yaml_texts,
        st.fixed_dictionaries(
            {},
            optional={
                "resources": st.lists(rel_paths, max_size=4),
                "components": st.lists(rel_paths, max_size=2),
                "patches": st.lists(st.fixed_dictionaries({"path": rel_paths}), max_size=2),
                "generators": st.lists(rel_paths, max_size=2),
                "helmCharts": st.lists(documents, max_size=2),
            },
        ).map(lambda d: yamlio.dump_plain([d])),
    ),
    max_size=8,
)


def _write_tree(root: Path, tree: dict[str, str]) -> None:
    for rel_path, text in tree.items():
        target = root / rel_path
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_dir():
                continue
            target.write_text(text, encoding="utf-8", errors="surrogatepass")
        except (OSError, UnicodeEncodeError):
            continue


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_repository_on_random_trees(tree: dict[str, str]) -> None:
    root = Path(tempfile.mkdtemp(prefix="gitops-ml-fuzz-"))
    try:
        _write_tree(root, tree)
        repo = _only_own_errors(lambda: Repository(root))
        if repo is None:
            return
        with _bounded():
            from gitops_ml.kustomizations import plugins_of

            for k in repo.kustomizations.values():
                for ref in k.references:
                    _check_reference(root, ref)
                repo.closure(k)
                repo.files_of(k)
                repo.cycle_from(k)
                plugins_of(k)
            repo.cycles  # noqa: B018
            repo.leaves  # noqa: B018
            repo.plain_manifests([root])
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _check_reference(root: Path, ref: Reference) -> None:
    assert ref.status in STATUSES
    if ref.status in ("file", "kustomization", "directory", "not-a-kustomization"):
        assert ref.target is not None
        real = Path(os.path.realpath(ref.target))
        assert real == root.resolve() or root.resolve() in real.parents


@FUZZ
@given(st.lists(rel_paths, max_size=5))
def test_escapes_are_detected(values: list[str]) -> None:
    root = Path(tempfile.mkdtemp(prefix="gitops-ml-fuzz-"))
    try:
        (root / "app").mkdir()
        (root / "app" / "kustomization.yaml").write_text(
            yamlio.dump_plain([{"resources": values}]), encoding="utf-8"
        )
        repo = Repository(root)
        for ref in repo.kustomizations[root / "app"].references:
            _check_reference(root.resolve(), ref)
            if ref.value.startswith("/"):
                assert ref.status in ("escapes", "remote")
    finally:
        shutil.rmtree(root, ignore_errors=True)


# -- the origin mapper -------------------------------------------------------------------------


@FUZZ
@given(st.text(max_size=200))
def test_parse_origin_never_raises(text: str) -> None:
    with _bounded():
        result = _parse_origin(text)
    assert result is None or isinstance(result, str)


@FUZZ
@given(yaml_texts, documents, path_parts)
def test_locate_walk_never_raises(text: str, rendered: Any, path: list[str | int]) -> None:
    loaded = _only_own_errors(lambda: yamlio.load_positioned(text))
    docs = loaded.documents if loaded is not None else (None,)
    with _bounded():
        for doc in docs:
            found = yamlio.walk(doc, tuple(path), rendered)
            assert found is None or (found[0] >= 1 and found[1] >= 1)


@pytest.mark.parametrize("n", [1, 9])
def test_alias_expansion_is_bounded(n: int) -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, n)]
    text = "\n".join(lines) + "\n"
    if n > 6:
        with pytest.raises(yamlio.LimitError):
            yamlio.load_fast(text)
    else:
        yamlio.load_fast(text)
