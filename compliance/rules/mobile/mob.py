"""MOB: an MLPerf Mobile result file, each benchmark of it against the round's rules and its
LoadGen logs, and the system folders of a submission."""

from __future__ import annotations

from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.models.loadgen import LoadgenRun
from compliance.registry import checker, define
from compliance.rulebook.mobile import MobileBenchmark
from compliance.rules.mobile.context import EntryContext, FileContext, OrgContext, SystemContext, TreeContext

SUITES = ("mobile",)
RULES_DOC = "MLPerf Mobile rules (mlcommons/mobile_open rules/mobile_inference_rules.adoc)"

MOB001 = define(
    "MOB001",
    "mobile-result-unreadable",
    Severity.ERROR,
    "A result file of the MLPerf Mobile app cannot be read (missing, not JSON, too large, a link, not the app's format).",
    f"""
## What it checks
That each `result.json` / `results.json` below `results/` reads as the JSON the
MLPerf Mobile app writes: a regular file (never read through a link) of at most
16 MiB, valid JSON, either a list of benchmark records (the 2.0 app) or an object
(or a one-element list of one) with `results`.

## Why it matters
The result file is where the app records every benchmark's score and accuracy:
without it there is no result to publish or review.

## Example
`MOB001 closed/ACME/results/phone/result.json: not JSON (unexpected character: line 1 column 2)`

## How to fix
Copy the result file the app exported, unedited, into `results/<system>/`.

## Rule reference
{RULES_DOC}, "Directory structure" (`results/<system_desc_id>/result.json`; "The
structure must be followed") and "Producing Submission Results" (results from the app).
""",
    suites=SUITES,
)

MOB002 = define(
    "MOB002",
    "mobile-result-schema",
    Severity.WARNING,
    "A result file does not match the JSON Schema the round's app publishes for it.",
    """
## What it checks
The result file against the schema of the round's app (`schemas/mobile/`, copied
from `mlcommons/mobile_app_open`): every field the schema requires, of its type,
and no field it does not allow. The 2.0 app published no schema: its files are not
checked. One finding per file lists the first problems.

## Why it matters
The app writes files that match its schema; one that does not was written by
another version of the app or edited by hand, and its numbers cannot be taken as
the app's.

## Example
`MOB002 .../result.json: /results/0/performance_run: 'loadgen' is required` (a
3.1-format file submitted to round 4.0).

## How to fix
Run the benchmarks with the round's app release and submit its result file unedited.

## Rule reference
None that names the format: the schema is the app's (`tools/extended_result_schema.json`);
the rules require results produced with the MLPerf app ("Producing Submission Results").
""",
    suites=SUITES,
)

MOB003 = define(
    "MOB003",
    "mobile-benchmark-unknown",
    Severity.WARNING,
    "A result names a benchmark the round does not have.",
    """
## What it checks
That each result's `benchmark_id` is one of the round's benchmarks (the round
data lists the ids the app of each round writes, e.g. `IC_tpu_uint8` in 2.0-2.1,
`image_classification_v2` from 4.0), run in the benchmark's scenario
(`loadgen_scenario`: SingleStream, or Offline for the `_offline` tasks).

## Why it matters
A benchmark of another round has other models, data sets and targets: its numbers
are not comparable with the round's, and no rule of the round applies to it.

## Example
`MOB003 image_classification is not a benchmark of round 4.1` (MobileNetEdgeTPU left the app in 4.1).

## How to fix
Submit the round's benchmarks only, run with the round's app.

## Rule reference
MLPerf Mobile rules, "Scenarios" and "Directory structure" (`<benchmark>` must be one of the round's).
""",
    suites=SUITES,
)

MOB004 = define(
    "MOB004",
    "mobile-accuracy-below-target",
    Severity.ERROR,
    "A benchmark's accuracy is below the round's target.",
    """
## What it checks
The accuracy of each benchmark's accuracy run, as the app normalises it
(`accuracy_run.accuracy.normalized`; in 2.0 the text, "75.32%" = 0.7532), against
the round's target: 98% of FP32 for MobileNetEdgeTPU (>= 0.7467), 95% for
MobileDet-SSD (0.2708 mAP), 96% for MOSAIC (0.5741 mIoU), 93% for MobileBERT
(0.84165 F1), 33 dB for EDSR, 97% for DeepLab v3 (0.5316, 2.0).

## Why it matters
A score reached below the accuracy target is not a result of the benchmark: the
model was changed more than quantisation allows.

## Example
`MOB004 object_detection: accuracy 0.2650 (0.2650 mAP) is below the target 0.2708 mAP`

## How to fix
Fix the model or its quantisation until the accuracy run reaches the target, then
run performance and accuracy again.

## Rule reference
MLPerf Mobile rules, "Scenarios", "Accuracy run" (Accuracy Target per model).
""",
    suites=SUITES,
)

MOB005 = define(
    "MOB005",
    "mobile-accuracy-missing",
    Severity.ERROR,
    "A benchmark has no accuracy run, or its accuracy run has no accuracy.",
    """
## What it checks
That each benchmark of a result file has an accuracy run with an accuracy value
(the 2.0 app: an `accuracy_mode` record with an accuracy text).

## Why it matters
A performance number is published only with the accuracy measured on the same
device: without it the result cannot be compared with the target.

## Example
`MOB005 natural_language_processing: no accuracy run in the result file`

## How to fix
Run the benchmark in the app's submission mode (performance and accuracy) and
submit the result file it writes.

## Rule reference
MLPerf Mobile rules, "Submission content" ("Accuracy results on same commercially
available device") and "Scenarios", "Accuracy run".
""",
    suites=SUITES,
)

MOB006 = define(
    "MOB006",
    "mobile-accuracy-no-target",
    Severity.INFO,
    "The rules give no accuracy target for this benchmark: its accuracy is reported, not judged.",
    """
## What it checks
Nothing fails: for a benchmark the rules of the round list without a target
(MobileNetV4, Stable Diffusion, MOSAIC in 2.0), the note says the accuracy was
reported and not compared with anything.

## Why it matters
A reviewer should know which accuracies no rule vouches for.

## Example
`MOB006 image_classification_v2: accuracy 0.8214 (82.14%); the rules give no target`

## How to fix
Nothing to fix in the submission; the working group may add the target to the rules.

## Rule reference
MLPerf Mobile rules, "Scenarios", "Accuracy run" (the benchmark is not in its table).
""",
    suites=SUITES,
)

MOB007 = define(
    "MOB007",
    "mobile-loadgen-invalid",
    Severity.ERROR,
    "LoadGen judged a benchmark's performance run INVALID.",
    """
## What it checks
LoadGen's verdict on each performance run: `result_validity` in the run's
`mlperf_log_detail.txt`, else what the app recorded (`loadgen.is_result_valid`,
`loadgen_info.validity`, `loadgen_validity`).

## Why it matters
LoadGen declares a run invalid when it did not meet the scenario's conditions
(duration, query count, early stopping): the number is not an MLPerf result.

## Example
`MOB007 object_detection: LoadGen says the performance run is INVALID`

## How to fix
Run the benchmark again until LoadGen reports VALID (a cooler device, the app's
normal run rather than a quick one).

## Rule reference
MLPerf Mobile rules, "Load Generator" (LoadGen must be used and its results
reported); LoadGen's result_validity.
""",
    suites=SUITES,
)

MOB008 = define(
    "MOB008",
    "mobile-min-duration-not-met",
    Severity.ERROR,
    "A SingleStream performance run did not last the minimum duration (60 s), as LoadGen measured it.",
    """
## What it checks
LoadGen's own flag (`result_min_duration_met` in the detail log, else
`loadgen.is_min_duration_met` in the result file), and that the run was set to the
round's minimum (`effective_min_duration_ms`, else the result's `min_duration`,
at least 60 s for SingleStream). The app's own clock (`measured_duration`) is not
used: it is not LoadGen's and published runs read 59.6-59.9 s on it.

## Why it matters
A shorter run measures a device before it heats up: its latency is better than the
device sustains.

## Example
`MOB008 super_resolution: LoadGen says the minimum duration was not met`

## How to fix
Run with the app's normal (submission) settings: min_duration 60 s.

## Rule reference
MLPerf Mobile rules, "Scenarios", "Performance run" (Min Duration 60 sec).
""",
    suites=SUITES,
)

MOB009 = define(
    "MOB009",
    "mobile-min-queries-not-met",
    Severity.ERROR,
    "A performance run was set to fewer queries than the round's minimum, or did not reach it.",
    """
## What it checks
That the run was set to at least the round's minimum number of queries (1024 for
SingleStream, 25 for EDSR: `effective_min_query_count` in the detail log, else the
result's `min_samples`; Offline, one query of at least 24 576 samples:
`effective_samples_per_query`, else the result's `measured_samples`), and that LoadGen reached it
(`result_min_queries_met`, else `loadgen.is_min_query_met`). For a task the rules
do not list (Stable Diffusion, MobileNetV4) the minimum is the app's, and a miss is
a warning: the app itself calls such a run "semi-valid" when LoadGen's early
stopping still holds.

## Why it matters
Fewer queries than the minimum give a latency percentile with less statistical
confidence than the rules ask for.

## Example
`MOB009 stable_diffusion: 75 queries, fewer than the 1024 the run was set to (LoadGen: min queries not met)`

## How to fix
Run with the app's normal settings (`min_query_count` 1024; 24 576 Offline) long
enough to reach them.

## Rule reference
MLPerf Mobile rules, "Scenarios", "Performance run" (Min Samples to be tested);
the app's task configuration for tasks the rules do not list.
""",
    suites=SUITES,
)

MOB010 = define(
    "MOB010",
    "mobile-loadgen-logs-missing",
    Severity.ERROR,
    "A benchmark's LoadGen performance logs (mlperf_log_detail.txt, mlperf_log_summary.txt) are not in the submission.",
    """
## What it checks
For each benchmark of a result file, that a LoadGen performance run of the
benchmark and scenario is below the result file's folder, with its
`mlperf_log_detail.txt` and `mlperf_log_summary.txt`, in any of the layouts the
published rounds use: `<model>/<Scenario>/log_performance/` (e.g.
`mobilenetV4/Offline/...`), `<benchmark_id>-performance/`,
`log_performance/<benchmark_id>/`. The trace log is not required (it is often cut
into parts by size).

## Why it matters
The logs are what a reviewer checks the result file's numbers against; a result
without them cannot be audited. A detail log that cannot be read (not LoadGen's
records, cut, binary) is reported too: the checks then use what the result file
recorded of LoadGen's verdict.

## Example
`MOB010 object_detection: no LoadGen performance run of object_detection (SingleStream) below results/phone`

## How to fix
Copy the performance run's LoadGen logs from the device into the results folder
beside the result file.

## Rule reference
MLPerf Mobile rules, "Directory structure" (`results/<system>/<benchmark>/<scenario>/`
mlperf_log_detail.txt, mlperf_log_summary.txt "from performance run").
""",
    suites=SUITES,
)

MOB011 = define(
    "MOB011",
    "mobile-result-file-missing",
    Severity.ERROR,
    "A system folder below results/ holds LoadGen runs but no result file of the app.",
    """
## What it checks
That every system folder of `results/` that holds LoadGen runs also holds the
app's `result.json` (or `results.json`). Its runs' settings are still checked
against the round's minimum query counts.

## Why it matters
The result file is the one record of the scores, accuracies, device and app
version: without it nothing ties the logs to a device or an accuracy.

## Example
`MOB011 closed/ACME/results/laptop: LoadGen runs but no result.json`

## How to fix
Export the app's result file for the system and add it to the folder.

## Rule reference
MLPerf Mobile rules, "Directory structure" (`results/<system_desc_id>/result.json`).
""",
    suites=SUITES,
)

MOB012 = define(
    "MOB012",
    "mobile-value-disagrees-with-loadgen",
    Severity.WARNING,
    "A result file's number disagrees with the LoadGen log of the same run.",
    """
## What it checks
For SingleStream, the result's throughput against 1 / the 90th percentile latency
of the detail log (`result_90.00_percentile_latency_ns`) and the result's
`loadgen.latency90` against the same; for Offline, against
`result_samples_per_second`. They must agree within 1%.

## Why it matters
The app computes its number from LoadGen's: a difference means the logs are of
another run, or the file was edited.

## Example
`MOB012 image_classification_v2: throughput 1300.0 but the detail log gives 1277.1 (1 / 783021 ns)`

## How to fix
Submit the logs of the run the result file reports (or the result file of the run
whose logs are there).

## Rule reference
None that says it in words: the app's result is LoadGen's measurement ("Load
Generator"); this is a consistency check.
""",
    suites=SUITES,
)

MOB013 = define(
    "MOB013",
    "mobile-app-version",
    Severity.WARNING,
    "The result was made with an app release other than the round's, or with a test build.",
    """
## What it checks
`build_info.version` (major.minor) against the round's app release, and that the
build is not a developer test build (`dev_test_flag`).

## Why it matters
Each round's app fixes the models, data sets and run settings; results made with
another release may differ in all three.

## Example
`MOB013 app 4.1.0 in round 5.0 (the round's app is 5.0)` (every result of 5.0 was
made with 4.1.0).

## How to fix
Run with the round's app release, or say in the submission why another one was used.

## Rule reference
MLPerf Mobile rules, "Producing Submission Results" (the mlperf app); the round's
app release tag.
""",
    suites=SUITES,
)

MOB014 = define(
    "MOB014",
    "mobile-device-field",
    Severity.WARNING,
    "A result file does not name the device: a device field is missing, empty or holds an error text.",
    """
## What it checks
The device fields the round's app records (the round data: manufacturer, model or
model name, OS version) are present and hold a value, not a message (text with
`()`, as an error the app caught).

## Why it matters
Results are published per commercially available device; a result that does not
say which device it was measured on cannot be attributed.

## Example
`MOB014 os_version is 'Must use __system_property_read_callback() to read'`

## How to fix
Run the app on the commercial device (not a development board) so it reads its properties.

## Rule reference
MLPerf Mobile rules, "Submission content" ("Name of the commercial device", the
device specification).
""",
    suites=SUITES,
)

MOB015 = define(
    "MOB015",
    "mobile-accuracy-logs-missing",
    Severity.ERROR,
    "A benchmark's accuracy run has no LoadGen logs, or no mlperf_log_accuracy.json, in the submission.",
    """
## What it checks
For each benchmark with an accuracy in the result file, that the LoadGen run of its
accuracy run (`mlperf_log_detail.txt` in `AccuracyOnly` mode) is below the result
file's folder, in any of the published layouts (`<model>/<Scenario>/log_accuracy/`,
`<benchmark_id>-accuracy/`, `log_accuracy/<benchmark_id>/`), with its
`mlperf_log_accuracy.json`, whole or cut into parts by size
(`mlperf_log_accuracy.jsonaa`, `mlperf_log_accuracy_aa` ...: one logical file).

## Why it matters
The accuracy log holds every response of the accuracy run: it is the only way to
recompute the accuracy the result file states.

## Example
`MOB015 object_detection: the accuracy run has no mlperf_log_accuracy.json`

## How to fix
Copy the accuracy run's LoadGen logs from the device (cut a large accuracy log with
`split` if the repository limits file sizes).

## Rule reference
MLPerf Mobile rules, "Directory structure" (`<accuracy>/` mlperf_log_detail.txt ...
mlperf_log_accuracy.json) and its list of mandatory files ("mlperf_log_accuracy.json
(only from the accuracy run)").
""",
    suites=SUITES,
)
MOB016 = define(
    "MOB016",
    "mobile-tree-not-fully-read",
    Severity.ERROR,
    "Part of the input could not be read (a folder nested too deep, unreadable, or past the entries a walk reads): it was not checked.",
    """
## What it checks
That the walk of the input read every folder: none nested deeper than the walk's
bound (32 levels), none unreadable, and fewer entries than its bound (200,000).

## Why it matters
What was not read was not checked: a result file there would have no verdict, so
the check cannot pass.

## Example
`MOB016 mobile_results: folders nested deeper than the limit were not searched, e.g. .../d/d/d`

## How to fix
Remove what a submission does not need (copied data sets, deep output trees) or make
the folder readable.

## Rule reference
None in the rules: mlperf-audit's hostile-input guarantees (README, "Hostile input").
""",
    suites=SUITES,
)
MOB017 = define(
    "MOB017",
    "mobile-system-description",
    Severity.ERROR,
    "A system's description (systems/<system>.json) is missing or is not JSON.",
    """
## What it checks
That the organisation's `systems/` folder has a description of each system its
`results/` holds, named as the system's folder (`systems/<system>.json` for
`results/<system>/`), and that each description reads as JSON. A name that differs
from the folder's only in case is a warning (it works on some file systems only).

## Why it matters
The description is the only record of the device, its SoC and software stack that
the results are published with; one that is not JSON cannot be read by the results
tables.

## Example
`MOB017 systems/SD8Elite.json is not JSON (trailing comma: line 12 column 5)`

## How to fix
Add `systems/<system>.json` for each system, and remove what JSON does not allow
(trailing commas, comments).

## Rule reference
MLPerf Mobile rules, "Submission content" ("Specification of the device in JSON
format") and "Directory structure" (`systems/<system_desc_id>.json`,
`results/<system_desc_id>/`).
""",
    suites=SUITES,
)
MOB018 = define(
    "MOB018",
    "mobile-loadgen-seeds",
    Severity.ERROR,
    "A LoadGen run of a benchmark used other random seeds than the round's.",
    """
## What it checks
The `effective_qsl_rng_seed`, `effective_sample_index_rng_seed` and
`effective_schedule_rng_seed` of each benchmark's performance and accuracy runs
against the round's seeds (the round data: the seeds every published run of the
round uses, those of the LoadGen configuration the round's app carries).

## Why it matters
The seeds fix which samples LoadGen loads and in which order it sends them; a run
with other seeds measured another workload, and may have been chosen among many.

## Example
`MOB018 object_detection: qsl_rng_seed 123 in the performance run, not the round's 3066443479025735752`

## How to fix
Run with the round's app, unchanged LoadGen configuration included.

## Rule reference
MLPerf Mobile rules, "Non-determinism is restricted" ("All random numbers must be
based on fixed random seeds"; "The random seeds will be announced two weeks before
the benchmark submission deadline").
""",
    suites=SUITES,
)
ACCURACY_LOG = "mlperf_log_accuracy"  # the accuracy log's name, whole (.json) or in parts


# --------------------------------------------------------------------------- result files


@checker("mobile_file", MOB001, MOB002, MOB013, MOB014)
def result_file(ctx: FileContext) -> Iterator[Finding]:
    result = ctx.result
    if not result.readable:
        yield ctx.finding(MOB001, f"the result file cannot be read: {result.problem}", observed=result.problem, required="the app's result JSON")
        return
    if ctx.schema:
        shown = "; ".join(f"{pointer}: {message}" for pointer, message in ctx.schema[:5])
        more = f" (and {ctx.schema_total - 5} more)" if ctx.schema_total > 5 else ""
        yield ctx.finding(
            MOB002,
            f"the result file does not match the schema of the round {ctx.book.round} app ({ctx.book.result_schema}): {shown}{more}",
            key=ctx.schema[0][0],
            observed=f"{ctx.schema_total} schema problem(s)",
            required=f"valid against {ctx.book.result_schema}",
        )
    yield from _app_version(ctx)
    yield from _device(ctx)


def _app_version(ctx: FileContext) -> Iterator[Finding]:
    version = ctx.result.app_version
    if version is not None:
        release = ".".join(version.split(".")[:2])
        if release != ctx.book.app_release:
            yield ctx.finding(
                MOB013,
                f"the result was made with app {version} in round {ctx.book.round} (the round's app is {ctx.book.app_release})",
                key="/build_info/version",
                observed=version,
                required=f"app {ctx.book.app_release}.x",
            )
    if ctx.result.dev_test:
        yield ctx.finding(MOB013, "the result was made with a developer test build of the app (dev_test_flag true)", key="/build_info/dev_test_flag", observed="dev_test_flag true", required="a release build")


def _device(ctx: FileContext) -> Iterator[Finding]:
    if ctx.result.shape == "records":
        return  # the 2.0 app recorded no device
    for name in ctx.book.device_fields:
        value = ctx.result.device.get(name)
        if value is None or not value.strip():
            yield ctx.finding(MOB014, f"the result does not say the device's {name}", key=f"/environment_info/{name}", observed="absent or empty", required=f"the device's {name}")
        elif "()" in value:
            yield ctx.finding(MOB014, f"the device's {name} holds a message, not a value: {value[:120]!r}", key=f"/environment_info/{name}", observed=value[:120], required=f"the device's {name}")


# --------------------------------------------------------------------------- one benchmark


@checker("mobile_entry", MOB003, MOB004, MOB005, MOB006)
def benchmark_and_accuracy(ctx: EntryContext) -> Iterator[Finding]:
    entry, benchmark = ctx.entry, ctx.benchmark
    if benchmark is None:
        yield ctx.finding(
            MOB003,
            f"{entry.benchmark_id} is not a benchmark of round {ctx.book.round}",
            key=f"{entry.pointer}/benchmark_id",
            observed=entry.benchmark_id,
            required="one of " + ", ".join(sorted(ctx.book.benchmarks)),
        )
    elif entry.scenario is not None and entry.scenario != benchmark.scenario:
        yield ctx.finding(
            MOB003,
            f"{entry.benchmark_id} runs {benchmark.scenario} in round {ctx.book.round}; the result says {entry.scenario}",
            key=f"{entry.pointer}/loadgen_scenario",
            observed=entry.scenario,
            required=benchmark.scenario,
        )
    accuracy = accuracy_of(ctx)
    if accuracy is None:
        why = "no accuracy run in the result file" if not entry.has_accuracy_run else "the accuracy run has no accuracy value"
        yield ctx.finding(MOB005, f"{entry.benchmark_id}: {why}", observed=why, required="an accuracy run with its accuracy")
        return
    if benchmark is None:
        return
    target = benchmark.accuracy_target
    shown = f"{accuracy:.4f}" + (f" ({entry.accuracy_text})" if entry.accuracy_text else "")
    if target is None:
        yield ctx.finding(MOB006, f"{entry.benchmark_id}: accuracy {shown}; the rules of round {ctx.book.round} give no target for {benchmark.model}", observed=shown, required="no target in the rules")
    elif accuracy < target.value:
        yield ctx.finding(
            MOB004,
            f"{entry.benchmark_id}: accuracy {shown} is below the target {target.value:g} {target.unit} ({target.source})",
            observed=shown,
            required=f">= {target.value:g} {target.unit}",
        )


def accuracy_of(ctx: EntryContext) -> float | None:
    """The normalised accuracy: the app's, else read from its text (the 2.0 app)."""
    from compliance.parsers.mobile import accuracy_from_text

    if ctx.entry.accuracy is not None:
        return ctx.entry.accuracy
    scale = ctx.benchmark.accuracy_text_scale if ctx.benchmark is not None else 1.0
    return accuracy_from_text(ctx.entry.accuracy_text, scale)


@checker("mobile_entry", MOB015)
def accuracy_logs(ctx: EntryContext) -> Iterator[Finding]:
    if accuracy_of(ctx) is None:
        return  # MOB005 reports the missing accuracy
    run = ctx.accuracy_run
    if run is None:
        yield ctx.finding(MOB015, f"{ctx.entry.benchmark_id}: no LoadGen accuracy run of it ({ctx.scenario}) below the result file's folder", observed="no accuracy run found", required="the accuracy run's mlperf_log_detail.txt and mlperf_log_accuracy.json")
    elif not any(name.startswith(ACCURACY_LOG) for name in run.files):
        yield MOB015.finding(
            f"{ctx.entry.benchmark_id}: the accuracy run has no mlperf_log_accuracy.json (whole or in parts)",
            path=ctx.accuracy_path or ctx.file_path,
            subject=ctx.subject,
            observed="no mlperf_log_accuracy.json",
            required="mlperf_log_accuracy.json of the accuracy run",
        )


@checker("mobile_entry", MOB018)
def seeds(ctx: EntryContext) -> Iterator[Finding]:
    wanted = ctx.book.seed_values
    for what, run, path in (("performance", ctx.run, ctx.run_path), ("accuracy", ctx.accuracy_run, ctx.accuracy_path)):
        if run is None or not wanted:
            continue
        for name, value in sorted(run.seeds.items()):
            if name in wanted and str(value) != wanted[name]:
                yield MOB018.finding(
                    f"{ctx.entry.benchmark_id}: {name} {value} in the {what} run, not the round's {wanted[name]}",
                    path=path or ctx.file_path,
                    subject=ctx.subject,
                    observed=str(value)[:40],
                    required=wanted[name],
                )


@checker("mobile_entry", MOB007, MOB008, MOB009, MOB010, MOB012)
def performance_run(ctx: EntryContext) -> Iterator[Finding]:
    entry, run = ctx.entry, ctx.run
    if run is None:
        yield ctx.finding(
            MOB010,
            f"{entry.benchmark_id}: no LoadGen performance run of it ({ctx.scenario}) with mlperf_log_detail.txt below the result file's folder",
            observed="no performance run found",
            required="mlperf_log_detail.txt and mlperf_log_summary.txt of the performance run",
        )
    elif not run.detail.records:
        why = run.detail.issues[0].message if run.detail.issues else "no record"
        yield ctx.finding(MOB010, f"{entry.benchmark_id}: the performance run's mlperf_log_detail.txt cannot be read ({why}); the result file's own record of LoadGen's verdict is used", at_run=True, observed=why[:200], required="LoadGen's mlperf_log_detail.txt, as LoadGen wrote it")
    elif not run.summary.present:
        yield ctx.finding(MOB010, f"{entry.benchmark_id}: the performance run has no mlperf_log_summary.txt", at_run=True, observed="no mlperf_log_summary.txt", required="mlperf_log_detail.txt and mlperf_log_summary.txt")
    valid = run.is_valid if run is not None and run.validity is not None else entry.valid
    if valid is False:
        said = f"the detail log's result_validity is {run.validity}" if run is not None and run.validity is not None else "the app recorded LoadGen's verdict as invalid"
        yield ctx.finding(MOB007, f"{entry.benchmark_id}: LoadGen says the performance run is INVALID ({said})", at_run=run is not None, observed="INVALID", required="VALID")
    yield from _duration(ctx)
    yield from _queries(ctx)
    yield from _agreement(ctx)


def _duration(ctx: EntryContext) -> Iterator[Finding]:
    rules = ctx.book.scenarios.get(ctx.scenario)
    minimum = rules.min_duration if rules is not None else None
    if minimum is None or minimum.value <= 0:
        return
    run = ctx.run
    met = run.min_duration_met if run is not None and run.min_duration_met is not None else ctx.entry.min_duration_met
    if met is False:
        yield ctx.finding(MOB008, f"{ctx.entry.benchmark_id}: LoadGen says the minimum duration was not met", at_run=run is not None, observed="min duration not met", required=f">= {minimum.value:g} {minimum.unit}")
        return
    set_ms = run.min_duration_ms if run is not None else None
    set_s = set_ms / 1000.0 if set_ms is not None else ctx.entry.min_duration_s
    if set_s is not None and set_s < minimum.value:
        yield ctx.finding(MOB008, f"{ctx.entry.benchmark_id}: the run was set to a minimum duration of {set_s:g} s, below the round's {minimum.value:g} s", at_run=set_ms is not None, observed=f"{set_s:g} s", required=f">= {minimum.value:g} {minimum.unit}")


def _queries(ctx: EntryContext) -> Iterator[Finding]:
    minimum = ctx.book.min_query_count(ctx.benchmark, ctx.scenario)
    severity = Severity.ERROR if ctx.benchmark is None or ctx.benchmark.in_rules else Severity.WARNING
    run = ctx.run
    if ctx.scenario == "Offline":  # one query: its samples (effective_samples_per_query) are what counts
        logged = run.samples_per_query if run is not None else None
        count, what = (logged if logged is not None else ctx.entry.performance_samples), "the Offline query held {} samples"
    else:
        logged = run.min_query_count if run is not None else None
        count, what = (logged if logged is not None else ctx.entry.min_samples), "the run was set to {} queries"
    if minimum is not None and count is not None and count < minimum.value:
        yield ctx.finding(
            MOB009,
            f"{ctx.entry.benchmark_id}: {what.format(count)}, fewer than the round's {minimum.value:g}",
            at_run=logged is not None,
            observed=f"{count} {minimum.unit}",
            required=f">= {minimum.value:g} {minimum.unit}",
            severity=severity,
        )
        return
    if ctx.scenario == "Offline":
        return
    met = run.min_queries_met if run is not None and run.min_queries_met is not None else ctx.entry.min_query_met
    if met is False:
        done = run.query_count if run is not None and run.query_count is not None else ctx.entry.query_count
        got = f"{done} queries" if done is not None else "fewer queries"
        semi = "" if severity is Severity.ERROR else " (the rules do not list this task; the app calls such a run semi-valid)"
        yield ctx.finding(
            MOB009,
            f"{ctx.entry.benchmark_id}: {got}, fewer than the {count if count is not None else 'minimum'} the run was set to: LoadGen says the minimum query count was not met{semi}",
            at_run=run is not None,
            observed=got,
            required=f">= {count} queries" if count is not None else "the minimum query count met",
            severity=severity,
        )


def _agreement(ctx: EntryContext) -> Iterator[Finding]:
    run, entry, tolerance = ctx.run, ctx.entry, ctx.book.value_tolerance
    if run is None or tolerance is None:
        return
    within = f"within {tolerance.value:.0%}"

    def _off(value: float, expected: float) -> bool:
        return abs(value - expected) > tolerance.value * abs(expected)

    if ctx.scenario == "Offline":
        logged = run.value("result_samples_per_second")
        expected = float(logged) if isinstance(logged, (int, float)) and not isinstance(logged, bool) else None
        how = "result_samples_per_second"
    else:
        p90 = run.value("result_90.00_percentile_latency_ns")
        expected = 1e9 / p90 if isinstance(p90, (int, float)) and not isinstance(p90, bool) and p90 > 0 else None
        how = f"1 / {p90} ns, the 90th percentile latency"
        if expected is not None and entry.latency90_s is not None and _off(entry.latency90_s, p90 / 1e9):
            yield ctx.finding(MOB012, f"{entry.benchmark_id}: loadgen.latency90 {entry.latency90_s:g} s but the detail log's 90th percentile is {p90 / 1e9:g} s", key=f"{entry.pointer}/performance_run/loadgen/latency90", observed=f"{entry.latency90_s:g} s", required=f"{p90 / 1e9:g} s ({within})", evidence={"source": tolerance.source})
    if expected is None or entry.throughput is None:
        return
    if _off(entry.throughput, expected):
        yield ctx.finding(MOB012, f"{entry.benchmark_id}: throughput {entry.throughput:.6g} but the detail log gives {expected:.6g} ({how})", observed=f"{entry.throughput:.6g}", required=f"{expected:.6g} ({within})", evidence={"source": tolerance.source})


# --------------------------------------------------------------------------- system folders


@checker("mobile_system", MOB011, MOB009)
def system_folder(ctx: SystemContext) -> Iterator[Finding]:
    names = ", ".join(sorted(ctx.book.result_files))
    yield MOB011.finding(
        f"the system folder holds {len(ctx.runs)} LoadGen run(s) but no result file of the app ({names})",
        path=ctx.subject,
        subject=ctx.subject,
        observed=f"{len(ctx.runs)} LoadGen run(s), no result file",
        required=f"results/<system>/{ctx.book.result_files[-1]}",
    )
    for shown, run, benchmark in ctx.runs:
        yield from _run_settings(ctx, shown, run, benchmark)


def _run_settings(ctx: SystemContext, shown: str, run: LoadgenRun, benchmark: MobileBenchmark | None) -> Iterator[Finding]:
    scenario = run.scenario or ""
    if run.is_accuracy_run or scenario == "Offline":
        return
    minimum = ctx.book.min_query_count(benchmark, scenario)
    count = run.min_query_count
    if minimum is not None and count is not None and count < minimum.value:
        what = f"the {benchmark.name} run" if benchmark is not None else "the run"
        yield MOB009.finding(
            f"{what} was set to {count} queries, fewer than the round's {minimum.value:g}",
            path=shown,
            subject=ctx.subject,
            observed=f"{count} queries",
            required=f">= {minimum.value:g} {minimum.unit}",
            severity=Severity.WARNING if benchmark is not None and not benchmark.in_rules else None,
        )


@checker("mobile_tree", MOB016)
def tree_read(ctx: TreeContext) -> Iterator[Finding]:
    for where in ctx.stopped:
        yield MOB016.finding(where, path=ctx.subject, subject=ctx.subject, observed="not read", required="every folder read")


@checker("mobile_org", MOB017)
def system_descriptions(ctx: OrgContext) -> Iterator[Finding]:
    if not ctx.has_systems:
        yield MOB017.finding("the organisation has no systems/ folder: no system is described", path=ctx.subject, subject=ctx.subject, observed="no systems/", required="systems/<system>.json for each system")
        return
    for shown, _name, problem in ctx.systems:
        if problem is not None:
            yield MOB017.finding(f"the system description is {problem}", path=shown, subject=ctx.subject, observed=problem[:200], required="a JSON description of the system")
    names = {name for _shown, name, _problem in ctx.systems}
    folded = {name.lower(): name for name in names}
    for system in sorted(set(ctx.result_systems)):
        if not system or system in names:
            continue
        near = folded.get(system.lower())
        if near is not None:
            yield MOB017.finding(f"results/{system} is described as systems/{near}.json: the names differ in case", path=ctx.subject, subject=ctx.subject, observed=f"systems/{near}.json", required=f"systems/{system}.json", severity=Severity.WARNING)
        else:
            yield MOB017.finding(f"results/{system} has no system description", path=ctx.subject, subject=ctx.subject, observed="no description", required=f"systems/{system}.json")
