"""SEQ: the run's timeline — init, then run_start, then run_stop, once each."""

from __future__ import annotations

from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.models.roles import SubjectRole
from compliance.registry import checker, define
from compliance.rules.training.context import LogContext

SEQ001 = define(
    "SEQ001",
    "init-start-after-init-stop",
    Severity.ERROR,
    "An init_start record comes after init_stop or run_start.",
    """
## What it checks
That every `init_start` comes before `init_stop` and `run_start` in the file.
Several `init_start` records (one per rank) are normal.

## Why it matters
Work done after the initialisation window closed but outside the timed region
would escape both the init limit and the time to train.

## Example
`init_stop`, `run_start`, then another `init_start`.

## How to fix
Start all initialisation before `init_stop`.

## Rule reference
MLPerf Training rules, "Timing"; official compliance checker (init_start checks).
""",
)

SEQ002 = define(
    "SEQ002",
    "init-stop-out-of-order",
    Severity.ERROR,
    "init_stop comes without an earlier init_start, or after run_start.",
    """
## What it checks
That `init_stop` follows an `init_start` and precedes `run_start`.

## Why it matters
The initialisation time limit is measured from the first `init_start` to
`init_stop`; without that order it cannot be measured.

## Example
A log whose `init_start` lines were lost: `init_stop` is the first timing record.

## How to fix
Log `init_start` when initialisation begins and `init_stop` before `run_start`.

## Rule reference
MLPerf Training rules, "Timing"; official compliance checker (init_stop checks).
""",
)

SEQ003 = define(
    "SEQ003",
    "run-start-before-init-stop",
    Severity.ERROR,
    "run_start comes before (or without) init_stop.",
    """
## What it checks
That `run_start` comes after `init_stop` in the file.

## Why it matters
The timed region starts after initialisation has ended.

## Example
`run_start` logged before `init_stop`.

## How to fix
Log `init_stop` right before `run_start`.

## Rule reference
MLPerf Training rules, "Timing"; official compliance checker (run_start check).
""",
)

SEQ004 = define(
    "SEQ004",
    "run-stop-before-run-start",
    Severity.ERROR,
    "run_stop comes before run_start in the file, or is stamped earlier in time (a negative run time).",
    """
## What it checks
That `run_stop` follows `run_start` both in the file and on the clock.

## Why it matters
The time to train is `run_stop.time_ms - run_start.time_ms`; a negative or
reordered interval is not a result. The official checker only looks at file
order, so a `run_stop` stamped before `run_start` passes it.

## Example
`run_start` at 1745154970117 ms and `run_stop` at 1745154910117 ms.

## How to fix
Use one clock for all records and stop the run after it started.

## Rule reference
MLPerf Training rules, "Timing".
""",
    deliberate_difference="The official checker does not compare timestamps.",
)

SEQ005 = define(
    "SEQ005",
    "timing-event-repeated",
    Severity.ERROR,
    "run_start, run_stop or init_stop appears more than once (even with equal values).",
    """
## What it checks
That the events that define the timed region appear once each.

## Why it matters
With two `run_start` records, the time to train depends on which one a tool
picks. The official checker only warns when the copies are identical (their
value is null), even if the times differ.

## Example
`run_start` logged by every rank.

## How to fix
Log the run's start and stop from one rank, once.

## Rule reference
MLPerf Training rules, "Timing"; mllog conventions.
""",
    deliberate_difference="The official checker only warns on identical duplicates.",
)

SEQ006 = define(
    "SEQ006",
    "timed-event-before-run-start",
    Severity.ERROR,
    "A record of the timed region (block, epoch or eval event) comes or is stamped before run_start.",
    """
## What it checks
That training and evaluation events (`block_*`, `epoch_*`, `eval_*` events and
the quality results) come after `run_start`, in the file and on the clock.
Hyperparameters logged during init (like `eval_samples`) are not events.

## Why it matters
Training or evaluation before `run_start` is work outside the timed region.

## Example
An `eval_accuracy` record stamped one hour before `run_start`.

## How to fix
Start the clock before the first training step.

## Rule reference
MLPerf Training rules, "Timing": everything after initialisation is timed.
""",
    deliberate_difference="The official checker checks file order for block_start only.",
)

SEQ007 = define(
    "SEQ007",
    "quality-result-after-run-stop",
    Severity.ERROR,
    "A quality result (eval_accuracy or the benchmark's metric) is logged after run_stop.",
    """
## What it checks
Evaluation results after `run_stop`. It is an error when such a record meets
the quality target (the log then claims convergence outside the timed region,
e.g. a duplicated final evaluation), and a warning otherwise. When no
evaluation before `run_stop` meets the target, QLT002 reports that cause once
and this rule says nothing more (some
implementations keep evaluating after the run stopped). In an HPC Throughput
(weak scaling) entry, an instance that met the target before its `run_stop`
goes on training with the concurrent instances until the whole job ends: its
later evaluations are a warning even when they meet the target. Benchmarks whose rules
allow offline evaluation (Stable Diffusion) are exempt. Closing `epoch_stop` or
`block_stop` events after `run_stop` are normal and not reported.

## Why it matters
The timed region ends at `run_stop`; results after it are not part of the run.

## Example
The last `eval_accuracy` copied after `run_stop`.

## How to fix
Log `run_stop` after the last evaluation of the run.

## Rule reference
MLPerf Training rules, "Timing".
""",
    deliberate_difference="The official checker does not look at records after run_stop.",
)

SEQ008 = define(
    "SEQ008",
    "initialization-too-long",
    Severity.ERROR,
    "init_stop comes later after the first init_start than the round allows (30 min closed, 240 min open).",
    """
## What it checks
The time from the first `init_start` to `init_stop` against the round's limit
for the division (`checkers/<suite>/v<round>.toml`, `limits`).

## Why it matters
Initialisation (compilation, data staging) is untimed only up to the limit.

## Example
A closed run whose init took 42 minutes.

## How to fix
Shorten initialisation, or move work into the timed region.

## Rule reference
MLPerf Training rules, "Timing" (initialisation limits).
""",
)

SEQ009 = define(
    "SEQ009",
    "run-stop-status-not-success",
    Severity.ERROR,
    "run_stop's status is not 'success': the run did not converge.",
    """
## What it checks
The `status` metadata of `run_stop`.

## Why it matters
A run that stopped with status `aborted` did not reach the target: it is a
failed run, whatever else the log says. The official checker only checks that
a status exists.

## Example
`run_stop` with metadata `{"status": "aborted"}`.

## How to fix
Nothing to change in the log: the run must be repeated (scoring may drop one
failed run of a set).

## Rule reference
MLPerf Training rules, "Timing" and "Scoring".
""",
    deliberate_difference="The official checker accepts status 'aborted'.",
)


@checker(SubjectRole.TRAINING_LOG, SEQ001, SEQ002, SEQ003, SEQ004, SEQ005)
def timeline(ctx: LogContext) -> Iterator[Finding]:
    log = ctx.log
    init_starts = ctx.track("init_start")
    init_stops = log.all("init_stop")
    run_starts = log.all("run_start")
    run_stops = log.all("run_stop")

    for key, records in (("run_start", run_starts), ("run_stop", run_stops), ("init_stop", init_stops)):
        if len(records) > 1:
            times = sorted({r.time_ms for r in records})
            same = "identical copies" if len(times) == 1 else f"{len(times)} different times"
            yield ctx.record_finding(
                SEQ005, records[1], key,
                f"'{key}' appears {len(records)} times ({same}); it must appear once",
                observed=f"lines {', '.join(str(r.line) for r in records[:6])}",
                required=f"exactly one '{key}'",
            )

    first_init_stop = init_stops[0] if init_stops else None
    first_run_start = run_starts[0] if run_starts else None
    first_run_stop = run_stops[0] if run_stops else None

    if init_starts is not None and init_starts.late_n:  # after the first init_stop or run_start
        late = init_starts.late_first
        yield ctx.record_finding(
            SEQ001, late, "init_start",
            f"init_start at line {late.line} comes after init_stop/run_start"
            + (f" ({init_starts.late_n} records)" if init_starts.late_n > 1 else ""),
            observed=f"init_start at line {late.line}",
            required="every init_start before init_stop and run_start",
        )
    first_init_start = init_starts.first if init_starts is not None else None
    if first_init_stop is not None:
        if first_init_start is None or first_init_start.seq > first_init_stop.seq:
            yield ctx.record_finding(
                SEQ002, first_init_stop, "init_stop",
                "init_stop has no init_start before it",
                observed="no init_start before line %d" % first_init_stop.line,
                required="init_start ... init_stop ... run_start",
            )
        if first_run_start is not None and first_run_start.seq < first_init_stop.seq:
            yield ctx.record_finding(
                SEQ002, first_init_stop, "init_stop",
                f"init_stop (line {first_init_stop.line}) comes after run_start (line {first_run_start.line})",
                observed=f"run_start at line {first_run_start.line}, init_stop at line {first_init_stop.line}",
                required="init_stop before run_start",
            )
    if first_run_start is not None and not (first_init_stop is not None and first_init_stop.seq < first_run_start.seq):
        yield ctx.record_finding(
            SEQ003, first_run_start, "run_start",
            "run_start has no init_stop before it",
            observed=f"run_start at line {first_run_start.line}"
            + (f", init_stop at line {first_init_stop.line}" if first_init_stop else ", no init_stop"),
            required="init_stop before run_start",
        )
    if first_run_stop is not None:
        if first_run_start is None or first_run_stop.seq < first_run_start.seq:
            yield ctx.record_finding(
                SEQ004, first_run_stop, "run_stop",
                "run_stop comes before run_start in the file" if first_run_start else "run_stop has no run_start",
                observed=f"run_stop at line {first_run_stop.line}"
                + (f", run_start at line {first_run_start.line}" if first_run_start else ""),
                required="run_start before run_stop",
            )
        elif first_run_stop.time_ms < first_run_start.time_ms:
            seconds = (first_run_start.time_ms - first_run_stop.time_ms) / 1000.0
            yield ctx.record_finding(
                SEQ004, first_run_stop, "run_stop",
                f"run_stop is stamped {seconds:.1f} s before run_start (negative time to train)",
                observed=f"run_start {first_run_start.time_ms:.0f} ms, run_stop {first_run_stop.time_ms:.0f} ms",
                required="run_stop.time_ms >= run_start.time_ms",
                evidence={"run_minutes": (first_run_stop.time_ms - first_run_start.time_ms) / 60000.0},
            )


@checker(SubjectRole.TRAINING_LOG, SEQ006, SEQ007)
def timed_region(ctx: LogContext) -> Iterator[Finding]:
    start = ctx.run_start
    stop = ctx.run_stop
    quality = set(ctx.quality_keys())
    event_keys = list(dict.fromkeys([*ctx.book.timed_keys, *quality]))
    if start is not None:
        count, first = 0, None
        for key in event_keys:
            track = ctx.tracks.get(key)  # the logged key's (SEQ006 does not look at virtual keys)
            if track is None:
                continue
            n, candidate = track.early(ctx.clock_sane)
            count += n
            if candidate is not None and (first is None or candidate.seq < first.seq):
                first = candidate
        if first is not None:
            in_file = first.seq < start.seq
            how = (
                f"comes before run_start (line {start.line}) in the file"
                if in_file
                else f"is stamped {(start.time_ms - first.time_ms) / 1000.0:.1f} s before run_start"
            )
            yield ctx.finding(
                SEQ006,
                f"'{first.key}' at line {first.line} {how}"
                + (f" ({count} such records)" if count > 1 else ""),
                line=first.line,
                key=first.key,
                observed=f"{first.key} at {first.time_ms:.0f} ms, run_start at {start.time_ms:.0f} ms",
                required="training and evaluation events after run_start",
            )
    if stop is None or (ctx.info is not None and ctx.info.offline_eval):
        return
    for key in sorted(quality):
        track = ctx.track(key)
        if track is None:
            continue
        late, first_late, meeting, met_in_time = track.late(ctx.clock_sane)
        if not late:
            continue
        if meeting is not None and not met_in_time:
            continue  # the target is only met after run_stop: QLT002's one finding for the cause
        shown = meeting if meeting is not None else first_late
        serious = meeting is not None
        note = " and meets the quality target" if serious else "; it is not part of the run"
        if serious and ctx.concurrent:
            if met_in_time:
                serious = False  # the instance met the target in time and kept training with the others
                note = (" and meets the quality target, after the instance met it before run_stop: a throughput "
                        "instance keeps training with the others until the job ends; not part of the run")
        yield ctx.record_finding(
            SEQ007, shown, key,
            f"'{key}' at line {shown.line} is logged after run_stop (line {stop.line})" + note,
            severity=None if serious else Severity.WARNING,
            observed=f"{late} '{key}' record(s) after run_stop; value {shown.value!r}",
            required="quality results before run_stop",
        )


@checker(SubjectRole.TRAINING_LOG, SEQ008, SEQ009)
def run_limits(ctx: LogContext) -> Iterator[Finding]:
    init_starts = ctx.track("init_start")
    init_stop = ctx.log.first("init_stop")
    limit_name = f"init_time_{ctx.division}" if ctx.division else None
    limit = ctx.book.limit(limit_name) if limit_name else None
    if limit is None:
        limit = ctx.book.limit("init_time")
    if init_starts is not None and init_starts.count and init_stop is not None and limit is not None:
        first = init_starts.min_time
        minutes = (init_stop.time_ms - first) / 60000.0
        limit_minutes = limit.value if limit.unit == "min" else limit.value / 60.0
        if minutes >= limit_minutes:
            yield ctx.record_finding(
                SEQ008, init_stop, "init_stop",
                f"initialisation took {minutes:.1f} min; the {ctx.division or 'round'} limit is "
                f"{limit_minutes:g} min",
                observed=f"{minutes:.1f} min from the first init_start to init_stop",
                required=f"< {limit_minutes:g} min ({limit.source})" if limit.source else f"< {limit_minutes:g} min",
            )
    stop = ctx.run_stop
    if stop is not None and "status" in stop.metadata and stop.metadata["status"] != "success":
        yield ctx.record_finding(
            SEQ009, stop, "run_stop",
            f"run_stop status is {stop.metadata['status']!r}: the run did not succeed",
            observed=repr(stop.metadata["status"]),
            required="'success'",
        )
