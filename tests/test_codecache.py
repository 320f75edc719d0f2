"""The git diff driver's code cache (``nbreview.codecache``): faster start-up, nothing else changes.

Each test works on a private copy of the package (``src/nbreview`` copied to a temporary folder
and put first on ``PYTHONPATH``) and a private cache folder (``XDG_CACHE_HOME``), so the cache it
writes and the sources it edits are its own, and runs the driver as git does: through
``git diff`` in a throwaway repository, or with git's seven arguments.
"""

from __future__ import annotations

import json
import marshal
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.git import DRIVER, Repo, needs_git
from support.notebooks import code_cell, md_cell, notebook, write_nb
from support.paths import ROOT

pytestmark = needs_git

# git's way of starting the driver, with the copy's nbreview (the console script imports the installed one)
LAUNCH = "import sys; sys.argv[0] = 'nbreview-git-diffdriver'; from nbreview.cli.main import git_diffdriver; " \
         "git_diffdriver()"
# What an import left on each nbreview module: its loader's class, then what code and tools read of it.
_INTROSPECT = """
import json, sys
from nbreview import codecache
codecache.install()
import nbreview.git.diffdriver, nbreview.results.pipeline, nbreview.render.terminal, nbreview.records
out = {}
for name, mod in sorted(sys.modules.items()):
    if name.startswith("nbreview.") and mod.__spec__ is not None:
        functions = [v for v in vars(mod).values() if callable(v) and getattr(v, "__module__", "") == name
                     and hasattr(v, "__code__")]
        out[name] = [type(mod.__loader__).__name__, mod.__file__, mod.__cached__, mod.__spec__.origin,
                     getattr(mod, "__path__", None), mod.__package__, mod.__doc__,
                     sorted({f.__code__.co_filename for f in functions})]
print(json.dumps(out))
"""


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A private copy of nbreview's sources (no bytecode): the folder to put on PYTHONPATH."""
    dest = tmp_path / "site"
    shutil.copytree(ROOT / "src" / "nbreview", dest / "nbreview", ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def run_env(package: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "NO_COLOR")}
    env.update(PYTHONPATH=str(package), NBREVIEW_COLOR="never", NBREVIEW_DRIVER_HELPER="0",
               XDG_CACHE_HOME=str(package.parent / "cache"))
    env.update(extra)
    return env


def drive(package: Path, old: Path, new: Path, **extra: str) -> str:
    """The driver's output for two notebook files, started as git starts it."""
    argv = ["x.ipynb", str(old), "1" * 40, "100644", str(new), "2" * 40, "100644"]
    proc = subprocess.run([sys.executable, "-c", LAUNCH, *argv], capture_output=True, text=True,
                          env=run_env(package, **extra), cwd=old.parent, check=True)
    assert proc.stderr == ""
    return proc.stdout


def python(package: Path, code: str, *args: str) -> str:
    """What ``python -c CODE ARGS`` prints with the package copy first on the path."""
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=run_env(package),
                          check=True)
    return proc.stdout


def cache_file(package: Path) -> Path:
    """The cache of this copy (the one file the driver keeps there)."""
    files = list((package.parent / "cache" / "nbreview").glob("git-diffdriver-*.codecache"))
    assert len(files) <= 1, files
    return files[0] if files else package.parent / "cache" / "nbreview" / "none"


def cached_modules(package: Path) -> set[str]:
    """The module names the cache file holds (read back through the module's own reader)."""
    code = ("import json, sys; from nbreview import codecache; c = codecache.CodeCache.read(sys.argv[1]); "
            "print(json.dumps(sorted(c.entries) if c else None))")
    names: list[str] | None = json.loads(python(package, code, str(cache_file(package))))
    assert names is not None, "no usable cache"
    return set(names)


def pair(tmp_path: Path, table: bool = False) -> tuple[Path, Path]:
    """Two notebooks: an edited code cell and markdown cell, with a changed HTML table when ``table``."""
    def out(value: int) -> list[dict[str, object]]:
        if not table:
            return [{"output_type": "stream", "name": "stdout", "text": f"{value}\n"}]
        html = f"<table><tr><th>k</th><th>v</th></tr><tr><th>a</th><td>{value}</td></tr></table>"
        return [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                 "data": {"text/html": html, "text/plain": "frame"}}]

    name = "t" if table else "p"
    old = notebook([md_cell("# Title"), code_cell("x = 1", out(1), 1)])
    new = notebook([md_cell("# Title, edited"), code_cell("x = 2", out(2), 1)])
    return write_nb(tmp_path / f"{name}-old.ipynb", old), write_nb(tmp_path / f"{name}-new.ipynb", new)


def test_git_diff_prints_the_same_with_and_without_the_cache(tmp_path: Path, package: Path, env: dict[str, str]
                                                             ) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    repo = Repo(root, {**run_env(package), **{k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}})
    repo.git("init", "-q")
    old, new = pair(tmp_path)
    shutil.copy(old, root / "nb.ipynb")
    repo.git("add", "nb.ipynb")
    repo.git("commit", "-qm", "old")
    shutil.copy(new, root / "nb.ipynb")
    repo.git("commit", "-qam", "new")
    launcher = tmp_path / "driver"
    launcher.write_text(f"#!{sys.executable}\n{LAUNCH.replace('; ', chr(10))}\n")
    launcher.chmod(0o755)
    (root / ".git" / "info" / "attributes").write_text("*.ipynb diff=nbreview\n")
    repo.git("config", "diff.nbreview.command", str(launcher))
    assert not cache_file(package).exists()
    first = repo.git("diff", "HEAD~1", "HEAD")
    assert cache_file(package).is_file()  # written by the first driver, after it printed
    second = repo.git("diff", "HEAD~1", "HEAD")
    assert first == second and "Title, edited" in first and "+ x = 2" in first
    # and what the installed driver prints (no cache of this copy involved)
    repo.git("config", "diff.nbreview.command", DRIVER)
    assert repo.git("diff", "HEAD~1", "HEAD") == first


def test_modules_from_the_cache_look_as_the_import_system_leaves_them(tmp_path: Path, package: Path) -> None:
    def introspect() -> dict[str, list[object]]:
        result: dict[str, list[object]] = json.loads(python(package, _INTROSPECT))
        return result

    usual = introspect()
    assert {v[0] for v in usual.values()} == {"SourceFileLoader"}
    drive(package, *pair(tmp_path))
    served = introspect()
    loaders = {name: v[0] for name, v in served.items()}
    assert loaders["nbreview.engine.model"] == loaders["nbreview.engine"] == "CodeCache"
    assert sum(loader == "CodeCache" for loader in loaders.values()) >= 40
    # everything but the loader is what the standard one gives: files, package paths, docs, code file names
    assert {n: v[1:] for n, v in served.items()} == {n: v[1:] for n, v in usual.items()}
    text = served["nbreview.engine.text"]
    assert text[1] == str(package / "nbreview" / "engine" / "text.py") == text[3]
    assert text[7] == [text[1]]  # tracebacks point at the source


def test_an_edited_module_is_imported_from_its_source_and_the_cache_refreshed(tmp_path: Path, package: Path) -> None:
    old, new = pair(tmp_path)
    before = drive(package, old, new)
    assert "nbreview.view.summary" in cached_modules(package)
    stamp = cache_file(package).stat().st_mtime_ns
    summary = package / "nbreview" / "view" / "summary.py"
    text = summary.read_text(encoding="utf-8")
    assert "with outputs changed" in text
    summary.write_text(text.replace("with outputs changed", "with outputs altered"), encoding="utf-8")
    stat = summary.stat()  # same size: only the mtime tells (a .pyc's rule), so make it another second's
    os.utime(summary, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    after = drive(package, old, new)
    assert "with outputs altered" in after and after == before.replace("with outputs changed", "with outputs altered")
    assert cache_file(package).stat().st_mtime_ns != stamp  # rewritten with the module's new code
    stamp = cache_file(package).stat().st_mtime_ns
    assert drive(package, old, new) == after
    assert cache_file(package).stat().st_mtime_ns == stamp  # nothing missed: not written again


def test_a_damaged_cache_is_ignored_and_replaced(tmp_path: Path, package: Path) -> None:
    old, new = pair(tmp_path)
    expected = drive(package, old, new)
    good = cache_file(package).read_bytes()
    header = good[:good.index(b"\n") + 1 + 4]  # the format line and the interpreter's magic number
    forged = [header + len(index).to_bytes(4, "little") + index for index in (
        marshal.dumps(({"nbreview.engine.model": ("model.py", False)}, {})),  # an entry of the wrong shape
        marshal.dumps(({}, {"def f(): pass": "not code"})),
        marshal.dumps([1, 2]),
    )]
    for damage in (b"", b"not a cache", good[:40], good[:len(good) // 2], good.replace(b"codecache 1", b"codecache 9"),
                   *forged):
        cache_file(package).write_bytes(damage)
        assert drive(package, old, new) == expected
        assert cached_modules(package) >= {"nbreview.engine.model", "nbreview.records"}


def test_no_cache_is_written_where_python_writes_no_bytecode(tmp_path: Path, package: Path) -> None:
    old, new = pair(tmp_path)
    expected = drive(package, old, new, PYTHONDONTWRITEBYTECODE="1")
    assert not cache_file(package).exists()
    assert drive(package, old, new) == expected
    assert cache_file(package).exists()


def test_each_notebooks_modules_are_kept_so_drivers_do_not_rewrite_it_in_turn(tmp_path: Path, package: Path) -> None:
    plain, table = pair(tmp_path), pair(tmp_path, table=True)
    drive(package, *plain)
    assert "nbreview.results.html_tables" not in cached_modules(package)  # read only for a changed table
    assert "1 table changed" in drive(package, *table)
    assert "nbreview.results.html_tables" in cached_modules(package)
    stamp = cache_file(package).stat().st_mtime_ns
    for _ in range(2):
        drive(package, *plain)
        drive(package, *table)
    assert cache_file(package).stat().st_mtime_ns == stamp


def test_each_installation_has_its_own_cache_in_the_users_cache_folder(tmp_path: Path, package: Path) -> None:
    old, new = pair(tmp_path)
    expected = drive(package, old, new)
    moved = tmp_path / "moved" / "site"
    shutil.copytree(package, moved)  # same sources, same mtimes: another folder, so another cache file
    assert drive(moved, old, new, XDG_CACHE_HOME=str(package.parent / "cache")) == expected
    files = sorted((package.parent / "cache" / "nbreview").iterdir())
    assert len(files) == 2 and oct(files[0].parent.stat().st_mode & 0o777) == "0o700"
    code = ("import json, sys; from nbreview import codecache; codecache.install(); import nbreview.engine.model as m; "
            "print(json.dumps([m.__file__, type(m.__loader__).__name__]))")
    shared = {"XDG_CACHE_HOME": str(package.parent / "cache")}
    for site in (package, moved):
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env=run_env(site, **shared))
        assert json.loads(proc.stdout) == [str(site / "nbreview" / "engine" / "model.py"), "CodeCache"]


def test_a_cache_folder_others_may_write_is_neither_read_nor_written(tmp_path: Path, package: Path) -> None:
    old, new = pair(tmp_path)
    drive(package, old, new)
    folder = cache_file(package).parent
    folder.chmod(0o777)
    stamp = cache_file(package).stat().st_mtime_ns
    code = "from nbreview import codecache; print(codecache.install() is None)"
    assert python(package, code).strip() == "True"
    summary = package / "nbreview" / "view" / "summary.py"
    summary.write_text(summary.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # a miss: would rewrite
    drive(package, old, new)
    assert cache_file(package).stat().st_mtime_ns == stamp


def test_record_classes_take_their_compiled_init_from_the_cache_at_the_first_object(tmp_path: Path,
                                                                                    package: Path) -> None:
    drive(package, *pair(tmp_path))
    code = """
import json
from nbreview import codecache
codecache.install()
from nbreview import records
from nbreview.engine.model import LineOp
before = LineOp.__init__.__code__.co_name, LineOp.__init__.__code__.co_varnames[:6]
op = LineOp("insert", None, 1, None, "x")
init = LineOp.__init__.__code__
after = init.co_name, init.co_varnames[:6]
# what records compiles itself, without the cache
fields = list(LineOp.__record_fields__.values())
own = records._make_init(LineOp, fields, False).__code__
same = [init.co_code == own.co_code, init.co_flags == own.co_flags, init.co_consts == own.co_consts]
print(json.dumps([before, after, repr(op), op == LineOp("insert", None, 1, None, "x"), same]))
"""
    before, after, shown, equal, same = json.loads(python(package, code))
    assert before == ["__init__", ["self", "args", "kwargs", "code", "init"]]  # the generic one
    assert after == ["__init__", ["self", "op", "old", "new", "old_text", "new_text"]]  # compiled
    assert shown.startswith("LineOp(op='insert', old=None, new=1") and equal is True
    assert same == [True, True, True]
