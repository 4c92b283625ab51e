"""core's public surface: what `core/__init__.py` names is real, faces use only that, and
importing core stays free (docs/architecture.md, "core's public surface")."""

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import core

ROOT = Path(__file__).resolve().parent.parent
FACES = ROOT / "bot"
# The composition root wires stores, LLM clients and runners from submodules (bot/queue.py
# is its part for the job queue's fronts and workers).
COMPOSITION_ROOT = {FACES / "app.py", FACES / "queue.py"}


def test_every_public_name_resolves_to_the_object_in_its_home_submodule() -> None:
    assert sorted(core.__all__) == sorted(core._HOME), "__all__ and the lazy table disagree"
    assert len(set(core.__all__)) == len(core.__all__)
    for name in core.__all__:
        home = importlib.import_module(core._HOME[name])
        assert getattr(core, name) is getattr(home, name), f"{name} from {home.__name__}"
        assert name in dir(core)


def test_type_checkers_see_the_same_names_from_the_same_homes() -> None:
    """The `if TYPE_CHECKING:` imports are what mypy and IDEs read: they must match."""
    tree = ast.parse((ROOT / "core" / "__init__.py").read_text(encoding="utf-8"))
    seen: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom) and imp.module
                seen.update({alias.name: imp.module for alias in imp.names})
    assert seen == core._HOME


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = core.no_such_thing  # type: ignore[attr-defined]


def outside_the_surface(source: str, where: str) -> list[str]:
    """Every import of core in `source` that bypasses the surface, as `where:line ...`."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            bad = [a.name for a in node.names if a.name == "core" or a.name.startswith("core.")]
            found += [(node.lineno, f"import {name}") for name in bad]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith("core."):
                found.append((node.lineno, f"from {node.module} import ..."))
            elif node.module == "core":
                unknown = [a.name for a in node.names if a.name not in core.__all__]
                found += [(node.lineno, f"from core import {n} (not in __all__)") for n in unknown]
    return [f"{where}:{line} {what}" for line, what in sorted(found)]


def test_faces_import_core_only_through_its_surface() -> None:
    found = []
    for path in sorted(FACES.rglob("*.py")):
        if path not in COMPOSITION_ROOT:
            source = path.read_text(encoding="utf-8")
            found += outside_the_surface(source, str(path.relative_to(ROOT)))
    assert found == [], "use `from core import X` (add X to core/__init__.py):\n" + "\n".join(found)


def test_the_face_check_catches_every_way_around_the_surface() -> None:
    source = """
import core.actions
from core import Actions, errors
from core.i18n import N_

def later():
    from core.store import User
"""
    assert outside_the_surface(source, "f.py") == [
        "f.py:2 import core.actions",
        "f.py:3 from core import errors (not in __all__)",
        "f.py:4 from core.i18n import ...",
        "f.py:7 from core.store import ...",
    ]


def test_importing_core_loads_none_of_it() -> None:
    """`vocabot --help` must not pay for the pipeline (core.actions alone costs about 1 s)."""
    check = (
        "import core, sys; assert 'core.actions' not in sys.modules; "
        "loaded = [m for m in sys.modules if m.startswith('core.')]; "
        "assert not loaded, loaded"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
