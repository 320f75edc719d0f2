"""The body of a review comment nbreview writes, and reading its hidden anchor back.

On GitHub the body reads well without nbreview: where it points (``cell [12], lines 3-5``), a
quote of the selected code, then the reviewer's text. A hidden HTML comment carries the exact
anchor (cell id and index, side, lines, output) so nbreview places the thread exactly next time,
even when GitHub only kept it as a file-level comment or the line has since moved.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

ANCHOR_RE = re.compile(r"<!-- nbreview:anchor (\{[^<>]{0,400}\}) -->")
TEXT_MARK = "<!-- nbreview:text -->"
MAX_QUOTE_LINES = 12


@dataclass(frozen=True)
class Anchor:
    """Where a comment points: ``side`` old/new, a cell (index and id), lines or an output."""

    side: str
    cell: int
    cell_id: str | None = None
    lines: tuple[int, int] | None = None
    output: int | None = None

    def label(self) -> str:
        where = f"cell [{self.cell}]"
        if self.lines:
            a, b = self.lines
            where += f", line {a}" if a == b else f", lines {a}–{b}"
        elif self.output is not None:
            where += f", output {self.output + 1}"
        return where + (" (before the change)" if self.side == "old" else "")


def write_body(anchor: Anchor, text: str, quote: str, language: str = "", inert: str = "github") -> str:
    """The comment as posted: location, quoted code, the reviewer's text, the hidden anchor. The quote
    is notebook text: on GitLab (``inert="gitlab"``) its lines cannot run a quick action (GitLab skips
    ``/command`` lines only in fences of exactly three backticks, and the fence may be longer)."""
    from nbreview.render.markdown.inert import no_commands

    head = f"**{anchor.label()}**"
    parts = [head]
    if quote.strip():
        lines = quote.splitlines()
        if len(lines) > MAX_QUOTE_LINES:
            lines = lines[:MAX_QUOTE_LINES] + ["…"]
        body = "\n".join(lines)
        body = no_commands(body) if inert == "gitlab" else body
        fence = "`" * max(3, _longest_run(body, "`") + 1)
        parts.append(f"{fence}{language}\n{body}\n{fence}")
    data: dict[str, Any] = {"side": anchor.side, "cell": anchor.cell}
    if anchor.cell_id:
        data["id"] = anchor.cell_id[:64]
    if anchor.lines:
        data["lines"] = list(anchor.lines)
    if anchor.output is not None:
        data["output"] = anchor.output
    hidden = "<!-- nbreview:anchor " + json.dumps(data, ensure_ascii=True).replace("<", "\\u003c").replace(
        ">", "\\u003e"
    ) + " -->"
    return "\n\n".join(parts) + f"\n\n{TEXT_MARK}\n{text.strip()}\n\n{hidden}\n"


def _longest_run(text: str, ch: str) -> int:
    runs = re.findall(f"{re.escape(ch)}+", text)
    return max((len(r) for r in runs), default=0)


def read_anchor(body: str) -> Anchor | None:
    """The hidden anchor of a body nbreview wrote; None for anything else (bodies are untrusted)."""
    m = ANCHOR_RE.search(body or "")
    if not m:
        return None
    try:
        data = json.loads(m.group(1))
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    side, cell = data.get("side"), data.get("cell")
    if side not in ("old", "new") or not isinstance(cell, int) or not 0 <= cell < 1_000_000:
        return None
    cid = data.get("id") if isinstance(data.get("id"), str) else None
    lines = data.get("lines")
    span: tuple[int, int] | None = None
    if isinstance(lines, list) and len(lines) == 2 and all(isinstance(x, int) and x > 0 for x in lines):
        span = (min(lines), max(lines))
    out = data.get("output")
    return Anchor(side, cell, cid, span, out if isinstance(out, int) and out >= 0 else None)


def reader_text(body: str) -> str:
    """What the reviewer wrote: the part after the quote, without the hidden anchor (any body)."""
    body = body or ""
    if TEXT_MARK in body:
        body = body.split(TEXT_MARK, 1)[1]
    return ANCHOR_RE.sub("", body).strip()
