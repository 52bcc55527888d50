"""The parse cache: a hit equals a parse, a changed file is parsed again, a corrupt cache is rebuilt."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_tree

from gitops_ml.cache import ParseCache
from gitops_ml.kustomizations import Repository
from gitops_ml.lint.engine import LintOptions, run_lint

FILES = {
    "base/kustomization.yaml": "resources:\n- cm.yaml\n",
    "base/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    "overlays/prod/kustomization.yaml": "resources:\n- ../../base\nnamespace: p\n",
}


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("GITOPS_ML_CACHE_DIR", str(folder))
    return folder


def _graph(repo: Repository) -> dict[str, object]:
    return {
        k.rel_file: (k.data, [r.status for r in k.references]) for k in repo.kustomizations.values()
    }


def test_a_cache_hit_gives_the_same_graph_and_a_change_is_parsed_again(
    tmp_path: Path, cache_dir: Path
) -> None:
    root = write_tree(tmp_path / "repo", FILES).resolve()
    first = Repository(root, cache=ParseCache(root))
    assert list(cache_dir.glob("kustomizations-*.json"))
    second = Repository(root, cache=ParseCache(root))
    assert _graph(second) == _graph(first) == _graph(Repository(root))
    (root / "overlays/prod/kustomization.yaml").write_text("resources:\n- ../../missing\n")
    third = Repository(root, cache=ParseCache(root))
    assert third.kustomizations[root / "overlays/prod"].data == {"resources": ["../../missing"]}


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"{not json",
        b'{"version": 1, "entries": []}',
        b'{"version": 1, "entries": {"base/kustomization.yaml": {"sha": "x", "data": 3}}}',
        b"\x00\xff" * 10,
    ],
)
def test_a_corrupt_cache_is_ignored_and_rebuilt(
    tmp_path: Path, cache_dir: Path, garbage: bytes
) -> None:
    root = write_tree(tmp_path / "repo", FILES).resolve()
    Repository(root, cache=ParseCache(root))
    (cache_file,) = cache_dir.glob("kustomizations-*.json")
    cache_file.write_bytes(garbage)
    result = run_lint(LintOptions(paths=(root,), root=root))
    assert result.overlays == 1
    assert ParseCache(root).get("base/kustomization.yaml", "") is None  # rebuilt, keyed by hash
    assert cache_file.read_bytes() != garbage


def test_a_poisoned_entry_with_the_wrong_hash_is_not_used(tmp_path: Path, cache_dir: Path) -> None:
    root = write_tree(tmp_path / "repo", FILES).resolve()
    cache = ParseCache(root)
    cache.put("overlays/prod/kustomization.yaml", "0" * 64, {"resources": ["/etc"]}, ())
    cache.save()
    repo = Repository(root, cache=ParseCache(root))
    assert repo.kustomizations[root / "overlays/prod"].data == {
        "resources": ["../../base"],
        "namespace": "p",
    }


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITOPS_ML_CACHE_DIR", "off")
    root = write_tree(tmp_path / "repo", FILES).resolve()
    assert ParseCache(root).path is None
    assert run_lint(LintOptions(paths=(root,), root=root)).overlays == 1


def _findings(root: Path, **kw: object) -> list[tuple[str, str | None, int | None, str]]:
    result = run_lint(LintOptions(paths=(root,), root=root, **kw))  # type: ignore[arg-type]
    return [(f.rule, f.file, f.line, f.message) for f in result.findings]


DEPLOY = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n"
    "  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n"
    "    spec:\n      containers:\n      - name: web\n        image: nginx:1.27.0\n"
)


def test_a_warm_render_cache_gives_the_same_findings_and_sees_every_change(
    tmp_path: Path, cache_dir: Path
) -> None:
    files = {
        **FILES,
        "base/kustomization.yaml": "resources:\n- cm.yaml\n- deploy.yaml\n",
        "base/deploy.yaml": DEPLOY,
        "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
    }
    root = write_tree(tmp_path / "repo", files).resolve()
    cold = _findings(root)
    assert list(cache_dir.glob("renders-*.json"))
    assert _findings(root) == cold
    # a change in the shared base reaches both overlays through the cache
    (root / "base/deploy.yaml").write_text(DEPLOY.replace("replicas: 1", "replicas: one"))
    warm = _findings(root)
    assert warm == _findings(root, cache=False)
    # the base line, once for both overlays (their environments are listed on it)
    assert sum(1 for f in warm if f[0] == "schema-invalid") == 1
    result = run_lint(LintOptions(paths=(root,), root=root))
    assert [f.envs for f in result.findings if f.rule == "schema-invalid"] == [("dev", "prod")]
    # a failed build is cached with kustomize's own message
    (root / "overlays/prod/kustomization.yaml").write_text("resources:\n- ../../gone\n")
    first = [f for f in _findings(root) if f[0] == "build-failed"]
    assert first and first == [f for f in _findings(root) if f[0] == "build-failed"]


def test_a_corrupt_render_cache_is_ignored(tmp_path: Path, cache_dir: Path) -> None:
    root = write_tree(tmp_path / "repo", FILES).resolve()
    cold = _findings(root)
    (renders,) = cache_dir.glob("renders-*.json")
    renders.write_text('{"version": 1, "entries": {"overlays/prod": {"sha": 1, "objects": "x"}}}')
    assert _findings(root) == cold
    renders.write_text("[]")
    assert _findings(root) == cold
