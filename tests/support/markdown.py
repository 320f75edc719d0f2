"""Markdown as a CommonMark reader splits it, for assertions on the comments nbreview posts."""

from __future__ import annotations

import re


def blocks(body: str) -> tuple[list[str], str]:
    """Split like a CommonMark reader: fenced code blocks, and the text outside them."""
    inside: list[str] = []
    outside: list[str] = []
    lines = body.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^(`{3,})(\w*)$", lines[i])
        if m:
            tick = m.group(1)
            j = i + 1
            while j < len(lines) and not re.match(rf"^{tick}`*\s*$", lines[j]):
                j += 1
            inside.append("\n".join(lines[i + 1 : j]))
            i = j + 1
            continue
        outside.append(lines[i])
        i += 1
    return inside, "\n".join(outside)
