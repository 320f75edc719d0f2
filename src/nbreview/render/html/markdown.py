"""Markdown cells and outputs as safe HTML (mistune), with code highlighted and math as MathML.

mistune passes raw HTML through to :func:`~nbreview.render.html.safe.sanitize_html`. The
fragments built here (highlighted code, MathML, attachment images) are not sanitised twice:
they become placeholders (:class:`_Slots`) that are filled in after sanitising.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from nbreview.render.escape import esc
from nbreview.render.html.safe import latex_to_mathml, sanitize_html
from nbreview.render.html.syntax import highlight_lines, lexer_for


class _Slots:
    """Placeholders for fragments this module builds (highlighted code, MathML)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.tag = "nbrv" + secrets.token_hex(4)

    def put(self, fragment: str) -> str:
        """A placeholder for ``fragment``: letters and digits only, so sanitising leaves it as it is."""
        self.items.append(fragment)
        return f"{self.tag}x{len(self.items) - 1}x"

    def fill(self, text: str) -> str:
        """``text`` with every placeholder replaced by its fragment."""
        if not self.items:
            return text
        return re.sub(self.tag + r"x(\d+)x", lambda found: self.items[int(found.group(1))], text)


class _MarkdownRenderer:
    """mistune renderer: raw HTML allowed through to nh3; code and math become slots."""

    def __init__(self) -> None:
        import mistune

        outer = self
        self.slots = _Slots()
        self.attachments: Callable[[str], str | None] = lambda name: None

        class Renderer(mistune.HTMLRenderer):
            def block_code(self, code: str, info: str | None = None) -> str:
                language = (info or "").strip().split(None, 1)[0] if info else ""
                body = "".join(highlight_lines(code, lexer_for(language or "text")))
                return outer.slots.put(f'<pre class="hl md-code"><code>{body}</code></pre>') + "\n"

            def block_math(self, text: str) -> str:
                return outer.slots.put(f'<div class="math">{latex_to_mathml(text, True)}</div>') + "\n"

            def inline_math(self, text: str) -> str:
                return outer.slots.put(latex_to_mathml(text, False))

            def image(self, text: str, url: str, title: str | None = None) -> str:
                if url.startswith("attachment:"):
                    src = outer.attachments(url[len("attachment:") :])
                    if src:
                        return outer.slots.put(f'<img src="{esc(src)}" alt="{esc(text)}" loading="lazy">')
                return super().image(text, url, title)

        self.convert = mistune.create_markdown(
            escape=False,
            renderer=Renderer(escape=False),
            plugins=["table", "strikethrough", "math", "url", "task_lists", "footnotes"],
        )

    def render(self, text: str, attachments: Callable[[str], str | None] | None = None) -> str:
        """``text`` as safe HTML; ``attachments`` maps an ``attachment:`` name to an image URL."""
        self.slots = _Slots()
        self.attachments = attachments or (lambda name: None)
        raw = self.convert(text)
        assert isinstance(raw, str)
        return self.slots.fill(sanitize_html(raw))


_RENDERER: _MarkdownRenderer | None = None  # built on first use: mistune's import and setup cost


def render_markdown(text: str, attachments: Callable[[str], str | None] | None = None) -> str:
    """Markdown as safe HTML: tables, code highlighted, math as MathML, raw HTML sanitised."""
    global _RENDERER
    if _RENDERER is None:
        _RENDERER = _MarkdownRenderer()
    return _RENDERER.render(text, attachments)
