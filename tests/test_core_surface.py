"""core's public surface: what `core/__init__.py` names is real, and faces use only that
(docs/architecture.md, "core's public surface"). The contracts in pyproject.toml
([tool.importlinter], `lint-imports`) hold the layers; this holds faces to the names in
`__all__`, which import-linter cannot see. What must start fast without core is in
tests/test_cli.py (`vocabot --help`)."""

import ast
from pathlib import Path

import core

ROOT = Path(__file__).resolve().parent.parent
FACES = ROOT / "bot"
# The composition root wires stores, LLM clients and runners from submodules (bot/queue.py
# is its part for the job queue's fronts and workers).
COMPOSITION_ROOT = {FACES / "app.py", FACES / "queue.py"}


def test_every_public_name_is_imported_once_and_named_once() -> None:
    assert len(set(core.__all__)) == len(core.__all__)
    for name in core.__all__:
        assert hasattr(core, name), name
    tree = ast.parse((ROOT / "core" / "__init__.py").read_text(encoding="utf-8"))
    imported = [
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    ]
    assert sorted(imported) == sorted(core.__all__), "import it and list it in __all__"


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
