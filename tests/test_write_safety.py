"""Writes and git under failure, on real repositories and real processes.

1. ``init``, ``new-model`` and ``promote`` run as subprocesses under
   ``tests/write_safety_hook/launch.py``, which interrupts them at a chosen
   write (SIGINT, SIGTERM, SIGKILL, an exception, a full disk). Afterwards every
   file is as it was or as a complete run writes it, no temporary file is left
   (SIGKILL aside: docs/limits.md), git works, and HEAD is the old commit or a
   complete new one.
2. A symbolic link leading out of the repository is refused; nothing outside changes.
3. The user's other staged and unstaged changes stay as they were, the commit
   holds exactly the written paths, and a detached HEAD, a merge or a rebase in
   progress is refused before anything is written.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitops_ml.cache import cache_dir
from gitops_ml.cli import main
from tests.mlrepo import commit_all, make_repo
from tests.write_safety_hook import ACTIONS, LAUNCHER

REPO_URL = "https://github.com/acme/ml-gitops.git"
INIT = ("init", "{root}", "--controller", "argocd", "--repo-url", REPO_URL)
NEW_MODEL = (
    "new-model",
    "iris",
    "--framework",
    "sklearn",
    "--training",
    "none",
    "--repo",
    "{root}",
)
PROMOTE = ("promote", "churn", "--from", "staging", "--to", "prod", "-C", "{root}")
STAGING = "models/churn/overlays/staging"
PROD = "models/churn/overlays/prod"
TEMP_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")  # yamlio.atomic_write's temporary files


# -- real repositories -------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the work tree (not .git), by POSIX path."""
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def rev(root: Path, ref: str) -> str | None:
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "-q", ref], cwd=root, capture_output=True, text=True
    )
    return done.stdout.strip() if done.returncode == 0 else None


def promotable_repo(root: Path) -> Path:
    """tests/mlrepo's repository with churn 1.1.0 and model v2 in staging, committed."""
    make_repo(root)
    for name, old, new in (
        ("kustomization.yaml", 'newTag: "1.0.0"', 'newTag: "1.1.0"'),
        ("model.yaml", "s3://models/churn/v1", "s3://models/churn/v2"),
    ):
        path = root / STAGING / name
        path.write_text(path.read_text().replace(old, new))
    commit_all(root, "churn 1.1.0 in staging")
    return root


def scaffolded_repo(root: Path) -> Path:
    code, out = cli(*(a.format(root=root) for a in INIT))
    assert code == 0, out
    return root


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


# -- 1. interrupted at every write ----------------------------------------------------------


def launch(
    root: Path, args: tuple[str, ...], at: int = 0, action: str = "raise", log: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run gitops-ml ``args`` under the failure-injection launcher, in its own session."""
    env = {
        **os.environ,
        "WRITE_SAFETY_ROOT": str(root),
        "WRITE_SAFETY_AT": str(at),
        "WRITE_SAFETY_ACTION": action,
    }
    env.pop("WRITE_SAFETY_LOG", None)
    if log is not None:
        env["WRITE_SAFETY_LOG"] = str(log)
    return subprocess.run(
        [sys.executable, str(LAUNCHER), *(a.format(root=root) for a in args)],
        cwd=root.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,  # the launcher signals its own process group
    )


@dataclass(frozen=True)
class Reference:
    """A command, the repository before it, and what one complete run leaves."""

    template: Path  # the repository before the command (absent for init)
    args: tuple[str, ...]
    events: tuple[str, ...]  # the writes a complete run makes, in order: "event<TAB>path"
    before: dict[str, bytes]
    after: dict[str, bytes]
    head_before: str | None
    tree_after: str


def reference(base: Path, args: tuple[str, ...], make: Callable[[Path], Path] | None) -> Reference:
    template = base / "before" / "repo"
    template.parent.mkdir(parents=True)
    if make is not None:
        make(template)
    complete = base / "complete" / "repo"
    complete.parent.mkdir()
    if template.exists():
        shutil.copytree(template, complete, symlinks=True)
    log = base / "complete.log"
    done = launch(complete, args, log=log)
    assert done.returncode == 0, done.stderr
    tree = rev(complete, "HEAD^{tree}")
    assert tree is not None
    return Reference(
        template=template,
        args=args,
        events=tuple(log.read_text().splitlines()),
        before=snapshot(template),
        after=snapshot(complete),
        head_before=rev(template, "HEAD") if template.exists() else None,
        tree_after=tree,
    )


def problems_after(ref: Reference, root: Path, action: str, code: int) -> list[str]:
    """Everything wrong with ``root`` after an interrupted run; [] when it is sane."""
    out: list[str] = []
    files = snapshot(root)
    temps = [rel for rel in files if TEMP_NAME.match(rel.rsplit("/", 1)[-1])]
    if temps and action != "sigkill":
        out.append(f"temporary files left: {temps}")
    tree = {rel: data for rel, data in files.items() if rel not in temps}
    for rel, data in tree.items():
        if data not in (ref.before.get(rel), ref.after.get(rel)):
            out.append(f"{rel} is neither its old content nor the complete run's")
    if action != "sigkill" and tree not in (ref.before, ref.after):
        # only SIGKILL may stop a run between two files; anything else is undone
        mixed = sorted(r for r in ref.after if tree.get(r) == ref.after[r] != ref.before.get(r))
        out.append(f"part of the files written: {mixed[:3]}")
    if (root / ".git" / "index.lock").exists() and action != "sigkill":
        out.append(".git/index.lock left behind")
    head = rev(root, "HEAD") if (root / ".git").exists() else None
    if (root / ".git").exists():
        status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True)
        if status.returncode != 0:
            out.append(f"git status fails: {status.stderr.decode().strip()}")
    if head != ref.head_before:
        if rev(root, "HEAD^{tree}") != ref.tree_after:
            out.append("HEAD is a new commit that is not the complete run's")
        elif ref.head_before and rev(root, "HEAD~1") != ref.head_before:
            out.append("the new commit does not follow the old HEAD")
        elif tree != ref.after:
            out.append("committed, but the work tree is not the complete run's")
    elif code == 0:
        # a failure the command absorbed (mkdir of an existing folder) must still finish
        out.append("exited 0 without committing")
    return out


def interrupt(ref: Reference, base: Path, at: int, action: str) -> str | None:
    """Run the command interrupted at write ``at``; a description of what broke, or None."""
    root = base / f"{at}-{action}" / "repo"
    root.parent.mkdir(parents=True)
    if ref.template.exists():
        shutil.copytree(ref.template, root, symlinks=True)
    done = launch(root, ref.args, at=at, action=action)
    found = problems_after(ref, root, action, done.returncode)
    found += remove_crash_report(done)
    if not found:
        return None
    where = ref.events[at - 1].replace(str(root) + "/", "")
    return f"{action} at write {at} ({where}): {'; '.join(found)}\n{done.stderr[-400:]}"


CRASH_REPORT = re.compile(r"the traceback is in (\S+); please report it")


def remove_crash_report(done: subprocess.CompletedProcess[str]) -> list[str]:
    """Delete the crash report an internal error wrote; a problem if it is not in the cache."""
    found = CRASH_REPORT.search(done.stderr)
    if found is None:
        return []
    report = Path(found.group(1))
    folder = cache_dir()
    report.unlink()
    if folder is None or not report.is_relative_to(folder / "crash"):
        return [f"the crash report {report} is not under the cache folder {folder}"]
    return []


def points(ref: Reference, key: set[int], stride: int) -> list[tuple[int, str]]:
    """(write number, action): every action at the ``key`` writes, one at every
    ``stride``-th other write, rotating so that each kind of write (mkdir, open,
    fsync, chmod, rename, git) meets different actions."""
    chosen: list[tuple[int, str]] = []
    for at in range(1, len(ref.events) + 1):
        if at in key:
            chosen += [(at, action) for action in ACTIONS]
        elif at % stride == 0:
            chosen.append((at, ACTIONS[(at // stride + at) % len(ACTIONS)]))
    return chosen


def first(ref: Reference, pattern: str, last: bool = False) -> int:
    """The number of the first (or last) write whose log line matches ``pattern``."""
    found = [at for at, line in enumerate(ref.events, start=1) if re.search(pattern, line)]
    assert found, f"no write matches {pattern!r}"
    return found[-1] if last else found[0]


def key_writes(ref: Reference) -> set[int]:
    """Mid-write of the first file, after the first file, after the last, each git step."""
    renames = [
        n for n, line in enumerate(ref.events, 1) if re.match(r"os.rename\t(?!.*/\.git/)", line)
    ]
    keys = {first(ref, r"^fsync"), renames[0], renames[-1], first(ref, r"git commit")}
    keys.add(first(ref, r"git (add|hash-object)"))
    if any(line.endswith("/.git/index.lock") for line in ref.events):
        keys.add(first(ref, r"/\.git/index\.lock$"))
    return keys


def run_points(ref: Reference, base: Path, chosen: list[tuple[int, str]]) -> None:
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        found = list(pool.map(lambda p: interrupt(ref, base, *p), chosen))
    broken = [f for f in found if f]
    assert not broken, f"{len(broken)} of {len(chosen)} interrupted runs:\n" + "\n".join(broken)


def _is_git(line: str) -> bool:
    return line.startswith("subprocess.Popen") or "/.git/" in line


def test_promote_interrupted(tmp_path: Path) -> None:
    ref = reference(tmp_path, PROMOTE, promotable_repo)
    assert len(ref.events) >= 10  # two files through a temporary name, git add, git commit
    run_points(ref, tmp_path, points(ref, key_writes(ref), stride=1))


def test_new_model_interrupted(tmp_path: Path) -> None:
    ref = reference(tmp_path, NEW_MODEL, scaffolded_repo)
    assert len(ref.events) >= 30
    run_points(ref, tmp_path, points(ref, key_writes(ref), stride=4))


def test_an_internal_error_writes_its_report_under_the_cache_folder(tmp_path: Path) -> None:
    root = promotable_repo(tmp_path / "repo")
    done = launch(root, PROMOTE, at=1, action="raise")
    assert done.returncode == 3, done.stderr
    found = CRASH_REPORT.search(done.stderr)
    assert found is not None, done.stderr
    report = Path(found.group(1))
    assert "injected failure" in report.read_text()
    assert remove_crash_report(done) == []
    assert not report.exists()


def test_init_interrupted(tmp_path: Path) -> None:
    ref = reference(tmp_path, INIT, None)
    assert len(ref.events) >= 60
    run_points(ref, tmp_path, points(ref, key_writes(ref) | {first(ref, "git init")}, stride=12))


# -- 2. symbolic links leading out of the repository ------------------------------------


def git_out(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def one_sentence(out: str) -> str:
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gitops-ml: ") and lines[0].endswith("."), out
    return lines[0]


def link_outside(root: Path, rel: str, outside: Path, move: bool = True) -> None:
    """Move ``rel`` to ``outside`` (or delete it), leave a symbolic link there, commit."""
    path = root / rel
    if path.is_dir() and not move:
        shutil.rmtree(path)
    if path.exists():
        shutil.move(path, outside)
    else:
        outside.mkdir(parents=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(outside)
    git_out(root, "add", "-A")
    git_out(root, "commit", "-q", "-m", f"{rel} lives elsewhere")


def state(root: Path) -> tuple[dict[str, bytes], str | None, str]:
    return snapshot(root), rev(root, "HEAD"), git_out(root, "status", "--porcelain")


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return scaffolded_repo(tmp_path_factory.mktemp("scaffolded") / "repo")


@pytest.fixture(scope="module")
def promotable(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return promotable_repo(tmp_path_factory.mktemp("promotable") / "repo")


def copy_of(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(template, root, symlinks=True)
    return root


@pytest.mark.parametrize(
    ("link", "extra"),
    [
        ("models", ()),
        ("components", ()),  # an empty folder: new-model would write the Components there
        # the model exists: only --force writes
        ("models/iris/overlays", ("--force", "--envs", "dev,staging,prod")),
    ],
)
def test_new_model_never_writes_through_a_symlink(
    scaffolded: Path, tmp_path: Path, link: str, extra: tuple[str, ...]
) -> None:
    root = copy_of(scaffolded, tmp_path)
    outside = tmp_path / "outside" / link.replace("/", "-")
    link_outside(root, link, outside, move=link != "components")
    outside_before, before = snapshot(outside), state(root)
    code, out = cli(*(a.format(root=root) for a in NEW_MODEL), *extra)
    assert code == 2, out
    assert "symbolic link" in one_sentence(out)
    assert snapshot(outside) == outside_before
    assert state(root) == before


@pytest.mark.parametrize("link", [f"{PROD}/kustomization.yaml", f"{PROD}/model.yaml", PROD])
def test_promote_never_writes_through_a_symlink(
    promotable: Path, tmp_path: Path, link: str
) -> None:
    root = copy_of(promotable, tmp_path)
    outside = tmp_path / "outside" / Path(link).name
    outside.parent.mkdir()
    link_outside(root, link, outside)
    outside_before, before = snapshot(outside.parent), state(root)
    code, out = cli(*(a.format(root=root) for a in PROMOTE))
    assert code == 2, out
    one_sentence(out)
    assert snapshot(outside.parent) == outside_before
    assert state(root) == before


def test_init_never_writes_through_a_symlink(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "clusters").symlink_to(outside)
    code, out = cli(*(a.format(root=root) for a in INIT), "--force")
    assert code == 2, out
    assert "symbolic link" in one_sentence(out)
    assert list(outside.iterdir()) == []
    assert sorted(p.name for p in root.iterdir()) == ["clusters"]  # not even .git


# -- 3. git: the user's other changes, and states that are refused -----------------------


def dirty_elsewhere(root: Path) -> list[str]:
    """Staged, unstaged, staged-then-edited and untracked changes outside any plan."""
    readme = root / "README.md"
    readme.write_text(readme.read_text() + "staged\n")
    config = root / "gitops-ml.yaml"
    config.write_text(config.read_text() + "# staged\n")
    git_out(root, "add", "README.md", "gitops-ml.yaml")
    config.write_text(config.read_text() + "# and edited again\n")
    notes = (
        root / ".pre-commit-config.yaml" if (root / ".pre-commit-config.yaml").exists() else None
    )
    if notes is None:
        notes = root / "components/prod-ha/kustomization.yaml"
    notes.write_text(notes.read_text() + "# unstaged\n")
    (root / "scratch.txt").write_text("untracked\n")
    return ["README.md", "gitops-ml.yaml", notes.relative_to(root).as_posix(), "scratch.txt"]


def user_changes(root: Path, paths: list[str]) -> tuple[str, str, str]:
    return (
        git_out(root, "diff", "--cached", "--", *paths),
        git_out(root, "diff", "--", *paths),
        git_out(root, "status", "--porcelain", "--", *paths),
    )


@pytest.mark.parametrize("command", ["new-model", "promote"])
def test_other_changes_stay_as_they_were_and_only_written_paths_are_committed(
    scaffolded: Path, promotable: Path, tmp_path: Path, command: str
) -> None:
    root = copy_of(scaffolded if command == "new-model" else promotable, tmp_path)
    if command == "promote":
        (root / "README.md").write_text("# ml\n")
        git_out(root, "add", "README.md")
        git_out(root, "commit", "-q", "-m", "readme")
    paths = dirty_elsewhere(root)
    before_files, before_changes = snapshot(root), user_changes(root, paths)
    code, out = cli(
        *(a.format(root=root) for a in (NEW_MODEL if command == "new-model" else PROMOTE))
    )
    assert code == 0, out
    assert user_changes(root, paths) == before_changes
    after = snapshot(root)
    written = sorted(rel for rel in after if after[rel] != before_files.get(rel))
    committed = git_out(root, "show", "--name-only", "--format=", "HEAD").split()
    assert written and sorted(committed) == written


REFUSALS = {
    "detached": ("HEAD is detached", lambda root: git_out(root, "checkout", "-q", "--detach")),
    "merge": (
        "middle of a merge",
        lambda root: (root / ".git/MERGE_HEAD").write_text(git_out(root, "rev-parse", "HEAD")),
    ),
    "rebase": ("middle of a rebase", lambda root: (root / ".git/rebase-merge").mkdir()),
}


@pytest.mark.parametrize("situation", sorted(REFUSALS))
@pytest.mark.parametrize("command", ["init", "new-model", "promote"])
def test_refuses_a_detached_head_a_merge_or_a_rebase_before_writing(
    scaffolded: Path, promotable: Path, tmp_path: Path, command: str, situation: str
) -> None:
    if command == "init":  # an existing repository with one file of the user's
        root = tmp_path / "repo"
        root.mkdir()
        git_out(root, "init", "-q", "-b", "main")
        (root / "notes.txt").write_text("mine\n")
        git_out(root, "add", "notes.txt")
        git_out(root, "commit", "-q", "-m", "notes")
        args = (*(a.format(root=root) for a in INIT), "--force")
    else:
        root = copy_of(scaffolded if command == "new-model" else promotable, tmp_path)
        args = tuple(
            a.format(root=root) for a in (NEW_MODEL if command == "new-model" else PROMOTE)
        )
    phrase, make = REFUSALS[situation]
    make(root)
    before = state(root)
    code, out = cli(*args)
    assert code == 2, out
    assert phrase in one_sentence(out)
    assert state(root) == before
