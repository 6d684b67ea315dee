"""IBD: whether a result's runs come from one LoadGen build and SUT."""

from __future__ import annotations

from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.registry import checker, define
from compliance.rules.inference.common import ALL, SUITES
from compliance.rules.inference.tree_context import (
    RESULT_SUBJECT,
    ResultContext,
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
`sut_name`. A difference is sent to the reviewers, once per result with
every key that differs (the version and its commit date move together); it
does not fail the result.

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


_BUILD_KEYS = ("loadgen_version", "loadgen_git_commit_date", "sut_name")


@checker(RESULT_SUBJECT, IBD001)
def same_build(ctx: ResultContext) -> Iterator[Finding]:
    every = [("performance/run_1", ctx.perf), ("accuracy", ctx.accuracy)]
    every += [(f"{t.name}/performance/run_1", t.run) for t in ctx.tests.values()]
    runs = [(name, run) for name, run in every if run is not None and run.detail.present]
    if len(runs) < 2:
        return
    differing: list[tuple[str, str]] = []  # (key, what each run logs)
    for key in _BUILD_KEYS:
        values: dict[str, list[str]] = {}
        for name, run in runs:
            value = run.value(key)
            if isinstance(value, str):
                values.setdefault(value, []).append(name)
        if len(values) > 1:
            differing.append((key, "; ".join(f"{v!r} in {', '.join(names)}" for v, names in sorted(values.items()))))
    if not differing:
        return
    # The version and its commit date move together: one finding per result, each key in it.
    keys = [key for key, _ in differing]
    shown = " | ".join(f"{key}: {what}" for key, what in differing)
    yield ctx.finding(
        IBD001,
        f"the runs of this result log different {', '.join(keys)}: {shown}",
        path=ctx.entry.path,
        key=keys[0],
        observed=shown,
        required=f"one {' and one '.join(keys)} for the performance, accuracy and compliance runs",
        evidence={"keys": ", ".join(keys)},
    )
