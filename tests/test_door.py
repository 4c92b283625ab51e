"""The action layer is the only door (docs/architecture.md, "the action layer"): no face
reaches the store. The import-linter contracts (tests/test_core_surface.py) keep faces out of
core's submodules, and `Store` is not on core's surface; what an import cannot show, a face
reading `something.store`, is checked here on the source of every face."""

import ast
from pathlib import Path

from core import Actions
from core.srs import Quiz
from tests.stores import AnyStore

ROOT = Path(__file__).resolve().parent.parent
# The composition root opens the store and hands it to core; it is no face.
COMPOSITION_ROOT = {"bot/app.py", "bot/queue.py"}
STORE_NAMES = {"store", "_store"}


def reaches_the_store(source: str) -> list[int]:
    """Lines of `source` that read a `.store`/`._store` attribute or import core's store."""
    lines: list[int] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in STORE_NAMES:
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            named = {alias.name for alias in node.names}
            if node.module.startswith("core.store") or (node.module == "core" and "Store" in named):
                lines.append(node.lineno)
    return sorted(lines)


def test_the_check_sees_a_face_reaching_past_the_actions() -> None:
    face = (
        "from core import Store\n"
        "async def press(p):\n"
        "    await p.actions.decks.page(p.user, 1)\n"
        "    return await p.actions._store.get_card(p.user.id, 7)\n"
        "def root(app):\n"
        "    return app.store\n"
    )
    assert reaches_the_store(face) == [1, 4, 6]
    assert reaches_the_store("async def f(a):\n    return await a.decks.card(u, 7)\n") == []


def test_no_face_touches_the_store() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / "bot").rglob("*.py"))
        if path.relative_to(ROOT).as_posix() not in COMPOSITION_ROOT
        for line in reaches_the_store(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "a face reaches the store: give it an action (CONTRIBUTING.md)"


def test_the_actions_hand_out_no_store(store: AnyStore) -> None:
    actions = Actions(store=store, runner=None, quiz=Quiz(store))
    parts = [v for v in vars(actions).values() if type(v).__module__.startswith("core.actions")]
    assert len(parts) == 9, "nine parts, each one concern's doors"
    for part in [actions, *parts]:
        assert "store" not in dir(part), type(part).__name__
        public = [value for name, value in vars(part).items() if not name.startswith("_")]
        assert all(value is not store for value in public), type(part).__name__
