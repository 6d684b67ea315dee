"""LGL: can the LoadGen files of a run be read, and does the summary tell the detail log's story?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.models.loadgen import LoadgenIssue, SummaryField
from compliance.models.roles import SubjectRole
from compliance.parsers import loadgen as P
from compliance.parsers import mllog as M
from compliance.registry import Rule, checker, define
from compliance.rules.inference.context import LoadgenContext
from compliance.rules.inference.common import SUITES
DIVISIONS = ("closed", "open", "network")

LGL001 = define(
    "LGL001",
    "detail-log-unreadable",
    Severity.ERROR,
    "The run's mlperf_log_detail.txt is missing, unreadable, empty, too large, or holds no LoadGen record.",
    """
## What it checks
That the run has an `mlperf_log_detail.txt` that can be read: it exists, is a
regular file under the size limit (256 MiB), and holds LoadGen's
`:::MLLOG {...}` records.

## Why it matters
The detail log is the record of the run: its validity, settings, seeds and
results. Without it nothing LoadGen measured can be checked, whatever the
summary says.

## Example
A run folder with `mlperf_log_summary.txt` only, or a detail log emptied by a
failed copy (0 bytes).

## How to fix
Copy the run's files exactly as LoadGen wrote them, the detail log included.

## Rule reference
MLPerf Inference submission rules (`submission_rules.adoc`), results layout:
`performance/run_1/` and `accuracy/` hold `mlperf_log_detail.txt`; the
official checker reads only this file (reference notes 3.2 item 1, 5.2).
""",
    suites=SUITES,
    divisions=DIVISIONS,
)

LGL002 = define(
    "LGL002",
    "detail-record-corrupt",
    Severity.ERROR,
    "A record of the detail log is not valid JSON, or lacks the fields LoadGen writes (key, value, time_ms, metadata).",
    """
## What it checks
Every `:::MLLOG` line of `mlperf_log_detail.txt` carries one complete JSON
object with a string `key`, a `value`, a numeric `time_ms` and a `metadata`
object with `is_error` and `is_warning`, as LoadGen writes them.

## Why it matters
A record that cannot be read may have been the result, a seed or an error
LoadGen logged; the run cannot be verified without it. The official checker
stops with a traceback on such a line; mlperf-audit names the line and checks
the rest of the log.

## Example
`:::MLLOG {"key": "result_validity", "value": "VALID", "time_ms": 1005.49` (the
rest of the line is gone).

## How to fix
Submit the detail log exactly as LoadGen wrote it; never edit it by hand. If
the file was damaged, re-run.

## Rule reference
LoadGen `logging.h` (`AsyncLog::LogDetail`): one JSON record per line
(reference notes 5.2).
""",
    suites=SUITES,
    divisions=DIVISIONS,
    deliberate_difference="The official checker crashes with a traceback on a corrupt record instead of reporting it.",
)

LGL003 = define(
    "LGL003",
    "detail-log-truncated",
    Severity.ERROR,
    "The detail log ends inside a record: the file was cut short.",
    """
## What it checks
That the last line of `mlperf_log_detail.txt` is a whole record.

## Why it matters
LoadGen writes the results and `num_errors` last; a log cut short (a full
disk, a copy interrupted, a run killed while LoadGen was writing) may have lost
exactly the records that decide the run.

## Example
The file ends with `:::MLLOG {"key": "num_errors", "value": 0, "time_ms": 1005.4`.

## How to fix
Copy the complete file again from the system that ran the benchmark, or
re-run.

## Rule reference
LoadGen `logging.h`: each record ends with a newline (reference notes 5.2).
""",
    suites=SUITES,
    divisions=DIVISIONS,
)

LGL004 = define(
    "LGL004",
    "loadgen-file-has-bom",
    Severity.WARNING,
    "A LoadGen file starts with a UTF-8 byte-order mark that LoadGen never writes.",
    """
## What it checks
Whether `mlperf_log_detail.txt`, `mlperf_log_summary.txt` or
`mlperf_log_accuracy.json` starts with the bytes `EF BB BF`.

## Why it matters
LoadGen writes no byte-order mark: one means the file went through an editor or
a conversion tool, so it is no longer byte for byte what LoadGen wrote.
mlperf-audit reads it as if the mark were not there, so the verdict does not
change; the official checker fails to parse the first record.

## Example
A detail log saved again by a Windows editor ("UTF-8 with BOM").

## How to fix
Submit the files as LoadGen wrote them (remove the first three bytes if you
must repair a copy).

## Rule reference
LoadGen `logging.cc` output format; RFC 8259 section 8.1 (no BOM in JSON text).
""",
    suites=SUITES,
    divisions=DIVISIONS,
    deliberate_difference="The official checker fails on the first record of a detail log with a BOM; mlperf-audit warns and reads it.",
)

LGL005 = define(
    "LGL005",
    "loadgen-file-has-crlf",
    Severity.WARNING,
    "A LoadGen file has CR LF line ends where LoadGen writes LF.",
    """
## What it checks
Whether lines of the detail log, summary or accuracy log end with `\\r\\n`.

## Why it matters
LoadGen writes `\\n`; CR LF means the file was converted (a Windows checkout
with `core.autocrlf`, an editor). mlperf-audit reads it as if the CRs were not
there, so the verdict does not change, but the file is no longer the original
and its hash (for the accuracy log) no longer matches.

## Example
A results repository checked out on Windows with `core.autocrlf=true`.

## How to fix
Mark LoadGen logs as binary in `.gitattributes` (`mlperf_log_* -text`) and
check them out again.

## Rule reference
LoadGen `logging.cc` output format.
""",
    suites=SUITES,
    divisions=DIVISIONS,
)

LGL006 = define(
    "LGL006",
    "detail-line-garbled",
    Severity.WARNING,
    "A line of the detail log is not a clean LoadGen record (stray text, several records, another namespace, bytes that are not UTF-8).",
    """
## What it checks
Lines of `mlperf_log_detail.txt` that are not one LoadGen record each: text
that is not a record, text before or after a record, several records on one
line, records of another namespace than `mlperf::logging`, or bytes that are
not UTF-8.

## Why it matters
Every record found is still read, so nothing is lost, but such lines mean the
log was mixed with other output or edited; reviewers should know.

## Example
`:::MLLOG {...}` followed on the same line by a print from the SUT.

## How to fix
Let LoadGen write the detail log to its own file (the default
`LogOutputSettings`); print nothing into it.

## Rule reference
LoadGen `logging.h` (`AsyncLog::LogDetail`): one record per line, namespace
`mlperf::logging` (reference notes 5.2).
""",
    suites=SUITES,
    divisions=DIVISIONS,
)

LGL007 = define(
    "LGL007",
    "summary-unreadable",
    Severity.WARNING,
    "The run's mlperf_log_summary.txt is missing, unreadable, or not a complete LoadGen summary.",
    """
## What it checks
That the run has an `mlperf_log_summary.txt` that reads as a LoadGen summary:
the `MLPerf Results Summary` section (performance runs), `Result is`, and the
closing `warnings/errors encountered` lines.

## Why it matters
The summary is what people read, and what some compliance scripts (TEST04)
parse; without it the detail log cannot be cross-checked against it. The
detail log remains the source of truth, so this is a warning: the layout
checks of a whole submission decide whether the file is required.

## Example
A summary cut after `Result is : VALID` (the copy was interrupted).

## How to fix
Copy `mlperf_log_summary.txt` exactly as LoadGen wrote it.

## Rule reference
MLPerf Inference submission rules, results layout (`performance/run_1/`
holds `mlperf_log_summary.txt`); LoadGen `results.cc` (`LogSummary`).
""",
    suites=SUITES,
    divisions=DIVISIONS,
)

LGL008 = define(
    "LGL008",
    "summary-disagrees-with-detail",
    Severity.ERROR,
    "mlperf_log_summary.txt says something else than the detail log: the headline metric, 'Result is', a 'satisfied' line, the scenario, mode, SUT or error count.",
    """
## What it checks
That the summary LoadGen wrote next to the detail log agrees with it: the
headline metric (the scenario's percentile latency, samples or tokens per
second) equals the detail log's `result_*` value (to the digits printed),
`Result is` equals `result_validity`, each `... satisfied : Yes|NO` line its
`*_met` record, the scenario, mode and SUT name their `effective_*`/`sut_name`
records, and the warning and error counts the records flagged `is_warning` and
`is_error`. The counts are compared as a warning only: LoadGen also counts
messages it never writes to the detail log (real, unedited runs of LoadGen
5.1.0 and 6.0.6 show one more error or warning in the summary than in the
detail log).

## Why it matters
LoadGen writes both files from the same run, so they always agree. A
disagreement means one of them was edited or they come from different runs,
and the result people read is not the result that was checked.

## Example
A summary that says `Result is : VALID` next to a detail log with
`result_validity` `INVALID`; or `Samples per second: 43.97` next to
`result_samples_per_second` 38.1.

## How to fix
Submit the summary and the detail log of the same run, unedited.

## Rule reference
LoadGen `results.cc` (`PerformanceSummary::LogSummary` and `LogDetail` write
the same numbers); MLPerf Inference rules, "Results" (the detail log is the
record of the run). Reference notes 5.2 and 5.3, 14 item 1.
""",
    suites=SUITES,
    divisions=DIVISIONS,
    deliberate_difference="The official checker reads only the detail log and never compares the summary with it.",
)

_UNREADABLE = {P.ISSUE_MISSING, M.ISSUE_UNREADABLE, P.ISSUE_EMPTY, P.ISSUE_TOO_LARGE, P.ISSUE_NO_RECORDS}
_CORRUPT = {M.ISSUE_BAD_JSON, M.ISSUE_BAD_RECORD, P.ISSUE_MISSING_FIELD, M.ISSUE_LONG_LINE}
_GARBLED = {M.ISSUE_PROSE, M.ISSUE_TRAILING, M.ISSUE_MULTI, P.ISSUE_STRAY_LINE, P.ISSUE_NAMESPACE, M.ISSUE_ENCODING, P.ISSUE_MORE}


def _about(name: str, message: str) -> str:
    """The reader's ``message`` about the file ``name``, naming the file once ("x.txt is missing"
    already does)."""
    return message if message.startswith(name) else f"{name}: {message}"


def _issue_finding(
    ctx: LoadgenContext, rule: Rule, issue: LoadgenIssue, path: str, message: str, *, observed: str, required: str
) -> Finding:
    """A finding for one issue the LoadGen reader noted in the file at `path`, on the issue's line."""
    return ctx.finding(rule, message, path=path, line=issue.line, observed=observed, required=required)


@checker(SubjectRole.LOADGEN_RUN, LGL001, LGL002, LGL003, LGL006)
def detail_issues(ctx: LoadgenContext) -> Iterator[Finding]:
    path = ctx.detail_path
    for issue in ctx.run.detail.issues:
        if issue.kind in _UNREADABLE:
            yield _issue_finding(
                ctx, LGL001, issue, path,
                _about("mlperf_log_detail.txt", issue.message),
                observed=issue.excerpt or issue.kind,
                required="a readable mlperf_log_detail.txt holding LoadGen's :::MLLOG records",
            )
        elif issue.kind in _CORRUPT:
            yield _issue_finding(
                ctx, LGL002, issue, path,
                f"a detail-log record cannot be read: {issue.message}",
                observed=issue.excerpt,
                required='one JSON object per line with "key", "value", "time_ms" and "metadata"',
            )
        elif issue.kind == P.ISSUE_TRUNCATED_LINE:
            yield _issue_finding(
                ctx, LGL003, issue, path,
                f"the detail log is cut short: {issue.message}",
                observed=issue.excerpt,
                required="every line a whole record, ending with a newline",
            )
        elif issue.kind in _GARBLED:
            yield _issue_finding(
                ctx, LGL006, issue, path,
                f"detail log: {issue.message}",
                observed=issue.excerpt or issue.kind,
                required="one :::MLLOG record of namespace mlperf::logging per line, in UTF-8",
            )


def _encoding_issues(ctx: LoadgenContext) -> Iterator[tuple[LoadgenIssue, str]]:
    files = [(ctx.run.detail.issues, ctx.detail_path), (ctx.run.summary.issues, ctx.summary_path)]
    if ctx.run.accuracy_log is not None:
        files.append((ctx.run.accuracy_log.issues, ctx.accuracy_path))
    for issues, path in files:
        for issue in issues:
            if issue.kind in (P.ISSUE_BOM, P.ISSUE_CRLF):
                yield issue, path


@checker(SubjectRole.LOADGEN_RUN, LGL004, LGL005)
def encoding(ctx: LoadgenContext) -> Iterator[Finding]:
    for issue, path in _encoding_issues(ctx):
        if issue.kind == P.ISSUE_BOM:
            yield _issue_finding(
                ctx, LGL004, issue, path,
                f"{_name(path)} starts with a UTF-8 byte-order mark; it was read as if the mark were not there",
                observed="EF BB BF at byte 0",
                required="the file as LoadGen wrote it (no byte-order mark)",
            )
        else:
            yield _issue_finding(
                ctx, LGL005, issue, path,
                _about(_name(path), issue.message),
                observed="CR LF line ends",
                required="LF line ends, as LoadGen writes them",
            )


def _name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


_SUMMARY_UNUSABLE = _UNREADABLE | {P.ISSUE_NOT_SUMMARY, P.ISSUE_INCOMPLETE, M.ISSUE_ENCODING, P.ISSUE_BAD_NUMBER}


@checker(SubjectRole.LOADGEN_RUN, LGL007)
def summary_readable(ctx: LoadgenContext) -> Iterator[Finding]:
    if not ctx.run.detail.present:
        return  # nothing to cross-check it with; LGL001 says what is wrong
    for issue in ctx.run.summary.issues:
        if issue.kind in _SUMMARY_UNUSABLE:
            yield _issue_finding(
                ctx, LGL007, issue, ctx.summary_path,
                _about("mlperf_log_summary.txt", issue.message)
                + ("; the summary was not cross-checked" if issue.kind in (P.ISSUE_MISSING, M.ISSUE_UNREADABLE, P.ISSUE_EMPTY) else ""),
                observed=issue.kind,
                required="the mlperf_log_summary.txt LoadGen wrote for this run",
            )


# Headline lines of the summary and the detail-log keys they print (LoadGen results.cc).
_HEADLINE_KEYS = {
    "completed samples per second": "result_completed_samples_per_sec",
    "samples per second": "result_samples_per_second",
    "completed tokens per second": "result_completed_tokens_per_second",
    "tokens per second": "result_tokens_per_second",
}
_PERCENTILE_HEADLINE = re.compile(r"^(\d+(?:\.\d+)?)th percentile latency \(ns\)$", re.IGNORECASE)
_SATISFIED_KEYS = {
    "min duration": "result_min_duration_met",
    "min queries": "result_min_queries_met",
    "performance constraints": "result_perf_constraints_met",
    "early stopping": "early_stopping_met",
}


def _headline_key(name: str, scenario: str | None) -> str | None:
    lowered = " ".join(name.lower().split())
    if lowered in _HEADLINE_KEYS:
        return _HEADLINE_KEYS[lowered]
    match = _PERCENTILE_HEADLINE.match(lowered)
    if match is None:
        return None
    percentile = float(match.group(1))
    series = "per_query_latency_ns" if scenario == "MultiStream" else "latency_ns"
    return f"result_{percentile:.2f}_percentile_{series}"


def _agrees(printed: SummaryField, logged: object) -> bool:
    """Whether a printed number is the logged one, to the digits printed."""
    number = printed.number
    if number is None or isinstance(logged, bool) or not isinstance(logged, (int, float)):
        return False
    text = printed.text.strip()
    decimals = len(text.split(".", 1)[1]) if "." in text and "e" not in text.lower() else 0
    # The summary prints to its digits; the detail log writes doubles to 6 significant digits.
    tolerance = 0.5 * 10.0**-decimals + 1e-5 * abs(float(logged))
    return abs(float(number) - float(logged)) <= tolerance


@checker(SubjectRole.LOADGEN_RUN, LGL008)
def summary_agrees(ctx: LoadgenContext) -> Iterator[Finding]:
    run, summary = ctx.run, ctx.run.summary
    if not summary.present or not summary.readable or not run.detail.records:
        return
    path = ctx.summary_path

    def differs(what: str, line: int | None, printed: object, logged: object, key: str) -> Finding:
        return ctx.finding(
            LGL008,
            f"the summary's {what} is {printed!r}, the detail log's {key} is {logged!r}",
            path=path,
            line=line,
            key=key,
            observed=f"summary: {printed}",
            required=f"the detail log's {key}: {logged}",
            evidence={"detail_line": ctx.line_of(key)},
        )

    if summary.result is not None and run.validity is not None and summary.result != run.validity:
        yield differs("'Result is'", summary.result_line, summary.result, run.validity, "result_validity")
    for item in summary.satisfied:
        key = _SATISFIED_KEYS.get(" ".join(item.name.lower().split()))
        logged = run.value(key) if key else None
        if key is None or not isinstance(logged, bool) or item.yes is None:
            continue
        if item.yes != logged:
            yield differs(f"'{item.name} satisfied'", item.line, item.text, logged, key)
    for what, printed, logged, key in (
        ("scenario", summary.scenario, run.scenario, "effective_scenario"),
        ("mode", summary.mode, run.mode, "effective_test_mode"),
        ("SUT name", summary.sut_name, run.sut_name, "sut_name"),
    ):
        if printed is not None and logged is not None and printed != logged:
            yield differs(what, None, printed, logged, key)
    for item in summary.metrics:
        key = _headline_key(item.name, run.scenario)
        if key is None or not run.has(key):
            continue
        logged = run.value(key)
        if not _agrees(item, logged):
            yield differs(f"'{item.name}'", item.line, item.text, logged, key)
    for what, counted, records in (
        ("error count", summary.errors_count, run.errors()),
        ("warning count", summary.warnings_count, run.warnings()),
    ):
        if counted is not None and counted != len(records) and not run.detail.issues:
            # LoadGen's own count: it also counts messages that never reach the detail log (a
            # notice printed in the summary, a message logged before the detail log was open), so
            # real, unedited runs of several LoadGen releases differ here: a warning, not an error.
            yield ctx.finding(
                LGL008,
                f"the summary's {what} is {counted}, but the detail log flags {len(records)} record(s) "
                "(LoadGen counts some messages it does not log: see the summary's notices)",
                path=path,
                observed=f"summary: {counted}",
                required=f"{len(records)}, the records flagged in the detail log",
                severity=Severity.WARNING,
            )
