"""git, read without a checkout: the one place nbreview runs git, and the notebooks that changed.

Every git process nbreview starts goes through :func:`run_git` (or :func:`start_git`, for one
that runs in the background), so a missing git is the same one-line :class:`GitError` everywhere.

``notebook_pairs(revs, paths)`` follows ``git diff``'s argument rules:

- ``[]``: the index against the working tree (what ``git diff`` shows);
- ``[REV]``: REV against the working tree;
- ``[REV1, REV2]`` or ``["REV1..REV2"]``: between two commits (``A...B`` diffs from their merge base);
- ``cached=True``: REV (default ``HEAD``) against the index, like ``git diff --cached``.

Only ``*.ipynb`` paths are listed; renames are detected by git (``-M``). Without ``--``,
:func:`split_revisions` tells revisions from paths the way git does, and :func:`names_two_files`
decides when two arguments are two notebook files rather than revisions.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from nbreview.errors import NbreviewError, NotebookError
from nbreview.io.load import LoadedNotebook, empty_notebook, load, parse_bytes
from nbreview.records import dataclass

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    import subprocess
    from typing import Literal

    PairStatus = Literal["added", "deleted", "modified", "renamed"]

WORKTREE = ""  # marks the working-tree side of a change
INDEX = ":"  # marks the index side
Repo = str | os.PathLike[str]  # the folder git runs in

_STATUS: dict[str, PairStatus] = {"A": "added", "C": "added", "D": "deleted", "R": "renamed"}


class GitError(NbreviewError):
    """git failed, or the arguments are not revisions git knows."""


@dataclass
class NotebookPair:
    """One changed notebook: both sides loaded, ``path`` the new path (old path when deleted)."""

    path: str
    old: LoadedNotebook
    new: LoadedNotebook
    status: str


@dataclass
class ChangedNotebook:
    """One changed ``*.ipynb`` before loading: where each side lives (a revision, the index or the work tree)."""

    path: str
    old_path: str
    status: PairStatus
    old_rev: str | None  # None: the notebook does not exist on that side
    new_rev: str | None
    toplevel: str

    def load_old(self) -> LoadedNotebook:
        return _load_side(self.old_rev, self.old_path, self.toplevel, "a/")

    def load_new(self) -> LoadedNotebook:
        return _load_side(self.new_rev, self.path, self.toplevel, "b/")

    def load(self) -> NotebookPair:
        return NotebookPair(self.path, self.load_old(), self.load_new(), self.status)


def _load_side(rev: str | None, path: str, top: str, prefix: str) -> LoadedNotebook:
    if rev is None:
        return LoadedNotebook(empty_notebook(), os.devnull, empty=True)
    if rev == WORKTREE:
        try:
            with open(os.path.join(top, path), "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            return LoadedNotebook(empty_notebook(), os.devnull, empty=True)
        except OSError as err:
            raise NotebookError(prefix + path, err.strerror or str(err)) from None
        return parse_bytes(data, prefix + path)
    loaded = read_git_blob(rev, path, top)
    loaded.label = f"{prefix}{path}" if rev == INDEX else f"{rev}:{path}"
    return loaded


def read_git_blob(rev: str, path: str, repo: Repo = ".") -> LoadedNotebook:
    """Read ``path`` as stored at ``rev`` (a commit, or ``:`` for the index) without a checkout.

    A path that does not exist at that revision is an empty notebook (added or deleted); one
    that exists but whose object git cannot read (a partial clone offline, a damaged
    repository) is a :class:`NotebookError` saying so, as git fails with ``unable to read``.
    """
    spec = f"{rev}:{path}" if rev != INDEX else f":{path}"
    proc = run_git(["cat-file", "blob", spec], repo)
    if proc.returncode != 0:
        sha = git_answer(["rev-parse", "--verify", "--quiet", spec], repo)
        if sha:
            raise NotebookError(spec, f"unable to read {sha} (git cannot read this object: missing or damaged; "
                                      "a partial clone needs its remote)")
        if rev == INDEX or git_answer(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], repo) is not None:
            return LoadedNotebook(empty_notebook(), spec, empty=True)
        raise NotebookError(spec, f"git cannot read it: {proc.stderr.decode(errors='replace').strip()}")
    return parse_bytes(proc.stdout, spec)


def run_git(
    args: Sequence[str], repo: Repo = ".", *, timeout: float | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git ARGS`` in ``repo`` and capture its output, whatever its exit status.

    The one place nbreview runs git: a missing git (or one that does not answer within
    ``timeout`` seconds) is a one-line :class:`GitError`.
    """
    import subprocess  # here: the diff driver imports this module and never runs git through it

    try:
        return subprocess.run(
            ["git", *args], cwd=repo, capture_output=True, check=False, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    except OSError as err:
        raise GitError(f"cannot run git: {err.strerror or err}") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {_subcommand(args)}: no answer within {timeout:g} s") from None


class BackgroundGit:
    """``git ARGS`` running in the background, its stdout read at the end (:func:`start_git`).

    Started with ``os.posix_spawnp`` and a pipe rather than :mod:`subprocess`, whose import
    (threads, selectors, signals) the git diff driver would pay on every notebook.
    """

    def __init__(self, pid: int, fd: int) -> None:
        self.pid = pid
        self.fd = fd
        self.returncode: int | None = None

    def communicate(self) -> tuple[str, None]:
        """Everything git printed (as text) once it has exited; ``returncode`` is set after."""
        chunks = []
        with os.fdopen(self.fd, "rb") as pipe:
            while chunk := pipe.read(65536):
                chunks.append(chunk)
        _, status = os.waitpid(self.pid, 0)
        self.returncode = os.waitstatus_to_exitcode(status)
        return b"".join(chunks).decode("utf-8", errors="replace"), None


def start_git(args: Sequence[str], repo: Repo = ".") -> BackgroundGit | None:
    """``git ARGS`` started in the background in ``repo``; None when git cannot be started."""
    read_end, write_end = os.pipe()
    actions = [
        (os.POSIX_SPAWN_DUP2, write_end, 1),
        (os.POSIX_SPAWN_CLOSE, read_end),
        (os.POSIX_SPAWN_CLOSE, write_end),
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
    ]
    argv = ["git", *(["-C", os.fspath(repo)] if os.fspath(repo) != "." else []), *args]
    try:
        pid = os.posix_spawnp("git", argv, os.environ, file_actions=actions)
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    os.close(write_end)
    return BackgroundGit(pid, read_end)


def _subcommand(args: Sequence[str]) -> str:
    """The git command ``args`` runs (``diff`` for ``-c key=value diff ...``), for error messages."""
    words = iter(args)
    for word in words:
        if word == "-c":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return " ".join(args[:1])


def git(args: Sequence[str], repo: Repo = ".") -> str:
    """Run git and return its stdout; a failure becomes a one-line :class:`GitError`."""
    proc = run_git(args, repo)
    if proc.returncode != 0:
        msg = proc.stderr.decode(errors="replace").strip().splitlines()
        raise GitError(f"git {_subcommand(args)}: {msg[0] if msg else f'exit status {proc.returncode}'}")
    return proc.stdout.decode("utf-8", errors="surrogateescape")


def git_answer(args: Sequence[str], repo: Repo = ".", *, timeout: float | None = None) -> str | None:
    """git's stdout without its final newlines when git succeeds, None when it says no.

    For questions whose "no" is an answer too (an unset config key, a path git does not
    track); a missing git is still a :class:`GitError`.
    """
    proc = run_git(args, repo, timeout=timeout)
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", errors="surrogateescape").rstrip("\n")


def toplevel(repo: Repo = ".") -> str:
    """The work tree's top folder; outside a repository, a :class:`GitError` naming the folder."""
    try:
        return git(["rev-parse", "--show-toplevel"], repo).strip()
    except GitError:
        raise GitError(f"{os.path.abspath(repo)} is not inside a git repository") from None


def is_revision(arg: str, repo: Repo = ".") -> bool:
    """True when git resolves ``arg`` to a commit (ranges ``A..B``/``A...B`` count when both ends do)."""
    for sep in ("...", ".."):
        if sep in arg:
            a, b = arg.split(sep, 1)
            return all(is_revision(x or "HEAD", repo) for x in (a, b))
    return git_answer(["rev-parse", "--verify", "--quiet", f"{arg}^{{commit}}"], repo) is not None


def _expand(revs: list[str], repo: Repo) -> list[str]:
    if len(revs) == 1:
        for sep in ("...", ".."):
            if sep in revs[0]:
                a, b = revs[0].split(sep, 1)
                a, b = a or "HEAD", b or "HEAD"
                if sep == "...":
                    a = git(["merge-base", a, b], repo).strip()
                return [a, b]
    return list(revs)


def changed_notebooks(
    revs: list[str], paths: list[str] | None = None, repo: Repo = ".", *, cached: bool = False
) -> list[ChangedNotebook]:
    """The ``*.ipynb`` files that differ, with where to read each side; nothing is loaded yet."""
    top = toplevel(repo)
    revs = _expand(revs, repo)
    if len(revs) > 2:
        raise GitError(f"too many revisions ({' '.join(revs)}): give at most two")
    if cached and len(revs) > 1:
        raise GitError("--cached compares one revision with the index; give at most one revision")
    for rev in revs:
        if not is_revision(rev, repo):
            raise GitError(f"unknown revision {rev!r} (not a commit git knows)")
    if cached:
        old_rev, new_rev = (revs[0] if revs else "HEAD"), INDEX
        cmd = ["diff", "--cached", old_rev]
    elif not revs:
        old_rev, new_rev = INDEX, WORKTREE
        cmd = ["diff"]
    elif len(revs) == 1:
        old_rev, new_rev = revs[0], WORKTREE
        cmd = ["diff", revs[0]]
    else:
        old_rev, new_rev = revs
        cmd = ["diff", revs[0], revs[1]]
    # Pathspecs are relative to ``repo`` (like git); the output is relative to the top level.
    spec = list(paths or [])
    out = git(
        ["-c", "core.quotePath=false", *cmd, "--no-ext-diff", "--no-textconv", "--name-status", "-M", "-z", "--"]
        + (spec or [":(top,glob)**/*.ipynb"]),
        repo,
    )
    return _parse_name_status(out, old_rev, new_rev, top)


def _parse_name_status(out: str, old_rev: str | None, new_rev: str | None, top: str) -> list[ChangedNotebook]:
    """``--name-status -z`` output as changes, ``*.ipynb`` only (shared by diff and log)."""
    fields = out.split("\0")
    result: list[ChangedNotebook] = []
    k = 0
    while k < len(fields) and fields[k]:
        code = fields[k]
        letter = code[0]
        if letter in "RC":
            old_path, new_path = fields[k + 1], fields[k + 2]
            k += 3
        else:
            old_path = new_path = fields[k + 1]
            k += 2
        if not (new_path.endswith(".ipynb") or old_path.endswith(".ipynb")):
            continue
        status: PairStatus = _STATUS.get(letter, "modified")
        if letter == "C":
            old_path = new_path
        result.append(
            ChangedNotebook(
                new_path if status != "deleted" else old_path,
                old_path,
                status,
                None if status == "added" else old_rev,
                None if status == "deleted" else new_rev,
                top,
            )
        )
    return result


def commit_notebooks(
    commit: str, parent: str | None, paths: list[str] | None = None, repo: Repo = "."
) -> list[ChangedNotebook]:
    """The notebooks ``commit`` changed against ``parent`` (None: a root commit, everything added).

    What ``git log -p`` shows for a commit, through ``git diff-tree`` (no external driver, no textconv).
    """
    top = toplevel(repo)
    spec = list(paths or []) or [":(top,glob)**/*.ipynb"]
    if parent is None:
        cmd = ["diff-tree", "-r", "--root", "--no-commit-id", commit]
    else:
        cmd = ["diff-tree", "-r", parent, commit]
    flags = ["--no-ext-diff", "--no-textconv", "--name-status", "-M", "-z"]
    out = git(["-c", "core.quotePath=false", *cmd, *flags, "--", *spec], repo)
    return _parse_name_status(out, parent, commit, top)


def notebook_pairs(
    revs: list[str], paths: list[str] | None = None, repo: str = ".", *, cached: bool = False
) -> list[NotebookPair]:
    """Every changed notebook between ``revs`` (git diff semantics), both sides loaded.

    A side that cannot be read as a notebook raises its :class:`~nbreview.errors.NotebookError`.
    """
    return [c.load() for c in changed_notebooks(revs, paths, repo, cached=cached)]


def names_two_files(arguments: Sequence[str], paths: Sequence[str] | None, cached: bool = False) -> bool:
    """Two arguments that name files (or /dev/null) and no ``--``: compare them directly, not through git."""
    if paths is not None or cached or len(arguments) != 2:
        return False
    if all(a == os.devnull or os.path.isfile(a) for a in arguments) or os.devnull in arguments:
        return True
    # ``REV path`` is git's form; anything else with two arguments is two files (and their errors).
    return not is_revision(arguments[0])


def split_revisions(arguments: Sequence[str], paths: Sequence[str] | None) -> tuple[list[str], list[str] | None]:
    """Revisions and paths, telling them apart the way git does when there is no ``--`` (``paths`` None)."""
    if paths is not None:
        return list(arguments), list(paths)
    revs: list[str] = []
    found: list[str] = []
    for arg in arguments:
        if not found and is_revision(arg):
            revs.append(arg)
        elif os.path.exists(arg):
            found.append(arg)
        else:
            raise GitError(f"{arg!r} is neither a git revision nor a file (use '--' to separate paths from revisions)")
    return revs, found or None


def pairs_for_arguments(
    arguments: Sequence[str], paths: Sequence[str] | None = None, *, cached: bool = False
) -> list[NotebookPair]:
    """The notebooks a command line names (``nbreview diff``'s and ``nbreview web``'s reading of it).

    Two files, or every changed notebook between the revisions, git diff's way (see the module).
    """
    if names_two_files(arguments, paths, cached):
        old_path, new_path = arguments
        old, new = load(old_path), load(new_path)
        status = "added" if old.empty else "deleted" if new.empty else "modified"
        return [NotebookPair(new_path if new_path != os.devnull else old_path, old, new, status)]
    revs, pathspecs = split_revisions(arguments, paths)
    return notebook_pairs(revs, pathspecs, cached=cached)


def display_path(path: str) -> str:
    """A path as printable text: bytes that are not UTF-8 (surrogate-escaped by Python) become ``\\xNN``.

    git hands paths over as raw bytes; printing the surrogates would fail (or, written raw,
    put arbitrary bytes on the terminal).
    """
    if path.isprintable():
        return path
    out = []
    for ch in path:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif not ch.isprintable():
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)

