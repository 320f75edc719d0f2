"""Every source file reads in one sitting: no module over ~600 lines, no function over ~60.

Measured with ``ast`` on src/nbreview (nothing imported). A function's length runs from its
``def`` to its last line, nested functions included (they are also measured on their own).
The one exception is by rule, not by name: a *table of data* -- a function whose body, after
its docstring, is a single ``return`` or assignment of a literal dict, list, tuple or set --
may be as long as its data.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
ROOT = SRC.parent
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 60

LITERALS = (ast.Dict, ast.List, ast.Tuple, ast.Set)
Function = ast.FunctionDef | ast.AsyncFunctionDef


def is_data_table(fn: Function) -> bool:
    """Whether the function only returns (or assigns) one literal container: a table of data."""
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if len(body) != 1:
        return False
    stmt = body[0]
    value = stmt.value if isinstance(stmt, (ast.Return, ast.Assign, ast.AnnAssign)) else None
    return isinstance(value, LITERALS)


def functions(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, Function]]:
    """Every function and method with its qualified name (``Class.method``, ``outer.inner``)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name = prefix + node.name
            if not isinstance(node, ast.ClassDef):
                yield name, node
            yield from functions(node, name + ".")
        else:
            yield from functions(node, prefix)


def shape_problems(root: Path = SRC / "nbreview", base: Path = ROOT) -> dict[str, str]:
    """``{"path" or "path::function": what is too long}`` over every .py file under ``root``
    (paths relative to ``base``)."""
    problems: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(base).as_posix()
        lines = len(text.splitlines())
        if lines > MAX_FILE_LINES:
            problems[name] = f"{lines} lines (at most {MAX_FILE_LINES})"
        for qualname, fn in functions(ast.parse(text, str(path))):
            length = (fn.end_lineno or fn.lineno) - fn.lineno + 1
            if length > MAX_FUNCTION_LINES and not is_data_table(fn):
                problems[f"{name}::{qualname}"] = f"{length} lines (at most {MAX_FUNCTION_LINES})"
    return problems


def test_no_long_files_or_functions() -> None:
    problems = shape_problems()
    assert problems == {}, "too long: " + "; ".join(f"{k}: {v}" for k, v in sorted(problems.items()))




def _long_function(body: str, lines: int = MAX_FUNCTION_LINES + 1) -> str:
    return "def f():\n" + "".join(f"    x{i} = {i}\n" for i in range(lines - 2)) + f"    return {body}\n"


def test_the_measure_sees_long_functions_files_and_methods(tmp_path: Path) -> None:
    (tmp_path / "long.py").write_text(_long_function("x0"), encoding="utf-8")
    (tmp_path / "big.py").write_text("x = 1\n" * (MAX_FILE_LINES + 1), encoding="utf-8")
    method = "class C:\n" + "\n".join("    " + line for line in _long_function("x0").splitlines()) + "\n"
    (tmp_path / "method.py").write_text(method, encoding="utf-8")
    (tmp_path / "short.py").write_text(_long_function("x0", MAX_FUNCTION_LINES), encoding="utf-8")
    assert set(shape_problems(tmp_path, tmp_path)) == {"long.py::f", "big.py", "method.py::C.f"}


def test_a_table_of_data_is_not_a_long_function() -> None:
    rows = "".join(f"        {i}: 'w{i}',\n" for i in range(80))
    table = "def table():\n    '''Words.'''\n    return {\n" + rows + "    }\n"
    logic = "def logic():\n" + "".join(f"    x{i} = {i}\n" for i in range(80)) + "    return {1: x0}\n"
    (fn_table,) = [n for n in ast.parse(table).body if isinstance(n, ast.FunctionDef)]
    (fn_logic,) = [n for n in ast.parse(logic).body if isinstance(n, ast.FunctionDef)]
    assert is_data_table(fn_table)
    assert not is_data_table(fn_logic)
