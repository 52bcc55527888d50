"""Reading and writing YAML: one configured ruamel.yaml per purpose.

* ``load_fast`` parses plain data with libyaml (ruamel's C loader), for reading
  kustomizations and manifests quickly.
* ``load_positioned`` parses round-trip documents that keep line and column of
  every key and item, for pointing a finding at a line and for editing.
* ``dump_rt`` writes round-trip documents back with comments and key order.
* ``atomic_write`` writes through a temporary file and a rename; ``write_output``
  writes a report where ``-o`` asks (a device or pipe in place).

Every reader enforces the same input limits (size, alias count, nesting depth),
and accepts what kustomize (Go yaml.v3) accepts where ruamel.yaml alone would
not: trailing tabs after a value are tolerated and reported as a warning.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import SafeRepresenter
from ruamel.yaml.resolver import VersionedResolver

from gitops_ml.errors import UserError, YamlError

# Input limits; docs/limits.md says why each value was chosen.
MAX_FILE_BYTES = 4 * 1024 * 1024  # any YAML we read, and any file handed to kustomize
MAX_POSITIONED_BYTES = 512 * 1024  # round-trip parsing is pure Python, ~15x slower
MAX_ALIASES = 1000
MAX_NODES = 1_000_000  # per document, counting every alias as the copy it stands for
MAX_DEPTH = 200
# libyaml's composer recurses in C and overflows the stack (a segfault) somewhere
# past 20,000 levels; above this much possible nesting, measure it on the event
# stream, which libyaml produces without recursion, before composing.
_PRESCAN_STRUCTURE = 2000

_TRAILING_TABS = re.compile(r"[ \t]*\t[ \t]*$", re.MULTILINE)


class LimitError(YamlError):
    """A YAML text refused by an input limit (size, aliases, nesting), never parsed whole."""


@dataclass(frozen=True)
class Loaded:
    """Documents of one YAML text, plus tolerated irregularities."""

    documents: tuple[Any, ...]
    tab_lines: tuple[int, ...] = ()  # 1-based lines whose trailing tabs were dropped


_instances = threading.local()  # a YAML instance is reusable but not thread-safe


def _fast() -> YAML:
    y: YAML | None = getattr(_instances, "fast", None)
    if y is None:
        y = YAML(typ="safe", pure=False)
        y.allow_duplicate_keys = False
        _instances.fast = y
    return y


def _rt() -> YAML:
    y: YAML | None = getattr(_instances, "rt", None)
    if y is None:
        y = YAML(typ="rt")
        y.allow_duplicate_keys = False
        y.preserve_quotes = True
        y.width = 4096
        y.indent(mapping=2, sequence=2, offset=0)
        _instances.rt = y
    return y


def decode(data: bytes, name: str = "<text>") -> str:
    """Bytes of a YAML file to text: UTF-8 (a BOM is dropped) or a YamlError."""
    if len(data) > MAX_FILE_BYTES:
        raise LimitError(f"{name} is {len(data)} bytes, over the {MAX_FILE_BYTES}-byte limit")
    if b"\x00" in data[:8192]:
        raise YamlError(f"{name} is a binary file, not YAML text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlError(f"{name} is not valid UTF-8 (byte {exc.start})", line=line) from None
    return text


def read_text(path: Path, name: str | None = None) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LimitError(
                f"{name or path} is {size} bytes, over the {MAX_FILE_BYTES}-byte limit"
            )
        data = path.read_bytes()
    except IsADirectoryError:
        raise YamlError(f"{name or path} is a directory, not a file") from None
    except OSError as exc:
        raise YamlError(f"{name or path} cannot be read: {exc.strerror or exc}") from None
    return decode(data, name or str(path))


def _check_aliases(text: str) -> None:
    # A billion-laughs document is small as text and huge once its aliases are
    # expanded (by json.dumps, by a rule walking it); refuse before parsing.
    if "*" in text and len(re.findall(r"(?:^|[\s\[{,:-])\*[^\s,\]}]+", text)) > MAX_ALIASES:
        raise LimitError(f"more than {MAX_ALIASES} YAML aliases; refusing to expand them")


def _structure(text: str) -> int:
    """An upper bound of the nesting that flow brackets and block indicators can make."""
    return (
        text.count("[")
        + text.count("{")
        + text.count("- ")
        + text.count("-\n")
        + text.count("? ")
        + text.count("?\n")
    )


def _check_nesting_events(text: str) -> None:
    """Refuse deep nesting from libyaml's event stream, before anything recurses."""
    from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent

    depth = 0
    try:
        for event in YAML(typ="safe", pure=False).parse(text):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise LimitError(f"nesting deeper than {MAX_DEPTH} levels")
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except YAMLError:
        return  # the loader reports it, at its position


def _check_shape(node: Any) -> None:
    """Refuse nesting deeper than MAX_DEPTH, alias bombs and self-referencing aliases.

    Aliases share one Python object, so the document is a graph: count each
    container once, but with the size and height of what it expands to.
    """
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(node, False)]
    while stack:
        item, finished = stack.pop()
        if isinstance(item, dict):
            children = [v for v in item.values() if isinstance(v, dict | list)]
            leaves = len(item) * 2 - len(children)
        elif isinstance(item, list):
            children = [v for v in item if isinstance(v, dict | list)]
            leaves = len(item) - len(children)
        else:
            continue
        key = id(item)
        if finished:
            on_path.discard(key)
            size[key] = 1 + leaves + sum(size[id(c)] for c in children)
            height[key] = 1 + max((height[id(c)] for c in children), default=0)
            if height[key] > MAX_DEPTH:
                raise LimitError(f"nesting deeper than {MAX_DEPTH} levels")
            if size[key] > MAX_NODES:
                raise LimitError(
                    f"more than {MAX_NODES} values once aliases are expanded; "
                    "refusing to expand them"
                )
            continue
        if key in size:
            continue
        if key in on_path:
            raise LimitError("a YAML alias refers to a collection that contains it")
        on_path.add(key)
        stack.append((item, True))
        stack.extend((c, False) for c in children)


def _error(exc: Exception, text: str = "") -> YamlError:
    if isinstance(exc, MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        last_line = text.rstrip().count("\n")  # 0-based index of the last written line
        if mark is not None and mark.line > last_line:
            # "unexpected end of file": point where the construct started, or the last line
            context = exc.context_mark
            line = context.line if context is not None and context.line <= last_line else last_line
            return YamlError(exc.problem or "unexpected end of file", line=line + 1)
        problem = exc.problem or str(exc).splitlines()[0]
        if problem.startswith("found duplicate key"):
            # the values ruamel adds can be whole mappings: the key is what a person needs
            problem = problem.split(" with value ", 1)[0]
        if mark is not None:
            return YamlError(problem, line=mark.line + 1, column=mark.column + 1)
        return YamlError(problem)
    if isinstance(exc, RecursionError):
        return LimitError(f"nesting deeper than {MAX_DEPTH} levels")
    return YamlError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


def is_duplicate_key(error: YamlError) -> bool:
    return error.message.startswith("found duplicate key")


def _load(yaml: YAML, text: str) -> Loaded:
    if len(text) > MAX_FILE_BYTES:
        raise LimitError(f"{len(text)} characters, over the {MAX_FILE_BYTES}-byte limit")
    _check_aliases(text)
    if _structure(text) > _PRESCAN_STRUCTURE:
        _check_nesting_events(text)
    tab_lines: tuple[int, ...] = ()
    try:
        docs = tuple(yaml.load_all(text))
    except (YAMLError, RecursionError, ValueError, TypeError) as exc:
        error = _error(exc, text)
        if "\t" not in text or not _TRAILING_TABS.search(text):
            raise error from None
        # Go yaml.v3 (kustomize) accepts trailing tabs after a value; so do we.
        tab_lines = tuple(text.count("\n", 0, m.start()) + 1 for m in _TRAILING_TABS.finditer(text))
        try:
            docs = tuple(yaml.load_all(_TRAILING_TABS.sub("", text)))
        except (YAMLError, RecursionError, ValueError, TypeError):
            raise error from None
    for doc in docs:
        _check_shape(doc)
    return Loaded(documents=docs, tab_lines=tab_lines)


def load_fast(text: str) -> Loaded:
    """Plain Python data of every document (dict, list, scalars)."""
    return _load(_fast(), text)


def load_positioned(text: str) -> Loaded:
    """Round-trip documents whose mappings and sequences know their lines."""
    if len(text) > MAX_POSITIONED_BYTES:
        raise LimitError(
            f"{len(text)} characters, over the {MAX_POSITIONED_BYTES}-byte limit for line positions"
        )
    return _load(_rt(), text)


def iter_documents(loaded: Loaded) -> Iterator[tuple[int, Any]]:
    """(index, document) for every document that is not empty."""
    for index, doc in enumerate(loaded.documents):
        if doc is not None:
            yield index, doc


def walk(
    node: Any, path: tuple[str | int, ...], rendered: Any = None
) -> tuple[int, int, int] | None:
    """1-based (line, column) of the deepest part of ``path`` in ``node``, and its depth.

    A depth of 0 means nothing of the path was found (the node's own position).
    With ``rendered`` (the same document as kustomize renders it), a list item
    is followed by its ``name`` rather than its index, since kustomize may add
    or reorder containers, ports and env entries.
    """
    src = node
    best: tuple[int, int, int] | None = None
    lc = getattr(src, "lc", None)
    if lc is not None and lc.line is not None and lc.col is not None:  # tagged scalars have none
        best = (lc.line + 1, lc.col + 1, 0)
    for depth, part in enumerate(path, start=1):
        lc = getattr(src, "lc", None)
        if lc is None:
            break
        try:
            if isinstance(part, str) and isinstance(src, dict) and part in src:
                line, col = lc.key(part)
                src = src[part]
                rendered = rendered.get(part) if isinstance(rendered, dict) else None
            elif isinstance(part, int) and isinstance(src, list):
                fits = isinstance(rendered, list) and 0 <= part < len(rendered)
                item = rendered[part] if fits else None
                name = item.get("name") if isinstance(item, dict) else None
                index = part
                if name is not None:
                    matches = [
                        i
                        for i, x in enumerate(src)
                        if isinstance(x, dict) and x.get("name") == name
                    ]
                    if not matches:
                        break
                    index = matches[0]
                if not 0 <= index < len(src):
                    break
                line, col = lc.item(index)
                src = src[index]
                rendered = item
            else:
                break
        except (KeyError, TypeError, IndexError, AttributeError):
            break
        best = (line + 1, col + 1, depth)
    return best


def position(node: Any, path: tuple[str | int, ...]) -> tuple[int, int] | None:
    """1-based (line, column) of the deepest part of ``path`` found in ``node``."""
    found = walk(node, path)
    return (found[0], found[1]) if found else None


def dump_rt(documents: list[Any] | tuple[Any, ...]) -> str:
    stream = io.StringIO()
    _rt().dump_all(list(documents), stream)
    return stream.getvalue()


_YAML11 = VersionedResolver(version=(1, 1))


class _PlainRepresenter(SafeRepresenter):
    """Quotes every string a YAML 1.1 reader would take for something else.

    The dumper writes YAML 1.2, where ``yes``, ``on``, ``y`` and ``1:30`` are
    plain strings; PyYAML, Go's yaml.v2 (kubectl) and Airflow read YAML 1.1 and
    would load them as booleans and integers. Quoted, both read the same value.
    """

    def represent_str(self, data: str) -> Any:
        if _YAML11.resolve(ScalarNode, data, (True, False)) != "tag:yaml.org,2002:str":
            return self.represent_scalar("tag:yaml.org,2002:str", data, style="'")
        return super().represent_str(data)


_PlainRepresenter.add_representer(str, _PlainRepresenter.represent_str)


def dump_plain(documents: list[Any] | tuple[Any, ...]) -> str:
    """Block-style YAML of plain data, key order kept, as kustomize prints it; it reads
    back the same in YAML 1.1 (PyYAML, kubectl) and 1.2."""
    y = YAML(typ="safe", pure=True)
    y.Representer = _PlainRepresenter
    y.default_flow_style = False
    y.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    y.width = 4096
    y.indent(mapping=2, sequence=2, offset=0)
    stream = io.StringIO()
    y.dump_all(list(documents), stream)
    return stream.getvalue()


@contextlib.contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """While the block runs, SIGTERM unwinds the stack (``SystemExit(143)``) instead of
    ending the process on the spot, so that temporary files, git's index lock and
    half-written sets of files are cleaned up as after Ctrl-C.

    Nothing changes outside the main thread or when a SIGTERM handler is already set.
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return

    def unwind(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, unwind)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def atomic_write(path: Path, text: str | bytes) -> None:
    """Write ``text`` so that ``path`` holds either its old content or all of the new.

    Interrupted (an exception, Ctrl-C, SIGTERM), the temporary file is removed; a
    write the system refuses (disk full, permissions) is a UserError naming the file.
    Only SIGKILL or a crash can leave a ``.<name>.<random>.tmp`` beside ``path``.
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    with sigterm_unwinds():
        try:
            _replace(path, data)
        except OSError as exc:
            raise UserError(f"cannot write {path}: {exc.strerror or exc}") from exc


def write_output(path: Path, text: str) -> None:
    """Write a report to the path ``-o`` names, as a shell's ``>`` would, but safely.

    A new or regular file (a link is followed) is written atomically; an existing
    pipe or character device (``/dev/stdout``, ``/dev/null``) is written in place,
    never replaced by a file; a folder, socket or block device is refused.
    """
    try:
        mode = path.stat().st_mode  # through links: /dev/stdout is one
    except FileNotFoundError:
        atomic_write(Path(os.path.realpath(path)), text)  # a dangling link: create its target
        return
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
    if stat.S_ISREG(mode):
        atomic_write(Path(os.path.realpath(path)), text)
        return
    if stat.S_ISDIR(mode):
        raise UserError(f"cannot write the report to {path}: it is a folder")
    if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        raise UserError(
            f"refusing to write the report to {path}: it is neither a file, a pipe nor a "
            "character device"
        )
    data = text.encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None


def _replace(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
