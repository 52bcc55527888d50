"""Hostile input for every command besides lint, run as real processes (issue 17).

Each test builds a hostile repository in ``tmp_path``, runs one real
``gitops-ml`` command on it as a separate process and checks, besides what the
case is about, the same invariants for all of them:

* exit 0, 1 or 2, never a traceback or an internal error (exit 3), and at
  exit 2 one sentence on stderr;
* nothing the input names is run: fake ``helm`` and ``kustomize`` first on
  ``PATH`` leave a marker when run; ``git`` is a wrapper that records its
  arguments and runs the real git (the commands use git legitimately), and no
  invocation may fetch, clone or update a submodule;
* a canary file outside the repository is never printed and never changes,
  and nothing else outside the repository changes;
* no temporary file is left, in the repository or in ``$TMPDIR``;
* after a refusal, the git state (HEAD, refs, index, work tree) is unchanged.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import write_tree as write

GITOPS_ML = str(Path(sys.executable).parent / "gitops-ml")
REAL_GIT = shutil.which("git") or "/usr/bin/git"
TIMEOUT_S = 120
CANARY = "CANARY-7f3a9c: the secret a pull request must never print\n"
TEMP_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")  # yamlio.atomic_write's temporary files
FAKE_TOOL = '#!/bin/sh\ntouch "$HOSTILE_MARKERS/$(basename "$0")-ran"\nexit 0\n'
RECORDING_GIT = (
    f'#!/bin/sh\nprintf "%s\\n" "$*" >> "$HOSTILE_MARKERS/git-args"\nexec {REAL_GIT} "$@"\n'
)
NETWORK_GIT = re.compile(r"(^|\s)(fetch|clone|submodule|ls-remote|pull|push)(\s|$)")


# -- the sandbox and its invariants ---------------------------------------------------------


@dataclass(frozen=True)
class Sandbox:
    repo: Path
    outside: Path

    @property
    def canary(self) -> Path:
        return self.outside / "canary.yaml"

    @property
    def markers(self) -> Path:
        return self.outside / "markers"

    @property
    def tmp(self) -> Path:
        return self.outside / "tmp"

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "PATH": f"{self.outside / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOSTILE_MARKERS": str(self.markers),
            "HOME": str(self.outside / "home"),
            "XDG_CONFIG_HOME": str(self.outside / "config"),
            "KUSTOMIZE_PLUGIN_HOME": str(self.outside / "plugins"),
            "TMPDIR": str(self.tmp),
            "GIT_PYTHON_GIT_EXECUTABLE": str(self.outside / "bin" / "git"),
            "NO_COLOR": "1",
        }
        env.pop("GITOPS_ML_DEBUG", None)
        return env

    def run(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [GITOPS_ML, *args],
            cwd=cwd or self.repo,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    def git(self, *args: str) -> str:
        return subprocess.run(
            [REAL_GIT, *args], cwd=self.repo, check=True, capture_output=True, text=True
        ).stdout


def sandbox(tmp_path: Path) -> Sandbox:
    box = Sandbox(tmp_path / "repo", tmp_path / "outside")
    for folder in (box.repo, box.markers, box.tmp, box.outside / "bin", box.outside / "home"):
        folder.mkdir(parents=True, exist_ok=True)
    box.canary.write_text(CANARY, encoding="utf-8")
    for tool, script in (("helm", FAKE_TOOL), ("kustomize", FAKE_TOOL), ("git", RECORDING_GIT)):
        (box.outside / "bin" / tool).write_text(script, encoding="utf-8")
        (box.outside / "bin" / tool).chmod(0o755)
    return box


def tree(root: Path, skip: tuple[str, ...] = ()) -> dict[str, tuple[str, str]]:
    """Every entry under ``root`` (links not followed): kind and content hash."""
    out: dict[str, tuple[str, str]] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = Path(dirpath).relative_to(root)
        if rel_dir.parts and rel_dir.parts[0] in skip:
            continue
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            mode = path.lstat().st_mode
            key = (rel_dir / name).as_posix()
            if stat.S_ISLNK(mode):
                out[key] = ("link", os.readlink(path))
            elif stat.S_ISDIR(mode):
                out[key] = ("dir", "")
            elif stat.S_ISREG(mode):
                out[key] = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
            else:
                out[key] = ("special", "")
    return out


def git_state(box: Sandbox) -> tuple[str, ...]:
    """HEAD, every ref, the index and the work tree's status and files."""
    head = subprocess.run(
        [REAL_GIT, "symbolic-ref", "-q", "HEAD"], cwd=box.repo, capture_output=True, text=True
    ).stdout
    return (
        head,
        box.git("rev-parse", "-q", "--verify", "HEAD^{commit}") if has_commit(box) else "",
        box.git("for-each-ref", "--format=%(refname) %(objectname)"),
        box.git("ls-files", "-s"),
        box.git("status", "--porcelain=v1", "--untracked-files=all"),
        repr(sorted(tree(box.repo, skip=(".git",)).items())),
    )


def has_commit(box: Sandbox) -> bool:
    done = subprocess.run(
        [REAL_GIT, "rev-parse", "-q", "--verify", "HEAD"], cwd=box.repo, capture_output=True
    )
    return done.returncode == 0


def check_invariants(
    box: Sandbox, proc: subprocess.CompletedProcess[str], outside_before: dict[str, object]
) -> None:
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output, output
    assert "internal error" not in output, output
    assert proc.returncode in (0, 1, 2), output
    if proc.returncode == 2:
        sentence = proc.stderr.strip().splitlines()
        assert sentence and sentence[-1].startswith("gitops-ml: "), proc.stderr
    assert "CANARY" not in output, "the run printed a file outside the repository"
    assert box.canary.read_text(encoding="utf-8") == CANARY
    assert tree(box.outside, skip=("markers", "tmp", "home")) == outside_before
    ran = sorted(p.name for p in box.markers.iterdir() if p.name != "git-args")
    assert ran == [], f"the run executed {ran}"
    calls = (box.markers / "git-args").read_text() if (box.markers / "git-args").exists() else ""
    network = [line for line in calls.splitlines() if NETWORK_GIT.search(line)]
    assert network == [], f"git was asked to fetch: {network}"
    assert list(box.tmp.iterdir()) == [], "a temporary file was left in $TMPDIR"
    leftovers = [p for p in box.repo.rglob(".*.tmp") if TEMP_NAME.match(p.name)]
    assert leftovers == [], leftovers


def run_checked(
    box: Sandbox, *args: str, codes: tuple[int, ...] = (0, 1, 2), cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    before = tree(box.outside, skip=("markers", "tmp", "home"))
    proc = box.run(*args, cwd=cwd)
    check_invariants(box, proc, before)
    assert proc.returncode in codes, proc.stdout + proc.stderr
    return proc


def commit(box: Sandbox, message: str = "initial") -> None:
    if not (box.repo / ".git").exists():
        box.git("init", "-q", "-b", "main")
        box.git("config", "user.name", "gitops-ml tests")
        box.git("config", "user.email", "tests@gitops-ml.invalid")
        box.git("config", "commit.gpgsign", "false")
    box.git("add", "-A")
    box.git("commit", "-q", "-m", message)


# -- class 2: writes outside the intended place ------------------------------------------------

AIRFLOW_CONFIG = """\
apiVersion: gitops-ml.io/v1alpha1
kind: Config
environments:
  - name: dev
    namespace: ml-dev
"""
TRAIN_JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: m1-train
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: train
          image: registry.example.com/train:1.0.0
"""
DAG = """\
GITOPS_ML = {{
    "model": "m1",
    "environment": "dev",
    "overlay": {overlay!r},
    "manifest": {manifest!r},
}}
"""
WORKFLOW = "name: gitops-ml\non: [pull_request]\njobs: {}\n"


def airflow_repo(box: Sandbox, overlay: str, manifest: str) -> None:
    write(
        box.repo,
        {
            "gitops-ml.yaml": AIRFLOW_CONFIG,
            "models/m1/base/kustomization.yaml": "resources:\n  - job.yaml\n",
            "models/m1/base/job.yaml": TRAIN_JOB,
            "models/m1/overlays/dev/kustomization.yaml": "resources:\n  - ../../base\n",
            ".github/workflows/gitops-ml.yaml": WORKFLOW,
            "dags/m1_dev_retrain.py": DAG.format(overlay=overlay, manifest=manifest),
        },
    )
    commit(box)


@pytest.mark.parametrize(
    ("overlay", "manifest", "words"),
    [
        ("models/m1/overlays/dev", "../.github/workflows/gitops-ml.yaml", "writes only"),
        ("models/m1/overlays/dev", "../gitops-ml.yaml", "writes only"),
        ("models/m1/overlays/dev", "m1_dev_retrain.yaml", "did not write"),
        ("models/m1/overlays/dev", "../../outside/canary.yaml", "inside the repository"),
        ("{outside}", "manifests/m1_dev_train.yaml", "absolute path"),
        ("../outside", "manifests/m1_dev_train.yaml", "leads out"),
        ("models/m1/overlays/dev", "linked/m1_dev_train.yaml", "symbolic link"),
    ],
)
def test_airflow_sync_writes_only_its_manifests(
    tmp_path: Path, overlay: str, manifest: str, words: str
) -> None:
    box = sandbox(tmp_path)
    airflow_repo(box, overlay.format(outside=box.outside), manifest)
    (box.repo / "dags" / "m1_dev_retrain.yaml").write_text("user: file\n")
    (box.repo / "dags" / "linked").symlink_to(box.outside, target_is_directory=True)
    commit(box, "hostile DAG")
    before = git_state(box)
    proc = run_checked(box, "airflow", "sync", codes=(2,))
    assert words in proc.stderr
    assert git_state(box) == before


def test_airflow_sync_still_writes_a_good_manifest(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    airflow_repo(box, "models/m1/overlays/dev", "manifests/m1_dev_train.yaml")
    run_checked(box, "airflow", "sync", codes=(0,))
    written = (box.repo / "dags" / "manifests" / "m1_dev_train.yaml").read_text()
    assert "m1-train" in written
    assert (box.repo / ".github/workflows/gitops-ml.yaml").read_text() == WORKFLOW


CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: {group}
  names:
    kind: {kind}
    plural: widgets
  scope: Namespaced
  versions:
    - name: {version}
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
"""


@pytest.mark.parametrize(
    ("group", "kind", "version", "words"),
    [
        ("'../../../outside'", "Widget", "v1", "spec.group"),
        ("'{outside}'", "Widget", "v1", "spec.group"),
        ("example.com", "../../../x", "v1", "spec.names.kind"),
        ("example.com", "Widget", "../../v1", "spec.versions[].name"),
        ("linked.example.com", "Widget", "v1", "symbolic link"),
    ],
)
def test_schemas_import_writes_only_under_out(
    tmp_path: Path, group: str, kind: str, version: str, words: str
) -> None:
    box = sandbox(tmp_path)
    text = CRD.format(group=group.format(outside=box.outside), kind=kind, version=version)
    write(box.repo, {"crd.yaml": text})
    (box.repo / "out").mkdir()
    (box.repo / "out" / "linked.example.com").symlink_to(box.outside, target_is_directory=True)
    before = tree(box.repo)
    proc = run_checked(box, "schemas", "import", "crd.yaml", "--out", "out", codes=(2,))
    assert words in proc.stderr
    assert tree(box.repo) == before


def test_lint_output_to_a_pipe_is_written_in_place(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    write(box.repo, {"kustomization.yaml": "resources: []\n"})
    fifo = box.repo.parent / "report.fifo"
    os.mkfifo(fifo)
    (box.repo.parent / "stdout-like").symlink_to(fifo)  # as /dev/stdout -> /proc/self/fd/1
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    run_checked(box, "lint", "--format", "json", "-o", str(box.repo.parent / "stdout-like"))
    reader.join(TIMEOUT_S)
    assert b'"findings"' in received[0]
    assert stat.S_ISFIFO(fifo.lstat().st_mode), "the pipe was replaced by a file"
    assert (box.repo.parent / "stdout-like").is_symlink()

    proc = run_checked(box, "lint", "-o", str(box.outside), codes=(2,))
    assert "folder" in proc.stderr


# -- class 3: input that crashed (exit 3) instead of one sentence ---------------------------------


def small_repo(box: Sandbox) -> None:
    write(
        box.repo,
        {
            "app/kustomization.yaml": "resources:\n  - cm.yaml\n",
            "app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
        },
    )
    commit(box)


@pytest.mark.parametrize(
    "base", ["HEAD:../../etc", "@{-1}", "HEAD@{99}", "HEAD:app", "--output=x", "HEAD^{tree}"]
)
def test_diff_refuses_a_name_that_is_no_commit(tmp_path: Path, base: str) -> None:
    box = sandbox(tmp_path)
    small_repo(box)
    before = git_state(box)
    proc = run_checked(box, "diff", f"--base={base}", codes=(2,))
    assert "is not a commit" in proc.stderr
    assert git_state(box) == before


def crafted_commit(box: Sandbox, kind: str) -> str:
    """A commit whose tree git would never check out, written with hash-object."""

    def obj(kind_: str, data: bytes) -> str:
        done = subprocess.run(
            [REAL_GIT, "hash-object", "-t", kind_, "--literally", "-w", "--stdin"],
            cwd=box.repo,
            input=data,
            capture_output=True,
            check=True,
        )
        return done.stdout.decode().strip()

    def tree(*entries: tuple[str, str, str]) -> str:
        data = b"".join(
            f"{mode} {name}".encode() + b"\0" + bytes.fromhex(sha) for mode, name, sha in entries
        )
        return obj("tree", data)

    cm = obj("blob", f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {CANARY[:6]}\n".encode())
    kust = obj("blob", b"resources:\n  - cm.yaml\n")
    app = tree(("100644", "cm.yaml", cm), ("100644", "kustomization.yaml", kust))
    top = {
        "dotdot": lambda: tree(
            ("40000", "..", tree(("100644", "cm.yaml", cm))), ("40000", "app", app)
        ),
        "dotgit": lambda: tree(
            ("40000", ".git", tree(("100755", "post-checkout", cm))), ("40000", "app", app)
        ),
        "duplicate": lambda: tree(("40000", "app", app), ("40000", "app", app)),
        "file-and-folder": lambda: tree(("100644", "app", cm), ("40000", "app", app)),
    }[kind]()
    parent = box.git("rev-parse", "HEAD").strip()
    return box.git("commit-tree", top, "-p", parent, "-m", "crafted").strip()


@pytest.mark.parametrize("kind", ["dotdot", "dotgit", "duplicate", "file-and-folder"])
def test_diff_refuses_a_tree_git_would_not_check_out(tmp_path: Path, kind: str) -> None:
    box = sandbox(tmp_path)
    small_repo(box)
    head = crafted_commit(box, kind)
    before = git_state(box)
    proc = run_checked(box, "diff", "--base", "HEAD", "--head", head, codes=(2,))
    assert "refusing to read it" in proc.stderr
    assert git_state(box) == before


def test_init_refuses_a_git_file_that_is_no_repository(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    (box.outside / "not-a-repo").mkdir()
    (box.repo / ".git").write_text(f"gitdir: {box.outside / 'not-a-repo'}\n")
    before = tree(box.repo)
    proc = run_checked(box, "init", ".", "--controller", "argocd", codes=(2,))
    assert "not a git repository" in proc.stderr
    assert tree(box.repo) == before


@pytest.mark.parametrize(
    ("index", "words"),
    [
        ("not json", "is not JSON"),
        ("[1, 2]", "JSON array"),
        ('{"example.com/v1/Widget": 3}', "JSON number"),
        ('{"example.com/v1/Widget": {"path": "w.json"}}', "JSON object"),
        ('{"example.com/v1/Widget": "../../outside/canary.yaml"}', "outside its folder"),
        ('{"example.com/v1/Widget": "broken.json"}', "cannot be read"),
    ],
)
def test_lint_refuses_a_broken_crds_index(tmp_path: Path, index: str, words: str) -> None:
    box = sandbox(tmp_path)
    write(
        box.repo,
        {
            "gitops-ml.yaml": "crds:\n  - crds\n",
            "crds/index.json": index,
            "crds/broken.json": '{"type": "object"',
            "app/kustomization.yaml": "resources:\n  - w.yaml\n",
            "app/w.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n",
        },
    )
    before = tree(box.repo)
    proc = run_checked(box, "lint", ".", codes=(2,))
    assert words in proc.stderr
    assert tree(box.repo) == before


def test_schemas_import_refuses_a_schema_nested_too_deeply(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    n = 10_000
    deep = "{type: object, properties: {a: " * n + "{type: string}" + "}}" * n
    self_ref = (
        "\n    schema:\n      openAPIV3Schema: &s\n        type: object\n"
        "        properties:\n          a: *s\n"
    )
    head = CRD.format(group="example.com", kind="Widget", version="v1").split("\n      schema:")[0]
    write(
        box.repo,
        {
            "deep.yaml": head + "\n      schema:\n        openAPIV3Schema: " + deep + "\n",
            "self.yaml": head + self_ref.replace("\n    ", "\n      "),
        },
    )
    for name in ("deep.yaml", "self.yaml"):
        before = tree(box.repo)
        proc = run_checked(box, "schemas", "import", name, "--out", "out", codes=(2,))
        assert re.search(r"deep|alias", proc.stderr), proc.stderr
        assert tree(box.repo) == before


# -- class 4: a refusal changes nothing, a failed commit puts everything back ------------------

STAGING = "models/churn/overlays/staging"
HOOK_SAYS_NO = '#!/bin/sh\necho "the hook says no" >&2\nexit 1\n'


def promotable(box: Sandbox) -> None:
    from tests.mlrepo import make_repo

    make_repo(box.repo)
    for name, old, new in (
        ("kustomization.yaml", 'newTag: "1.0.0"', 'newTag: "1.1.0"'),
        ("model.yaml", "s3://models/churn/v1", "s3://models/churn/v2"),
    ):
        path = box.repo / STAGING / name
        path.write_text(path.read_text().replace(old, new))
    commit(box, "churn 1.1.0 in staging")


PROMOTE = ("promote", "churn", "--from", "staging", "--to", "prod")
NEW_MODEL = ("new-model", "iris", "--framework", "sklearn")


@pytest.mark.parametrize(
    ("command", "hostile", "words"),
    [
        (PROMOTE, "lock", "index.lock exists"),
        (NEW_MODEL, "lock", "index.lock exists"),
        ((*NEW_MODEL, "--branch", "feature"), "lock", "index.lock exists"),
        (PROMOTE, "hook", "restored"),
        (NEW_MODEL, "hook", "removed or restored"),
        ((*NEW_MODEL, "--branch", "feature"), "hook", "switched back to main"),
        ((*NEW_MODEL, "--repo", ".", "--branch", "feature"), "linked-models", "symbolic link"),
    ],
)
def test_a_refusal_leaves_the_repository_as_it_was(
    tmp_path: Path, command: tuple[str, ...], hostile: str, words: str
) -> None:
    box = sandbox(tmp_path)
    promotable(box)
    if hostile == "linked-models":
        shutil.move(box.repo / "models", box.outside / "models")
        (box.repo / "models").symlink_to(box.outside / "models", target_is_directory=True)
        commit(box, "models elsewhere")
    git_dir = box.repo / ".git"
    if hostile == "lock":
        (git_dir / "index.lock").write_text("")
    if hostile == "hook":
        (git_dir / "hooks" / "pre-commit").write_text(HOOK_SAYS_NO)
        (git_dir / "hooks" / "pre-commit").chmod(0o755)
    before = git_state(box)
    proc = run_checked(box, *command, codes=(2,))
    assert words in proc.stderr
    assert "'." not in proc.stderr, "git's quoted message leaked its closing quote"
    assert git_state(box) == before


def test_init_force_refuses_a_staged_file_before_writing(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    box.git("init", "-q", "-b", "main")
    write(box.repo, {"notes.txt": "mine\n"})
    box.git("add", "notes.txt")
    before = git_state(box)
    proc = run_checked(box, "init", ".", "--controller", "argocd", "--force", codes=(2,))
    assert "notes.txt is staged" in proc.stderr
    assert git_state(box) == before


# -- class 5: wrong results ------------------------------------------------------------------

PROD = "models/churn/overlays/prod"
FOLDED = """\
              value: >-  # the trained model
                s3://models/churn/v1
            - name: OTHER
              value: kept
"""


def test_promote_edits_a_folded_block_scalar_as_one_value(tmp_path: Path) -> None:
    from ruamel.yaml import YAML

    box = sandbox(tmp_path)
    promotable(box)
    patch = box.repo / PROD / "model.yaml"
    text = patch.read_text()
    patch.write_text(
        text.replace('              value: "s3://models/churn/v1"  # the trained model\n', FOLDED)
    )
    commit(box, "prod's model URI as a folded block")
    run_checked(box, *PROMOTE, codes=(0,))
    promoted = patch.read_text()
    env = YAML(typ="safe").load(promoted)["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [
        {"name": "MODEL_URI", "value": "s3://models/churn/v2"},
        {"name": "OTHER", "value": "kept"},
    ]
    assert "# the trained model" in promoted
    calls = (box.markers / "git-args").read_text().splitlines()
    commits = [c for c in calls if c.startswith("commit")]
    assert commits and all(c.startswith("commit -F -") for c in commits), commits


def test_promote_refuses_two_layouts_of_one_model(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    promotable(box)
    shutil.copytree(box.repo / "models" / "churn", box.repo / "apps" / "churn")
    commit(box, "a second layout")
    before = git_state(box)
    proc = run_checked(box, *PROMOTE, codes=(2,))
    assert "apps/churn/overlays/staging" in proc.stderr
    assert "models/churn/overlays/staging" in proc.stderr
    assert git_state(box) == before


@pytest.mark.parametrize(
    ("file", "old", "new", "words"),
    [
        ("kustomization.yaml", 'newTag: "1.1.0"', "newTag: 1" + "x" * 100_000, "128"),
        ("model.yaml", "s3://models/churn/v2", "s3://models/churn/" + "v" * 100_000, "4096"),
    ],
)
def test_promote_refuses_a_version_no_registry_accepts(
    tmp_path: Path, file: str, old: str, new: str, words: str
) -> None:
    box = sandbox(tmp_path)
    promotable(box)
    path = box.repo / STAGING / file
    path.write_text(path.read_text().replace(old, new))
    commit(box, "a huge version in staging")
    before = git_state(box)
    proc = run_checked(box, *PROMOTE, codes=(2,))
    assert words in proc.stderr
    assert git_state(box) == before


@pytest.mark.parametrize(
    "options",
    [
        ("m2\n", "--framework", "sklearn"),
        ("m2", "--framework", "pytorch", "--training", "pytorchjob"),
        ("m2", "--framework", "sklearn", "--storage-uri", "s3://models/m2/v1\n"),
        ("m2", "--framework", "sklearn", "--branch", "feature\n"),
    ],
)
def test_new_model_refuses_a_trailing_newline(tmp_path: Path, options: tuple[str, ...]) -> None:
    box = sandbox(tmp_path)
    promotable(box)
    if "pytorchjob" in options:
        options = (*options, "--training-image", "registry.example.com/train:1.0.0\n")
    before = git_state(box)
    proc = run_checked(box, "new-model", *options, codes=(2,))
    assert "\\n" in proc.stderr  # the value is shown as Python shows it: 'm2\n'
    assert git_state(box) == before


def test_no_validation_pattern_accepts_a_trailing_newline() -> None:
    """``$`` matches before a final newline; patterns that check a whole value use ``\\Z``.

    Patterns applied to one line of text (suppression comments, build messages) and
    the CEL interpreter's own are listed; every other one must not end a match at ``$``.
    """
    import ast

    line_based = {
        "lint/suppress.py",
        "lint/rules/suppression_unexplained.py",
        "build_errors.py",
        "cel.py",
    }
    package = Path(__file__).resolve().parents[1] / "gitops_ml"
    found = []
    for path in package.rglob("*.py"):
        if path.relative_to(package).as_posix() in line_based:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                continue
            if "MULTILINE" in ast.unparse(node):
                continue
            if re.search(r"(?<!\\)\$", node.args[0].value):
                found.append(f"{path.relative_to(package)}:{node.lineno}")
    assert found == []


def test_lint_reports_an_image_no_registry_accepts(tmp_path: Path) -> None:
    """What `new-model` used to commit from `--training-image $'repo:1.0.0\\n'`."""
    import json

    box = sandbox(tmp_path)
    write(
        box.repo,
        {
            "app/kustomization.yaml": (
                "resources:\n  - job.yaml\nimages:\n  - name: registry.example.com/train\n"
                '    newTag: "1.0.0\\n"\n'
            ),
            "app/job.yaml": TRAIN_JOB.replace(":1.0.0", ""),
        },
    )
    commit(box)
    proc = run_checked(box, "lint", "--format", "json", ".", codes=(1,))
    found = [
        f for f in json.loads(proc.stdout)["findings"] if f["rule"] == "image-reference-invalid"
    ]
    assert [(f["file"], f["line"]) for f in found] == [("app/kustomization.yaml", 4)]
    assert "whitespace" in found[0]["message"]
