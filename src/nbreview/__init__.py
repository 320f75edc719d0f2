"""nbreview: review Jupyter notebook changes.

Public API::

    import nbreview
    d = nbreview.diff("old.ipynb", "new.ipynb", ignore_outputs=False)
    d.to_dict()                       # the versioned JSON form
    nbreview.patch("old.ipynb", d.to_dict()) == nbreview.read_notebook("new.ipynb")
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: the git diff driver's helper client starts without importing typing

__version__ = "0.1.0"

__all__ = ["diff", "patch", "read_notebook", "NotebookDiff", "DiffOptions", "NbreviewError", "__version__"]

if TYPE_CHECKING:
    from typing import Any

    from nbreview.engine.model import NotebookDiff
    from nbreview.engine.options import DiffOptions
    from nbreview.engine.patch import patch
    from nbreview.errors import NbreviewError
    from nbreview.io.load import read_notebook
    from nbreview.results.pipeline import diff

_LAZY = {
    "diff": ("results.pipeline", "diff"),
    "patch": ("engine.patch", "patch"),
    "read_notebook": ("io.load", "read_notebook"),
    "NotebookDiff": ("engine.model", "NotebookDiff"),
    "DiffOptions": ("engine.options", "DiffOptions"),
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
