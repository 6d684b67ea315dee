"""TAC: a Tiny result's accuracy against its closed-division target."""

from __future__ import annotations

from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.registry import checker, define
from compliance.rules.tiny.context import RESULT_SUBJECT, SUITES, TinyResultContext

TAC001 = define(
    "TAC001",
    "tiny-accuracy-below-target",
    Severity.ERROR,
    "A closed-division result's accuracy is below the benchmark's quality target.",
    """
## What it checks
The accuracy run's `Top-1` (image classification 85 %, keyword spotting 90 %,
visual wake words 80 %, ic2 91 % from 1.4) or `AUC` (anomaly detection 0.85)
against the round's target. The last such line of the file counts, as for
the official checker. Open-division results report their accuracy only.

## Why it matters
A closed result must be of the reference model's quality; below it, the
result is not comparable with the others.

## Example
`ulp-mlperf: Top-1: 84.0%` for `ic` in the closed division.

## How to fix
Fix the model's quantisation or pre-processing until the accuracy run
reaches the target, or submit in the open division.

## Rule reference
MLPerf Tiny rules, "Benchmarks", "Constraints for the Closed division"; for
ic2 the benchmark README and the checker's v1.4 target.
""",
    suites=SUITES,
    divisions=("closed",),
)

TAC002 = define(
    "TAC002",
    "tiny-wakeword-detections",
    Severity.ERROR,
    "A streaming wakeword result misses too many wake words, detects too many false ones, or does not count all 50.",
    """
## What it checks
The `Accuracy: T True positives, N False negatives, P False positives` line
of a streaming wakeword result (performance or energy run): closed-division
results may have at most 8 false negatives and 8 false positives, and in
every division the true positives and false negatives must add up to the 50
wake words of the test stream.

## Why it matters
The detections are the benchmark's quality measure; counts that do not add
up to 50 come from another test stream.

## Example
`Accuracy: 40 True positives, 10 False negatives, 2 False positives`.

## How to fix
Improve the detector until it meets both bounds, or submit in the open
division; rerun on the official stream.

## Rule reference
MLPerf Tiny rules, "Benchmarks", "Constraints for the Closed division"
(streaming wakeword: at most 8 false positives and 8 false negatives); the
official checker's TP + FN = 50 test.
""",
    suites=SUITES,
)


@checker(RESULT_SUBJECT, TAC001)
def accuracy_target(ctx: TinyResultContext) -> Iterator[Finding]:
    bench, folder = ctx.benchmark, ctx.result.modes.get("accuracy")
    if bench is None or folder is None or bench.target.value is None or not ctx.closed:
        return
    reading = folder.auc if bench.target.metric == "auc" else folder.top1
    if reading is None or reading.value >= bench.target.value:
        return
    name = "AUC" if bench.target.metric == "auc" else "Top-1"
    yield ctx.summary_finding(
        TAC001,
        folder,
        reading.line,
        f"{bench.name} accuracy {name} {reading.text} is below the closed-division target {bench.target.value:g} ({bench.target.unit})",
        observed=f"{name} {reading.text}",
        required=f">= {bench.target.value:g} ({bench.target.unit})",
        evidence={"source": bench.target.source},
    )


@checker(RESULT_SUBJECT, TAC002)
def wakeword(ctx: TinyResultContext) -> Iterator[Finding]:
    bench = ctx.benchmark
    if bench is None or bench.target.metric != "detections":
        return
    target = bench.target
    for mode in ("performance", "energy"):
        folder = ctx.result.modes.get(mode)
        found = folder.detections if folder is not None else None
        if folder is None or found is None:
            continue
        observed = f"{found.true_positives} TP, {found.false_negatives} FN, {found.false_positives} FP"
        if target.positives is not None and found.true_positives + found.false_negatives != target.positives:
            yield ctx.summary_finding(
                TAC002,
                folder,
                found.line,
                f"the {mode} run counts {found.true_positives + found.false_negatives} wake words (true positives and false negatives), not the stream's {target.positives}",
                observed=observed,
                required=f"TP + FN = {target.positives}",
            )
        if not ctx.closed:
            continue
        over = []
        if target.max_false_negatives is not None and found.false_negatives > target.max_false_negatives:
            over.append(f"{found.false_negatives} false negatives")
        if target.max_false_positives is not None and found.false_positives > target.max_false_positives:
            over.append(f"{found.false_positives} false positives")
        if over:
            yield ctx.summary_finding(
                TAC002,
                folder,
                found.line,
                f"the {mode} run has {' and '.join(over)}, more than the closed division allows",
                observed=observed,
                required=f"at most {target.max_false_negatives} false negatives and {target.max_false_positives} false positives",
            )


TAC003 = define(
    "TAC003",
    "tiny-accuracy-run-incomplete",
    Severity.WARNING,
    "The MLCommons runner's accuracy run lists fewer inputs than the benchmark's accuracy set.",
    """
## What it checks
The entries of an MLCommons-runner `accuracy/results.json` (one per input
of the accuracy set: ic 200, kws 1000, vww 1000, as in every published 1.3
result) against the round's count.

## Why it matters
An accuracy measured on part of the set is not the benchmark's accuracy:
the Top-1 of 50 images can pass where the whole set would not. The official
checker reads only the Top-1 line. The rules name the data sets but no
count, so this is a warning.

## Example
`ic/accuracy/results.json` with 120 entries.

## How to fix
Run the accuracy mode over the whole data set.

## Rule reference
MLPerf Tiny rules, "Data Sets"; the MLCommons runner's accuracy script
(every input of the data set's `y_labels.csv`).
""",
    suites=SUITES,
)


@checker(RESULT_SUBJECT, TAC003)
def accuracy_inputs(ctx: TinyResultContext) -> Iterator[Finding]:
    bench, folder = ctx.benchmark, ctx.result.modes.get("accuracy")
    if bench is None or folder is None or bench.accuracy_inputs is None or folder.json_entries is None:
        return
    if folder.json_entries < bench.accuracy_inputs:
        yield ctx.finding(
            TAC003,
            f"the accuracy run lists {folder.json_entries} inputs; {bench.name}'s accuracy set has {bench.accuracy_inputs}",
            path=f"{folder.path}/{folder.names.get('results.json', 'results.json')}",
            observed=f"{folder.json_entries} entries",
            required=f"{bench.accuracy_inputs} entries",
        )
