"""``nbreview diff``: notebook-aware diffs of two files, or of every notebook changed in git.

- ``nbreview diff OLD.ipynb NEW.ipynb`` (either may be ``/dev/null``): two files;
- ``nbreview diff``: the working tree against the index, like ``git diff``;
- ``nbreview diff REV [REV2]`` / ``A..B`` / ``--cached [REV]`` ``[-- PATHS]``: through git, no checkout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

from nbreview.cli.common import add_diff_options, add_display_arguments, diff_options, stdout_write
from nbreview.io.write import terminal_json

if TYPE_CHECKING:
    import argparse

    from nbreview.engine.model import NotebookDiff
    from nbreview.io.git import ChangedNotebook, NotebookPair
    from nbreview.render.terminal import StatRow, TerminalStyle


def add_revision_arguments(parser: argparse.ArgumentParser) -> None:
    """``ARGS... [-- PATHS...]``: argparse drops ``--``, so split on it before parsing (sets ``args.paths``)."""
    parser.add_argument("args", nargs="*", metavar="OLD NEW | REV", help="two notebooks, or up to two git revisions")
    original = parser.parse_args

    def parse(args: Any = None, namespace: Any = None) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        paths: list[str] | None = None
        if "--" in argv:
            cut = argv.index("--")
            argv, paths = argv[:cut], argv[cut + 1 :]
        ns = original(argv, namespace)
        ns.paths = paths
        return ns

    setattr(parser, "parse_args", parse)  # noqa: B010 - an instance override, keeps main.py generic


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


def use_color(choice: str, stream: IO[str] | None = None) -> bool:
    """``always``/``never``, or for ``auto``: a terminal that is not dumb, and ``NO_COLOR`` unset."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    return stream.isatty() and os.environ.get("TERM") != "dumb"


def terminal_width() -> int:
    """``COLUMNS``, else the terminal's width, else 100; kept within 40..200.

    What ``shutil.get_terminal_size`` does, without importing shutil (and its compression
    modules) into every diff driver process.
    """
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ else 0
        except (AttributeError, ValueError, OSError):
            columns = 0
    return max(40, min(columns or 100, 200))


def make_style(args: argparse.Namespace, color: bool) -> TerminalStyle:
    from nbreview.render.terminal import TerminalStyle, theme_from_env

    return TerminalStyle(
        color=color,
        width=terminal_width(),
        context=max(0, args.unified),
        show_unchanged=args.show_all,
        show_transient=args.show_all,
        theme=theme_from_env(),
        results_only=getattr(args, "results", False),
    )


def file_mode(args: argparse.Namespace) -> bool:
    """Two arguments that name files (or /dev/null) and no ``--``: compare them directly."""
    if args.paths is not None or args.cached or len(args.args) != 2:
        return False
    if all(a == os.devnull or os.path.isfile(a) for a in args.args) or os.devnull in args.args:
        return True
    from nbreview.io.git import is_revision

    # ``REV path`` is git's form; anything else with two arguments is two files (and their errors).
    return not is_revision(args.args[0])


def pairs_from_args(args: argparse.Namespace) -> list[NotebookPair]:
    """The notebooks the arguments name: two files, or the changed notebooks between revisions."""
    from nbreview.io.git import NotebookPair, notebook_pairs
    from nbreview.io.load import load

    if file_mode(args):
        old_path, new_path = args.args
        old, new = load(old_path), load(new_path)
        status = "added" if old.empty else "deleted" if new.empty else "modified"
        path = new_path if new_path != os.devnull else old_path
        return [NotebookPair(path, old, new, status)]
    revs, paths = _split_revs(args)
    return notebook_pairs(revs, paths, cached=getattr(args, "cached", False))


def write_html_report(args: argparse.Namespace) -> int:
    """``nbreview diff ... --html OUT.html``: one self-contained page; exit 1 with ``--exit-code`` on changes."""
    from nbreview.engine.pipeline import diff
    from nbreview.render.html import write_report

    pairs = pairs_from_args(args)
    options = diff_options(args)
    diffs = [diff(p.old, p.new, options=options) for p in pairs]
    write_report(diffs, args.html, names=[p.path for p in pairs], notes=[p.status for p in pairs])
    return 1 if getattr(args, "exit_code", False) and any(d.has_changes for d in diffs) else 0


def run(args: argparse.Namespace) -> int:
    if args.html:
        return write_html_report(args)
    if file_mode(args):
        return _run_files(args)
    return _run_git(args)


def _run_files(args: argparse.Namespace) -> int:
    from nbreview.engine.pipeline import diff

    d = diff(args.args[0], args.args[1], options=diff_options(args))
    if args.json:
        from nbreview.view import json_document

        stdout_write(terminal_json(json.dumps(json_document(d), ensure_ascii=False, indent=1)) + "\n")
        return 1 if args.exit_code and d.has_changes else 0
    color = use_color(args.color)
    st = make_style(args, color)
    if args.stat:
        from nbreview.render.terminal import StatRow, render_stat

        rows = [StatRow(_pair_label(args.args[0], args.args[1]), d.summary(), _file_note(d))] if d.has_changes else []
        emit([render_stat(rows, st)], args)
    else:
        from nbreview.render.terminal import iter_render

        emit(iter_render(d, st), args)
    return 1 if args.exit_code and d.has_changes else 0


def _pair_label(old: str, new: str) -> str:
    if old == os.devnull:
        return new
    return old if new == os.devnull else new


def _file_note(d: NotebookDiff) -> str:
    return "new" if d.old.empty and not d.new.empty else ("deleted" if d.new.empty and not d.old.empty else "")


def _split_revs(args: argparse.Namespace) -> tuple[list[str], list[str] | None]:
    """Revisions and paths, telling them apart the way git does when there is no ``--``."""
    from nbreview.io.git import GitError, is_revision

    if args.paths is not None:
        return list(args.args), list(args.paths)
    revs: list[str] = []
    paths: list[str] = []
    for a in args.args:
        if not paths and is_revision(a):
            revs.append(a)
        elif os.path.exists(a):
            paths.append(a)
        else:
            raise GitError(f"{a!r} is neither a git revision nor a file (use '--' to separate paths from revisions)")
    return revs, paths or None


def _run_git(args: argparse.Namespace) -> int:
    from nbreview.io.git import changed_notebooks

    revs, paths = _split_revs(args)
    changes = changed_notebooks(revs, paths, cached=args.cached)
    options = diff_options(args)
    results: list[tuple[ChangedNotebook, NotebookDiff | None, str]] = []

    def diffs() -> Iterator[tuple[ChangedNotebook, NotebookDiff | None, str]]:
        from nbreview.engine.pipeline import diff
        from nbreview.errors import NbreviewError

        for ch in changes:
            try:
                d = diff(ch.load_old(), ch.load_new(), options=options)
            except NbreviewError as err:
                results.append((ch, None, str(err)))
                yield results[-1]
                continue
            results.append((ch, d, ""))
            yield results[-1]

    if args.json:
        from nbreview.view import json_document

        items = []
        for ch, d, err in diffs():
            item: dict[str, Any] = {"path": ch.path, "old_path": ch.old_path, "status": ch.status}
            item.update({"error": err} if d is None else {"diff": json_document(d)})
            items.append(item)
        doc = {"format": "nbreview-diff-set", "version": 1, "notebooks": items}
        stdout_write(terminal_json(json.dumps(doc, ensure_ascii=False, indent=1)) + "\n")
    else:
        color = use_color(args.color)
        st = make_style(args, color)
        if args.stat:
            from nbreview.render.terminal import render_stat

            rows = [_stat_row(ch, d, err) for ch, d, err in diffs() if d is None or d.has_changes]
            emit([render_stat(rows, st)] if rows else [], args)
        else:
            emit(_git_lines(diffs(), st), args)
    failed = any(d is None for _, d, _ in results)
    if failed:
        return 2
    return 1 if args.exit_code and any(d is not None and d.has_changes for _, d, _ in results) else 0


def _note(ch: ChangedNotebook) -> str:
    if ch.status == "renamed":
        return f"renamed from {ch.old_path}"
    return {"added": "new", "deleted": "deleted"}.get(ch.status, "")


def _stat_row(ch: ChangedNotebook, d: NotebookDiff | None, err: str) -> StatRow:
    from nbreview.engine.model import Summary
    from nbreview.render.terminal import StatRow

    if d is None:
        return StatRow(ch.path, Summary(), f"error: {err}")
    return StatRow(ch.path, d.summary(), _note(ch))


def _git_lines(diffs: Iterable[tuple[ChangedNotebook, NotebookDiff | None, str]], st: TerminalStyle) -> Iterator[str]:
    from nbreview.io.git import display_path
    from nbreview.render.terminal import YELLOW, clean, iter_render

    first = True
    for ch, d, err in diffs:
        if not first:
            yield ""
        first = False
        old = "/dev/null" if ch.status == "added" else f"a/{ch.old_path}"
        new = "/dev/null" if ch.status == "deleted" else f"b/{ch.path}"
        note = _note(ch)
        title = display_path(f"nbreview {old} → {new}" + (f" ({note})" if note else ""))
        if d is None:
            yield st.paint("\x1b[1m", clean(title))
            yield st.paint(YELLOW, f"! cannot diff: {clean(display_path(err))}")
            continue
        yield from iter_render(d, st, title)


def pager_command() -> str | None:
    """``NBREVIEW_PAGER``, then ``PAGER``, else ``less``; empty or ``cat`` means no pager."""
    cmd = os.environ.get("NBREVIEW_PAGER", os.environ.get("PAGER", "less"))
    if not cmd.strip() or cmd.strip() == "cat":
        return None
    return cmd


def emit(lines: Iterable[str], args: argparse.Namespace) -> None:
    """Write lines to stdout, through a pager (``less -FRX``) when stdout is a terminal.

    Every line passes the terminal guard, whichever renderer made it."""
    from nbreview.render.terminal import terminal_safe

    lines = (terminal_safe(line) for line in lines)
    pager = None if (getattr(args, "no_pager", False) or not sys.stdout.isatty()) else pager_command()
    if pager is None:
        for line in lines:
            sys.stdout.write(line if line.endswith("\n") else line + "\n")
        sys.stdout.flush()
        return
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")
    proc = subprocess.Popen(pager, shell=True, stdin=subprocess.PIPE, env=env)
    assert proc.stdin is not None
    try:
        for line in lines:
            proc.stdin.write((line if line.endswith("\n") else line + "\n").encode("utf-8", errors="replace"))
        proc.stdin.close()
    except BrokenPipeError:
        pass
    proc.wait()
