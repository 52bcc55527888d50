"""kustomize's error text, made readable: repository paths, the root cause first.

kustomize wraps the error of a nested base in one prefix per level
(``accumulating resources: accumulation err='...': recursed accumulation of
path '/abs/base': ...``), with absolute paths, often past 1,500 characters.
``relative`` takes the repository's own location out of the text (so that
two checkouts of one tree give one message); ``root_cause`` peels the prefixes
off and says where the innermost error happened.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from typing import TYPE_CHECKING

from gitops_ml.kustomizations import rel
from gitops_ml.yamlio import is_duplicate_key

if TYPE_CHECKING:
    from gitops_ml.errors import YamlError
    from gitops_ml.lint.context import LintContext, RenderedOverlay

LIMIT = 300  # the longest message a finding carries; the full text is its detail

# kustomize tried the path as a file (the quoted error), then as a folder (the rest)
_TRIED_BOTH = re.compile(
    r"accumulation err='(?P<file>.*?)': (?P<dir>recursed accumulation of path '.*"
    r"|must build at directory: .*)$",
    re.S,
)
_PREFIX = re.compile(
    r"(?:accumulating (?:resources|components)(?: from '(?P<from>[^']*)')?"
    r"|recursed (?:accumulation|merging) (?:of|from) path '(?P<dir>[^']*)'"
    r"|couldn't make target for path '(?P<target>[^']*)'"
    r"|merging resources from '(?P<merged>[^']*)'"
    r"|must build at directory: not a valid directory"
    r"|kustomize build failed): "
)
_NO_SUCH = re.compile(r"evalsymlink failure on '([^']*)' : lstat [^:]*: no such file or directory")


def relative(text: str, root: Path) -> str:
    """``text`` with ``root`` (as given and with links resolved) written as relative paths."""
    for base in dict.fromkeys((str(root), os.path.realpath(root))):
        base = base.rstrip("/")
        if not base:
            continue
        text = text.replace(base + "/", "")
        text = re.sub(re.escape(base) + r"(?![\w.-])", ".", text)
    return text


def root_cause(text: str, start: str = ".") -> tuple[str, str | None]:
    """The innermost error of a kustomize message and the repo-relative file or folder
    it happened in (None when it is ``start`` itself, the leaf that was built)."""
    where: str | None = None
    text = text.strip()
    for _ in range(100):  # each round removes a prefix; a bound all the same
        tried = _TRIED_BOTH.match(text)
        if tried is not None:
            inner = tried.group("dir")
            # a path that is neither file nor folder: the file attempt says why
            text = inner if inner.startswith("recursed") else tried.group("file")
            continue
        prefix = _PREFIX.match(text)
        if prefix is None:
            break
        folder = prefix.group("dir") or prefix.group("target")
        if folder:
            where = posixpath.normpath(folder)
        elif prefix.group("from"):
            where = posixpath.normpath(posixpath.join(where or start, prefix.group("from")))
        text = text[prefix.end() :]
    text = _NO_SUCH.sub(r"'\1' does not exist", text)
    if where in (start, "."):
        where = None
    return text, where


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def summary(text: str, start: str = ".", limit: int = 220) -> str:
    """One short line: the root cause, then where, within ``limit`` characters."""
    cause, where = root_cause(text, start)
    if where and where not in cause:
        cause = f"{cause} (in {where})"
    return shorten(cause, limit)


_MISSING = {
    "missing": "{field} entry {value!r} does not exist",
    "not-a-kustomization": "{field} entry {value!r} is a folder with no kustomization.yaml",
    "directory": "{field} entry {value!r} is a folder where a file is expected",
}


def cause(ctx: LintContext, overlay: RenderedOverlay) -> str | None:
    """The finding of this run that made ``overlay``'s build fail, said in one line.

    A file of the build that does not parse or a path that is not there is
    reported by its own rule at its own line; the build failure and what
    follows from it name it instead of repeating kustomize's text. Only a
    cause kustomize's message mentions is named.
    """
    error = overlay.error or ""
    closure = ctx.repo.closure(overlay.kustomization)
    for k in closure:
        if k.error is not None and ("Kustomization" in error or k.file.name in error):
            return _unparsable(k.rel_file, k.error)
        for ref in k.references:
            why = _MISSING.get(ref.status)
            if why is not None and ref.value in error:
                return f"{k.rel_file}: {why.format(field=ref.field, value=ref.value)} (missing-reference)"
    for path in sorted(ctx.repo.files_of(overlay.kustomization)):
        source = ctx.sources.get(rel(ctx.root, path))
        if source is not None and source.error is not None and path.name in error:
            return _unparsable(source.rel, source.error)
    return None


def _unparsable(rel_path: str, error: YamlError) -> str:
    where = f"{rel_path}:{error.line}" if error.line else rel_path
    rule = "yaml-duplicate-key" if is_duplicate_key(error) else "yaml-syntax"
    return f"{where} is not valid YAML ({rule})"


def explain(ctx: LintContext, overlay: RenderedOverlay, limit: int = 220) -> str:
    """Why ``overlay`` did not build, in one short line naming the cause."""
    return cause(ctx, overlay) or summary(overlay.error or "", overlay.path, limit)
