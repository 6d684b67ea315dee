"""SEED, LOG008 and KEY006: is this one run, seeded, with keys spelt right?"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from compliance.models.findings import Finding, Severity
from compliance.registry import checker, define
from compliance.rules.training.context import LogContext, close_matches
from compliance.rules.training.functions import is_integer, is_number

SEED001 = define(
    "SEED001",
    "seed-missing",
    Severity.ERROR,
    "A closed-division log does not log its random seed.",
    """
## What it checks
That a closed-division log has at least one `seed` record. It is an error in
the rounds whose rules make the logged seed mandatory (`seed_required` in the
round data: training 4.1 onwards, HPC 3.0) and a warning in earlier rounds,
where published closed results without a seed were accepted.

## Why it matters
The rules require each run of a closed submission to use a different seed and
to log it, so reviewers can tell runs apart and reproduce them. The official
compliance checker does not look for it (only the package checker does, and
only when a whole submission is checked).

## Example
A log whose `mllogger.event(key="seed", ...)` call was removed.

## How to fix
Log the seed at start-up: `mllogger.event(key=mllog.constants.SEED, value=seed)`.

## Rule reference
MLPerf Training rules, "Random numbers" (seeds must be logged; v4.1 onwards
enforced by the seed checker).
""",
    divisions=("closed",),
    deliberate_difference="The official compliance checker does not require a seed in a single log.",
)

SEED002 = define(
    "SEED002",
    "seed-not-integer",
    Severity.ERROR,
    "A logged seed is not a whole number.",
    """
## What it checks
That each `seed` value is an integer (or a string holding one).

## Why it matters
The seed checker compares seeds as integers; anything else cannot be compared.

## Example
`seed` = "random".

## How to fix
Log the integer seed the run used.

## Rule reference
MLPerf Training rules, "Random numbers"; official seed checker.
""",
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

KEY006 = define(
    "KEY006",
    "unknown-key-looks-misspelt",
    Severity.WARNING,
    "A logged key is unknown to the rules but close to a known key name (a likely typo).",
    """
## What it checks
Keys that no rule and no published log uses, whose name is very close to a
known key (for example `opt_adamw_weigth_decay`).

## Why it matters
A misspelt key is ignored by every checker: if it was meant to be a required
or checked hyperparameter, the check silently did not happen.

## Example
`opt_lerning_rate_warmup_steps` instead of `opt_learning_rate_warmup_steps`.

## How to fix
Use the constants from `mlperf_logging.mllog.constants` instead of strings.

## Rule reference
mlcommons/logging key constants.
""",
    deliberate_difference="The official checker ignores unknown keys.",
)


@checker("training_log", SEED001, SEED002)
def seeds(ctx: LogContext) -> Iterator[Finding]:
    if ctx.log.records == 0:
        return
    key = ctx.book.seed_key
    records = ctx.log.all(key)
    if not records:
        if ctx.closed:
            required = ctx.book.seed_required
            yield ctx.finding(
                SEED001,
                f"no '{key}' record: closed-division runs must log their seed"
                if required
                else f"no '{key}' record: the {ctx.book.suite} {ctx.book.round} rules did not yet make a "
                "logged seed mandatory (later rounds and the package seed checker do)",
                key=key,
                severity=None if required else Severity.WARNING,
                observed="0 seed records",
                required="at least one 'seed' record",
            )
        return
    for record in records:
        value = record.value
        ok = (is_number(value) and is_integer(value)) or (isinstance(value, str) and value.strip().lstrip("-").isdigit())
        if not ok:
            yield ctx.finding(
                SEED002,
                f"seed is {value!r}, not an integer",
                line=record.line,
                key=key,
                observed=repr(value),
                required="an integer seed",
            )
            return


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


@checker("training_log", LOG008)
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


_NEAR: dict[tuple[int, str], tuple[object, list[str]]] = {}


def _near(book: object, known: frozenset[str], key: str) -> list[str]:
    """The known key closest to an unknown one (asked once per round and key: a round of logs
    repeats the same unknown keys)."""
    cached = _NEAR.get((id(book), key))
    if cached is None or cached[0] is not book:
        cached = (book, close_matches(key, sorted(known), n=1, cutoff=0.88))
        _NEAR[(id(book), key)] = cached
    return cached[1]


@checker("training_log", KEY006)
def misspelt_keys(ctx: LogContext) -> Iterator[Finding]:
    known = ctx.book.known_keys
    for key, stats in ctx.log.stats.items():
        if key in known or len(key) > 100:
            continue
        close = _near(ctx.book, known, key)
        if close:
            yield ctx.finding(
                KEY006,
                f"unknown key '{key}' looks like a misspelling of '{close[0]}'",
                line=stats.first_line,
                key=key,
                observed=f"'{key}' ({stats.count} records)",
                required=f"'{close[0]}'",
                fix=f"Rename the key to '{close[0]}' (use mllog.constants).",
            )
