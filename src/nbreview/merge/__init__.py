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

from nbreview.engine.options import DiffOptions
from nbreview.engine.values import notebook_metadata_transient
from nbreview.io.load import NotebookSource, load
from nbreview.merge.cells import CellMerger
from nbreview.merge.model import CHOICES, OUTPUT_MODES, STRATEGIES, Choice, Conflict, MergedCell, MergeResult
from nbreview.merge.resolve import Rendered
from nbreview.merge.values import merge_values

__all__ = ["merge", "merge_structured", "validate", "MergeResult", "Rendered", "Conflict", "MergedCell", "Choice",
           "CHOICES", "OUTPUT_MODES", "STRATEGIES"]

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
    # The newest minor version of the sides that exist (an added file's empty base has none).
    minors = [_minor(r) for nb, r in zip((b, lo, re), rest, strict=True) if not nb.empty] or [_minor(r) for r in rest]
    fields["nbformat_minor"] = max(minors)
    return MergeResult(slots, merger.conflicts, meta if isinstance(meta, dict) else {}, fields,
                       b.nb, lo.nb, re.nb, outputs, (b.label, lo.label, re.label))


def _minor(fields: dict[str, Any]) -> int:
    value = fields.get("nbformat_minor", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def merge(
    base: NotebookSource, local: NotebookSource, remote: NotebookSource, *, strategy: str | None = None,
    outputs: str = "auto", options: DiffOptions | None = None,
) -> Rendered:
    """The merged notebook; with ``strategy`` every conflict takes that side (local, remote or base)."""
    if strategy is not None and strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}")
    return merge_structured(base, local, remote, outputs=outputs, options=options).render(strategy=strategy)


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
