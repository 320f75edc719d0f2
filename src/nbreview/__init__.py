"""nbreview: review Jupyter notebook changes.

Public API::

    import nbreview
    d = nbreview.diff("old.ipynb", "new.ipynb", ignore_outputs=False)
    d.to_dict()                       # the versioned JSON form
    nbreview.patch("old.ipynb", d.to_dict()) == nbreview.read_notebook("new.ipynb")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["diff", "patch", "read_notebook", "NotebookDiff", "DiffOptions", "NbreviewError", "__version__"]

if TYPE_CHECKING:
    from .apply import patch
    from .engine import diff
    from .errors import NbreviewError
    from .load import read_notebook
    from .model import NotebookDiff
    from .options import DiffOptions

_LAZY = {
    "diff": ("engine", "diff"),
    "patch": ("apply", "patch"),
    "read_notebook": ("load", "read_notebook"),
    "NotebookDiff": ("model", "NotebookDiff"),
    "DiffOptions": ("options", "DiffOptions"),
    "NbreviewError": ("errors", "NbreviewError"),
}


def __getattr__(name: str) -> Any:
    """Import the public API on first use, so ``nbreview`` itself starts instantly."""
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(f".{module}", __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'nbreview' has no attribute {name!r}")
