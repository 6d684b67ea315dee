"""The check-operator interpreter: what each operator of a key spec's check (``eq``, ``ge``,
``expr_eq``, ``multiple_of``, ``fn`` ...; ``rulebook.model.Check``, from ``checkers/`` data)
means for one record of a training log, and the message when it does not hold.

The key rules (``keys.py``) and the streaming reader (``stream.py``) ask it; it reads names
through the log's context (``LogContext.resolve``, ``first_seq``) and runs the named check
functions of ``functions.py``. It lives with the rules, not in ``rulebook/``: it judges a log's
records (the rulebook holds the round data and reads it).
"""

from __future__ import annotations

import math
TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any

from compliance.models.mllog import Record
from compliance.rulebook.expr import MissingName, evaluate
from compliance.rulebook.model import Check
from compliance.rules.training.context import LogContext
from compliance.rules.training.functions import CHECK_FUNCTIONS, is_integer, is_number


def record_field(record: Record, name: str) -> tuple[bool, Any]:
    """Whether a record has the field a check names (``value``, ``metadata``, ``value.<m>``,
    ``metadata.<m>``), and its value."""
    if name == "value":
        return True, record.value
    if name == "metadata":
        return True, record.metadata
    container_name, _, member = name.partition(".")
    container = record.value if container_name == "value" else record.metadata
    if isinstance(container, dict) and member in container:
        return True, container[member]
    return False, None


def _py_equal(value: Any, literal: Any) -> bool:
    if is_number(value) or isinstance(value, bool):
        if isinstance(literal, (int, float)):
            return bool(value == literal)
        return False
    return bool(value == literal)


def _num(value: Any) -> float:
    if is_number(value):
        number: float = value
        return number
    raise TypeError(f"{value!r} is not a number")


def fmt_value(value: Any) -> str:
    """A logged value as the messages show it."""
    if value is None:  # absent, or JSON null: never shown as None
        return "not logged"
    if isinstance(value, float):
        return f"{value:.10g}"
    return repr(value)


def evaluate_check(ctx: LogContext, check: Check, record: Record, state: dict[str, Any]) -> tuple[bool, str]:
    """Return (holds, why-not) for one check on one record."""
    present, value = record_field(record, check.field)
    if not present:
        if check.if_present:
            return True, ""
        return False, f"the record has no {check.field.replace('.', ' field ', 1)}"
    for op, operand in check.conditions:
        try:
            ok, why = _condition(ctx, check, op, operand, value, record, state)
        except MissingName as err:
            return False, f"cannot be checked: '{err.name}' is not logged"
        except (TypeError, ValueError, ZeroDivisionError, OverflowError, KeyError) as err:
            return False, f"{check.field} = {fmt_value(value)} cannot be checked ({err})"
        if not ok:
            return False, why
    return True, ""


def _condition(
    ctx: LogContext, check: Check, op: str, operand: Any, value: Any, record: Record, state: dict[str, Any]
) -> tuple[bool, str]:
    label = check.field
    if op == "eq":
        return _py_equal(value, operand), f"{label} is {fmt_value(value)}, not {fmt_value(operand)}"
    if op == "ne":
        return not _py_equal(value, operand), f"{label} must not be {fmt_value(operand)}"
    if op == "one_of":
        ok = any(_py_equal(value, item) for item in operand)
        return ok, f"{label} is {fmt_value(value)}, not one of {', '.join(fmt_value(x) for x in operand)}"
    if op in ("ge", "gt", "le", "lt"):
        node = check.expression(op)
        bound = evaluate(node, ctx.resolve) if node is not None else operand
        number = _num(value)
        ok = {
            "ge": number >= bound,
            "gt": number > bound,
            "le": number <= bound,
            "lt": number < bound,
        }[op]
        sign = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}[op]
        return ok, f"{label} is {fmt_value(value)}; the rules require {sign} {fmt_value(bound)}"
    if op == "expr_eq":
        node = check.expression(op)
        assert node is not None
        wanted = evaluate(node, ctx.resolve)
        number = _num(value)
        if check.abs_tol is not None:
            ok = abs(number - wanted) < check.abs_tol
        elif check.rel_tol is not None:
            ok = abs(number - wanted) <= check.rel_tol * max(abs(number), abs(wanted))
        else:
            ok = number == wanted
        return ok, f"{label} is {fmt_value(value)}; the rules require {operand} = {fmt_value(wanted)}"
    if op == "isclose":
        return math.isclose(_num(value), operand), f"{label} is {fmt_value(value)}, not ≈ {fmt_value(operand)}"
    if op == "nonempty":
        return value != "", f"{label} is empty"
    if op == "truthy":
        return bool(value), f"{label} is {fmt_value(value)}"
    if op == "integer":
        return is_integer(_num(value)), f"{label} is {fmt_value(value)}, not a whole number"
    if op == "int_type":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return ok, f"{label} is {fmt_value(value)}, not logged as an integer"
    if op == "length":
        return len(value) == operand, f"{label} has {len(value)} elements, not {operand}"
    if op == "min_length":
        return len(value) >= operand, f"{label} has {len(value)} elements, fewer than {operand}"
    if op == "multiple_of":
        node = check.expression(op)
        assert node is not None
        step = evaluate(node, ctx.resolve)
        if check.abs_tol is not None:  # exact (modulo), as the official checker's % test
            return _num(value) % step <= check.abs_tol, f"{label} is {fmt_value(value)}, not a multiple of {fmt_value(step)}"
        return is_integer(_num(value) / step), f"{label} is {fmt_value(value)}, not a multiple of {fmt_value(step)}"
    if op == "has":
        missing = [m for m in operand if not (isinstance(value, dict) and m in value)]
        return not missing, f"{label} has no {', '.join(missing)}"
    if op == "metadata_any":
        return any(m in record.metadata for m in operand), "metadata has none of " + ", ".join(operand)
    if op == "metadata_all":
        missing = [m for m in operand if m not in record.metadata]
        return not missing, "metadata has no " + ", ".join(missing)
    if op == "after":
        first = ctx.first_seq(operand)
        return first is not None and first < record.seq, f"no '{operand}' record comes before it"
    if op == "fn":
        return CHECK_FUNCTIONS[operand](record, value, dict(check.args), ctx.resolve, state)
    raise ValueError(f"unknown operator {op}")  # pragma: no cover - the loader rejects it
