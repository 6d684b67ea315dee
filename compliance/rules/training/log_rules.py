"""LOG: is the file a readable MLLOG log at all?"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from compliance.models.findings import Finding, Severity
from compliance.models.roles import SubjectRole
from compliance.parsers import mllog as p
from compliance.registry import checker, define
from compliance.rules.training.context import LogContext

LOG000 = define(
    "LOG000",
    "file-unreadable",
    Severity.ERROR,
    "The log file cannot be read (missing, not a regular file, too large, or not UTF-8 text).",
    """
## What it checks
That the named log can be opened and read as text: it exists, is a regular file
(not a folder, device or pipe), is under the size limit, and is not UTF-16.

## Why it matters
A result that cannot be read cannot be reviewed; the whole run is unverifiable.

## Example
`result_0.txt` saved by a Windows editor as UTF-16 has no `:::MLLOG` bytes a
reader can find.

## How to fix
Submit the log exactly as the training job wrote it (UTF-8 text), and check
the path.

## Rule reference
MLPerf Training rules, "Logging": results are the MLLOG text logs of each run.
""",
)

LOG001 = define(
    "LOG001",
    "record-not-json",
    Severity.ERROR,
    "A ':::MLLOG' record's payload is not valid JSON (corrupted or truncated line).",
    """
## What it checks
Every `:::MLLOG {...}` record must carry one complete JSON object that can be
read: nested at most as deep as a JSON reader allows, with no integer longer
than 308 digits (beyond any floating-point number).

## Why it matters
A record that does not parse may have carried a required key or the quality
result; the official checker also fails such a log ("Log lines had parsing
errors"). mlperf-audit reports the real line and column and checks the rest.

## Example
`:::MLLOG {"namespace": "", "time_ms": 1745155, "key": "block_start", "value": null, "metadata": {"file": "x.py"`
(closing braces missing: the job was killed mid-write).

## How to fix
Re-run, or recover the original log; never edit a result log by hand.

## Rule reference
MLPerf logging format (mlcommons/logging, mllog); Training rules "Logging".
""",
)

LOG002 = define(
    "LOG002",
    "record-missing-field",
    Severity.ERROR,
    "A record parses as JSON but lacks 'key', 'time_ms', 'value' or 'metadata', or has them with the wrong type.",
    """
## What it checks
Each record is an object with a string `key`, a numeric `time_ms`, a `value`
and a `metadata` object, as the mllog library writes them.

## Why it matters
Without a time or key the record cannot be placed in the run; the official
checker crashes with a traceback on a missing `metadata`.

## Example
`:::MLLOG {"time_ms": 1, "key": "run_start", "value": null}` (no metadata).

## How to fix
Log through the official mllog library (`mllogger.start/end/event`).

## Rule reference
mlcommons/logging: mllog line format.
""",
)

LOG003 = define(
    "LOG003",
    "token-without-record",
    Severity.WARNING,
    "A line mentions ':::MLLOG' but no JSON record follows the token (prose, not a record).",
    """
## What it checks
Lines where the token is followed by something other than a JSON object, such
as a message that merely mentions the token.

## Why it matters
It is not a log record, so it does not change the verdict. The official
checker treats it as a parse error and fails the log; mlperf-audit reports it
as a warning so that you can tell it apart from a corrupted record.

## Example
`note: grep for :::MLLOG lines to extract the log`

## How to fix
Nothing is required; avoid printing the token in free text.

## Rule reference
mlcommons/logging: a record is the token followed by a JSON object.
""",
    deliberate_difference="The official checker fails the whole log on such a line.",
)

LOG004 = define(
    "LOG004",
    "record-line-garbled",
    Severity.WARNING,
    "Several records share one line, or text follows a record on its line (interleaved output).",
    """
## What it checks
That each record has its own line. When output from several processes is
interleaved, two records can end up on one line, or stray text after one.

## Why it matters
mlperf-audit reads every record it can find on the line, so nothing is lost;
the official checker silently keeps only the last record of such a line
(a `seed` record once vanished that way), so the log is fragile.

## Example
`:::MLLOG {...}:::MLLOG {...}`

## How to fix
Log from one rank only, or flush stdout after each record.

## Rule reference
mlcommons/logging: one record per line.
""",
)

LOG005 = define(
    "LOG005",
    "record-not-utf8",
    Severity.WARNING,
    "A record contains bytes that are not UTF-8; it was read as latin-1.",
    """
## What it checks
That record payloads are UTF-8 encoded, as JSON requires.

## Why it matters
Values with mis-encoded characters may not compare equal to the names the
rules expect (an org or platform name, say).

## Example
A platform name written with a latin-1 `é` byte.

## How to fix
Run the job with a UTF-8 locale (`LANG=C.UTF-8`).

## Rule reference
RFC 8259 (JSON text is UTF-8).
""",
)

LOG006 = define(
    "LOG006",
    "line-too-long",
    Severity.ERROR,
    "A line is longer than 16 MiB; it was skipped.",
    """
## What it checks
That no single line is absurdly long (16 MiB or more).

## Why it matters
Such a line is corrupted output; reading it whole would let a hostile file
exhaust memory. Whatever it held is not checked.

## Example
A binary dump written into the log without newlines.

## How to fix
Remove the stray output at its source and re-run.

## Rule reference
mlperf-audit safety limit.
""",
)

LOG007 = define(
    "LOG007",
    "no-mllog-records",
    Severity.ERROR,
    "The file has no ':::MLLOG' record at all.",
    """
## What it checks
That the file contains at least one MLLOG record.

## Why it matters
A result file without records is not a result.

## Example
A stdout capture where the training job never initialised mllog.

## How to fix
Check that the job logs through mllog and that the right file was submitted.

## Rule reference
MLPerf Training rules, "Logging".
""",
)

_KIND_TO_RULE = {
    p.ISSUE_UNREADABLE: LOG000,
    p.ISSUE_BAD_JSON: LOG001,
    p.ISSUE_BAD_RECORD: LOG002,
    p.ISSUE_PROSE: LOG003,
    p.ISSUE_TRAILING: LOG004,
    p.ISSUE_MULTI: LOG004,
    p.ISSUE_ENCODING: LOG005,
    p.ISSUE_LONG_LINE: LOG006,
}

_FIXES = {
    p.ISSUE_BAD_JSON: "Recover the original log from the run; a record cut short usually means the job was killed.",
}


@checker(SubjectRole.TRAINING_LOG, LOG000, LOG001, LOG002, LOG003, LOG004, LOG005, LOG006, LOG007)
def parse_problems(ctx: LogContext) -> Iterator[Finding]:
    log = ctx.log
    for issue in log.issues:
        rule = _KIND_TO_RULE[issue.kind]
        yield ctx.finding(
            rule,
            issue.message,
            line=issue.line,
            observed=issue.excerpt or None,
            required="one JSON object per ':::MLLOG ' record" if rule is not LOG000 else None,
            fix=_FIXES.get(issue.kind),
        )
    if log.readable and log.records == 0:
        yield ctx.finding(
            LOG007,
            "the file has no ':::MLLOG' records",
            observed=f"{log.lines} lines, {log.size_bytes} bytes, no records",
            required="an MLLOG result log",
        )


LOG008 = define(
    "LOG008",
    "log-mixes-runs",
    Severity.ERROR,
    "The records do not all come from one run (conflicting submission fields, or a new run after run_stop).",
    """
## What it checks
Signs that a file holds records of more than one run: `submission_*` fields
with different values, or a new initialisation (`cache_clear`, `init_start`,
`run_start`) after `run_stop`. A `cache_clear` written after `run_stop` but
stamped before the run's first `init_start` is the run's own pre-run cache
drop, printed late: it is not a new run.

## Why it matters
Each result file is one run; a concatenation of runs (or of two systems'
output) cannot be timed or attributed.

## Example
Two result logs appended into one `result_0.txt`.

## How to fix
Submit one file per run.

## Rule reference
MLPerf Training rules, "Logging" and "Submission": one log per run.
""",
)


_IDENTITY = ("submission_org", "submission_platform", "submission_division", "submission_benchmark", "submission_status")
_RESTART = ("cache_clear", "init_start", "run_start")


def _frozen(value: object) -> object:
    """A hashable stand-in that is equal exactly when the values are (lists and objects of a
    record nest at most 64 levels: the reader refuses deeper ones)."""
    if isinstance(value, list):
        return ("list", tuple(_frozen(item) for item in value))
    if isinstance(value, dict):
        return ("dict", frozenset((key, _frozen(item)) for key, item in value.items()))
    return value


def _distinct(values: Iterable[object]) -> list[object]:
    """The distinct values in order (== as Python compares), in linear time: a log of many
    records with different values must not make this quadratic."""
    found: list[object] = []
    seen: set[object] = set()
    for value in values:
        marker = _frozen(value)
        if marker not in seen:
            seen.add(marker)
            found.append(value)
    return found


@checker(SubjectRole.TRAINING_LOG, LOG008)
def single_run(ctx: LogContext) -> Iterator[Finding]:
    for key in _IDENTITY:
        records = ctx.log.all(key)
        values = _distinct(record.value for record in records)
        if len(values) > 1:
            second = next(r for r in records if r.value != records[0].value)
            yield ctx.finding(
                LOG008,
                f"'{key}' has {len(values)} different values ({', '.join(repr(v) for v in values[:4])}): "
                "the records come from more than one run or system",
                line=second.line,
                key=key,
                observed=f"{records[0].value!r} at line {records[0].line}, {second.value!r} at line {second.line}",
                required="one run per file",
            )
            return
    stop = ctx.run_stop
    if stop is None:
        return
    # The pre-run cache drop is sometimes printed late (buffered output of another process):
    # a cache_clear after run_stop but stamped before the run's first init_start (or its
    # run_start) belongs to this run's start, not to a new run.
    init_starts = ctx.tracks.get("init_start")
    if init_starts is not None and init_starts.count:
        started: float | None = init_starts.min_time
    else:
        started = ctx.run_start.time_ms if ctx.run_start else None
    restarts = sorted(
        (
            (seq, line, key)
            for key in _RESTART
            if key in ctx.tracks
            for seq, line, time_ms in ctx.tracks[key].post  # the records after run_stop in the file
            if not (key == "cache_clear" and started is not None and time_ms < started)
        ),
    )
    if restarts:
        _seq, line, key = restarts[0]
        yield ctx.finding(
            LOG008,
            f"'{key}' at line {line} starts a new run after run_stop (line {stop.line})",
            line=line,
            key=key,
            observed=f"{len(restarts)} init/run records after run_stop",
            required="one run per file",
        )
