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
    from nbreview.diff.engine import diff
    from nbreview.diff.model import NotebookDiff
    from nbreview.diff.options import DiffOptions
    from nbreview.diff.patch import patch
    from nbreview.errors import NbreviewError
    from nbreview.io.load import read_notebook

_LAZY = {
    "diff": ("diff.engine", "diff"),
    "patch": ("diff.patch", "patch"),
    "read_notebook": ("io.load", "read_notebook"),
    "NotebookDiff": ("diff.model", "NotebookDiff"),
    "DiffOptions": ("diff.options", "DiffOptions"),
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
