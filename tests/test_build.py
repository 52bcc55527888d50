"""The build layer: the one way to render, guarded the same for every command."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import gitops_ml

PACKAGE = Path(gitops_ml.__file__).parent
ENGINE_MODULE = "gitops_ml.render"
BUILD_LAYER = "gitops_ml/build.py"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(path: Path) -> set[str]:
    return _imports_of(
        path.read_text(encoding="utf-8"), _module_name(path), path.name == "__init__.py"
    )


def _imports_of(text: str, module: str, is_package: bool) -> set[str]:
    """Every module ``text`` imports, relative imports resolved, ``from x import y`` as x.y too."""
    tree = ast.parse(text)
    package = module.split(".") if is_package else module.split(".")[:-1]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            out.add(module)
            out.update(f"{module}.{alias.name}" for alias in node.names)
            continue
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            out.add(str(node.args[0].value))
    return out


def test_only_the_build_layer_imports_the_engine_module() -> None:
    importers = sorted(
        path.relative_to(PACKAGE.parent).as_posix()
        for path in PACKAGE.rglob("*.py")
        if any(m == ENGINE_MODULE or m.startswith(ENGINE_MODULE + ".") for m in _imported(path))
    )
    assert importers == [BUILD_LAYER]


def test_the_structure_check_sees_every_form_of_import() -> None:
    # the walker must catch each spelling, or the structure test could not fail
    forms = {
        "import gitops_ml.render\n": True,
        "from gitops_ml.render import Renderer\n": True,
        "from gitops_ml import render\n": True,
        "def f():\n    from gitops_ml.render import get_engine\n": True,
        "import importlib\nimportlib.import_module('gitops_ml.render')\n": True,
        "from .. import render\n": True,
        "from ..render import Rendered\n": True,
        "from gitops_ml import build\n": False,
        "from . import render\n": False,  # gitops_ml.lint.render, another module
    }
    for text, expected in forms.items():
        found = {
            m
            for m in _imports_of(text, "gitops_ml.lint.probe", False)
            if m == ENGINE_MODULE or m.startswith(ENGINE_MODULE + ".")
        }
        assert bool(found) is expected, text


# -- render and airflow sync refuse what lint refuses, as real processes ----------------

GITOPS_ML = str(Path(sys.executable).parent / "gitops-ml")
CANARY = "canary-7f3a91-outside-the-repository"
FAKE_GIT = '#!/bin/sh\necho "$@" >> "$GIT_CALLS"\nexit 1\n'
LOL = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n"
    '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"  {n}: &{n} [{','.join(['*' + p] * 9)}]\n"
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    )
)
DAG = (
    "GITOPS_ML = {{\n"
    '    "model": "m1",\n'
    '    "environment": "dev",\n'
    '    "overlay": "models/m1/overlays/dev",\n'
    '    "manifest": "manifests/m1_dev_train.yaml",\n'
    "}}\n"
)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A git checkout outside the repository, holding a base whose object is a canary."""
    other = tmp_path / "outside"
    _write(other / "base" / "kustomization.yaml", "resources:\n- job.yaml\n")
    _write(
        other / "base" / "job.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: m1-train\n"
        f"  annotations:\n    secret: {CANARY}\n"
        "spec:\n  template:\n    spec:\n      restartPolicy: Never\n"
        "      containers:\n      - name: train\n        image: repo/train:1.0.0\n",
    )
    _git(other, "init", "-q")
    _git(other, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", ".")
    _git(other, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    return other


def _repo(tmp_path: Path, resource: str, extra: dict[str, str] | None = None) -> Path:
    """A repository whose models/m1/overlays/dev includes ``resource``, with a generated DAG."""
    repo = tmp_path / "repo"
    _write(repo / "gitops-ml.yaml", "environments:\n- name: dev\n")
    _write(
        repo / "models" / "m1" / "overlays" / "dev" / "kustomization.yaml",
        f"resources:\n- {json.dumps(resource)}\n",
    )
    _write(repo / "dags" / "m1_dev_retrain.py", DAG.format())
    for rel_path, text in (extra or {}).items():
        _write(repo / rel_path, text)
    _git(repo, "init", "-q")
    return repo


def _run(
    tmp_path: Path, *args: str, real_git: bool = False
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """``gitops-ml ARGS`` as a process, a recording fake ``git`` first on PATH."""
    bin_dir = tmp_path / "fake-bin"
    calls = tmp_path / "git-calls"
    if not real_git:
        _write(bin_dir / "git", FAKE_GIT)
        (bin_dir / "git").chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "GIT_CALLS": str(calls),
        "GITOPS_ML_CACHE_DIR": "off",
    }
    proc = subprocess.run(
        [GITOPS_ML, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    ran = calls.read_text(encoding="utf-8").splitlines() if calls.exists() else []
    return proc, ran


def _refused_in_one_sentence(proc: subprocess.CompletedProcess[str], part: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("gitops-ml: ")]
    assert lines and all(part in line for line in lines), proc.stderr
    assert CANARY not in proc.stdout + proc.stderr


REMOTE_CASES = {
    "git-file": "git::file://{outside}//base?ref=HEAD",
    "https": "https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v1.0.6",
    "github-shorthand": "github.com/kubernetes-sigs/kustomize/examples/helloWorld?ref=v1.0.6",
}


@pytest.mark.parametrize("case", sorted(REMOTE_CASES))
def test_render_refuses_a_remote_base_without_allow_remote_and_runs_no_git(
    tmp_path: Path, outside: Path, case: str
) -> None:
    repo = _repo(tmp_path, REMOTE_CASES[case].format(outside=outside))
    proc, ran = _run(tmp_path, "render", str(repo / "models/m1/overlays/dev"))
    _refused_in_one_sentence(proc, "--allow-remote")
    assert ran == []
    assert proc.stdout == ""


@pytest.mark.parametrize("case", sorted(REMOTE_CASES))
def test_airflow_sync_refuses_a_remote_base_without_allow_remote_and_runs_no_git(
    tmp_path: Path, outside: Path, case: str
) -> None:
    repo = _repo(tmp_path, REMOTE_CASES[case].format(outside=outside))
    proc, ran = _run(tmp_path, "airflow", "sync", "-C", str(repo))
    _refused_in_one_sentence(proc, "--allow-remote")
    assert ran == []
    assert not (repo / "dags" / "manifests").exists()


def test_with_allow_remote_the_file_base_is_fetched(tmp_path: Path, outside: Path) -> None:
    # the other side of the refusal: the same overlay, asked to, is cloned and built
    repo = _repo(tmp_path, f"git::file://{outside}//base?ref=HEAD")
    proc, _ = _run(
        tmp_path, "render", "--allow-remote", str(repo / "models/m1/overlays/dev"), real_git=True
    )
    assert proc.returncode == 0, proc.stderr
    assert CANARY in proc.stdout
    proc, _ = _run(tmp_path, "airflow", "sync", "--allow-remote", "-C", str(repo), real_git=True)
    assert proc.returncode == 0, proc.stderr
    assert (repo / "dags" / "manifests" / "m1_dev_train.yaml").is_file()


@pytest.mark.parametrize("command", ["render", "airflow"])
def test_an_escaping_base_is_refused_as_lint_refuses_it(
    tmp_path: Path, outside: Path, command: str
) -> None:
    repo = _repo(tmp_path, "../../../../../outside/base")
    args = (
        ["render", str(repo / "models/m1/overlays/dev")]
        if command == "render"
        else ["airflow", "sync", "-C", str(repo)]
    )
    proc, ran = _run(tmp_path, *args)
    _refused_in_one_sentence(proc, "outside the repository")
    assert ran == []
    assert not (repo / "dags" / "manifests").exists()
    lint, _ = _run(tmp_path, "lint", "--format", "json", str(repo))
    assert "path-escapes-repo" in lint.stdout
    assert CANARY not in lint.stdout + lint.stderr


@pytest.mark.parametrize("command", ["render", "airflow"])
def test_a_billion_laughs_file_is_refused_before_kustomize(tmp_path: Path, command: str) -> None:
    repo = _repo(tmp_path, "lol.yaml", {"models/m1/overlays/dev/lol.yaml": LOL})
    args = (
        ["render", str(repo / "models/m1/overlays/dev")]
        if command == "render"
        else ["airflow", "sync", "-C", str(repo)]
    )
    proc, _ = _run(tmp_path, *args)
    _refused_in_one_sentence(proc, "lol.yaml")
    assert "kustomize is not given it" in proc.stderr
    assert not (repo / "dags" / "manifests").exists()


# -- a config that links out of the repository is never read ---------------------------


@pytest.fixture
def linked_config(tmp_path: Path) -> Path:
    """A generated repository whose gitops-ml.yaml is a symlink to a secret outside it."""
    from click.testing import CliRunner

    from gitops_ml.cli import main

    root = tmp_path / "ml"
    runner = CliRunner()
    for args in (
        f"init {root} --controller argocd",
        "new-model m1 --framework pytorch --serving kserve --training pytorchjob "
        f"--storage-uri s3://models/m1/v1 --repo {root}",
    ):
        result = runner.invoke(main, args.split(), catch_exceptions=False)
        assert result.exit_code == 0, result.output
    dev = root / "models" / "m1" / "overlays" / "dev" / "kustomization.yaml"
    dev.write_text(dev.read_text(encoding="utf-8").replace('"0.1.0"', '"0.2.0"'), "utf-8")
    # a secret that every error path would love to quote: not a valid config, and YAML
    secret = tmp_path / "ci-secret.yaml"
    secret.write_text(f"environments: {CANARY}\nkubernetesVersion: [{CANARY}]\n", "utf-8")
    (root / "gitops-ml.yaml").unlink()
    (root / "gitops-ml.yaml").symlink_to(secret)
    commit = ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "link"]
    _git(root, "add", "-A")
    _git(root, *commit)
    return root


LINKED_CONFIG_COMMANDS = {
    "lint": ["lint", "{root}"],
    "airflow-sync": ["airflow", "sync", "-C", "{root}"],
    "promote": ["promote", "m1", "--from", "dev", "--to", "staging", "-C", "{root}"],
    "new-model": [
        "new-model",
        "m2",
        "--framework",
        "sklearn",
        "--serving",
        "kserve",
        "--training",
        "none",
        "--storage-uri",
        "s3://models/m2/v1",
        "--repo",
        "{root}",
    ],
    "diff": ["diff", "--base", "HEAD~1", "-C", "{root}"],
}


@pytest.mark.parametrize("command", sorted(LINKED_CONFIG_COMMANDS))
def test_a_config_linking_outside_is_refused_and_never_echoed(
    tmp_path: Path, linked_config: Path, command: str
) -> None:
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=linked_config, capture_output=True, text=True
    ).stdout
    args = [a.format(root=linked_config) for a in LINKED_CONFIG_COMMANDS[command]]
    proc, _ = _run(tmp_path, *args, real_git=True)
    _refused_in_one_sentence(proc, "symbolic link to a file outside the repository")
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=linked_config, capture_output=True, text=True
    ).stdout
    assert status == ""
    assert not (linked_config / "models" / "m2").exists()
    after = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=linked_config, capture_output=True, text=True
    ).stdout
    assert after == head


def test_a_config_linked_inside_the_repository_is_read(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "job.yaml", {"models/m1/overlays/dev/job.yaml": "kind: Job\n"})
    (repo / "settings").mkdir()
    (repo / "gitops-ml.yaml").rename(repo / "settings" / "gitops-ml.yaml")
    (repo / "gitops-ml.yaml").symlink_to(Path("settings") / "gitops-ml.yaml")
    from gitops_ml.config import load_config

    assert [e.name for e in load_config(repo).environments] == ["dev"]


# -- a crds: folder's index.json names files inside it only ----------------------------


@pytest.mark.parametrize(
    "entry", ["{outside}/secret.json", "../../outside/secret.json", "link.json"]
)
def test_an_index_entry_leading_out_of_its_folder_is_refused(tmp_path: Path, entry: str) -> None:
    outside = tmp_path / "outside"
    _write(outside / "secret.json", json.dumps({"type": "object", "description": CANARY}))
    repo = _repo(
        tmp_path,
        "job.yaml",
        {
            "models/m1/overlays/dev/job.yaml": "apiVersion: example.com/v1\nkind: Thing\n"
            "metadata:\n  name: t\n",
            "crds/index.json": json.dumps({"example.com/v1/Thing": entry.format(outside=outside)}),
        },
    )
    (repo / "crds" / "link.json").symlink_to(outside / "secret.json")
    (repo / "gitops-ml.yaml").write_text("crds:\n- crds\n", "utf-8")
    proc, _ = _run(tmp_path, "lint", "--format", "json", str(repo))
    _refused_in_one_sentence(proc, "a file outside its folder")
    assert proc.stdout == ""


def test_an_index_entry_inside_its_folder_is_used(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}}},
    }
    repo = _repo(
        tmp_path,
        "thing.yaml",
        {
            "models/m1/overlays/dev/thing.yaml": "apiVersion: example.com/v1\nkind: Thing\n"
            "metadata:\n  name: t\nspec:\n  size: big\n",
            "crds/schemas/thing.json": json.dumps(schema),
            "crds/index.json": json.dumps({"example.com/v1/Thing": "schemas/thing.json"}),
        },
    )
    (repo / "gitops-ml.yaml").write_text("crds:\n- crds\n", "utf-8")
    proc, _ = _run(tmp_path, "lint", "--format", "json", str(repo))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    rules = {f["rule"] for f in json.loads(proc.stdout)["findings"]}
    assert "schema-invalid" in rules


# -- rules get their inputs from the engine ---------------------------------------------

READS = frozenset(
    {
        "open",
        "read_text",
        "read_bytes",
        "iterdir",
        "glob",
        "rglob",
        "walk",
        "listdir",
        "scandir",
        "read_dag",
        "read_dags",
        "dag_paths",
        "load_manifest",
        "load_config",
        "schema_text",
    }
)


def _reads(text: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in READS:
                found.append(f"{name}() at line {node.lineno}")
    return found


def test_no_rule_opens_a_file() -> None:
    modules = [*(PACKAGE / "lint" / "rules").glob("*.py"), PACKAGE / "lint" / "controllers.py"]
    offenders = {path.name: reads for path in modules if (reads := _reads(path.read_text("utf-8")))}
    assert offenders == {}


def test_the_read_check_sees_reads() -> None:
    text = "def check(ctx):\n    open('x')\n    ctx.root.joinpath('a').read_text()\n"
    assert _reads(text) == ["open() at line 2", "read_text() at line 3"]


JOB = (
    "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: m1-train\nspec:\n  template:\n"
    "    spec:\n      restartPolicy: Never\n      containers:\n      - name: train\n"
    "        image: repo/train:{tag}\n"
)


def _dag_repo(tmp_path: Path) -> Path:
    return _repo(
        tmp_path,
        "job.yaml",
        {
            "models/m1/overlays/dev/job.yaml": JOB.format(tag="1.0.0"),
            "dags/manifests/m1_dev_train.yaml": JOB.format(tag="0.9.0"),
        },
    )


def test_a_pre_commit_run_on_a_dag_renders_the_overlay_it_launches(tmp_path: Path) -> None:
    from gitops_ml.lint.engine import LintOptions, run_lint

    repo = _dag_repo(tmp_path)
    for changed in ("dags/m1_dev_retrain.py", "dags/manifests/m1_dev_train.yaml"):
        result = run_lint(LintOptions(paths=(repo / changed,), root=repo, cache=False))
        assert result.overlays == 1, changed
        drift = [f for f in result.findings if f.rule == "airflow-drift"]
        assert [f.file for f in drift] == ["dags/manifests/m1_dev_train.yaml"], changed
    _write(repo / "other" / "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    other = run_lint(
        LintOptions(paths=(repo / "other" / "cm.yaml",), root=repo, cache=False, rules=())
    )
    assert other.overlays == 0


def test_the_render_cache_key_of_an_overlay_includes_the_dags_that_launch_it(
    tmp_path: Path,
) -> None:
    from gitops_ml import build
    from gitops_ml.lint.engine import LintOptions, _dag_inputs, run_lint

    repo = _dag_repo(tmp_path)
    result = run_lint(LintOptions(paths=(repo,), root=repo, cache=False, rules=()))
    assert result.context is not None
    ctx = result.context
    leaf = ctx.repo.kustomizations[repo / "models/m1/overlays/dev"]
    inputs = _dag_inputs(ctx)
    assert inputs[leaf.dir] == {
        repo / "dags/m1_dev_retrain.py",
        repo / "dags/manifests/m1_dev_train.yaml",
    }
    before = build._InputHasher(ctx.repo, "engine", inputs).key(leaf)
    dag = repo / "dags" / "m1_dev_retrain.py"
    dag.write_text(dag.read_text("utf-8") + "# retrain weekly\n", "utf-8")
    after = build._InputHasher(ctx.repo, "engine", inputs).key(leaf)
    assert before is not None and after is not None and before != after
    assert build._InputHasher(ctx.repo, "engine", {}).key(leaf) not in (before, after)


# -- bases the walk does not lint are still guarded -------------------------------------

REMOTE = "https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v1.0.6"


@pytest.mark.parametrize("base", [".base", "vendor/base"])
def test_a_remote_base_behind_a_hidden_or_ignored_base_is_refused(
    tmp_path: Path, base: str
) -> None:
    repo = _repo(
        tmp_path,
        f"../../../../{base}",
        {f"{base}/kustomization.yaml": f"resources:\n- {REMOTE}\n"},
    )
    (repo / "gitops-ml.yaml").write_text("ignore:\n- vendor/\n", "utf-8")
    for args in (
        ["render", str(repo / "models/m1/overlays/dev")],
        ["airflow", "sync", "-C", str(repo)],
    ):
        proc, ran = _run(tmp_path, *args)
        _refused_in_one_sentence(proc, "--allow-remote")
        assert ran == []
    proc, ran = _run(tmp_path, "lint", "--format", "json", str(repo))
    assert ran == []
    assert "--allow-remote" in proc.stdout


def test_an_ignored_base_still_builds(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path,
        "../../../../vendor/base",
        {
            "vendor/base/kustomization.yaml": "resources:\n- job.yaml\n",
            "vendor/base/job.yaml": JOB.format(tag="1.0.0"),
        },
    )
    (repo / "gitops-ml.yaml").write_text("ignore:\n- vendor/\n", "utf-8")
    proc, _ = _run(tmp_path, "render", str(repo / "models/m1/overlays/dev"))
    assert proc.returncode == 0, proc.stderr
    assert "repo/train:1.0.0" in proc.stdout


def test_a_base_whose_kustomization_links_out_is_refused(tmp_path: Path, outside: Path) -> None:
    repo = _repo(tmp_path, "../../../../base")
    (repo / "base").mkdir()
    (repo / "base" / "kustomization.yaml").symlink_to(outside / "base" / "kustomization.yaml")
    (repo / "base" / "job.yaml").symlink_to(outside / "base" / "job.yaml")
    proc, ran = _run(tmp_path, "render", str(repo / "models/m1/overlays/dev"))
    _refused_in_one_sentence(proc, "symbolic link out of the repository")
    assert ran == []


def test_render_builds_a_folder_the_walk_skips_and_refuses_a_linked_one(
    tmp_path: Path, outside: Path
) -> None:
    repo = _repo(
        tmp_path,
        "job.yaml",
        {
            ".argocd/app/kustomization.yaml": "resources:\n- job.yaml\n",
            ".argocd/app/job.yaml": JOB.format(tag="3.0.0"),
        },
    )
    proc, _ = _run(tmp_path, "render", str(repo / ".argocd" / "app"))
    assert proc.returncode == 0, proc.stderr
    assert "repo/train:3.0.0" in proc.stdout
    linked = repo / "linked"
    linked.mkdir()
    (linked / "kustomization.yaml").symlink_to(outside / "base" / "kustomization.yaml")
    proc, ran = _run(tmp_path, "render", str(linked))
    _refused_in_one_sentence(proc, "symbolic link out of the repository")
    assert ran == []


def test_render_folder_with_the_render_cache_gives_the_same_objects(tmp_path: Path) -> None:
    from gitops_ml.build import BuildOptions, render_folder

    repo = _repo(tmp_path, "job.yaml", {"models/m1/overlays/dev/job.yaml": JOB.format(tag="1")})
    folder = repo / "models/m1/overlays/dev"
    options = BuildOptions(cache=True, cache_root=tmp_path / "cache-root")
    cold = render_folder(repo, folder, options)
    warm = render_folder(repo, folder, options)
    plain = render_folder(repo, folder, BuildOptions(cache=False))
    assert [o.data for o in cold.objects] == [o.data for o in warm.objects]
    assert [o.data for o in warm.objects] == [o.data for o in plain.objects]
    assert plain.objects and plain.problem is None
