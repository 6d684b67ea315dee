"""Summaries: what the package rules need from one audited log.

Each log is parsed and audited once; its ``RunSummary`` (small, picklable) is
all the run-set, score, RCP and borrowing rules ever see of it.
"""

from __future__ import annotations

import re
from functools import cache
TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any

    from compliance.models.submission import RunSummary

from compliance.models.findings import Finding
from compliance.models.report import QualitySeries
from compliance.rules.training.context import LogContext
from compliance.rules.training.functions import is_number
from compliance.rules.training.stream import MAX_POINTS  # noqa: F401  (evaluations kept for a plot)

# Keys that describe how a run was trained (compared across runs and entries).
_HYPERPARAMETER = cache(lambda: re.compile(
    r"^(opt_|lars_|sgd_|scheduler_|lora_|model_)|(_batch_size|_learning_rate|_steps|_epochs|_samples|"
    r"_parallelism|_rate|_decay|_epsilon|_eps|_beta_\d|_betas|_alpha|_rank|_size|_momentum)$"
))
_NOT_HYPERPARAMETER = {"train_samples", "eval_samples", "seed"}


def _first_values(ctx: LogContext) -> dict[str, Any]:
    values = {}
    tunable = ctx.book.tunable.get(ctx.benchmark or "", frozenset())
    for key in sorted(ctx.log.by_key):
        if key in _NOT_HYPERPARAMETER or key.startswith("submission_"):
            continue
        if _HYPERPARAMETER().search(key) or key in tunable or key in ("global_batch_size", "gradient_accumulation_steps", "max_sequence_length"):
            value = ctx.log.by_key[key][0].value
            if isinstance(value, (str, int, float, bool)) or value is None or isinstance(value, list):
                values[key] = value
    return values


def convergence_point(ctx: LogContext) -> float | None:
    """Samples or epochs to converge, read the way the official RCP checker reads them.

    ``None`` when the run did not converge (no run_stop with status success).
    """
    stop = ctx.run_stop
    if stop is None or stop.metadata.get("status") != "success":
        return None
    info = ctx.info
    mode = info.convergence if info is not None else "epoch_num"
    keys = ctx.quality_keys() or ["eval_accuracy"]
    if mode == "first_target_met":
        points = []
        for key in keys:
            ctx.specs[key]  # noqa: B018 - a benchmark measured this way has its quality key's rules
            track = ctx.track(key)
            if track is not None and track.step_min is not None:
                points.append(track.step_min)  # the fewest samples of an evaluation meeting the target
        return float(min(points)) if points else None
    field = "samples_count" if mode == "samples_count" else "epoch_num"
    lasts = [
        track.last_pre  # the key's last record before run_stop in the file
        for key in {"eval_accuracy", "eval_error", *keys}
        if (track := ctx.tracks.get(key)) is not None and track.last_pre is not None
    ]
    if not lasts:
        return None
    value = max(lasts, key=lambda last: last[0])[1].get(field)
    if not is_number(value):
        return None
    return round(float(value), 3) if field == "epoch_num" else float(value)


def quality_series(ctx: LogContext) -> QualitySeries | None:
    """The log's evaluation curve: the quality metric against samples or epochs."""
    keys = [k for k in ctx.quality_keys() if k not in ctx.virtual]
    if not keys:
        return None
    key = keys[0]
    spec = ctx.specs[key]
    info = ctx.info
    x_unit = "samples_count" if info is not None and info.convergence in ("samples_count", "first_target_met") else "epoch_num"
    track = ctx.tracks.get(key)
    points: list[list[float]] = list(track.series or []) if track is not None else []  # the first MAX_POINTS
    target = None
    lower = None
    for check in spec.target:
        if check.field != "value":
            continue
        bounds = dict(check.conditions)
        for op in ("le", "lt"):
            if is_number(bounds.get(op)) and bounds.get(op) != 1.0:
                target, lower = float(bounds[op]), True
        for op in ("ge", "gt"):
            if is_number(bounds.get(op)) and bounds.get(op) != 0.0:
                target, lower = float(bounds[op]), False
    return QualitySeries(metric=key, x_unit=x_unit, points=points, target=target, lower_is_better=lower)


def summarize(ctx: LogContext, findings: list[Finding]) -> RunSummary:
    from compliance.models.submission import RunSummary

    log = ctx.log
    start, stop = ctx.run_start, ctx.run_stop
    minutes = ctx.run_minutes()
    target_codes = {"QLT001", "QLT002"}
    reached = bool(ctx.quality_keys()) and not any(f.code in target_codes and f.blocking for f in findings)
    status = stop.metadata.get("status") if stop is not None else None
    gbs = log.value("global_batch_size")
    seeds = [
        (r.metadata.get("file"), r.metadata.get("lineno"), r.value) for r in log.all(ctx.book.seed_key)
    ]
    submission = {
        key: log.value(key)
        for key in ("submission_org", "submission_platform", "submission_division", "submission_benchmark", "submission_status")
        if log.first(key) is not None
    }
    return RunSummary(
        path=ctx.path,
        benchmark=ctx.benchmark or (ctx.benchmark_raw if isinstance(ctx.benchmark_raw, str) else None),
        division=ctx.division,
        org=log.value("submission_org") if isinstance(log.value("submission_org"), str) else None,
        platform=log.value("submission_platform") if isinstance(log.value("submission_platform"), str) else None,
        status=status if isinstance(status, str) else None,
        run_start_ms=start.time_ms if start is not None else None,
        run_stop_ms=stop.time_ms if stop is not None else None,
        minutes=minutes,
        log_passed=not any(f.blocking for f in findings),
        reached_target=reached,
        converged=reached and status == "success",
        convergence_point=convergence_point(ctx),
        global_batch_size=float(gbs) if is_number(gbs) else None,
        seeds=seeds,
        hyperparameters=_first_values(ctx),
        submission=submission,
        records=log.records,
        instance_scale=_instance_scale(log),
        quality=_with_convergence(quality_series(ctx), convergence_point(ctx)),
    )


def _instance_scale(log: Any) -> int | None:
    """number_of_nodes x max(accelerators_per_node, 1), the first of each, as the result summarizer reads it."""
    nodes, per_node = log.value("number_of_nodes"), log.value("accelerators_per_node")
    try:
        return int(nodes) * max(int(per_node), 1)
    except (TypeError, ValueError, OverflowError):
        return None


def _with_convergence(series: QualitySeries | None, point: float | None) -> QualitySeries | None:
    if series is not None:
        series.converged_at = point
    return series
