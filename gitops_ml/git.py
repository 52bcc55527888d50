"""git through GitPython: the only module that touches a repository's history.

Two parts, kept apart: reading (merge base, changed files, a tree at a ref
written into a folder; never a checkout, a stash or an index change in the
user's repository), and writing (branch and commit only the paths a command
wrote, refusing when those paths hold uncommitted changes).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitops_ml.errors import UserError
from gitops_ml.yamlio import sigterm_unwinds

if TYPE_CHECKING:
    import git

# == review and promote: read-only git, plus promote's commit_only =======================

MAX_BLOB_BYTES = 16 * 1024 * 1024


def git_failure(exc: Exception) -> str:
    """The last line git printed, as one clause (GitPython quotes stderr: ``'...'``)."""
    text = str(getattr(exc, "stderr", None) or "").strip()
    if text.startswith("stderr:"):
        text = text[len("stderr:") :].strip().strip("'")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    last = lines[-1].strip("'\"").rstrip(".").strip() if lines else ""
    if last:
        return last
    status = getattr(exc, "status", None)
    return f"git exited with status {status} and said nothing" if status else str(exc)


@dataclass(frozen=True)
class GitView:
    """A GitOps root inside a git work tree."""

    repo: git.Repo
    toplevel: Path
    prefix: str  # the GitOps root relative to the work tree ('' at the top)

    def to_root(self, git_path: str) -> str | None:
        """A work-tree-relative path as a GitOps-root-relative one (None outside it)."""
        if not self.prefix:
            return git_path
        head = self.prefix + "/"
        return git_path[len(head) :] if git_path.startswith(head) else None


def open_view(root: Path) -> GitView:
    """The git repository holding ``root``, or a UserError."""
    import git

    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise UserError(f"{root} is not inside a git repository") from None
    if repo.bare or repo.working_tree_dir is None:
        raise UserError(f"{root} is in a bare git repository")
    toplevel = Path(repo.working_tree_dir).resolve()
    prefix = root.resolve().relative_to(toplevel).as_posix()
    return GitView(repo=repo, toplevel=toplevel, prefix="" if prefix == "." else prefix)


def resolve_commit(view: GitView, ref: str) -> git.Commit:
    import git

    shown = ref if len(ref) <= 100 else ref[:97] + "..."
    if not ref or ref.startswith("-") or any(c in ref for c in "\0\n\r"):
        raise UserError(f"{shown!r} is not a commit in {view.toplevel}")
    # git itself resolves the name: GitPython's own reader raises KeyError and
    # IndexError on `HEAD:../x`, `@{-1}` or `HEAD@{99}`
    try:
        sha = view.repo.git.rev_parse(
            "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"
        )
        commit = view.repo.commit(sha.strip())
    except (git.GitCommandError, git.BadName, git.BadObject, ValueError):
        raise UserError(f"{shown!r} is not a commit in {view.toplevel}") from None
    return commit


def merge_base(view: GitView, base: str, head: str | None) -> git.Commit:
    """The merge base of ``base`` and ``head`` (HEAD when ``head`` is None)."""
    base_commit = resolve_commit(view, base)
    head_commit = resolve_commit(view, head or "HEAD")
    found = view.repo.merge_base(base_commit, head_commit)
    if not found:
        raise UserError(f"{base!r} and {head or 'HEAD'!r} have no common ancestor")
    commit: git.Commit = found[0]
    return commit


def changed_files(view: GitView, base: git.Commit, head: str | None) -> tuple[str, ...]:
    """GitOps-root-relative paths that differ between ``base`` and ``head``.

    ``head`` None means the working tree: staged and unstaged changes and
    untracked files that are not ignored. Both sides of a rename count.
    """
    paths: set[str] = set()
    if head is None:
        diffs: Iterable[Any] = base.diff(None)
        paths.update(view.repo.untracked_files)
    else:
        diffs = base.diff(resolve_commit(view, head))
    for item in diffs:
        for path in (item.a_path, item.b_path):
            if path:
                paths.add(path)
    inside = (view.to_root(p) for p in paths)
    return tuple(sorted(p for p in inside if p))


@dataclass(frozen=True)
class _Entry:
    mode: int
    kind: str  # blob, tree, commit (a submodule)
    sha: str
    size: int
    path: str  # work-tree-relative POSIX path


def tree_entries(view: GitView, commit: git.Commit) -> list[_Entry]:
    """Every file of ``commit`` (``git ls-tree -r``), or a UserError for a tree git
    would never check out: an entry named ``.``, ``..`` or ``.git``, or two
    entries with one name (each is possible with ``git mktree``/``hash-object``).
    """
    import git

    short = commit.hexsha[:12]
    try:
        out = view.repo.git.ls_tree("-r", "-z", "-l", "--full-tree", commit.hexsha)
    except git.GitCommandError as exc:
        raise UserError(f"cannot read the tree of {short}: {git_failure(exc)}") from None
    entries: list[_Entry] = []
    for record in out.split("\0"):
        if not record:
            continue
        meta, _, path = record.partition("\t")
        fields = meta.split()
        if len(fields) != 4 or not path:
            raise UserError(f"commit {short} holds a tree entry git cannot list")
        bad = next(
            (p for p in path.split("/") if p in ("", ".", "..") or p.casefold() == ".git"), None
        )
        if bad is not None:
            raise UserError(
                f"commit {short} holds a path with a part named {bad!r} ({path[:200]!r}), "
                "which git refuses to check out; refusing to read it"
            )
        size = int(fields[3]) if fields[3].isdigit() else 0
        entries.append(_Entry(int(fields[0], 8), fields[1], fields[2], size, path))
    paths = [e.path for e in entries]
    seen: set[str] = set()
    for path in paths:
        if path in seen:
            raise UserError(
                f"commit {short} holds two entries named {path[:200]!r}; refusing to read it"
            )
        seen.add(path)
    folders = {"/".join(p.split("/")[:i]) for p in paths for i in range(1, p.count("/") + 1)}
    clash = sorted(seen & folders)
    if clash:
        raise UserError(
            f"commit {short} holds {clash[0][:200]!r} both as a file and as a folder; "
            "refusing to read it"
        )
    return entries


def staged_paths(view: GitView) -> tuple[str, ...]:
    """GitOps-root-relative paths the staged change touches: added, modified,
    deleted, and both sides of a rename (``git diff --cached --name-status -M``)."""
    import git

    try:
        out = view.repo.git.diff("--cached", "--name-status", "-M", "-z")
    except git.GitCommandError as exc:
        detail = (exc.stderr or str(exc)).strip().splitlines()
        raise UserError(f"git diff --cached failed: {detail[-1] if detail else exc}") from None
    fields = out.split("\0")
    paths: set[str] = set()
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i]
        count = 2 if status[:1] in ("R", "C") else 1
        paths.update(f for f in fields[i + 1 : i + 1 + count] if f)
        i += 1 + count
    inside = (view.to_root(p) for p in paths)
    return tuple(sorted(p for p in inside if p))


def export_tree(view: GitView, commit: git.Commit, dest: Path) -> Path:
    """Write the GitOps root as it is in ``commit`` into ``dest``; return that root.

    Blobs are read from the object database, so the user's work tree and index
    are never touched. Symbolic links and submodules are left out: a build must
    not follow a link out of the tree. A tree git would not check out (see
    ``tree_entries``) is refused before anything is written.
    """
    root = dest.resolve()
    head = f"{view.prefix}/" if view.prefix else ""
    wanted = [e for e in tree_entries(view, commit) if e.path.startswith(head)]
    root.mkdir(parents=True, exist_ok=True)
    for entry in wanted:
        if entry.kind != "blob" or stat.S_ISLNK(entry.mode) or entry.size > MAX_BLOB_BYTES:
            continue
        target = Path(os.path.normpath(root / entry.path[len(head) :]))
        if not target.is_relative_to(root):  # pragma: no cover - tree_entries refuses '..'
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(view.repo.odb.stream(bytes.fromhex(entry.sha)).read())
        if entry.mode & 0o111:
            target.chmod(0o755)
    return root


@dataclass(frozen=True)
class Change:
    """A commit as history readers need it: hash, committer date, trailers."""

    commit: str
    date: str  # ISO 8601, committer date
    trailers: tuple[tuple[str, str], ...] = ()
    age: int = 0  # commits between it and HEAD in log order: the newest has 0

    def trailer(self, key: str) -> str | None:
        return next((v for k, v in self.trailers if k.lower() == key.lower()), None)


# Commits read when looking for a file's last change; older ones count as never changed.
HISTORY_LIMIT = 20_000


def _trailers(text: str) -> tuple[tuple[str, str], ...]:
    found = []
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and " " not in key.strip():
            found.append((key.strip(), value.strip()))
    return tuple(found)


_LOG_FORMAT = "%x1e%H%x1f%cI%x1f%(trailers:only,unfold)%x1f"


def _log(view: GitView, *args: str) -> Iterator[tuple[Change, str]]:
    """``git log ARGS`` as Changes (newest first), each with the text after its header
    (the names ``--name-only`` lists); nothing before the first commit."""
    import git

    try:
        out = view.repo.git.log(f"--format={_LOG_FORMAT}", *args)
    except git.GitCommandError:
        return  # no commit yet
    for age, record in enumerate(out.split("\x1e")[1:]):
        commit, date, trailers, rest = [*record.split("\x1f", 3), "", "", ""][:4]
        yield Change(commit.strip(), date.strip(), _trailers(trailers), age), rest


def last_changes(view: GitView, paths: Iterable[str]) -> dict[str, Change]:
    """The newest commit reachable from HEAD that changed each of ``paths`` (root-relative).

    One ``git log --name-only`` pass, stopped as soon as every path is found;
    a path that no commit within ``HISTORY_LIMIT`` changed is left out. Renames
    are not followed: a file's history starts where it got its name.
    """
    wanted = {f"{view.prefix}/{p}" if view.prefix else p: p for p in paths}
    found: dict[str, Change] = {}
    if not wanted:
        return found
    records = _log(view, "--name-only", "--no-renames", f"-n{HISTORY_LIMIT}", "HEAD")
    for change, names in records:
        for name in names.split("\n"):
            rel_path = wanted.get(name.strip())
            if rel_path is not None and rel_path not in found:
                found[rel_path] = change
        if len(found) == len(wanted):
            break
    return found


def commits_touching(view: GitView, paths: Iterable[str], limit: int) -> list[Change]:
    """Commits reachable from HEAD that changed any of ``paths`` (root-relative), newest first."""
    wanted = [f"{view.prefix}/{p}" if view.prefix else p for p in paths]
    if not wanted:
        return []
    return [change for change, _ in _log(view, f"-n{limit}", "HEAD", "--", *wanted)]


def commit_to_branch(view: GitView, branch: str, texts: dict[str, str], message: str) -> str:
    """Commit ``texts`` (root-relative path -> content) on top of HEAD as new branch ``branch``.

    The work tree, the index and the current branch are left exactly as they
    are: the commit is built in a temporary index from HEAD's tree. The
    message goes to git on standard input, whatever its length.
    """
    import subprocess

    import git

    try:
        view.repo.git.check_ref_format("--branch", branch)
    except git.GitCommandError:
        raise UserError(f"--branch {branch!r} is not a valid git branch name") from None
    if f"refs/heads/{branch}" in {r.path for r in view.repo.references}:
        raise UserError(f"branch {branch!r} already exists; name a new one")
    head = view.repo.head.commit.hexsha
    git_dir = Path(view.repo.git_dir)
    index = git_dir / f"gitops-ml-index-{os.getpid()}"
    env = {**os.environ, "GIT_INDEX_FILE": str(index)}

    def run(*args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            ["git", *args],
            cwd=view.toplevel,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            detail = done.stderr.strip().splitlines()
            raise UserError(f"git {args[0]} failed: {detail[-1] if detail else done.returncode}")
        return done.stdout.strip()

    try:
        run("read-tree", head)
        for rel_path, text in texts.items():
            path = f"{view.prefix}/{rel_path}" if view.prefix else rel_path
            blob = run("hash-object", "-w", "--stdin", "--path", path, stdin=text)
            mode = run("ls-files", "-s", "--", path).split(" ", 1)[0] or "100644"
            run("update-index", "--add", "--cacheinfo", f"{mode},{blob},{path}")
        tree = run("write-tree")
        sha = run("commit-tree", tree, "-p", head, "-F", "-", stdin=message)
        run("update-ref", f"refs/heads/{branch}", sha, "")
    finally:
        index.unlink(missing_ok=True)
    return sha


def dirty_paths(view: GitView, paths: Iterable[str]) -> tuple[str, ...]:
    """Those of ``paths`` (GitOps-root-relative) with staged or unstaged changes."""
    paths = list(paths)
    wanted = [f"{view.prefix}/{p}" if view.prefix else p for p in paths]
    if not wanted:
        return ()
    out = view.repo.git.status("--porcelain", "-z", "--untracked-files=all", "--", *wanted)
    dirty = {entry[3:] for entry in out.split("\0") if len(entry) > 3}
    return tuple(p for p, w in zip(paths, wanted, strict=True) if w in dirty)


def commit_only(view: GitView, paths: Iterable[str], message: str) -> str:
    """Commit exactly ``paths`` (GitOps-root-relative), whatever else is staged."""
    import git

    wanted = [f"{view.prefix}/{p}" if view.prefix else p for p in paths]
    try:
        with sigterm_unwinds():
            try:
                view.repo.git.add("--", *wanted)
                _commit(view, ["--only", "--", *wanted], message)
            except BaseException:
                _unstage(view, wanted)
                raise
    except git.GitCommandError as exc:
        raise UserError(f"git commit failed: {git_failure(exc)}") from None
    return str(view.repo.head.commit.hexsha)


def _commit(view: GitView, args: list[str], message: str) -> None:
    """``git commit -F -`` with ``message`` on stdin: a message of any length
    (a 100 KB image tag in it) never meets the system's argument-length limit.
    The message goes through an unnamed temporary file (nothing to leave behind)."""
    import tempfile

    with tempfile.TemporaryFile() as handle:
        handle.write(message.encode("utf-8"))
        handle.flush()
        handle.seek(0)
        view.repo.git.commit("-F", "-", *args, istream=handle)


def _unstage(view: GitView, wanted: list[str]) -> None:
    """Put the index entries of ``wanted`` back as HEAD has them (after a failed commit:
    check_writable made sure they had no staged change of the user's before)."""
    import contextlib

    import git

    with contextlib.suppress(git.GitCommandError):
        if view.repo.head.is_valid():
            view.repo.git.reset("-q", "HEAD", "--", *wanted)
        else:
            view.repo.git.rm("-q", "--cached", "--ignore-unmatch", "--", *wanted)


# == end of review and promote =========================================================


# == scaffolding: init and new-model (branch, commit exactly the written paths) ==========


@dataclass(frozen=True)
class CommitResult:
    sha: str
    branch: str | None


def is_work_tree(path: Path) -> bool:
    import git

    try:
        git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return False
    return True


def check_git_marker(path: Path) -> None:
    """Refuse a ``.git`` in ``path`` that is no repository (a file pointing at a
    folder that is none, a broken folder): ``git init`` would fail on it."""
    import git

    marker = path / ".git"
    if not (marker.exists() or marker.is_symlink()):
        return
    try:
        git.Repo(path)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        what = "a link" if marker.is_symlink() else "a file" if marker.is_file() else "a folder"
        raise UserError(
            f"{marker} is {what} but not a git repository; fix or remove it first"
        ) from None


def check_identity(folder: Path) -> None:
    """Refuse, before anything is written, when git has no name and email to commit with.

    ``folder`` is where the commit will be made (its own config counts), or the
    nearest existing folder above it when it does not exist yet.
    """
    import git

    cwd = folder
    while not cwd.is_dir() and cwd != cwd.parent:
        cwd = cwd.parent
    runner = git.Git(str(cwd))
    for ident in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"):
        try:
            runner.var(ident)
        except git.GitCommandError:
            raise UserError(
                "git does not know who you are, so it cannot commit; set it with "
                '`git config --global user.name "Your Name"` and '
                "`git config --global user.email you@example.com` "
                "(or pass --no-commit); nothing was written"
            ) from None


def init_repository(path: Path) -> None:
    """``git init`` at ``path`` with ``main`` as the first branch."""
    import git

    try:
        repo = git.Repo.init(path)
        repo.git.symbolic_ref("HEAD", "refs/heads/main")
    except git.GitCommandError as exc:
        raise UserError(f"git init failed: {git_failure(exc)}") from None


def _git_dir_state(view: GitView) -> str | None:
    git_dir = Path(view.repo.git_dir)
    for marker, what in (
        ("MERGE_HEAD", "a merge"),
        ("rebase-merge", "a rebase"),
        ("rebase-apply", "a rebase or git am"),
        ("CHERRY_PICK_HEAD", "a cherry-pick"),
        ("REVERT_HEAD", "a revert"),
        ("BISECT_LOG", "a bisect"),
    ):
        if (git_dir / marker).exists():
            return what
    return None


def check_writable(view: GitView, paths: Iterable[str]) -> None:
    """Refuse a detached HEAD, an unfinished merge or rebase, or dirty target paths."""
    if view.repo.head.is_detached:
        raise UserError(
            "HEAD is detached; check out a branch (or pass --branch NAME) before committing"
        )
    state = _git_dir_state(view)
    if state is not None:
        raise UserError(f"the repository is in the middle of {state}; finish or abort it first")
    lock = Path(view.repo.git_dir) / "index.lock"
    if lock.exists():
        raise UserError(
            f"{lock} exists: another git command is running, or one was stopped; remove the "
            "file if none is running"
        )
    paths = list(paths)
    wanted = [f"{view.prefix}/{p}" if view.prefix else p for p in paths]
    other = _staged_in_unborn(view, wanted)
    if other is not None:
        raise UserError(
            f"{other} is staged in a repository without commits and would go into the first "
            "commit; commit or unstage it first"
        )
    dirty = dirty_paths(view, paths)
    if dirty:
        more = f" and {len(dirty) - 1} more" if len(dirty) > 1 else ""
        raise UserError(f"{dirty[0]}{more} has uncommitted changes; commit or stash them first")


def create_branch(view: GitView, name: str) -> str:
    """Create ``name`` at HEAD and switch to it; refuse an existing branch.

    Returns what HEAD was before (a branch name, or a commit when detached), for
    ``leave_branch``.
    """
    import git

    if name in [h.name for h in view.repo.heads]:
        raise UserError(f"branch {name!r} already exists; pick a new name")
    previous = current_branch(view) or str(view.repo.head.commit.hexsha)
    try:
        view.repo.git.switch("-c", name)
    except git.GitCommandError as exc:
        raise UserError(f"cannot create branch {name!r}: {git_failure(exc)}") from None
    return previous


def leave_branch(view: GitView, previous: str, name: str) -> bool:
    """Undo ``create_branch``: switch back to ``previous`` and delete ``name``, which
    holds no new commit. Returns whether that worked."""
    import git

    detached = previous not in [h.name for h in view.repo.heads]
    try:
        view.repo.git.switch(*(["--detach"] if detached else []), previous)
        view.repo.git.branch("-d", name)
    except git.GitCommandError:
        return False
    return True


def current_branch(view: GitView) -> str | None:
    return None if view.repo.head.is_detached else str(view.repo.active_branch.name)


def commit_paths(view: GitView, paths: Iterable[str], message: str) -> CommitResult:
    """Stage and commit exactly ``paths``; other staged changes stay staged, uncommitted.

    When the commit fails, the index entries of ``paths`` are put back as they were.
    """
    import git

    wanted = [f"{view.prefix}/{p}" if view.prefix else p for p in paths]
    if not wanted:
        raise UserError("nothing to commit")
    try:
        with sigterm_unwinds():
            try:
                _commit_only_these(view, wanted, message)
            except BaseException:
                _unstage(view, wanted)
                raise
    except git.GitCommandError as exc:
        raise UserError(f"git commit failed: {git_failure(exc)}") from None
    return CommitResult(sha=str(view.repo.head.commit.hexsha), branch=current_branch(view))


def _staged_in_unborn(view: GitView, wanted: Iterable[str]) -> str | None:
    """In a repository without commits, a staged path besides ``wanted`` (the first
    commit would take it along: `git commit -- paths` needs a HEAD)."""
    if view.repo.head.is_valid():
        return None
    out = view.repo.git.ls_files("-z", "--cached")
    others = sorted(set(p for p in out.split("\0") if p) - set(wanted))
    return others[0] if others else None


def _commit_only_these(view: GitView, wanted: list[str], message: str) -> None:
    unborn = not view.repo.head.is_valid()
    other = _staged_in_unborn(view, wanted)
    if other is not None:  # check_writable refuses it before any write; kept as a guard
        raise UserError(f"{other} is staged in a repository without commits; commit it first")
    # git itself, not GitPython's index writer: GitPython leaves .git/index.lock behind
    # when the rename of the lock fails or is interrupted, and git then refuses to run
    view.repo.git.add("--", *wanted)
    if unborn:
        # `git commit -- paths` needs a HEAD; the first commit holds only the index,
        # which in a new repository is exactly what we just added
        _commit(view, [], message)
    else:
        _commit(view, ["--only", "--", *wanted], message)


# == end of scaffolding ================================================================
