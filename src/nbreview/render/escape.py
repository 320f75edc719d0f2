"""Untrusted text made inert in HTML: the one escape the page and its panels share.

A leaf module, so the page (:mod:`.html`) and the panels it includes (:mod:`.html_results`)
both import it without importing each other.
"""

from __future__ import annotations

import html


def esc(text: object) -> str:
    """``text`` as HTML text or attribute value (``&<>"'`` escaped)."""
    return html.escape(str(text), quote=True)
