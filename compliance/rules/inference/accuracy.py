"""ACC: does an accuracy run cover the data set, every sample logged once?"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.parsers import loadgen as P
from compliance.registry import checker, define
from compliance.rules.inference.context import LoadgenContext
from compliance.rules.inference.common import SUITES
DIVISIONS = ("closed", "open", "network")
_SHOWN = 8  # indices listed in a message

ACC001 = define(
    "ACC001",
    "accuracy-log-incomplete",
    Severity.ERROR,
    "An accuracy run's mlperf_log_accuracy.json does not hold every sample of the run exactly once.",
    """
## What it checks
In an accuracy run (`AccuracyOnly`): that `mlperf_log_accuracy.json` is there,
reads as one JSON array, and logs each of the run's samples exactly once, as
many as `effective_accuracy_sample_count` (else `qsl_reported_total_count`),
with no `qsl_idx` twice and none outside the QSL. An accuracy log in the
submission's truncated form (first and last 4 096 characters) cannot be
counted and is left to the `accuracy.txt` hash checks; in a submission, an
excerpt within the size limit in neither form (a log cut by hand to its
first entries) is a warning, for the same reason.

## Why it matters
The accuracy score is computed from this file. A sample missing, logged twice
or out of range means the score was not computed over the data set the run
claims, whatever `accuracy.txt` says.

## Example
An accuracy log with 49 998 entries for a 50 000-sample run (the file was cut
and closed by hand), or one `qsl_idx` logged twice.

## How to fix
Run the accuracy test again and keep LoadGen's `mlperf_log_accuracy.json`
unedited (truncate it only with `truncate_accuracy_log.py`, after computing
the accuracy).

## Rule reference
MLPerf Inference rules, "Accuracy" (the accuracy run covers the whole
validation set); LoadGen `loadgen.cc` (AccuracyOnly issues every sample
once); reference notes 5.4.
""",
    suites=SUITES,
    divisions=DIVISIONS,
    deliberate_difference="The official checker does not count the entries of the accuracy log.",
)

ACC002 = define(
    "ACC002",
    "accuracy-run-too-small",
    Severity.ERROR,
    "An accuracy run covered fewer samples than the model's data set (or accuracy sample count).",
    """
## What it checks
When the model is known, in an accuracy run: that
`effective_accuracy_sample_count` (else `qsl_reported_total_count`) is at
least the model's accuracy sample count for the scenario
(`accuracy_sample_count`, e.g. GPT-OSS 4 395, Qwen3-VL Interactive 8 000),
else its `dataset_size` (ResNet-50 50 000, BERT 10 833 ...).

## Why it matters
An accuracy score over part of the validation set is not the benchmark's
accuracy: the part can be easier than the whole.

## Example
A ResNet-50 accuracy run over a QSL of 5 000 images.

## How to fix
Load the whole validation set in the QSL (and remove any
`accuracy_sample_count_override`), then run the accuracy test again.

## Rule reference
MLPerf Inference rules, "Accuracy" and "Benchmarks" (data set per model);
the checker's `dataset-size` / `accuracy-sample-count`; reference notes 4.
""",
    suites=SUITES,
    divisions=DIVISIONS,
)


def _expected(ctx: LoadgenContext) -> tuple[int | None, str]:
    run = ctx.run
    count = run.accuracy_sample_count
    if count is not None:
        return count, "effective_accuracy_sample_count"
    total = run.value("qsl_reported_total_count")
    if isinstance(total, int) and not isinstance(total, bool):
        return total, "qsl_reported_total_count"
    return None, ""


def _listed(indices: list[int]) -> str:
    shown = ", ".join(str(i) for i in indices[:_SHOWN])
    return shown + (f" and {len(indices) - _SHOWN} more" if len(indices) > _SHOWN else "")


@checker("loadgen_run", ACC001)
def accuracy_log(ctx: LoadgenContext) -> Iterator[Finding]:
    if not ctx.accuracy or not ctx.run.detail.records:
        return
    log = ctx.run.accuracy_log
    expected, source_key = _expected(ctx)
    required = f"each of the {expected} samples ({source_key}) logged once" if expected is not None else "every sample logged once"
    path = ctx.accuracy_path
    if log is None or not log.present:
        yield ctx.finding(
            ACC001,
            "the accuracy run has no mlperf_log_accuracy.json: its responses cannot be scored or counted",
            path=path,
            observed="no mlperf_log_accuracy.json",
            required=required,
        )
        return
    if log.truncated:
        return  # the submission form: counted by the hash in accuracy.txt, not here
    problems = [i for i in log.issues if i.kind not in (P.ISSUE_BOM, P.ISSUE_CRLF)]
    limit = ctx.book.settings.accuracy_log_max_size
    small = limit is not None and limit.value is not None and log.size_bytes <= limit.value
    if not log.complete and small and ctx.division is not None:
        # In a submission the log is only kept short (the rules: "truncated ... if too large"):
        # an excerpt within the size limit, in neither LoadGen's form nor the truncation tool's,
        # cannot be counted; accuracy.txt's hash stands for the full log.
        yield ctx.finding(
            ACC001,
            f"mlperf_log_accuracy.json is a {log.size_bytes:,}-byte excerpt of {len(log.entries)} entr"
            f"{'y' if len(log.entries) == 1 else 'ies'}, in neither LoadGen's form nor truncate_accuracy_log.py's: "
            "its samples cannot be counted (accuracy.txt's hash= stands for the full log)",
            path=path,
            line=problems[0].line if problems else None,
            observed=f"{len(log.entries)} readable entries, {log.size_bytes} bytes",
            required="the full log, or the truncation tool's form (first and last 4096 characters)",
            severity=Severity.WARNING,
        )
        return
    if not log.complete or problems:
        why = "; ".join(issue.message for issue in problems[:3]) or "it is not one JSON array of entries"
        yield ctx.finding(
            ACC001,
            f"mlperf_log_accuracy.json cannot be read whole ({why}); {len(log.entries)} entries were recovered",
            path=path,
            line=problems[0].line if problems else None,
            observed=f"{len(log.entries)} readable entries",
            required=required,
        )
        return
    counts = Counter(entry.qsl_idx for entry in log.entries if entry.qsl_idx is not None)
    twice = sorted(index for index, seen in counts.items() if seen > 1)
    total = ctx.run.value("qsl_reported_total_count")
    outside = sorted(i for i in counts if i < 0 or (isinstance(total, int) and i >= total))
    if twice:
        yield ctx.finding(
            ACC001,
            f"{len(twice)} sample(s) are logged more than once: qsl_idx {_listed(twice)}",
            path=path,
            observed=f"{sum(counts[i] - 1 for i in twice)} repeated entries",
            required=required,
        )
    if outside:
        yield ctx.finding(
            ACC001,
            f"{len(outside)} logged qsl_idx are outside the QSL of {total} samples: {_listed(outside)}",
            path=path,
            observed=f"qsl_idx {_listed(outside)}",
            required=f"0 <= qsl_idx < {total}",
        )
    if expected is not None and len(counts) != expected:
        missing = ""
        if len(counts) < expected and isinstance(total, int) and expected == total:
            absent = sorted(set(range(total)) - set(counts))
            missing = f" (missing qsl_idx {_listed(absent)})"
        yield ctx.finding(
            ACC001,
            f"the accuracy log holds {len(counts)} distinct samples; the run has {expected} ({source_key}){missing}",
            path=path,
            observed=f"{len(counts)} distinct qsl_idx in {len(log.entries)} entries",
            required=required,
        )


@checker("loadgen_run", ACC002)
def accuracy_coverage(ctx: LoadgenContext) -> Iterator[Finding]:
    model = ctx.model
    if model is None or not ctx.accuracy or not ctx.run.detail.records:
        return
    wanted = model.accuracy_samples(ctx.scenario)
    count, source_key = _expected(ctx)
    if wanted is None or count is None or count >= wanted:
        return
    basis = "accuracy sample count" if model.accuracy_sample_count is not None else "data set"
    yield ctx.finding(
        ACC002,
        f"the accuracy run covered {count} samples; the {model.name} {basis} in round {ctx.book.round} is {wanted}",
        key=source_key,
        observed=f"{source_key} {count}",
        required=f">= {wanted} samples",
    )
