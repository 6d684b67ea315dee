"""LGS: LoadGen settings a round requires of a scenario's or a model's performance runs (the round
data's ``settings.scenario_settings`` and ``models.<m>.required_loadgen_settings``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from compliance.models.findings import Finding, Severity
from compliance.registry import checker, define
from compliance.rules.inference.common import SUITES
from compliance.rules.inference.context import LoadgenContext

LGS001 = define(
    "LGS001",
    "loadgen-setting-required",
    Severity.ERROR,
    "A performance run was made without a LoadGen setting the round requires for its scenario or model.",
    """
## What it checks
For each performance run held to a submission's rules (the result's own run,
and the runs of TEST01 and TEST04): every LoadGen setting the round data
requires for the scenario LoadGen ran (`settings.scenario_settings`) and for
the model (`models.<model>.required_loadgen_settings`) has the required value
in the detail log. In MLPerf Automotive 0.5: a ConstantStream run must issue
queries at the constant rate (`effective_server_constant_gen` true) and target
the 99.9th percentile (`effective_target_latency_percentile` 0.999), and every
BEVFormer run must use the grouped sample library (`effective_use_grouped_qsl`
true), because its frames depend on the frames before them in a scene.

## Why it matters
The official checker rejects such a run ("constant_gen is set to false",
"grouped_qsl is required but not used", "target_latency_percentile is required
to be 0.999"): a Poisson ConstantStream run, or BEVFormer fed frames out of
order, measures something else than the benchmark.

## Example
`LGS001 effective_use_grouped_qsl is false; bevformer runs must have it true`

## How to fix
Run with the round's `mlperf.conf` (it sets `constant_gen = 1`, the 99.9
percentile and `bevformer.*.use_grouped_qsl = 1`), and remove any `user.conf`
line that overrides them.

## Rule reference
MLPerf Automotive submission checker (`check_performance_dir`) and its
`mlperf.conf`; the inference rules' "use the official mlperf.conf" (LoadGen
settings not listed as user-settable must keep their default).
""",
    suites=SUITES,
)

_META = ("source", "note")


def _wanted(table: Mapping[str, Any] | None) -> tuple[dict[str, Any], str]:
    if not table:
        return {}, ""
    return {k: v for k, v in table.items() if k not in _META}, str(table.get("source", ""))


def _same(logged: object, wanted: object) -> bool:
    if isinstance(wanted, bool):
        return logged is wanted or (type(logged) is int and logged == int(wanted))
    if isinstance(wanted, (int, float)) and isinstance(logged, (int, float)) and not isinstance(logged, bool):
        return abs(float(logged) - float(wanted)) <= 1e-9 * max(1.0, abs(float(wanted)))
    return logged == wanted


def _text(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return f"{value:g}" if isinstance(value, float) else str(value)


@checker("loadgen_run", LGS001)
def required_settings(ctx: LoadgenContext) -> Iterator[Finding]:
    if not ctx.held_to_performance_rules:
        return
    scenario = ctx.run.scenario
    sets: list[tuple[str, dict[str, Any], str]] = []
    if scenario:
        wanted, source = _wanted(ctx.book.settings.scenario_settings.get(scenario))
        sets.append((f"{scenario} runs", wanted, source))
    if ctx.model is not None:
        wanted, source = _wanted(ctx.model.extra.get("required_loadgen_settings"))
        sets.append((f"{ctx.model.name} runs", wanted, source))
    for whose, wanted, source in sets:
        for key, value in wanted.items():
            logged = ctx.run.value(key)
            if logged is None:
                continue  # not logged at all: the LoadGen-run rules report a damaged log
            if _same(logged, value):
                continue
            shown, seen = _text(value), _text(logged)
            yield ctx.finding(
                LGS001,
                f"{key} is {seen}; {whose} must have it {shown} in round {ctx.book.round}",
                key=key,
                observed=f"{key} {seen}",
                required=f"{key} {shown}",
                evidence={"source": source} if source else None,
            )
