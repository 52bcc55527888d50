"""The scaffold stack registry: every module registered; CLI, help and docs come from it."""

from __future__ import annotations

import pkgutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import gitops_ml.scaffold.stacks as stacks_pkg
from gitops_ml import docs
from gitops_ml.cli import main
from gitops_ml.scaffold import init_repo, init_spec, stacks
from gitops_ml.scaffold.spec import ModelSpec
from gitops_ml.scaffold.stack import ServingStack, TrainingStack

ROOT = Path(__file__).resolve().parent.parent


def test_every_stack_module_is_registered() -> None:
    modules = {m.name for m in pkgutil.iter_modules(stacks_pkg.__path__)}
    registered = {_module_of(s) for s in (*stacks.TRAINING_STACKS, *stacks.SERVING_STACKS)}
    assert modules - registered == set()
    for names in (stacks.training_names(), stacks.serving_names()):
        assert len(set(names)) == len(names)


def _module_of(stack: TrainingStack | ServingStack) -> str:
    for module in pkgutil.iter_modules(stacks_pkg.__path__):
        loaded = getattr(stacks_pkg, module.name)
        if stack in vars(loaded).values():
            return module.name
    raise AssertionError(f"{stack.name} is in no module of gitops_ml/scaffold/stacks")


def test_scaffolding_table_is_current() -> None:
    current = (ROOT / "docs" / "scaffolding.md").read_text(encoding="utf-8")
    assert current == docs.splice_stacks(current), "run `python -m gitops_ml.docs`"
    for stack in (*stacks.TRAINING_STACKS, *stacks.SERVING_STACKS):
        assert f"| `{stack.name}` |" in current


def _echo_files(spec: ModelSpec) -> dict[str, str]:
    return {
        "serving.yaml": (
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {spec.name}-echo\n"
            "data:\n  greeting: hello\n"
        )
    }


ECHO = ServingStack(
    name="echo",
    summary="a test-only stack that writes one ConfigMap",
    kind="ConfigMap",
    files=_echo_files,
)


@pytest.fixture
def with_echo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stacks, "SERVING_STACKS", (*stacks.SERVING_STACKS, ECHO))


def test_a_registered_stack_shows_up_in_help(with_echo: None) -> None:
    result = CliRunner().invoke(main, ["new-model", "--help"])
    assert result.exit_code == 0, result.output
    names = stacks.serving_names()
    assert names[-1] == "echo"
    assert "[" + "|".join(names) + "]" in result.output
    assert "echo" in result.output
    assert "a test-only stack that writes one ConfigMap" in result.output


def test_an_unregistered_stack_is_not_offered() -> None:
    result = CliRunner().invoke(main, ["new-model", "--help"])
    assert "echo" not in result.output
    result = CliRunner().invoke(
        main, ["new-model", "m", "--framework", "sklearn", "--serving", "echo"]
    )
    assert result.exit_code == 2 and "'echo' is not one of" in result.output


def test_a_registered_stack_generates_its_documents(with_echo: None, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    init_repo(root, init_spec("argocd", None, None))
    result = CliRunner().invoke(
        main,
        ["new-model", "hi", "--framework", "sklearn", "--serving", "echo", "--repo", str(root)],
    )
    assert result.exit_code == 0, result.output
    assert "greeting: hello" in (root / "models/hi/base/serving.yaml").read_text()
    assert (root / "models/hi/overlays/prod/kustomization.yaml").is_file()
    assert not (root / "models/hi/overlays/prod/pdb.yaml").exists()  # kserve's, not echo's


def test_airflow_dags_launch_every_training_stack_kind() -> None:
    from gitops_ml.airflow import TRAINING_KINDS

    kinds = {s.kind for s in stacks.TRAINING_STACKS if s.kind is not None}
    assert kinds <= set(TRAINING_KINDS)


def test_a_jobset_retrained_by_airflow_renders_its_manifest_and_lints_clean(
    tmp_path: Path,
) -> None:
    from gitops_ml.lint.engine import LintOptions, run_lint
    from gitops_ml.yamlio import load_fast

    root = tmp_path / "repo"
    init_repo(root, init_spec("argocd", None, None))
    args = ["new-model", "multi", "--framework", "pytorch", "--serving", "none"]
    args += ["--training", "jobset", "--orchestrator", "airflow", "--schedule", "@weekly"]
    args += ["--training-image", "ghcr.io/acme/multi-train:1.4.0"]  # no placeholder to report
    result = CliRunner().invoke(main, [*args, "--repo", str(root)])
    assert result.exit_code == 0, result.output
    manifest = (root / "dags/manifests/multi_prod_train.yaml").read_text(encoding="utf-8")
    assert load_fast(manifest).documents[0]["kind"] == "JobSet"
    assert '"Completed"' in (root / "dags/multi_prod_retrain.py").read_text(encoding="utf-8")
    assert run_lint(LintOptions(paths=(root,), root=root)).findings == ()
