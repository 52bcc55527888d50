"""The build layer: the one way to render, guarded the same for every command."""

from __future__ import annotations

import ast
from pathlib import Path

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
