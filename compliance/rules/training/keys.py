"""KEY, HP, QLT and SUB: the round's key table, read from ``checkers/`` data.

One generic checker walks the key specs that apply to the log (common, then
division, then benchmark sections) and reports counts, per-record checks,
first-record checks (evaluation schedule) and the quality target.
"""

from __future__ import annotations

from collections.abc import Iterator
TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any

from compliance.models.findings import Finding, Severity
from compliance.models.mllog import Record
from compliance.registry import Rule, checker, define
from compliance.rulebook.model import Check, KeySpec
from compliance.rules.training.checks import evaluate_check, fmt_value, record_field
from compliance.rules.training.context import LogContext, close_matches

KEY001 = define(
    "KEY001",
    "required-key-missing",
    Severity.ERROR,
    "A key the round's rules require is not logged, or is logged fewer times than required.",
    """
## What it checks
The count of each key the round's rules require: exactly one, at least one,
at least N, or at least one of a group (e.g. `block_start` or `epoch_start`).
Which keys are required depends on the round, the division and the benchmark
(`checkers/<suite>/v<round>.toml`).

## Why it matters
Reviewers and the scoring tools read these keys: without `run_stop` there is no
time to train, without `global_batch_size` no RCP check, and from round 6.1 the
numerical-precision and parallelism disclosures are mandatory.

## Example
A 6.1 log without `lowest_numerical_precision_in_linear`.

## How to fix
Log the key with the mllog library at the point the rules ask for it. If the
key is there but the round is wrong, name the round with `--round`.

## Rule reference
MLPerf Training rules, "Logging" and the benchmark's section; the official
compliance checker's REQ entries for the round.
""",
)

KEY002 = define(
    "KEY002",
    "key-repeated-with-different-values",
    Severity.ERROR,
    "A key that must appear once appears several times with different values.",
    """
## What it checks
Keys required exactly once (hyperparameters, `submission_*`) that appear more
than once with values that differ.

## Why it matters
Two values for one hyperparameter means the log does not say which one the run
used; reviewers cannot tell what was trained.

## Example
`opt_base_learning_rate` logged as 0.001 and again as 0.002.

## How to fix
Log each hyperparameter once, after its final value is known.

## Rule reference
Official compliance checker: `EXACTLY_ONE` keys.
""",
)

KEY003 = define(
    "KEY003",
    "key-repeated-same-value",
    Severity.WARNING,
    "A key that should appear once is repeated with the same value.",
    """
## What it checks
Keys required exactly once that are repeated with identical values (typically
logged by several ranks). One finding per log lists all such keys and how
often each is logged; it points at the first repeated record.

## Why it matters
Harmless for the verdict (the official checker warns too), but it makes logs
longer and hides real duplicates.

## Example
`opt_name` logged by two callbacks.

## How to fix
Log from rank 0 only.

## Rule reference
Official compliance checker: `EXACTLY_ONE` (warning when values are equal).
""",
)

KEY004 = define(
    "KEY004",
    "key-value-invalid",
    Severity.ERROR,
    "A logged value breaks a rule every submission must follow (empty, negative, wrong type).",
    """
## What it checks
The value checks of the common and division rules: non-empty names, positive
counts, values from an allowed list, and so on.

## Why it matters
These values feed the result tables and the other checks.

## Example
`gradient_accumulation_steps` logged as 0.

## How to fix
Log the value the job really used; see the message for the bound.

## Rule reference
Official compliance checker, common and division rules of the round.
""",
)

KEY005 = define(
    "KEY005",
    "record-metadata-missing",
    Severity.ERROR,
    "A record lacks a metadata field the rules need (e.g. epoch_num or samples_count on an eval).",
    """
## What it checks
Metadata fields the rules read: `epoch_num`/`samples_count` on evaluation
records, `status` on `run_stop`, `epoch_count`/`first_epoch_num` on blocks.

## Why it matters
Without them the convergence point (for RCPs) and the evaluation schedule
cannot be read.

## Example
`eval_accuracy` with metadata `{"file": ..., "lineno": ...}` only.

## How to fix
Pass the metadata to the mllog call, e.g.
`mllogger.event(key="eval_accuracy", value=acc, metadata={"samples_count": n})`.

## Rule reference
Official compliance checker, common rules; Training rules "Logging".
""",
)

HP001 = define(
    "HP001",
    "closed-hyperparameter-not-allowed",
    Severity.ERROR,
    "A closed-division benchmark setting differs from the value or formula the round's rules fix.",
    """
## What it checks
The closed-division rules of the benchmark: fixed hyperparameters (optimizer,
betas, epsilon, weight decay, schedules), values tied to the batch size by a
formula (learning rate, warmup and decay steps), and fixed dataset sizes.

## Why it matters
Closed-division results must be comparable: only the parameters the rules list
as tunable may change.

## Example
llama31_8b with `opt_adamw_epsilon` = 1e-8 where the rules fix 1e-5.

## How to fix
Use the reference value (see "required"), or submit in the open division.

## Rule reference
MLPerf Training rules, "Hyperparameters" table; official compliance checker,
closed_<benchmark> rules of the round.
""",
    divisions=("closed",),
)

QLT001 = define(
    "QLT001",
    "quality-target-not-reached",
    Severity.ERROR,
    "No evaluation in the log reaches the benchmark's quality target.",
    """
## What it checks
That at least one evaluation result (`eval_accuracy`, or `eval_error` for some
HPC benchmarks) meets the round's quality target for the benchmark.

## Why it matters
A run that never reaches the target did not converge: it is a failed run
(scoring may drop one such run per set, but the log itself does not pass).

## Example
llama31_8b whose best log perplexity is 3.41 (target: ≤ 3.3).

## How to fix
Nothing in the log can fix this: the run must be repeated.

## Rule reference
MLPerf Training rules, "Benchmarks" quality table.
""",
)

QLT002 = define(
    "QLT002",
    "quality-target-reached-after-run-stop",
    Severity.ERROR,
    "The quality target is only reached by an evaluation logged after run_stop.",
    """
## What it checks
That an evaluation meeting the target comes before `run_stop`, both in the file
and in time (benchmarks whose rules allow offline evaluation are exempt).

## Why it matters
The timed region ends when the target is reached; a target reached after the
clock stopped was not timed. The official checker does not look at order.

## Example
`run_stop` at minute 40, the only passing `eval_accuracy` at minute 41.

## How to fix
Stop the clock (`run_stop`) after the evaluation that reaches the target.

## Rule reference
MLPerf Training rules, "Timing": the run ends when the quality target is reached.
""",
    deliberate_difference="The official checker accepts a target reached after run_stop.",
)

QLT003 = define(
    "QLT003",
    "evaluation-off-schedule",
    Severity.ERROR,
    "An evaluation is not at the point the round's rules fix (first eval, or eval interval).",
    """
## What it checks
The evaluation cadence fixed by the rules for some benchmarks: where the first
evaluation happens and how far apart evaluations are.

## Why it matters
Convergence is compared with reference points on the same evaluation grid; an
eval off the grid can report convergence earlier than the rules allow.

## Example
deepseekv3_671b whose first eval is not at `gbs * floor(42 + 24576 / gbs)` samples.

## How to fix
Use the reference evaluation schedule for your batch size.

## Rule reference
Benchmark section of the Training rules; official compliance checker FIRST_CHECK.
""",
)

SUB001 = define(
    "SUB001",
    "division-invalid",
    Severity.ERROR,
    "submission_division is not a division of the round (closed or open, lower case).",
    """
## What it checks
That `submission_division` is exactly one of the round's divisions.

## Why it matters
The division decides which rules apply. The official checker crashes on a
value like `Closed`; mlperf-audit reports it, applies the rules of the division
it most likely means, and checks the rest.

## Example
`submission_division` = "Closed".

## How to fix
Log `closed` or `open` (lower case).

## Rule reference
MLPerf Training rules, "Divisions".
""",
)

SUB002 = define(
    "SUB002",
    "benchmark-invalid",
    Severity.ERROR,
    "submission_benchmark is not a benchmark of the round.",
    """
## What it checks
That `submission_benchmark` names a benchmark of the round being checked.

## Why it matters
The benchmark decides the quality target and the closed rules. The official
checker crashes on an unknown name.

## Example
`submission_benchmark` = "resnet50" (the benchmark is called `resnet`), or a
5.1 benchmark checked against round 6.1.

## How to fix
Use the official benchmark name; if the log belongs to another round, pass
`--round`.

## Rule reference
MLPerf Training rules, "Benchmarks".
""",
)

SUB003 = define(
    "SUB003",
    "submission-field-empty",
    Severity.ERROR,
    "submission_org or submission_platform is empty.",
    """
## What it checks
That the submitter and platform names are logged and not empty.

## Why it matters
They identify the result in the published tables.

## Example
`submission_platform` = "".

## How to fix
Log the organisation and the system name used in `systems/<system>.json`.

## Rule reference
Official compliance checker, common rules.
""",
)


_METADATA_OPS = {"metadata_any", "metadata_all"}


def _default_rule(ctx: LogContext, spec: KeySpec, check: Check, kind: str, absent: bool = False) -> Rule:
    from compliance.registry import RULES

    code = check.code or spec.code
    if code:
        return RULES[code]
    if kind == "first":
        return QLT003
    ops = {op for op, _ in check.conditions}
    if ops & _METADATA_OPS or (absent and check.field.startswith("metadata")) or (
        "fn" in ops and dict(check.conditions).get("fn") == "metadata_implies"
    ):
        return KEY005
    if "." in spec.section and spec.section.startswith("closed"):
        return HP001
    return KEY004


def _values_differ(records: list[Record]) -> bool:
    """Python equality, as the official checker compares repeated values (1 == 1.0 == True)."""
    first = records[0].value
    return any(record.value != first for record in records[1:])


# run_start/run_stop/init_stop repeats are errors of their own (SEQ005).
_SEQUENCE_OWNED = {"run_start", "run_stop", "init_stop"}
# submission_* values are checked in code against the round's lists (SUB001-SUB003).
_SUBMISSION_OWNED = {"submission_division", "submission_benchmark", "submission_org", "submission_platform"}


@checker("training_log", KEY001, KEY002, KEY003, KEY004, KEY005, HP001, QLT001, QLT002, QLT003)
def key_table(ctx: LogContext) -> Iterator[Finding]:
    if ctx.log.records == 0:
        return
    groups_seen: set[frozenset[str]] = set()
    repeats: list[tuple[str, int, list[Record]]] = []  # KEY003: one finding per log, listing the keys
    for key, spec in ctx.specs.items():
        track = ctx.track(key)
        yield from _counts(ctx, key, spec, track, groups_seen, repeats)
        if track is None or not track.count:
            continue
        if key not in _SUBMISSION_OWNED:
            yield from _tallied(ctx, spec, track)
        yield from _run_checks(ctx, spec, spec.first, [track.first], "first")
        if spec.target:
            yield from _target(ctx, key, spec, track)
    if repeats:
        yield _repeated(ctx, repeats)
    if ctx.log.records and not ctx.specs:
        return


REPEATS_LISTED = 5  # keys named in a KEY003 message; all are in its evidence


def _repeated(ctx: LogContext, repeats: list[tuple[str, int, list[Record]]]) -> Finding:
    """One KEY003 for all the keys of a log repeated with the same value (typically one
    record per rank: five submission_* keys logged 16 times were five warnings a file)."""
    repeats = sorted(repeats, key=lambda r: r[2][1].line)  # in the order the repeats appear in the log
    key, count, records = repeats[0]
    lines = ", ".join(str(r.line) for r in records[:5]) + (" …" if count > 5 else "")
    if len(repeats) == 1:
        message = f"'{key}' is logged {count} times (same value each time)"
        observed = f"{count} records (lines {lines})"
    else:
        named = ", ".join(f"'{k}' {n} times" for k, n, _ in repeats[:REPEATS_LISTED])
        more = f" and {len(repeats) - REPEATS_LISTED} more" if len(repeats) > REPEATS_LISTED else ""
        message = f"{len(repeats)} keys required once are logged more than once, each with the same value: {named}{more}"
        observed = f"'{key}': {count} records (lines {lines})"
    return ctx.finding(
        KEY003,
        message,
        line=records[1].line,
        key=key,
        observed=observed,
        required="exactly one record of each",
        evidence={"keys": len(repeats), "repeated": ", ".join(f"{k} x{n}" for k, n, _ in repeats)},
    )


def _counts(
    ctx: LogContext,
    key: str,
    spec: KeySpec,
    track: Any,
    groups_seen: set[frozenset[str]],
    repeats: list[tuple[str, int, list[Record]]],
) -> Iterator[Finding]:
    count = track.count if track is not None else 0
    where = f"{spec.section} rules"
    if spec.req == "exactly_one":
        if count == 0:
            yield ctx.finding(
                KEY001,
                f"'{key}' is required exactly once but is not logged",
                key=key,
                observed="0 records",
                required=f"exactly one '{key}' ({where})",
            )
        elif count > 1 and key not in _SEQUENCE_OWNED:
            records = ctx.records(key)  # a key required once is never tallied while reading: all are kept
            lines = ", ".join(str(r.line) for r in records[:5]) + (" …" if count > 5 else "")
            if _values_differ(records):
                values = sorted({fmt_value(r.value) for r in records})
                yield ctx.record_finding(
                    KEY002, records[1], key,
                    f"'{key}' is logged {count} times with different values: {', '.join(values[:5])}",
                    observed=f"{count} records (lines {lines})",
                    required=f"exactly one '{key}' ({where})",
                )
            else:
                repeats.append((key, count, records))
    elif spec.req == "at_least_one" and count == 0:
        yield ctx.finding(
            KEY001,
            f"'{key}' is required at least once but is not logged",
            key=key,
            observed="0 records",
            required=f"at least one '{key}' ({where})",
        )
    elif spec.req == "at_least" and count < spec.min_count:
        yield ctx.finding(
            KEY001,
            f"'{key}' is required at least {spec.min_count} times but is logged {count} times",
            line=track.last_line if count else None,
            key=key,
            observed=f"{count} records",
            required=f"at least {spec.min_count} '{key}' ({where})",
        )
    elif spec.req == "at_least_one_of":
        group = frozenset((key, *spec.alternatives))
        if group in groups_seen:
            return
        groups_seen.add(group)
        if not any(ctx.count(k) for k in group):
            names = " or ".join(f"'{k}'" for k in sorted(group))
            yield ctx.finding(
                KEY001,
                f"none of {names} is logged",
                key=key,
                observed="0 records",
                required=f"at least one of {names} ({where})",
            )


def _tallied(ctx: LogContext, spec: KeySpec, track: Any) -> Iterator[Finding]:
    """The checks that apply to every record of the key, from the track's tallies."""
    if spec.occurrences != "all":
        yield from _run_checks(ctx, spec, spec.checks, [track.first], "checks")
        return
    for tally in track.tallies:
        if tally.failures:
            yield _check_finding(ctx, spec, tally.check, "checks", tally.first, tally.why, tally.failures, track.count)


def _run_checks(
    ctx: LogContext, spec: KeySpec, checks: tuple[Check, ...], records: list[Record], kind: str
) -> Iterator[Finding]:
    for check in checks:
        state: dict[str, Any] = {}
        failures: list[tuple[Record, str]] = []
        for record in records:
            ok, why = evaluate_check(ctx, check, record, state)
            if not ok:
                failures.append((record, why))
        if failures:
            yield _check_finding(ctx, spec, check, kind, failures[0][0], failures[0][1], len(failures), len(records))


def _check_finding(
    ctx: LogContext, spec: KeySpec, check: Check, kind: str, first_record: Record, why: str, failing: int, of: int
) -> Finding:
    rule = _default_rule(ctx, spec, check, kind, absent=not record_field(first_record, check.field)[0])
    more = f" (and {failing - 1} more of {of} records)" if failing > 1 else ""
    what = "first record of" if kind == "first" else "record of"
    return ctx.finding(
        rule,
        f"'{spec.name}': {why}{more}",
        line=first_record.line,
        key=spec.name,
        observed=fmt_value(record_field(first_record, check.field)[1]),
        required=check.describe(spec.name) + (f" on the {what} '{spec.name}'" if kind == "first" else ""),
        evidence={
            "failing_records": failing,
            "rules_section": spec.section,
            **({"source": check.source or spec.source} if (check.source or spec.source) else {}),
        },
    )


def _target(ctx: LogContext, key: str, spec: KeySpec, track: Any) -> Iterator[Finding]:
    if any(check.field == "value" for check in spec.target) and track.malformed_n:
        first = track.malformed_first
        count = track.malformed_n
        yield ctx.record_finding(
            KEY004, first, key,
            f"'{key}' at line {first.line} is {fmt_value(first.value)}, not a number"
            + (f" ({count} such records)" if count > 1 else ""),
            observed=fmt_value(first.value),
            required=f"a numeric quality result in every '{key}' record",
            evidence={"malformed_records": count},
        )
    requirement = " and ".join(check.describe(key) for check in spec.target)
    if ctx.info is not None and ctx.info.quality_unit and key == "eval_accuracy":
        requirement += f" ({ctx.info.quality_unit})"
    if track.meet_first is None:
        best = None
        if track.low is not None:
            lower_better = any(op in ("le", "lt") for c in spec.target for op, _ in c.conditions if c.field == "value")
            best = track.low if lower_better else track.high
        yield ctx.finding(
            QLT001,
            f"no '{key}' reaches the quality target ({requirement}); "
            + (f"best value {fmt_value(best)} over {track.count} evaluations" if best is not None else f"{track.count} evaluations"),
            line=track.last_line,
            key=key,
            observed=fmt_value(best) if best is not None else fmt_value(track.last_value),
            required=requirement,
            evidence={"evaluations": track.count},
        )
        return
    if ctx.info is not None and ctx.info.offline_eval:
        return
    if ctx.run_stop is not None and track.meeting_all_late(ctx.clock_sane):
        first = track.meet_first
        yield ctx.finding(
            QLT002,
            f"the first '{key}' meeting the target (line {first.line}) comes after run_stop "
            f"(line {ctx.run_stop.line})",
            line=first.line,
            key=key,
            observed=f"target met at line {first.line}, time {first.time_ms:.0f}; run_stop at line "
            f"{ctx.run_stop.line}, time {ctx.run_stop.time_ms:.0f}",
            required="an evaluation meeting the target before run_stop",
            evidence={"records_after_run_stop": track.late(ctx.clock_sane)[0]},  # what SEQ007 would repeat
        )


@checker("training_log", SUB001, SUB002, SUB003)
def submission_fields(ctx: LogContext) -> Iterator[Finding]:
    from compliance.rulebook.load import benchmark_rounds

    book = ctx.book
    div_record = ctx.log.first("submission_division")
    if div_record is not None and not (isinstance(div_record.value, str) and div_record.value in book.divisions):
        guess = f"; the {ctx.division} rules were applied" if ctx.division_guessed else ""
        yield ctx.finding(
            SUB001,
            f"submission_division is {fmt_value(div_record.value)}, not one of {', '.join(book.divisions)}{guess}",
            line=div_record.line,
            key="submission_division",
            observed=fmt_value(div_record.value),
            required=" or ".join(book.divisions),
            fix=f"Log submission_division as '{ctx.division}'." if ctx.division_guessed else None,
        )
    bench_record = ctx.log.first("submission_benchmark")
    if bench_record is not None and ctx.benchmark is None:
        value = bench_record.value
        names = sorted(book.benchmarks)
        hint = ""
        if isinstance(value, str):
            close = close_matches(value, names, n=1, cutoff=0.6)
            if close:
                hint = f"; did you mean '{close[0]}'?"
            elsewhere = [r for r in benchmark_rounds(book.suite, value) if r != book.round]
            if elsewhere:
                hint += f" '{value}' is a benchmark of round {', '.join(elsewhere)}: is --round right?"
        yield ctx.finding(
            SUB002,
            f"submission_benchmark {fmt_value(value)} is not a {book.suite} {book.round} benchmark{hint}",
            line=bench_record.line,
            key="submission_benchmark",
            observed=fmt_value(value),
            required="one of " + ", ".join(names),
        )
    for key in ("submission_org", "submission_platform"):
        record = ctx.log.first(key)
        if record is not None and (record.value == "" or (isinstance(record.value, str) and not record.value.strip())):
            yield ctx.finding(
                SUB003,
                f"{key} is empty",
                line=record.line,
                key=key,
                observed=fmt_value(record.value),
                required="a non-empty name",
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
