"""A generator of hostile and broken notebooks: every class of input that once crashed nbreview,
escaped into a terminal or pinged people from a PR comment, plus seeded random structure
mutations of real notebooks.

Each case is ``(name, old_bytes, new_bytes)``; the tests run every face of nbreview over them.
Payloads are built here (not stored) so each class is readable in one place.
"""

from __future__ import annotations

import base64
import copy
import json
import random
import struct
import zlib
from collections.abc import Iterator
from typing import Any

Case = tuple[str, bytes, bytes]

# Escape sequences a hostile notebook may carry: OSC 0 (title), OSC 52 (clipboard), OSC 8 (link),
# 8-bit C1 OSC and CSI, DCS, a cursor move, a screen clear, BEL, backspace and carriage return.
OSC_TITLE = "\x1b]0;PWNED-TITLE\x07"
OSC_CLIP = "\x1b]52;c;UFdORUQtQ0xJUA==\x07"
OSC_8BIT = "\x9d0;PWNED-C1-TITLE\x9c"
CSI_8BIT = "\x9b2J"
DCS = "\x1bP+q544e\x1b\\"
CURSOR = "\x1b[2J\x1b[H\x1b[1A"
# Characters that reorder or hide text: RLM/LRM, Arabic letter mark, an isolate, zero-width space, BOM, a tag.
INVISIBLE = "\u200f\u200e\u061c\u2067\u200b\ufeff\U000e0041"
ESCAPES = OSC_TITLE + OSC_CLIP + OSC_8BIT + CSI_8BIT + DCS + CURSOR + "\x07\x08\r\x1b[31mred\x1b[0m" + INVISIBLE

PINGS = (
    "@octocat `@octocat` #12 GH-12 octo/repo#12 https://github.com/octo/repo/issues/12 "
    "</details><details><summary>x</summary> <img src=https://evil.example/t.png> "
    "<!-- nbreview:pr-comment v1 --> ![i](https://evil.example/i.png)\n# heading @admin\n"
)


def png(width: int, height: int, *, bomb: bool = False) -> str:
    """A base64 PNG: a real one, or (``bomb``) a header claiming the size over a tiny body."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    raw = b"" if bomb else zlib.compress(b"".join(b"\0" + b"\x80" * width for _ in range(height)))
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    return base64.b64encode(data).decode()


def base_notebook(tag: str = "") -> dict[str, Any]:
    """A small well-formed notebook every structural class starts from."""
    return {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Title", tag]},
            {
                "cell_type": "code",
                "execution_count": 1,
                "metadata": {"tags": ["a"]},
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": ["hello\n", "world" + tag + "\n"]},
                    {
                        "output_type": "execute_result",
                        "execution_count": 1,
                        "metadata": {},
                        "data": {"text/plain": ["42", tag], "image/svg+xml": ["<svg", "/>"]},
                    },
                    {"output_type": "error", "ename": "ValueError", "evalue": "bad", "traceback": ["tb" + tag]},
                ],
                "source": ["x = 1\n", "print(x)" + tag],
            },
            {"cell_type": "raw", "metadata": {}, "source": "raw" + tag},
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _dump(nb: Any) -> bytes:
    return json.dumps(nb, indent=1).encode()


def _structural(name: str, edit: Any) -> Case:
    old = base_notebook()
    new = base_notebook(" v2")
    edit(new)
    return name, _dump(old), _dump(new)


def _set(path: list[Any], value: Any) -> Any:
    def edit(nb: Any) -> None:
        target = nb
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


def structural_cases() -> list[Case]:
    """One case per structural oddity the tolerant reader must repair or refuse."""
    code = ["cells", 1]
    out = [*code, "outputs"]
    cases = [
        _structural("source-mixed-list", _set([*code, "source"], ["x\n", 3, None, {"a": 1}])),
        _structural("source-number", _set([*code, "source"], 12)),
        _structural("source-null", _set([*code, "source"], None)),
        _structural("stream-text-mixed", _set([*out, 0, "text"], ["a", 1, ["b"]])),
        _structural("stream-text-number", _set([*out, 0, "text"], 5)),
        _structural("stream-name-number", _set([*out, 0, "name"], 1)),
        _structural("text-plain-mixed", _set([*out, 1, "data", "text/plain"], ["4", 2])),
        _structural("text-plain-number", _set([*out, 1, "data", "text/plain"], 42)),
        _structural("svg-mixed", _set([*out, 1, "data", "image/svg+xml"], ["<svg", None, "/>"])),
        _structural("png-number", _set([*out, 1, "data", "image/png"], 7)),
        _structural("data-list", _set([*out, 1, "data"], ["text/plain"])),
        _structural("output-metadata-list", _set([*out, 1, "metadata"], [1])),
        _structural("cell-metadata-list", _set([*code, "metadata"], ["tags"])),
        _structural("cell-metadata-string", _set([*code, "metadata"], "x")),
        _structural("notebook-metadata-list", _set(["metadata"], [1, 2])),
        _structural("kernelspec-string", _set(["metadata", "kernelspec"], "python3")),
        _structural("output-item-string", _set([*out, 0], "not an output")),
        _structural("output-item-list", _set([*out, 2], [1, 2])),
        _structural("outputs-object", _set(out, {"a": 1})),
        _structural("outputs-on-markdown", _set(["cells", 0, "outputs"], [{"output_type": "stream"}])),
        _structural("attachments-list", _set(["cells", 0, "attachments"], ["a.png"])),
        _structural("attachment-bundle-string", _set(["cells", 0, "attachments"], {"a.png": "x"})),
        _structural("attachment-mixed", _set(["cells", 0, "attachments"], {"a.png": {"image/png": ["iVBO", 1]}})),
        _structural("traceback-number", _set([*out, 2, "traceback"], 3)),
        _structural("traceback-mixed", _set([*out, 2, "traceback"], ["a", 1, None])),
        _structural("ename-number", _set([*out, 2, "ename"], 404)),
        _structural("evalue-object", _set([*out, 2, "evalue"], {"a": [1]})),
        _structural("output-type-number", _set([*out, 0, "output_type"], 3)),
        _structural("output-type-unknown", _set([*out, 0, "output_type"], "weird")),
        _structural("output-type-missing", _set([*out, 0], {"text": "x"})),
        _structural("execution-count-string", _set([*code, "execution_count"], "one")),
        _structural("cell-type-unknown", _set(["cells", 0, "cell_type"], "heading")),
        _structural("cell-type-number", _set(["cells", 0, "cell_type"], 7)),
        _structural("cell-type-missing", lambda nb: nb["cells"][0].pop("cell_type")),
        _structural("cell-id-number", _set(["cells", 0, "id"], 12)),
        _structural("nbformat-minor-string", _set(["nbformat_minor"], "five")),
        _structural("deep-metadata", _set(["metadata", "deep"], _deep(200))),
    ]
    # A >4300-digit integer: Python's int() refuses to parse it by default.
    huge = _dump(base_notebook()).replace(b'"nbformat": 4,', b'"big": ' + b"9" * 5000 + b', "nbformat": 4,')
    cases.append(("huge-int", _dump(base_notebook()), huge))
    cases.append(("surrogates", _dump(base_notebook()), _surrogates()))
    cases.append(("cell-not-object", _dump(base_notebook()), _dump({**base_notebook(), "cells": [1]})))
    cases.append(("cells-missing", _dump(base_notebook()), _dump({"nbformat": 4, "metadata": {}})))
    cases.append(("unknown-cell-pings", _dump(base_notebook()), _dump(unknown_cell_notebook())))
    return cases


def _deep(n: int) -> Any:
    value: Any = "bottom"
    for _ in range(n):
        value = {"d": value}
    return value


def _surrogates() -> bytes:
    """Lone surrogates written as JSON escapes (valid JSON) in a source, a key and an output."""
    text = _dump(base_notebook(" SUR"))
    text = text.replace(b"SUR", b"\\ud83d lone \\udc00")
    return text.replace(b'"tags": [', b'"k\\ud800ey": 1, "tags": [')


def unknown_cell_notebook() -> dict[str, Any]:
    nb = base_notebook()
    nb["cells"].append({"cell_type": "evil", "metadata": {}, "source": PINGS})
    return nb


def control_notebook(variant: str = "") -> dict[str, Any]:
    """Terminal escapes in every field a renderer might print."""
    e = ESCAPES + variant
    return {
        "cells": [
            {"cell_type": "markdown", "metadata": {e: e}, "source": f"# md {e}\n"},
            {
                "cell_type": "code",
                "execution_count": 1,
                "id": "c" + variant.strip(),
                "metadata": {"tags": [e], e: {e: e}},
                "outputs": [
                    {"output_type": "stream", "name": e, "text": f"out {e}\n"},
                    {
                        "output_type": "execute_result",
                        "execution_count": 1,
                        "metadata": {e: e},
                        "data": {"text/plain": f"plain {e}", f"text/x-{e}": e, "text/html": f"<b>{e}</b>",
                                 "application/json": {e: e}},
                    },
                    {"output_type": "error", "ename": e, "evalue": e, "traceback": [e, f"\x1b[31m{e}\x1b[0m"]},
                    {"output_type": e, "text": e},
                ],
                "source": f"print('{e}')\n",
            },
            {"cell_type": e, "metadata": {}, "source": e},
        ],
        "metadata": {"kernelspec": {"name": e, "display_name": e, "language": e}, e: e},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def resource_cases() -> list[Case]:
    """Image bombs: a header claiming 100000x100000 pixels on both sides."""
    old = base_notebook()
    new = base_notebook(" v2")
    old["cells"][1]["outputs"][1]["data"] = {"image/png": png(100_000, 100_000, bomb=True), "text/plain": "<Figure>"}
    new["cells"][1]["outputs"][1]["data"] = {"image/png": png(100_001, 100_000, bomb=True), "text/plain": "<Figure>"}
    added = base_notebook(" v3")
    added["cells"].append({"cell_type": "code", "execution_count": 2, "metadata": {}, "source": "img",
                           "outputs": [{"output_type": "display_data", "metadata": {},
                                        "data": {"image/png": png(90_000, 90_000, bomb=True)}}]})
    return [("png-bomb", _dump(old), _dump(new)), ("png-bomb-added", _dump(old), _dump(added))]


# ---------------------------------------------------------------- random structure mutation

_ODD_VALUES: list[Any] = [None, 0, -1, 1.5, True, "", "x", [], [1, "a", None], {}, {"k": [None]}, "\ud800"]


def _containers(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, (dict, list)):
                yield from _containers(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, (dict, list)):
                yield from _containers(v, (*path, i))


def mutate(nb: dict[str, Any], rng: random.Random, steps: int = 3) -> dict[str, Any]:
    """Change a few random places of a notebook's structure: a value of the wrong type,
    a list item of the wrong type, a key dropped, a container swapped for the other kind."""
    nb = copy.deepcopy(nb)
    for _ in range(steps):
        places = [(p, n) for p, n in _containers(nb) if n and p]  # never the root itself
        if not places:
            break
        path, node = rng.choice(places)
        if isinstance(node, dict):
            key = rng.choice(list(node))
            action = rng.random()
            if action < 0.2 and key not in ("cells",):
                del node[key]
            elif action < 0.4 and isinstance(node[key], (dict, list)):
                node[key] = list(node[key].values()) if isinstance(node[key], dict) else {"0": node[key]}
            else:
                node[key] = copy.deepcopy(rng.choice(_ODD_VALUES))
        else:
            i = rng.randrange(len(node))
            node[i] = copy.deepcopy(rng.choice(_ODD_VALUES))
    return nb


def mutated_cases(pairs: list[tuple[str, dict[str, Any], dict[str, Any]]], seed: int, count: int) -> list[Case]:
    """``count`` mutations of the given notebook pairs, reproducible from ``seed``."""
    rng = random.Random(seed)
    cases: list[Case] = []
    for i in range(count):
        name, old, new = pairs[i % len(pairs)]
        m_old = mutate(old, rng, rng.randint(0, 2))
        m_new = mutate(new, rng, rng.randint(1, 4))
        cases.append((f"mutated-{seed}-{i}-{name}", _dump_loose(m_old), _dump_loose(m_new)))
    return cases


def _dump_loose(nb: Any) -> bytes:
    """JSON with lone surrogates kept as escapes (``ensure_ascii`` writes them as ``\\udXXX``)."""
    return json.dumps(nb, indent=1, ensure_ascii=True).encode()
