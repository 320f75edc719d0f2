"""One file holding the compiled code of nbreview's modules that a ``git diff`` driver imports.

git starts the diff driver once per notebook, and each start imports ~55 of nbreview's
modules. Python's import system finds each one in its folder, looks for its ``.pyc``, opens,
reads and checks it: ~60 µs a module before its code runs, about a tenth of a driver. The
driver instead reads one file that holds those ``.pyc`` files' bytes, and serves the modules
from it; the file also holds the compiled ``__init__`` of each :mod:`~nbreview.records`
class (generated source, compiled once instead of in every driver).

It lives in the user's cache folder (``$XDG_CACHE_HOME``, else ``~/.cache``, then
``nbreview/``), one file per installation and Python version: an install that is read-only
gets one too, and uninstalling nbreview leaves nothing in its folder. The folder must be the
user's own (not writable by others, no symbolic link), or the file is neither read nor written.

The rules are the ``.pyc`` rules, so nothing a module does or shows changes:

- an entry is the ``.pyc`` as Python wrote it, and it is used only while its header matches
  the source file's modification time and size (checked on every import, as the standard
  loader does) and the interpreter's magic number, and only for a module in the folder the
  standard finder would search; hash-based ``.pyc`` files are left out;
- a module missing from the file, or whose source changed, is imported the usual way, and
  the driver writes the file again after printing (only then, not under
  ``PYTHONDONTWRITEBYTECODE`` or ``-B``, and atomically, so a concurrent driver reads the old
  file or the new one); the new file keeps the old one's fresh entries, so drivers that need
  different modules (a notebook with a table, one without) do not rewrite it in turn;
- modules get the usual ``__file__``, ``__cached__``, ``__path__`` and ``__spec__``, and
  their code the usual file names (so tracebacks and ``inspect`` read the sources).

A file that cannot be read or is not one of these is ignored (and replaced by the next run).
Nothing but compiled code is kept: no state of any diff.
"""
from __future__ import annotations

import marshal
import os
import sys

TYPE_CHECKING = False  # not typing's: the git diff driver imports this module first

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from importlib.machinery import ModuleSpec
    from types import CodeType, ModuleType
    from typing import Any

PACKAGE = "nbreview"
_FORMAT = b"nbreview-codecache 1\n"
_PYC_HEADER = 16  # magic, flags, source mtime, source size: 4 bytes each
MAX_SNIPPETS = 512  # generated sources kept (old ones pile up only while nbreview's own code is edited)

# name -> (source file, is a package, .pyc file, offset and length of its .pyc bytes after the index)
Entry = tuple[str, bool, str, int, int]

ACTIVE: CodeCache | None = None  # the cache serving this process, once installed


def _magic() -> bytes | None:
    """The interpreter's ``.pyc`` magic number (importlib's, without importing importlib)."""
    bootstrap = sys.modules.get("_frozen_importlib_external")
    magic = getattr(bootstrap, "MAGIC_NUMBER", None)
    return magic if isinstance(magic, bytes) else None


_CODE = type(_magic.__code__)  # types.CodeType, without importing types


def cache_path() -> str | None:
    """This installation's cache file (None when there is no usable cache folder).

    ``$XDG_CACHE_HOME/nbreview/git-diffdriver-HASH.TAG.codecache``: HASH names the package's
    folder (FNV-1a of its path), TAG the interpreter (``cpython-311``).
    """
    package = sys.modules.get(PACKAGE)
    origin = getattr(getattr(package, "__spec__", None), "origin", None)
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG rule: a relative value is ignored
        home = os.environ.get("HOME", "")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    if not isinstance(origin, str):
        return None
    digest = 0xCBF29CE484222325
    for byte in os.fsencode(os.path.dirname(origin)):
        digest = ((digest ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    name = f"git-diffdriver-{digest:016x}.{sys.implementation.cache_tag}.codecache"
    return os.path.join(base, PACKAGE, name)


def own_folder(folder: str, create: bool, others: int = 0o022) -> bool:
    """Whether ``folder`` is this user's alone: ours, not a symbolic link, none of the ``others``
    permission bits set (by default: nobody else may write). ``create`` makes it (and its parents)
    with mode 0700 first. False where there is no owner to check (Windows)."""
    if not hasattr(os, "getuid"):
        return False
    if create:
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        except OSError:
            return False
    try:
        st = os.lstat(folder)
    except OSError:
        return False
    is_folder = (st.st_mode & 0o170000) == 0o040000  # lstat: a symbolic link is not one
    return is_folder and st.st_uid == os.getuid() and not st.st_mode & others


def fresh(pyc: bytes | memoryview, source: str) -> bool:
    """Whether a timestamp ``.pyc`` matches its source as the standard loader checks it (mtime and size)."""
    try:
        st = os.stat(source)
    except OSError:
        return False
    return (
        pyc[4:8] == b"\0\0\0\0"
        and int.from_bytes(pyc[8:12], "little") == int(st.st_mtime) & 0xFFFFFFFF
        and int.from_bytes(pyc[12:16], "little") == st.st_size & 0xFFFFFFFF
    )


def _well_formed(entries: object, snippets: object) -> bool:
    """Whether an index read back has the shapes :func:`save` writes (any other file is ignored)."""
    if not isinstance(entries, dict) or not isinstance(snippets, dict):
        return False
    shape = (str, bool, str, int, int)
    return all(
        isinstance(name, str) and isinstance(entry, tuple) and len(entry) == len(shape)
        and all(isinstance(value, kind) for value, kind in zip(entry, shape, strict=True))
        for name, entry in entries.items()
    ) and all(isinstance(source, str) and isinstance(code, bytes) for source, code in snippets.items())


class CodeCache:
    """A meta path finder and loader serving the modules in one cache file (see the module's docstring)."""

    def __init__(self, path: str, data: bytes, base: int, entries: dict[str, Entry],
                 snippets: dict[str, bytes]) -> None:
        self.path = path
        self.data = memoryview(data)[base:]  # the .pyc bytes, one after the other (offsets count from here)
        self.entries = entries
        self.snippets = snippets  # source text -> its marshalled code (the records' __init__ methods)
        self.missed = False  # a module or snippet was compiled the usual way: write the file again
        self.codes: dict[str, CodeType] = {}  # a found module's code, until it runs

    @classmethod
    def read(cls, path: str) -> CodeCache | None:
        """The cache at ``path``, or None when there is none or it is not for this interpreter."""
        magic = _magic()
        try:
            with open(path, "rb") as fh:
                data = fh.read()
            if magic is None or not data.startswith(_FORMAT + magic):
                return None
            start = len(_FORMAT) + len(magic)
            size = int.from_bytes(data[start:start + 4], "little")
            entries, snippets = marshal.loads(data[start + 4:start + 4 + size])
        except (OSError, ValueError, EOFError, TypeError):
            return None
        if not _well_formed(entries, snippets):
            return None
        return cls(path, data, start + 4 + size, entries, snippets)

    def code_for(self, source: str) -> CodeType | None:
        """The compiled code of ``source`` (generated code, compiled with ``<string>`` as its file name)
        when the cache holds it; None otherwise, and the next :func:`save` compiles it."""
        data = self.snippets.get(source)
        if data is None:
            self.missed = True
            return None
        try:
            code = marshal.loads(data)
        except (ValueError, EOFError, TypeError):
            code = None
        if not isinstance(code, _CODE):
            self.missed = True
            return None
        return code

    # -- the finder: sys.meta_path asks it first for every import ------------------------------

    def find_spec(self, name: str, path: Sequence[str] | None, target: ModuleType | None = None, /
                  ) -> ModuleSpec | None:
        entry = self.entries.get(name)
        if entry is None:
            if name.startswith(PACKAGE + "."):
                self.missed = True
            return None
        source, package, cached, offset, length = entry
        folder = os.path.dirname(source)
        pyc = self.data[offset:offset + length]
        # only where the standard finder would look (the parent package's __path__: not a moved copy's)
        # and only while fresh, as a .pyc file
        if (path is not None and (os.path.dirname(folder) if package else folder) not in path
                or len(pyc) != length or not fresh(pyc, source)):
            self.missed = True
            return None
        try:
            code = marshal.loads(pyc[_PYC_HEADER:])
        except (ValueError, EOFError, TypeError):
            code = None
        if not isinstance(code, _CODE):  # a damaged file: the usual import, and a new file
            self.missed = True
            return None
        self.codes[name] = code
        spec_type: Any = type(sys.modules[PACKAGE].__spec__)  # importlib's ModuleSpec, without importing it
        spec: ModuleSpec = spec_type(name, self, origin=source, is_package=package)
        spec.has_location = True  # __file__ is the source, as for any module read from a file
        spec.cached = cached
        if package:
            spec.submodule_search_locations = [folder]
        return spec

    # -- the loader -----------------------------------------------------------------------------

    def create_module(self, spec: ModuleSpec) -> None:
        return None  # the default module object

    def exec_module(self, module: ModuleType) -> None:
        source = self.entries[module.__name__][0]
        code = self.codes.pop(module.__name__)
        fix = getattr(sys.modules.get("_imp"), "_fix_co_filename", None)
        if fix is not None:  # what the standard loader does for a tree moved after compiling
            fix(code, source)
        exec(code, module.__dict__)  # noqa: S102 - the installed module's own compiled code

    def is_package(self, name: str) -> bool:
        return self.entries[name][1]

    def get_filename(self, name: str) -> str:
        return self.entries[name][0]

    def get_source(self, name: str) -> str:
        with open(self.entries[name][0], encoding="utf-8") as fh:
            return fh.read()


def install() -> CodeCache | None:
    """Serve nbreview's modules from the cache, when there is a usable one; None otherwise."""
    global ACTIVE
    path = cache_path()
    cache = CodeCache.read(path) if path is not None and own_folder(os.path.dirname(path), create=False) else None
    if cache is not None:
        sys.meta_path.insert(0, cache)
        ACTIVE = cache
    return cache


def save(cache: CodeCache | None, sources: Callable[[], Iterable[str]] | None = None) -> bool:
    """After a driver has printed: write the cache again if this run imported any of the package's
    modules the usual way, missed a snippet, or found no cache. The new file holds the old one's
    entries that are still fresh, every module of the package now loaded, and the compiled code of
    each source text ``sources()`` lists (asked only when the file is written). False when nothing
    was written."""
    path = cache_path()
    magic = _magic()
    if path is None or magic is None or sys.dont_write_bytecode or (cache is not None and not cache.missed):
        return False
    if not own_folder(os.path.dirname(path), create=True):
        return False
    pycs: dict[str, tuple[str, bool, str, bytes]] = {}
    snippets: dict[str, bytes] = {}
    if cache is not None:  # what other drivers imported (a notebook with pictures, a table...)
        for name, (source, package, cached, offset, length) in cache.entries.items():
            pyc = bytes(cache.data[offset:offset + length])
            if len(pyc) == length and fresh(pyc, source):
                pycs[name] = (source, package, cached, pyc)
        snippets.update(list(cache.snippets.items())[-MAX_SNIPPETS:])
    for name, module in list(sys.modules.items()):
        if name == PACKAGE or name.startswith(PACKAGE + "."):
            found = _pyc_of(module, cache, magic)
            if found is not None:
                pycs[name] = found
    for source in sources() if sources is not None else ():
        snippets.pop(source, None)  # kept last: the oldest go first when there are too many
        known = cache.snippets.get(source) if cache is not None else None
        snippets[source] = known or marshal.dumps(compile(source, "<string>", "exec", dont_inherit=True))
    return _write(path, magic, pycs, dict(list(snippets.items())[-MAX_SNIPPETS:]))


def _write(path: str, magic: bytes, pycs: dict[str, tuple[str, bool, str, bytes]], snippets: dict[str, bytes]) -> bool:
    entries: dict[str, Entry] = {}
    offset = 0
    for name, (source, package, cached, pyc) in pycs.items():
        entries[name] = (source, package, cached, offset, len(pyc))
        offset += len(pyc)
    index = marshal.dumps((entries, snippets))
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        with open(temporary, "wb") as fh:
            fh.write(_FORMAT + magic + len(index).to_bytes(4, "little") + index)
            for _, _, _, pyc in pycs.values():
                fh.write(pyc)
        os.replace(temporary, path)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        return False
    return True


def _pyc_of(module: ModuleType, cache: CodeCache | None, magic: bytes) -> tuple[str, bool, str, bytes] | None:
    """A loaded module's source, package flag, ``.pyc`` path and current ``.pyc`` bytes (from the cache
    or its file), if it has a fresh one."""
    spec = getattr(module, "__spec__", None)
    source, cached = getattr(spec, "origin", None), getattr(spec, "cached", None)
    if spec is None or not isinstance(source, str) or not isinstance(cached, str) or not source.endswith(".py"):
        return None
    if cache is not None and spec.loader is cache:
        _, _, _, offset, length = cache.entries[module.__name__]
        pyc = bytes(cache.data[offset:offset + length])
    else:
        try:
            with open(cached, "rb") as fh:
                pyc = fh.read()
        except OSError:
            return None
    if not pyc.startswith(magic) or not fresh(pyc, source):
        return None
    return source, spec.submodule_search_locations is not None, cached, pyc
