"""``nbreview diff``: notebook-aware diffs of two files, or of every notebook changed in git.

- ``nbreview diff OLD.ipynb NEW.ipynb`` (either may be ``/dev/null``): two files;
- ``nbreview diff``: the working tree against the index, like ``git diff``;
- ``nbreview diff REV [REV2]`` / ``A..B`` / ``--cached [REV]`` ``[-- PATHS]``: through git, no checkout.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from nbreview.cli.common import (
    add_diff_options,
    add_display_arguments,
    add_revision_arguments,
    diff_options,
    stdout_write,
)
from nbreview.cli.output import emit, make_style, use_color
from nbreview.io.write import dumps_indented, terminal_json

if TYPE_CHECKING:
    import argparse

    from nbreview.engine.model import NotebookDiff
    from nbreview.git.changes import ChangeDiff
    from nbreview.io.git import NotebookPair


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = "nbreview diff [options] [OLD NEW | REV [REV2] | A..B] [-- PATHS...]"
    add_revision_arguments(parser)
    parser.add_argument("--cached", "--staged", action="store_true", help="REV (default HEAD) against the index")
    parser.add_argument("--stat", action="store_true", help="one line per notebook: cells added, removed, modified")
    parser.add_argument(
        "--json", action="store_true", help="print the diff as JSON (the format 'nbreview patch' reads)"
    )
    add_display_arguments(parser)
    parser.add_argument("--exit-code", action="store_true", help="exit 1 when the notebooks differ")
    parser.add_argument("--html", metavar="OUT.html", help="write the review page as one self-contained HTML file")
    parser.add_argument(
        "--results", action="store_true", help="show only the Results section: changed numbers, tables and signals"
    )
    parser.add_argument("--no-pager", action="store_true", help="never page the output (default: page on a terminal)")
    add_diff_options(parser)


def write_html_report(args: argparse.Namespace) -> int:
    """``nbreview diff ... --html OUT.html``: one self-contained page; exit 1 with ``--exit-code`` on changes."""
    from nbreview.render.html import write_report
    from nbreview.results.pipeline import diff

    pairs = pairs_from_args(args)
    options = diff_options(args)
    diffs = [diff(p.old, p.new, options=options) for p in pairs]
    write_report(diffs, args.html, names=[p.path for p in pairs], notes=[p.status for p in pairs])
    return 1 if getattr(args, "exit_code", False) and any(d.has_changes for d in diffs) else 0


def pairs_from_args(args: argparse.Namespace) -> list[NotebookPair]:
    """The notebooks the arguments name: two files, or the changed notebooks between revisions."""
    from nbreview.io.git import pairs_for_arguments

    return pairs_for_arguments(args.args, args.paths, cached=getattr(args, "cached", False))


def run(args: argparse.Namespace) -> int:
    from nbreview.io.git import names_two_files

    if args.html:
        return write_html_report(args)
    if names_two_files(args.args, args.paths, args.cached):
        return _run_files(args)
    return _run_git(args)


def _run_files(args: argparse.Namespace) -> int:
    from nbreview.results.pipeline import diff

    d = diff(args.args[0], args.args[1], options=diff_options(args))
    if args.json:
        from nbreview.render.protocol import draw
        from nbreview.view import build

        stdout_write(terminal_json(draw("json", build(d))) + "\n")
        return 1 if args.exit_code and d.has_changes else 0
    color = use_color(args.color)
    st = make_style(args, color)
    if args.stat:
        from nbreview.render.terminal import StatRow, render_stat

        rows = [StatRow(_pair_label(args.args[0], args.args[1]), d.summary(), _file_note(d))] if d.has_changes else []
        emit([render_stat(rows, st)], args)
    else:
        from nbreview.render.protocol import draw_lines
        from nbreview.view import build

        emit(draw_lines("terminal", build(d, st.show_unchanged, st.show_transient), st), args)
    return 1 if args.exit_code and d.has_changes else 0


def _pair_label(old: str, new: str) -> str:
    if old == os.devnull:
        return new
    return old if new == os.devnull else new


def _file_note(d: NotebookDiff) -> str:
    return "new" if d.old.empty and not d.new.empty else ("deleted" if d.new.empty and not d.old.empty else "")


def _run_git(args: argparse.Namespace) -> int:
    from nbreview.git.changes import change_lines, diff_changes, stat_row
    from nbreview.io.git import changed_notebooks, split_revisions

    revs, paths = split_revisions(args.args, args.paths)
    changes = changed_notebooks(revs, paths, cached=args.cached)
    results: list[ChangeDiff] = []

    def diffs() -> Iterator[ChangeDiff]:
        for item in diff_changes(changes, diff_options(args)):
            results.append(item)
            yield item

    if args.json:
        from nbreview.render.json import diff_set_document

        doc = diff_set_document(diffs())
        stdout_write(terminal_json(dumps_indented(doc)) + "\n")
    else:
        st = make_style(args, use_color(args.color))
        if args.stat:
            from nbreview.render.terminal import render_stat

            rows = [stat_row(item) for item in diffs() if item.diff is None or item.diff.has_changes]
            emit([render_stat(rows, st)] if rows else [], args)
        else:
            emit(_separated(change_lines(item, st) for item in diffs()), args)
    if report_unreadable(results):
        return 2
    return 1 if args.exit_code and any(item.diff is not None and item.diff.has_changes for item in results) else 0


def report_unreadable(results: Iterable[ChangeDiff]) -> bool:
    """One ``nbreview: error:`` line on stderr per notebook that could not be diffed; True if any."""
    import sys

    from nbreview.render.terminal import terminal_safe

    failed = [item for item in results if item.diff is None]
    for item in failed:
        sys.stderr.write(f"nbreview: error: {terminal_safe(item.error)}\n")
    return bool(failed)


def _separated(blocks: Iterable[Iterable[str]]) -> Iterator[str]:
    """The blocks' lines with an empty line between two blocks."""
    for k, block in enumerate(blocks):
        if k:
            yield ""
        yield from block
