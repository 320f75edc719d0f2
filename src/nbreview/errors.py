"""Errors a user can hit, each naming the file and, where there is one, the fix."""

from __future__ import annotations


class NbreviewError(Exception):
    """Base of every error nbreview reports as one line on stderr."""


class NotebookError(NbreviewError):
    """A file could not be read as a notebook."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        self.detail = message
        super().__init__(f"{source}: {message}")


class InvalidJSONError(NotebookError):
    """The file is not valid JSON; carries the line and column of the fault."""

    def __init__(self, source: str, message: str, line: int, column: int) -> None:
        self.line = line
        self.column = column
        super().__init__(source, f"invalid JSON at line {line}, column {column}: {message}")


class TruncatedNotebookError(InvalidJSONError):
    """The JSON ends early: the file was cut off while being written or copied."""


class NotANotebookError(NotebookError):
    """Valid JSON that is not a Jupyter notebook."""


class UnsupportedFormatError(NotebookError):
    """A notebook format version nbreview cannot read."""


class LfsPointerError(NotebookError):
    """The file is a git-lfs pointer, not the notebook itself."""


class PatchError(NbreviewError):
    """A diff does not apply to the notebook it was given."""
