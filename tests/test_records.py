"""nbreview.records' ``dataclass`` behaves as the standard one for every feature nbreview's classes use."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, ClassVar

import pytest

from nbreview import records


def make(decorate: Any, field: Any, **options: Any) -> Any:
    """The same class under either decorator (one qualname, so reprs compare)."""

    @decorate(**options)
    class Point:
        """A point."""

        x: int
        y: float = 0.5
        tags: list[str] = field(default_factory=list)
        note: str | None = field(default=None, repr=False, compare=False)
        kind: ClassVar[str] = "point"

        def norm(self) -> float:
            return abs(self.x) + abs(self.y)

    return Point


BOTH = [(dataclasses.dataclass, dataclasses.field), (records.dataclass, records.field)]
OPTIONS = [{}, {"frozen": True}, {"slots": True}, {"frozen": True, "slots": True}]


def behaviour(cls: Any) -> dict[str, Any]:
    """What a user of the class can observe."""
    a, b = cls(1), cls(1, 2.0, ["t"], note="n")
    out: dict[str, Any] = {
        "repr": [repr(a), repr(b)],
        "values": [(o.x, o.y, o.tags, o.note) for o in (a, b)],
        "fresh_factory": a.tags is not cls(1).tags,
        "eq": [a == cls(1), a == cls(1, note="other"), a == b, a.__eq__(object())],
        "hashable": cls.__hash__ is not None,
        "hash_eq": cls.__hash__ is not None and hash(cls(1, 0.5, ())) == hash(cls(1, 0.5, (), note="x")),
        "slots": hasattr(cls, "__slots__"),
        "has_dict": hasattr(a, "__dict__"),
        "match_args": cls.__match_args__,
        "kind": cls.kind,
        "method": a.norm(),
        "std_fields": [(f.name, f.repr, f.compare) for f in dataclasses.fields(cls)],
        "std_asdict": dataclasses.asdict(b),
        "std_replace": repr(dataclasses.replace(b, x=5)),
        "is_dataclass": dataclasses.is_dataclass(a),
        "deepcopy": (copy.deepcopy(b) == b, copy.copy(b).tags is b.tags),
    }
    for call, args, kwargs in [("missing", (), {}), ("extra", (1, 2, [], None, 5), {}), ("unknown", (1,), {"z": 1}),
                               ("twice", (1,), {"x": 2})]:
        with pytest.raises(TypeError):
            cls(*args, **kwargs)
        out[call] = "TypeError"
    try:
        a.x = 9
        out["assign"] = a.x
    except AttributeError as err:
        out["assign"] = type(err).__mro__[1:]  # FrozenInstanceError: an AttributeError either way
    return out


@pytest.mark.parametrize("warm", [False, True], ids=["generic-init", "compiled-init"])
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "plain")
def test_same_behaviour_as_the_standard_dataclass(options: dict[str, bool], warm: bool) -> None:
    std, ours = (make(d, f, **options) for d, f in BOTH)
    if warm:  # past the objects built field by field: the compiled __init__ runs
        for _ in range(records.COMPILE_AFTER + 1):
            ours(0)
        assert ours.__init__.__code__.co_argcount == 5  # self, x, y, tags, note
    else:
        assert ours.__init__.__code__.co_argcount == 1  # self, then *args/**kwargs
    assert behaviour(ours) == behaviour(std)
    assert [f.name for f in records.fields(ours)] == ["x", "y", "tags", "note"]
    b = ours(1, 2.0, ["t"])
    assert records.asdict(b) == dataclasses.asdict(b)
    assert records.replace(b, y=3.0) == ours(1, 3.0, ["t"])


def test_post_init_inheritance_and_declaration_errors() -> None:
    @records.dataclass(frozen=True)
    class Options:
        strict: bool = False
        everything: bool = False

        def __post_init__(self) -> None:
            if self.everything:
                object.__setattr__(self, "strict", True)

    assert Options(everything=True).strict is True
    assert hash(Options()) == hash(Options(False, False))

    @records.dataclass
    class Base:
        a: int

    @records.dataclass
    class Child(Base):
        b: str = "b"

    assert repr(Child(1)) == "test_post_init_inheritance_and_declaration_errors.<locals>.Child(a=1, b='b')"
    assert Child(1) != Base(1) and Child(1) == Child(1, "b")

    @dataclasses.dataclass
    class StdChild(Base):  # a standard dataclass may build on a record
        c: int = 0

    assert [f.name for f in dataclasses.fields(StdChild(1))] == ["a", "c"]

    with pytest.raises(TypeError, match="non-default argument"):
        @records.dataclass
        class Bad:
            a: int = 0
            b: int  # type: ignore[misc]

    with pytest.raises(ValueError, match="default_factory"):
        @records.dataclass
        class Mutable:
            items: list[int] = []  # type: ignore[misc]  # noqa: RUF012
