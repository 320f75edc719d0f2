"""``compute_results(diff)``: read the outputs that changed, once, for every renderer.

Only outputs whose diff is a real change are parsed (re-executed but equal outputs, and
outputs that differ only in volatile bits, cost nothing). Per output: HTML tables first
(they are the richest form of a frame), else a text table, else the numbers of its text.
"""

from __future__ import annotations

from nbreview.engine.model import CellDiff, MimeDiff, NotebookDiff, OutputDiff, TextDiff
from nbreview.results.model import NumberChange, ResultNote, Results
from nbreview.results.numbers import changed_numbers, whole_array_change
from nbreview.results.rank import ranked
from nbreview.results.signals import notebook_signals
from nbreview.results.tables import TableError, diff_tables, text_table

TEXT_MIMES = ("text/plain", "text/markdown", "text/latex")


def compute_results(d: NotebookDiff) -> Results:
    """Changed numbers, table diffs and review signals of one notebook diff."""
    res = Results()
    for c in d.cells:
        if c.status != "modified" or c.transient_only or c.new_index is None:
            continue
        for o in c.outputs or []:
            if o.status == "modified" and not o.transient and o.new_index is not None:
                _output(res, c, o)
    res.signals = notebook_signals(d)
    res.numbers = ranked(res)  # the order every surface (and the JSON) reads
    return res


def _output(res: Results, c: CellDiff, o: OutputDiff) -> None:
    assert c.new_index is not None and o.new_index is not None
    cell, out = c.new_index, o.new_index
    if o.output_type == "stream" and o.text is not None and o.text.changed and not o.text.transient:
        name = str((o.value or {}).get("name", "stream"))
        _text(res, cell, out, name, o.text)
        return
    mimes = {m.mime: m for m in o.mimes if m.status == "modified" and m.text is not None and not m.transient}
    html = mimes.get("text/html")
    old_html = new_html = ""
    if html is not None and html.text is not None:
        old_html, new_html = html.text.old_text(), html.text.new_text()
    if "<table" in old_html.lower() or "<table" in new_html.lower():  # else no tables (and no HTML parser to load)
        from nbreview.results.html_tables import html_tables

        try:
            old_t, new_t = html_tables(old_html), html_tables(new_html)
        except TableError as err:
            res.notes.append(ResultNote(cell, out, str(err)))
            return
        except Exception:  # a parser surprise must never fail the diff
            res.notes.append(ResultNote(cell, out, "table not compared: the HTML could not be read"))
            return
        if old_t or new_t:
            if len(old_t) != len(new_t):
                res.notes.append(ResultNote(cell, out, "tables not compared: a table was added or removed"))
                return
            for a, b in zip(old_t, new_t, strict=True):
                _add_table(res, cell, out, "text/html", a, b)
            return
    for mime in TEXT_MIMES:
        m: MimeDiff | None = mimes.get(mime)
        if m is not None and m.text is not None and m.text.changed:
            _text(res, cell, out, mime, m.text)
            return


def _add_table(res: Results, cell: int, out: int, source: str, a: object, b: object) -> None:
    from nbreview.results.tables import Table

    assert isinstance(a, Table) and isinstance(b, Table)
    td, changes = diff_tables(a, b, cell, out, source, len(res.tables))
    if td.rows or any(col.status != "same" for col in td.columns):
        res.tables.append(td)
        res.numbers += changes


def _text(res: Results, cell: int, out: int, source: str, td: TextDiff) -> None:
    try:
        old_text, new_text = td.old_text(), td.new_text()
        old_t, new_t = text_table(old_text), text_table(new_text)
        if old_t is not None and new_t is not None:
            _add_table(res, cell, out, source, old_t, new_t)
            return
        pairs, note = changed_numbers(td, old_text, new_text)
    except Exception:  # a parser surprise must never fail the diff
        res.notes.append(ResultNote(cell, out, "numbers not compared: the text could not be read"))
        return
    if note:
        res.notes.append(ResultNote(cell, out, note))
    whole = whole_array_change(old_text, new_text, pairs)
    if whole is not None:
        label, old, new = whole
        res.numbers.append(NumberChange(cell, out, label, old, new, old, new, source, pairs[0].line))
        return
    for p in pairs:
        res.numbers.append(
            NumberChange(cell, out, p.new.label, p.old.value, p.new.value, p.old.text, p.new.text, source, p.line)
        )
