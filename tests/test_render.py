"""kustomize engines: the in-process library and the kubectl binary agree."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from gitops_ml.cli import main
from gitops_ml.kustomizations import KUSTOMIZATION_NAMES
from gitops_ml.render import BinaryEngine, BuildError, Renderer, get_engine


def _kustomization_dirs(root: Path) -> list[Path]:
    return sorted({p.parent for name in KUSTOMIZATION_NAMES for p in root.rglob(name)})


def _canonical(objects: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(o, sort_keys=True) for o in objects)


def _build(engine: Any, directory: Path) -> list[str] | str:
    try:
        return _canonical(engine.build_json(directory))
    except BuildError:
        return "failed"


def test_engines_agree_on_the_corpus(shared_testdata: Path) -> None:
    corpus = shared_testdata / "corpus"
    library = get_engine("pykustomize")
    binary = get_engine("kubectl")
    assert isinstance(binary, BinaryEngine)
    dirs = _kustomization_dirs(corpus)
    assert len(dirs) >= 20
    outcomes = {}
    for directory in dirs:
        ours, theirs = _build(library, directory), _build(binary, directory)
        assert ours == theirs, directory
        outcomes[directory.relative_to(corpus).as_posix()] = ours != "failed"
    # the corpus holds kustomizations that build and some that do not
    assert any(outcomes.values())
    assert not all(outcomes.values())


def test_render_command_prints_what_kubectl_kustomize_prints(shared_testdata: Path) -> None:
    directory = shared_testdata / "corpus" / "argoproj__argocd-example-apps" / "kustomize-guestbook"
    result = CliRunner().invoke(main, ["render", str(directory)])
    assert result.exit_code == 0, result.output
    kubectl = get_engine("kubectl")
    assert isinstance(kubectl, BinaryEngine)
    expected = subprocess.run(
        [*kubectl._argv, str(directory)], capture_output=True, text=True, check=True
    ).stdout
    yaml = YAML(typ="safe", pure=True)
    assert list(yaml.load_all(result.output)) == list(yaml.load_all(expected))


def test_render_of_a_folder_without_kustomization_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["render", str(tmp_path)])
    assert result.exit_code == 2
    assert "is not a folder with a kustomization.yaml" in result.output


def test_origins_point_at_the_source_files(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "kustomization.yaml").write_text(
        "resources:\n- cm.yaml\nconfigMapGenerator:\n- name: gen\n  literals: [a=b]\n"
    )
    (tmp_path / "base" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n"
    )
    (tmp_path / "prod").mkdir()
    (tmp_path / "prod" / "kustomization.yaml").write_text("resources:\n- ../base\nnamespace: p\n")
    with Renderer(get_engine()) as renderer:
        plain = renderer.render(tmp_path / "prod")
        rendered = renderer.origins(tmp_path / "prod")
    assert rendered.error is None and plain.error is None
    assert rendered.objects == plain.objects
    origins = {
        o["metadata"]["name"]: origin
        for o, origin in zip(rendered.objects, rendered.origins, strict=True)
    }
    assert origins["plain"] == (tmp_path / "base" / "cm.yaml").resolve()
    generated = next(name for name in origins if name.startswith("gen-"))
    assert origins[generated] == (tmp_path / "base" / "kustomization.yaml").resolve()
    # the annotations that carried the origins are gone from the objects
    assert all("annotations" not in o["metadata"] for o in rendered.objects)


def test_a_failed_build_reports_its_own_message_when_built_in_parallel(tmp_path: Path) -> None:
    dirs = []
    for i in range(6):
        d = tmp_path / f"o{i}"
        d.mkdir()
        (d / "kustomization.yaml").write_text(f"resources:\n- missing-{i}.yaml\n")
        dirs.append(d)
    with Renderer(get_engine(), workers=2) as renderer:
        results = renderer.render_many(dirs)
    for i, d in enumerate(dirs):
        assert results[d].error is not None
        assert f"missing-{i}.yaml" in results[d].error


@pytest.mark.parametrize("name", ["nope"])
def test_an_unknown_engine_is_a_usage_error(name: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["lint", str(tmp_path), "--engine", name])
    assert result.exit_code == 2
