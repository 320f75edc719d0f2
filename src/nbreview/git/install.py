"""Wire nbreview into git, and take it out again: drivers, tools and attributes.

Everything goes through ``git config`` at one scope (local, global or system) plus one
marked line in an attributes file (``$(git rev-parse --git-common-dir)/info/attributes``
for local, shared by every linked worktree and untouched by ``git clean``;
``core.attributesFile`` or ``~/.config/git/attributes`` for global, ``/etc/gitattributes``
for system)::

    *.ipynb diff=nbreview merge=nbreview

- ``diff.nbreview.command``: ``git diff`` runs ``nbreview-git-diffdriver`` (``nbreview
  git-diffdriver`` as one word, so no shell) per notebook;
  plumbing (``git show``, ``git log -p``, ``git format-patch``, ``git diff --no-ext-diff``,
  ``git stash show -p``) never runs external drivers, so patches stay raw JSON and apply;
- ``diff.nbreview.textconv`` (only with ``install --textconv``): ``git log -p`` and
  ``git show`` line-diff a readable text form instead, cached (``cachetextconv``), at the
  price of patches that no longer apply;
- ``difftool.nbreview.cmd``: ``git difftool -t nbreview`` opens the review page;
- ``merge.nbreview.driver`` and ``mergetool.nbreview.cmd``, when those commands exist.

Filters (nbstripout, git-lfs) are left alone: the drivers see the blobs git gives them.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from nbreview.io.git import GitError, Repo, git_answer, run_git

SCOPES = ("local", "global", "system")
NAME = "nbreview"
MARKER = "# nbreview: notebook diff and merge drivers ('nbreview git uninstall' removes these lines)"
SECTIONS = ("diff", "difftool", "merge", "mergetool")
# Every key some version of ``install`` writes: ``uninstall`` removes these and nothing else,
# so a key the user added under ``[diff "nbreview"]`` survives.
OUR_KEYS = (
    "diff.nbreview.command",
    "diff.nbreview.textconv",
    "diff.nbreview.cachetextconv",
    "diff.nbreview.xfuncname",
    "difftool.nbreview.cmd",
    "merge.nbreview.name",
    "merge.nbreview.driver",
    "mergetool.nbreview.cmd",
    "mergetool.nbreview.trustExitCode",
)


class GitConfigError(GitError):
    """git config could not be read or written."""


@dataclass
class Plan:
    """What ``install`` writes at one scope, and what it leaves out and why."""

    config: dict[str, str]
    attributes: str
    notes: list[str] = field(default_factory=list)


def nbreview_command() -> str:
    """The absolute command that runs this nbreview, quoted for git's shell (works outside the venv)."""
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
    if os.path.basename(argv0) == "nbreview" and os.path.isfile(argv0):
        return shlex.quote(os.path.abspath(argv0))
    beside = Path(sys.executable).with_name("nbreview")
    if beside.is_file():
        return shlex.quote(str(beside.absolute()))
    found = shutil.which("nbreview")
    if found:
        return shlex.quote(os.path.abspath(found))
    return f"{shlex.quote(os.path.abspath(sys.executable))} -m nbreview"


def driver_command(exe: str) -> str:
    """git's diff driver command for ``exe`` (an nbreview command as :func:`nbreview_command` gives it).

    The ``nbreview-git-diffdriver`` script installed beside the ``nbreview`` script when there is
    one: a one-word command, which git runs without a shell, where ``EXE git-diffdriver`` costs
    every notebook a ``sh`` process (~0.8 ms, a third of plain ``git diff``). Else ``EXE git-diffdriver``.
    """
    words = shlex.split(exe)
    if len(words) == 1 and os.path.basename(words[0]) == "nbreview":
        script = os.path.join(os.path.dirname(words[0]), "nbreview-git-diffdriver")
        if os.path.isfile(script) and os.access(script, os.X_OK):
            return shlex.quote(script)
    return f"{exe} git-diffdriver"


def _available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def plan(exe: str | None = None, textconv: bool = False) -> Plan:
    """The configuration for this nbreview; ``textconv`` adds the (cached) text form for log -p/show."""
    exe = exe or nbreview_command()
    config = {"diff.nbreview.command": driver_command(exe)}
    if textconv:
        config["diff.nbreview.textconv"] = f"{exe} git-textconv"
        config["diff.nbreview.cachetextconv"] = "true"
        config["diff.nbreview.xfuncname"] = "^# %%.*$"
    config["difftool.nbreview.cmd"] = f'{exe} difftool "$LOCAL" "$REMOTE" --path "$MERGED"'
    notes: list[str] = []
    attrs = "*.ipynb diff=nbreview"
    if _available("nbreview.cli.merge_cmd"):
        config["merge.nbreview.name"] = "nbreview notebook merge"
        # %S %X %Y: git's conflict labels (git >= 2.44; older git passes them unexpanded, the driver copes).
        config["merge.nbreview.driver"] = (f"{exe} merge %O %A %B -o %A --path %P "
                                           "--base-label %S --local-label %X --remote-label %Y")
        attrs += " merge=nbreview"
    else:
        notes.append("merge driver: not installed ('nbreview merge' is not available); git's default merge stays")
    if _available("nbreview.cli.mergetool_cmd"):
        config["mergetool.nbreview.cmd"] = f'{exe} mergetool "$BASE" "$LOCAL" "$REMOTE" "$MERGED"'
        config["mergetool.nbreview.trustExitCode"] = "true"
    else:
        notes.append("mergetool: not installed ('nbreview mergetool' is not available)")
    return Plan(config, attrs, notes)


def _git(args: list[str], repo: Repo) -> str:
    """Run ``git config``/``rev-parse`` that must work: a failure names the command (``git config --local KEY``)."""
    proc = run_git(args, repo)
    if proc.returncode != 0:
        msg = (proc.stderr.decode(errors="replace").strip().splitlines() or [f"exit status {proc.returncode}"])[0]
        raise GitConfigError(f"git {' '.join(args[:3])}: {msg}")
    return proc.stdout.decode("utf-8", errors="surrogateescape")


def _ask(args: list[str], repo: Repo) -> str:
    """git's answer, "" when it has none (an unset key, no repository here); a missing git still raises."""
    return git_answer(args, repo) or ""


def _check_scope(scope: str, repo: Repo) -> None:
    if scope not in SCOPES:
        raise GitConfigError(f"unknown scope {scope!r}; choose local, global or system")
    if scope == "local" and git_answer(["rev-parse", "--git-dir"], repo) is None:
        raise GitConfigError(
            f"{os.path.abspath(repo)} is not a git repository; run inside one, or use --global"
        )


def attributes_path(scope: str, repo: Repo = ".") -> Path:
    """The attributes file ``install`` edits at ``scope``.

    Local: ``info/attributes`` in the common git directory, which every linked worktree
    reads and ``git clean -x`` never touches (a checkout's ``.gitattributes`` is neither).
    """
    if scope == "local":
        common = _git(["rev-parse", "--path-format=absolute", "--git-common-dir"], repo).strip()
        return Path(common) / "info" / "attributes"
    configured = _ask(["config", f"--{scope}", "--path", "--get", "core.attributesFile"], repo).strip()
    if configured:
        return Path(os.path.expanduser(configured))
    if scope == "global":
        return _xdg_git_dir() / "attributes"
    return Path("/etc/gitattributes")


def _xdg_git_dir() -> Path:
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(xdg) / "git"


def _checkout_attributes(repo: Repo) -> Path:
    top = _ask(["rev-parse", "--show-toplevel"], repo).strip()
    return Path(top or ".") / ".gitattributes"


def legacy_attributes_path(repo: Repo = ".") -> Path | None:
    """The checkout's ``.gitattributes``, where older installs put their line, if git does not track it.

    A tracked ``.gitattributes`` naming nbreview is the project's own choice and stays.
    """
    top = _ask(["rev-parse", "--show-toplevel"], repo).strip()
    if not top:
        return None
    path = Path(top) / ".gitattributes"
    if not path.exists():
        return None
    tracked = git_answer(["ls-files", "--error-unmatch", "--", ".gitattributes"], top) is not None
    return None if tracked else path


def _is_ours(line: str) -> bool:
    parts = line.split()
    return line.strip() == MARKER or (
        len(parts) >= 2 and parts[0] == "*.ipynb" and all(p in ("diff=nbreview", "merge=nbreview") for p in parts[1:])
    )


def _write_text(path: Path, text: str) -> None:
    from nbreview.io.write import write_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text.encode("utf-8"))


def _set_attributes(path: Path, line: str) -> bool:
    """Put our marked line last in ``path`` (later lines win); True if the file changed."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    kept = [x for x in old.splitlines() if not _is_ours(x)]
    while kept and not kept[-1].strip():
        kept.pop()
    new = "\n".join(kept + ([""] if kept else []) + [MARKER, line]) + "\n"
    if new == old:
        return False
    _write_text(path, new)
    return True


def _remove_attributes(path: Path) -> bool:
    if not path.exists():
        return False
    old = path.read_text(encoding="utf-8")
    kept = [x for x in old.splitlines() if not _is_ours(x)]
    while kept and not kept[-1].strip():
        kept.pop()
    if len(kept) == len(old.splitlines()):
        return False
    if not any(x.strip() for x in kept):
        path.unlink()  # the file held nothing but our lines
    else:
        _write_text(path, "\n".join(kept) + "\n")
    return True


def other_ipynb_attributes(path: Path) -> list[str]:
    """Lines of ``path`` that set diff or merge for notebooks and are not ours (nbdime's, say)."""
    if not path.exists():
        return []
    found = []
    for k, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        parts = line.split()
        if parts and "ipynb" in parts[0] and not _is_ours(line) and any(
            p.startswith(("diff", "merge", "-diff", "-merge", "binary")) for p in parts[1:]
        ):
            found.append(f"line {k}: {line.strip()}")
    return found


def install(
    scope: str = "local", repo: Repo = ".", exe: str | None = None, textconv: bool = False
) -> list[str]:
    """Configure the drivers at ``scope``; returns what it did, one line each. Running it twice changes nothing."""
    _check_scope(scope, repo)
    p = plan(exe, textconv)
    done: list[str] = []
    for key, value in p.config.items():
        if git_answer(["config", f"--{scope}", "--get-all", key], repo) == value:
            continue
        _git(["config", f"--{scope}", key, value], repo)
        done.append(f"set {key} = {value}")
    # Drivers this nbreview no longer provides (say, merge was installed by a build that had it).
    # Only keys some install wrote: a key the user added under [diff "nbreview"] stays.
    wanted = {k.lower() for k in p.config}
    ours = {k.lower() for k in OUR_KEYS}
    for key in _configured(scope, repo):
        if key.lower() in ours and key.lower() not in wanted:
            _ask(["config", f"--{scope}", "--unset-all", key], repo)
            done.append(f"unset {key}")
    path = attributes_path(scope, repo)
    others = other_ipynb_attributes(path)
    if _set_attributes(path, p.attributes):
        done.append(f"wrote '{p.attributes}' to {path}")
    if scope == "local":
        legacy = legacy_attributes_path(repo)
        if legacy is not None and _remove_attributes(legacy):
            done.append(f"removed the line an older install wrote to {legacy} (untracked; {path} replaces it)")
    if not done:
        done.append(f"already installed ({scope})")
    for line in others:
        done.append(f"note: {path} also has {line}; nbreview's line comes later, so it wins")
    if scope == "local":
        for line in other_ipynb_attributes(_checkout_attributes(repo)):
            done.append(f"note: .gitattributes also has {line}; {path} takes precedence over it")
    done += [f"note: {n}" for n in p.notes]
    return done


def _configured(scope: str, repo: Repo) -> dict[str, str]:
    found = _ask(["config", f"--{scope}", "--get-regexp", r"^(diff|difftool|merge|mergetool)\.nbreview\."], repo)
    result: dict[str, str] = {}
    for line in found.splitlines():
        key, _, value = line.partition(" ")
        result[key] = value
    return result


def uninstall(scope: str = "local", repo: Repo = ".") -> list[str]:
    """Remove what ``install`` added at ``scope``: its config keys and its attributes lines.

    Keys the user added under nbreview's sections stay (a section is removed only once
    empty), an attributes file or ``~/.config/git`` (and ``~/.config``) folder left empty is
    removed, and so is the ``--textconv`` cache of the repository it runs in.
    """
    _check_scope(scope, repo)
    done: list[str] = []
    present = _configured(scope, repo)
    ours = {k.lower() for k in OUR_KEYS}
    for key in present:
        if key.lower() in ours:
            _ask(["config", f"--{scope}", "--unset-all", key], repo)
            done.append(f"unset {key}")
    left = _configured(scope, repo)
    for section in SECTIONS:
        name = f"{section}.{NAME}"
        had = any(k.startswith(name + ".") for k in present)
        if had and not any(k.startswith(name + ".") for k in left):
            _ask(["config", f"--{scope}", "--remove-section", name], repo)
            done.append(f"removed [{section} \"{NAME}\"]")
    for key in left:
        done.append(f"kept {key} (not written by nbreview)")
    path = attributes_path(scope, repo)
    if _remove_attributes(path):
        done.append(f"removed nbreview's lines from {path}")
    if scope == "local":
        legacy = legacy_attributes_path(repo)
        if legacy is not None and _remove_attributes(legacy):
            done.append(f"removed nbreview's lines from {legacy}")
    elif path.parent == _xdg_git_dir():
        _remove_empty_config_dirs(path.parent)
    if _drop_textconv_cache(repo):
        done.append(f"deleted {TEXTCONV_NOTES} (the cached text form)")
    return done or [f"nothing to remove ({scope})"]


TEXTCONV_NOTES = "refs/notes/textconv/nbreview"


def _remove_empty_config_dirs(git_dir: Path) -> None:
    """Remove ``~/.config/git`` and then ``~/.config`` when empty: install created them for the attributes file.

    A folder named by ``XDG_CONFIG_HOME`` is the user's and stays.
    """
    folders = [git_dir] if os.environ.get("XDG_CONFIG_HOME") else [git_dir, git_dir.parent]
    for folder in folders:
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def _drop_textconv_cache(repo: Repo) -> bool:
    """Delete the ``--textconv`` cache (``cachetextconv`` notes) of the repository here, if any; True if deleted."""
    if git_answer(["rev-parse", "--verify", "--quiet", TEXTCONV_NOTES], repo) is None:
        return False
    return git_answer(["update-ref", "-d", TEXTCONV_NOTES], repo) is not None


def status(repo: Repo = ".") -> list[str]:
    """What is configured where, and which driver git will actually use for a notebook here."""
    lines: list[str] = []
    in_repo = git_answer(["rev-parse", "--git-dir"], repo) is not None
    for scope in SCOPES:
        if scope == "local" and not in_repo:
            lines.append("local: (not in a git repository)")
            continue
        config = _configured(scope, repo)
        path = attributes_path(scope, repo)
        ours = path.exists() and any(_is_ours(x) and not x.startswith("#") for x in path.read_text().splitlines())
        if not config and not ours:
            lines.append(f"{scope}: not installed")
            continue
        lines.append(f"{scope}:")
        for section in SECTIONS:
            keys = {k: v for k, v in config.items() if k.startswith(f"{section}.{NAME}.")}
            if keys:
                main = next((v for k, v in keys.items() if k.endswith((".command", ".cmd", ".driver"))), "")
                main = main or next(iter(keys.values()))
                lines.append(f"  {section:9} {main}" + _missing_note(main))
        lines.append(f"  attributes {path}" + (" (*.ipynb line present)" if ours else " (no nbreview line)"))
        for other in other_ipynb_attributes(path):
            lines.append(f"  also in {path.name}: {other}")
        if scope == "local":
            for other in other_ipynb_attributes(_checkout_attributes(repo)):
                lines.append(f"  also in .gitattributes: {other} (info/attributes takes precedence)")
    if in_repo:
        lines += _effective(repo)
    return lines


def _effective(repo: Repo) -> list[str]:
    """Each piece git needs for a notebook here (attribute, driver config, executable), and the verdict.

    An attribute naming a driver that the config does not define is silently ignored by
    git (raw JSON diffs, line merges): the case of a fresh clone with a committed
    ``.gitattributes``, or a submodule, which has its own config.
    """
    probe = _ask(["check-attr", "diff", "merge", "--", "probe.ipynb"], repo)
    rows = [x.split(": ") for x in probe.splitlines()]
    attr = {parts[1].strip(): parts[2].strip() for parts in rows if len(parts) == 3}
    diff_attr, merge_attr = attr.get("diff", "?"), attr.get("merge", "?")
    lines = [f"effective for *.ipynb here: diff={diff_attr} merge={merge_attr}"]
    problems: list[str] = []
    fix = "run 'nbreview git install' here (or 'nbreview git install --global')"
    pieces = (("diff", "diff.nbreview.command", diff_attr), ("merge", "merge.nbreview.driver", merge_attr))
    for kind, key, value in pieces:
        command = _ask(["config", "--get", key], repo).strip()
        if value != NAME:
            if kind == "diff":
                problems.append(f"*.ipynb has {kind}={value}, not {kind}={NAME}")
            lines.append(f"  {kind} attribute: {value} (not nbreview)")
            continue
        lines.append(f"  {kind} attribute: {NAME}")
        if not command:
            lines.append(f"  {kind} driver: missing ({key} is not set in any git config git reads here)")
            problems.append(f"*.ipynb has {kind}={NAME} but no {kind} driver '{NAME}' is configured")
            continue
        lines.append(f"  {kind} driver: {key} = {command}")
        if _missing_note(command):
            lines.append(f"  {kind} executable: not found ({_first_word(command)})")
            problems.append(f"the {kind} driver's executable {_first_word(command)} is missing")
        else:
            lines.append(f"  {kind} executable: found ({_first_word(command)})")
    textconv = _ask(["config", "--get", "diff.nbreview.textconv"], repo).strip()
    lines.append(
        "  textconv: on (git log -p / git show print the text form; patches from them do not apply)"
        if textconv
        else "  textconv: off (git log -p / git show print raw JSON; 'nbreview log' shows the notebook diff)"
    )
    external = _ask(["config", "--get", "diff.external"], repo).strip()
    if external:
        lines.append(f"note: diff.external = {external} overrides every diff driver")
    if problems:
        lines.append(f"nbreview: not active: {'; '.join(problems)}; fix: {fix}")
    else:
        lines.append("nbreview: active (git diff and git merge use nbreview for *.ipynb)")
    return lines


def _first_word(command: str) -> str:
    try:
        return shlex.split(command)[0]
    except (ValueError, IndexError):
        return command


def _missing_note(command: str) -> str:
    try:
        exe = shlex.split(command)[0]
    except ValueError:
        return ""
    return "" if os.path.isfile(exe) or shutil.which(exe) else "  (missing: re-run 'nbreview git install')"
