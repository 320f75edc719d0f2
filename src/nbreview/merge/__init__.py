"""Three-way notebook merge on the engine's cell alignment.

::

    from nbreview.merge import merge
    out = merge("base.ipynb", "local.ipynb", "remote.ipynb")
    out.notebook          # the merged notebook (conflicts marked in it)
    out.unresolved        # the conflicts left, also listed in metadata["nbreview"]["conflicts"]

``merge_structured`` gives the :class:`MergeResult` behind it, which :func:`resolve_merge` turns
into a notebook again with a choice per conflict (what the mergetool page does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nbreview.engine.options import DiffOptions
from nbreview.engine.values import notebook_metadata_transient
from nbreview.io.gcpause import gc_paused
from nbreview.io.load import load
from nbreview.merge.cells import CellMerger
from nbreview.merge.model import (
    CHOICES,
    OUTPUT_MODES,
    STRATEGIES,
    Choice,
    Conflict,
    MergedCell,
    MergedNotebook,
    MergeResult,
)
from nbreview.merge.resolve import resolve_merge
from nbreview.merge.values import merge_values

if TYPE_CHECKING:
    from nbreview.io.load import NotebookSource

__all__ = ["merge", "merge_structured", "resolve_merge", "validate", "MergeResult", "MergedNotebook", "Conflict",
           "MergedCell", "Choice", "CHOICES", "OUTPUT_MODES", "STRATEGIES"]

def merge_structured(
    base: NotebookSource, local: NotebookSource, remote: NotebookSource, *, outputs: str = "auto",
    options: DiffOptions | None = None,
) -> MergeResult:
    """Align base→local and base→remote, merge cells, order and metadata; decide nothing yet."""
    if outputs not in OUTPUT_MODES:
        raise ValueError(f"outputs must be one of {', '.join(OUTPUT_MODES)}")
    sides = (load(base, "base"), load(local, "local"), load(remote, "remote"))
    base_side, local_side, remote_side = sides
    merger = CellMerger(base_side.nb["cells"], local_side.nb["cells"], remote_side.nb["cells"], options)
    with gc_paused():  # two alignments' worth of long-lived objects, no cycles: see io/gcpause.py
        slots = merger.merge()  # (the library entry point; ``nbreview merge`` pauses around all of it)
    metas = [side.nb.get("metadata", {}) for side in sides]
    meta, meta_conflicts = merge_values(metas[0], metas[1], metas[2], notebook_metadata_transient)
    for value_conflict in meta_conflicts:
        merger.conflict("value", None, value_conflict)
    rest = [{k: v for k, v in side.nb.items() if k not in ("cells", "metadata")} for side in sides]
    fields, _ = merge_values(rest[0], rest[1], rest[2], lambda path: True)
    fields["nbformat"] = 4
    # The newest minor version of the sides that exist (an added file's empty base has none).
    minors = [_minor(r) for side, r in zip(sides, rest, strict=True) if not side.empty] or [_minor(r) for r in rest]
    fields["nbformat_minor"] = max(minors)
    return MergeResult(slots, merger.conflicts, meta if isinstance(meta, dict) else {}, fields,
                       base_side.nb, local_side.nb, remote_side.nb, outputs,
                       (base_side.label, local_side.label, remote_side.label))


def _minor(fields: dict[str, Any]) -> int:
    value = fields.get("nbformat_minor", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def merge(
    base: NotebookSource, local: NotebookSource, remote: NotebookSource, *, strategy: str | None = None,
    outputs: str = "auto", options: DiffOptions | None = None,
) -> MergedNotebook:
    """The merged notebook; with ``strategy`` every conflict takes that side (local, remote or base)."""
    if strategy is not None and strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}")
    return resolve_merge(merge_structured(base, local, remote, outputs=outputs, options=options), strategy=strategy)


def validate(nb: dict[str, Any], what: str = "merged notebook") -> None:
    """Raise :class:`NbreviewError` unless ``nb`` passes nbformat's schema for its version.

    Checks against nbformat's own JSON schema with fastjsonschema (nbformat's fast backend),
    without importing nbformat itself: in some environments its import pulls in jsonschema
    format checkers that take seconds, which a git merge driver would pay per file.
    """
    from nbreview.errors import NbreviewError

    minor = nb.get("nbformat_minor")
    ids = [c.get("id") for c in nb.get("cells", []) if isinstance(c, dict) and "id" in c]
    if len(ids) != len(set(map(str, ids))):
        raise NbreviewError(f"{what} would not be a valid notebook (duplicate cell ids)")
    check = _schema_validator(minor if isinstance(minor, int) else 5)
    if check is None:  # pragma: no cover - fastjsonschema is a dependency of nbformat
        _validate_with_nbformat(nb, what)
        return
    import fastjsonschema

    if isinstance(minor, int) and minor >= 5 and len(ids) < len(nb.get("cells", [])):
        # nbformat accepts 4.5 cells without ids (it warns and fills them in); so do we.
        nb = dict(nb, cells=[dict(c, id=f"missing-{k}") if isinstance(c, dict) and "id" not in c else c
                             for k, c in enumerate(nb.get("cells", []))])
    try:
        check(nb)
    except fastjsonschema.JsonSchemaValueException as err:
        raise NbreviewError(f"{what} would not be a valid notebook ({err.message})") from None
    except fastjsonschema.JsonSchemaException as err:  # pragma: no cover - a schema problem
        raise NbreviewError(f"{what} would not be a valid notebook ({err})") from None


_VALIDATORS: dict[int, Any] = {}


def _schema_validator(minor: int) -> Any:
    """nbformat's schema for 4.<minor>, compiled once per process (None if unavailable)."""
    if minor in _VALIDATORS:
        return _VALIDATORS[minor]
    import importlib.util
    import json
    from pathlib import Path

    try:
        import fastjsonschema
    except ImportError:  # pragma: no cover
        return None
    spec = importlib.util.find_spec("nbformat")
    if spec is None or spec.origin is None:  # pragma: no cover
        return None
    folder = Path(spec.origin).parent / "v4"
    schema = folder / f"nbformat.v4.{max(0, min(minor, 5))}.schema.json"
    if not schema.exists():  # pragma: no cover
        schema = folder / "nbformat.v4.schema.json"
    _VALIDATORS[minor] = fastjsonschema.compile(json.loads(schema.read_text(encoding="utf-8")))
    return _VALIDATORS[minor]


def _validate_with_nbformat(nb: dict[str, Any], what: str) -> None:  # pragma: no cover - fallback
    import copy
    import warnings

    import nbformat

    from nbreview.errors import NbreviewError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            nbformat.validate(copy.deepcopy(nb), version=4)  # it fills in missing cell ids in place
        except nbformat.ValidationError as err:
            raise NbreviewError(f"{what} would not be a valid notebook ({err.message})") from None
