"""Serialise notebooks the way nbformat writes them (split lines, sorted keys, indent 1), and write
files whole or not at all (:func:`write_atomic`, used by every command, page and the git setup)."""

from __future__ import annotations

import copy
import json
import os
import re
import stat
from json.encoder import encode_basestring as _encode_string  # C escaping, as json.dumps(ensure_ascii=False)
from pathlib import Path
from typing import Any

from nbreview.io.unsafe import INVISIBLE, under_actions

# Characters a terminal may act on that JSON leaves raw (C1 controls such as the 8-bit OSC U+009D,
# bidi controls and marks, invisible format characters); JSON always escapes C0 itself. In a GitHub
# Actions step, also the bracket of ``##[`` (a workflow command anywhere in a line).
_RAW_IN_JSON = re.compile(f"[\x7f-\x9f\u2028\u2029{INVISIBLE}]")
_RAW_IN_JSON_ACTIONS = re.compile(f"[\x7f-\x9f\u2028\u2029{INVISIBLE}]|(?<=##)\\[")

_SPLIT_MIMES = ("application/javascript", "image/svg+xml")


def _split_bundle(data: Any) -> None:
    if isinstance(data, dict):
        for key, value in list(data.items()):
            if isinstance(value, str) and (key.startswith("text/") or key in _SPLIT_MIMES):
                data[key] = value.splitlines(True)


def dumps_notebook(nb: dict[str, Any]) -> str:
    """JSON text of a notebook, byte-compatible with ``nbformat.writes`` for version 4."""
    nb = copy.deepcopy(nb)
    for cell in nb.get("cells", []):
        if isinstance(cell.get("source"), str):
            cell["source"] = cell["source"].splitlines(True)
        for bundle in (cell.get("attachments") or {}).values():
            _split_bundle(bundle)
        if cell.get("cell_type") == "code":
            for out in cell.get("outputs", []):
                if out.get("output_type") in ("execute_result", "display_data"):
                    _split_bundle(out.get("data"))
                elif out.get("output_type") == "stream" and isinstance(out.get("text"), str):
                    out["text"] = out["text"].splitlines(True)
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def dumps_indented(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=1)``, the same text about three times as fast.

    With ``indent`` the standard library leaves its C encoder for a generator per container,
    which dominated ``--json`` on a 200,000-line cell. This walk appends the same pieces to one
    list (strings through the same C escaping); anything but plain JSON values (a tuple, an
    enum, a key that is not a string) goes to ``json.dumps`` instead.
    """
    try:
        return _Indented().text(value)
    except (TypeError, RecursionError):
        return json.dumps(value, ensure_ascii=False, indent=1)


class _Indented:
    def __init__(self) -> None:
        self.out: list[str] = []

    def text(self, value: Any) -> str:
        self.walk(value, "\n")
        return "".join(self.out)

    def walk(self, value: Any, pad: str) -> None:
        app = self.out.append
        if isinstance(value, str):
            app(_encode_string(value))
        elif type(value) is dict:
            self.container(value.items(), "{}", pad, keyed=True)
        elif type(value) is list:
            self.container(value, "[]", pad, keyed=False)
        elif value is None or value is True or value is False:
            app("null" if value is None else "true" if value else "false")
        elif type(value) is int or type(value) is float:
            app(json.dumps(value) if type(value) is float else int.__repr__(value))
        else:
            raise TypeError(type(value).__name__)

    def container(self, items: Any, brackets: str, pad: str, *, keyed: bool) -> None:
        app = self.out.append
        inner = pad + " "
        sep = brackets[0]
        for item in items:
            app(sep)
            app(inner)
            if keyed:
                key, item = item
                if type(key) is not str:
                    raise TypeError("key")
                app(_encode_string(key))
                app(": ")
            self.walk(item, inner)
            sep = ","
        if sep == ",":
            app(pad)
            app(brackets[1])
        else:
            app(brackets)


def terminal_json(text: str) -> str:
    """JSON text for stdout: the same JSON value, with the characters a terminal may act on
    written as ``\\uXXXX`` escapes (they can only occur inside JSON strings)."""
    pattern = _RAW_IN_JSON_ACTIONS if under_actions() else _RAW_IN_JSON
    return pattern.sub(_json_escape, text)


def _json_escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    high, low = divmod(code - 0x10000, 0x400)  # JSON spells astral characters as a surrogate pair
    return f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"


def _umask() -> int:
    """The process umask, read without changing it (``os.umask`` to read is racy in threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write a file so that it is either complete or untouched, never half written.

    An existing file keeps its mode; a new one gets 0666 less the umask, as ``open`` would.
    A symlink is written through: its target is replaced atomically and the link stays.
    """
    import tempfile  # here, not at the top: the diff driver imports this module and never writes

    target = Path(os.path.realpath(path))
    try:
        mode: int = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
