"""LAT: early stopping and latency bounds (three separate rules where the official checker has one
boolean), LLM token latencies, and the SingleStream/MultiStream latency metric."""

from __future__ import annotations

import re
from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.models.roles import SubjectRole
from compliance.records import recordclass
from compliance.registry import Rule, checker, define, doc_page
from compliance.rulebook.inference import Amount, LatencyBounds
from compliance.rules.inference.context import LoadgenContext, bound_ms, ms
from compliance.rules.inference.common import SUITES
DIVISIONS = ("closed", "open", "network")
BOUNDED_SCENARIOS = ("Server", "Interactive")

LAT001 = define(
    "LAT001",
    "early-stopping-not-met",
    Severity.ERROR,
    "A SingleStream, MultiStream or Server run did not meet LoadGen's early-stopping criterion.",
    """
## What it checks
In a performance run of a scenario that uses early stopping (the round's
`early_stopping_scenarios`: SingleStream, MultiStream, Server), that
`early_stopping_met` is true. The finding quotes LoadGen's
`early_stopping_result` (and the TTFT/TPOT variants for token latencies).

## Why it matters
Early stopping is how LoadGen bounds the percentile it reports with 99%
confidence: SingleStream needs at least 64 queries for the 90th percentile,
MultiStream 662 for the 99th, and a Server run enough queries for the number
that went over the latency bound. Without it the reported latency (or
throughput under the bound) is not supported by the run.

## Example
A SingleStream run of 11 queries of 100 ms: "Only processed 11 queries. Need
to process at least 64 queries for early stopping."

## How to fix
Run longer (more queries: a longer `min_duration` or `min_query_count`), or,
for Server, lower the target QPS so fewer queries exceed the bound.

## Rule reference
MLPerf Inference rules, "Appendix: Early Stopping" (binomial confidence 0.99,
tolerance 0) and "Scenarios"; LoadGen `early_stopping.cc`; reference notes
3.2 item 7 and 5.6.
""",
    suites=SUITES,
    divisions=DIVISIONS,
)

LAT002 = define(
    "LAT002",
    "target-latency-above-bound",
    Severity.ERROR,
    "A Server/Interactive run was configured with a target latency (or TTFT/TPOT bound) above the model's bound.",
    """
## What it checks
When the model and round are known, in a Server or Interactive performance
run: that LoadGen's `effective_target_latency_ns` is at most the model's
latency bound for the scenario (`models.<m>.latency.<scenario>.target_latency`),
and, for LLMs, that `requested_server_ttft_latency` and
`requested_server_tpot_latency` are at most the TTFT and TPOT bounds. This is
the *configured* bound LoadGen judged the run against.

## Why it matters
LoadGen declares a Server run VALID when its 99th-percentile latency is under
the target it was given; `target_latency` can be overridden in `user.conf`, so
a run configured with a looser target can be VALID and still break the
benchmark's bound (such results are eligible for the open division only).

## Example
ResNet-50 Server with `effective_target_latency_ns` 20 000 000 (20 ms); the
bound is 15 ms.

## How to fix
Remove the `target_latency` (or `ttft_latency`/`tpot_latency`) override from
`user.conf` (mlperf.conf holds the official value) and run again at a QPS that
meets it.

## Rule reference
MLPerf Inference rules, "Benchmarks" (Server latency constraints per model)
and "Scenarios"; reference notes 3.2 item 7 (the checker compares
`effective_target_latency_ns` with `latency-constraint`) and 4. The bounds
come from the round data, with their sources.
""",
    suites=SUITES,
    divisions=DIVISIONS,
    deliberate_difference="Where the rules and mlperf.conf give a model's Server bound and the checker a placeholder (DLRMv3 80 ms against 60 s; Qwen3-VL in v6.0 12 s against 60 s), mlperf-audit uses the rules' bound (recorded in the round data's disagreements).",
)

LAT003 = define(
    "LAT003",
    "p99-latency-above-bound",
    Severity.ERROR,
    "A Server/Interactive run's measured 99th-percentile latency is above its latency bound.",
    """
## What it checks
In a Server (or Interactive) performance run: that the measured
`result_99.00_percentile_latency_ns` is within the bound. Without a known
model the bound is the run's own `effective_target_latency_ns`, exactly as
LoadGen judged it (`result_perf_constraints_met`); with the model and round
known it is also the model's bound for the scenario. LLM runs with token
latencies are bounded by TTFT and TPOT instead (LAT004, LAT005).

## Why it matters
The Server metric is the throughput at which the latency bound holds; a run
whose tail latency exceeds the bound did not show that throughput.

## Example
300 QPS into a server that handles 200: the queue grows and the 99th
percentile reaches 1.6 s against a 10 ms target.

## How to fix
Lower the target QPS (LoadGen's summary recommends it) until the 99th
percentile is under the bound.

## Rule reference
MLPerf Inference rules, "Scenarios" (Server: latency bound at the 99th
percentile) and "Benchmarks"; LoadGen `results.cc` (performance
constraints); reference notes 3.2 item 7 and 5.6.
""",
    suites=SUITES,
    divisions=DIVISIONS,
    deliberate_difference="The official checker compares only the configured target (LAT002) for Server and never the measured percentile, and folds early stopping, the configured target and the measured latency into one boolean.",
)

@recordclass(frozen=True)
class _TokenBound:
    """One LLM token latency bound (LAT004, LAT005): what the check and the doc read.

    ``key`` is the measured 99th-percentile series, ``setting`` the run's configured limit,
    ``bound`` the round data's field (``models.<m>.latency.<scenario>``), ``short`` its name.
    """

    code: str
    name: str
    key: str
    setting: str
    what: str
    bound: str
    short: str
    why: str
    example: str
    fix: str


_TOKEN_BOUNDS = (
    _TokenBound(
        "LAT004",
        "ttft-p99-above-bound",
        "result_first_token_99.00_percentile_latency_ns",
        "requested_server_ttft_latency",
        "time to first token",
        "ttft_p99",
        "TTFT",
        """For LLMs the Server and Interactive scenarios are defined by how soon the
first token arrives; a faster token rate with a slower first token is not the
benchmark's workload.""",
        """Llama 3.1 8B Interactive with a 99th-percentile TTFT of 650 ms; the bound is
500 ms.""",
        "Lower the target QPS, or schedule prefill so the first token meets the bound.",
    ),
    _TokenBound(
        "LAT005",
        "tpot-p99-above-bound",
        "result_time_per_output_token_99.00_percentile_ns",
        "requested_server_tpot_latency",
        "time per output token",
        "tpot_p99",
        "TPOT",
        """The time per output token is how fast a user sees the answer being written;
the Server and Interactive bounds fix it per model.""",
        """Llama 2 70B Server with a 99th-percentile TPOT of 230 ms; the bound is
200 ms.""",
        "Lower the target QPS or the batch size of the decode phase.",
    ),
)


def _token_rule(token: _TokenBound) -> Rule:
    checks = f"""In a Server or Interactive performance run with token latencies: that
`{token.key}` is at most the run's
configured `{token.setting}` (LoadGen's own constraint) and,
with the model and round known, strictly below the model's {token.short} bound for
the scenario."""
    reference = """MLPerf Inference rules, "Benchmarks" (LLM TTFT/TPOT constraints); the
checker's `LLM_LATENCY_LIMITS` (strictly below); reference notes 3.2 item 11."""
    return define(
        token.code,
        token.name,
        Severity.ERROR,
        f"An LLM Server/Interactive run's 99th-percentile {token.what} is not below its bound.",
        doc_page(checks, token.why, token.example, token.fix, reference),
        suites=SUITES,
        divisions=DIVISIONS,
    )


LAT004, LAT005 = (_token_rule(token) for token in _TOKEN_BOUNDS)

LAT006 = define(
    "LAT006",
    "token-latencies-off",
    Severity.ERROR,
    "A performance run of an LLM that the rules measure by token latencies was run without them.",
    """
## What it checks
When the model is known and its round data says `token_latencies =
"required"`: that the performance run has `requested_use_token_latencies`
true.

## Why it matters
Without token latencies LoadGen measures whole-answer latency and reports
samples, not tokens, per second; the TTFT and TPOT bounds cannot be checked
and the result is not in the benchmark's unit.

## Example
A Llama 3.1 8B Server run made with the settings of a non-LLM benchmark.

## How to fix
Run with `use_token_latencies = 1` (mlperf.conf sets it for the LLMs) and a
SUT that reports first tokens (`FirstTokenComplete`).

## Rule reference
MLPerf Inference rules, "Benchmarks" (LLM metrics); reference notes 3.2
item 11 (`requested_use_token_latencies` must be true).
""",
    suites=SUITES,
    divisions=DIVISIONS,
)

LAT007 = define(
    "LAT007",
    "latency-metric-misreported",
    Severity.ERROR,
    "A SingleStream/MultiStream run's latency metric is not the early-stopping estimate of the scenario's percentile, or the summary reports it otherwise.",
    """
## What it checks
In a SingleStream or MultiStream performance run, that the latency metric is
reported as the rules define it:

- LoadGen targeted the scenario's percentile (`effective_target_latency_percentile`:
  0.9 for SingleStream, 0.99 for MultiStream, or the model's own, e.g.
  PointPainting's 99.9);
- in a VALID run the early-stopping estimate of that percentile (the metric:
  `early_stopping_latency_ss` for SingleStream, `early_stopping_latency_ms`
  for MultiStream) is logged, is above zero and is not below the measured
  percentile it bounds (with token latencies LoadGen estimates the time to
  first token, so the first token's percentile);
- the summary's "Early stopping Nth percentile estimate" and its headline
  percentile line name the same percentile and numbers as the detail log.

## Why it matters
The SingleStream p90 and MultiStream p99 results are early-stopping
estimates, not raw percentiles; a run that targeted another percentile, or
whose estimate is missing, reports a number that is not the benchmark's
metric (the official checker would report 0 ms for a missing estimate).

## Example
A SingleStream run made with `single_stream_target_latency_percentile = 0.99`:
its summary headline is the 99th percentile and its estimate is for p99.

## How to fix
Use the scenario's official percentile (mlperf.conf sets it; remove any
override from `user.conf`) and report the early-stopping estimate.

## Rule reference
MLPerf Inference rules, "Scenarios" (SingleStream: 90th-percentile
early-stopping latency estimate; MultiStream: 99th) and "Appendix: Early
Stopping"; reference notes 3.2 item 13 and 5.6.
""",
    suites=SUITES,
    divisions=DIVISIONS,
    deliberate_difference="The official checker reads the estimate as the metric but checks neither the targeted percentile, nor that the estimate exists, nor the summary.",
)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


@checker(SubjectRole.LOADGEN_RUN, LAT001)
def early_stopping(ctx: LoadgenContext) -> Iterator[Finding]:
    run = ctx.run
    if not ctx.held_to_performance_rules or run.scenario not in ctx.book.settings.early_stopping_scenarios:
        return
    if run.early_stopping_met is not False:
        return
    texts = [" ".join(text.replace("*", " ").split()) for text in run.early_stopping_results.values() if text.strip()]
    said = "; ".join(texts)
    yield ctx.finding(
        LAT001,
        f"early stopping not met in this {run.scenario} run" + (f": {said}" if said else ""),
        key="early_stopping_met",
        observed=f"early_stopping_met false ({run.query_count} queries)" if run.query_count is not None else "early_stopping_met false",
        required="early_stopping_met true",
    )


def _scenario_bounds(ctx: LoadgenContext) -> tuple[str, LatencyBounds] | None:
    """The model's name and latency bounds for the result's scenario (closed and network results)."""
    if ctx.model is None or not ctx.model_bounds_apply or ctx.scenario not in BOUNDED_SCENARIOS:
        return None
    bounds = ctx.model.latency_bounds(ctx.scenario)
    return (ctx.model.name, bounds) if bounds is not None else None


def _model_bound_finding(
    ctx: LoadgenContext, rule: Rule, key: str, logged_ns: float, relation: str, bound: float, source: str, message: str
) -> Finding:
    """A finding for `key`, logged as `logged_ns`, against the model's bound of `bound` ms (from `source`)."""
    observed = f"{key} {logged_ns:.0f} ns ({ms(logged_ns)})"
    required = f"{relation} {bound * 1e6:.0f} ns ({bound_ms(bound)})"
    return ctx.finding(rule, message, key=key, observed=observed, required=required, evidence={"source": source})


@checker(SubjectRole.LOADGEN_RUN, LAT002)
def configured_target(ctx: LoadgenContext) -> Iterator[Finding]:
    found = _scenario_bounds(ctx)
    if found is None or not ctx.held_to_performance_rules:
        return
    model, bounds = found
    checks = [
        ("effective_target_latency_ns", bounds.target_latency, "latency bound"),
    ]
    checks += [(token.setting, getattr(bounds, token.bound), f"{token.short} bound") for token in _TOKEN_BOUNDS]
    for key, amount, what in checks:
        if amount is None or amount.value is None:
            continue
        configured = _number(ctx.run.value(key))
        if configured is None:
            continue
        if configured > amount.value * 1e6:
            yield _model_bound_finding(
                ctx, LAT002, key, configured, "<=", amount.value, amount.source,
                f"LoadGen ran with {key} {ms(configured)}; the round {ctx.book.round} {what} of {model} "
                f"{ctx.scenario} is {bound_ms(amount.value)}",
            )


def _percentile_key(ctx: LoadgenContext) -> tuple[str, float]:
    percentile = ctx.book.percentile("Server") or 99.0
    return f"result_{percentile:.2f}_percentile_latency_ns", percentile


def _measured_bound(
    ctx: LoadgenContext,
    rule: Rule,
    key: str,
    subject: str,
    attr: str,
    run_key: str,
    run_words: str,
    strict: bool,
) -> Iterator[Finding]:
    """`subject` (the series `key`) against the model's bound `attr` for the scenario (`strict`: the
    series must stay below it) or, failing that, against the run's own limit `run_key`."""
    measured = _number(ctx.run.value(key))
    if measured is None:
        return
    run_limit = _number(ctx.run.value(run_key)) or 0.0
    over_run = bool(run_limit) and measured > run_limit
    found = _scenario_bounds(ctx)
    amount: Amount | None = getattr(found[1], attr) if found is not None else None
    if found is not None and amount is not None and amount.value is not None:
        limit = amount.value * 1e6
        if measured >= limit if strict else measured > limit:
            if strict:
                note = " (strictly below)"
            else:
                note = f" (and over the run's {run_words} {ms(run_limit)})" if over_run else ""
            yield _model_bound_finding(
                ctx, rule, key, measured, "<" if strict else "<=", amount.value, amount.source,
                f"{subject} is {ms(measured)}; the round {ctx.book.round} bound of {found[0]} {ctx.scenario} is "
                f"{bound_ms(amount.value)}{note}",
            )
            return
    if over_run:
        yield ctx.finding(
            rule,
            f"{subject} is {ms(measured)}, over the run's {run_words} {ms(run_limit)}",
            key=key,
            observed=f"{key} {measured:.0f} ns ({ms(measured)})",
            required=f"<= {run_key} {run_limit:.0f} ns ({ms(run_limit)})",
        )


@checker(SubjectRole.LOADGEN_RUN, LAT003)
def measured_latency(ctx: LoadgenContext) -> Iterator[Finding]:
    run = ctx.run
    if not ctx.held_to_performance_rules or run.scenario != "Server" or run.uses_token_latencies:
        return
    key, percentile = _percentile_key(ctx)
    yield from _measured_bound(
        ctx,
        LAT003,
        key,
        f"the measured {percentile:g}th-percentile latency",
        "target_latency",
        "effective_target_latency_ns",
        "target of",
        strict=False,
    )


def _token_bound(ctx: LoadgenContext, rule: Rule, token: _TokenBound) -> Iterator[Finding]:
    run = ctx.run
    if not ctx.held_to_performance_rules or run.scenario != "Server" or not run.uses_token_latencies:
        return
    yield from _measured_bound(ctx, rule, token.key, f"the 99th-percentile {token.what}", token.bound, token.setting, "configured", strict=True)


@checker(SubjectRole.LOADGEN_RUN, LAT004)
def time_to_first_token(ctx: LoadgenContext) -> Iterator[Finding]:
    yield from _token_bound(ctx, LAT004, _TOKEN_BOUNDS[0])


@checker(SubjectRole.LOADGEN_RUN, LAT005)
def time_per_output_token(ctx: LoadgenContext) -> Iterator[Finding]:
    yield from _token_bound(ctx, LAT005, _TOKEN_BOUNDS[1])


@checker(SubjectRole.LOADGEN_RUN, LAT006)
def token_latencies_on(ctx: LoadgenContext) -> Iterator[Finding]:
    model = ctx.model
    if model is None or model.token_latencies != "required" or not ctx.held_to_performance_rules or ctx.run.uses_token_latencies:
        return
    logged = ctx.run.value("requested_use_token_latencies")
    yield ctx.finding(
        LAT006,
        f"{model.name} is measured with token latencies, but this run has none",
        key="requested_use_token_latencies" if logged is not None else "requested_scenario",
        observed=f"requested_use_token_latencies {logged}" if logged is not None else "no requested_use_token_latencies record",
        required="requested_use_token_latencies true",
    )


_ESTIMATE_BULLET = re.compile(r"early stopping (\d+(?:\.\d+)?)th percentile estimate:\s*(\d+)", re.IGNORECASE)
_HEADLINE = re.compile(r"^(\d+(?:\.\d+)?)th percentile latency \(ns\)$", re.IGNORECASE)
_ESTIMATE_KEYS = {"SingleStream": "early_stopping_latency_ss", "MultiStream": "early_stopping_latency_ms"}


def _raw_key(scenario: str, percentile: float, tokens: bool) -> str:
    """The measured percentile an early-stopping estimate bounds (the first token's with token latencies)."""
    if tokens:
        return f"result_first_token_{percentile:.2f}_percentile_latency_ns"
    series = "per_query_latency_ns" if scenario == "MultiStream" else "latency_ns"
    return f"result_{percentile:.2f}_percentile_{series}"


@checker(SubjectRole.LOADGEN_RUN, LAT007)
def latency_metric(ctx: LoadgenContext) -> Iterator[Finding]:
    run = ctx.run
    scenario = run.scenario
    if not ctx.held_to_performance_rules or scenario not in _ESTIMATE_KEYS:
        return
    # The model's percentile for the scenario LoadGen ran (an inferred result's run is still the model's run).
    wanted = ctx.book.percentile(scenario, ctx.model)
    targeted = _number(run.value("effective_target_latency_percentile"))
    if wanted is not None and targeted is not None and abs(targeted * 100 - wanted) > 1e-6:
        yield ctx.finding(
            LAT007,
            f"LoadGen targeted the {targeted * 100:g}th percentile; the {scenario} metric is the {wanted:g}th",
            key="effective_target_latency_percentile",
            observed=f"effective_target_latency_percentile {targeted:g}",
            required=f"effective_target_latency_percentile {wanted / 100:g}",
        )
    percentile = targeted * 100 if targeted is not None else wanted
    estimate_key = _ESTIMATE_KEYS[scenario]
    estimate = _number(run.value(estimate_key))
    if run.validity == "VALID":
        if estimate is None or estimate <= 0:
            yield ctx.finding(
                LAT007,
                f"the run is VALID but its metric, the early-stopping estimate {estimate_key}, is "
                + ("missing" if estimate is None else f"{estimate:g}"),
                key=estimate_key if estimate is not None else "result_validity",
                observed=f"{estimate_key} not logged" if run.value(estimate_key) is None else f"{estimate_key} {run.value(estimate_key)!r}",
                required=f"{estimate_key} > 0",
            )
        elif percentile is not None:
            raw_key = _raw_key(scenario, percentile, run.uses_token_latencies)
            raw = _number(run.value(raw_key))
            if raw is not None and estimate < raw:
                yield ctx.finding(
                    LAT007,
                    f"the early-stopping estimate {estimate_key} ({ms(estimate)}) is below the measured "
                    f"{percentile:g}th percentile ({ms(raw)}) it bounds",
                    key=estimate_key,
                    observed=f"{estimate_key} {estimate:.0f} ns, {raw_key} {raw:.0f} ns",
                    required=f"{estimate_key} >= {raw_key}",
                )
    summary = run.summary
    if not summary.present or not summary.readable:
        return
    for heading, bullets in summary.early_stopping.items():
        if "tpot" in heading.lower():
            continue  # with token latencies the estimate logged is the time to first token's
        for bullet in bullets:
            match = _ESTIMATE_BULLET.search(bullet)
            if match is None or percentile is None or abs(float(match.group(1)) - percentile) > 1e-6:
                continue
            printed = int(match.group(2))
            if estimate is not None and printed != estimate:
                yield ctx.finding(
                    LAT007,
                    f"the summary's {match.group(1)}th-percentile estimate is {printed}, the detail log's "
                    f"{estimate_key} is {estimate:.0f}",
                    path=ctx.summary_path,
                    key=estimate_key,
                    observed=f"summary: {printed}",
                    required=f"{estimate_key} {estimate:.0f}",
                )
    for item in summary.metrics[:1]:
        match = _HEADLINE.match(" ".join(item.name.split()))
        if match is not None and percentile is not None and abs(float(match.group(1)) - percentile) > 1e-6:
            yield ctx.finding(
                LAT007,
                f"the summary's headline is the {match.group(1)}th percentile; the run targeted the {percentile:g}th",
                path=ctx.summary_path,
                line=item.line,
                observed=f"summary: {item.name}",
                required=f"{percentile:.1f}th percentile latency (ns)",
            )
