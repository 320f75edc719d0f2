"""Tables in outputs, parsed and diffed cell by cell.

HTML tables as pandas, polars and Styler write them are read by :mod:`nbreview.results.html_tables`
(MultiIndex headers with ``colspan``, index columns with ``rowspan``, truncated
frames with ``...``); aligned text tables (``DataFrame``/``Series`` ``text/plain``) and
markdown pipe tables are read from text. Rows are aligned by their index labels (by content
when there is no index), columns by their headers. A table that cannot be read safely (ragged
rows, nested tables, beyond the limits) raises :class:`TableError`, and the output keeps its
text diff with a note.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from nbreview import lazy_re
from nbreview.records import dataclass
from nbreview.results.model import NumberChange, TableColumn, TableDiff, TableRow
from nbreview.results.noise import same_at_precision
from nbreview.results.numbers import parse_value, strip_ansi

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from nbreview.results.model import RowStatus

MAX_TABLE_ROWS = 5_000  # rows of one table read; a longer table keeps its text diff
MAX_TABLE_CELLS = 100_000  # cells of one table read
MAX_TABLE_HTML_CHARS = 5_000_000  # an HTML output larger than this is not parsed
MAX_TABLES_PER_OUTPUT = 20

_WS = lazy_re.compile(r"\s+")
_ELLIPSIS = frozenset({"...", "..", "…", "⋮", "⋯"})
_CELL_NUMBER = lazy_re.compile(r"[-+\u2212]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][-+]?\d+)?\s?%?")
_TEXT_SPLIT = lazy_re.compile(r"\s{2,}")
_FOOTER = lazy_re.compile(r"^\[\d+ rows x \d+ columns\]$")
_SERIES_FOOTER = lazy_re.compile(r"^(?:Name: (?P<name>.*?), )?(?:Length: \d+, )?dtype: \w+$")
_MD_RULE = lazy_re.compile(r"^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")


class TableError(Exception):
    """A table that is not read (the output keeps its text diff); the message is the note shown."""


@dataclass(slots=True)
class Table:
    """A parsed table: column labels, and per body row its label (or None) and cell texts."""

    columns: list[str]
    rows: list[tuple[str | None, list[str]]]
    truncated: bool = False
    index_name: str = ""


# ---------------------------------------------------------------- text


def text_table(text: str) -> Table | None:
    """A markdown pipe table or an aligned ``DataFrame``/``Series`` text; None when the text is not one."""
    if text.count("\n") > MAX_TABLE_ROWS + 2 or ("  " not in text and "|" not in text):
        return None  # too long to be read as a table, or no column gaps at all
    lines = [strip_ansi(x).rstrip() for x in text.splitlines()]
    lines = [x for x in lines if x.strip()]
    if len(lines) < 2:
        return None
    if len(lines) > MAX_TABLE_ROWS:
        return None
    if lines[0].lstrip().startswith("|") and _MD_RULE.match(lines[1].strip()):
        return _markdown_table(lines)
    return _aligned_table(lines)


def _md_cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", s)]


def _markdown_table(lines: list[str]) -> Table | None:
    header = _md_cells(lines[0])
    rows: list[tuple[str | None, list[str]]] = []
    for line in lines[2:]:
        if not line.lstrip().startswith("|"):
            return None  # a table followed by prose: read as text
        cells = _md_cells(line)
        if len(cells) != len(header):
            return None
        rows.append((None, cells))
    return _finish(Table(header, rows)) if rows else None


def _aligned_table(lines: list[str]) -> Table | None:
    truncated = False
    if _FOOTER.match(lines[-1].strip()):
        truncated = True
        lines = lines[:-1]
    series = _SERIES_FOOTER.match(lines[-1].strip())
    if series:
        body = [_TEXT_SPLIT.split(x.strip()) for x in lines[:-1]]
        if not body or any(len(r) != 2 for r in body if r != ["..."]):
            return None
        pairs: list[tuple[str | None, list[str]]] = [(r[0], [r[1]]) for r in body if len(r) == 2]
        truncated = truncated or any(r == ["..."] for r in body)
        return _finish(Table([series.group("name") or "value"], pairs, truncated))
    header = _TEXT_SPLIT.split(lines[0].strip())
    body_lines = lines[1:]
    if len(header) < 1 or not body_lines:
        return None
    # pandas prints the index name alone on the second line
    index_name = ""
    first = _TEXT_SPLIT.split(body_lines[0].strip())
    if len(first) == 1 and len(body_lines) > 1 and len(header) > 1:
        index_name = first[0]
        body_lines = body_lines[1:]
    rows: list[tuple[str | None, list[str]]] = []
    width = None
    for line in body_lines:
        cells = _TEXT_SPLIT.split(line.strip())
        if all(c in _ELLIPSIS for c in cells):
            truncated = True
            continue
        if width is None:
            width = len(cells)
        if len(cells) != width:
            return None
        if width == len(header) + 1:
            rows.append((cells[0], cells[1:]))
        elif width == len(header):
            rows.append((None, cells))
        else:
            return None
    if not rows or len(header) < 2 and width != len(header) + 1:
        return None
    # Plain prose splits into one piece per line; a table has at least one numeric column.
    if not any(_number(v) is not None for _, vals in rows for v in vals):
        return None
    return _finish(Table(header, rows, truncated, index_name))


def _finish(t: Table) -> Table:
    """Drop truncation columns (``...``) and make column labels unique."""
    keep = [j for j, c in enumerate(t.columns) if c not in _ELLIPSIS]
    if len(keep) != len(t.columns):
        t.truncated = True
        t.columns = [t.columns[j] for j in keep]
        t.rows = [(label, [vals[j] for j in keep if j < len(vals)]) for label, vals in t.rows]
    seen: dict[str, int] = {}
    cols = []
    for j, c in enumerate(t.columns):
        c = c or f"column {j + 1}"
        seen[c] = seen.get(c, 0) + 1
        cols.append(c if seen[c] == 1 else f"{c} ({seen[c]})")
    t.columns = cols
    return t


# ---------------------------------------------------------------- diff


def _number(text: str) -> int | float | None:
    t = text.strip()
    if not t or not any(ch.isdigit() for ch in t) or not _CELL_NUMBER.fullmatch(t):
        return None
    return parse_value(t)


def _unique(labels: list[str]) -> bool:
    return len(set(labels)) == len(labels) and all(labels)


def _row_labels(t: Table) -> list[str]:
    """Index labels; without an index, the first column when its values are unique, else positions."""
    if all(label is not None for label, _ in t.rows):
        return [str(label) for label, _ in t.rows]
    first = [vals[0] if vals else "" for _, vals in t.rows]
    if _unique(first) and not all(_number(v) is not None for v in first):
        return first
    return [f"row {k + 1}" for k in range(len(t.rows))]


def _align(
    old: list[str], new: list[str], old_keys: list[str], new_keys: list[str]
) -> list[tuple[int | None, int | None]]:
    """Pairs of positions: by label when labels are unique on both sides, else by content in order."""
    if _unique(old) and _unique(new) and not all(x.startswith("row ") for x in old + new):
        where = {x: k for k, x in enumerate(old)}
        pairs: list[tuple[int | None, int | None]] = []
        seen: set[int] = set()
        for j, x in enumerate(new):
            i = where.get(x)
            if i is not None:
                seen.add(i)
            pairs.append((i, j))
        # removed rows go back at their old place (before the next row that survived)
        for i in sorted(set(range(len(old))) - seen, reverse=True):
            after = next((k for k, (old_index, _) in enumerate(pairs) if old_index is not None and old_index > i),
                         len(pairs))
            pairs.insert(after, (i, None))
        return pairs
    pairs = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_keys, new_keys, autojunk=False).get_opcodes():
        if tag == "replace" and not all(x.startswith("row ") for x in old[i1:i2] + new[j1:j2]):
            pairs += _by_repeated_label(old, new, i1, i2, j1, j2)
            continue
        n = min(i2 - i1, j2 - j1) if tag == "replace" else (i2 - i1 if tag == "equal" else 0)
        pairs += [(i1 + k, j1 + k) for k in range(n)]
        pairs += [(i, None) for i in range(i1 + n, i2)]
        pairs += [(None, j) for j in range(j1 + n, j2)]
    return pairs


def _by_repeated_label(
    old: list[str], new: list[str], i1: int, i2: int, j1: int, j2: int
) -> list[tuple[int | None, int | None]]:
    """Rows of a changed run paired in order where their (repeated) labels agree; the rest removed and added:
    rows pair by label or not at all."""
    pairs: list[tuple[int | None, int | None]] = []
    for tag, a1, a2, b1, b2 in SequenceMatcher(None, old[i1:i2], new[j1:j2], autojunk=False).get_opcodes():
        if tag == "equal":
            pairs += [(i1 + a1 + k, j1 + b1 + k) for k in range(a2 - a1)]
            continue
        pairs += [(i1 + i, None) for i in range(a1, a2)]
        pairs += [(None, j1 + j) for j in range(b1, b2)]
    return pairs


def _same(a: str, b: str) -> bool:
    """Equal text, or one number printed two ways (``85`` / ``85.0``, ``0.0344`` / ``0.034444``)."""
    if a == b:
        return True
    x, y = _number(a), _number(b)
    return x is not None and y is not None and same_at_precision(float(x), float(y), a, b)


def _positional(labels: list[str]) -> bool:
    """Row labels that only count rows (0, 1, 2 ... or none): they say nothing about which row is which."""
    return all(x == str(k) or x == f"row {k + 1}" for k, x in enumerate(labels))


def _resampled(rows: list[TableRow], old: list[str], new: list[str]) -> bool:
    """A new sample printed under a positional index: every paired row changed in most of its cells."""
    paired = [r for r in rows if r.status == "changed"]
    if len(paired) < 3 or not (_positional(old) and _positional(new)) or len(paired) < min(len(old), len(new)):
        return False
    return all(sum(1 for a, b in r.cells if a != b) * 2 >= len(r.cells) for r in paired)


def diff_tables(
    old: Table, new: Table, cell: int, output: int, source: str, table_index: int
) -> tuple[TableDiff, list[NumberChange]]:
    """Align two tables and list the cells that changed (numbers by value, other cells by text)."""
    cols = _align(old.columns, new.columns, old.columns, new.columns)
    columns: list[TableColumn] = []
    for old_col, new_col in cols:
        label = new.columns[new_col] if new_col is not None else old.columns[old_col] if old_col is not None else ""
        status: RowStatus = "added" if old_col is None else "removed" if new_col is None else "same"
        columns.append(TableColumn(label, status))
    old_labels, new_labels = _row_labels(old), _row_labels(new)
    okeys = [f"{old_labels[k]}\x00" + "\x00".join(v) for k, (_, v) in enumerate(old.rows)]
    nkeys = [f"{new_labels[k]}\x00" + "\x00".join(v) for k, (_, v) in enumerate(new.rows)]
    rows: list[TableRow] = []
    changes: list[NumberChange] = []
    unchanged = 0
    for old_row, new_row in _align(old_labels, new_labels, okeys, nkeys):
        ovals = old.rows[old_row][1] if old_row is not None else None
        nvals = new.rows[new_row][1] if new_row is not None else None
        label = new_labels[new_row] if new_row is not None else old_labels[old_row] if old_row is not None else ""
        cells: list[tuple[str | None, str | None]] = []
        changed = False
        for (old_col, new_col), col in zip(cols, columns, strict=True):
            a = ovals[old_col] if ovals is not None and old_col is not None and old_col < len(ovals) else None
            b = nvals[new_col] if nvals is not None and new_col is not None and new_col < len(nvals) else None
            if a is not None and b is not None and a != b and _same(a, b):
                a = b  # the same value printed another way: not a changed cell
            cells.append((a, b))
            if a is not None and b is not None and not _same(a, b):
                changed = True
                x, y = _number(a), _number(b)
                changes.append(
                    NumberChange(
                        cell,
                        output,
                        f"{label} · {col.label}",
                        x if x is not None and y is not None else a,
                        y if x is not None and y is not None else b,
                        a,
                        b,
                        source,
                        None,
                        label,
                        col.label,
                        table_index,
                    )
                )
        rstatus: RowStatus = ("added" if old_row is None else "removed" if new_row is None
                              else "changed" if changed else "same")
        if rstatus == "same":
            unchanged += 1
            continue
        rows.append(TableRow(label, rstatus, cells))
    if _resampled(rows, old_labels, new_labels):
        # rows pair by label or not at all: a new sample is its old rows removed and its new rows added
        rows = [TableRow(r.label, "removed", [(a, None) for a, _ in r.cells]) for r in rows if r.status != "added"]
        rows += [TableRow(r.label, "added", [(None, b) for _, b in r.cells]) for r in _new_rows(new, new_labels, cols)]
        unchanged, changes = 0, []
    td = TableDiff(cell, output, source, columns, rows, unchanged, old.truncated or new.truncated, new.index_name)
    return td, changes


def _new_rows(new: Table, labels: list[str], cols: list[tuple[int | None, int | None]]) -> list[TableRow]:
    return [
        TableRow(labels[k], "added", [(None, vals[j] if j is not None and j < len(vals) else None) for _, j in cols])
        for k, (_, vals) in enumerate(new.rows)
    ]
