"""HTML tables in outputs, as pandas, polars and Styler write them, read with the standard library's ``html.parser``.

A module of its own so that ``html.parser`` is imported only when an HTML output changed
(:mod:`nbreview.results.compute` imports this lazily; a ``git diff`` driver pays for it then).
"""

from __future__ import annotations

from html.parser import HTMLParser

from nbreview.records import dataclass, field
from nbreview.results.tables import (
    _ELLIPSIS,
    _WS,
    MAX_TABLE_CELLS,
    MAX_TABLE_HTML_CHARS,
    MAX_TABLE_ROWS,
    MAX_TABLES_PER_OUTPUT,
    Table,
    TableError,
    _finish,
)


@dataclass(slots=True)
class _RawCell:
    text: str
    header: bool
    colspan: int
    rowspan: int


@dataclass(slots=True)
class _RawTable:
    head: list[list[_RawCell]] = field(default_factory=list)
    body: list[list[_RawCell]] = field(default_factory=list)
    nested: bool = False
    cells: int = 0


def _span(value: str | None) -> int:
    try:
        n = int(value or "1")
    except ValueError:
        return 1
    return max(1, min(n, 1000))


class _TableParser(HTMLParser):
    """Collects top-level tables; a table inside a table marks its outer table as nested."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[_RawTable] = []
        self.depth = 0
        self.in_head = False
        self.row: list[_RawCell] | None = None
        self.cell: _RawCell | None = None
        self.parts: list[str] = []
        self.skip = 0  # inside <style>/<script>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self.skip += 1
        elif tag == "table":
            self.depth += 1
            if self.depth == 1:
                self.tables.append(_RawTable())
            else:
                self.tables[-1].nested = True
        elif self.depth != 1:
            return
        elif tag == "thead":
            self.in_head = True
        elif tag in ("tbody", "tfoot"):
            self.in_head = False
        elif tag == "tr":
            self._end_row()
            self.row = []
        elif tag in ("td", "th"):
            self._end_cell()
            if self.row is None:
                self.row = []
            a = dict(attrs)
            self.cell = _RawCell("", tag == "th", _span(a.get("colspan")), _span(a.get("rowspan")))
            self.parts = []
        elif tag == "br" and self.cell is not None:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self.skip = max(0, self.skip - 1)
        elif tag == "table":
            if self.depth == 1:
                self._end_row()
            self.depth = max(0, self.depth - 1)
        elif self.depth != 1:
            return
        elif tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr":
            self._end_row()
        elif tag == "thead":
            self._end_row()
            self.in_head = False

    def handle_data(self, data: str) -> None:
        if self.cell is not None and not self.skip and self.depth == 1:
            self.parts.append(data)

    def _end_cell(self) -> None:
        if self.cell is not None and self.row is not None:
            self.cell.text = _WS.sub(" ", "".join(self.parts).replace("\xa0", " ")).strip()
            self.row.append(self.cell)
            t = self.tables[-1]
            t.cells += 1
            if t.cells > MAX_TABLE_CELLS:
                raise TableError(f"table not compared: more than {MAX_TABLE_CELLS:,} cells")
        self.cell = None

    def _end_row(self) -> None:
        self._end_cell()
        if self.row:
            t = self.tables[-1]
            heading = self.in_head or (not t.body and all(c.header for c in self.row))
            (t.head if heading else t.body).append(self.row)
            if len(t.body) > MAX_TABLE_ROWS:
                raise TableError(f"table not compared: more than {MAX_TABLE_ROWS:,} rows")
        self.row = None


def _grid(rows: list[list[_RawCell]]) -> list[list[_RawCell]]:
    """Rows with colspan repeated across and rowspan repeated down (the HTML table model)."""
    out: list[list[_RawCell]] = []
    carry: dict[int, tuple[_RawCell, int]] = {}
    for row in rows:
        line: list[_RawCell] = []
        col = k = 0
        while k < len(row) or col in carry:
            if col in carry:
                cell, left = carry.pop(col)
                line.append(cell)
                if left > 1:
                    carry[col] = (cell, left - 1)
                col += 1
                continue
            c = row[k]
            k += 1
            for s in range(c.colspan):
                line.append(c)
                if c.rowspan > 1:
                    carry[col + s] = (c, c.rowspan - 1)
            col += c.colspan
        out.append(line)
    return out


def _join_labels(parts: list[str]) -> str:
    seen: list[str] = []
    for p in parts:
        if p and (not seen or seen[-1] != p):
            seen.append(p)
    return " / ".join(seen)


def _from_raw(raw: _RawTable) -> Table:
    if raw.nested:
        raise TableError("table not compared: it contains a nested table")
    # polars writes each column's dtype as a header row of <td>: a caption, not part of the label
    head = _grid([r for r in raw.head if any(c.header for c in r)] or raw.head)
    body = _grid(raw.body)
    if not body:
        raise TableError("table not compared: it has no body rows")
    width = len(body[0])
    if any(len(r) != width for r in body) or any(len(r) != width for r in head):
        raise TableError("table not compared: its rows have different numbers of cells")
    nindex = min(next((k for k, c in enumerate(r) if not c.header), len(r)) for r in body)
    nindex = min(nindex, width - 1)
    columns = [_join_labels([r[j].text for r in head]) for j in range(nindex, width)]
    index_name = _join_labels([r[j].text for r in head for j in range(nindex)])
    rows: list[tuple[str | None, list[str]]] = []
    truncated = False
    for r in body:
        values = [c.text for c in r[nindex:]]
        label = _join_labels([c.text for c in r[:nindex]]) if nindex else None
        if all(v in _ELLIPSIS for v in values):
            truncated = True
            continue
        rows.append((label, values))
    return _finish(Table(columns, rows, truncated, index_name))


def html_tables(html: str) -> list[Table]:
    """The top-level tables of an HTML output (none if it has no ``<table``)."""
    if "<table" not in html.lower():
        return []
    if len(html) > MAX_TABLE_HTML_CHARS:
        raise TableError(f"table not compared: HTML output over {MAX_TABLE_HTML_CHARS:,} characters")
    if html.lower().count("<tr") > MAX_TABLE_ROWS * 2 + 10:
        raise TableError(f"table not compared: more than {MAX_TABLE_ROWS:,} rows")
    p = _TableParser()
    p.feed(html)
    p.close()
    if len(p.tables) > MAX_TABLES_PER_OUTPUT:
        raise TableError(f"tables not compared: more than {MAX_TABLES_PER_OUTPUT} tables in one output")
    return [_from_raw(t) for t in p.tables]
