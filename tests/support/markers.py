"""Which kind each test is (git / browser / redis / slow, else unit), decided from what it does, so a
new test is marked right without anyone remembering to: tests/conftest.py applies it at collection.

- browser: it lives under tests/browser/ or uses the ``browser`` or ``page`` fixture;
- redis: it uses the ``redis_url`` fixture (a real redis-server);
- git: its code, a helper or class it calls from the test suite, or one of its fixtures has the
  constant ``"git"`` (a git command line) or uses ``support.git``;
- slow: it is a browser, redis or git test, such code starts a child process (``subprocess``), or
  it reads the shared corpus (``needs_corpus``, ``corpus_pairs``); marked by hand
  (``pytest.mark.slow``) where it is slow in-process for another reason (a fuzzer);
- unit: none of these.
Explicit marks are kept. ``make test`` runs the files in parallel with ``--dist loadfile``: a
module's tests run on one worker, so a module-scoped fixture (chromium, a built wheel, a bot
process, a jupyter lab) starts once and tests that build on each other's state keep their order.
(``--dist loadgroup`` with ``xdist_group`` marks was tried: pytest-xdist 3.8 under pytest 9 spread
one group's tests over both workers.)
"""

from __future__ import annotations

import inspect
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from support import paths

TESTS = Path(__file__).resolve().parents[1]
KINDS = ("git", "browser", "redis", "slow")
_PROCESS = {subprocess.run, subprocess.Popen, subprocess.call, subprocess.check_call, subprocess.check_output}


def _in_suite(obj: Any) -> bool:
    """Whether ``obj`` (a module, function or class) is defined in a file under tests/."""
    module = obj if isinstance(obj, types.ModuleType) else sys.modules.get(getattr(obj, "__module__", None) or "")
    file = getattr(module, "__file__", None)
    return file is not None and Path(file).resolve().is_relative_to(TESTS)


def _codes(obj: Any) -> list[types.CodeType]:
    """The code objects of a function (unwrapped, hypothesis' inner test) or of a class's methods."""
    if isinstance(obj, type):
        return [c for v in vars(obj).values() for c in _codes(getattr(v, "__func__", v))]
    inner = getattr(getattr(obj, "hypothesis", None), "inner_test", None)
    fn = inspect.unwrap(inner or obj)
    code = getattr(fn, "__code__", None)
    return [code] if isinstance(code, types.CodeType) else []


def runs(roots: list[Any]) -> set[str]:
    """What the code reachable from ``roots`` (through the suite's own helpers) runs or reads:
    "git", "process", "corpus"."""
    found: set[str] = set()
    seen: set[int] = set()
    todo = list(roots)
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if getattr(obj, "__module__", "") == "support.git":
            found.add("git")
        stack = _codes(obj)
        module = sys.modules.get(getattr(obj, "__module__", None) or "")
        scope = getattr(inspect.unwrap(obj), "__globals__", None) or (vars(module) if module else {})
        while stack:
            code = stack.pop()
            for const in code.co_consts:
                if isinstance(const, types.CodeType):
                    stack.append(const)
                elif const == "git":
                    found.add("git")
            # names a function imports itself ("from support.git import Repo" inside a test) are looked
            # up in the suite's modules it imports
            imported = [vars(m) for n in code.co_names if (m := sys.modules.get(n)) is not None and _in_suite(m)]
            for name in code.co_names:
                if name == "support.git":
                    found.add("git")
                target = scope.get(name, next((ns[name] for ns in imported if name in ns), None))
                if target is paths.corpus_pairs:
                    found.add("corpus")
                elif target is subprocess or name == "subprocess" or any(target is p for p in _PROCESS):
                    found.add("process")
                elif (inspect.isfunction(target) or inspect.isclass(target)) and _in_suite(target):
                    todo.append(target)
    return found


def classify(item: pytest.Item) -> set[str]:
    """The kinds of one collected test (see the module docstring)."""
    kinds = {m.name for m in item.iter_markers() if m.name in KINDS}
    names = set(getattr(item, "fixturenames", ()))
    if "browser" in names or "page" in names or (TESTS / "browser") in Path(item.path).parents:
        kinds.add("browser")
    if "redis_url" in names:
        kinds.add("redis")
    roots: list[Any] = [getattr(item, "function", None)]
    for defs in getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {}).values():
        roots.extend(d.func for d in defs if _in_suite(d.func))
    found = runs([r for r in roots if r is not None])
    if "git" in found:
        kinds.add("git")
    on_corpus = any(m.kwargs.get("reason") == paths.CORPUS_MISSING for m in item.iter_markers("skipif"))
    if on_corpus or found & {"process", "corpus"} or kinds & {"git", "browser", "redis"}:
        kinds.add("slow")
    return kinds


def apply(items: list[pytest.Item]) -> None:
    """Mark every collected test with its kinds (``unit`` when none)."""
    for item in items:
        kinds = classify(item)
        for kind in sorted(kinds - {m.name for m in item.iter_markers()}):
            item.add_marker(getattr(pytest.mark, kind))
        if not kinds:
            item.add_marker(pytest.mark.unit)
