"""Evidence for a promotion, from git history alone: gates and provenance.

``version_history`` renders one overlay at each commit (newest first) that
changed a file its build reads, through the build layer, in a copy of that
commit's tree (the user's work tree is never touched). From it:

* the *soak start*: the oldest commit from which the overlay has rendered
  the version it renders now (images and model URIs) without interruption up
  to HEAD. A version that left and came back counts from its return.
* ``minSoak``: that commit must be at least this old.
* ``requireClean``: the overlay lints without error at that commit.
* the provenance trailers of the promotion commit: ``Promoted-From:
  <env>@<soak start>``, ``Promoted-Version: <images>; model=<uris>`` and one
  ``Gate: <name> passed|overridden (<reason>)`` per configured gate.

History is read for at most ``HISTORY_COMMITS`` commits that touched the
overlay; a version older than that counts as starting at the oldest one read.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from gitops_ml import git as gitops
from gitops_ml.build import BuildOptions, render_folder, repository
from gitops_ml.config import PromotionGates
from gitops_ml.errors import GateRefused, UserError
from gitops_ml.status import Version, short_image, version_of

HISTORY_COMMITS = 50


@dataclass(frozen=True)
class VersionAt:
    change: gitops.Change
    version: Version | None  # None: the overlay did not render at that commit


@dataclass(frozen=True)
class GateResult:
    name: str
    passed: bool
    detail: str
    override: str | None = None  # the reason given with --override-gate

    @property
    def trailer(self) -> str:
        if self.override is not None:
            return f"Gate: {self.name} overridden ({self.override})"
        return f"Gate: {self.name} passed"


@dataclass(frozen=True)
class Evidence:
    """What the source environment ran, and since when."""

    environment: str
    version: Version
    since: gitops.Change | None  # None: not committed yet, or no git
    gates: tuple[GateResult, ...] = ()

    def trailers(self) -> list[str]:
        out = []
        if self.since is not None:
            out.append(f"Promoted-From: {self.environment}@{self.since.commit}")
        out.append(f"Promoted-Version: {describe(self.version, full=True)}")
        out += [gate.trailer for gate in self.gates]
        return out


def describe(version: Version, full: bool = False) -> str:
    images, uris = version
    shown = ", ".join(images if full else (short_image(i) for i in images)) or "no image"
    if uris:
        shown += "; model=" + ", ".join(uris)
    return shown


def _render_version(root: Path, overlay: str) -> Version | None:
    try:
        built = render_folder(root, root / overlay, BuildOptions(cache=False))
    except UserError:
        return None
    if built.problem is not None:
        return None
    return version_of(built.objects)


def version_history(
    view: gitops.GitView, overlay: str, files: Sequence[str], limit: int = HISTORY_COMMITS
) -> list[VersionAt]:
    """The version ``overlay`` rendered at each commit that changed one of ``files`` (the
    root-relative inputs of its build, ``Repository.input_files``), newest first."""
    out: list[VersionAt] = []
    with tempfile.TemporaryDirectory(prefix="gitops-ml-history-") as tmp:
        for change in gitops.commits_touching(view, files, limit):
            commit = gitops.resolve_commit(view, change.commit)
            tree = gitops.export_tree(view, commit, Path(tmp) / change.commit[:12])
            out.append(VersionAt(change, _render_version(tree, overlay)))
            shutil.rmtree(tree, ignore_errors=True)
    return out


def soak_start(history: list[VersionAt], version: Version) -> gitops.Change | None:
    """The oldest commit of the uninterrupted run of ``version`` up to HEAD."""
    start = None
    for entry in history:
        if entry.version != version:
            break
        start = entry.change
    return start


def _age_seconds(change: gitops.Change, now: datetime) -> float:
    return (now - datetime.fromisoformat(change.date)).total_seconds()


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _lint_errors_at(view: gitops.GitView, change: gitops.Change, overlay: str) -> int:
    from gitops_ml.findings import Severity
    from gitops_ml.lint.engine import LintOptions, run_lint

    with tempfile.TemporaryDirectory(prefix="gitops-ml-clean-") as tmp:
        tree = gitops.export_tree(view, gitops.resolve_commit(view, change.commit), Path(tmp))
        result = run_lint(LintOptions(paths=(tree / overlay,), root=tree, cache=False))
    return sum(1 for f in result.findings if f.severity >= Severity.ERROR)


def gather(
    root: Path,
    *,
    model: str,
    environment: str,
    overlay: str,
    version: Version,
    gates: PromotionGates,
    overrides: Mapping[str, str],
    now: datetime | None = None,
) -> Evidence:
    """The evidence for promoting ``version`` out of ``environment``; refuses a failed gate.

    Raises ``GateRefused`` (exit 1) naming the gate, the version and the times
    when a configured gate fails and is not overridden.
    """
    unknown = sorted(set(overrides) - set(gates.names))
    if unknown:
        configured = ", ".join(gates.names) or "none"
        raise UserError(
            f"--override-gate {unknown[0]} names no gate of promotion: in gitops-ml.yaml "
            f"(configured: {configured})"
        )
    now = now or datetime.now(UTC)
    try:
        view = gitops.open_view(root)
    except UserError:
        view = None
    since: gitops.Change | None = None
    if view is not None:
        repo = repository(root)
        leaf = repo.kustomizations.get((root / overlay).resolve())
        files = repo.input_files(leaf) if leaf else []
        if files and not gitops.dirty_paths(view, files):
            since = soak_start(version_history(view, overlay, files), version)
    label = f"{model} {describe(version)}"
    results = []
    if gates.min_soak_seconds is not None:
        if since is None:
            age, where = 0.0, "uncommitted" if view is not None else "outside git"
        else:
            age, where = _age_seconds(since, now), f"since {since.commit[:7]}"
        passed = since is not None and age >= gates.min_soak_seconds
        detail = (
            f"{environment} has run {label} for {_duration(age)} {where}; "
            f"promotion.minSoak is {gates.min_soak}"
        )
        results.append(_gate("minSoak", passed, detail, overrides))
    if gates.require_clean:
        if since is None or view is None:
            passed, detail = (
                False,
                f"{environment}'s {label} is not committed, so it cannot be linted",
            )
        else:
            errors = _lint_errors_at(view, since, overlay)
            passed = errors == 0
            detail = (
                f"{environment}'s overlay {overlay} has {errors} lint error(s) at "
                f"{since.commit[:7]}; promotion.requireClean is true"
            )
        results.append(_gate("requireClean", passed, detail, overrides))
    return Evidence(environment, version, since, tuple(results))


def _gate(name: str, passed: bool, detail: str, overrides: Mapping[str, str]) -> GateResult:
    if passed:
        return GateResult(name, True, detail)
    if name in overrides:
        return GateResult(name, True, detail, override=overrides[name])
    raise GateRefused(detail)


# -- pull request bodies ------------------------------------------------------------------

GITHUB_BODY_LIMIT = 65_536  # characters GitHub takes in a pull request body or comment


def pr_body_text(
    *, model: str, source: str, target: str, evidence: Evidence, edits: str, diff: str
) -> str:
    """The markdown of a promotion pull request: what changes, the gates, the provenance."""
    lines = [f"## Promote {model} from {source} to {target}", "", edits.strip(), ""]
    lines += ["### Provenance", ""]
    if evidence.since is not None:
        lines.append(
            f"- {source} has run this version since `{evidence.since.commit[:12]}` "
            f"({evidence.since.date})"
        )
    else:
        lines.append(f"- {source}'s version is not in a commit, so it has no history")
    lines.append(f"- version: `{describe(evidence.version, full=True)}`")
    lines += ["", "### Gates", ""]
    lines += [
        f"- **{g.name}**: {'overridden: ' + g.override if g.override else 'passed'} ({g.detail})"
        for g in evidence.gates
    ] or ["- none configured (`promotion:` in gitops-ml.yaml)"]
    lines += ["", f"### What {target} will receive", "", diff.strip() or "No rendered change.", ""]
    return "\n".join(lines)


def split_body(text: str, limit: int = GITHUB_BODY_LIMIT) -> list[str]:
    """``text`` in parts of at most ``limit`` characters, each saying which part it is.

    Cut at line ends where possible; a single longer line is cut inside. Never
    truncated: the parts together hold every character.
    """
    if len(text) <= limit:
        return [text]
    room = limit - 200  # for the part notes
    chunks: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line) > room:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:room])
            line = line[room:]
        if len(current) + len(line) > room:
            chunks.append(current)
            current = ""
        current += line
    if current:
        chunks.append(current)
    total = len(chunks)
    parts = []
    for i, chunk in enumerate(chunks, start=1):
        note = f"> Part {i} of {total}: this body is longer than GitHub's {limit:,} characters"
        note += ", so it continues in the next comment.\n\n" if i < total else ".\n\n"
        parts.append(note + chunk)
    return parts


def write_pr_body(path: Path, text: str) -> list[Path]:
    """Write the body's parts: ``path``, then ``<stem>.2<suffix>``...; return the paths."""
    from gitops_ml.yamlio import write_output

    parts = split_body(text)
    paths = [path] + [
        path.with_name(f"{path.stem}.{i}{path.suffix}") for i in range(2, len(parts) + 1)
    ]
    for target, part in zip(paths, parts, strict=True):
        write_output(target, part)
    return paths
