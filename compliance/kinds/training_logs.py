"""Loose MLLOG logs (files, or folders of ``result_*.txt`` outside a submission tree): each
log's own rules, against the round detected for its suite."""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any

    from compliance.detection.resolve import Plan
    from compliance.parsers.archive import Unpacked

from compliance import __version__
from compliance.kinds import Kind, SubjectKind
from compliance.models.findings import INTERNAL_ERROR, Finding
from compliance.models.mllog import TrainingLog
from compliance.models.report import Report, Subject, ToolInfo
from compliance.models.roles import SubjectRole
from compliance.options import AuditOptions, UsageError
from compliance.parsers.mllog import parse_mllog
from compliance.registry import applies, internal_error, load_all, run_checkers
from compliance.rulebook.load import load_rulebook
from compliance.rules.training.context import LogContext, kept_keys
from compliance.rules.training.stream import LogStream


def _collect(paths: list[str]) -> tuple[list[tuple[str, str, bool]], list[str]]:
    """(display path, real path, whether to follow a link) for each log, and notes on what was
    not searched. Folders give their result_*.txt files; links in them are not followed."""
    from compliance.parsers.safefs import WalkLimits, shown, walk

    found: list[tuple[str, str, bool]] = []
    missing: list[str] = []
    notes: list[str] = []
    for given in paths:
        if os.path.isdir(given):
            limits = WalkLimits()
            for folder in walk(given, limits=limits):
                for entry in folder.others:
                    if entry.name.startswith("result_") and entry.name.endswith(".txt"):
                        found.append((shown(entry.path), entry.path, False))
            if limits.too_deep:
                notes.append(f"{shown(given)}: folders nested deeper than the limit were not searched, e.g. {shown(limits.too_deep[0])}")
            if limits.truncated:
                notes.append(f"{shown(given)}: more entries than the limit; the rest was not searched")
            for folder_path, why in limits.unreadable[:5]:
                notes.append(f"{shown(folder_path)}: cannot be searched ({why})")
        elif os.path.lexists(given):
            found.append((shown(given), given, True))
        else:
            missing.append(shown(given))
    if missing:
        raise UsageError("no such file: " + ", ".join(missing))
    if not found:
        why = "".join(f"; {note}" for note in notes)
        raise UsageError("nothing to check: no result_*.txt log under " + ", ".join(shown(p) for p in paths) + why)
    return found, notes


def read_log(
    real: str, display: str, keep: Any, max_bytes: int | None, follow: bool, *, debug: bool = False, stream: Any = None
) -> tuple[TrainingLog, list[Finding]]:
    """Parse one MLLOG file; a failure of the parser itself gives an empty log and an INT001 finding.

    ``stream``: a ``rules.training.stream.LogStream`` that tallies the log's records as it is read."""
    try:
        return parse_mllog(real, keep, display_path=display, max_bytes=max_bytes, follow_links=follow, router=stream), []
    except Exception as err:  # noqa: BLE001 - the parser's own bug is contained to this file
        log = TrainingLog(path=display)
        log.readable = False
        if stream is not None:
            stream.start(log)
        return log, [internal_error(display, "the MLLOG reader", err, debug=debug)]


def _suite_for(benchmark: object) -> str | None:
    if not isinstance(benchmark, str):
        return None
    from compliance.rulebook.load import suite_of_benchmark

    return suite_of_benchmark(benchmark)


def _audit_logs(paths: list[str], options: AuditOptions, decisions: dict[str, Any]) -> Report:
    """Loose MLLOG logs (files, or folders of result_*.txt outside a submission tree)."""
    load_all("training")
    if options.benchmark or options.scenario:
        raise UsageError("--benchmark and --scenario apply to inference LoadGen runs (--suite inference)")
    files, search_notes = _collect(paths)
    books = {suite: load_rulebook(suite, d.round) for suite, d in decisions.items()}
    if not books:
        raise UsageError("nothing to check: no round could be found for the logs")
    keep: set[str] = set()
    for book in books.values():
        keep |= kept_keys(book)

    report = Report(tool=ToolInfo("mlperf-audit", __version__), suite="", round="")
    report.notes.extend(options.notes)
    report.notes.extend(search_notes)
    suites_seen: list[str] = []
    rounds_seen: list[str] = []
    any_records = False
    only = next(iter(books.values())) if len(books) == 1 else None
    for display, real, follow in files:
        stream = LogStream(only) if only is not None else None  # with one round's rules, tallied while read
        log, parse_failures = read_log(real, display, keep, options.max_file_bytes, follow, debug=options.debug, stream=stream)
        any_records = any_records or log.records > 0
        if only is not None:
            suite = only.suite
        else:
            detected = _suite_for(log.value("submission_benchmark"))
            suite = detected if detected in books else (options.suite if options.suite in books else next(iter(books)))
        book = books[suite]
        ctx = LogContext(log, book, subject=display, stream=stream if stream is not None else LogStream(book, log))
        subject = Subject(
            path=display,
            suite=suite,
            benchmark=ctx.benchmark or (log.value("submission_benchmark") if isinstance(log.value("submission_benchmark"), str) else None),
            division=ctx.division,
            records=log.records,
            lines=log.lines,
            time_to_train_minutes=ctx.run_minutes(),
        )
        from compliance.summary import convergence_point, quality_series

        series = quality_series(ctx)
        if series is not None:
            series.converged_at = convergence_point(ctx)
        subject.quality = series
        report.subjects.append(subject)
        report.findings.extend(parse_failures)
        for found in check_log_context(ctx, book.round, options.select, options.ignore, debug=options.debug):
            report.findings.append(found)
        suites_seen.append(suite)
        rounds_seen.append(book.round)

    if not any_records and not any(f.code == INTERNAL_ERROR for f in report.findings):
        reasons = []
        for subject in report.subjects:
            why = next((f.message for f in report.findings if f.subject == subject.path and f.code == "LOG000"), None)
            reasons.append(f"{subject.path}: {why or 'no :::MLLOG record'}")
        raise UsageError("nothing to check: " + "; ".join(reasons) + " (is this an MLPerf result log?)")

    report.suite = suites_seen[0] if len(set(suites_seen)) == 1 else "mixed"
    report.round = rounds_seen[0] if len(set(rounds_seen)) == 1 else "mixed"
    shas = sorted({books[s].sha256 for s in set(suites_seen)})
    report.rulebook_sha256 = shas[0] if len(shas) == 1 else ""
    from compliance.settle import verdicts, waive

    waive(report, options, report.subjects[0].path)
    return verdicts(report)


def check_log_context(
    ctx: LogContext, round_name: str, select: list[str] | None, ignore: list[str] | None, *, debug: bool = False
) -> list[Finding]:
    """Run every log rule on one parsed log (a rule that raises becomes an INT001 finding)."""
    suite, division = ctx.book.suite, ctx.division
    return run_checkers(
        SubjectRole.TRAINING_LOG,
        ctx,
        lambda finding: applies(finding, suite, round_name, division, select, ignore),
        where=ctx.subject,
        debug=debug,
    )


def _check(plan: Plan, options: AuditOptions, unpacked: Unpacked | None) -> Report:
    return _audit_logs(plan.paths, options, plan.decisions)


KIND = Kind(SubjectKind.TRAINING_LOGS, ("training", "hpc"), _check)
