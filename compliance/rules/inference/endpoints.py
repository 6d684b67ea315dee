"""IEP: Endpoints (LoadGen++) results of MLPerf Inference 6.1, read by compliance.parsers.endpoints:
their files, their number and accuracy as published, and what the official checker published
without a word (a bare accuracy number, a measured row marked inferred, no build identity,
untruncated response logs, Server results without latencies, one metric on two scales)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.registry import checker, define
from compliance.rules.inference.common import ALL, SUITES
from compliance.rules.inference.tree_context import RESULT_SUBJECT, SUBMISSION_SUBJECT, ResultContext, SubmissionContext

_REF = "MLPerf Inference 6.1 Endpoints results (mlcommons/inference tools/submission/submission_checker: loader.py, parsers/endpoints_parser.py)"

IEP001 = define(
    "IEP001",
    "endpoints-file-unusable",
    Severity.ERROR,
    "An Endpoints result lacks its performance or accuracy file, or the file cannot be read as a JSON object.",
    f"""
## What it checks
A result folder with no LoadGen logs is an Endpoints result (the official
loader's test). It must hold a performance file
(`performance/result_summary.json`, or `performance/run_1/results.json` or
`result_summary.json` in the older layout) and an accuracy file
(`accuracy/accuracy_results.json`, or the accuracy scores inside the older
`results.json`), each a JSON object within the round's file size limit; and a
model the round allows as an Endpoints result.

## Why it matters
The published number and the accuracy come from these files alone; a file
that is missing, truncated, not JSON or nested beyond reason gives no number
the table can trust. The official checker logs "Could not load json file" and
carries on with empty values.

## Example
`IEP001 performance/result_summary.json is not JSON (unexpected end of data)`

## How to fix
Copy the endpoints client's output files unchanged into the result folder.

## Rule reference
{_REF}; MLPerf Inference submission rules, results directory layout.
""",
    suites=SUITES,
    divisions=ALL,
)

IEP002 = define(
    "IEP002",
    "endpoints-accuracy-unnamed",
    Severity.WARNING,
    "An Endpoints result's accuracy is a bare number: no metric name says what it measures.",
    f"""
## What it checks
Each accuracy score of an Endpoints result (`accuracy_scores[].score`) names
its metric (a table such as `{{"rouge1": 38.6, ...}}`), or is a bare number.

## Why it matters
The official checker publishes the bare number as the result's accuracy
(`"Accuracy": "0.7879966032452779"`), while LoadGen results of the same models
publish named metrics (`exact_match: 81.17`, `vbench_score: 70.12`). A reader
cannot tell an F1 from an exact match, nor a fraction from a percentage. The
rules do not say how an Endpoints accuracy is named, so this is a warning.

## Example
`IEP002 the accuracy of deepseek_r1_accuracy is the bare number 81.4266; no metric is named`

## How to fix
Report the metric with its name (the endpoints client's `breakdown` has them),
or ask the submitters' working group to have the checker publish it.

## Rule reference
{_REF} (accuracy_check.py stores the raw score as the published accuracy).
""",
    suites=SUITES,
    divisions=ALL,
    deliberate_difference="The official checker publishes the bare number without a word.",
)

IEP003 = define(
    "IEP003",
    "endpoints-provenance-missing",
    Severity.WARNING,
    "An Endpoints result's files do not say which client build made them, or when.",
    f"""
## What it checks
That the performance file names the endpoints client's commit (`git_sha`)
and the time the test started (`test_started_at` after 1970).

## Why it matters
For LoadGen results the rules require a LoadGen "compiled from a tagged
approved revision", and LoadGen logs its version, commit and date; an
Endpoints result with `git_sha: null` and `test_started_at: 0` cannot be tied
to an approved client. The rules say nothing yet about Endpoints builds, so
this is a warning.

## Example
`IEP003 git_sha names no commit and test_started_at is 0 (1970-01-01)`

## How to fix
Run an endpoints client installed from its repository (so that it knows its
commit), and keep its output unchanged.

## Rule reference
MLPerf Inference rules, "LoadGen" (a tagged approved revision); {_REF}
(`git_sha` is read as LoadGen's git commit hash, `test_started_at` as the test date).
""",
    suites=SUITES,
    divisions=ALL,
)

IEP004 = define(
    "IEP004",
    "endpoints-results-untruncated",
    Severity.WARNING,
    "An Endpoints results file carries every response and is larger than a truncated response log may be.",
    f"""
## What it checks
The size of an Endpoints `results.json` that holds the model's responses
(`responses`), against the round's limit for a response log
(`mlperf_log_accuracy.json` must be truncated to 10 KiB).

## Why it matters
A 20 MB file of every response is what LoadGen's accuracy log is truncated
to avoid: the repository grows by megabytes per result and the responses,
which the accuracy run already scored, are published whole. It is under the
50 MB file limit, so only a truncation rule catches it; the Endpoints rules do
not state one yet, so this is a warning.

## Example
`IEP004 performance/run_1/results.json is 20,629,316 bytes with 48,289 responses; a response log is kept to 10,240 bytes`

## How to fix
Truncate the file as the official `truncate_accuracy_log` does for
`mlperf_log_accuracy.json` (keep the head and tail), or drop `responses`.

## Rule reference
MLPerf Inference submission rules (the truncated accuracy log); {_REF}.
""",
    suites=SUITES,
    divisions=ALL,
    deliberate_difference="The official checker reads Endpoints results files of any size below 50 MB.",
)

IEP005 = define(
    "IEP005",
    "endpoints-latency-missing",
    Severity.ERROR,
    "An Endpoints Server or Interactive result has no latency percentiles, so its latency bound cannot be checked.",
    f"""
## What it checks
A Server or Interactive Endpoints result's files report the 99th-percentile
latency (`latency.percentiles`), and for token models the time to first token
and per output token (`ttft`, `tpot`).

## Why it matters
A Server result is valid only when its queries meet the benchmark's latency
bound (the rules' Server scenario: the 99th-percentile latency, or TTFT and
TPOT for LLMs, within the bound). A results file with a query rate and no
latency at all (the older layout's `results.json`) shows a throughput that no
one can check against the bound; the official checker published one.

## Example
`IEP005 this Server result reports no latency percentiles (results.json has results.qps only)`

## How to fix
Submit the client's `result_summary.json` (it has `latency`, `ttft`, `tpot`
with their percentiles and early-stopping estimates).

## Rule reference
MLPerf Inference rules, "Scenarios" (Server: the latency constraint at the
99th percentile) and the LLM TTFT/TPOT bounds; {_REF}.
""",
    suites=SUITES,
)

IEP006 = define(
    "IEP006",
    "endpoints-row-marked-inferred",
    Severity.INFO,
    "The official results table marks this measured Endpoints result as inferred.",
    f"""
## What it checks
Whether the scenario folder's name and the config's `type` differ in case or
name (`Server` and `online`, `Offline` and `offline`): the official results
table then sets `inferred: 1` on the row.

## Why it matters
`inferred` says a result was computed from another scenario's run (an edge
rule). The official `results.py` compares the folder's scenario with the
logged one case-sensitively (its performance check compares them lower-cased),
so every Endpoints row, and LoadGen Interactive rows, are published as
inferred although they were measured. The verdict is right; the flag is not.
mlperf-audit's row says the result was measured (`inferred_from` empty).

## Example
`IEP006 folder Server, config type 'online': the official table publishes this measured result with inferred = 1`

## How to fix
Nothing in the submission; the official table's flag is wrong.

## Rule reference
MLPerf Inference rules, "Benchmarks", edge (inferred results); {_REF} (results.py).
""",
    suites=SUITES,
    divisions=ALL,
    deliberate_difference="The official table publishes inferred = 1 for these measured results.",
)

IEP007 = define(
    "IEP007",
    "accuracy-scale-differs",
    Severity.REVIEW,
    "Results of one model publish their accuracy on two scales (a fraction and a percentage).",
    f"""
## What it checks
In a tree: the accuracy numbers each model's results publish. When some are
fractions (at most 1) and others percentages (above 1), the model's accuracy
is published on two scales.

## Why it matters
VBench 0.7028 beside VBench 70.12 for the same model reads as a hundredfold
difference in quality; a reader of the table, or the accuracy check, compares
numbers that do not mean the same thing. Only the reviewers can say which
scale the model's target is on (the rules give one number per model).

## Example
`IEP007 wan-2.2-t2v-a14b: accuracy as a fraction in open/X/... (0.7028) and as a percentage in closed/Y/... (70.12)`

## How to fix
Report the metric on the scale of the rules' target (the round's reference
accuracy).

## Rule reference
MLPerf Inference rules, "Benchmarks" (one accuracy target per model); {_REF}.
""",
    suites=SUITES,
    divisions=ALL,
    deliberate_difference="The official checker compares no accuracy across results.",
)


IEP008 = define(
    "IEP008",
    "endpoints-run-incomplete",
    Severity.ERROR,
    "An Endpoints run had failed samples, or ran shorter than the round's minimum duration.",
    f"""
## What it checks
From the performance file: the samples that failed (`n_samples_failed`,
`results.failed`) and the run's duration (`duration_ns`, or `elapsed_time`
in seconds) against the round's minimum duration for the scenario.

## Why it matters
A LoadGen run is VALID only when every query was answered and it lasted the
minimum duration (600 s); the official checker reads failed samples as the
run's errors (`num_errors`) and rejects a run that has any. An Endpoints run
is held to the same.

## Example
`IEP008 the run lasted 412.3 s; round 6.1 requires 600 s for Server`

## How to fix
Run again until no request fails, for at least the minimum duration (the
config's `settings.runtime.min_duration_ms`).

## Rule reference
MLPerf Inference rules, "Scenarios" (the minimum duration); {_REF} (`num_errors`, `has_error`).
""",
    suites=SUITES,
)


IEP009 = define(
    "IEP009",
    "endpoints-metric-differs",
    Severity.WARNING,
    "The number published for an Endpoints SingleStream or MultiStream result is the mean latency, not the rules' metric.",
    f"""
## What it checks
For an Endpoints SingleStream or MultiStream result: the statistic the
official table publishes (`RESULT_FIELD_ENDPOINTS`: the mean latency,
`latency.avg`) against the metric the rules define for the scenario (the
early-stopping estimate of the 90th-percentile latency for SingleStream, of
the 99th for MultiStream), with both numbers when the files have them.

## Why it matters
A LoadGen SingleStream result publishes its 90th-percentile early-stopping
estimate; an Endpoints one the mean, which is lower for any skewed latency.
Side by side in one table, the Endpoints result looks faster than a LoadGen
result of the same speed. The rules do not yet say how an Endpoints result's
metric is computed, so this is a warning.

## Example
`IEP009 the published SingleStream number is the mean latency (3807.66 ms); the rules' metric, the 90th-percentile early-stopping estimate, is 4120.5 ms`

## How to fix
Nothing in the submission; the official checker's Endpoints metric table
needs the rules' statistic.

## Rule reference
MLPerf Inference rules, "Scenarios" (SingleStream: 90th-percentile latency,
early-stopping estimate; MultiStream: 99th); {_REF} (`RESULT_FIELD_ENDPOINTS`).
""",
    suites=SUITES,
    divisions=ALL,
    deliberate_difference="mlperf-audit publishes the official number and reports the rules' one beside it.",
)


# -- the number and the accuracy the result publishes ----------------------------------------------


def endpoints_metric(ctx: ResultContext) -> tuple[str | None, float | None, str | None, str | None]:
    """(key, value in the table's unit, the unit, why there is none) of an Endpoints result: the
    model's token-rate key for the scenario, else the round's Endpoints key for it."""
    spec = ctx.book.endpoints
    scenario = ctx.scenario
    found = ctx.endpoints
    if scenario is None or found is None:
        return None, None, None, "no scenario"
    model_key = ctx.model.result_keys.get(scenario) if ctx.model is not None else None
    general = ctx.book.result_keys.get(scenario)
    # The official overwrite: a model's own key (a token rate) replaces the Endpoints key; a model
    # entry that only restates the round's key (with its unit, Wan's Latency (s)) does not.
    overwrite = model_key is not None and (general is None or model_key.published_key != general.published_key)
    key = model_key.published_key if overwrite and model_key is not None else (spec.get("result_keys") or {}).get(scenario)
    unit = (model_key or general).table_unit if (model_key or general) is not None else None  # type: ignore[union-attr]
    if key is None:
        return None, None, unit, f"the round has no Endpoints metric for {scenario}"
    value = found.number(key)
    if value is None and key == "result_samples_per_second":
        count, duration = found.number("qsl_reported_total_count"), found.number("generated_query_duration")
        if count and duration:
            value = count / (duration / 1e9)  # the official parser's QPS from count / duration
    if value is None:
        return key, None, unit, f"the Endpoints files report no {key}"
    if key.endswith("_ns") or "latency_ns" in key:
        value /= 1e9 if unit == "Latency (s)" else 1e6
    return key, value, unit, None


def endpoints_accuracy(ctx: ResultContext) -> str | None:
    """The accuracy text of the results row: each dataset's metrics, or its bare number."""
    found = ctx.endpoints
    if found is None or not found.scores:
        return None
    parts = []
    for score in found.scores[:4]:
        if score.named:
            parts.append(", ".join(f"{name} {value:g}" for name, value in score.metrics[:4]))
        elif score.value is not None:
            parts.append(f"{score.value:g} (no metric named)")
    return "; ".join(parts) or None


def accuracy_numbers(ctx: ResultContext) -> tuple[tuple[str, float], ...]:
    """The accuracy numbers a result publishes, its primary one first: an Endpoints result's
    scores, else the accuracy.txt values of the model's targets (IEP007 compares them)."""
    from compliance.rules.inference.values import metric_value, model_targets

    found = ctx.endpoints
    if found is not None:
        return tuple((s.dataset or "score", s.value) for s in found.scores if s.value is not None)
    numbers = ((t.metric, metric_value(ctx, t.metric, t.reference)[0]) for t in model_targets(ctx))
    return tuple((name, value) for name, value in numbers if value is not None)


# -- the checks -----------------------------------------------------------------------------------


@checker(RESULT_SUBJECT, IEP001, IEP002, IEP003, IEP004)
def endpoints_files(ctx: ResultContext) -> Iterator[Finding]:
    found = ctx.endpoints
    if found is None:
        return
    spec = ctx.book.endpoints
    if ctx.model is not None and ctx.model.name not in ctx.book.endpoints_models:
        yield ctx.finding(
            IEP001,
            f"{ctx.model.name} is not a model the round allows as an Endpoints result",
            path=ctx.entry.path,
            observed=ctx.model.name,
            required="one of " + ", ".join(ctx.book.endpoints_models),
        )
    for name, meant in found.misnamed:
        yield ctx.finding(
            IEP001,
            f"{name} is named as no official parser opens it (they read {meant.rsplit('/', 1)[1]}); it was read as {meant}",
            path=ctx.shown(name),
            observed=name,
            required=meant,
            severity=Severity.WARNING,
        )
    for what, file, names in (("performance", found.performance, "performance_files"), ("accuracy", found.accuracy, "accuracy_files")):
        if file is None:
            wanted = list(spec.get(names, ()))
            yield ctx.finding(
                IEP001,
                f"this Endpoints result has no {what} file (looked for {', '.join(wanted)})",
                path=ctx.shown(wanted[0]) if wanted else ctx.entry.path,
                observed="absent",
                required=" or ".join(wanted),
            )
        elif file.problem is not None:
            yield ctx.finding(IEP001, f"{file.relative} is {file.problem}", path=file.shown, observed=file.problem, required="a JSON object")
    if found.accuracy is not None and found.accuracy.data is not None and not found.scores:
        yield ctx.finding(
            IEP001,
            f"{found.accuracy.relative} has no accuracy_scores entry with a score",
            path=found.accuracy.shown,
            observed="no accuracy_scores",
            required="accuracy_scores with a score per dataset",
        )
    for score in found.scores:
        if not score.named and score.value is not None and found.accuracy is not None:
            yield ctx.finding(
                IEP002,
                f"the accuracy of {score.dataset or 'the dataset'} is the bare number {score.value:g}; no metric is named "
                "(the official table publishes the number alone)",
                path=found.accuracy.shown,
                key="accuracy_scores",
                observed=f"score {score.value!r}",
                required="a score that names its metric",
            )
    perf = found.performance
    if perf is not None and perf.data is not None and found.layout == "summary":
        missing = []
        if "git_sha" in perf.data and not perf.data.get("git_sha"):
            missing.append("git_sha names no commit")
        started = perf.data.get("test_started_at")
        if isinstance(started, (int, float)) and not isinstance(started, bool) and started <= 0:
            missing.append(f"test_started_at is {started} (1970-01-01)")
        if missing:
            yield ctx.finding(
                IEP003,
                " and ".join(missing) + ": the files do not say which endpoints client build made them, or when",
                path=perf.shown,
                key="git_sha",
                observed="; ".join(missing),
                required="git_sha of the client's commit and the test's start time",
            )
    limit = (spec.get("results_file_max_size") or {}).get("value")
    for file in found.files:
        responses = file.data.get("responses") if file.data is not None else None
        if limit is not None and isinstance(responses, (dict, list)) and responses and file.size is not None and file.size > limit:
            yield ctx.finding(
                IEP004,
                f"{file.relative} is {file.size:,} bytes with {len(responses):,} responses; a response log is kept to {int(limit):,} bytes",
                path=file.shown,
                key="responses",
                observed=f"{file.size} bytes, {len(responses)} responses",
                required=f"at most {int(limit)} bytes (truncated), or no responses",
            )


_LATENCY_KEYS = ("result_99.00_percentile_latency_ns", "result_99.90_percentile_latency_ns")
_TOKEN_KEYS = ("result_first_token_99.00_percentile_latency_ns", "result_time_per_output_token_99.00_percentile_ns")


@checker(RESULT_SUBJECT, IEP005, IEP006)
def endpoints_scenario(ctx: ResultContext) -> Iterator[Finding]:
    found = ctx.endpoints
    if found is None or ctx.scenario is None:
        return
    where = found.performance.shown if found.performance is not None else ctx.entry.path
    if ctx.scenario in ("Server", "Interactive") and found.performance is not None and found.performance.data is not None:
        tokens = ctx.model is not None and ctx.model.token_latencies is not None
        wanted = _TOKEN_KEYS if tokens else _LATENCY_KEYS
        absent = [k for k in wanted if found.number(k) is None] if tokens else ([] if any(found.number(k) is not None for k in wanted) else list(wanted))
        if absent:
            yield ctx.finding(
                IEP005,
                f"this {ctx.scenario} result reports no {' or '.join(absent)}: its latency bound cannot be checked "
                f"({found.performance.relative} has {', '.join(sorted(found.performance.data)[:6])})",
                path=where,
                observed="no latency percentiles",
                required=", ".join(wanted),
            )
    declared = found.scenario_type
    if declared is not None and declared != ctx.entry.scenario:
        yield ctx.finding(
            IEP006,
            f"folder {ctx.entry.scenario}, config type {declared!r}: the official results table publishes this measured "
            "result with inferred = 1 (its comparison is case-sensitive); it was measured, not inferred",
            path=ctx.shown(found.config_file or "config.yaml"),
            key="type",
            observed=f"type {declared}",
            required=f"type {ctx.entry.scenario} (for the official flag only)",
        )


@checker(RESULT_SUBJECT, IEP008)
def endpoints_run(ctx: ResultContext) -> Iterator[Finding]:
    found = ctx.endpoints
    if found is None or found.performance is None or found.performance.data is None or ctx.scenario is None:
        return
    where = found.performance.shown
    failed = found.number("num_errors")
    if failed is not None and failed > 0:
        yield ctx.finding(
            IEP008,
            f"{failed:.0f} sample(s) failed in this run ({found.origins.get('num_errors', 'num_errors')})",
            path=where,
            observed=f"{failed:.0f} failed",
            required="no failed sample",
        )
    required = ctx.book.min_duration_ms(ctx.scenario, ctx.model)
    duration = found.number("generated_query_duration")
    if required is not None and duration is not None and duration / 1e6 < required:
        yield ctx.finding(
            IEP008,
            f"the run lasted {duration / 1e9:.1f} s; round {ctx.book.round} requires {required / 1000:g} s for {ctx.scenario}",
            path=where,
            observed=f"{duration / 1e9:.1f} s ({found.origins.get('generated_query_duration', 'duration_ns')})",
            required=f"at least {required / 1000:g} s",
        )


@checker(RESULT_SUBJECT, IEP009)
def endpoints_statistic(ctx: ResultContext) -> Iterator[Finding]:
    found = ctx.endpoints
    if found is None or ctx.scenario not in ("SingleStream", "MultiStream") or found.performance is None:
        return
    key, value, unit, _ = endpoints_metric(ctx)
    rules = ctx.model.result_keys.get(ctx.scenario) if ctx.model is not None else None
    rules = rules or ctx.book.result_keys.get(ctx.scenario)
    if key is None or value is None or rules is None or rules.key == key:
        return
    percentile = ctx.book.percentile(ctx.scenario, ctx.model)
    wanted = f"the {percentile:g}th-percentile early-stopping estimate" if percentile else rules.key
    theirs = found.number(rules.key)
    divisor = 1e9 if unit == "Latency (s)" else 1e6
    shown_unit = "s" if unit == "Latency (s)" else "ms"
    said = f", is {theirs / divisor:g} {shown_unit}" if theirs is not None else ", is not in the files"
    yield ctx.finding(
        IEP009,
        f"the published {ctx.scenario} number is the mean latency ({value:g} {shown_unit}); the rules' metric, {wanted}{said}",
        path=found.performance.shown,
        key=key,
        observed=f"{key} {value:g} {shown_unit}",
        required=f"{rules.key} ({wanted})",
    )


@checker(SUBMISSION_SUBJECT, IEP007)
def accuracy_scales(ctx: SubmissionContext) -> Iterator[Finding]:
    by_model: dict[str, dict[str, list[tuple[str, float]]]] = defaultdict(lambda: {"fraction": [], "percentage": []})
    for facts in ctx.results:
        if facts.model is None:
            continue
        for _, value in facts.accuracy[:1]:  # the result's first (primary) accuracy number
            if 0 < value <= 100:
                by_model[facts.model]["fraction" if value <= 1 else "percentage"].append((facts.path, value))
    for model, scales in sorted(by_model.items()):
        fraction, percentage = scales["fraction"], scales["percentage"]
        if not fraction or not percentage:
            continue
        low, high = fraction[0], percentage[0]
        yield ctx.finding(
            IEP007,
            f"{model}: accuracy as a fraction in {low[0]} ({low[1]:g}) and as a percentage in {high[0]} ({high[1]:g}); "
            f"{len(fraction)} result(s) on one scale, {len(percentage)} on the other",
            path=low[0],
            observed=f"{low[1]:g} and {high[1]:g}",
            required="one scale for the model's accuracy",
        )
