"""Three-way notebook merge on the engine's cell alignment.

::

    from nbreview.merge import merge
    out = merge("base.ipynb", "local.ipynb", "remote.ipynb")
    out.notebook          # the merged notebook (conflicts marked in it)
    out.unresolved        # the conflicts left, also listed in metadata["nbreview"]["conflicts"]

``merge_structured`` gives the :class:`MergeResult` behind it, which renders again with a
choice per conflict (what the mergetool page does).
"""

from __future__ import annotations

from typing import Any

from ..compare.values import notebook_metadata_transient
from ..load import NotebookSource, load
from ..options import DiffOptions
from .cells import CellMerger
from .model import CHOICES, OUTPUT_MODES, Choice, Conflict, MergedCell, MergeResult, Rendered
from .values import merge_values

__all__ = ["merge", "merge_structured", "validate", "MergeResult", "Rendered", "Conflict", "MergedCell", "Choice",
           "CHOICES", "OUTPUT_MODES", "STRATEGIES"]

STRATEGIES = ("local", "remote", "base")


def merge_structured(
    base: NotebookSource, local: NotebookSource, remote: NotebookSource, *, outputs: str = "auto",
    options: DiffOptions | None = None,
) -> MergeResult:
    """Align base→local and base→remote, merge cells, order and metadata; decide nothing yet."""
    if outputs not in OUTPUT_MODES:
        raise ValueError(f"outputs must be one of {', '.join(OUTPUT_MODES)}")
    b, lo, re = load(base, "base"), load(local, "local"), load(remote, "remote")
    merger = CellMerger(b.nb["cells"], lo.nb["cells"], re.nb["cells"], options)
    slots = merger.merge()
    meta, meta_conflicts = merge_values(b.nb.get("metadata", {}), lo.nb.get("metadata", {}),
                                        re.nb.get("metadata", {}), notebook_metadata_transient)
    for vc in meta_conflicts:
        merger.conflict("value", None, vc)
    rest = [{k: v for k, v in nb.nb.items() if k not in ("cells", "metadata")} for nb in (b, lo, re)]
    fields, _ = merge_values(rest[0], rest[1], rest[2], lambda path: True)
    fields["nbformat"] = 4
    fields["nbformat_minor"] = max(int(r.get("nbformat_minor", 0) or 0) for r in rest if not _empty(r))
    return MergeResult(slots, merger.conflicts, meta if isinstance(meta, dict) else {}, fields,
                       b.nb, lo.nb, re.nb, outputs, (b.label, lo.label, re.label))


def _empty(fields: dict[str, Any]) -> bool:
    return "nbformat_minor" not in fields


def merge(
    base: NotebookSource, local: NotebookSource, remote: NotebookSource, *, strategy: str | None = None,
    outputs: str = "auto", options: DiffOptions | None = None,
) -> Rendered:
    """The merged notebook; with ``strategy`` every conflict takes that side (local, remote or base)."""
    if strategy is not None and strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}")
    return merge_structured(base, local, remote, outputs=outputs, options=options).render(strategy=strategy)


def validate(nb: dict[str, Any], what: str = "merged notebook") -> None:
    """Raise :class:`NbreviewError` unless nbformat accepts ``nb`` as a version 4 notebook."""
    import copy
    import warnings

    import nbformat

    from ..errors import NbreviewError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            nbformat.validate(copy.deepcopy(nb), version=4)  # it fills in missing cell ids in place
        except nbformat.ValidationError as err:
            path = "/".join(str(p) for p in getattr(err, "absolute_path", []))
            raise NbreviewError(f"{what} would not be a valid notebook ({path or 'top'}: {err.message})") from None
