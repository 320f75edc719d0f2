"""``nbreview merge BASE LOCAL REMOTE -o OUT``: three-way notebook merge, also git's merge driver.

Exit status: 0 merged cleanly, 1 conflicts left (marked in OUT), 2 error (nothing written).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nbreview.merge import Conflict
    from nbreview.merge.labels import MarkerStyle


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from nbreview.merge.model import OUTPUT_MODES, STRATEGIES  # one definition; the command loads merge anyway

    parser.add_argument("base", help="the common ancestor (git's %%O; an empty file or /dev/null for none)")
    parser.add_argument("local", help="our version (git's %%A)")
    parser.add_argument("remote", help="their version (git's %%B)")
    parser.add_argument("-o", "--output", help="where to write the merged notebook (default: stdout)")
    parser.add_argument("--path", metavar="NAME", help="the notebook's name in messages (git's %%P)")
    parser.add_argument("--strategy", choices=STRATEGIES,
                        help="take this side for every conflict instead of marking it")
    parser.add_argument("--outputs", choices=OUTPUT_MODES, default="auto",
                        help="outputs and execution counts: auto (the side whose source wins), local, remote, "
                             "clear (drop where the sides differ) or union (both sides' outputs)")
    parser.add_argument("--conflict-style", choices=("merge", "diff3", "zdiff3"),
                        help="diff3/zdiff3 also show the base lines under ||||||| (default: git's "
                             "merge.conflictStyle when run by git, else merge)")
    for side, placeholder in (("base", "%%S"), ("local", "%%X"), ("remote", "%%Y")):
        parser.add_argument(f"--{side}-label", metavar="LABEL",
                            help=f"the name of the {side} side in conflict markers (git's {placeholder})")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing on stderr")


def run(args: argparse.Namespace) -> int:
    from nbreview.io.gcpause import gc_paused

    with gc_paused():  # three notebooks, two alignments and the merged copy: no cycles (io/gcpause.py)
        return _merge(args)


def _merge(args: argparse.Namespace) -> int:
    from nbreview.errors import InvalidJSONError, NbreviewError, NotebookError
    from nbreview.io.write import terminal_json, write_atomic
    from nbreview.merge import merge_structured, resolve_merge, validate

    name = args.path or args.output or args.local
    try:
        structured = merge_structured(args.base, args.local, args.remote, outputs=args.outputs)
    except NotebookError as err:
        # git hands the driver temporary files; name the notebook and which side is broken.
        side = {args.base: "base", args.local: "local (ours)", args.remote: "remote (theirs)"}.get(err.source, "")
        if not args.path:
            raise  # by hand: bad input is one line and exit 2, nothing written
        if isinstance(err, InvalidJSONError):  # as git's merge driver: never leave a side's changes out
            return _line_merge(args, f"{name}, {side or err.source} version: {err.detail}")
        raise NbreviewError(f"{args.path}, {side or err.source} version: {err.detail}") from None
    result = resolve_merge(structured, strategy=args.strategy)
    if result.unresolved:
        structured.style = _marker_style(args)
        result = resolve_merge(structured, strategy=args.strategy)
    validate(result.notebook, f"{name}: the merged notebook")
    text = _merged_text(args.local, result.notebook, structured.local_nb)
    data = text.encode("utf-8")
    if args.output and args.output != "-":
        try:
            write_atomic(args.output, data)
        except OSError as err:
            raise NbreviewError(f"{args.output}: cannot write the merged notebook: {err.strerror or err}") from None
    else:
        sys.stdout.buffer.write(terminal_json(text).encode("utf-8"))
        sys.stdout.flush()
    if not args.quiet:
        from nbreview.render.terminal import terminal_line

        name = terminal_line(name)
        _report(name, result.unresolved)
        n = len(structured.conflicts)
        if args.strategy and n:
            sys.stderr.write(f"nbreview: {name}: {n} conflict{'s' if n != 1 else ''} resolved with --strategy "
                             f"{args.strategy}\n")
    return 1 if result.unresolved else 0


def _line_merge(args: argparse.Namespace, why: str) -> int:
    """git's own line merge (``git merge-file``) when a side is not valid JSON: markers where it
    conflicts, and never one side's changes silently left out. Exit 0 clean, 1 conflicts."""
    from nbreview.errors import NbreviewError
    from nbreview.io.git import run_git
    from nbreview.io.write import write_atomic
    from nbreview.render.terminal import terminal_safe

    style = _marker_style(args)
    labels = ["-L", style.local, "-L", style.base, "-L", style.remote]
    files = [os.path.abspath(f) for f in (args.local, args.base, args.remote)]
    proc = run_git(["merge-file", "-p", *(["--diff3"] if style.diff3 else []), *labels, *files])
    if proc.returncode < 0 or proc.returncode > 127:
        detail = proc.stderr.decode(errors="replace").strip().splitlines()
        raise NbreviewError(f"{why}; git merge-file failed too: {detail[0] if detail else proc.returncode}")
    if args.output and args.output != "-":
        write_atomic(args.output, proc.stdout)
    else:
        sys.stdout.buffer.write(proc.stdout)
        sys.stdout.flush()
    outcome = f"{proc.returncode} conflict{'s' if proc.returncode != 1 else ''} marked" if proc.returncode else "clean"
    if not args.quiet:
        sys.stderr.write(f"nbreview: {terminal_safe(why)}; merged as text with git merge-file ({outcome})\n")
    return 1 if proc.returncode else 0


def _merged_text(local: str, nb: dict[str, Any], local_nb: dict[str, Any]) -> str:
    """The merged notebook written in the local file's format (nbformat version, indent, key order, line style)."""
    from nbreview.io.style import dumps_like
    from nbreview.io.write import dumps_notebook

    try:
        with open(local, "rb") as fh:
            local_text = fh.read().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return dumps_notebook(nb)
    return dumps_like(nb, local_text, local_nb) if local_text.strip() else dumps_notebook(nb)


def _marker_style(args: argparse.Namespace) -> MarkerStyle:
    """Labels and conflict style: given on the command line, else git's own when git runs the driver (``--path``)."""
    from nbreview.git.markers import driver_marker_style

    return driver_marker_style(args.base_label, args.local_label, args.remote_label, under_git=bool(args.path),
                               conflict_style=args.conflict_style)


def _report(name: str, conflicts: Sequence[Conflict]) -> None:
    if not conflicts:
        return
    kinds: dict[str, int] = {}
    for c in conflicts:
        kinds[c.kind] = kinds.get(c.kind, 0) + 1
    words = {"source": "in cell sources", "delete": "deleted vs edited cells", "value": "in metadata",
             "move": "cells moved to different places"}
    detail = ", ".join(f"{n} {words[k]}" for k, n in kinds.items())
    sys.stderr.write(f"nbreview: {name}: {len(conflicts)} conflict{'s' if len(conflicts) != 1 else ''} ({detail}); "
                     "resolve the <<<<<<< markers, or run 'git mergetool -t nbreview'\n")
