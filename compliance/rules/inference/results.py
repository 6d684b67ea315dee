"""LGR and AUD: what LoadGen itself said about the run (validity, errors, warnings), the
run's place, and audit settings that do not belong in a submission run."""

from __future__ import annotations

import re
from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.models.roles import SubjectRole
from compliance.registry import checker, define
from compliance.rules.inference.context import AUDIT_NOTICES, LOGGER_NOTICES, LoadgenContext
from compliance.rules.inference.common import SUITES
from compliance.wording import article
DIVISIONS = ("closed", "open", "network")

LGR001 = define(
    "LGR001",
    "loadgen-result-invalid",
    Severity.ERROR,
    "LoadGen marked the performance run INVALID (or logged no result at all).",
    """
## What it checks
That a performance run's `result_validity` is `VALID`. When it is `INVALID`
the finding names LoadGen's `result_invalid_reason` and each of
`result_min_duration_met`, `result_min_queries_met`,
`result_perf_constraints_met` (Server) and `early_stopping_met` that is false.
A performance run without `result_validity` did not finish: LoadGen writes
the results last.

## Why it matters
LoadGen is the judge of a run: `VALID` means the run lasted long enough,
issued enough queries, met its latency constraints and, where early stopping
applies, processed enough queries to bound the percentile it reports. An
INVALID run measures nothing the rules accept. The official checker (v5.0
and later) reads `result_validity` but does not enforce it, so an Offline run
LoadGen marked INVALID is accepted there.

## Example
An Offline run whose SUT answered the one query in 0.3 s against a 600 s
minimum: `result_validity` `INVALID`, `result_min_duration_met` false.

## How to fix
Fix what LoadGen reports (see the more specific findings: PERF002, PERF004,
LAT001, LAT003 ...), then run again; submit only VALID runs.

## Rule reference
MLPerf Inference rules (`inference_rules.adoc`), "LoadGen" (results are
produced by LoadGen) and "Scenarios"; LoadGen `results.cc` (VALID is
min duration ∧ min queries ∧ performance constraints ∧ early stopping;
reference notes 5.6). The v4.1 checker required `result_validity` VALID.
""",
    suites=SUITES,
    divisions=DIVISIONS,
    deliberate_difference="The official checker (v5.0 on) does not enforce result_validity: it accepts an Offline run LoadGen marked INVALID.",
)

LGR002 = define(
    "LGR002",
    "loadgen-error-logged",
    Severity.ERROR,
    "LoadGen logged an error during the run (a record flagged is_error, or num_errors above 0).",
    """
## What it checks
Records of the detail log whose metadata has `is_error: true`
(`error_runtime`, `error_invalid_config`, `error_invalid_test_settings`,
`error_uncommitted_loadgen_changes` ...), and a `num_errors` above 0.

## Why it matters
An error means LoadGen could not run the test as configured: it stopped
early ("Max test duration reached"), was given an invalid setting, was built
from modified sources, or read several configuration files. The official
checker only classifies errors when run with `--submission-exceptions`, so
in an official run a performance log with LoadGen errors passes; a
SingleStream run stopped by LoadGen after 20 s was accepted that way.

## Example
`error_runtime`: "IssueQueryThread 0 Ending early: Max test duration
reached. duration_ns 501193674".

## How to fix
Correct the setting or build the error names (a `max_duration` longer than
the minimum duration, one configuration file, an unmodified LoadGen) and run
again.

## Rule reference
MLPerf Inference rules, "LoadGen" (an unmodified LoadGen, official
configuration); reference notes 3.2 item 3 and 5.2 (error keys).
""",
    suites=SUITES,
    divisions=DIVISIONS,
    deliberate_difference="The official checker lets LoadGen errors in a performance log pass unless --submission-exceptions is given.",
)

LGR003 = define(
    "LGR003",
    "loadgen-warning-logged",
    Severity.WARNING,
    "LoadGen logged a warning during the run (a record flagged is_warning).",
    """
## What it checks
Records of the detail log whose metadata has `is_warning: true`, other than
the compliance-test notices ("Found Audit Config file", "Test05 flag
detected"), which AUD001 reports. A warning repeated with the same text, or
the same text with other numbers in it (a thread id, a size), is reported
once, with its count and the first few texts. LoadGen's notices about its own
logger ("Logging allocation detected: tid: ... reserved_entries: ...
max_entries: ...", "CAS failed") are one `info` finding for the run, with
their count: they say a thread's log buffer outgrew its reserved entries, not
something about the run.

## Why it matters
A warning does not make the run invalid, but it is something LoadGen wanted a
person to see; reviewers should see it too.

## Example
`warning_generic_message` records.

## How to fix
Read the warning in the detail log; change the setting it names if the run
should not have it.

## Rule reference
LoadGen `logging.h` (`LogWarning`), `logging.cc` (`Logger::CollectTlsLoggerStats`:
the logger's own statistics); reference notes 5.2. The official checker does
not fail a run on LoadGen warnings.
""",
    suites=SUITES,
    divisions=DIVISIONS,
    requires="no LoadGen warning",
)

LGR004 = define(
    "LGR004",
    "run-scenario-or-mode-mismatch",
    Severity.ERROR,
    "The run is not the scenario or mode its place (or --scenario) says: e.g. an Offline run in a Server folder, an accuracy run under performance/.",
    """
## What it checks
That LoadGen's `effective_scenario` is the scenario the result is filed under
(`--scenario`, or the `<scenario>` folder of
`.../<model>/<scenario>/performance/run_1`), and that `effective_test_mode`
fits the folder: `PerformanceOnly` under `performance/`, `AccuracyOnly` under
`accuracy/`. An Interactive result is a Server run (LoadGen has no
Interactive scenario). An edge result inferred from another scenario
(SingleStream to MultiStream or Offline, MultiStream to Offline) is reported
for the reviewer: the rules allow it for edge systems only. Compliance-test
runs (under `TESTxx/`) keep their own layout and are not checked for mode.
A run of the wrong scenario and the wrong mode is one finding that says both.

## Why it matters
The result is scored and bounded as the scenario of its folder; a run of
another scenario has another metric, another latency bound and another
validity rule.

## Example
`results/sysA/resnet50/Server/performance/run_1` holding a SingleStream run.

## How to fix
Move the run to the folder of the scenario it ran, or run the scenario the
folder names.

## Rule reference
MLPerf Inference submission rules, results layout; MLPerf Inference rules,
"Edge" (inferred results); reference notes 3.2 item 12.
""",
    suites=SUITES,
    divisions=DIVISIONS,
)

AUD001 = define(
    "AUD001",
    "audit-settings-in-submission-run",
    Severity.ERROR,
    "A submission run was made with compliance-test (audit) settings: an audit.config was read, or performance_issue_same/unique or accuracy-log sampling is on.",
    """
## What it checks
In a performance run that is not a compliance-test run (not under
`TESTxx/`): that LoadGen did not read an `audit.config` (it logs "Found Audit
Config file (audit.config). Overriding TestSettings from audit.config file.")
or TEST05's seeds ("Test05 flag detected"), and that `effective_performance_issue_same` and
`effective_performance_issue_unique` are false and
`effective_accuracy_log_sampling_target` and
`effective_accuracy_log_probability` are 0. A run that breaks several of
these (an `audit.config` and the settings it turned on) is one finding that
names each.

## Why it matters
The compliance tests (TEST01, TEST04, ...) change how LoadGen issues queries
or make it log responses during a performance run; an `audit.config` left in
the working directory silently turns the next submission run into a test run.
Its result is not the benchmark's result. Neither LoadGen nor the official
checker stops it.

## Example
A SingleStream run with `effective_performance_issue_same` true and
`effective_performance_issue_same_index` 3: TEST04's settings.

## How to fix
Delete `audit.config` from the working directory after a compliance test
(the compliance instructions say so) and run the performance run again.

## Rule reference
MLPerf Inference compliance tests (`compliance/README.md`: run with
`audit.config`, remove it afterwards); LoadGen `loadgen.cc` (audit.config
overrides every setting); reference notes 5.7 and 7.
""",
    suites=SUITES,
    divisions=DIVISIONS,
    deliberate_difference="The official checker does not look for audit settings in submission runs.",
)

_MET_KEYS = (
    ("result_min_duration_met", "minimum duration"),
    ("result_min_queries_met", "minimum query count"),
    ("result_perf_constraints_met", "performance (latency) constraints"),
    ("early_stopping_met", "early stopping"),
)


MAX_ERRORS_LISTED = 10  # more error (or different warning) records than this are one finding


def _is_audit_notice(record_value: object) -> bool:
    return isinstance(record_value, str) and any(text in record_value.lower() for text in AUDIT_NOTICES)


def _is_logger_notice(record_value: object) -> bool:
    return isinstance(record_value, str) and record_value.strip().lower().startswith(LOGGER_NOTICES)


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _shape(text: str) -> str:
    """A warning's text with its numbers masked: thread ids and sizes do not make another warning."""
    return _NUMBER.sub("#", text)


@checker(SubjectRole.LOADGEN_RUN, LGR001)
def validity(ctx: LoadgenContext) -> Iterator[Finding]:
    run = ctx.run
    if not ctx.held_to_performance_rules or not run.detail.records:
        return
    if run.validity is None:
        if run.has("result_validity"):
            observed = f"result_validity {run.value('result_validity')!r}"
        else:
            observed = "no result_validity record"
        yield ctx.finding(
            LGR001,
            "the performance run has no result: LoadGen logged no result_validity (the run did not finish, "
            "or the end of the log is missing)",
            key="result_validity",
            line=ctx.line_of("result_validity") or ctx.run.detail.lines or None,
            observed=observed,
            required="result_validity VALID",
        )
        return
    if run.validity == "VALID":
        return
    unmet = [what for key, what in _MET_KEYS if run.value(key) is False]
    reason = (run.invalid_reason or "").strip()
    parts = []
    if unmet:
        parts.append("not met: " + ", ".join(unmet))
    if reason:
        parts.append(f"LoadGen says: {reason}")
    yield ctx.finding(
        LGR001,
        f"LoadGen marked the run {run.validity}" + (f" ({'; '.join(parts)})" if parts else ""),
        key="result_validity",
        observed=f"result_validity {run.validity}",
        required="result_validity VALID",
        evidence={
            name: value
            for name, value in (
                ("result_invalid_reason", reason),
                ("unmet", ", ".join(key for key, _ in _MET_KEYS if run.value(key) is False)),
            )
            if value
        },
    )


@checker(SubjectRole.LOADGEN_RUN, LGR002, LGR003)
def errors_and_warnings(ctx: LoadgenContext) -> Iterator[Finding]:
    run = ctx.run
    if ctx.judged_by_its_test:
        return  # its test's verification judges the run (it may end early, on purpose)
    errors = run.errors()
    if len(errors) > MAX_ERRORS_LISTED:
        # A log whose records are all flagged (seen in a published TEST01 log): one finding, not one per record.
        shown = "; ".join(f"{r.key}: {str(r.value)[:60]}" for r in errors[:3])
        yield ctx.finding(
            LGR002,
            f"the detail log flags {len(errors)} of its {len(run.records)} records as errors (first: {shown})",
            key=errors[0].key,
            line=errors[0].line,
            observed=f"{len(errors)} records with is_error true",
            required="no LoadGen error",
            evidence={"count": len(errors)},
        )
        errors = []
    for record in errors:
        yield ctx.finding(
            LGR002,
            f"LoadGen logged an error: {record.key}: {record.value}",
            key=record.key,
            line=record.line,
            observed=f"{record.key}: {record.value}",
            required="no LoadGen error",
        )
    count = run.num_errors
    if count and count > 0 and not run.errors():
        yield ctx.finding(
            LGR002,
            f"LoadGen counted {count} error(s) (num_errors), but no error record is in the log",
            key="num_errors",
            observed=f"num_errors {count}",
            required="num_errors 0",
        )
    repeats: dict[tuple[str, str], list[tuple[int, str]]] = {}
    notices: dict[str, list[int]] = {}
    for record in run.warnings():
        if _is_audit_notice(record.value):
            continue
        if _is_logger_notice(record.value):
            notices.setdefault(_shape(str(record.value)), []).append(record.line)
            continue
        repeats.setdefault((record.key, _shape(str(record.value))), []).append((record.line, str(record.value)))
    if notices:
        total = sum(len(lines) for lines in notices.values())
        kinds = "; ".join(f"'{shape}' {len(lines)} time(s)" for shape, lines in notices.items())
        first = min(lines[0] for lines in notices.values())
        yield ctx.finding(
            LGR003,
            f"LoadGen logged {total} notice(s) about its own logger (its buffers, not the run): {kinds}",
            key="warning_generic_message",
            line=first,
            severity=Severity.INFO,
            observed=f"{total} logger notice(s)",
            required="none (informational)",
            evidence={"count": total},
        )
    if len(repeats) > MAX_ERRORS_LISTED:
        shown = "; ".join(f"{k}: {seen[0][1][:60]}" for (k, _), seen in list(repeats.items())[:3])
        first = min(seen[0][0] for seen in repeats.values())
        yield ctx.finding(
            LGR003,
            f"the detail log flags {sum(len(v) for v in repeats.values())} records as warnings (first: {shown})",
            line=first,
            observed=f"{len(repeats)} different records with is_warning true",
            evidence={"count": sum(len(v) for v in repeats.values())},
        )
        repeats = {}
    for (key, shape), seen in repeats.items():
        lines = [line for line, _ in seen]
        values = list(dict.fromkeys(value for _, value in seen))
        value = values[0] if len(values) == 1 else shape
        times = f" ({len(lines)} times, lines {lines[0]} to {lines[-1]})" if len(lines) > 1 else ""
        if len(values) > 1:
            times = f" ({len(lines)} times with other numbers, lines {lines[0]} to {lines[-1]}; first: {'; '.join(values[:3])})"
        yield ctx.finding(
            LGR003,
            f"LoadGen logged a warning: {key}: {value}{times}",
            key=key,
            line=lines[0],
            observed=f"{key}: {values[0]}",
            evidence={"count": len(lines)} if len(lines) > 1 else None,
        )


@checker(SubjectRole.LOADGEN_RUN, LGR004)
def scenario_and_mode(ctx: LoadgenContext) -> Iterator[Finding]:
    run = ctx.run
    logged = run.scenario
    wrong: list[tuple[str, str, str, str]] = []  # key, message part, observed, required
    if ctx.given_scenario and logged and ctx.given_scenario != logged:
        where = "--scenario" if ctx.scenario_source == "given" else "the run's folder"
        if ctx.given_scenario == "Interactive" and logged == "Server":
            pass  # Interactive results are Server runs with tighter bounds
        elif [logged, ctx.given_scenario] in [list(p) for p in ctx.book.settings.inferred_results.get("pairs", [])]:
            if ctx.system_type is None:  # in a submission the system type is known: ITR011 judges inferred results
                yield ctx.finding(
                    LGR004,
                    f"{article(logged)} run filed as {ctx.given_scenario} ({where}): an inferred result, "
                    "allowed for edge systems only",
                    key="effective_scenario",
                    severity=Severity.REVIEW,
                    observed=f"effective_scenario {logged}",
                    required=f"{ctx.given_scenario}, or an edge system inferring it from {logged}",
                )
        else:
            wrong.append((
                "effective_scenario",
                f"LoadGen ran {logged}, but {where} says {ctx.given_scenario}",
                f"effective_scenario {logged}",
                f"effective_scenario {'Server' if ctx.given_scenario == 'Interactive' else ctx.given_scenario}",
            ))
    folder_mode = ctx.place.mode
    if folder_mode and run.mode and not ctx.compliance_run:  # compliance tests keep their own layout
        expected = "AccuracyOnly" if folder_mode == "accuracy" else "PerformanceOnly"
        if run.mode != expected:
            wrong.append((
                "effective_test_mode",
                f"{article(run.mode)} run is in the {folder_mode}/ folder of the result",
                f"effective_test_mode {run.mode}",
                f"effective_test_mode {expected} under {folder_mode}/",
            ))
    if wrong:  # one finding per run: a run of another scenario and mode is one misplaced run
        yield ctx.finding(
            LGR004,
            "; ".join(part[1] for part in wrong),
            key=wrong[0][0],
            observed="; ".join(part[2] for part in wrong),
            required="; ".join(part[3] for part in wrong),
        )


@checker(SubjectRole.LOADGEN_RUN, AUD001)
def audit_settings(ctx: LoadgenContext) -> Iterator[Finding]:
    run = ctx.run
    if ctx.compliance_run or not ctx.performance:
        return
    # One finding per run: the audit.config notice and the settings it overrode are one cause.
    causes: list[tuple[str, int | None, str, str, str]] = []  # key, line, message part, observed, required
    for record in run.warnings():
        if _is_audit_notice(record.value):
            causes.append((
                record.key,
                record.line,
                "LoadGen read compliance-test settings (an audit.config, or TEST05's seeds): the run's settings were overridden",
                f"{record.key}: {record.value}",
                "no audit.config in a submission run",
            ))
    for key in ("effective_performance_issue_same", "effective_performance_issue_unique"):
        if run.value(key) is True:
            extra = ""
            if key.endswith("_same"):
                extra = f" (every query issues sample {run.value('effective_performance_issue_same_index')})"
            causes.append((
                key, None, f"{key} is on{extra}: a compliance-test setting (TEST04) in a submission run",
                f"{key} true", f"{key} false",
            ))
    for key in ("effective_accuracy_log_sampling_target", "effective_accuracy_log_probability"):
        value = run.value(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            causes.append((
                key, None, f"{key} is {value}: the run logs responses for a compliance test (TEST01/TEST07/TEST09)",
                f"{key} {value}", f"{key} 0",
            ))
    if not causes:
        return
    key, line, message, observed, required = causes[0]
    also = [part[2] for part in causes[1:]]
    yield ctx.finding(
        AUD001,
        message + (f"; also {'; '.join(also)}" if also else ""),
        key=key,
        line=line,
        observed="; ".join(part[3] for part in causes),
        required="; ".join(part[4] for part in causes),
        evidence={"causes": len(causes)} if also else None,
    )
