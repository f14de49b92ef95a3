"""`qa serve` as a new user meets it: a bad value or a setting it cannot use is one line on
stderr naming the flag, and exit 1, as for the other qa commands; nothing is served or built."""

from __future__ import annotations

import ast
from pathlib import Path

import qa.errors
from tests.serve_support import ROOT

PACKAGE = ROOT / "qa"


# --- one exception tree ------------------------------------------------------------------------


def test_every_qa_error_is_defined_in_qa_errors() -> None:
    """STYLE.md 7: one tree, one module. A class anywhere else in qa/ that subclasses one of
    qa.errors' classes belongs in qa/errors.py."""
    tree = {name for name, value in vars(qa.errors).items()
            if isinstance(value, type) and issubclass(value, qa.errors.QAError)}
    elsewhere = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")
                         for b in node.bases}
                if bases & tree:
                    elsewhere.append(f"{path.relative_to(ROOT)}: {node.name}")
    assert not elsewhere, "error classes outside qa/errors.py: " + ", ".join(elsewhere)


def test_the_server_errors_are_still_importable_from_qa_serve() -> None:
    import qa.serve

    assert qa.serve.NotReadyError is qa.errors.NotReadyError
    assert qa.serve.ConversationsFullError is qa.errors.ConversationsFullError
    assert issubclass(qa.errors.NotReadyError, qa.errors.QAError)
    assert Path(qa.errors.__file__).name == "errors.py"
