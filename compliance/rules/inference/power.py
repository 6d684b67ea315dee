"""IPW: the files a power result must have."""

from __future__ import annotations

from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.registry import checker, define
from compliance.rules.inference.common import ALL, SUITES
from compliance.rules.inference.tree_context import (
    MISSING,
    RESULT_SUBJECT,
    ResultContext,
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


POWER_FILES = ("client.json", "client.log", "ptd_logs.txt", "server.json", "server.log")


RANGING_FILES = ("mlperf_log_detail.txt", "mlperf_log_summary.txt", "spl.txt")


# -- the result's metric and accuracy (also used by the results table) -------------------------------


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
