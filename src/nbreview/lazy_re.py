"""Regular expressions compiled on first use: a module's patterns cost nothing until one is used.

``re.compile`` runs a pattern parser in Python (~0.1-0.5 ms a pattern); the results review
alone holds ~50, most of them for outputs a given diff does not have, and a ``git diff``
driver imports them once per notebook. ``lazy_re.compile(...)`` stands in for
``re.compile(...)`` in those modules: ``.pattern`` is there at once, and the first call of
any method compiles the pattern and keeps the compiled methods (later calls cost what they
cost on the compiled pattern).
"""

from __future__ import annotations

import re

_METHODS = ("search", "match", "fullmatch", "sub", "subn", "split", "findall", "finditer", "scanner", "flags",
            "groups", "groupindex")


class LazyPattern:
    """A pattern that compiles itself the first time anything but ``pattern`` is asked of it."""

    def __init__(self, pattern: str, flags: int) -> None:
        self.pattern = pattern
        self._flags = flags

    def __getattr__(self, name: str) -> object:
        compiled = re.compile(self.pattern, self._flags)
        for method in _METHODS:
            self.__dict__[method] = getattr(compiled, method)
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy_re.compile({self.pattern!r})"


def compile(pattern: str, flags: int = 0) -> re.Pattern[str]:  # noqa: A001 - re.compile's stand-in
    """``re.compile(pattern, flags)``, compiled when first used."""
    return LazyPattern(pattern, flags)  # type: ignore[return-value]  # it answers as a compiled pattern
