"""The value a scenario result publishes (inferred results included, in the official table's unit) and its accuracy against the targets: read by the ITR and IAC rules and by the results table."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from compliance.records import recordclass
from compliance.rules.inference.tree_context import (
    ResultContext,
)
from compliance.wording import article

if TYPE_CHECKING:
    from compliance.models.loadgen import LoadgenRun
    from compliance.rulebook.inference import AccuracyTarget


@recordclass(frozen=True, slots=True)
class PublishedValue:
    """A result's number as the official results table publishes it."""

    key: str | None  # the LoadGen key it is read from
    value: float | None  # in ``unit``
    unit: str | None  # the official table's unit (its Units column)
    inferred_from: str | None = None  # the scenario LoadGen ran, for a result inferred from another scenario
    problem: str | None = None  # why there is no value, when there is none


# Divisors from a latency in ns to the table's latency units.
_LATENCY_UNITS = {"Latency (ms)": 1e6, "Latency (s)": 1e9}


def _number_of(run: LoadgenRun | None, key: str) -> float | None:
    value = run.value(key) if run is not None else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _inferred(ctx: ResultContext, ran: str, keys: dict[str, Any]) -> PublishedValue:
    """An edge result inferred from a run of another scenario, by the rules' formulas (the numbers
    are the round data's): MultiStream = 8 x the SingleStream p99 early-stopping estimate;
    Offline = 1000 / mean SingleStream latency (ms), or 8000 / mean MultiStream query latency (ms)."""
    scenario = ctx.scenario
    settings = ctx.book.settings.inferred_results
    target = keys.get(scenario) if scenario is not None else None
    unit = target.table_unit if target is not None else None

    def number(name: str) -> float | None:
        amount = settings.get(name)
        if not isinstance(amount, Mapping) or amount.get("value") is None:
            return None
        return float(amount["value"])

    run = ctx.perf
    if (ran, scenario) == ("SingleStream", "MultiStream"):
        key, factor = "early_stopping_latency_ms", number("multistream_from_singlestream_factor")
        estimate = _number_of(run, key)
        if estimate is None or factor is None or estimate <= 0:
            return PublishedValue(key, None, unit, ran, f"the SingleStream run has no {key} to infer MultiStream from")
        return PublishedValue(key, estimate * factor / _LATENCY_UNITS.get(unit or "", 1e6), unit, ran)
    if scenario == "Offline" and ran in ("SingleStream", "MultiStream"):
        if ran == "SingleStream":
            key, numerator = "result_mean_latency_ns", number("offline_from_singlestream_numerator")
        else:
            key, numerator = "result_mean_query_latency_ns", number("offline_from_multistream_numerator")
        mean = _number_of(run, key)
        if mean is None or numerator is None or mean <= 0:
            return PublishedValue(key, None, unit, ran, f"the {ran} run has no {key} to infer Offline from")
        return PublishedValue(key, numerator / (mean / 1e6), unit, ran)
    return PublishedValue(None, None, unit, ran, f"{article(str(scenario))} result cannot be inferred from {article(ran)} run")


def result_metric(ctx: ResultContext) -> PublishedValue:
    """The result's number as the official results table publishes it: read from the key of the
    scenario LoadGen ran (Interactive runs are Server runs), or inferred from another scenario's run,
    in the table's unit (latencies in ms, or s where the table says so)."""
    scenario = ctx.scenario
    if scenario is None:
        return PublishedValue(None, None, None)
    if getattr(ctx, "endpoints", None) is not None:  # an Endpoints (LoadGen++) result: its JSON files
        from compliance.rules.inference.endpoints import endpoints_metric

        key, number, table_unit, problem = endpoints_metric(ctx)
        return PublishedValue(key, number, table_unit, problem=problem)
    keys = dict(ctx.book.result_keys)
    if ctx.model is not None:
        keys.update(ctx.model.result_keys)
    chosen = keys.get(scenario)
    unit = chosen.table_unit if chosen is not None else None
    if chosen is None or ctx.perf is None or not ctx.perf.detail.present:
        return PublishedValue(chosen.published_key if chosen else None, None, unit)
    ran = ctx.perf.scenario
    if ran and ran != scenario and (scenario, ran) != ("Interactive", "Server"):
        return _inferred(ctx, ran, keys)
    key = chosen.published_key
    value = _number_of(ctx.perf, key)
    if value is None:
        return PublishedValue(key, None, unit, problem=f"the performance run logs no number for {key}")
    if chosen.unit.startswith("ns"):
        value /= _LATENCY_UNITS.get(unit or "", 1e6)
    return PublishedValue(key, value, unit)


def model_targets(ctx: ResultContext) -> list[AccuracyTarget]:
    if ctx.model is None:
        return []
    return [t for t in ctx.model.accuracy if not t.rules_only and (not t.scenarios or ctx.scenario in t.scenarios)]


def target_threshold(target: AccuracyTarget) -> float | None:
    if target.threshold is not None:
        return target.threshold
    if target.reference is not None and target.fraction is not None:
        return target.reference * target.fraction
    return None


def metric_value(ctx: ResultContext, metric: str, reference: float | None = None) -> tuple[float | None, int | None]:
    if ctx.accuracy_txt is None:
        return None, None
    names = ctx.book.accuracy_names.get(metric, (metric,))
    lowered = {n.lower() for n in names}
    matches = [m for name in names for m in reversed(ctx.accuracy_txt.metrics) if m.name == name]
    matches += [m for m in reversed(ctx.accuracy_txt.metrics) if m.name.lower() in lowered]
    if not matches:
        return None, None
    found = matches[0]
    value = found.value
    if found.percent and reference is not None and reference <= 1.0:
        value = value / 100  # the script prints a percentage of a target given as a fraction (R-GAT)
    return value, found.line


def accuracy_summary(ctx: ResultContext) -> str | None:
    """``acc 76.078 (>= 75.6954)``-style text for the results table."""
    if getattr(ctx, "endpoints", None) is not None:
        from compliance.rules.inference.endpoints import endpoints_accuracy

        return endpoints_accuracy(ctx)
    parts = []
    for target in model_targets(ctx):
        value, _ = metric_value(ctx, target.metric, target.reference)
        if value is None:
            continue
        bounds = []
        low = target_threshold(target)
        if low is not None:
            bounds.append(f">= {low:g}")
        if target.upper_limit is not None:
            bounds.append(f"<= {target.upper_limit:g}")
        parts.append(f"{target.metric} {value:g}" + (f" ({', '.join(bounds)})" if bounds else ""))
    if not parts and ctx.accuracy_txt is not None and ctx.accuracy_txt.metrics:
        parts = [f"{m.name} {m.value:g}" for m in ctx.accuracy_txt.metrics[:4]]
    return "; ".join(parts) or None


# -- checks ----------------------------------------------------------------------------------------


def accuracy_numbers(ctx: ResultContext) -> tuple[tuple[str, float], ...]:
    """The accuracy numbers a result publishes, its primary one first: an Endpoints result's
    scores, else the accuracy.txt values of the model's targets (IEP007 compares them)."""
    found = ctx.endpoints
    if found is not None:
        return tuple((s.dataset or "score", s.value) for s in found.scores if s.value is not None)
    numbers = ((t.metric, metric_value(ctx, t.metric, t.reference)[0]) for t in model_targets(ctx))
    return tuple((name, value) for name, value in numbers if value is not None)
