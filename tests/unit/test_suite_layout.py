"""The test suite's own layout: test modules and conftest.py files import what they share from
tests/support/, never from each other, so a test module is never another's fixture library."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import ROOT


def imported_modules(tree: ast.AST) -> list[str]:
    """Every module a file imports, as dotted names; `from a import b` gives a and a.b (b may be one)."""
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return found


def is_a_test_module(dotted: str) -> bool:
    last = dotted.rsplit(".", 1)[-1]
    return dotted.split(".")[0] == "tests" and (last.startswith("test_") or last == "conftest")


def test_no_module_imports_a_test_module_or_a_conftest():
    importing = sorted(path for folder in ("tests", "bench") for path in (ROOT / folder).rglob("*.py"))
    assert Path(__file__) in importing
    wrong = {
        f"{path.relative_to(ROOT)} imports {dotted}"
        for path in importing
        for dotted in imported_modules(ast.parse(path.read_text(), str(path)))
        if is_a_test_module(dotted)
    }
    assert sorted(wrong) == [], "move what is shared to tests/support/ or to a fixture"


def test_the_check_sees_each_way_of_importing_a_test_module():
    for source in (
        "from tests.journeys.test_journey import open_form",
        "from tests.journeys import test_journey",
        "import tests.conftest",
        "from tests.unit.handlers.conftest import TEAM",
    ):
        assert any(is_a_test_module(dotted) for dotted in imported_modules(ast.parse(source))), source
    for source in (
        "from tests.support.bot_process import start_bot",
        "import tests.support",
        "import pytest",
    ):
        found = imported_modules(ast.parse(source))
        assert not any(is_a_test_module(dotted) for dotted in found), source
