"""Named check functions and virtual-record builders that round data refers to.

Round data stays free of code: where a rule cannot be written as a bound or a
formula, the data names one of the functions below (``fn = "log2_steps"``) and
gives its arguments. Each function is small, pure and documented.
"""

from __future__ import annotations

import math
from collections.abc import Callable
TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any

from compliance.models.mllog import Record


def is_integer(value: float) -> bool:
    """True within 1e-5 of a whole number (the official checker's tolerance); never for NaN or infinity."""
    return math.isfinite(value) and abs(round(value) - value) < 0.00001


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


CheckResult = tuple[bool, str]
if TYPE_CHECKING:
    CheckFunction = Callable[[Record, Any, dict[str, Any], Callable[[str], Any], dict[str, Any]], CheckResult]


def log2_steps(record: Record, value: Any, args: dict[str, Any], resolve: Callable[[str], Any], state: dict[str, Any]) -> CheckResult:
    """The value is ``base`` times a power of two (e.g. 1e-4 · 2^k)."""
    base = float(args["base"])
    if not is_number(value) or value <= 0:
        return False, f"{value!r} is not a positive number"
    ratio = math.log2(value / base)
    return is_integer(ratio), f"{value!r} / {base:g} is 2^{ratio:.4g}, not a power of two"


def multiple_or_small_batch_divisor(
    record: Record, value: Any, args: dict[str, Any], resolve: Callable[[str], Any], state: dict[str, Any]
) -> CheckResult:
    """The value is a multiple of ``step``; below ``batch_below`` global batch it may divide ``step``."""
    step = float(args["step"])
    if not is_number(value):
        return False, f"{value!r} is not a number"
    if is_integer(value / step):
        return True, ""
    if value == 0:
        return False, f"{value!r} is not a multiple of {step:g}"
    gbs = resolve("global_batch_size")
    if is_number(gbs) and gbs < args["batch_below"] and is_integer(step / value):
        return True, ""
    return False, f"{value!r} is not a multiple of {step:g}"


def consecutive_evals(
    record: Record, value: Any, args: dict[str, Any], resolve: Callable[[str], Any], state: dict[str, Any]
) -> CheckResult:
    """Evaluations come one per step: the n-th eval is at ``start + n*step`` samples.

    ``start`` and ``step`` name derived values or logged keys. An eval that is
    off the schedule fails and does not advance it (as the reference does).
    """
    samples = record.metadata.get("samples_count")
    if "next" not in state:
        state["next"] = resolve(args["start"])
    expected = state["next"]
    if not is_number(samples):
        return False, "metadata has no samples_count"
    if samples == expected:
        state["next"] = expected + resolve(args["step"])
        return True, ""
    return False, f"evaluation at {samples} samples; the schedule expects {expected}"


def metadata_implies(
    record: Record, value: Any, args: dict[str, Any], resolve: Callable[[str], Any], state: dict[str, Any]
) -> CheckResult:
    """When metadata has field ``if``, it must also have field ``then``."""
    if args["if"] in record.metadata and args["then"] not in record.metadata:
        return False, f"metadata has '{args['if']}' but no '{args['then']}'"
    return True, ""


def int_equals(
    record: Record, value: Any, args: dict[str, Any], resolve: Callable[[str], Any], state: dict[str, Any]
) -> CheckResult:
    """``int(value)`` equals the formula ``expr`` (the official FIRST_CHECK truncates and accepts numeric text)."""
    from compliance.rulebook.expr import evaluate_text

    wanted = evaluate_text(args["expr"], resolve)
    try:
        got = int(value)
    except (TypeError, ValueError, OverflowError):
        return False, f"{value!r} is not a whole number"
    return got == wanted, f"{value!r} is not {args['expr']} = {wanted:g}"


CHECK_FUNCTIONS: dict[str, CheckFunction] = {
    "int_equals": int_equals,
    "log2_steps": log2_steps,
    "multiple_or_small_batch_divisor": multiple_or_small_batch_divisor,
    "consecutive_evals": consecutive_evals,
    "metadata_implies": metadata_implies,
}


def aggregate_metrics(records_by_key: dict[str, list[Record]], args: dict[str, Any]) -> list[Record]:
    """Merge per-metric eval records into one virtual record per evaluation point.

    Stable Diffusion logs FID and CLIP as separate ``eval_accuracy`` records
    (metadata ``metric``), possibly computed offline. Records sharing the same
    ``group_by`` metadata value become one record whose value is
    ``{group_by: n, "FID": .., "CLIP": ..}``, stamped with the latest time and
    placed at the line of its last part.
    """
    group_by = args["group_by"]
    groups: dict[Any, Record] = {}
    for record in records_by_key.get(args.get("source_key", "eval_accuracy"), []):
        metric = record.metadata.get("metric")
        if metric is None:
            continue
        point = record.metadata.get(group_by)
        try:
            hash(point)
        except TypeError:
            continue
        merged = groups.get(point)
        if merged is None:
            merged = groups[point] = Record(
                record.seq, record.line, record.time_ms, "", {group_by: point}, {}, "POINT_IN_TIME", None
            )
        merged.time_ms = max(merged.time_ms, record.time_ms)
        if record.seq > merged.seq:
            merged.seq, merged.line = record.seq, record.line
        try:
            merged.value[metric] = record.value
        except TypeError:
            continue
    return list(groups.values())


VIRTUAL_BUILDERS: dict[str, Callable[[dict[str, list[Record]], dict[str, Any]], list[Record]]] = {
    "aggregate_metrics": aggregate_metrics,
}
