"""One warm driver process for a whole ``git diff``: later drivers hand it their files instead of starting over.

git starts the external diff driver once per changed file, and each start pays Python and
nbreview's imports (~90 ms) for a diff that, warm, takes a few milliseconds. When git says
there is more than one file (``GIT_DIFF_PATH_TOTAL``), the first driver diffs its file as
usual and then forks a helper that keeps everything it imported, listening on a private
socket named after that git process. Each later driver sends it its arguments, environment
and working folder and prints what comes back; it imports nothing but :mod:`socket`.

No state survives the git command: the helper exits as soon as the git process that started
it does (or after a minute without a request) and removes its socket. A driver that cannot
reach the helper (none started, a refused connection, anything odd in the answer) does the
work itself. ``NBREVIEW_DRIVER_HELPER=0`` turns the helper off. Linux only (it finds git
through ``/proc``); elsewhere every driver works alone, as before.
"""

from __future__ import annotations

import os
import sys

from nbreview.codecache import own_folder  # loaded already in a driver: it installs the cache first

TYPE_CHECKING = False  # not typing's: the git diff driver's helper client starts without importing typing

if TYPE_CHECKING:
    import _socket
    import socket
    from collections.abc import Callable

IDLE_SECONDS = 60.0
_REPLY_OK = b"nbreview-helper ok\n"


def _stat_fields(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as fh:
        return fh.read().rsplit(")", 1)[1].split()  # after the command name, which may hold spaces


def git_process() -> tuple[int, str] | None:
    """The git process running this driver (directly, or through the shell git used) and its start time."""
    pid = os.getppid()
    for _ in range(3):
        try:
            with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as fh:
                name = fh.read().strip()
            fields = _stat_fields(pid)
        except (OSError, IndexError):
            return None
        if name == "git":
            return pid, fields[19]  # field 22 of stat: the start time, so a reused pid is another socket
        pid = int(fields[1])
    return None


def _wanted(files: int) -> tuple[int, str] | None:
    """The git process to share a helper with, when this diff shows at least ``files`` files."""
    if os.environ.get("NBREVIEW_DRIVER_HELPER", "1") == "0" or not sys.platform.startswith("linux"):
        return None
    try:
        if int(os.environ.get("GIT_DIFF_PATH_TOTAL", "0")) < files:
            return None
    except ValueError:
        return None
    return git_process()


def socket_path(git: tuple[int, str]) -> str | None:
    """``$XDG_RUNTIME_DIR`` (else ``$TMPDIR`` or ``/tmp``) ``/nbreview-UID/diff-PID-START.sock``.

    None unless that folder is ours alone (mode 0700, our uid, no symlink).
    """
    base = os.environ.get("XDG_RUNTIME_DIR") or os.environ.get("TMPDIR") or "/tmp"  # noqa: S108 - checked below
    folder = os.path.join(base, f"nbreview-{os.getuid()}")
    try:
        os.mkdir(folder, 0o700)  # not its parents: a runtime folder that is missing is not ours to make
    except FileExistsError:
        pass
    except OSError:
        return None
    if not own_folder(folder, create=False, others=0o077):
        return None
    return os.path.join(folder, f"diff-{git[0]}-{git[1]}.sock")


def ask_helper(argv: list[str], width: int) -> bytes | None:
    """The helper's output for these driver arguments, or None (then the driver works alone)."""
    git = _wanted(1)  # any file of the git command that started a helper (git log -p: later commits too)
    path = socket_path(git) if git is not None else None
    if path is None or not os.path.exists(path):
        return None
    import _socket  # not socket: its enums and selectors would cost every driver more than the rest

    conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        conn.settimeout(60)
        conn.connect(path)
        conn.sendall(encode_request(argv, width, sys.stdout.isatty()))
        conn.shutdown(_socket.SHUT_WR)
        reply = _read_all(conn)
    except (OSError, ValueError):
        return None
    finally:
        conn.close()
    return reply[len(_REPLY_OK):] if reply.startswith(_REPLY_OK) else None


def encode_request(argv: list[str], width: int, tty: bool) -> bytes:
    """A driver's request as NUL-separated fields (none of them can hold a NUL): the folder, the width,
    whether stdout is a terminal, the argument count, the arguments, then the environment as ``K=V``.

    Not JSON: the json module would import :mod:`re` into every driver.
    """
    fields = [os.getcwd(), str(width), "1" if tty else "0", str(len(argv)), *argv]
    fields += [f"{key}={value}" for key, value in os.environ.items()]
    return b"\0".join(os.fsencode(f) for f in fields)


def decode_request(data: bytes) -> dict[str, object]:
    """What :func:`encode_request` sent, as the request ``answer`` takes."""
    fields = [os.fsdecode(f) for f in data.split(b"\0")]
    count = int(fields[3])
    env = dict(item.split("=", 1) for item in fields[4 + count:] if "=" in item)
    return {"cwd": fields[0], "width": int(fields[1]), "tty": fields[2] == "1", "argv": fields[4:4 + count],
            "env": env}


def _read_all(conn: socket.socket | _socket.socket) -> bytes:
    chunks = []
    while chunk := conn.recv(1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


def start_helper(answer: Callable[[dict[str, object]], bytes]) -> None:
    """After a driver of a multi-file ``git diff`` that found no helper has printed its file: fork one.

    ``answer`` turns one request into the bytes to print (it runs in the forked helper, where
    everything the first diff imported is already loaded).
    """
    git = _wanted(2)
    if git is None or not hasattr(os, "pidfd_open"):
        return
    path = socket_path(git)
    if path is None:
        return
    import socket

    try:
        watch = os.pidfd_open(git[0])
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if os.path.exists(path):
            os.unlink(path)
        listener.bind(path)
        listener.listen(4)
    except OSError:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    if os.fork() != 0:  # the driver: its helper is listening already, so the next driver finds it
        listener.close()
        os.close(watch)
        return
    code = 0
    try:
        _detach()
        import gc

        gc.enable()  # off in the driver (one diff, then exit); the helper serves many
        _serve(listener, watch, answer)
    except BaseException:  # noqa: BLE001 - the helper ends quietly; drivers then work alone
        code = 1
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
        os._exit(code)


def _detach() -> None:
    """git reads the driver's stdout to its end: the helper must hold none of the driver's streams."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    os.setsid()


def _serve(listener: socket.socket, watch: int, answer: Callable[[dict[str, object]], bytes]) -> None:
    import select

    while True:
        ready, _, _ = select.select([listener.fileno(), watch], [], [], IDLE_SECONDS)
        if not ready or watch in ready:
            return  # git has exited (or nobody asked for a minute)
        try:
            conn, _ = listener.accept()
        except OSError:
            continue
        with conn:
            try:
                conn.settimeout(60)
                conn.sendall(_REPLY_OK + answer(decode_request(_read_all(conn))))
            except (OSError, ValueError, IndexError):
                continue  # that driver went away or sent nonsense; it falls back to working alone
