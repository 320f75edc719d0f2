"""Untrusted HTML made inert: nh3 for HTML outputs and markdown, and a MathML cleaner.

Notebook content is untrusted. Everything a page shows is escaped or passes through
:func:`sanitize_html`; the MathML that latex2mathml builds is rebuilt from an allow-list of
elements and attributes before it is slotted into a page.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser

from nbreview.render.escape import esc

_MATHML_TAGS = frozenset(
    "math maction annotation semantics menclose merror mfenced mfrac mi mmultiscripts mn mo mover mpadded "
    "mphantom mprescripts mroot mrow ms mspace msqrt mstyle msub msubsup msup mtable mtd mtext mtr munder "
    "munderover none".split()
)
_MATHML_ATTRS = frozenset(
    "display mathvariant displaystyle scriptlevel stretchy fence separator accent accentunder lspace rspace "
    "columnalign rowalign columnspacing rowspacing linethickness open close separators notation width height "
    "depth minsize maxsize movablelimits largeop symmetric form xmlns".split()
)


class _MathMLCleaner(HTMLParser):
    """Rebuilds MathML keeping only MathML elements and presentational attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _MATHML_TAGS:
            kept = "".join(
                f' {name}="{esc(value)}"'
                for name, value in attrs
                if name in _MATHML_ATTRS and value is not None and re.fullmatch(r"[\w.#%:/ -]*", value)
            )
            self.out.append(f"<{tag}{kept}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _MATHML_TAGS:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(esc(data))


@lru_cache(maxsize=2048)
def latex_to_mathml(tex: str, display: bool) -> str:
    """LaTeX math as MathML (Chromium renders it natively: no script, no network)."""
    try:
        from latex2mathml.converter import convert

        raw = convert(tex.strip(), display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - a formula the converter cannot read is shown as its source
        cls = "math-src block" if display else "math-src"
        return f'<code class="{cls}">{esc(tex)}</code>'
    cleaner = _MathMLCleaner()
    cleaner.feed(raw)
    cleaner.close()
    return "".join(cleaner.out)


_SAFE_TAGS: set[str] | None = None  # nh3's defaults less image maps; set on first use (nh3 loads lazily)


def sanitize_html(text: str) -> str:
    """Untrusted HTML made inert: no script, no event handlers, no styles, no remote images."""
    import nh3

    global _SAFE_TAGS
    if _SAFE_TAGS is None:
        _SAFE_TAGS = set(nh3.ALLOWED_TAGS) - {"map", "area"}
    attrs = {
        "a": {"href", "title"},
        "img": {"src", "alt", "title", "width", "height"},
        "td": {"colspan", "rowspan", "align"},
        "th": {"colspan", "rowspan", "align", "scope"},
        "ol": {"start"},
        "*": {"title", "lang"},
    }
    cleaned: str = nh3.clean(
        text,
        tags=_SAFE_TAGS,
        attributes=attrs,
        url_schemes={"http", "https", "mailto", "data"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_filter_url,
    )
    return cleaned


def _filter_url(tag: str, attr: str, value: str) -> str | None:
    """Images only from inline data (the page never fetches anything); ``data:`` never as a link."""
    url = value.strip().lower()
    if tag == "img" and attr == "src":
        return value if url.startswith("data:image/") else None
    if attr == "href" and url.startswith("data:"):
        return None
    return value
