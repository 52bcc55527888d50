"""Promote a model version from one environment's overlay to another's.

What defines a version: the ``images:`` entries of the overlay's kustomization
(``newName``, ``newTag``, ``digest``) and the model URI its patches set
(``storageUri`` and the like, or a ``MODEL_URI``-style env value). Everything
else (replicas, resources, namespace) is the environment's own and stays.

Edits are made in the text at the positions ruamel.yaml reports, so comments,
key order, quoting and indentation survive byte for byte outside the changed
values. The target is rendered and linted in a temporary copy before anything
is written; the changed files are written atomically and committed alone.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitops_ml import airflow, promotion, yamlio
from gitops_ml import git as gitops
from gitops_ml.config import PromotionGates, load_config
from gitops_ml.errors import UserError, YamlError
from gitops_ml.findings import MODEL_URI_ENV, Finding, Severity
from gitops_ml.kustomizations import Kustomization, Repository, locate, rel
from gitops_ml.lint.engine import LintOptions, run_lint
from gitops_ml.paths import PathRefused, confined
from gitops_ml.promotion import Evidence

IMAGE_FIELDS = ("newName", "newTag", "digest")
URI_KEYS = frozenset({"storageUri", "storageURI", "modelUri", "modelURI"})
# What a registry accepts (distribution/reference: a tag is [\w][\w.-]{0,127}, a
# name at most 255 characters with its domain) and a generous bound for a model URI
# (object keys of S3 and GCS are at most 1,024 bytes): a longer value is no version.
MAX_TAG_CHARS = 128
MAX_NAME_CHARS = 255
MAX_DIGEST_CHARS = 7 + 128  # sha512:<128 hex>
MAX_URI_CHARS = 4096
_FIELD_LIMITS = {"newName": MAX_NAME_CHARS, "newTag": MAX_TAG_CHARS, "digest": MAX_DIGEST_CHARS}
_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_./:@+-][A-Za-z0-9_./:@+ -]*\Z")


@dataclass(frozen=True)
class PromoteOptions:
    root: Path
    model: str
    source: str
    target: str
    commit: bool = True
    dry_run: bool = False
    engine: str | None = None
    overrides: tuple[tuple[str, str], ...] = ()  # (gate, reason) from --override-gate
    branch: str | None = None  # commit on this new branch; the work tree stays as it is


@dataclass(frozen=True)
class Edit:
    file: str
    what: str  # image, model URI
    name: str  # the image name, or where the URI is set
    old: str | None
    new: str | None


@dataclass(frozen=True)
class PromoteResult:
    edits: tuple[Edit, ...]
    files: tuple[str, ...]
    diff: str
    message: str
    commit: str | None = None
    written: bool = False
    not_promoted: tuple[str, ...] = ()  # model URIs the target sets nowhere
    evidence: Evidence | None = None
    branch: str | None = None  # where the commit is, with --branch
    base: str | None = None  # HEAD before the promotion


# -- text edits at ruamel.yaml positions ------------------------------------------


@dataclass
class _TextEdit:
    """Pending edits of one file's lines, applied bottom-up."""

    lines: list[str]
    ops: list[tuple[int, int, str, str]] = field(default_factory=list)  # (line, col, kind, text)

    def replace_scalar(self, line: int, col: int, value: str) -> None:
        self.ops.append((line, col, "replace", value))

    def delete_line(self, line: int) -> None:
        self.ops.append((line, 0, "delete", ""))

    def insert_after(self, line: int, text: str) -> None:
        self.ops.append((line, 1_000_000, "insert", text))

    def apply(self) -> str:
        lines = list(self.lines)
        for line, col, kind, text in sorted(self.ops, key=lambda o: (o[0], o[1]), reverse=True):
            if kind == "replace" and _BLOCK_INDICATOR.match(lines[line], col):
                _replace_block(lines, line, col, text)
            elif kind == "replace":
                current = lines[line]
                end = _scalar_end(current, col)
                lines[line] = current[:col] + _token(text, current[col:end]) + current[end:]
            elif kind == "delete":
                del lines[line]
            else:
                if 0 <= line < len(lines) and not lines[line].endswith("\n"):
                    lines[line] += "\n"
                lines[line + 1 : line + 1] = text.splitlines(keepends=True)
        return "".join(lines)


_BLOCK_INDICATOR = re.compile(r"[|>][-+0-9]*(?=\s|\Z)")


def _replace_block(lines: list[str], line: int, col: int, value: str) -> None:
    """Replace a block scalar (``key: >-`` with its text on the next lines) by
    ``value`` as one flow scalar on the key's line, keeping a comment after the
    indicator. The block's lines are those after it that are blank or indented
    deeper than its key (YAML 1.2, 8.1.1.1); trailing blank lines stay.
    """
    current = lines[line]
    prefix = current[:col]
    key_col = len(prefix) - len(prefix.lstrip(" -"))
    match = _BLOCK_INDICATOR.match(current, col)
    assert match is not None
    rest = current[match.end() :].strip()
    comment = f"  {rest}" if rest.startswith("#") else ""
    newline = "\r\n" if current.endswith("\r\n") else "\n"
    end = line
    for index in range(line + 1, len(lines)):
        body = lines[index].rstrip("\r\n")
        if not body.strip():
            continue
        if len(body) - len(body.lstrip(" ")) <= key_col:
            break
        end = index
    lines[line] = prefix + _token(value, "") + comment + newline
    del lines[line + 1 : end + 1]


def _scalar_end(line: str, col: int) -> int:
    if col < len(line) and line[col] in "'\"":
        quote = line[col]
        i = col + 1
        while i < len(line):
            if line[i] == quote:
                if quote == "'" and i + 1 < len(line) and line[i + 1] == "'":
                    i += 2
                    continue
                if quote == '"' and line[i - 1] == "\\":
                    i += 1
                    continue
                return i + 1
            i += 1
        return len(line.rstrip("\r\n"))
    body = line.rstrip("\r\n")
    comment = body.find(" #", col)
    end = comment if comment >= 0 else len(body)
    return len(body[:end].rstrip())


def _token(value: str, old_token: str) -> str:
    """``value`` as YAML, quoted the way the old value was (or when it must be)."""
    if old_token.startswith("'"):
        return "'" + value.replace("'", "''") + "'"
    if old_token.startswith('"'):
        return json.dumps(value)
    return value if _plain_ok(value) else json.dumps(value)


def _plain_ok(value: str) -> bool:
    if not _PLAIN_SAFE.match(value) or value.endswith(":") or ": " in value:
        return False
    try:
        parsed = yamlio.load_fast(f"v: {value}\n").documents[0]
    except YamlError:
        return False
    return isinstance(parsed, dict) and parsed.get("v") == value


# -- finding what defines a version -------------------------------------------------


@dataclass
class _Overlay:
    kustomization: Kustomization
    text: str
    doc: Any  # ruamel round-trip mapping


def _overlay(repo: Repository, model: str, env: str) -> _Overlay:
    found = []
    for k in repo.kustomizations.values():
        where = locate(k.rel_dir)
        if where.model == model and where.name == env:
            found.append(k)
    # a kustomization nested in the overlay (a component of its own) is not another layout
    found = [k for k in found if k.rel_dir.rsplit("/", 1)[-1] == env] or found
    if len(found) > 1:
        # two layouts (models/m1/overlays/staging and apps/m1/overlays/staging): either
        # could be the decoy, so neither is edited
        names = sorted(k.rel_dir for k in found)
        raise UserError(
            f"model {model!r} has {len(names)} overlays for {env!r} ({', '.join(names[:4])}); "
            "remove all but one, or edit the right one by hand"
        )
    for k in found:
        text = yamlio.read_text(k.file, k.rel_file)
        try:
            docs = yamlio.load_positioned(text).documents
        except YamlError as exc:
            raise UserError(f"{k.rel_file} does not parse: {exc.message}") from None
        if not docs or not isinstance(docs[0], dict):
            raise UserError(f"{k.rel_file} is not a kustomization mapping")
        return _Overlay(k, text, docs[0])
    raise UserError(f"no overlay for model {model!r} in environment {env!r}")


def _images(doc: Any) -> dict[str, Any]:
    items = doc.get("images")
    if not isinstance(items, list):
        return {}
    return {str(i["name"]): i for i in items if isinstance(i, dict) and "name" in i}


def _uri_sites(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any, Any]]:
    """(path, parent mapping, key) of every model-URI value under ``node``."""
    if isinstance(node, dict):
        name = node.get("name")
        if (
            isinstance(name, str)
            and MODEL_URI_ENV.search(name)
            and isinstance(node.get("value"), str)
        ):
            head = path[:-2] if len(path) >= 2 and path[-2] == "env" else path
            yield (*head, f"env[{name}]"), node, "value"
            return
        for key, value in node.items():
            if key in URI_KEYS and isinstance(value, str):
                yield (*path, str(key)), node, key
            else:
                yield from _uri_sites(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            label = item.get("name") if isinstance(item, dict) else None
            yield from _uri_sites(item, (*path, str(label if label is not None else index)))


@dataclass(frozen=True)
class _Site:
    """A model URI set by one patch: where, and how to edit it."""

    ident: tuple[str, ...]  # (target kind, target name, path inside)
    value: str
    file: Path
    line: int  # 0-based
    col: int
    inline_block: bool = False  # inside a `patch: |` block scalar


def _any(node: Any) -> Any:
    """A round-trip node, typed loosely: its ``lc`` positions are not in the stubs."""
    return node


def _patch_docs(text: str) -> list[Any]:
    try:
        return [d for d in yamlio.load_positioned(text).documents if d is not None]
    except YamlError:
        return []


def _sites_in_doc(
    doc: Any, target: tuple[str, str], file: Path, base_line: int, block: bool
) -> Iterator[_Site]:
    if isinstance(doc, list):  # a JSON 6902 patch
        for op in doc:
            op = _any(op)
            if not isinstance(op, dict) or not isinstance(op.get("value"), str):
                continue
            op_path = str(op.get("path", ""))
            if op_path.rsplit("/", 1)[-1] in URI_KEYS:
                line, col = _any(op).lc.value("value")
                yield _Site((*target, op_path), op["value"], file, base_line + line, col, block)
        return
    if not isinstance(doc, dict):
        return
    meta = doc.get("metadata")
    kind = str(doc.get("kind") or target[0])
    name = str(meta.get("name") if isinstance(meta, dict) else target[1])
    for path, parent, key in _uri_sites(doc):
        line, col = parent.lc.value(key)
        yield _Site((kind, name, ".".join(path)), parent[key], file, base_line + line, col, block)


def _sites(overlay: _Overlay) -> list[_Site]:
    k = overlay.kustomization
    out: list[_Site] = []
    entries = overlay.doc.get("patches") or []
    entries = [*entries, *(overlay.doc.get("patchesStrategicMerge") or [])]
    for entry in entries if isinstance(entries, list) else []:
        target = ("", "")
        if isinstance(entry, dict) and isinstance(entry.get("target"), dict):
            t = entry["target"]
            target = (str(t.get("kind", "")), str(t.get("name", "")))
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            # kustomize refuses a patch outside its folder too; skipping it would
            # promote the image alone
            try:
                path = confined(k.dir, entry["path"], what=f"the patch {k.rel_dir}/{entry['path']}")
            except PathRefused as exc:
                raise UserError(f"{exc}; refusing to promote through it") from None
            if not path.is_file():
                continue
            for doc in _patch_docs(yamlio.read_text(path)):
                out.extend(_sites_in_doc(doc, target, path, 0, False))
        elif isinstance(entry, dict) and isinstance(entry.get("patch"), str):
            line, _ = _any(entry).lc.value("patch")
            for doc in _patch_docs(entry["patch"]):
                out.extend(_sites_in_doc(doc, target, k.file, line + 1, True))
    return out


# -- planning the edit ---------------------------------------------------------------------


def _plan_images(source: _Overlay, target: _Overlay, edit: _TextEdit) -> list[Edit]:
    edits: list[Edit] = []
    theirs, ours = _images(source.doc), _images(target.doc)
    rel_file = target.kustomization.rel_file
    for name, wanted in theirs.items():
        for f, limit in _FIELD_LIMITS.items():
            value = str(wanted.get(f) or "")
            if len(value) > limit:
                raise UserError(
                    f"{source.kustomization.rel_file} sets {f} of image {name[:80]!r} to "
                    f"{len(value)} characters, more than the {limit} a registry accepts; "
                    "refusing to promote it"
                )
        have = ours.get(name)
        if have is None:
            edits.append(Edit(rel_file, "image", name, None, _version(wanted)))
            _append_image(target, edit, wanted)
            continue
        if all(have.get(f) == wanted.get(f) for f in IMAGE_FIELDS):
            continue
        edits.append(Edit(rel_file, "image", name, _version(have), _version(wanted)))
        name_line, name_col = have.lc.key("name")
        for f in IMAGE_FIELDS:
            new, old = wanted.get(f), have.get(f)
            if new == old:
                continue
            if old is not None and new is not None:
                line, col = have.lc.value(f)
                edit.replace_scalar(line, col, str(new))
            elif old is not None:
                edit.delete_line(have.lc.key(f)[0])
            else:
                pad = " " * name_col
                edit.insert_after(name_line, f"{pad}{f}: {_token(str(new), '')}\n")
    return edits


def _append_image(target: _Overlay, edit: _TextEdit, wanted: Any) -> None:
    fields = [("name", wanted["name"])] + [(f, wanted[f]) for f in IMAGE_FIELDS if f in wanted]
    items = target.doc.get("images")
    if isinstance(items, list) and items:
        last = items[-1]
        _, key_col = last.lc.key(next(iter(last.keys())))
        end_line = max(last.lc.key(k)[0] for k in last)
        dash = " " * max(key_col - 2, 0)
    else:
        end_line, dash = len(target.text.splitlines()) - 1, "  "
        edit.insert_after(end_line, "images:\n")
    block = ""
    for i, (key, value) in enumerate(fields):
        lead = f"{dash}- " if i == 0 else f"{dash}  "
        block += f"{lead}{key}: {_token(str(value), '')}\n"
    edit.insert_after(end_line, block)


def _version(entry: Any) -> str:
    name = entry.get("newName") or entry.get("name")
    if entry.get("digest"):
        return f"{name}@{entry['digest']}"
    return f"{name}:{entry.get('newTag', '')}" if entry.get("newTag") else str(name)


def _plan_uris(
    root: Path, source: _Overlay, target: _Overlay, edits: dict[Path, _TextEdit]
) -> tuple[list[Edit], list[str]]:
    out: list[Edit] = []
    missing: list[str] = []
    theirs = {s.ident: s for s in _sites(source)}
    ours = {s.ident: s for s in _sites(target)}
    for ident, site in theirs.items():
        if len(site.value) > MAX_URI_CHARS:
            raise UserError(
                f"{rel(root, site.file)} sets the model URI of {ident[0]}/{ident[1]} to "
                f"{len(site.value)} characters, more than {MAX_URI_CHARS}; refusing to promote it"
            )
        have = ours.get(ident)
        if have is None:
            missing.append(f"{ident[0]}/{ident[1]} {ident[2]}")
            continue
        if have.value == site.value:
            continue
        edit = edits.setdefault(have.file, _TextEdit(_read_lines(have.file)))
        if have.inline_block:
            _replace_in_block(edit, have, site.value)
        else:
            edit.replace_scalar(have.line, have.col, site.value)
        where = f"{ident[0]}/{ident[1]} {ident[2]}"
        out.append(Edit(rel(root, have.file), "model URI", where, have.value, site.value))
    return out, missing


def _replace_in_block(edit: _TextEdit, site: _Site, new: str) -> None:
    line = edit.lines[site.line]
    col = line.find(site.value, site.col)
    if col < 0:
        col = line.find(site.value)
    if col < 0:
        raise UserError(f"cannot find the model URI {site.value!r} to replace in {site.file}")
    edit.replace_scalar(site.line, col, new)


def _unified(rel_path: str, old: str, new: str) -> str:
    """The unified diff of one file's old and new text, as ``promote --dry-run`` prints it."""
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            f"a/{rel_path}",
            f"b/{rel_path}",
        )
    )


def _read_lines(path: Path) -> list[str]:
    return yamlio.read_text(path).splitlines(keepends=True)


# -- checking and writing --------------------------------------------------------------


def _errors(findings: tuple[Finding, ...]) -> set[tuple[str, str | None, str]]:
    return {(f.rule, f.file, f.message) for f in findings if f.severity >= Severity.ERROR}


def _check(
    root: Path, target_dir: str, texts: dict[str, str], engine: str | None
) -> dict[str, str]:
    """Render and lint the target in a copy with the new files; refuse new errors.

    Returns the Airflow manifests (path -> text) that must move with the
    target: the committed renderings of the DAGs that launch its training.
    """
    from gitops_ml.build import BuildOptions, render_folder

    before = run_lint(LintOptions(paths=(root / target_dir,), root=root, engine=engine))
    with tempfile.TemporaryDirectory(prefix="gitops-ml-promote-") as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(
            root,
            copy,
            symlinks=True,
            ignore=shutil.ignore_patterns(".git", ".venv", "node_modules"),
        )
        for rel_path, text in texts.items():
            (copy / rel_path).write_text(text, encoding="utf-8")
        built = render_folder(copy, copy / target_dir, BuildOptions(engine=engine, cache=False))
        manifests = (
            airflow.updated_manifests(
                copy, load_config(copy), target_dir, (o.data for o in built.objects)
            )
            if built.problem is None
            else {}
        )
        for rel_path, text in manifests.items():
            (copy / rel_path).write_text(text, encoding="utf-8")
        after = run_lint(LintOptions(paths=(copy / target_dir,), root=copy, engine=engine))
    new = [
        f
        for f in after.findings
        if f.severity >= Severity.ERROR
        and (f.rule, f.file, f.message) not in _errors(before.findings)
    ]
    if new:
        first = new[0]
        raise UserError(
            f"the promoted {target_dir} would not pass lint: {first.file}:{first.line or ''} "
            f"{first.rule} {first.message}"
            + (f" (and {len(new) - 1} more)" if len(new) > 1 else "")
        )
    return manifests


def _write_all(
    root: Path, texts: dict[str, str], then: Callable[[], str | None] = lambda: None
) -> str | None:
    """Write every file of ``texts``, then call ``then`` (the commit); if a write or
    ``then`` fails, put back those already written.

    A promotion is an image and a model URI together: half of it (a new server
    with the old model) must not stay in the work tree, nor files whose commit failed.
    """
    done: list[tuple[Path, bytes]] = []
    try:
        for rel_path, text in texts.items():
            path = confined(root, rel_path)
            old = path.read_bytes()
            yamlio.atomic_write(path, text)
            done.append((path, old))
        return then()
    except BaseException as exc:
        for path, old in reversed(done):
            with contextlib.suppress(UserError):
                yamlio.atomic_write(path, old)
        if isinstance(exc, UserError) and done:
            raise UserError(f"{exc}; the promoted files were restored, nothing changed") from None
        raise


def _message(options: PromoteOptions, edits: list[Edit], evidence: Evidence | None) -> str:
    versions = ", ".join(dict.fromkeys(e.new or "" for e in edits))
    subject = f"promote {options.model} from {options.source} to {options.target}: {versions}"
    body = "\n".join(f"- {e.what} {e.name}: {e.old} -> {e.new} ({e.file})" for e in edits)
    trailers = "\n".join(evidence.trailers()) if evidence is not None else ""
    return f"{subject}\n\n{body}\n" + (f"\n{trailers}\n" if trailers else "")


def _evidence(
    root: Path, options: PromoteOptions, source: _Overlay, gates: PromotionGates
) -> Evidence:
    """Gates and provenance of the source's version; refuses a failed gate (exit 1)."""
    from gitops_ml.build import BuildOptions, render_folder
    from gitops_ml.status import version_of

    overlay = source.kustomization.rel_dir
    built = render_folder(root, root / overlay, BuildOptions(engine=options.engine))
    if built.problem is not None:
        raise UserError(f"{overlay} does not render, so its version is unknown: {built.problem}")
    return promotion.gather(
        root,
        model=options.model,
        environment=options.source,
        overlay=overlay,
        version=version_of(built.objects),
        gates=gates,
        overrides=dict(options.overrides),
    )


def promotable_models(root: Path, source: str, target: str) -> list[str]:
    """Models with an overlay in both environments, for ``promote --all``.

    A model whose target already runs the source's version is left out.
    """
    repo = Repository(root.resolve())
    out = []
    by_model: dict[str, set[str]] = {}
    for k in repo.kustomizations.values():
        where = locate(k.rel_dir)
        if where.model and where.name in (source, target):
            by_model.setdefault(where.model, set()).add(where.name)
    for model in sorted(m for m, envs in by_model.items() if envs == {source, target}):
        plan = promote(
            PromoteOptions(root=root, model=model, source=source, target=target, dry_run=True),
            plan_only=True,
        )
        if plan.files:
            out.append(model)
    return out


def promote(options: PromoteOptions, plan_only: bool = False) -> PromoteResult:
    root = options.root.resolve()
    if options.source == options.target:
        raise UserError("--from and --to name the same environment")
    gates = load_config(root).promotion  # a broken config stops here, before any work
    repo = Repository(root)
    source = _overlay(repo, options.model, options.source)
    target = _overlay(repo, options.model, options.target)
    kust_edit = _TextEdit(target.text.splitlines(keepends=True))
    edits = _plan_images(source, target, kust_edit)
    file_edits: dict[Path, _TextEdit] = {target.kustomization.file: kust_edit}
    uri_edits, missing = _plan_uris(root, source, target, file_edits)
    edits += uri_edits
    texts: dict[str, str] = {}
    diff = ""
    for path, edit in file_edits.items():
        old = "".join(edit.lines)
        new = edit.apply()
        if new != old:
            rel_path = rel(root, path)
            texts[rel_path] = new
            diff += _unified(rel_path, old, new)
    if plan_only:
        return PromoteResult(tuple(edits), tuple(sorted(texts)), diff, "")
    if not texts:
        raise UserError(
            f"{options.target} already runs what {options.source} runs for {options.model}; "
            "nothing to promote"
        )
    if options.branch is not None and not options.commit:
        raise UserError("--branch commits on a new branch; it cannot go with --no-commit")
    evidence = _evidence(root, options, source, gates)
    message = _message(options, edits, evidence)
    view = gitops.open_view(root) if options.commit and not options.dry_run else None
    if view is not None:
        gitops.check_identity(root)
    target_dir = target.kustomization.rel_dir
    # an Airflow-launched model: its DAG's committed rendering moves with the overlay
    manifests = _check(root, target_dir, texts, options.engine)
    for rel_path, text in manifests.items():
        texts[rel_path] = text
        old = "".join(_read_lines(root / rel_path)) if (root / rel_path).exists() else ""
        diff += _unified(rel_path, old, text)
    files = tuple(sorted(texts))
    if view is not None and options.branch is None:
        gitops.check_writable(view, files)
    done = functools.partial(
        PromoteResult,
        tuple(edits),
        files,
        diff,
        message,
        not_promoted=tuple(missing),
        evidence=evidence,
        branch=options.branch,
    )
    if options.dry_run:
        return done()
    base = str(view.repo.head.commit.hexsha) if view is not None else None
    if view is not None and options.branch is not None:
        on_branch = gitops.commit_to_branch(view, options.branch, texts, message)
        return done(commit=on_branch, base=base)
    with yamlio.sigterm_unwinds():
        sha = _write_all(
            root, texts, lambda: gitops.commit_only(view, files, message) if view else None
        )
    return done(commit=sha, written=True, base=base)
