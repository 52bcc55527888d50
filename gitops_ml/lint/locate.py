"""From a violation to the file and line a person must edit.

For a rendered object and a JSON path inside it, in this order:

1. a patch of the overlay (or of a kustomization it includes) that sets that
   exact path on that object: the patch's line;
2. an ``images:`` entry of a kustomization that sets the image: its line;
3. the file the object came from (kustomize's origin annotation): the line
   of the deepest part of the path that is written there, list items matched
   by their ``name`` where kustomize added or reordered them;
4. the file alone when no line can be found, never nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gitops_ml import yamlio
from gitops_ml.errors import YamlError
from gitops_ml.images import name_of
from gitops_ml.kustomizations import rel
from gitops_ml.lint.context import LintContext, RenderedObject, RenderedOverlay, SourceFile
from gitops_ml.lint.rule import JsonPath, Violation

Where = tuple[str | None, int | None, int | None]
_GENERATORS = {"Secret": "secretGenerator", "ConfigMap": "configMapGenerator"}


def _names_match(rendered: str, written: str) -> bool:
    """Whether ``written`` is the core of ``rendered``: namePrefix/nameSuffix and generator
    hashes add whole words around a name (``prod-det-5h2k``), so ``det`` is not ``det2``."""
    if not written:
        return False
    if rendered == written:
        return True
    start = rendered.find(written)
    while start >= 0:
        end = start + len(written)
        before = start == 0 or rendered[start - 1] in "-._"
        after = end == len(rendered) or rendered[end] in "-._"
        if before and after:
            return True
        start = rendered.find(written, start + 1)
    return False


def _written_name(doc: dict[str, Any]) -> str:
    meta = doc.get("metadata")
    return str(meta.get("name") or "") if isinstance(meta, dict) else ""


class Locator:
    def __init__(self, ctx: LintContext) -> None:
        self.ctx = ctx
        self._positioned: dict[str, tuple[Any, ...]] = {}

    # -- files --------------------------------------------------------------------

    def documents(self, rel_path: str) -> tuple[Any, ...]:
        if rel_path not in self._positioned:
            try:
                text = yamlio.read_text(self.ctx.root / rel_path, rel_path)
                docs = yamlio.load_positioned(text).documents
            except (YamlError, OSError):
                docs = ()
            self._positioned[rel_path] = docs
        return self._positioned[rel_path]

    def _doc_for(self, rel_path: str, obj: RenderedObject) -> Any:
        docs = [d for d in self.documents(rel_path) if isinstance(d, dict)]
        if obj.overlay is None:
            all_docs = self.documents(rel_path)
            if 0 <= obj.index < len(all_docs):
                return all_docs[obj.index]
        same_kind = [d for d in docs if d.get("kind") == obj.kind]
        named = [(_written_name(d), d) for d in same_kind]
        matching = [(n, d) for n, d in named if _names_match(obj.name, n)]
        if matching:  # the exact name, else the most specific core (``det-2`` over ``det``)
            return max(matching, key=lambda m: (m[0] == obj.name, len(m[0])))[1]
        if len(same_kind) == 1:
            return same_kind[0]
        return docs[0] if len(docs) == 1 else None

    def node_lines(self, rel_path: str, line: int, column: int) -> range | None:
        """The lines of the YAML node a finding at ``line``:``column`` points into.

        That is the value of the mapping key, or the list item, written at that
        position (the outermost when a list item starts with a key); None when
        nothing but a whole document starts there.
        """
        for doc in self.documents(rel_path):
            found = _node_at(doc, line - 1, column - 1)
            if found is not None:
                return range(line, _last_line(found) + 2)
        return None

    # -- entry point -----------------------------------------------------------------

    def locate(self, subject: Any, v: Violation) -> Where:
        if v.file is not None:
            if v.line is None and v.path:
                docs = self.documents(v.file)
                found = yamlio.walk(docs[0], v.path) if docs else None
                if found:
                    return v.file, found[0], found[1]
            return v.file, v.line, v.column
        obj = v.obj or (subject if isinstance(subject, RenderedObject) else None)
        if obj is not None:
            return self.object_location(obj, v.path)
        if isinstance(subject, SourceFile):
            return self._in_file(subject.rel, v.path)
        overlay = v.overlay or (subject if isinstance(subject, RenderedOverlay) else None)
        if overlay is not None:
            return self._in_file(overlay.file, v.path)
        return self.ctx.config.path, None, None

    def _in_file(self, rel_path: str, path: JsonPath) -> Where:
        docs = self.documents(rel_path)
        if not docs or docs[0] is None:
            return rel_path, 1 if path == () else None, None
        found = yamlio.walk(docs[0], path)
        if found is None:
            return rel_path, None, None
        return rel_path, found[0], found[1]

    def object_location(self, obj: RenderedObject, path: JsonPath) -> Where:
        if obj.overlay is not None and path:
            # a list item (a container, a volume) is defined where it is first written: a
            # patch that merges into it by name (to add env) does not define it
            defined = self._defined(obj, path) if isinstance(path[-1], int) else None
            if defined is not None:
                return defined
            patched = self._from_patches(obj, path) or self._from_images(obj, path)
            if patched is not None:
                return patched
        origin = self.ctx.origin_of(obj)
        if origin is None:
            overlay = self._overlay_file(obj)
            return overlay, None, None
        generated = self._in_generator(origin, obj, path)
        if generated is not None:
            return generated
        doc = self._doc_for(origin, obj)
        if doc is None:
            return origin, None, None
        found = yamlio.walk(doc, path, obj.data)
        if found is None:
            return origin, None, None
        return origin, found[0], found[1]

    def _in_generator(self, origin: str, obj: RenderedObject, path: JsonPath) -> Where | None:
        """A generated Secret or ConfigMap: its ``secretGenerator``/``configMapGenerator``
        entry in the kustomization, at the source that holds the key when one is named."""
        field = _GENERATORS.get(obj.kind)
        if field is None:
            return None
        docs = self.documents(origin)
        kustomization = docs[0] if len(docs) == 1 and isinstance(docs[0], dict) else None
        entries = kustomization.get(field) if kustomization else None
        if kustomization is None or not isinstance(entries, list):
            return None
        matching = [
            (i, str(e.get("name") or ""))
            for i, e in enumerate(entries)
            if isinstance(e, dict) and _names_match(obj.name, str(e.get("name") or ""))
        ]
        if not matching:
            return None
        index = max(matching, key=lambda m: (m[1] == obj.name, len(m[1])))[0]
        where: JsonPath = (field, index)
        key = str(path[1]) if len(path) >= 2 and path[0] in ("data", "stringData") else None
        entry = entries[index]
        for source in ("literals", "files"):
            items = entry.get(source)
            for i, item in enumerate(items if isinstance(items, list) else ()):
                written = str(item)
                name = written.split("=", 1)[0] if "=" in written else written.rsplit("/", 1)[-1]
                if key is not None and name == key:
                    where = (field, index, source, i)
        pos = yamlio.position(kustomization, where)
        return origin, pos[0] if pos else None, pos[1] if pos else None

    def _defined(self, obj: RenderedObject, path: JsonPath) -> Where | None:
        """The whole of ``path`` in the object's origin file, or None."""
        origin = self.ctx.origin_of(obj)
        doc = self._doc_for(origin, obj) if origin is not None else None
        found = yamlio.walk(doc, path, obj.data) if doc is not None else None
        if origin is None or found is None or found[2] != len(path):
            return None
        return origin, found[0], found[1]

    def every_place(self, obj: RenderedObject, path: JsonPath) -> list[Where]:
        """Every source file that writes ``path`` of the object: its origin and each
        patch that restates it (an apiVersion every one of them must change)."""
        places = [p for p in (self._defined(obj, path),) if p is not None]
        if obj.overlay is not None and path:
            places.extend(self._patch_places(obj, path))
        return list(dict.fromkeys(places)) or [self.object_location(obj, path)]

    def _overlay_file(self, obj: RenderedObject) -> str | None:
        for overlay in self.ctx.overlays:
            if overlay.path == obj.overlay:
                return overlay.file
        return None

    def _closure(self, obj: RenderedObject) -> list[Any]:
        for overlay in self.ctx.overlays:
            if overlay.path == obj.overlay:
                return list(self.ctx.repo.closure(overlay.kustomization))
        return []

    def _from_patches(self, obj: RenderedObject, path: JsonPath) -> Where | None:
        return next(self._patch_places(obj, path), None)

    def _patch_places(self, obj: RenderedObject, path: JsonPath) -> Iterator[Where]:
        pointer = "/" + "/".join(str(p) for p in path)
        for k in self._closure(obj):
            for ref in k.references:
                if ref.field not in ("patches", "patchesStrategicMerge", "patchesJson6902"):
                    continue
                if ref.status != "file" or ref.target is None:
                    continue
                target = self._patch_target(k.data, ref.path)
                if target and not self._target_matches(target, obj):
                    continue
                rel_path = rel(self.ctx.root, ref.target)
                for doc in self.documents(rel_path):
                    found = self._in_patch(doc, obj, path, pointer, bool(target))
                    if found is not None:
                        yield rel_path, found[0], found[1]
                        break

    @staticmethod
    def _patch_target(data: Any, ref_path: JsonPath) -> dict[str, Any] | None:
        if not isinstance(data, dict) or len(ref_path) < 2:
            return None
        items = data.get(str(ref_path[0]))
        if isinstance(items, list) and isinstance(ref_path[1], int) and ref_path[1] < len(items):
            entry = items[ref_path[1]]
            if isinstance(entry, dict) and isinstance(entry.get("target"), dict):
                target: dict[str, Any] = entry["target"]
                return target
        return None

    @staticmethod
    def _target_matches(target: dict[str, Any], obj: RenderedObject) -> bool:
        if target.get("kind") and target["kind"] != obj.kind:
            return False
        name = target.get("name")
        return not (name and not _names_match(obj.name, str(name)))

    def _in_patch(
        self, doc: Any, obj: RenderedObject, path: JsonPath, pointer: str, targeted: bool
    ) -> tuple[int, int] | None:
        if isinstance(doc, list):  # a JSON 6902 patch: a list of operations
            for i, op in enumerate(doc):
                if isinstance(op, dict) and str(op.get("path", "")) == pointer:
                    pos = yamlio.position(doc, (i, "path"))
                    if pos:
                        return pos
            return None
        if not isinstance(doc, dict):
            return None
        if not targeted:
            meta = doc.get("metadata")
            name = str(meta.get("name") or "") if isinstance(meta, dict) else ""
            if doc.get("kind") != obj.kind or not _names_match(obj.name, name):
                return None
        found = yamlio.walk(doc, path, obj.data)
        if found is not None and found[2] == len(path):
            return found[0], found[1]
        return None

    def _from_images(self, obj: RenderedObject, path: JsonPath) -> Where | None:
        if path[-1] != "image":
            return None
        value: Any = obj.data
        for part in path:
            try:
                value = value[part]
            except (KeyError, IndexError, TypeError):
                return None
        if not isinstance(value, str):
            return None
        name = name_of(value)
        for k in self._closure(obj):
            images = k.data.get("images") if isinstance(k.data, dict) else None
            if not isinstance(images, list):
                continue
            for i, entry in enumerate(images):
                if isinstance(entry, dict) and name in (entry.get("newName"), entry.get("name")):
                    docs = self.documents(k.rel_file)
                    pos = yamlio.position(docs[0], ("images", i)) if docs else None
                    return k.rel_file, pos[0] if pos else None, pos[1] if pos else None
        return None


def _children(node: Any) -> list[tuple[tuple[int, int] | None, Any]]:
    """(position, value) of each key's value or each item of a positioned node."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return []
    if isinstance(node, dict):
        return [(_pos(lc.key, key), value) for key, value in node.items()]
    if isinstance(node, list):
        return [(_pos(lc.item, i), value) for i, value in enumerate(node)]
    return []


def _pos(get: Any, key: Any) -> tuple[int, int] | None:
    try:
        line, col = get(key)
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return (line, col) if line is not None and col is not None else None


def _node_at(node: Any, line: int, col: int) -> Any:
    """The outermost value below ``node`` whose key or item is written at (line, col)."""
    for pos, value in _children(node):
        if pos == (line, col):
            return value if value is not None else _Scalar(line)
        if pos is not None and pos[0] <= line:
            found = _node_at(value, line, col)
            if found is not None:
                return found
    return None


class _Scalar:
    """A value with no position of its own (null): it ends on its key's line."""

    def __init__(self, line: int) -> None:
        self.line = line


def _last_line(node: Any) -> int:
    """The 0-based last line a positioned node's keys, items and values are written on."""
    if isinstance(node, _Scalar):
        return node.line
    last = -1
    lc = getattr(node, "lc", None)
    if lc is not None and lc.line is not None:
        last = lc.line
    for pos, value in _children(node):
        if pos is not None:
            last = max(last, pos[0])
        if isinstance(value, dict | list):
            last = max(last, _last_line(value))
        elif isinstance(value, str) and pos is not None:
            last = max(last, pos[0] + value.count("\n"))
    return last
