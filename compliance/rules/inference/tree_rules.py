"""ITR/IAC/ICT/IMS/IBD/IPW: one scenario result of an inference submission (subject ``inference_result``).

The LoadGen runs of the result are checked by the ``loadgen_run`` rules; these
rules look at the result as a whole: its files, its accuracy against the
round's targets, its compliance tests, its measurements and quantization
disclosure, and whether its runs come from one build.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.registry import checker, define
from compliance.rules.inference.tree_context import MISSING, RESULT_SUBJECT, ResultContext

SUITES = ("inference",)
ALL = ("closed", "open", "network")
CLOSED = ("closed", "network")
_RULES_REF = "MLPerf Inference submission rules (results directory layout); MLPerf Inference rules"

ITR001 = define(
    "ITR001",
    "unknown-model",
    Severity.ERROR,
    "A results folder names no model of the round.",
    f"""
## What it checks
That `results/<system>/<model>/` names a model of the round, by its name or an
alias the official checker accepts (`resnet50` for `resnet`, `llama3.1-8b`
...). In the open division a folder may have any name that
`open/<org>/model_mapping.json` maps to a model, or that contains a model's
name (the official checker's guess, e.g. `obert-base-pruned90-none-bert-99`).

## Why it matters
Every target, bound and required compliance test is per model: a result
whose model is unknown cannot be checked against anything.

## Example
`closed/ACME/results/sysA/resnet-50/Offline` (the round calls it `resnet`
or `resnet50`), or a model retired in an earlier round.

## How to fix
Rename the folder to the model's name; in the open division add the name to
`model_mapping.json`.

## Rule reference
{_RULES_REF}, "Benchmarks"; the checker's `model_mapping` and `get_mlperf_model`.
""",
    suites=SUITES,
    divisions=ALL,
)

ITR002 = define(
    "ITR002",
    "unknown-scenario",
    Severity.ERROR,
    "A scenario folder is not a scenario of the round, or not one the model is run in.",
    f"""
## What it checks
That `results/<system>/<model>/<scenario>/` is one of the round's scenarios
(SingleStream, MultiStream, Server, Offline, Interactive) and, in the closed
and network divisions, a required or optional scenario of the model for some
system type.

## Why it matters
A result in an unknown scenario is not part of any results table; the
official checker rejects it as an unknown scenario.

## Example
`.../llama2-70b-99/SingleStream` (LLMs are datacenter-only), or `.../Batch`.

## How to fix
Rename the folder to the scenario LoadGen ran, or remove the result.

## Rule reference
{_RULES_REF}, "Scenarios" and the required-scenarios tables.
""",
    suites=SUITES,
    divisions=ALL,
)

ITR003 = define(
    "ITR003",
    "scenario-folder-case",
    Severity.WARNING,
    "A scenario folder is named in the wrong case (e.g. 'offline'); it is checked as the scenario it names.",
    f"""
## What it checks
That scenario folders are spelt as the round spells them (`Offline`, not
`offline`). Real submissions have used lower-case folders; the result is
checked as if named correctly.

## Why it matters
The results tables and some official tools match names exactly: a
lower-case folder can be missed by a later step.

## Example
`open/ACME/results/sysA/resnet50/offline`

## How to fix
Rename the folder (`git mv offline Offline`).

## Rule reference
{_RULES_REF}.
""",
    suites=SUITES,
    divisions=ALL,
)

ITR004 = define(
    "ITR004",
    "result-file-missing",
    Severity.ERROR,
    "A file every scenario result must have is missing (performance run logs, accuracy logs, accuracy.txt).",
    f"""
## What it checks
That a scenario result holds `performance/run_1/mlperf_log_detail.txt` and
`mlperf_log_summary.txt`, and `accuracy/accuracy.txt`,
`accuracy/mlperf_log_detail.txt` and `accuracy/mlperf_log_accuracy.json`.
Each missing file is reported as "missing file" with its path; the rest of
the result is still checked.

## Why it matters
The result's number comes from the performance run's detail log and its
accuracy from the accuracy run; without them the result cannot be reviewed.
The official checker crashes or reports the result as "NoResults".

## Example
A result folder with `performance/run_1/mlperf_log_summary.txt` only.

## How to fix
Copy the files LoadGen wrote into the folder.

## Rule reference
{_RULES_REF}; the checker's `PERFORMANCE_LOG_PATH` and `ACCURACY_LOG_PATH`.
""",
    suites=SUITES,
    divisions=ALL,
)

ITR005 = define(
    "ITR005",
    "accuracy-log-not-truncated",
    Severity.ERROR,
    "accuracy/mlperf_log_accuracy.json is larger than the round allows (it must be truncated).",
    """
## What it checks
That the accuracy run's `mlperf_log_accuracy.json` is at most the round's
size (10 KiB): submissions keep the truncated form that
`truncate_accuracy_log.py` writes (4 KiB head and tail) and its hash in
`accuracy.txt`.

## Why it matters
Full accuracy logs are gigabytes; the results repository takes the
truncated form with a hash of the whole.

## Example
A 120 MB `mlperf_log_accuracy.json`.

## How to fix
Run `tools/submission/truncate_accuracy_log.py` over the submission.

## Rule reference
The checker's `MAX_ACCURACY_LOG_SIZE`; truncate_accuracy_log.py.
""",
    suites=SUITES,
    divisions=ALL,
)

IAC001 = define(
    "IAC001",
    "accuracy-below-target",
    Severity.ERROR,
    "An accuracy metric misses the model's target (below the threshold, or above an upper limit).",
    f"""
## What it checks
Each accuracy metric of the model, read from `accuracy/accuracy.txt`, against
the round's target: at least the threshold (99% or 99.9% of the reference, or
the stated value) and, where there is one, at most the upper limit (LLM
token windows, FID). Closed and network results fail; open results report
their accuracy (info).

## Why it matters
A closed result must reach the reference accuracy within the stated margin:
its speed is only comparable at that quality.

## Example
`accuracy=75.5%` for ResNet-50 (target 75.695%).

## How to fix
Fix the model or its quantization and run the accuracy test again.

## Rule reference
{_RULES_REF}, "Benchmarks" (quality targets); the checker's `accuracy-target`
and `accuracy-upper-limit`.
""",
    suites=SUITES,
    divisions=ALL,
)

IAC002 = define(
    "IAC002",
    "accuracy-metric-missing",
    Severity.ERROR,
    "accuracy.txt does not report a metric the model's target needs.",
    """
## What it checks
That `accuracy/accuracy.txt` reports each metric of the model's target
(`accuracy=` for ResNet-50, `mAP=`, `'rouge1':` ... as the official accuracy
scripts print them). A metric is read wherever a `name: number` or
`name=number` pair stands on a line, as the official checker reads it
(`{'rouge1': '38.77', ...}`, `'exact_match': 83.396`,
`WARNING:main:metric/lifetime_ne/rating: 0.8675`, `Accuracy: mean = 0.90862,
threshold = 0.90679 (Passed)`). A target that is only an upper limit (the
tokens per sample of some LLMs) is not missed when the script does not print
it: nothing is exceeded, and the finding is an info note.

## Why it matters
Without the metric the accuracy cannot be compared with the target.

## Example
An `accuracy.txt` with the script's progress output but no final line.

## How to fix
Run the model's accuracy script on `mlperf_log_accuracy.json` and keep its
whole output in `accuracy.txt`.

## Rule reference
The checker's `ACC_PATTERN` (the names read here are in the round data).
""",
    suites=SUITES,
    divisions=ALL,
)

IAC003 = define(
    "IAC003",
    "accuracy-hash-missing",
    Severity.ERROR,
    "accuracy.txt has no well-formed hash= line (the sha256 of the full accuracy log).",
    """
## What it checks
That `accuracy/accuracy.txt` ends with one `hash=<64 hex digits>` line, as
`truncate_accuracy_log.py` writes it.

## Why it matters
The hash ties the reported accuracy to the full accuracy log that was
truncated; without it nobody can tell which log was scored.

## Example
No `hash=` line, `hash=` with a 40-digit value, or two different hashes.

## How to fix
Run `truncate_accuracy_log.py` (once) over the submission.

## Rule reference
truncate_accuracy_log.py; the checker's accuracy check (presence only).
""",
    suites=SUITES,
    divisions=ALL,
    deliberate_difference="The official checker only looks for a hash= line; the format and a second, different hash are checked here too.",
)

IAC004 = define(
    "IAC004",
    "accuracy-above-reference",
    Severity.REVIEW,
    "A closed result's accuracy is above the FP32 reference by more than the review margin.",
    """
## What it checks
Metrics where higher is better, against the model's reference: a value more
than the round data's review margin (1%) above the reference is sent to the
reviewers.

## Why it matters
Quantized models score at or below the FP32 reference. Markedly better
accuracy suggests a different model, data set or scoring script.

## Example
ResNet-50 at 78.9% top-1 (reference 76.46%).

## How to fix
Nothing to fix if it is explained: say how in the submission's README.

## Rule reference
MLPerf Inference rules, "Model, Weight Definition and Quantization".
""",
    suites=SUITES,
    divisions=CLOSED,
)

ICT001 = define(
    "ICT001",
    "compliance-test-missing",
    Severity.ERROR,
    "A compliance test the round requires for the model is missing, or lacks one of its files.",
    """
## What it checks
For closed and network results: every compliance test the round requires
for the model (TEST01, TEST04, TEST06, TEST07 ...) has its folder and its
files (`verify_accuracy.txt`, `verify_performance.txt`, the test's
`performance/run_1/mlperf_log_detail.txt`, `verify_output_len.txt`). Up to
round 5.1 the tests are under `<org>/compliance/<system>/<model>/<scenario>/`,
from 6.0 inside the result's scenario folder.

## Why it matters
The compliance tests are how a result shows it does not cache, skip or
answer differently in performance mode.

## Example
A ResNet-50 Offline result with TEST01 but no TEST04.

## How to fix
Run the missing test with its `audit.config` and copy its outputs.

## Rule reference
MLPerf Inference compliance tests (compliance/README.md); the checker's
`models_TEST01`... and its compliance check.
""",
    suites=SUITES,
    divisions=CLOSED,
)

ICT002 = define(
    "ICT002",
    "compliance-test-failed",
    Severity.ERROR,
    "A compliance test's verification output does not say TEST PASS.",
    """
## What it checks
That each required test's verification file says it passed: `TEST PASS` in
`verify_accuracy.txt` / `verify_performance.txt` / `verify_output_len.txt`,
TEST06's three check lines, or for TEST01's accuracy the fallback the
official checker accepts (baseline and compliance accuracy within the
model's delta).

## Why it matters
A failed compliance test means the performance run behaved differently from
the accuracy run (or from the reference run): the result cannot stand.

## Example
`verify_performance.txt` ending in `TEST FAIL`.

## How to fix
Find out why the test failed (caching, nondeterminism), fix the system and
run the test and the result again.

## Rule reference
MLPerf Inference compliance tests; the checker's compliance check.
""",
    suites=SUITES,
    divisions=CLOSED,
)

ICT003 = define(
    "ICT003",
    "compliance-run-without-audit-settings",
    Severity.ERROR,
    "A compliance test's performance run did not use the test's audit settings (its audit.config was not read).",
    """
## What it checks
In TEST01's run: responses were logged in performance mode
(`effective_accuracy_log_sampling_target` or
`effective_accuracy_log_probability` not 0); in TEST04's run: the same
sample was issued (`effective_performance_issue_same` or `_unique` true). The
settings each test must show are in the round data.

## Why it matters
Without its `audit.config` the "compliance run" is a copy of the
performance run and proves nothing; its verification then passes trivially.

## Example
A TEST04 run with `effective_performance_issue_same` false.

## How to fix
Copy the test's `audit.config` into the working directory, run the test
again, and remove the file afterwards.

## Rule reference
MLPerf Inference compliance tests (compliance/TEST01 and TEST04 README and
audit.config).
""",
    suites=SUITES,
    divisions=CLOSED,
    deliberate_difference="The official checker does not look at the settings of compliance runs.",
)

IMS001 = define(
    "IMS001",
    "measurements-missing",
    Severity.ERROR,
    "The result's measurements (measurements JSON, README.md, user.conf) are missing or empty.",
    """
## What it checks
That the result has its measurements: up to round 5.1 the folder
`<org>/measurements/<system>/<model>/<scenario>/` with `<system>*.json`,
`README.md` and `user.conf` (and `mlperf.conf` in 4.1); from 6.0
`measurements.json` (and `README.md`, `user.conf`) in the scenario folder.
None may be empty.

## Why it matters
The measurements say how the result was produced (settings, data types,
weights): reviewers and readers need them to reproduce it.

## Example
A result with no `measurements/` folder.

## How to fix
Add the files (the README says how to run the benchmark).

## Rule reference
The checker's `REQUIRED_MEASURE_FILES` and measurements check.
""",
    suites=SUITES,
    divisions=ALL,
)

IMS002 = define(
    "IMS002",
    "measurements-incomplete",
    Severity.ERROR,
    "The measurements JSON cannot be read, or lacks a required field (weight_data_types, weight_transformations, starting_weights_filename ...).",
    """
## What it checks
That the measurements JSON is a readable JSON object with each field the
round requires present and not empty: `input_data_types`, `retraining`,
`starting_weights_filename`, `weight_data_types`,
`weight_transformations`.

## Why it matters
These fields are the quantization disclosure the rules require: what the
weights were, what was done to them, and in which data types they run.

## Example
`"weight_transformations": ""`.

## How to fix
Fill the fields in (e.g. `"weight_data_types": "int8"`,
`"weight_transformations": "quantization, calibrated on the calibration set"`).

## Rule reference
MLPerf Inference rules, "Model, Weight Definition and Quantization"; the
checker's measurements check.
""",
    suites=SUITES,
    divisions=ALL,
)

IMS003 = define(
    "IMS003",
    "calibration-document-missing",
    Severity.ERROR,
    "No calibration document was found for a closed result (measurements folder, organisation folder or documentation/).",
    """
## What it checks
For closed and network results: a file whose name contains `calibration`
(e.g. `calibration.md`, `calibration_process.adoc`) in the result's
measurements folder, the organisation folder or its `documentation/`.

A result whose measurements declare no weight transformation
(`"weight_transformations": "no"` or `"none"`) has nothing to calibrate: its
missing document is a note for the reviewer instead.

## Why it matters
Closed-division quantization must be principled and use the calibration
set only; the calibration document says how.

## Example
`closed/ACME/` with no `calibration.md` anywhere.

## How to fix
Describe the calibration (data used, method, data types) in
`closed/ACME/calibration.md`.

## Rule reference
MLPerf Inference rules, "Model, Weight Definition and Quantization"
(calibration); the old checker's `calibration.md` check.
""",
    suites=SUITES,
    divisions=CLOSED,
)

IBD001 = define(
    "IBD001",
    "runs-from-different-builds",
    Severity.REVIEW,
    "The result's performance, accuracy and compliance runs were not all made by one LoadGen build and SUT.",
    """
## What it checks
Whether the performance run, the accuracy run and the compliance-test runs
of a result log the same `loadgen_version`, `loadgen_git_commit_date` and
`sut_name`. A difference is sent to the reviewers; it does not fail the
result.

## Why it matters
The rules ask for a LoadGen "compiled from a tagged approved revision"
without alteration, and for "the same code" in the accuracy and performance
modes. Two approved LoadGen builds in one result break neither sentence, and
LoadGen itself counts some things differently from one release to the next;
but a different build or SUT name is worth a look: the accuracy and the
compliance tests vouch for the performance run only if the same SUT made
them.

## Example
An accuracy run from LoadGen 5.0.25 beside a performance run from 5.1.0, or
an accuracy run by `LWIS_Server` beside a TEST01 run by another harness.

## How to fix
Nothing, when both builds are approved revisions and the SUT is the same;
otherwise run all of a result's tests with the same build.

## Rule reference
MLPerf Inference rules, "LoadGen" ("compiled from a tagged approved
revision"; "the same code must be run for both the accuracy and performance
LoadGen modes").
""",
    suites=SUITES,
    divisions=ALL,
    deliberate_difference="The official checker never compares runs with each other.",
)

IPW001 = define(
    "IPW001",
    "power-files-incomplete",
    Severity.ERROR,
    "A power result lacks one of the files a power measurement must have.",
    """
## What it checks
When `performance/power/` exists: `client.json`, `client.log`,
`ptd_logs.txt`, `server.json`, `server.log` in it, `spl.txt` in
`performance/run_1/`, and `performance/ranging/` with its detail and summary
logs and `spl.txt`.

## Why it matters
The power metric is computed from these files; the power working group's
checker needs all of them.

## Example
A power result without `performance/ranging/`.

## How to fix
Copy every file the power director and LoadGen wrote.

## Rule reference
MLPerf Power rules; the checker's power check.
""",
    suites=SUITES,
    divisions=ALL,
)

ITR010 = define(
    "ITR010",
    "result-value-missing",
    Severity.ERROR,
    "The result's number cannot be read from its performance run (the scenario's key is not logged, or the scenario cannot be inferred from the one LoadGen ran).",
    f"""
## What it checks
That the number the results table publishes for the result can be read
from `performance/run_1/mlperf_log_detail.txt`: the scenario's key
(`result_samples_per_second`, `early_stopping_latency_ss`, the model's token
rate ...) is logged with a number, or, for an edge result inferred from
another scenario, the run's scenario is one it may be inferred from and the
formula's key is logged (MultiStream from SingleStream: 8 x
`early_stopping_latency_ms`; Offline from SingleStream: 1000 / mean latency
in ms; Offline from MultiStream: 8000 / mean query latency in ms).

## Why it matters
A result without a number cannot be published; the official checker drops
it (NoResults) or crashes.

## Example
An Offline folder whose run is a Server run, or a SingleStream run that
logs no `early_stopping_latency_ms` filed as MultiStream.

## How to fix
Put the run of the result's scenario in the folder (or, on an edge system,
a run of a scenario it may be inferred from).

## Rule reference
{_RULES_REF}, "Scenarios" and, for edge systems, the inferred results
("MultiStream ... 8 times the 99th percentile SingleStream latency; Offline
... 1000 divided by the mean SingleStream latency, or 8000 divided by the
mean MultiStream latency").
""",
    suites=SUITES,
    divisions=ALL,
)

ITR011 = define(
    "ITR011",
    "inferred-result-not-edge",
    Severity.ERROR,
    "A result is inferred from another scenario's run on a system that is not an edge system.",
    f"""
## What it checks
That a result whose performance run is of another scenario (MultiStream or
Offline from SingleStream, Offline from MultiStream) belongs to a system
whose `system_type` includes `edge`.

## Why it matters
The rules allow inferred results for edge systems only; a datacenter
result must be measured in its own scenario.

## Example
A datacenter system's Offline folder holding a SingleStream run.

## How to fix
Run the scenario itself, or describe the system as an edge system if it is one.

## Rule reference
{_RULES_REF}, Edge (inferred results); the checker's inferred-results check (from 6.0).
""",
    suites=SUITES,
    divisions=ALL,
)

PERF_FILES = ("performance/run_1/mlperf_log_detail.txt", "performance/run_1/mlperf_log_summary.txt")
ACCURACY_FILES = ("accuracy/accuracy.txt", "accuracy/mlperf_log_detail.txt", "accuracy/mlperf_log_accuracy.json")
POWER_FILES = ("client.json", "client.log", "ptd_logs.txt", "server.json", "server.log")
RANGING_FILES = ("mlperf_log_detail.txt", "mlperf_log_summary.txt", "spl.txt")


# -- the result's metric and accuracy (also used by the results table) -------------------------------


@dataclass(frozen=True, slots=True)
class PublishedValue:
    """A result's number as the official results table publishes it."""

    key: str | None  # the LoadGen key it is read from
    value: float | None  # in ``unit``
    unit: str | None  # the official table's unit (its Units column)
    inferred_from: str | None = None  # the scenario LoadGen ran, for a result inferred from another scenario
    problem: str | None = None  # why there is no value, when there is none


# Divisors from a latency in ns to the table's latency units.
_LATENCY_UNITS = {"Latency (ms)": 1e6, "Latency (s)": 1e9}


def _number_of(run, key: str) -> float | None:  # noqa: ANN001
    value = run.value(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _inferred(ctx: ResultContext, ran: str, keys: dict) -> PublishedValue:
    """An edge result inferred from a run of another scenario, by the rules' formulas (the numbers
    are the round data's): MultiStream = 8 x the SingleStream p99 early-stopping estimate;
    Offline = 1000 / mean SingleStream latency (ms), or 8000 / mean MultiStream query latency (ms)."""
    scenario = ctx.scenario
    settings = ctx.book.settings.inferred_results
    target = keys.get(scenario)
    unit = target.table_unit if target is not None else None

    def number(name: str) -> float | None:
        amount = settings.get(name)
        return float(amount["value"]) if hasattr(amount, "get") and amount.get("value") is not None else None

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
    return PublishedValue(None, None, unit, ran, f"a {scenario} result cannot be inferred from a {ran} run")


def result_metric(ctx: ResultContext) -> PublishedValue:
    """The result's number as the official results table publishes it: read from the key of the
    scenario LoadGen ran (Interactive runs are Server runs), or inferred from another scenario's run,
    in the table's unit (latencies in ms, or s where the table says so)."""
    scenario = ctx.scenario
    if scenario is None:
        return PublishedValue(None, None, None)
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


def _targets(ctx: ResultContext) -> list:
    if ctx.model is None:
        return []
    return [t for t in ctx.model.accuracy if not t.rules_only and (not t.scenarios or ctx.scenario in t.scenarios)]


def _threshold(target) -> float | None:  # noqa: ANN001
    if target.threshold is not None:
        return target.threshold
    if target.reference is not None and target.fraction is not None:
        return target.reference * target.fraction
    return None


def _value(ctx: ResultContext, metric: str, reference: float | None = None) -> tuple[float | None, int | None]:
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
    parts = []
    for target in _targets(ctx):
        value, _ = _value(ctx, target.metric, target.reference)
        if value is None:
            continue
        bounds = []
        low = _threshold(target)
        if low is not None:
            bounds.append(f">= {low:g}")
        if target.upper_limit is not None:
            bounds.append(f"<= {target.upper_limit:g}")
        parts.append(f"{target.metric} {value:g}" + (f" ({', '.join(bounds)})" if bounds else ""))
    if not parts and ctx.accuracy_txt is not None and ctx.accuracy_txt.metrics:
        parts = [f"{m.name} {m.value:g}" for m in ctx.accuracy_txt.metrics[:4]]
    return "; ".join(parts) or None


# -- checks ----------------------------------------------------------------------------------------


@checker(RESULT_SUBJECT, ITR001, ITR002, ITR003)
def names(ctx: ResultContext) -> Iterator[Finding]:
    entry = ctx.entry
    if ctx.model is None:
        retired = " (retired in an earlier round)" if ctx.book.is_retired(entry.model) else ""
        hint = "; in the open division, map it in model_mapping.json" if entry.division == "open" else ""
        yield ctx.finding(
            ITR001,
            f"'{entry.model}' is not a model of inference round {ctx.book.round}{retired}{hint}",
            path=entry.path,
            observed=entry.model,
            required="one of " + ", ".join(sorted(ctx.book.models)),
        )
    if ctx.scenario is None:
        yield ctx.finding(
            ITR002,
            f"'{entry.scenario}' is not a scenario of inference round {ctx.book.round}",
            path=entry.path,
            observed=entry.scenario,
            required="one of " + ", ".join(ctx.book.scenarios),
        )
        return
    if entry.scenario != ctx.scenario:
        yield ctx.finding(
            ITR003,
            f"scenario folder '{entry.scenario}' should be '{ctx.scenario}' (checked as {ctx.scenario})",
            path=entry.path,
            observed=entry.scenario,
            required=ctx.scenario,
        )
    if ctx.model is not None and ctx.closed and ctx.model.scenarios:
        allowed = {s for group in ctx.model.scenarios.values() for s in (*group.required, *group.optional)}
        if allowed and ctx.scenario not in allowed:
            yield ctx.finding(
                ITR002,
                f"{ctx.model.name} is not run in the {ctx.scenario} scenario in round {ctx.book.round}",
                path=entry.path,
                observed=ctx.scenario,
                required="one of " + ", ".join(sorted(allowed)),
            )


@checker(RESULT_SUBJECT, ITR004, ITR005)
def result_files(ctx: ResultContext) -> Iterator[Finding]:
    # A run that is missing whole (its folder absent or empty) is one finding, not one per file.
    required = (*PERF_FILES, *ACCURACY_FILES)
    by_run: dict[str, list[str]] = {}
    for relative in required:
        if not ctx.has(relative):
            by_run.setdefault(relative.rsplit("/", 1)[0], []).append(relative)
    for folder, missing in by_run.items():
        what = "the performance run" if folder.startswith("performance") else "the accuracy run"
        if len(missing) > 1 and len(missing) == sum(1 for r in required if r.rsplit("/", 1)[0] == folder):
            names = ", ".join(r.rsplit("/", 1)[1] for r in missing)
            yield ctx.finding(
                ITR004,
                f"{MISSING}s: {what} of this result is missing ({folder}/ has none of {names})",
                path=ctx.shown(missing[0]),
                observed=f"{folder}/ absent or empty",
                required=", ".join(missing),
            )
            continue
        for relative in missing:
            yield ctx.finding(
                ITR004,
                f"{MISSING}: {relative} ({what} of this result)",
                path=ctx.shown(relative),
                observed="absent",
                required=relative,
            )
    limit = ctx.book.settings.accuracy_log_max_size
    size = ctx.sizes.get("accuracy/mlperf_log_accuracy.json")
    if size is not None and limit is not None and limit.value is not None and size > limit.value:
        yield ctx.finding(
            ITR005,
            f"accuracy/mlperf_log_accuracy.json is {size:,} bytes; the round allows {int(limit.value):,} (the truncated form)",
            path=ctx.shown("accuracy/mlperf_log_accuracy.json"),
            observed=f"{size} bytes",
            required=f"at most {int(limit.value)} bytes",
        )


@checker(RESULT_SUBJECT, IAC001, IAC002, IAC004)
def accuracy_targets(ctx: ResultContext) -> Iterator[Finding]:
    if ctx.accuracy_txt is None or not ctx.accuracy_txt.present or ctx.model is None:
        return
    path = ctx.shown("accuracy/accuracy.txt")
    review = ctx.book.review.get("accuracy_above_reference")
    lower_is_better = set(ctx.book.review.get("lower_is_better", ()))
    for target in _targets(ctx):
        value, line = _value(ctx, target.metric, target.reference)
        names = "/".join(ctx.book.accuracy_names.get(target.metric, (target.metric,)))
        low = _threshold(target)
        if value is None:
            if low is None and target.upper_limit is not None:
                # Only an upper limit: a value that is not printed exceeds nothing (the official
                # checker compares the limit only with a value it finds).
                yield ctx.finding(
                    IAC002,
                    f"accuracy.txt reports no {target.metric} (looked for {names}); its target is an upper limit only "
                    f"(<= {target.upper_limit:g}), so nothing is exceeded",
                    path=path,
                    observed="absent",
                    required=f"a {names} value at most {target.upper_limit:g} when reported",
                    severity=Severity.INFO,
                )
                continue
            yield ctx.finding(
                IAC002,
                f"accuracy.txt reports no {target.metric} (looked for {names})",
                path=path,
                observed="absent",
                required=f"a {names} value ({target.unit})",
                severity=None if ctx.closed else Severity.INFO,
            )
            continue
        source = f" ({target.source})" if target.source else ""
        if low is not None and value < low:
            yield ctx.finding(
                IAC001,
                f"{target.metric} {value:g} is below the target {low:g}{source}",
                path=path,
                line=line,
                observed=value,
                required=f">= {low:g} {target.unit}",
                severity=None if ctx.closed else Severity.INFO,
            )
        if target.upper_limit is not None and value > target.upper_limit:
            yield ctx.finding(
                IAC001,
                f"{target.metric} {value:g} is above the upper limit {target.upper_limit:g}",
                path=path,
                line=line,
                observed=value,
                required=f"<= {target.upper_limit:g} {target.unit}",
                severity=None if ctx.closed else Severity.INFO,
            )
        margin = review.get("value") if review else None
        if (
            ctx.closed
            and margin is not None
            and target.reference
            and target.metric not in lower_is_better
            and target.upper_limit is None
            and value > target.reference * (1 + margin / 100)
        ):
            yield ctx.finding(
                IAC004,
                f"{target.metric} {value:g} is {100 * (value / target.reference - 1):.2f}% above the FP32 reference {target.reference:g}: check the model, data set and scoring",
                path=path,
                line=line,
                observed=value,
                required=f"near the reference {target.reference:g} (review beyond +{margin:g}%)",
            )


@checker(RESULT_SUBJECT, IAC003)
def accuracy_hash(ctx: ResultContext) -> Iterator[Finding]:
    text = ctx.accuracy_txt
    if text is None or not text.present or not text.readable:
        return
    path = ctx.shown("accuracy/accuracy.txt")
    if not text.hashes:
        yield ctx.finding(IAC003, "accuracy.txt has no hash= line", path=path, observed="no hash= line", required="hash=<sha256 of the full accuracy log>")
        return
    from compliance.parsers.loadgen import ISSUE_BAD_HASH, ISSUE_SEVERAL_HASHES

    for issue in text.issues:
        if issue.kind == ISSUE_BAD_HASH:
            yield ctx.finding(IAC003, f"accuracy.txt: {issue.message}", path=path, line=issue.line, observed=issue.excerpt[:80], required="64 hexadecimal digits")
        elif issue.kind == ISSUE_SEVERAL_HASHES:
            yield ctx.finding(
                IAC003,
                f"accuracy.txt: {issue.message}",
                path=path,
                observed=", ".join(sorted(set(text.hashes))),
                required="one hash= line",
                severity=Severity.WARNING,
            )


def _passed(test_name: str, text: str, spec: dict) -> bool:  # noqa: ANN001
    lines = spec.get("pass_lines")
    if lines:
        for wanted in lines:
            if wanted in text:
                continue
            if wanted.startswith("First token check pass") and "First token check pass: Skipped" in text:
                continue
            return False
        return True
    return "TEST PASS" in text


@checker(RESULT_SUBJECT, ICT001, ICT002)
def compliance_tests(ctx: ResultContext) -> Iterator[Finding]:
    if ctx.model is None or not ctx.closed or ctx.scenario is None:
        return
    for name in ctx.model.compliance:
        spec = dict(ctx.book.compliance.get(name, {}))
        test = ctx.tests.get(name)
        folder = f"{ctx.tests_root}/{name}"
        if test is None:
            yield ctx.finding(
                ICT001,
                f"{MISSING}: compliance test {name} ({ctx.model.name} needs {', '.join(ctx.model.compliance)})",
                path=folder,
                observed="no folder",
                required=f"{folder}/",
            )
            continue
        for relative in spec.get("required_files", ()):
            if relative not in test.files:
                yield ctx.finding(
                    ICT001,
                    f"{MISSING}: {name}/{relative}",
                    path=f"{folder}/{relative}",
                    observed="absent",
                    required=relative,
                )
        checked = list(spec.get("pass_files", ())) or [f for f in spec.get("required_files", ()) if f.startswith("verify_")]
        for relative in checked:
            if relative not in test.files:
                continue
            text = test.verify.get(relative, "")
            if relative == "verify_accuracy.txt" and name == "TEST01" and "TEST PASS" not in text:
                verdict = _test01_fallback(ctx, test, spec)
                if verdict is True:
                    continue
            if not _passed(name, text, spec):
                last = next((line.strip() for line in reversed(text.splitlines()) if line.strip()), "(empty)")
                yield ctx.finding(
                    ICT002,
                    f"{name} {relative} does not say TEST PASS (last line: {last[:120]})",
                    path=f"{folder}/{relative}",
                    observed=last[:120],
                    required=", ".join(spec.get("pass_lines", ())) or "TEST PASS",
                )


@checker(RESULT_SUBJECT, ICT003)
def compliance_settings(ctx: ResultContext) -> Iterator[Finding]:
    if ctx.model is None or not ctx.closed:
        return
    for name, test in sorted(ctx.tests.items()):
        wanted = dict(ctx.book.compliance.get(name, {})).get("audit_settings")
        run = test.run
        if not wanted or run is None or not run.detail.present:
            continue
        keys = list(wanted.get("any_of", ()))
        values = {key: run.value(key) for key in keys}
        if any(value not in (None, 0, False) for value in values.values()):
            continue
        if all(value is None for value in values.values()):
            continue  # not logged: the LoadGen-run rules report missing keys
        shown = ", ".join(f"{k} {v}" for k, v in values.items())
        yield ctx.finding(
            ICT003,
            f"{name}'s performance run shows none of the test's audit settings ({shown}): was its audit.config read?",
            path=f"{test.path}/performance/run_1/mlperf_log_detail.txt",
            key=keys[0],
            line=(run.record(keys[0]).line if run.record(keys[0]) is not None else None),
            observed=shown,
            required=f"one of {', '.join(keys)} set ({wanted.get('source', '')})",
        )


def _test01_fallback(ctx: ResultContext, test, spec: dict) -> bool | None:  # noqa: ANN001
    """The official fallback: TEST01/accuracy/ baseline and compliance accuracy within the delta."""
    base = test.accuracy.get("baseline_accuracy.txt")
    comp = test.accuracy.get("compliance_accuracy.txt")
    if base is None or comp is None or ctx.model is None:
        return None
    baseline = {m.name: m.value for m in base.metrics}
    compliance = {m.name: m.value for m in comp.metrics}
    delta = spec.get("accuracy_delta_high" if ctx.model.name.endswith("99.9") else "accuracy_delta", {})
    limit = delta.get("value", 1.0) if hasattr(delta, "get") else 1.0
    compared = False
    for target in _targets(ctx):
        for name in ctx.book.accuracy_names.get(target.metric, (target.metric,)):
            if name in baseline and name in compliance and compliance[name]:
                compared = True
                if abs(1 - baseline[name] / compliance[name]) * 100 > limit:
                    return False
    return True if compared else None


@checker(RESULT_SUBJECT, IMS001, IMS002, IMS003)
def measurements(ctx: ResultContext) -> Iterator[Finding]:
    found = ctx.measurements
    required_files = list(ctx.book.measurements.get("required_files", ()))
    fields = list(ctx.book.measurements.get("required_fields", ()))
    expected_folder = found.folder or f"{ctx.entry.org_path}/measurements/{ctx.entry.system}/{ctx.entry.model}/{ctx.entry.scenario}"
    if found.json_path is None:
        yield ctx.finding(
            IMS001,
            f"{MISSING}: the measurements JSON of this result",
            path=expected_folder,
            observed="absent",
            required=str(ctx.book.layout.get("measurements", "a measurements JSON")),
        )
    if found.folder is not None:
        for name in required_files:
            if name not in found.files:
                yield ctx.finding(IMS001, f"{MISSING}: {name} in the measurements", path=f"{found.folder}/{name}", observed="absent", required=name)
            elif found.sizes.get(name, 0) == 0:
                yield ctx.finding(IMS001, f"{name} in the measurements is empty", path=found.files[name], observed="0 bytes", required="a non-empty file")
    if found.json_path is not None:
        if found.error is not None:
            yield ctx.finding(IMS002, f"the measurements JSON cannot be used: {found.error}", path=found.json_path, observed=found.error, required="a JSON object of fields")
        elif found.data is not None:
            reported = bool(found.problems)
            yield from ctx.schema_findings(
                IMS002, found.problems, path=found.json_path, what="measurements", required="the round's measurements fields"
            )
            if not reported:
                for name in fields:
                    value = found.data.get(name)
                    if value is None or (isinstance(value, str) and not value.strip()):
                        yield ctx.finding(
                            IMS002,
                            f"measurements field '{name}' is {'missing' if name not in found.data else 'empty'}",
                            path=found.json_path,
                            observed="missing" if name not in found.data else repr(value),
                            required=f"'{name}' present and not empty",
                        )
    if ctx.closed and not found.calibration:
        declared = str((found.data or {}).get("weight_transformations", "")).strip().lower()
        untransformed = declared in NO_TRANSFORMATION
        yield ctx.finding(
            IMS003,
            f"{MISSING}: a calibration document (calibration.md or similar) for this closed result"
            + (f" (the measurements declare no weight transformation, {declared!r}: nothing to calibrate?)" if untransformed else ""),
            path=ctx.entry.org_path,
            observed="none in " + ", ".join(found.calibration_searched),
            required="a file named calibration* describing the calibration",
            severity=Severity.REVIEW if untransformed else None,
        )


# How measurements JSONs say "the weights were not transformed" (then there is no calibration to document).
NO_TRANSFORMATION = frozenset({"no", "none", "n/a", "na", "-", "false", "not applicable"})
_BUILD_KEYS = ("loadgen_version", "loadgen_git_commit_date", "sut_name")


@checker(RESULT_SUBJECT, IBD001)
def same_build(ctx: ResultContext) -> Iterator[Finding]:
    runs = [("performance/run_1", ctx.perf), ("accuracy", ctx.accuracy)]
    runs += [(f"{t.name}/performance/run_1", t.run) for t in ctx.tests.values()]
    runs = [(name, run) for name, run in runs if run is not None and run.detail.present]
    if len(runs) < 2:
        return
    for key in _BUILD_KEYS:
        values: dict[str, list[str]] = {}
        for name, run in runs:
            value = run.value(key)
            if isinstance(value, str):
                values.setdefault(value, []).append(name)
        if len(values) > 1:
            shown = "; ".join(f"{v!r} in {', '.join(names)}" for v, names in sorted(values.items()))
            yield ctx.finding(
                IBD001,
                f"the runs of this result log different {key}: {shown}",
                path=ctx.entry.path,
                key=key,
                observed=shown,
                required=f"one {key} for the performance, accuracy and compliance runs",
            )


@checker(RESULT_SUBJECT, ITR010, ITR011)
def published_value(ctx: ResultContext) -> Iterator[Finding]:
    if ctx.perf is None or not ctx.perf.detail.present or ctx.scenario is None:
        return  # a missing run is ITR004
    published = result_metric(ctx)
    path = ctx.shown("performance/run_1/mlperf_log_detail.txt")
    if published.value is None and published.problem:
        yield ctx.finding(
            ITR010,
            f"no number for this {ctx.scenario} result: {published.problem}",
            path=path,
            key=published.key,
            observed=published.problem,
            required=f"a number for {published.key or 'the scenario'} in the performance run",
        )
    system_type = ctx.system.system_type
    if published.inferred_from and system_type is not None and "edge" not in system_type.split(","):
        yield ctx.finding(
            ITR011,
            f"this {ctx.scenario} result is inferred from a {published.inferred_from} run, but the system is {system_type}: "
            "inferred results are for edge systems only",
            path=path,
            key="effective_scenario",
            observed=f"effective_scenario {published.inferred_from}, system_type {system_type}",
            required=f"a {ctx.scenario} run, or an edge system",
        )


@checker(RESULT_SUBJECT, IPW001)
def power(ctx: ResultContext) -> Iterator[Finding]:
    if not any(name.startswith("performance/power/") for name in ctx.files):
        return
    wanted = [f"performance/power/{n}" for n in POWER_FILES] + ["performance/run_1/spl.txt"]
    wanted += [f"performance/ranging/{n}" for n in RANGING_FILES]
    for relative in wanted:
        if relative not in ctx.files:
            yield ctx.finding(
                IPW001,
                f"{MISSING}: {relative} (a power result needs it)",
                path=ctx.shown(relative),
                observed="absent",
                required=relative,
            )
