"""What a diff compares: the ignore options every renderer shares."""

from __future__ import annotations

from nbreview.errors import NbreviewError
from nbreview.records import asdict, dataclass, fields

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from typing import Any

IGNORE_NAMES = {
    "outputs": "ignore_outputs",
    "metadata": "ignore_metadata",
    "execution-count": "ignore_execution_count",
    "execution_count": "ignore_execution_count",
    "ids": "ignore_ids",
    "whitespace": "ignore_whitespace",
}


@dataclass(frozen=True)
class DiffOptions:
    """Aspects of a notebook left out of the comparison.

    With any of these set the diff no longer round-trips through ``patch``:
    ignored differences are not recorded.
    """

    ignore_outputs: bool = False
    ignore_metadata: bool = False
    ignore_execution_count: bool = False
    ignore_ids: bool = False
    ignore_whitespace: bool = False
    sources_only: bool = False

    def __post_init__(self) -> None:
        if self.sources_only:
            for name in ("ignore_outputs", "ignore_metadata", "ignore_execution_count", "ignore_ids"):
                object.__setattr__(self, name, True)

    @property
    def lossless(self) -> bool:
        """True when every difference is recorded, so the diff can be patched back."""
        return not any(getattr(self, f.name) for f in fields(self))

    def to_dict(self) -> dict[str, bool]:
        return {k: v for k, v in asdict(self).items() if v}

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> DiffOptions:
        known = {f.name for f in fields(cls)}
        unknown = set(kwargs) - known
        if unknown:
            raise TypeError(f"unknown diff option(s): {', '.join(sorted(unknown))}")
        return cls(**{k: bool(v) for k, v in kwargs.items()})

    @classmethod
    def from_ignore_list(cls, spec: str, **extra: bool) -> DiffOptions:
        """Parse ``outputs,metadata,execution-count,ids,whitespace`` (CLI form)."""
        chosen = dict(extra)
        for part in filter(None, (p.strip() for p in spec.split(","))):
            if part not in IGNORE_NAMES:
                raise NbreviewError(
                    f"unknown --ignore value {part!r}; choose from outputs, metadata, execution-count, ids, whitespace"
                )
            chosen[IGNORE_NAMES[part]] = True
        return cls(**chosen)
