"""RCP: closed entries' convergence against the Reference Convergence Points."""

from __future__ import annotations

import math
import os

from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.models.roles import SubjectRole
from compliance.registry import checker, define
from compliance.rules.package.context import PackageContext

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from compliance.rules.package.rcp_test import RcpResult

_REF = "MLPerf Training rules, 'Reference Convergence Points (RCPs)' and its appendix; mlperf_logging rcp_checker (the verifier is the source of truth)."

RCP001 = define(
    "RCP001",
    "rcp-check-failed",
    Severity.ERROR,
    "The entry converges faster than the Reference Convergence Points allow.",
    f"""
## What it checks
The olympic mean of the runs' epochs (or samples) to converge against the
RCP for the entry's global batch size (or the interpolation between the two
nearest RCPs): a one-sided pooled t-test at alpha 0.05 gives the fastest
allowed mean. mlperf-audit computes it exactly as the round's official
`rcp_checker` did: from training 4.1 on the stdev of every reference run
(mlcommons/logging 52245a0), before that (training 3.0-4.0, HPC 1.0-3.0) the
stdev of the olympic slice, which is also the rules appendix's worked example
(round data `statistics.stdev` in `checkers/<suite>/rcp/`). Where the two
methods differ the message also shows the appendix's bound. A run set far
below every RCP point (20x or more) is said to log another unit than the
RCPs count (epochs where they count samples) rather than to converge too fast.

## Why it matters
Converging much faster than the reference means different (not allowed)
training dynamics in the closed division.

## Example
llama31_8b at batch size 64 with a mean of 190,000 samples where the RCP
allows no less than 218,921.

## How to fix
Check the hyperparameters against the reference; if the result is genuine,
ask the training working group to review it (the `--rcp-bypass` switch or a
waiver keeps the finding visible as waived).

## Rule reference
{_REF}
""",
    divisions=("closed",),
)

RCP002 = define(
    "RCP002",
    "rcp-missing",
    Severity.ERROR,
    "No RCP covers the entry's batch size (above the largest reference batch size).",
    f"""
## What it checks
That an RCP exists at, around or above the entry's global batch size.

## Why it matters
Without a reference the convergence cannot be judged; the rules require a
missing RCP to be submitted (within a day of the deadline).

## Example
Global batch size 8192 where RCPs stop at 4096.

## How to fix
Submit the missing RCP to the working group (mlcommons/logging), or use
`--rcp-bypass` until it is accepted.

## Rule reference
{_REF}
""",
    divisions=("closed",),
)

RCP003 = define(
    "RCP003",
    "rcp-check-impossible",
    Severity.ERROR,
    "The RCP check cannot run: no RCPs for the benchmark, no common batch size, or too few converged runs.",
    f"""
## What it checks
The preconditions of the RCP test: RCP data for the benchmark and round, one
global batch size for all runs, and at most one run (unet3d: four) that did
not converge.

## Why it matters
A closed result needs a passing RCP test.

## Example
Runs logged with two different global batch sizes.

## How to fix
Fix the run set (see the message); the other findings of the entry say more.

## Rule reference
{_REF}
""",
    divisions=("closed",),
)

RCP004 = define(
    "RCP004",
    "score-needs-normalisation",
    Severity.INFO,
    "The entry converges faster than the RCP mean (within the allowed speed-up): its score is normalised.",
    f"""
## What it checks
Entries that pass the RCP test but converge faster than the reference mean,
and the factor (RCP mean / submission mean) their score must be multiplied
by; the factor in `scaling.json` is compared with it.

## Why it matters
Normalisation keeps a lucky-fast convergence from inflating the score (rules,
"RCPs": new score = score x RCP mean / submission mean). The official package
checker writes `scaling.json` into the submission before the summarizer scores
it; mlperf-audit writes nothing: with no `scaling.json` it applies the factor
to the score itself, and a `scaling.json` that is there (the review
committee's record) is used as it is. It also notes a `scaling.json` that
scales an entry the RCP test finds in no need of it (the official package
checker deletes such a file).

## Example
Normalise by 226645.33 / 224256.0 = 1.0107.

## How to fix
Put `{{"scaling_factor": <factor>}}` in the benchmark folder's `scaling.json`
if the committee does not do it for you.

## Rule reference
{_REF}
""",
    divisions=("closed",),
)

_FIXABLE = {"fail": RCP001, "fail-interpolated": RCP001, "missing": RCP002}


@checker(SubjectRole.TREE, RCP001, RCP002, RCP003, RCP004)
def check_rcps(ctx: PackageContext) -> Iterator[Finding]:
    """Run the RCP test on every closed entry (results are stored on the entry's facts)."""
    from compliance.rulebook.rcp import RcpDataError
    from compliance.rules.package.rcp_test import check_rcp

    for facts in ctx.sets:
        result = facts.result
        if ctx.division_of(facts) != "closed" or result.benchmark not in ctx.book.benchmarks or not facts.runs:
            continue
        # HPC throughput entries are tested too: the official package checker runs the RCP
        # test on every closed benchmark folder, strong and weak (HPC 1.0 onwards).
        # The batch size the runs that logged one agree on (a log without it, or without any
        # record, is that log's own finding, not a second one here).
        sizes: dict[float, list[str]] = {}
        for run in facts.runs:
            if run.global_batch_size is not None:
                sizes.setdefault(run.global_batch_size, []).append(os.path.basename(run.path))
        batch = next(iter(sizes)) if len(sizes) == 1 else None
        try:
            outcome = check_rcp(
                ctx.book.suite,
                ctx.book.round,
                result.benchmark,
                batch,
                [run.convergence_point for run in facts.runs],
                bypass=ctx.rcp_bypass or "rcp-bypass" in result.checker_params,
                required_runs=facts.required_runs,
                logged_sizes=sizes,
            )
        except RcpDataError as err:
            yield ctx.finding(RCP003, f"no RCP data: {err}", path=result.path, required="RCP data for the benchmark")
            continue
        facts.rcp = outcome
        evidence = {
            "status": outcome.status,
            "batch_size": outcome.batch_size,
            "submission_mean": outcome.submission_mean,
            "rcp_mean": outcome.rcp_mean,
            "min_mean": outcome.min_mean,
            "max_speedup": outcome.max_speedup,
            "norm_factor": outcome.norm_factor,
            "documented_min_mean": outcome.documented_min_mean,
            "rcps": ", ".join(outcome.rcp_names),
        }
        documented = ""
        if (
            outcome.documented_min_mean is not None
            and "appendix" not in outcome.message
            and not (outcome.min_mean is not None and math.isclose(outcome.documented_min_mean, outcome.min_mean, rel_tol=1e-12))
        ):  # the rounds whose checker took the olympic stdev have one bound, the appendix's
            documented = f" (the rules appendix's method would require at least {outcome.documented_min_mean:.6g})"
        rule = _FIXABLE.get(outcome.status)
        if rule is not None and (not outcome.passed or outcome.bypassed):
            yield ctx.finding(
                rule,
                outcome.message + documented,
                path=result.path,
                observed=f"mean {outcome.submission_mean:.6g}" if outcome.submission_mean is not None else outcome.status,
                required=f">= {outcome.min_mean:.6g}" if outcome.min_mean is not None else "an RCP for the batch size",
                evidence=evidence,
            )
        elif not outcome.passed:
            yield ctx.finding(
                RCP003,
                outcome.message,
                path=result.path,
                observed=outcome.status,
                required="one global batch size, RCPs for it, and at most the allowed non-converged runs",
                evidence=evidence,
            )
        elif result.scaling_path and not facts.weak and outcome.norm_factor <= 1.0 and facts.scaling_factor != 1.0:
            yield ctx.finding(
                RCP004,
                f"scaling.json scales the score by {facts.scaling_factor:.6g}, but the RCP test finds no normalisation "
                f"needed ({outcome.message.rstrip('.')}); the score uses scaling.json, as the result summarizer does "
                "(the official package checker would delete the file)",
                path=result.path,
                observed=f"scaling factor {facts.scaling_factor:.6g}",
                required="scaling factor 1 (no normalisation), unless the review committee decided otherwise",
                evidence=evidence,
            )
        elif outcome.norm_factor > 1.0 and not facts.weak:
            have = facts.scaling_factor if result.scaling_path else None
            if have is None:
                note = "; there is no scaling.json in the folder, so the score is normalised by this factor"
            elif abs(have - outcome.norm_factor) <= 1e-6 * outcome.norm_factor:
                note = "; scaling.json has this factor"
            else:
                note = f"; scaling.json has {have:.6g}"
            yield ctx.finding(
                RCP004,
                f"{outcome.message.rstrip('.')}{note}{documented}.",
                path=result.path,
                # What was seen is the convergence against the RCP (and scaling.json when it has
                # another factor); what is required is the normalisation: never the same words.
                observed=_faster_than_rcp(outcome) + (f"; scaling.json {have:.6g}" if have is not None and "has this" not in note else ""),
                required=f"score normalised by {outcome.norm_factor:.6g} (the RCP mean / the entry's mean)",
                evidence=evidence,
            )


def _faster_than_rcp(outcome: RcpResult) -> str:
    unit = f" {outcome.unit}" if outcome.unit else ""
    if outcome.submission_mean is None or outcome.rcp_mean is None:
        return "converges faster than the RCP mean"
    return f"mean {outcome.submission_mean:.6g}{unit}, below the RCP mean {outcome.rcp_mean:.6g}{unit}"
