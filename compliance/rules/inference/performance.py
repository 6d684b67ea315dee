"""PERF: how long and how big a performance run was, and with which seeds, against LoadGen and the round."""

from __future__ import annotations

from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.models.roles import SubjectRole
from compliance.registry import REDIRECTS, Rule, checker, define
from compliance.rules.inference.context import LoadgenContext
from compliance.rules.inference.common import SUITES
DIVISIONS = ("closed", "open", "network")

PERF001 = define(
    "PERF001",
    "min-duration-configured-too-short",
    Severity.ERROR,
    "The performance run was configured with a minimum duration below the round's (600 s).",
    """
## What it checks
When the round applies (the round is named, or the model is known): that a
performance run's `effective_min_duration_ms` is at least the round's
`settings.min_duration` (600 000 ms) for its scenario. Models the round
exempts (`min_duration_exempt`, the E2E RAG benchmarks in 6.1) and
compliance-test runs (their audit.config sets its own duration) are not
checked.

## Why it matters
Every scenario must run at least 600 s so that throughput and tail latency
include the system's steady state (thermal throttling, caches, clocks). A run
configured shorter can be VALID for LoadGen and still not be a result.

## Example
A 60-second test run (`min_duration = 60000` in `user.conf`) submitted as the
result.

## How to fix
Remove the `min_duration` override from `user.conf` (mlperf.conf sets
600 000 ms) and run again.

## Rule reference
MLPerf Inference rules, "Scenarios" (minimum duration 600 s for every
scenario); reference notes 3.2 item 9 (the checker compares
`effective_min_duration_ms` with 600 000).
""",
    suites=SUITES,
    divisions=DIVISIONS,
)

PERF002 = define(
    "PERF002",
    "min-duration-not-met",
    Severity.ERROR,
    "The performance run ended before its minimum duration (LoadGen's result_min_duration_met is false).",
    """
## What it checks
That a performance run actually lasted its minimum duration: LoadGen's
`result_min_duration_met` is true. (For Offline the duration is the time until
the one query's last sample completes; for Server the last query's scheduled
time; for SingleStream and MultiStream the last query's issue time.) The
finding gives the run's length as the detail log shows it.

## Why it matters
A configured 600 s (PERF001) is not a 600 s run: a SUT that answers the
Offline query in a fraction of the time, or a `max_duration` that stops
LoadGen early, yields a run too short to be a result. The official checker
never compares the actual duration.

## Example
An Offline run expecting 100 samples/s whose SUT answers the ~110 samples in
30 ms: `result_min_duration_met` false.

## How to fix
Raise `offline_expected_qps` (Offline: the query must hold enough samples to
last the minimum duration), lower `single_stream_expected_latency_ns`, or
remove a `max_duration` shorter than the minimum duration.

## Rule reference
MLPerf Inference rules, "Scenarios" (600 s); LoadGen `results.cc`
(`min_duration_met`); reference notes 5.6.
""",
    suites=SUITES,
    divisions=DIVISIONS,
    deliberate_difference="The official checker checks only the configured minimum duration, never the run's actual length.",
)

PERF003 = define(
    "PERF003",
    "query-count-below-minimum",
    Severity.ERROR,
    "An Offline run's query holds fewer samples than the round requires (24 576, or the model's dataset size), or the minimum query count is below the model's.",
    """
## What it checks
When the model is known, in a performance run that is not a compliance-test
run: for Offline, that `effective_samples_per_query` is at least the model's
`offline_min_samples` (24 576, or the dataset size when smaller: BERT 10 833,
3D-UNet 43 ...), else the round's `settings.offline_min_samples`; and for
scenarios without early stopping, that `effective_min_query_count` is at
least the model's `min_queries` for the scenario. Open-division results are
not checked (the official checker applies it to closed results only).

## Why it matters
The Offline result is the throughput of one large query; a small query
measures start-up and tail effects, not throughput.

## Example
A ResNet-50 Offline run with `effective_samples_per_query` 1 100.

## How to fix
Set `offline_expected_qps` high enough (LoadGen issues expected QPS x
minimum duration samples) or a `min_query_count` of at least 24 576.

## Rule reference
MLPerf Inference rules, "Scenarios" (Offline: at least 24 576 samples);
the checker's `OFFLINE_MIN_SPQ_SINCE_V4` and `min-queries`; reference notes
3.2 item 8.
""",
    suites=SUITES,
    divisions=DIVISIONS,
)

PERF004 = define(
    "PERF004",
    "min-queries-not-met",
    Severity.ERROR,
    "The performance run issued fewer queries or samples than its minimum (LoadGen's result_min_queries_met is false).",
    """
## What it checks
That LoadGen's `result_min_queries_met` is true in a performance run: the
run issued at least `effective_min_query_count` queries and
`effective_min_sample_count` samples.

## Why it matters
The minimum query count is part of what makes the run's percentiles and
throughput meaningful; a run stopped before it (by `max_duration` or
`max_query_count`) is INVALID.

## Example
A SingleStream run with `min_query_count` 1 000 stopped by a 0.5 s
`max_duration` after 400 queries.

## How to fix
Remove the `max_duration`/`max_query_count` limit, or let the run last until
the minimum query count is reached.

## Rule reference
LoadGen `results.cc` (`min_queries_met`); MLPerf Inference rules,
"Scenarios"; reference notes 5.6.
""",
    suites=SUITES,
    divisions=DIVISIONS,
)

PERF005 = define(
    "PERF005",
    "performance-sample-count-too-low",
    Severity.ERROR,
    "The performance run used fewer loaded samples than the model's performance sample count.",
    """
## What it checks
When the model is known: that a performance run's
`effective_performance_sample_count` (how many samples LoadGen keeps loaded
and draws queries from) is at least the model's `performance_sample_count`
(ResNet-50 1 024, BERT 10 833, Llama 2 70B 24 576 ...).

## Why it matters
With fewer samples loaded the working set is smaller than the benchmark's:
it fits caches it should not, and the measured performance is better than the
system's.

## Example
A ResNet-50 run whose QSL reports 256 performance samples, or with
`performance_sample_count_override = 256`.

## How to fix
Report the benchmark's performance sample count from the QSL (or remove the
override) and run again.

## Rule reference
MLPerf Inference rules, "Benchmarks" (QSL size per model); reference notes
3.2 item 5 (`effective_performance_sample_count >= performance-sample-count`).
""",
    suites=SUITES,
    divisions=DIVISIONS,
)

PERF006 = define(
    "PERF006",
    "loadgen-seed-not-official",
    Severity.ERROR,
    "A performance run did not use the round's official LoadGen seeds (qsl, sample index, schedule).",
    """
## What it checks
When the round applies (the round is named, or the model is known): that a
performance run's `effective_qsl_rng_seed`, `effective_sample_index_rng_seed`
and `effective_schedule_rng_seed` equal the round's seeds (`[seeds]` of the
round data; v4.1 TEST05 runs: `[test05_seeds]`).

## Why it matters
The seeds fix which samples are loaded and queried and when; each round
publishes new ones so that no system can be tuned to a known query sequence.
Seeds come only from the mlperf.conf of the round's LoadGen; settings made in
code bypass it (seeds 0).

## Example
A run made with LoadGen's `TestSettings` built in code: every seed 0.

## How to fix
Build TestSettings with `FromConfig` from the round's `mlperf.conf` (the
LoadGen release of the round), and run again.

## Rule reference
MLPerf Inference rules, "LoadGen" (official seeds per round, in
mlperf.conf); reference notes 3.2 item 6.
""",
    suites=SUITES,
    divisions=DIVISIONS,
)
REDIRECTS["SEED003"] = "PERF006"  # renamed in 0.2: the SEED prefix is the training log rules' (one module per prefix)


def _run_length_ms(ctx: LoadgenContext) -> float | None:
    """How long the run lasted, as far as the detail log shows it."""
    run = ctx.run
    if run.scenario == "Offline":
        longest = run.value("result_max_latency_ns")
        if isinstance(longest, (int, float)) and not isinstance(longest, bool):
            return longest / 1e6
    start = end = None
    for record in run.records:
        text = record.value if isinstance(record.value, str) else ""
        if start is None and record.key == "generic_message" and text.startswith("Starting performance mode"):
            start = record.time_ms
        elif start is not None and "Ending" in text:
            end = record.time_ms
            break
    if start is None or end is None:
        return None
    return end - start


def _below_minimum(ctx: LoadgenContext, rule: Rule, key: str, logged: object, minimum: float, source: str, message: str) -> Finding:
    """A finding for the setting `key`, logged as `logged`, under the round's `minimum` (from `source`)."""
    required = f"{key} >= {minimum:.0f}"
    return ctx.finding(rule, message, key=key, observed=f"{key} {logged}", required=required, evidence={"source": source})


@checker(SubjectRole.LOADGEN_RUN, PERF001)
def configured_duration(ctx: LoadgenContext) -> Iterator[Finding]:
    if not ctx.round_applies or not ctx.held_to_performance_rules:
        return
    required = ctx.book.min_duration_ms(ctx.loadgen_scenario, ctx.model)
    if required is None:
        return
    configured = ctx.run.min_duration_ms
    source = ctx.book.settings.min_duration.source if ctx.book.settings.min_duration else ""
    if configured is None:
        yield ctx.finding(
            PERF001,
            "the detail log has no effective_min_duration_ms: the configured minimum duration is unknown",
            key="effective_scenario",
            observed="no effective_min_duration_ms record",
            required=f"effective_min_duration_ms >= {required:.0f}",
        )
    elif configured < required:
        yield _below_minimum(
            ctx, PERF001, "effective_min_duration_ms", configured, required, source,
            f"the run was configured for at least {configured / 1000:g} s; round {ctx.book.round} requires "
            f"{required / 1000:g} s for {ctx.loadgen_scenario}",
        )


@checker(SubjectRole.LOADGEN_RUN, PERF002)
def duration_met(ctx: LoadgenContext) -> Iterator[Finding]:
    run = ctx.run
    if not ctx.held_to_performance_rules or run.min_duration_met is not False:
        return
    length = _run_length_ms(ctx)
    if length is None:
        lasted = "the run ended early"
    elif length < 10_000:
        lasted = f"the run lasted about {length:.3g} ms"
    else:
        lasted = f"the run lasted about {length / 1000:.0f} s"
    minimum = run.min_duration_ms
    yield ctx.finding(
        PERF002,
        f"{lasted}, less than its minimum duration of {minimum / 1000:g} s (LoadGen: min duration not met)"
        if minimum is not None
        else f"{lasted} (LoadGen: min duration not met)",
        key="result_min_duration_met",
        observed="result_min_duration_met false" + (f", about {length:.0f} ms" if length is not None else ""),
        required=f"a run of at least effective_min_duration_ms {minimum}" if minimum is not None else "result_min_duration_met true",
    )


@checker(SubjectRole.LOADGEN_RUN, PERF003)
def query_counts(ctx: LoadgenContext) -> Iterator[Finding]:
    model = ctx.model
    if model is None or not ctx.held_to_performance_rules or ctx.division == "open":
        return
    run = ctx.run
    if run.scenario == "Offline":
        found = ctx.book.offline_min_samples(model)
        samples = run.samples_per_query
        if found is not None and samples is not None and samples < found[0]:
            yield _below_minimum(
                ctx, PERF003, "effective_samples_per_query", samples, found[0], found[1],
                f"the Offline query holds {samples} samples; {model.name} needs at least {found[0]:.0f} in round {ctx.book.round}",
            )
    scenario = ctx.scenario
    if scenario in ctx.book.settings.early_stopping_scenarios or model.min_queries is None:
        return
    wanted = model.min_queries.by_scenario.get(scenario) if scenario else None
    count = run.min_query_count
    if wanted is not None and count is not None and count < wanted:
        yield _below_minimum(
            ctx, PERF003, "effective_min_query_count", count, wanted, model.min_queries.source,
            f"the run's minimum query count is {count}; {model.name} {scenario} needs {wanted:.0f}",
        )


@checker(SubjectRole.LOADGEN_RUN, PERF004)
def queries_met(ctx: LoadgenContext) -> Iterator[Finding]:
    run = ctx.run
    if not ctx.held_to_performance_rules or run.min_queries_met is not False:
        return
    yield ctx.finding(
        PERF004,
        f"the run issued {run.query_count if run.query_count is not None else 'too few'} queries; its minimum was "
        f"{run.min_query_count} queries and {run.min_sample_count} samples (LoadGen: min queries not met)",
        key="result_min_queries_met",
        observed=f"result_min_queries_met false, result_query_count {run.query_count}",
        required=f"at least effective_min_query_count {run.min_query_count} queries",
    )


@checker(SubjectRole.LOADGEN_RUN, PERF005)
def sample_count(ctx: LoadgenContext) -> Iterator[Finding]:
    model = ctx.model
    if model is None or model.performance_sample_count is None or not ctx.held_to_performance_rules:
        return
    wanted = model.performance_sample_count.value
    count = ctx.run.performance_sample_count
    if wanted is None:
        return
    if count is None:
        yield ctx.finding(
            PERF005,
            "the detail log has no effective_performance_sample_count",
            key="effective_scenario",
            observed="no effective_performance_sample_count record",
            required=f"effective_performance_sample_count >= {wanted:.0f}",
        )
    elif count < wanted:
        yield _below_minimum(
            ctx, PERF005, "effective_performance_sample_count", count, wanted, model.performance_sample_count.source,
            f"LoadGen drew queries from {count} loaded samples; {model.name} needs {wanted:.0f} in round {ctx.book.round}",
        )


@checker(SubjectRole.LOADGEN_RUN, PERF006)
def seeds(ctx: LoadgenContext) -> Iterator[Finding]:
    if not ctx.round_applies or not ctx.held_to_performance_rules:
        return
    official = ctx.book.seeds
    which = "seeds"
    if ctx.compliance_test == "TEST05" and ctx.book.test05_seeds:
        official, which = ctx.book.test05_seeds, "TEST05 seeds"
    for name, seed in official.items():
        key = "effective_" + name
        value = ctx.run.value(key)
        if value is None:
            yield ctx.finding(
                PERF006,
                f"the detail log has no {key}",
                key="effective_scenario",
                observed=f"no {key} record",
                required=f"{key} {seed.value}",
            )
        elif isinstance(value, bool) or value != seed.value:
            yield ctx.finding(
                PERF006,
                f"{key} is {value}, not round {ctx.book.round}'s official {name.replace('_rng_seed', '').replace('_', ' ')} seed",
                key=key,
                observed=f"{key} {value}",
                required=f"{key} {seed.value} (round {ctx.book.round} {which})",
                evidence={"source": seed.source},
            )
