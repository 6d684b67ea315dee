"""Plain record classes: what ``dataclasses.dataclass`` gives the models, made at next to no cost.

``dataclasses`` writes and compiles three to six functions for every class it decorates when
the class statement runs (about 0.4 ms a class, 17 ms for the classes one check of a log
imports). ``recordclass`` does the same job for the features the package uses: it reads the
class's annotations, keeps the fields and their defaults and makes ``__slots__`` when asked.
Its ``__init__`` binds the arguments generically for the class's first instances and is then
compiled (a class made a few times in a run never pays a compile; once compiled it is the very
``__init__`` dataclasses would write, so a class made for every record of a log constructs as
fast). ``__repr__``, ``__eq__``, ``__hash__`` and the frozen ``__setattr__`` are closures over
the field names, made without compiling anything.

Semantics follow ``dataclasses`` (tests/unit/test_records.py compares the two): fields in
annotation order, base classes' fields first (a redefined field keeps its place), ``field(default=,
default_factory=, compare=)``, ``ClassVar`` annotations skipped, equality between instances of
the same class only, frozen classes hashable by their compared fields and others unhashable
(unless the class body defines ``__hash__``), methods written in the class body kept,
``FrozenInstanceError`` on assignment to a frozen instance, ``replace``, ``fields``, ``asdict``,
pickling (frozen slotted classes carry ``__getstate__``/``__setstate__``). Not provided:
``order``, ``kw_only``, ``InitVar``, ``__post_init__``, ``repr=``/``init=`` per field.
"""

from __future__ import annotations

from operator import attrgetter

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar, dataclass_transform, overload

    T = TypeVar("T")

__all__ = ["MISSING", "Field", "FrozenInstanceError", "asdict", "field", "fields", "is_record", "recordclass", "replace"]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()  # no default (a default of None is a default)


class FrozenInstanceError(AttributeError):
    """An assignment to (or deletion of) a field of a frozen record."""


class Field:
    """One field of a record: its name, its annotation (a string), its default or default factory
    (``MISSING`` when there is none) and whether equality and hashing look at it."""

    __slots__ = ("name", "type", "default", "default_factory", "compare")

    def __init__(self, default: Any = MISSING, default_factory: Any = MISSING, compare: bool = True) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.type: Any = None
        self.default = default
        self.default_factory = default_factory
        self.compare = compare

    def _named(self, name: str, annotation: Any) -> Field:
        made = Field(self.default, self.default_factory, self.compare)
        made.name, made.type = name, annotation
        return made

    def __repr__(self) -> str:
        return f"Field(name={self.name!r}, type={self.type!r}, default={self.default!r}, default_factory={self.default_factory!r}, compare={self.compare!r})"


def _field(*, default: Any = MISSING, default_factory: Any = MISSING, compare: bool = True) -> Any:
    """A field's options, as the value of its class attribute (``dataclasses.field``'s subset)."""
    return Field(default, default_factory, compare)


def _is_class_var(annotation: Any) -> bool:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return text == "ClassVar" or text.startswith(("ClassVar[", "typing.ClassVar"))


def _collect(cls: type) -> dict[str, Field]:
    """The class's fields, its bases' first (in the order dataclasses keeps them)."""
    found: dict[str, Field] = {}
    for base in cls.__mro__[-1:0:-1]:
        own = base.__dict__.get("__record_fields__")
        if own is not None:
            found.update(own)
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if _is_class_var(annotation):
            continue
        value = cls.__dict__.get(name, MISSING)
        spec = value if isinstance(value, Field) else Field(default=value)
        made = spec._named(name, annotation)
        if made.default is not MISSING and type(made.default).__hash__ is None:
            raise ValueError(f"mutable default {type(made.default)} for field {name} is not allowed: use default_factory")
        found[name] = made
    return found


def _init_source(cls: type, found: dict[str, Field], frozen: bool) -> Any:
    """Compile the class's ``__init__`` (the one ``dataclasses`` writes: positional-or-keyword
    parameters, factories called for arguments not given)."""
    names: dict[str, Any] = {"__MISSING": MISSING, "__set": object.__setattr__}
    params, body = ["self"], []
    for f in found.values():
        value = f.name
        if f.default_factory is not MISSING:
            names[f"__factory_{f.name}"] = f.default_factory
            params.append(f"{f.name}=__MISSING")
            value = f"__factory_{f.name}() if {f.name} is __MISSING else {f.name}"
        elif f.default is not MISSING:
            names[f"__default_{f.name}"] = f.default
            params.append(f"{f.name}=__default_{f.name}")
        else:
            params.append(f.name)
        body.append(f"__set(self, {f.name!r}, {value})" if frozen else f"self.{f.name} = {value}")
    source = f"def __init__({', '.join(params)}):\n    " + ("\n    ".join(body) or "pass") + "\n"
    exec(compile(source, f"<record {cls.__module__}.{cls.__qualname__}>", "exec"), names)
    function = names["__init__"]
    function.__qualname__ = f"{cls.__qualname__}.__init__"
    function.__code__ = function.__code__.replace(co_qualname=function.__qualname__)
    function.__module__ = cls.__module__
    return function


COMPILE_AFTER = 16  # instances made by the generic __init__ before the class's own is compiled


def _lazy_init(cls: type, found: dict[str, Field], frozen: bool) -> Any:
    """A stand-in ``__init__``: it binds the arguments itself for a class's first instances (most
    classes are made a few times in a run: compiling costs more than binding them), then
    compiles the class's own ``__init__`` and puts it in its place, so a class made for every
    record of a log pays one compile. A call that does not bind (a missing or unknown argument)
    is handed to the compiled one, whose TypeError is Python's own."""
    specs = tuple((f.name, f.default, f.default_factory) for f in found.values())
    names = frozenset(found)
    store = object.__setattr__ if frozen else setattr
    made = [0]

    def compiled_init(self: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        compiled = _init_source(cls, found, frozen)
        type.__setattr__(cls, "__init__", compiled)
        compiled(self, *args, **kwargs)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        made[0] += 1
        if made[0] > COMPILE_AFTER or len(args) > len(specs) or not names.issuperset(kwargs):
            return compiled_init(self, args, kwargs)
        values = []
        for index, (name, default, factory) in enumerate(specs):
            if index < len(args):
                if name in kwargs:
                    return compiled_init(self, args, kwargs)  # given twice
                values.append(args[index])
            elif name in kwargs:
                values.append(kwargs[name])
            elif factory is not MISSING:
                values.append(factory())
            elif default is not MISSING:
                values.append(default)
            else:
                return compiled_init(self, args, kwargs)  # missing
        for (name, _default, _factory), value in zip(specs, values):
            store(self, name, value)
        return None

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _key(names: tuple[str, ...]) -> Any:
    """The values equality and hashing look at, as a tuple (as dataclasses compares them)."""
    if not names:
        return lambda _self: ()
    if len(names) == 1:
        get = attrgetter(names[0])
        return lambda self: (get(self),)
    return attrgetter(*names)


def _methods(cls: type, found: dict[str, Field], frozen: bool) -> dict[str, Any]:
    names = tuple(found)
    key = _key(tuple(f.name for f in found.values() if f.compare))

    def __repr__(self: Any) -> str:
        return f"{self.__class__.__qualname__}({', '.join(f'{name}={getattr(self, name)!r}' for name in names)})"

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    made: dict[str, Any] = {"__repr__": __repr__, "__eq__": __eq__}
    if frozen:
        owner: Any = cls  # an undecorated subclass may set attributes that are not fields

        def __hash__(self: Any) -> int:
            return hash(key(self))

        def __setattr__(self: Any, name: str, value: Any) -> None:
            if type(self) is cls or name in found:
                raise FrozenInstanceError(f"cannot assign to field {name!r}")
            super(owner, self).__setattr__(name, value)

        def __delattr__(self: Any, name: str) -> None:
            if type(self) is cls or name in found:
                raise FrozenInstanceError(f"cannot delete field {name!r}")
            super(owner, self).__delattr__(name)

        made.update(__hash__=__hash__, __setattr__=__setattr__, __delattr__=__delattr__)
    else:
        made["__hash__"] = None  # mutable and compared by value: not hashable, as dataclasses
    for function in made.values():
        if function is not None:
            function.__qualname__ = f"{cls.__qualname__}.{function.__name__}"
    return made


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, name) for name in self.__record_fields__]


def _setstate(self: Any, state: list[Any]) -> None:
    for name, value in zip(self.__record_fields__, state):
        object.__setattr__(self, name, value)


def _with_slots(cls: type, found: dict[str, Field], frozen: bool) -> type:
    """The class made again with ``__slots__`` for its own fields (as dataclasses does)."""
    namespace = dict(cls.__dict__)
    inherited = {name for base in cls.__mro__[1:-1] for name in base.__dict__.get("__slots__", ())}
    namespace["__slots__"] = tuple(name for name in found if name not in inherited)
    for name in found:
        namespace.pop(name, None)
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    if frozen:
        namespace.setdefault("__getstate__", _getstate)
        namespace.setdefault("__setstate__", _setstate)
    made = type(cls)(cls.__name__, cls.__bases__, namespace)
    made.__qualname__ = cls.__qualname__
    return made


def _process(cls: type, frozen: bool, slots: bool) -> type:
    for base in cls.__mro__[1:]:
        base_frozen = base.__dict__.get("__record_frozen__")
        if base_frozen is not None and base_frozen != frozen:
            kind = "frozen" if frozen else "non-frozen"
            raise TypeError(f"cannot inherit {kind} record from a {'frozen' if base_frozen else 'non-frozen'} one")
    found = _collect(cls)
    seen_default = False
    for spec in found.values():
        if spec.default is not MISSING or spec.default_factory is not MISSING:
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default argument {spec.name!r} follows default argument")
    if frozen:
        for name in ("__setattr__", "__delattr__"):
            if name in cls.__dict__:
                raise TypeError(f"cannot overwrite attribute {name} in class {cls.__name__}")
    for name, spec in found.items():
        if name not in cls.__dict__:
            continue
        if spec.default is MISSING:
            delattr(cls, name)  # a field(...) without a plain default: nothing stays on the class
        else:
            setattr(cls, name, spec.default)
    if slots:
        cls = _with_slots(cls, found, frozen)
    cls.__record_fields__ = found  # type: ignore[attr-defined]
    cls.__record_frozen__ = frozen  # type: ignore[attr-defined]
    cls.__match_args__ = tuple(found)  # type: ignore[attr-defined,misc]
    # a method the class body writes stays (a body that defines __eq__ alone has __hash__ None)
    own = cls.__dict__
    explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
    for name, value in _methods(cls, found, frozen).items():
        if name not in own or (name == "__hash__" and not explicit_hash):
            setattr(cls, name, value)
    if "__init__" not in cls.__dict__:
        cls.__init__ = _lazy_init(cls, found, frozen)  # type: ignore[misc]
    return cls


def _record(cls: Any = None, /, *, frozen: bool = False, slots: bool = False) -> Any:
    """``@recordclass``, ``@recordclass(frozen=True, slots=True)``: a class of named fields (see the module)."""
    if cls is None:
        return lambda cls: _process(cls, frozen, slots)
    return _process(cls, frozen, slots)


if TYPE_CHECKING:  # what a type checker sees: dataclasses' typing, by PEP 681

    @overload
    def field(*, default: T, compare: bool = True) -> T: ...
    @overload
    def field(*, default_factory: Callable[[], T], compare: bool = True) -> T: ...
    @overload
    def field(*, compare: bool = True) -> Any: ...
    def field(*, default: Any = MISSING, default_factory: Any = MISSING, compare: bool = True) -> Any:
        return _field(default=default, default_factory=default_factory, compare=compare)

    @overload
    def recordclass(cls: type[T], /) -> type[T]: ...
    @overload
    def recordclass(*, frozen: bool = False, slots: bool = False) -> Callable[[type[T]], type[T]]: ...
    @dataclass_transform(field_specifiers=(field, Field))
    def recordclass(cls: Any = None, /, *, frozen: bool = False, slots: bool = False) -> Any:
        return _record(cls, frozen=frozen, slots=slots)

else:
    field = _field
    recordclass = _record


def is_record(value: Any) -> bool:
    """Whether ``value`` is a record class or an instance of one."""
    kind = value if isinstance(value, type) else type(value)
    return hasattr(kind, "__record_fields__")


def fields(value: Any) -> tuple[Field, ...]:
    """The fields of a record class or instance, in order."""
    try:
        found: dict[str, Field] = value.__record_fields__
    except AttributeError:
        raise TypeError("must be called with a record type or instance") from None
    return tuple(found.values())


def replace(value: T, /, **changes: Any) -> T:
    """A copy of a record instance with some fields changed (an unknown name is a TypeError, from
    the class's ``__init__``)."""
    if isinstance(value, type) or not hasattr(value, "__record_fields__"):
        raise TypeError("replace() should be called on record instances")
    for name in value.__record_fields__:
        if name not in changes:
            changes[name] = getattr(value, name)
    return value.__class__(**changes)


def asdict(value: Any) -> dict[str, Any]:
    """A record instance as a dict, records inside it too (``dataclasses.asdict``: lists,
    tuples and dicts copied, other values deep-copied)."""
    if isinstance(value, type) or not hasattr(value, "__record_fields__"):
        raise TypeError("asdict() should be called on record instances")
    result: dict[str, Any] = _asdict(value)
    return result


_ATOMS = (str, int, float, bool, type(None), bytes, complex, type, range, property)


def _asdict(value: Any) -> Any:
    if isinstance(value, _ATOMS):
        return value
    if hasattr(type(value), "__record_fields__"):
        return {name: _asdict(getattr(value, name)) for name in value.__record_fields__}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*[_asdict(v) for v in value])
    if isinstance(value, (list, tuple)):
        return type(value)(_asdict(v) for v in value)
    if isinstance(value, dict):
        return type(value)((_asdict(k), _asdict(v)) for k, v in value.items())
    import copy  # only for values that are none of the above (dataclasses deep-copies them)

    return copy.deepcopy(value)
