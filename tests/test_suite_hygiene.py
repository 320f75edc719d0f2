"""The test suite checks itself: no assertion that cannot fail, helpers imported from ``support`` (never from
conftest or another test file), one definition of each shared fixture, and every test marked with its kind."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from support import markers

TESTS = Path(__file__).resolve().parent
SHARED_FIXTURES = ("home", "env", "repo", "merge_repo", "world", "redis_url")
# Vacuous asserts known and not yet fixed (file, line): none left.
PENDING: set[tuple[str, int]] = set()


def suite_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if ".venv" not in p.parts)


def _truthy_constant(node: ast.expr) -> bool:
    """An expression that is true whatever the code under test does."""
    if isinstance(node, ast.Constant):
        return bool(node.value)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
        return bool(node.keys if isinstance(node, ast.Dict) else node.elts)  # a non-empty literal
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and v.value for v in node.values)
    if isinstance(node, (ast.Lambda, ast.GeneratorExp)):
        return True
    if isinstance(node, ast.BoolOp):
        parts = [_truthy_constant(v) for v in node.values]
        return any(parts) if isinstance(node.op, ast.Or) else all(parts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and isinstance(node.operand, ast.Constant):
        return not node.operand.value
    return False


def _self_comparison(node: ast.expr) -> bool:
    """``x == x``, ``x is x``: true for any x that compares equal to itself."""
    return (
        isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.Is, ast.GtE))
        and ast.dump(node.left) == ast.dump(node.comparators[0])
    )


def vacuous_asserts(source: str) -> list[tuple[int, str]]:
    """Each assert (line, text) that cannot fail: a truthy constant or literal, an ``or True``
    tail, a non-empty tuple (``assert (x, "why")``), a lambda, an expression compared with itself."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assert) and (_truthy_constant(node.test) or _self_comparison(node.test)):
            found.append((node.lineno, ast.get_source_segment(source, node) or ""))
    return found


@pytest.mark.parametrize(
    "code",
    [
        "assert True",
        "assert 1",
        "assert 'always'",
        "assert f'{x} is set'",
        "assert [x == 1]",
        "assert (x == 1, 'x should be 1')",
        "assert f(x) == [1, 2] or True",
        "assert x or 1",
        "assert not False",
        "assert f(x) == f(x)",
        "assert lambda: x",
        "assert (y for y in x)",
    ],
)
def test_scanner_finds_each_assertion_that_cannot_fail(code: str) -> None:
    assert [line for line, _ in vacuous_asserts(code)] == [1]


@pytest.mark.parametrize(
    "code",
    ["assert x", "assert x == 1, 'why'", "assert (x, 1) == y", "assert x or y", "assert not x", "assert ()",
     "assert f(x) == f(y)", "assert x and True", "assert [] == x"],
)
def test_scanner_leaves_real_assertions_alone(code: str) -> None:
    assert vacuous_asserts(code) == []


def test_no_assertion_in_the_suite_cannot_fail() -> None:
    found = {(p.relative_to(TESTS).as_posix(), line): text
             for p in suite_files() for line, text in vacuous_asserts(p.read_text())}
    stale = sorted(PENDING - found.keys())
    assert not stale, f"fixed, so drop them from PENDING in tests/test_suite_hygiene.py: {stale}"
    assert {k: v for k, v in found.items() if k not in PENDING} == {}


def test_helpers_come_from_support_only() -> None:
    """A test file imports helpers from the support package: never conftest, never another test file."""
    bad = []
    for p in suite_files():
        for node in ast.walk(ast.parse(p.read_text())):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom) else
                     [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                if name.split(".")[-1] == "conftest" or name.split(".")[-1].startswith("test_"):
                    bad.append(f"{p.relative_to(TESTS)}:{node.lineno}: {name}")
    assert bad == []


def test_helper_modules_live_in_support() -> None:
    """Outside support/ (and the fake GitHub and GitLab, servers of their own) tests/ holds test files and
    conftests only."""
    stray = [p.relative_to(TESTS).as_posix() for p in suite_files()
             if not p.name.startswith("test_") and p.name not in ("conftest.py", "__init__.py")
             and not {"support", "fakegithub", "fakegitlab"} & set(p.relative_to(TESTS).parts)]
    assert stray == [], "move these helpers into tests/support/ and import them from there"


def test_shared_fixtures_are_defined_once() -> None:
    """``repo``, ``world``, ... live in tests/conftest.py; a test module defining its own would shadow them."""
    defined: dict[str, list[str]] = {}
    for p in suite_files():
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name in SHARED_FIXTURES and any(
                "fixture" in ast.dump(d) for d in node.decorator_list
            ):
                defined.setdefault(node.name, []).append(p.relative_to(TESTS).as_posix())
    assert defined == {name: ["conftest.py"] for name in SHARED_FIXTURES}


def test_every_collected_test_has_its_kind(request: pytest.FixtureRequest) -> None:
    """Collection marked this test unit; a git test elsewhere in the suite is git and slow."""
    assert [m.name for m in request.node.iter_markers() if m.name in ("unit", *markers.KINDS)] == ["unit"]


KIND_CASES = {
    # a local import of a suite helper that runs git
    "from support.git import example_repo, git_env\n"
    "def t(tmp):\n    example_repo(tmp / 'r', git_env(tmp))\n": {"git", "process"},
    "import subprocess\ndef t():\n    subprocess.run(['true'], check=True)\n": {"process"},
    "from subprocess import Popen\ndef t():\n    Popen(['true']).wait()\n": {"process"},
    "def t():\n    run(['git', 'status'])\n": {"git"},
    "def t():\n    assert sorted([2, 1]) == [1, 2]\n": set(),
}


@pytest.mark.parametrize("source", list(KIND_CASES))
def test_kinds_follow_what_a_test_runs(source: str) -> None:
    """The auto-marking sees git and child processes through the suite's helpers and local imports."""
    namespace: dict[str, object] = {"run": print}
    exec(compile(source, "<case>", "exec"), namespace)
    assert markers.runs([namespace["t"]]) == KIND_CASES[source]
