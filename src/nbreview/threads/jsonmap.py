"""Where each cell, source line and output of a notebook sits in its JSON file, and the way back.

GitHub anchors review comments to lines of the ``.ipynb`` file; the page shows cells. This
module parses the file's JSON text keeping positions (any indent: nbformat's ``indent=1``,
compact one-line files, other writers), so a JSON line maps to the cell, source lines and
output it holds, and a cell's source line maps to the JSON line that holds its text.
Source lines are counted as the diff engine counts them (``str.splitlines(keepends=True)``).
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from typing import Any

from nbreview.errors import NbreviewError

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_scanstring: Any = json.decoder.scanstring  # type: ignore[attr-defined]
_LITERALS = {"true": True, "false": False, "null": None}
MAX_DEPTH = 400


@dataclass
class OutputSpan:
    """One output: its JSON lines, and the line of each ``data`` MIME value."""

    start: int
    end: int
    mimes: dict[str, int] = field(default_factory=dict)
    table_rows: list[tuple[int, int]] = field(default_factory=list)  # (JSON line, <tr> index) of text/html


@dataclass
class CellSpan:
    """One cell's place in the file, with the JSON line of every source line."""

    index: int
    start: int
    end: int
    cell_id: str | None
    source: str
    line_json: list[int]  # source line k (1-based) is on JSON line line_json[k - 1]
    pieces: list[tuple[int, int, int]]  # (JSON line, first, last source line) per JSON source string
    outputs: list[OutputSpan] = field(default_factory=list)
    cell_type: str = ""  # "code", "markdown", "raw" as the file says


@dataclass(frozen=True)
class Location:
    """What a JSON line holds: a cell, perhaps some of its source lines, perhaps one output."""

    cell: int
    lines: tuple[int, int] | None = None
    output: int | None = None
    mime: str | None = None
    row: int | None = None  # the HTML table row (``<tr>`` index in the output's text/html) of the line


class _Parser:
    """A JSON parser that records the line span of every value under ``cells`` (to a bounded depth)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.spans: dict[tuple[Any, ...], tuple[int, int]] = {}

    def line(self, offset: int) -> int:
        return bisect.bisect_left(self.newlines, offset) + 1

    def parse(self) -> Any:
        pos = _WS.match(self.text, 0).end()  # type: ignore[union-attr]
        value, pos = self.value(pos, (), 0)
        if _WS.match(self.text, pos).end() != len(self.text):  # type: ignore[union-attr]
            raise ValueError(f"extra data at line {self.line(pos)}")
        return value

    def _keep(self, path: tuple[Any, ...]) -> bool:
        """Values down to an output's MIME values, and the strings of a text/html one (its table rows)."""
        return path[:1] == ("cells",) and (2 <= len(path) <= 6 or (len(path) == 7 and path[5] == "text/html"))

    def value(self, pos: int, path: tuple[Any, ...], depth: int) -> tuple[Any, int]:
        if depth > MAX_DEPTH:
            raise ValueError("nested too deeply")
        text = self.text
        if pos >= len(text):
            raise ValueError("unexpected end of file")
        ch = text[pos]
        start = pos
        result: Any
        if ch == '"':
            result, pos = _scanstring(text, pos + 1, True)
        elif ch == "{":
            result, pos = self.obj(pos + 1, path, depth)
        elif ch == "[":
            result, pos = self.arr(pos + 1, path, depth)
        else:
            for word, lit in _LITERALS.items():
                if text.startswith(word, pos):
                    result, pos = lit, pos + len(word)
                    break
            else:
                m = _NUMBER.match(text, pos)
                if not m:
                    raise ValueError(f"unexpected {ch!r} at line {self.line(pos)}")
                num = m.group(0)
                result = float(num) if any(c in num for c in ".eE") else int(num)
                pos = m.end()
        if self._keep(path):
            self.spans[path] = (self.line(start), self.line(pos - 1))
        return result, pos

    def obj(self, pos: int, path: tuple[Any, ...], depth: int) -> tuple[dict[str, Any], int]:
        text = self.text
        out: dict[str, Any] = {}
        pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
        if text.startswith("}", pos):
            return out, pos + 1
        while True:
            if not text.startswith('"', pos):
                raise ValueError(f"expected a key at line {self.line(pos)}")
            key, pos = _scanstring(text, pos + 1, True)
            pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
            if not text.startswith(":", pos):
                raise ValueError(f"expected ':' at line {self.line(pos)}")
            pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
            out[key], pos = self.value(pos, (*path, key), depth + 1)
            pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
            if text.startswith(",", pos):
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                continue
            if text.startswith("}", pos):
                return out, pos + 1
            raise ValueError(f"expected ',' or '}}' at line {self.line(pos)}")

    def arr(self, pos: int, path: tuple[Any, ...], depth: int) -> tuple[list[Any], int]:
        text = self.text
        out: list[Any] = []
        pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
        if text.startswith("]", pos):
            return out, pos + 1
        while True:
            value, pos = self.value(pos, (*path, len(out)), depth + 1)
            out.append(value)
            pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
            if text.startswith(",", pos):
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                continue
            if text.startswith("]", pos):
                return out, pos + 1
            raise ValueError(f"expected ',' or ']' at line {self.line(pos)}")


class NotebookMap:
    """The cells of one ``.ipynb`` file text, with their JSON line spans (nbformat 4 layout)."""

    def __init__(self, text: str, name: str = "notebook") -> None:
        parser = _Parser(text)
        try:
            data = parser.parse()
        except (ValueError, RecursionError) as err:
            raise NbreviewError(f"{name}: not JSON a review comment can be placed in: {err}") from None
        cells = data.get("cells") if isinstance(data, dict) else None
        self.cells: list[CellSpan] = []
        if not isinstance(cells, list):
            return  # nbformat 3 (worksheets) or not a notebook: no line comments, file-level only
        spans = parser.spans
        for i, cell in enumerate(cells):
            if not isinstance(cell, dict) or ("cells", i) not in spans:
                continue
            start, end = spans[("cells", i)]
            raw = cell.get("source", "")
            pieces_raw = [raw] if isinstance(raw, str) else [p for p in raw if isinstance(p, str)]
            piece_lines = (
                [spans.get(("cells", i, "source"), (start, start))[0]]
                if isinstance(raw, str)
                else [spans[("cells", i, "source", k)][0] for k, p in enumerate(raw) if isinstance(p, str)]
            )
            source = "".join(pieces_raw)
            line_json, pieces = _source_lines(source, pieces_raw, piece_lines)
            outputs: list[OutputSpan] = []
            for k, out in enumerate(cell.get("outputs") or [] if isinstance(cell.get("outputs"), list) else []):
                o_start, o_end = spans.get(("cells", i, "outputs", k), (end, end))
                mimes = {}
                if isinstance(out, dict) and isinstance(out.get("data"), dict):
                    for mime in out["data"]:
                        at = spans.get(("cells", i, "outputs", k, "data", mime))
                        if at:
                            mimes[mime] = at[0]
                rows = _table_rows(out, spans, ("cells", i, "outputs", k, "data", "text/html"))
                outputs.append(OutputSpan(o_start, o_end, mimes, rows))
            cid, ctype = cell.get("id"), cell.get("cell_type")
            self.cells.append(CellSpan(
                i, start, end, cid if isinstance(cid, str) else None, source, line_json, pieces, outputs,
                ctype if isinstance(ctype, str) else "",
            ))
        self._starts = [c.start for c in self.cells]

    def cell(self, index: int) -> CellSpan | None:
        if 0 <= index < len(self.cells) and self.cells[index].index == index:
            return self.cells[index]
        return next((c for c in self.cells if c.index == index), None)

    def json_line(self, cell: int, source_line: int) -> int | None:
        """The JSON line holding source line ``source_line`` (1-based) of cell ``cell``."""
        c = self.cell(cell)
        if c is None or not 1 <= source_line <= len(c.line_json):
            return None
        return c.line_json[source_line - 1]

    def output_line(self, cell: int, output: int, mime: str | None = None) -> int | None:
        """The JSON line of an output: its ``mime`` value when given (the line a changed image changes)."""
        c = self.cell(cell)
        if c is None or not 0 <= output < len(c.outputs):
            return None
        o = c.outputs[output]
        return o.mimes.get(mime, o.start) if mime else o.start

    def locate_all(self, line: int) -> list[Location]:
        """What JSON line ``line`` holds, per cell on it (several only in compact, few-line files)."""
        k = bisect.bisect_right(self._starts, line) - 1
        found: list[Location] = []
        while k >= 0 and self.cells[k].end >= line:
            found.append(self._locate_in(self.cells[k], line))
            k -= 1
        return found[::-1]

    def locate(self, line: int) -> Location | None:
        """What JSON line ``line`` holds (the first cell on it); None outside every cell."""
        found = self.locate_all(line)
        return found[0] if found else None

    @staticmethod
    def _locate_in(c: CellSpan, line: int) -> Location:
        covered = [(first, last) for (json_line, first, last) in c.pieces if json_line == line]
        if covered:
            return Location(c.index, (min(first for first, _ in covered), max(last for _, last in covered)))
        for n, output in enumerate(c.outputs):
            if output.start <= line <= output.end:
                mime = next((m for m, at in output.mimes.items() if at == line), None)
                row = next((tr for json_line, tr in output.table_rows if json_line == line), None)
                return Location(c.index, None, n, mime, row)
        return Location(c.index)


def _table_rows(
    output: Any, spans: dict[tuple[Any, ...], tuple[int, int]], path: tuple[Any, ...]
) -> list[tuple[int, int]]:
    """Per string of an output's text/html (a list, as nbformat writes it) from its first ``<tr``: its JSON
    line and the table row it is in (the ``<tr>`` index, as the page's table counts its rows)."""
    html = output.get("data", {}).get("text/html") if isinstance(output, dict) else None
    if not isinstance(html, list):
        return []
    rows: list[tuple[int, int]] = []
    seen = 0
    for j, piece in enumerate(html):
        seen += len(re.findall(r"<tr\b", piece, re.I)) if isinstance(piece, str) else 0
        at = spans.get((*path, j))
        if seen and at:
            rows.append((at[0], seen - 1))
    return rows


def _source_lines(
    source: str, pieces: list[str], piece_lines: list[int]
) -> tuple[list[int], list[tuple[int, int, int]]]:
    """Per source line, the JSON line of the string it starts in; per string, the source lines it holds."""
    line_starts, offset = [], 0
    for text in source.splitlines(keepends=True):
        line_starts.append(offset)
        offset += len(text)
    piece_starts, offset = [], 0
    for piece in pieces:
        piece_starts.append(offset)
        offset += len(piece)
    line_json = []
    for line_start in line_starts:
        k = bisect.bisect_right(piece_starts, line_start) - 1
        while k > 0 and not pieces[k]:
            k -= 1  # an empty string holds no text
        line_json.append(piece_lines[max(k, 0)])
    spans = []
    for piece, start, json_line in zip(pieces, piece_starts, piece_lines, strict=True):
        if not piece:
            continue
        first = bisect.bisect_right(line_starts, start)
        last = bisect.bisect_right(line_starts, start + len(piece) - 1)
        spans.append((json_line, first, last))
    return line_json, spans
