"""``compliance.records`` against ``dataclasses`` itself: each case defines the same class with
both decorators and asserts the same behaviour (construction, defaults, factories, inheritance,
frozen, slots, equality, hashing, repr, replace, asdict, fields, pickling, the errors of a
wrong call), so the models behave as they did as dataclasses."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from enum import Enum
from typing import Any, ClassVar

import pytest

from compliance import records
from compliance.records import FrozenInstanceError, recordclass


class Colour(str, Enum):
    RED = "red"


def _both(options: dict[str, Any], body: Any) -> tuple[Any, Any]:
    """The class ``body`` makes (a function of the decorator and the field function), once with
    dataclasses, once with records."""
    return body(dataclasses.dataclass(**options), dataclasses.field), body(recordclass(**options), records.field)


def _point(decorate: Any, field: Any) -> Any:
    @decorate
    class Point:
        x: int
        y: int = 0
        tags: list[str] = field(default_factory=list)
        label: str = field(default="p")
        kind: ClassVar[str] = "point"

        def norm(self) -> int:
            return abs(self.x) + abs(self.y)

    return Point


def _error(call: Any) -> tuple[type[BaseException], str]:
    try:
        call()
    except (TypeError, AttributeError) as err:
        return type(err), str(err)
    raise AssertionError("no error")


OPTIONS = [{}, {"frozen": True}, {"slots": True}, {"frozen": True, "slots": True}]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o) or "plain")
def test_construction_defaults_factories_repr_and_equality(options: dict[str, Any]) -> None:
    dc, rec = _both(options, _point)
    for args, kwargs in [((1,), {}), ((1, 2), {"label": "q"}), ((), {"x": 3, "tags": ["a"]})]:
        a, b = dc(*args, **kwargs), rec(*args, **kwargs)
        assert repr(a) == repr(b)
        assert b == rec(*args, **kwargs) and b != rec(99)
        assert b.norm() == a.norm() and b.kind == "point"
    assert rec(1).tags is not rec(1).tags  # a factory is called for each instance
    assert (rec(1) == dc(1)) is False  # another class is never equal
    assert [f.name for f in records.fields(rec)] == [f.name for f in dataclasses.fields(dc)] == ["x", "y", "tags", "label"]
    assert [f.type for f in records.fields(rec)] == [f.type for f in dataclasses.fields(dc)]
    assert hasattr(rec, "__slots__") == hasattr(dc, "__slots__")
    if options.get("slots"):
        assert rec.__slots__ == dc.__slots__ and not hasattr(rec(1), "__dict__")
    else:
        assert rec.y == dc.y == 0 and not hasattr(rec, "tags")  # defaults stay on the class, factories do not


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o) or "plain")
def test_hash_follows_frozen(options: dict[str, Any]) -> None:
    def body(decorate: Any, field: Any) -> Any:
        @decorate
        class Key:
            name: str
            size: int = 1
            note: str = field(default="", compare=False)

        return Key

    dc, rec = _both(options, body)
    if options.get("frozen"):
        assert hash(rec("a", 2, "x")) == hash(dc("a", 2, "y")) == hash(("a", 2))
        assert rec("a", 2, "x") == rec("a", 2, "y")  # compare=False: left out of equality and hash
        assert len({rec("a"), rec("a"), rec("b")}) == 2
    else:
        assert rec.__hash__ is None and dc.__hash__ is None
        with pytest.raises(TypeError):
            hash(rec("a"))


@pytest.mark.parametrize("options", [{"frozen": True}, {"frozen": True, "slots": True}], ids=["frozen", "frozen-slots"])
def test_frozen_instances_refuse_assignment(options: dict[str, Any]) -> None:
    dc, rec = _both(options, _point)
    item = rec(1)
    for change in (lambda o: setattr(o, "x", 2), lambda o: delattr(o, "x")):
        kind, message = _error(lambda: change(item))
        assert issubclass(kind, FrozenInstanceError) and issubclass(kind, AttributeError)
        assert message == _error(lambda: change(dc(1)))[1]
    # an attribute that is no field: dataclasses 3.11 fails here with a TypeError from super()
    # when the class has slots; a record says what is wrong
    assert _error(lambda: setattr(item, "other", 1)) == (FrozenInstanceError, "cannot assign to field 'other'")
    assert item.x == 1


def test_wrong_calls_fail_as_dataclasses_do() -> None:
    dc, rec = _both({"frozen": True, "slots": True}, _point)
    for call in (lambda c: c(), lambda c: c(1, zz=2), lambda c: c(1, 2, [], "l", 5), lambda c: c(1, x=1)):
        assert _error(lambda: call(rec)) == _error(lambda: call(dc))
    for make in (records.replace, dataclasses.replace):
        kind, message = _error(lambda: make(rec(1) if make is records.replace else dc(1), zz=1))
        assert kind is TypeError and message.endswith("Point.__init__() got an unexpected keyword argument 'zz'")


def test_class_definition_errors() -> None:
    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):

        @recordclass
        class Order:
            a: int = 0
            b: int
    with pytest.raises(ValueError, match="mutable default"):

        @recordclass
        class Shared:
            items: list[int] = []  # noqa: RUF012
    with pytest.raises(TypeError, match="cannot inherit"):

        @recordclass
        class Loose(_point(recordclass(frozen=True), records.field)):  # type: ignore[misc]
            extra: int = 0


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o) or "plain")
def test_inheritance_keeps_field_order_and_overrides(options: dict[str, Any]) -> None:
    def body(decorate: Any, field: Any) -> Any:
        base = _point(decorate, field)

        @decorate
        class Labelled(base):  # type: ignore[valid-type,misc]
            y: int = 5  # redefined: keeps its place, takes the new default
            colour: Colour = Colour.RED

        return Labelled

    dc, rec = _both(options, body)
    assert [f.name for f in records.fields(rec)] == [f.name for f in dataclasses.fields(dc)] == ["x", "y", "tags", "label", "colour"]
    assert repr(rec(1)) == repr(dc(1)) and rec(1).y == 5 and rec(1).norm() == 6
    assert isinstance(rec(1), rec.__mro__[1])


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o) or "plain")
def test_replace_asdict_copy_and_pickle(options: dict[str, Any]) -> None:
    item = Outer(Inner(1, (Colour.RED,)), [Inner(2)], {"k": Inner(3)}) if not options else PICKLED[tuple(options)](4, tags=["t"])
    assert records.replace(item) == item and records.replace(item) is not item
    assert pickle.loads(pickle.dumps(item)) == item
    assert copy.copy(item) == item and copy.deepcopy(item) == item
    if not options:
        changed = records.replace(item, inner=Inner(9))
        assert changed.inner.size == 9 and item.inner.size == 1
        mirror = DcOuter(DcInner(1, (Colour.RED,)), [DcInner(2)], {"k": DcInner(3)})
        assert records.asdict(item) == dataclasses.asdict(mirror) == {
            "inner": {"size": 1, "colours": (Colour.RED,)},
            "items": [{"size": 2, "colours": ()}],
            "table": {"k": {"size": 3, "colours": ()}},
        }
        assert records.asdict(item)["items"] is not item.items
    else:
        assert records.asdict(item) == {"x": 4, "y": 0, "tags": ["t"], "label": "p"}


@recordclass(frozen=True, slots=True)
class Inner:
    size: int
    colours: tuple[Colour, ...] = ()


@recordclass
class Outer:
    inner: Inner
    items: list[Inner]
    table: dict[str, Inner]


@dataclasses.dataclass(frozen=True, slots=True)
class DcInner:
    size: int
    colours: tuple[Colour, ...] = ()


@dataclasses.dataclass
class DcOuter:
    inner: DcInner
    items: list[DcInner]
    table: dict[str, DcInner]


PICKLED: dict[tuple[str, ...], Any] = {}
for _options in OPTIONS[1:]:  # pickle finds a class by its module and qualified name
    _made = PICKLED[tuple(_options)] = _point(recordclass(**_options), records.field)
    _made.__qualname__ = _made.__name__ = "Point_" + "_".join(_options)
    globals()[_made.__name__] = _made


def test_helpers_refuse_what_is_not_a_record() -> None:
    assert records.is_record(Inner) and records.is_record(Inner(1)) and not records.is_record(DcInner(1))
    for helper in (records.fields, records.asdict, records.replace):
        with pytest.raises(TypeError):
            helper(DcInner(1))
    with pytest.raises(TypeError):
        records.asdict(Inner)


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o) or "plain")
def test_init_binds_its_first_instances_then_is_compiled(options: dict[str, Any]) -> None:
    """The first instances are bound by the generic stand-in, later ones by the compiled
    ``__init__``: both make the same instances as dataclasses, from any mix of arguments."""
    dc, rec = _both(options, _point)
    stand_in = rec.__dict__["__init__"]
    calls = [((1,), {}), ((1, 2), {"label": "q"}), ((), {"x": 3, "tags": ["a"]}), ((4, 5, ["b"], "r"), {}), ((6,), {"y": 7})]
    made = [(rec(*args, **kwargs), dc(*args, **kwargs)) for _ in range(records.COMPILE_AFTER // len(calls) + 2) for args, kwargs in calls]
    assert all(repr(a) == repr(b) for a, b in made)
    assert made[0][0].tags is not made[len(calls)][0].tags
    compiled = rec.__dict__["__init__"]
    assert compiled is not stand_in and compiled.__qualname__.endswith("Point.__init__")
    assert "<record " in compiled.__code__.co_filename and stand_in.__code__.co_filename == records.__file__
    rec(1)
    assert rec.__dict__["__init__"] is compiled


def test_a_class_body_method_is_kept() -> None:
    @recordclass(frozen=True)
    class Shown:
        name: str

        def __repr__(self) -> str:
            return f"<{self.name}>"

        def __hash__(self) -> int:
            return 7

    assert repr(Shown("n")) == "<n>" and hash(Shown("n")) == 7
