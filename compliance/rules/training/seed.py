"""SEED: is the run seeded, with a whole number (rules, "Random numbers")?"""

from __future__ import annotations

from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.models.roles import SubjectRole
from compliance.registry import checker, define
from compliance.rules.training.context import LogContext
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
where published closed results without a seed were accepted. There the
warning is given once per entry, saying in how many of its runs the seed is
missing (an error stays on each run).

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

@checker(SubjectRole.TRAINING_LOG, SEED001, SEED002)
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
