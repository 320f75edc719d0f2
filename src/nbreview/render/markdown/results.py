"""The PR comment's Results block: right after the summary table, before the notebooks' sections.

Drawn from :mod:`nbreview.view.results`; how much is drawn steps down with the comment's
detail level, so the block always fits the comment's size budget. Notebook text goes through
:func:`nbreview.render.markdown.inert.inline` (inert: no markup, mentions or references).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from nbreview.render.markdown.inert import html_text, inline
from nbreview.view import results as view

if TYPE_CHECKING:
    from nbreview.render.markdown.changes import NotebookChange

# Per detail level (the comment's LEVELS, then the brief fall-backs): (changes listed, tables drawn).
RESULT_LEVELS = ((view.TOP_COMMENT, view.TABLES_COMMENT), (6, 1), (4, 0), (3, 0), (0, 0))


def _changes_table(rows: list[view.ShownChange]) -> str:
    lines = ["| Where | Value | Before | After | Change |", "| :-- | :-- | --: | --: | --: |"]
    for c in rows:
        arrow = {"up": "▲", "down": "▼"}.get(c.direction, "≠")
        change = f"{arrow} {c.delta} ({c.relative})" if c.delta else arrow
        lines.append(f"| {c.where} | {inline(c.label)} | {inline(c.old)} | **{inline(c.new)}** | {change} |")
    return "\n".join(lines)


def grid(table: view.TableView) -> str:
    """A table diff as a markdown table: changed cells ~~before~~ **after**, rows added ➕ / removed ➖."""

    def col(c: view.GridCell) -> str:
        mark = {"added": " ➕", "removed": " ➖"}.get(c.state, "")
        return inline(c.text) + mark

    lines = [
        "| " + " | ".join([inline(table.index_label) or " "] + [col(c) for c in table.columns]) + " |",
        "| :-- | " + " | ".join("--:" for _ in table.columns) + " |",
    ]
    for label, cells in table.rows:
        mark = {"added": "➕ ", "removed": "➖ "}.get(label.state, "")
        out = []
        for c in cells:
            if c.state == "changed":
                out.append(f"~~{inline(c.old)}~~ **{inline(c.text)}**")
            elif c.state == "removed":
                out.append(f"~~{inline(c.text)}~~" if c.text else " ")
            else:
                out.append(inline(c.text) or " ")
        lines.append(f"| {mark}{inline(label.text)} | " + " | ".join(out) + " |")
    left = table.left_out()
    tail = f"\n\n<sub>Not shown: {', '.join(left)}.</sub>" if left else ""
    return "\n".join(lines) + tail + "\n"


def _grid(table: view.TableView) -> str:
    return f"<details><summary>{table.where} · table: {html_text(table.title)}</summary>\n\n{grid(table)}\n</details>"


def results_block(changes: Sequence[NotebookChange], level: int = 0) -> str:
    """Markdown for every notebook with results (empty when none has any); ``level`` indexes RESULT_LEVELS."""
    top, tables = RESULT_LEVELS[min(level, len(RESULT_LEVELS) - 1)]
    parts: list[str] = []
    for ch in changes:
        if ch.diff is None or not ch.view().results:
            continue
        res = ch.view().results
        parts.append(f"**{inline(ch.path)}** · {view.headline(res)}\n")
        items = view.signal_items(res)
        if items:
            parts.append("\n".join(f"- ☐ **{s.title}** · {s.where}: {inline(s.detail)}" for s in items) + "\n")
        rows, more = view.top_changes(res, top)
        if rows:
            left = f"\n\n<sub>… and {more} more: {view.more_kinds(res, top)}</sub>" if more else ""
            parts.append(_changes_table(rows) + left + "\n")
        for table in res.tables[:tables]:
            parts.append(_grid(view.table_view(table)) + "\n")
    if not parts:
        return ""
    return "#### 📈 Results\n\n" + "\n".join(parts) + "\n"
