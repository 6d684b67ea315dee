"""IAC: a result's accuracy.txt against the model's targets, and its hash."""

from __future__ import annotations

from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.registry import checker, define
from compliance.rulebook.inference import AccuracyTarget
from compliance.rules.inference.common import _RULES_REF, ALL, CLOSED, SUITES
from compliance.rules.inference.tree_context import (
    RESULT_SUBJECT,
    ResultContext,
)
from compliance.rules.inference.values import model_targets, target_threshold, metric_value

IAC001 = define(
    "IAC001",
    "accuracy-below-target",
    Severity.ERROR,
    "An accuracy metric misses the model's target (below the threshold, or above an upper limit).",
    f"""
## What it checks
Each accuracy metric of the model, read from `accuracy/accuracy.txt`, against
the round's target: at least the threshold (99% or 99.9% of the reference, or
the stated value) and, where there is one, at most the upper limit (LLM
token windows, FID). Closed and network results fail; open results report
their accuracy (info).

## Why it matters
A closed result must reach the reference accuracy within the stated margin:
its speed is only comparable at that quality.

## Example
`accuracy=75.5%` for ResNet-50 (target 75.695%).

## How to fix
Fix the model or its quantization and run the accuracy test again.

## Rule reference
{_RULES_REF}, "Benchmarks" (quality targets); the checker's `accuracy-target`
and `accuracy-upper-limit`.
""",
    suites=SUITES,
    divisions=ALL,
)


IAC002 = define(
    "IAC002",
    "accuracy-metric-missing",
    Severity.ERROR,
    "accuracy.txt does not report a metric the model's target needs.",
    """
## What it checks
That `accuracy/accuracy.txt` reports each metric of the model's target
(`accuracy=` for ResNet-50, `mAP=`, `'rouge1':` ... as the official accuracy
scripts print them). A metric is read wherever a `name: number` or
`name=number` pair stands on a line, as the official checker reads it
(`{'rouge1': '38.77', ...}`, `'exact_match': 83.396`,
`WARNING:main:metric/lifetime_ne/rating: 0.8675`, `Accuracy: mean = 0.90862,
threshold = 0.90679 (Passed)`). A target that is only an upper limit (the
tokens per sample of some LLMs) is not missed when the script does not print
it: nothing is exceeded, and the finding is an info note.

## Why it matters
Without the metric the accuracy cannot be compared with the target.

## Example
An `accuracy.txt` with the script's progress output but no final line.

## How to fix
Run the model's accuracy script on `mlperf_log_accuracy.json` and keep its
whole output in `accuracy.txt`.

## Rule reference
The checker's `ACC_PATTERN` (the names read here are in the round data).
""",
    suites=SUITES,
    divisions=ALL,
)


IAC003 = define(
    "IAC003",
    "accuracy-hash-missing",
    Severity.ERROR,
    "accuracy.txt has no well-formed hash= line (the sha256 of the full accuracy log).",
    """
## What it checks
That `accuracy/accuracy.txt` ends with one `hash=<64 hex digits>` line, as
`truncate_accuracy_log.py` writes it.

## Why it matters
The hash ties the reported accuracy to the full accuracy log that was
truncated; without it nobody can tell which log was scored.

## Example
No `hash=` line, `hash=` with a 40-digit value, or two different hashes.

## How to fix
Run `truncate_accuracy_log.py` (once) over the submission.

## Rule reference
truncate_accuracy_log.py; the checker's accuracy check (presence only).
""",
    suites=SUITES,
    divisions=ALL,
    deliberate_difference="The official checker only looks for a hash= line; the format and a second, different hash are checked here too.",
)


IAC004 = define(
    "IAC004",
    "accuracy-above-reference",
    Severity.REVIEW,
    "A closed result's accuracy is above the FP32 reference by more than the review margin.",
    """
## What it checks
Metrics where higher is better, against the model's reference: a value more
than the round data's review margin (3%) above the reference is sent to the
reviewers.

## Why it matters
Quantized models score at or below the FP32 reference. Markedly better
accuracy suggests a different model, data set or scoring script.

## Example
ResNet-50 at 78.9% top-1 (reference 76.46%).

## How to fix
Nothing to fix if it is explained: say how in the submission's README.

## Rule reference
MLPerf Inference rules, "Model, Weight Definition and Quantization".
""",
    suites=SUITES,
    divisions=CLOSED,
)


def _outside_target(
    ctx: ResultContext, target: AccuracyTarget, value: float, path: str, line: int | None, relation: str, limit: float, where: str
) -> Finding:
    """IAC001 for an accuracy `value` on the wrong side of `limit` (`where` says which side, and of what)."""
    return ctx.finding(
        IAC001,
        f"{target.metric} {value:g} is {where}",
        path=path,
        line=line,
        observed=value,
        required=f"{relation} {limit:g} {target.unit}",
        severity=None if ctx.closed else Severity.INFO,
    )


@checker(RESULT_SUBJECT, IAC001, IAC002, IAC004)
def accuracy_targets(ctx: ResultContext) -> Iterator[Finding]:
    if ctx.accuracy_txt is None or not ctx.accuracy_txt.present or ctx.model is None:
        return
    path = ctx.shown("accuracy/accuracy.txt")
    review = ctx.book.review.get("accuracy_above_reference")
    lower_is_better = set(ctx.book.review.get("lower_is_better", ()))
    for target in model_targets(ctx):
        value, line = metric_value(ctx, target.metric, target.reference)
        names = "/".join(ctx.book.accuracy_names.get(target.metric, (target.metric,)))
        low = target_threshold(target)
        if value is None:
            if low is None and target.upper_limit is not None:
                # Only an upper limit: a value that is not printed exceeds nothing (the official
                # checker compares the limit only with a value it finds).
                yield ctx.finding(
                    IAC002,
                    f"accuracy.txt reports no {target.metric} (looked for {names}); its target is an upper limit only "
                    f"(<= {target.upper_limit:g}), so nothing is exceeded",
                    path=path,
                    observed="absent",
                    required=f"a {names} value at most {target.upper_limit:g} when reported",
                    severity=Severity.INFO,
                )
                continue
            yield ctx.finding(
                IAC002,
                f"accuracy.txt reports no {target.metric} (looked for {names})",
                path=path,
                observed="absent",
                required=f"a {names} value ({target.unit})",
                severity=None if ctx.closed else Severity.INFO,
            )
            continue
        source = f" ({target.source})" if target.source else ""
        if low is not None and value < low:
            yield _outside_target(ctx, target, value, path, line, ">=", low, f"below the target {low:g}{source}")
        if target.upper_limit is not None and value > target.upper_limit:
            upper = target.upper_limit
            yield _outside_target(ctx, target, value, path, line, "<=", upper, f"above the upper limit {upper:g}")
        margin = review.get("value") if review else None
        if (
            ctx.closed
            and margin is not None
            and target.reference
            and target.metric not in lower_is_better
            and target.upper_limit is None
            and value > target.reference * (1 + margin / 100)
        ):
            yield ctx.finding(
                IAC004,
                f"{target.metric} {value:g} is {100 * (value / target.reference - 1):.2f}% above the FP32 reference {target.reference:g}: check the model, data set and scoring",
                path=path,
                line=line,
                observed=value,
                required=f"near the reference {target.reference:g} (review beyond +{margin:g}%)",
            )


@checker(RESULT_SUBJECT, IAC003)
def accuracy_hash(ctx: ResultContext) -> Iterator[Finding]:
    text = ctx.accuracy_txt
    if text is None or not text.present or not text.readable:
        return
    path = ctx.shown("accuracy/accuracy.txt")
    if not text.hashes:
        yield ctx.finding(IAC003, "accuracy.txt has no hash= line", path=path, observed="no hash= line", required="hash=<sha256 of the full accuracy log>")
        return
    from compliance.parsers.loadgen import ISSUE_BAD_HASH, ISSUE_SEVERAL_HASHES

    for issue in text.issues:
        if issue.kind == ISSUE_BAD_HASH:
            yield ctx.finding(IAC003, f"accuracy.txt: {issue.message}", path=path, line=issue.line, observed=issue.excerpt[:80], required="64 hexadecimal digits")
        elif issue.kind == ISSUE_SEVERAL_HASHES:
            yield ctx.finding(
                IAC003,
                f"accuracy.txt: {issue.message}",
                path=path,
                observed=", ".join(sorted(set(text.hashes))),
                required="one hash= line",
                severity=Severity.WARNING,
            )
