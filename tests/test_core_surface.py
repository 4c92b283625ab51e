"""core's public surface: what `core/__init__.py` names is real, and faces use only that
(docs/architecture.md, "core's public surface"). The contracts in pyproject.toml
([tool.importlinter], `lint-imports`) hold the layers. What must start fast without core is in
tests/test_cli_start.py (`vocabot --help`)."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import core

ROOT = Path(__file__).resolve().parent.parent


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


def test_the_layer_contracts_hold() -> None:
    """The import-linter contracts in pyproject.toml (also run by .ci/run): core imports no
    platform, web framework or driver; storage only core's types; faces reach core through
    its surface and storage only through the composition root. (They replace this file's
    own AST walk over bot/: `from core import errors` is an import of core.errors to it too,
    and mypy --strict refuses a name core/__init__.py does not list in `__all__`.)"""
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint), "--no-cache"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "0 broken" in result.stdout
