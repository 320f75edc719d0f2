"""Read notebooks from paths, bytes or dicts into normalised plain dicts (git blobs: :mod:`nbreview.io.git`).

The common path is ``json.loads`` plus :func:`repair.repair` (the line re-joining nbformat
does, and every structural oddity repaired with a warning or refused), so
the git diff driver does not pay nbformat's import and validation cost; nbformat is
imported only to upgrade notebooks older than version 4.
"""

from __future__ import annotations

import json
import os

from nbreview.errors import (
    InvalidJSONError,
    LfsPointerError,
    NotANotebookError,
    NotebookError,
    TruncatedNotebookError,
    UnsupportedFormatError,
)
from nbreview.io.gcpause import gc_paused
from nbreview.io.repair import SURROGATE_ESCAPE, repair
from nbreview.records import dataclass, field

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from typing import Any

    Notebook = dict[str, Any]

_LFS_PREFIX = b"version https://git-lfs"


@dataclass
class LoadedNotebook:
    """A notebook as the engine sees it, with where it came from and what was odd about it."""

    nb: Notebook
    label: str
    problems: list[str] = field(default_factory=list)
    upgraded_from: str | None = None
    empty: bool = False


if TYPE_CHECKING:
    NotebookSource = str | os.PathLike[str] | bytes | Notebook | LoadedNotebook


def empty_notebook() -> Notebook:
    return {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _json_error(label: str, text: str, err: json.JSONDecodeError) -> InvalidJSONError:
    if any(line.startswith(("<<<<<<< ", ">>>>>>> ")) for line in text.splitlines()):
        return InvalidJSONError(
            label,
            f"{err.msg}; the file holds git conflict markers (resolve them, or use 'nbreview merge')",
            err.lineno,
            err.colno,
        )
    tail = len(text.rstrip())
    if err.pos >= tail - 1 or (err.msg.startswith("Unterminated string") and not text.rstrip().endswith("}")):
        return TruncatedNotebookError(label, f"{err.msg}; the file ends early (truncated?)", err.lineno, err.colno)
    return InvalidJSONError(label, err.msg, err.lineno, err.colno)


def parse_bytes(data: bytes, label: str) -> LoadedNotebook:
    """Parse and normalise notebook bytes; an empty file is an empty notebook."""
    if not data.strip():
        return LoadedNotebook(empty_notebook(), label, empty=True)
    if data.startswith(_LFS_PREFIX):
        raise LfsPointerError(label, "is a git-lfs pointer, not a notebook (run 'git lfs pull' to fetch it)")
    try:
        # utf-8-sig's decoding, without its codec module: one leading BOM dropped, errors counted after it
        text = (data[3:] if data.startswith(b"\xef\xbb\xbf") else data).decode("utf-8")
    except UnicodeDecodeError as err:
        raise NotebookError(label, f"not UTF-8 text (byte {err.start})") from None
    with gc_paused():
        obj = parse_json(text, label)
        return from_object(obj, label, owned=True, surrogates=SURROGATE_ESCAPE.search(data) is not None)


def parse_json(text: str, label: str) -> Any:
    """``json.loads`` with every failure as a one-line :class:`NotebookError` naming ``label``."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise _json_error(label, text, err) from None
    except RecursionError:
        raise NotANotebookError(label, "JSON nested too deeply to be a notebook") from None
    except ValueError:  # only an integer longer than Python's int_max_str_digits gets here
        raise NotANotebookError(label, "holds an integer with more than 4300 digits, which nbreview refuses") from None


def from_object(obj: Any, label: str, owned: bool = False, surrogates: bool = True) -> LoadedNotebook:
    """Check, upgrade and normalise a parsed JSON object (copied unless ``owned``)."""
    if not isinstance(obj, dict) or "nbformat" not in obj:
        names = {list: "a list", str: "a string", int: "a number", float: "a number", bool: "a boolean"}
        kind = "an object without 'nbformat'" if isinstance(obj, dict) else names.get(type(obj), "null")
        raise NotANotebookError(label, f"is JSON but not a Jupyter notebook (found {kind})")
    major = obj.get("nbformat")
    if not isinstance(major, int) or isinstance(major, bool):
        raise NotANotebookError(label, f"'nbformat' is {major!r}, not a version number")
    upgraded: str | None = None
    if major > 4 or major < 1:
        raise UnsupportedFormatError(label, f"nbformat {major} is not supported (nbreview reads versions 1 to 4)")
    if major < 4:
        upgraded = f"{major}.{obj.get('nbformat_minor', 0)}"
        obj = _upgrade(obj, label)
        owned = True
    elif not owned:
        import copy

        obj = copy.deepcopy(obj)
    problems = repair(obj, label, surrogates=surrogates or upgraded is not None)
    return LoadedNotebook(obj, label, problems, upgraded)


def _upgrade(obj: Notebook, label: str) -> Notebook:
    """An nbformat 1-3 notebook as 4.4; any failure is one :class:`UnsupportedFormatError` line.

    Version 3 (most old notebooks) is converted by :mod:`nbreview.io.upgrade` without nbformat,
    whose import costs seconds; 1 and 2 go through nbformat.
    """
    major = obj.get("nbformat")
    try:
        if major == 3:
            import copy

            from nbreview.io.upgrade import upgrade_v3

            return upgrade_v3(copy.deepcopy(obj))
        return _upgrade_with_nbformat(obj)
    except ValueError as err:  # our own one-line reasons (and json's, for a bad application/json)
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
    except Exception:  # noqa: BLE001 - nbformat fails in many ways on malformed old notebooks
        reason = f"its structure is not what nbformat {major} requires"  # not nbformat's internals
    raise UnsupportedFormatError(label, f"could not upgrade nbformat {major} to 4: {reason}") from None


def _upgrade_with_nbformat(obj: Notebook) -> Notebook:
    try:
        import nbformat
    except ImportError:  # pragma: no cover - nbformat is a base dependency
        raise ValueError("nbformat is needed to read notebooks older than version 3") from None
    import logging
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("traitlets").disabled = True  # its validation complaints are not ours to print
        node = nbformat.reads(json.dumps(obj), as_version=4)  # type: ignore[no-untyped-call]
    upgraded: Notebook = json.loads(json.dumps(node))
    # The upgrade invents random cell ids; drop them so two reads of one file agree.
    for cell in upgraded.get("cells", []):
        cell.pop("id", None)
    upgraded["nbformat_minor"] = min(int(upgraded.get("nbformat_minor", 4)), 4)
    return upgraded


def read_path(path: str | os.PathLike[str]) -> LoadedNotebook:
    label = os.fspath(path)
    if label == os.devnull:
        return LoadedNotebook(empty_notebook(), label, empty=True)
    try:
        with open(path, "rb") as fh:  # open, not pathlib: the git diff driver never imports pathlib
            data = fh.read()
    except FileNotFoundError:
        raise NotebookError(label, "no such file") from None
    except IsADirectoryError:
        raise NotebookError(label, "is a directory, not a notebook") from None
    except OSError as err:
        raise NotebookError(label, err.strerror or str(err)) from None
    return parse_bytes(data, label)


def load(source: NotebookSource, label: str | None = None) -> LoadedNotebook:
    """Load a notebook from a path, bytes, a notebook dict, or pass a LoadedNotebook through."""
    if isinstance(source, LoadedNotebook):
        return source
    if isinstance(source, (bytes, bytearray)):
        return parse_bytes(bytes(source), label or "<bytes>")
    if isinstance(source, dict):
        with gc_paused():
            return from_object(source, label or "<notebook>")
    if isinstance(source, (str, os.PathLike)):
        loaded = read_path(source)
        if label:
            loaded.label = label
        return loaded
    raise TypeError(f"cannot read a notebook from {type(source).__name__}")


def read_notebook(source: NotebookSource) -> Notebook:
    """Public helper: the normalised notebook dict."""
    return load(source).nb
