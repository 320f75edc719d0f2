"""The conflict markers git itself would write: its labels and ``merge.conflictStyle``, for the merge driver.

git names the sides of a conflict after what it is doing: ``HEAD`` and the branch in a merge,
``HEAD`` and ``<commit> (<subject>)`` in a rebase or cherry-pick, ``Updated upstream`` and
``Stashed changes`` in ``stash pop``; with ``merge.conflictStyle=diff3`` (or ``zdiff3``) it
also shows the base section under ``|||||||``. The merge driver gets those labels from git
2.44 on (``%S``, ``%X``, ``%Y``); with an older git, which passes the placeholders through
unexpanded, the labels of a merge and a rebase are rebuilt from what git leaves for its
drivers (the ``GITHEAD_<sha>`` variable, ``rebase-merge/done``).
"""

from __future__ import annotations

import os
from dataclasses import replace

from nbreview.io.git import GitError, git_answer
from nbreview.merge.labels import MarkerStyle, given_label


def _git(args: list[str], cwd: str) -> str | None:
    """git's answer, or None: a label git cannot give falls back to a default, never fails the merge."""
    try:
        answer = git_answer(args, cwd, timeout=10)
    except GitError:
        return None
    return answer.strip() if answer is not None else None


def _inferred(cwd: str) -> MarkerStyle | None:
    """git's labels for a merge or a rebase, from the state git leaves for drivers (git < 2.44)."""
    heads = [(k[len("GITHEAD_"):], v) for k, v in os.environ.items() if k.startswith("GITHEAD_") and v]
    if len(heads) == 1:  # 'git merge NAME' exports GITHEAD_<sha>=NAME for its merge drivers
        sha, name = heads[0]
        base = _git(["merge-base", "HEAD", sha], cwd)
        return MarkerStyle("HEAD", name, base[:7] if base else "merged common ancestors")
    done = _git(["rev-parse", "--git-path", "rebase-merge/done"], cwd)
    if done:
        path = done if os.path.isabs(done) else os.path.join(cwd, done)
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                last = fh.read().splitlines()[-1:]
        except OSError:
            last = []
        parts = last[0].split(None, 2) if last else []
        if len(parts) >= 2 and parts[0] in ("pick", "p", "reword", "r", "edit", "e", "squash", "s", "fixup", "f"):
            short = (_git(["rev-parse", "--short", parts[1]], cwd) or parts[1][:7])
            commit = f"{short} ({parts[2]})" if len(parts) == 3 else short
            return MarkerStyle("HEAD", commit, f"parent of {commit}")
    return None


def git_marker_style(base: str | None = None, local: str | None = None, remote: str | None = None,
                     cwd: str = ".") -> MarkerStyle:
    """The markers git itself would write here: its labels and ``merge.conflictStyle``.

    Called by the merge driver only once it knows there are conflicts to mark, so a clean
    merge pays for no git process.
    """
    conflict_style = (_git(["config", "--get", "merge.conflictStyle"], cwd) or "").lower()
    style = MarkerStyle(diff3=conflict_style in ("diff3", "zdiff3"))
    base_label, local_label, remote_label = given_label(base), given_label(local), given_label(remote)
    if local_label is None and remote_label is None:
        found = _inferred(cwd)
        if found is not None:
            return replace(found, diff3=style.diff3)
        return style
    return replace(style, local=local_label or style.local, remote=remote_label or style.remote,
                   base=base_label or style.base)


def driver_marker_style(base: str | None, local: str | None, remote: str | None, *, under_git: bool,
                        conflict_style: str | None = None) -> MarkerStyle:
    """The markers ``nbreview merge`` writes: git's when git runs it (``under_git``), else the labels given.

    ``conflict_style`` (``merge``, ``diff3`` or ``zdiff3``, from ``--conflict-style``) wins over git's.
    """
    if under_git:
        style = git_marker_style(base, local, remote)
    else:
        default = MarkerStyle()
        style = MarkerStyle(local=given_label(local) or default.local, remote=given_label(remote) or default.remote,
                            base=given_label(base) or default.base)
    if conflict_style:
        style = replace(style, diff3=conflict_style != "merge")
    return style
