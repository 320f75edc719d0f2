"""``nbreview git install|uninstall|status``: wire nbreview into git with ``git config``."""

from __future__ import annotations

import argparse

from nbreview.cli.common import stdout_write


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("install", "uninstall", "status"), help="what to do")
    scope = parser.add_mutually_exclusive_group()
    for name, where in (
        ("local", "this repository and its worktrees: .git/config and .git/info/attributes (default)"),
        ("global", "your user: ~/.gitconfig and the global attributes file"),
        ("system", "every user: /etc/gitconfig and /etc/gitattributes"),
    ):
        scope.add_argument(f"--{name}", dest="scope", action="store_const", const=name, help=where)
    parser.set_defaults(scope="local")
    parser.add_argument(
        "--textconv",
        action="store_true",
        help="install: also a cached text form for 'git log -p'/'git show' (readable, but their patches "
        "no longer apply); without it plumbing stays raw JSON and 'nbreview log' shows readable history",
    )


def run(args: argparse.Namespace) -> int:
    from nbreview.git.install import install, status, uninstall

    if args.action == "install":
        lines = install(args.scope, textconv=args.textconv)
        history = (
            "git log -p / git show a readable text diff (cached; their patches do not apply)"
            if args.textconv
            else "git log -p / git show stay raw JSON, so patches apply ('nbreview log' for readable history)"
        )
        lines.append(
            f"git diff now shows nbreview's notebook diff; {history}; git difftool -t nbreview opens the review"
        )
    elif args.action == "uninstall":
        lines = uninstall(args.scope)
    else:
        lines = status()
    from nbreview.render.terminal import terminal_line

    stdout_write("".join(terminal_line(line) + "\n" for line in lines))
    return 0
