"""Pause Python's cyclic garbage collector while a notebook is parsed or diffed.

Reading and diffing a notebook allocates millions of small dicts, lists and strings that all
stay alive until the diff is done. Each allocation burst triggers a collection that walks
every live container again, to find cycles this work does not create: on a 100,000-cell
notebook that walking costs about a third of the run. Reference counting still frees
everything as usual while paused; only the cycle search waits until the outermost pause ends.
"""

from __future__ import annotations

import _thread  # not threading: a git diff driver pauses the collector too, and imports what it uses
import gc

_lock = _thread.allocate_lock()
_depth = 0  # pauses open in this process (nested calls, or several threads diffing at once)
_was_enabled = False  # whether the collector ran before the first open pause


class _Pause:
    """The context manager :func:`gc_paused` returns (a class: contextlib costs the driver an import)."""

    def __enter__(self) -> None:
        global _depth, _was_enabled
        with _lock:
            if _depth == 0:
                _was_enabled = gc.isenabled()
                gc.disable()
            _depth += 1

    def __exit__(self, *exc: object) -> None:
        global _depth
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()


def gc_paused() -> _Pause:
    """Run the body with the cyclic collector off; it comes back on when the last pause ends.

    Nested and concurrent pauses share one count, so an inner or parallel pause never turns the
    collector back on under a running one, and a collector the caller had disabled stays off.
    """
    return _Pause()
