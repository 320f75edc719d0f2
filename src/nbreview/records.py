"""``dataclass`` for the modules a ``git diff`` driver imports: the standard one's behaviour, a fraction of its cost.

The standard decorator compiles four to six methods per class and imports :mod:`inspect`
(with :mod:`ast`, :mod:`dis`, :mod:`tokenize`): ~20 ms for the ~40 classes a diff driver
loads, more than the diff itself, paid once per notebook in a ``git diff``. This one
compiles ``__init__`` alone, once the class has built a few objects (the same code the
standard one writes, so building many objects costs the same; a diff driver takes it
compiled from its :mod:`~nbreview.codecache` at the first object), and gives ``__repr__``,
``__eq__``, ``__hash__`` and the frozen guards as shared functions. Type checkers see
:mod:`dataclasses` itself (these names are its names), and the classes answer
:func:`dataclasses.fields`, ``asdict``, ``replace`` and ``is_dataclass`` as if made by it
(the standard field objects are built on first use).

Supported: ``frozen``, ``slots``, ``field(default=, default_factory=, repr=, compare=)``,
``__post_init__``, ``ClassVar`` annotations, inheritance from another such class.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing's: this module is on the diff driver's import path

if TYPE_CHECKING:
    from collections.abc import Callable
    from dataclasses import asdict as asdict
    from dataclasses import dataclass as dataclass
    from dataclasses import field as field
    from dataclasses import fields as fields
    from dataclasses import replace as replace
    from typing import Any

_MISSING: Any = type("_Missing", (), {"__repr__": lambda self: "MISSING"})()
_FIELDS = "__record_fields__"


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a frozen record (the standard ``FrozenInstanceError``'s message)."""


class Field:
    """One field: its name, annotation, default or default factory, and whether repr and == see it."""

    __slots__ = ("name", "type", "default", "default_factory", "repr", "compare")

    def __init__(self, default: Any = _MISSING, default_factory: Any = _MISSING, repr: bool = True,
                 compare: bool = True) -> None:
        if default is not _MISSING and default_factory is not _MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.type: Any = None
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare

    def __repr__(self) -> str:
        return f"Field(name={self.name!r}, type={self.type!r}, default={self.default!r})"


def _field(*, default: Any = _MISSING, default_factory: Any = _MISSING, repr: bool = True,
           compare: bool = True) -> Any:
    """What ``x: T = field(...)`` declares (the subset of :func:`dataclasses.field` nbreview uses)."""
    return Field(default, default_factory, repr, compare)


def _is_classvar(annotation: object) -> bool:
    if isinstance(annotation, str):
        return annotation.replace(" ", "").startswith(("ClassVar", "typing.ClassVar", "t.ClassVar"))
    typing = sys.modules.get("typing")
    return typing is not None and (annotation is typing.ClassVar or getattr(annotation, "__origin__", None)
                                   is typing.ClassVar)


def _own_fields(cls: type) -> list[Field]:
    """The fields this class declares (not its bases'), with class attributes turned into plain defaults."""
    out = []
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if _is_classvar(annotation):
            continue
        if isinstance(annotation, str) and annotation.replace(" ", "").startswith(("InitVar", "dataclasses.")):
            raise TypeError(f"{cls.__name__}.{name}: nbreview.records does not support {annotation}")
        value = cls.__dict__.get(name, _MISSING)
        f = value if isinstance(value, Field) else Field(default=value)
        f.name, f.type = name, annotation
        if f.default is not _MISSING and type(f.default).__hash__ is None:
            raise ValueError(f"mutable default {type(f.default)} for field {name} is not allowed: use default_factory")
        if isinstance(value, Field):
            if f.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
        out.append(f)
    return out


def _init_source(fields: list[Field], frozen: bool, post_init: bool) -> tuple[str, dict[str, Any]]:
    """``__init__`` as the standard decorator writes it, and the names its defaults are bound to."""
    params, body, names = [], [], {"__record_factory": _MISSING, "__record_setattr": object.__setattr__}
    for f in fields:
        if f.default is not _MISSING:
            names[f"__record_default_{f.name}"] = f.default
            params.append(f"{f.name}=__record_default_{f.name}")
            value = f.name
        elif f.default_factory is not _MISSING:
            names[f"__record_make_{f.name}"] = f.default_factory
            params.append(f"{f.name}=__record_factory")
            value = f"__record_make_{f.name}() if {f.name} is __record_factory else {f.name}"
        else:
            params.append(f.name)
            value = f.name
        body.append(f"__record_setattr(self, {f.name!r}, {value})" if frozen else f"self.{f.name} = {value}")
    if post_init:
        body.append("self.__post_init__()")
    source = (f"def __create_fn__({', '.join(names)}):\n"
              f" def __init__(self, {', '.join(params)}):\n"
              + "".join(f"  {line}\n" for line in body or ["pass"])
              + " return __init__\n")
    return source, names


def _make_init(cls: type, fields: list[Field], frozen: bool, code: Any = None) -> Callable[..., None]:
    """The compiled ``__init__``: from ``code`` (the compiled source, from the git diff driver's
    :mod:`~nbreview.codecache`) when given, else compiled here."""
    source, names = _init_source(fields, frozen, hasattr(cls, "__post_init__"))
    module = sys.modules.get(cls.__module__)
    namespace: dict[str, Any] = {}
    if code is None:  # compiled as the code cache compiles it: no __future__ flags of this module
        code = compile(source, "<string>", "exec", dont_inherit=True)
    exec(code, module.__dict__ if module is not None else {}, namespace)  # noqa: S102 - our own source text
    init: Callable[..., None] = namespace["__create_fn__"](**names)
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__annotations__ = {**{f.name: f.type for f in fields}, "return": None}
    return init


COMPILE_AFTER = 50  # objects a class builds through the generic __init__ before its own is compiled


def _first_init(cls: type, fields: list[Field], frozen: bool) -> Callable[..., None]:
    """The generic ``__init__`` a class starts with: its first objects are built field by field, and
    after :data:`COMPILE_AFTER` of them the compiled one (as fast as the standard decorator's) takes
    over. A class a run builds a few times (most, in a driver) costs no compile (~0.1 ms each)."""
    post_init = hasattr(cls, "__post_init__")
    assign = object.__setattr__ if frozen else setattr
    built = 0

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal built
        built += 1
        code = _cached_code(fields, frozen, post_init) if built == 1 else None
        if code is not None or built > COMPILE_AFTER:
            init = _make_init(cls, fields, frozen, code)
            if cls.__dict__.get("__init__") is __init__:
                cls.__init__ = init  # type: ignore[misc]
            init(self, *args, **kwargs)
            return
        _bind(self, fields, args, kwargs, assign, __init__.__qualname__)
        if post_init:
            self.__post_init__()

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


# Each generated __init__'s fields, frozen and __post_init__: what its source is written from.
_GENERATED: list[tuple[list[Field], bool, bool]] = []


def _cached_code(fields: list[Field], frozen: bool, post_init: bool) -> Any:
    """The compiled ``__init__`` source from the git diff driver's code cache, when it serves this
    process and holds it (None otherwise: the generic ``__init__`` goes on)."""
    codecache = sys.modules.get("nbreview.codecache")  # never imported here: only a driver installs one
    active = getattr(codecache, "ACTIVE", None)
    return active.code_for(_init_source(fields, frozen, post_init)[0]) if active is not None else None


def init_sources() -> list[str]:
    """The source of every ``__init__`` this process's record classes were given (for the code cache)."""
    return [_init_source(fields, frozen, post_init)[0] for fields, frozen, post_init in _GENERATED]


def _bind(self: Any, fields: list[Field], args: tuple[Any, ...], kwargs: dict[str, Any],
          assign: Callable[[Any, str, Any], None], name: str) -> None:
    """What the compiled ``__init__`` does with its arguments, field by field (the same errors)."""
    if len(args) > len(fields):
        raise TypeError(f"{name}() takes {len(fields) + 1} positional arguments but {len(args) + 1} were given")
    for f, value in zip(fields, args, strict=False):  # no more args than fields (checked above)
        if f.name in kwargs:
            raise TypeError(f"{name}() got multiple values for argument {f.name!r}")
        assign(self, f.name, value)
    for f in fields[len(args):]:
        if f.name in kwargs:
            value = kwargs.pop(f.name)
        elif f.default is not _MISSING:
            value = f.default
        elif f.default_factory is not _MISSING:
            value = f.default_factory()
        else:
            raise TypeError(f"{name}() missing 1 required positional argument: {f.name!r}")
        assign(self, f.name, value)
    if kwargs:
        raise TypeError(f"{name}() got an unexpected keyword argument {next(iter(kwargs))!r}")


_REPR_RUNNING: set[int] = set()


def _repr(self: Any) -> str:
    if id(self) in _REPR_RUNNING:
        return "..."
    _REPR_RUNNING.add(id(self))
    try:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in getattr(self, _FIELDS).values() if f.repr)
    finally:
        _REPR_RUNNING.discard(id(self))
    return f"{type(self).__qualname__}({shown})"


def _values(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, f.name) for f in getattr(self, _FIELDS).values() if f.compare)


def _eq(self: Any, other: object) -> Any:
    if other.__class__ is self.__class__:
        return _values(self) == _values(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(_values(self))


def _frozen_guards(cls: type) -> None:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in getattr(cls, _FIELDS):
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in getattr(cls, _FIELDS):
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        object.__delattr__(self, name)

    for fn in (__setattr__, __delattr__):
        if fn.__name__ in cls.__dict__:
            raise TypeError(f"Cannot overwrite attribute {fn.__name__} in class {cls.__name__}")
        fn.__qualname__ = f"{cls.__qualname__}.{fn.__name__}"
        setattr(cls, fn.__name__, fn)


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, name) for name in getattr(self, _FIELDS)]


def _setstate(self: Any, state: list[Any]) -> None:
    for name, value in zip(getattr(self, _FIELDS), state, strict=True):
        object.__setattr__(self, name, value)


def _with_slots(cls: type, fields: dict[str, Field]) -> type:
    """The class again with ``__slots__`` for its own fields (as the standard ``slots=True`` does)."""
    if "__slots__" in cls.__dict__:
        raise TypeError(f"{cls.__name__} already specifies __slots__")
    inherited = {s for base in cls.__mro__[1:-1] for s in base.__dict__.get("__slots__", ())}
    body = dict(cls.__dict__)
    body["__slots__"] = tuple(name for name in fields if name not in inherited)
    for name in fields:
        body.pop(name, None)
    body.pop("__dict__", None)
    body.pop("__weakref__", None)
    new = type(cls)(cls.__name__, cls.__bases__, body)
    new.__qualname__ = cls.__qualname__
    return new


class _StdlibFields:
    """``__dataclass_fields__``: the standard :class:`dataclasses.Field` objects, built on first use,
    so that :mod:`dataclasses`' own functions take these classes (and a standard dataclass may inherit one)."""

    def __get__(self, obj: object, owner: type) -> dict[str, Any]:
        import dataclasses

        out = {}
        for f in getattr(owner, _FIELDS).values():
            missing: Any = dataclasses.MISSING
            std: Any = dataclasses.field(
                default=missing if f.default is _MISSING else f.default, repr=f.repr, compare=f.compare,
                default_factory=missing if f.default_factory is _MISSING else f.default_factory)
            std.name, std.type, std.kw_only = f.name, f.type, False
            std._field_type = dataclasses._FIELD  # type: ignore[attr-defined]  # what the decorator sets
            out[f.name] = std
        return out


class _StdlibParams:
    """``__dataclass_params__`` (read by the standard decorator for a base class), built on first use."""

    def __get__(self, obj: object, owner: type) -> Any:
        from types import SimpleNamespace

        return SimpleNamespace(init=True, repr=True, eq=True, order=False, unsafe_hash=False,
                               frozen=getattr(owner, "__record_frozen__", False))


def _process(cls: type, frozen: bool, slots: bool) -> type:
    fields: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        fields.update(base.__dict__.get(_FIELDS, {}))
    fields.update((f.name, f) for f in _own_fields(cls))
    after_default = False
    for f in fields.values():
        if f.default is not _MISSING or f.default_factory is not _MISSING:
            after_default = True
        elif after_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
    own = cls.__dict__
    explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
    if slots:
        cls = _with_slots(cls, fields)
        own = cls.__dict__
    setattr(cls, _FIELDS, fields)
    cls.__record_frozen__ = frozen  # type: ignore[attr-defined]
    cls.__dataclass_fields__ = _StdlibFields()  # type: ignore[attr-defined]
    cls.__dataclass_params__ = _StdlibParams()  # type: ignore[attr-defined]
    if "__init__" not in own:
        field_list = list(fields.values())
        cls.__init__ = _first_init(cls, field_list, frozen)  # type: ignore[misc]
        _GENERATED.append((field_list, frozen, hasattr(cls, "__post_init__")))
    if "__repr__" not in own:
        cls.__repr__ = _repr  # type: ignore[assignment]
    if "__eq__" not in own:
        cls.__eq__ = _eq  # type: ignore[assignment]
    if not explicit_hash:
        cls.__hash__ = _hash if frozen else None  # type: ignore[assignment]
    if frozen:
        _frozen_guards(cls)
        if slots:  # copy and pickle restore a frozen slotted object's fields without its guards
            cls.__getstate__ = _getstate  # type: ignore[attr-defined]
            cls.__setstate__ = _setstate  # type: ignore[attr-defined]
    if "__match_args__" not in own:
        cls.__match_args__ = tuple(fields)  # type: ignore[attr-defined,misc]
    return cls


def _dataclass(cls: type | None = None, /, *, frozen: bool = False, slots: bool = False) -> Any:
    """``@dataclass``, ``@dataclass(frozen=True)``, ``@dataclass(slots=True)``: the class made a record."""
    if cls is None:
        return lambda c: _process(c, frozen, slots)
    return _process(cls, frozen, slots)


def _record_fields(obj: Any) -> tuple[Field, ...]:
    try:
        return tuple(getattr(obj, _FIELDS).values())
    except AttributeError:
        raise TypeError("must be called with a dataclass type or instance") from None


def _fields(obj: Any) -> tuple[Field, ...]:
    """:func:`dataclasses.fields` for a record: each field's ``name``, ``type``, ``default``..."""
    return _record_fields(obj)


def _asdict(obj: Any) -> Any:
    """:func:`dataclasses.asdict` for records (and the lists, tuples and dicts around them)."""
    if hasattr(type(obj), _FIELDS):
        return {f.name: _asdict(getattr(obj, f.name)) for f in _record_fields(obj)}
    if isinstance(obj, (list, tuple)) and not hasattr(obj, "_fields"):
        return type(obj)(_asdict(v) for v in obj)
    if isinstance(obj, dict):
        return type(obj)((_asdict(k), _asdict(v)) for k, v in obj.items())
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    import copy

    return copy.deepcopy(obj)


def _replace(obj: Any, /, **changes: Any) -> Any:
    """:func:`dataclasses.replace` for a record: a new one with ``changes`` applied."""
    for f in _record_fields(obj):
        changes.setdefault(f.name, getattr(obj, f.name))
    return type(obj)(**changes)


if not TYPE_CHECKING:
    dataclass, field, fields, asdict, replace = _dataclass, _field, _fields, _asdict, _replace
