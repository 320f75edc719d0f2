"""Changed words marked inside rendered markdown cells (issue 21): the page and the HTML report show
"hyper-plane" → "hyperplane" without switching to the source, and no notebook can forge a mark."""

from __future__ import annotations

import re
from pathlib import Path

import nbreview
from nbreview.cli.main import main
from nbreview.render.html import render_markdown, render_notebook, unpack_report
from nbreview.web.app import ServerLinks
from support.notebooks import md_cell, notebook, write_nb
from support.paths import corpus_pairs, needs_corpus

MARK = re.compile(r'<mark class="mdw">(.*?)</mark>', re.S)


def marked(source: str, word: str) -> list[str]:
    """The marked texts when ``word`` (its first occurrence) of ``source`` changed."""
    at = source.index(word)
    return MARK.findall(render_markdown(source, None, [(at, at + len(word))]))


def sides(old: str, new: str) -> tuple[str, str]:
    """The rendered old and new halves of a modified markdown cell on the page."""
    page = render_notebook(nbreview.diff(notebook([md_cell(old)]), notebook([md_cell(new)])), ServerLinks(0))
    found = re.search(r'<div class="md old">(.*?)</div><div class="md new">(.*?)</div></div>', page, re.S)
    assert found, page
    return found.group(1), found.group(2)


def test_a_changed_word_is_marked_on_both_sides() -> None:
    old, new = sides("The *hyper-plane* splits the classes.\n", "The *hyperplane* splits the classes.\n")
    assert MARK.findall(old) == ["hyper-plane"] and MARK.findall(new) == ["hyperplane"]
    assert "<em><mark" in new  # the emphasis survives the marks
    assert "splits the classes" in new


def test_an_added_line_is_marked_whole_and_unchanged_text_is_not() -> None:
    old, new = sides("# Intro\n\nSame text.\n", "# Intro\n\nSame text.\n\nA new paragraph here.\n")
    assert MARK.findall(old) == []
    assert MARK.findall(new) == ["A new paragraph here."]


def test_structure_only_changes_mark_the_line_text() -> None:
    assert marked("### Results", "###") == ["Results"]
    assert marked("1. first\n2. second", "2.") == ["second"]
    assert marked("a **bold** claim", "**bold**") == ["bold"]


def test_code_spans_math_and_links_stay_intact() -> None:
    out = render_markdown("Use `np.dot(a, b)` now", None, [(9, 12)])
    assert '<code><mark class="mdw">np.dot(a, b)</mark></code>' in out  # the whole span, never split
    source = "see [the docs](https://x.org/old) and $x^2 + y$"
    at = source.index("old")
    out = render_markdown(source, None, [(at, at + 3)])
    assert 'href="https://x.org/old"' in out and MARK.findall(out) == ["the docs"]
    at = source.index("y$")
    out = render_markdown(source, None, [(at, at + 1)])
    assert '<mark class="mdw"><math' in out and "<mi>y</mi>" in out and "nbrv" not in out
    source = "go to https://example.com/a/b now"
    at = source.index("a/b")
    out = render_markdown(source, None, [(at, at + 3)])
    assert 'href="https://example.com/a/b"' in out and MARK.findall(out) == ["https://example.com/a/b"]


def test_a_change_inside_a_code_or_math_block_marks_the_block() -> None:
    source = "Text\n\n```python\nx = 1\n```\n\n$$\na^2\n$$\n"
    at = source.index("1")
    out = render_markdown(source, None, [(at, at + 1)])
    assert '<pre class="hl md-code mdw">' in out and "nbrv" not in out and '<span class="mi">1</span>' in out
    at = source.index("a^2")
    out = render_markdown(source, None, [(at, at + 3)])
    assert '<div class="math mdw">' in out and "<msup>" in out and "nbrv" not in out


def test_hostile_markdown_cannot_forge_or_break_marks() -> None:
    hostile = (
        '<mark class="mdw">forged</mark> <ins class="mdw">x</ins> nbrv00000000s fake nbrv00000000e '
        '<a href="javascript:alert(1)" title="nbrv">y</a> <img src=x onerror=alert(1)> changed'
    )
    out = render_markdown(hostile, None, [(len(hostile) - 7, len(hostile))])
    assert MARK.findall(out) == ["changed"]
    assert "forged" in out and '<mark class="mdw">forged' not in out and 'class="mdw">x' not in out
    assert "javascript" not in out and "onerror" not in out
    assert "nbrv00000000s fake" in out  # a guessed sentinel is plain text
    # A change that covers a raw tag marks the text around it, and the tag stays sanitised.
    source = "before <b onclick=alert(1)>bold</b> after"
    out = render_markdown(source, None, [(0, len(source))])
    assert "onclick" not in out and "<b>" in out and MARK.findall(out) == ["before ", "bold", " after"]


def test_ranges_widened_onto_one_link_pair_up() -> None:
    source = "see [the old docs](https://x.org/a) now"
    docs, url = source.index("docs"), source.index("x.org")
    out = render_markdown(source, None, [(docs, docs + 4), (url, url + 5)])
    assert MARK.findall(out) == ["the old docs"] and "nbrv" not in out


def test_marks_always_nest() -> None:
    source = "a *b c* d"
    out = render_markdown(source, None, [(source.index("c"), len(source))])
    assert out.count("<mark") == out.count("</mark>") == 2
    assert '<em>b <mark class="mdw">c</mark></em><mark class="mdw"> d</mark>' in out


def test_the_report_marks_words_in_rendered_markdown(tmp_path: Path) -> None:
    old = write_nb(tmp_path / "old.ipynb", notebook([md_cell("A hyper-plane.")]))
    new = write_nb(tmp_path / "new.ipynb", notebook([md_cell("A hyperplane.")]))
    out = tmp_path / "report.html"
    assert main(["diff", "--html", str(out), str(old), str(new)]) == 0
    report = unpack_report(out.read_text())
    assert '<mark class="mdw">hyperplane</mark>' in report and ".md.new mark.mdw" in report


def test_a_change_inside_a_tag_marks_its_line_or_says_so() -> None:
    old, new = sides(
        '<a href="https://x.org/ml2">Open in Colab</a>\n', '<a href="https://x.org/ml3">Open in Colab</a>\n'
    )
    assert MARK.findall(new) == ["Open in Colab"] and 'href="https://x.org/ml3"' in new
    page = render_notebook(
        nbreview.diff(
            notebook([md_cell('<img src="a.png" width="400">')]), notebook([md_cell('<img src="a.png" width="500">')])
        ),
        ServerLinks(0),
    )
    assert "changed only in markup the rendered cell does not show" in page


@needs_corpus
def test_corpus_markdown_changes_are_marked_or_noted() -> None:
    """Every changed markdown cell of the corpus shows word marks, or says its change is in markup the
    rendered cell does not show; no sentinel ever reaches the page (the README's figures)."""
    marked = noted = 0
    for pair in corpus_pairs():
        d = nbreview.diff(pair / "old.ipynb", pair / "new.ipynb")
        if not any(
            c.cell_type == "markdown" and c.status == "modified" and c.source and c.source.changed for c in d.cells
        ):
            continue
        page = render_notebook(d, ServerLinks(0))
        assert not re.search(r"nbrv[0-9a-f]{8}[seb]", page), pair.name
        for cell in re.findall(r'<div class="rendered two">(.*?)<div class="srcview">', page, re.S):
            noted += "mdnote" in cell
            marked += "mdnote" not in cell and "mdw" in cell
            assert "mdnote" in cell or "mdw" in cell, pair.name
    assert marked > 4 * noted > 0
