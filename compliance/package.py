"""Whole-submission audits: a folder or archive in the official layout, one report out.

Every log is parsed and audited exactly once (in a process pool when there
are many); the package rules then work on the tree and the logs' summaries.
Nothing is written into the tree: archives are unpacked into a private
temporary folder, and ``scaling.json`` is only read.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any

from compliance import __version__
from compliance.models.findings import Finding
from compliance.models.report import Report, ResultRow, Subject, ToolInfo
from compliance.models.submission import RunSummary, SubmissionTree
from compliance.parsers import tree as tree_parser
from compliance.discover import is_archive, looks_like_tree  # noqa: F401  (looks_like_tree re-exported)
from compliance.parsers.archive import archive_issues, unpack
from compliance.parsers.safefs import shown as printable
from compliance.registry import SILENCED, applies, internal_error, load_all, run_checkers
from compliance.rulebook.load import SUITES, available_rounds, canonical_round, load_rulebook, newest_round
from compliance.rules.package.context import PackageContext
from compliance.rules.training.context import LogContext, structural_keys

POOL_MIN_LOGS = 16  # below this, a process pool costs more than it saves


# -- one log, in a worker ------------------------------------------------------


def _audit_log(job: tuple[str, str, str, str, list[str] | None, list[str] | None, bool]) -> tuple[list[Finding], RunSummary]:
    real, display, suite, round_name, select, ignore, debug = job
    from compliance.engine import check_log_context, read_log
    from compliance.summary import summarize

    load_all("training")
    book = load_rulebook(suite, round_name)
    keep = book.mentioned_keys() | structural_keys(book)
    log, findings = read_log(real, display, keep, None, False, debug=debug)
    ctx = LogContext(log, book, subject=display)
    findings += check_log_context(ctx, round_name, select, ignore, debug=debug)
    try:
        summary = summarize(ctx, findings)
    except Exception as err:  # noqa: BLE001 - contained to this log, reported as INT001
        findings.append(internal_error(display, "the run summary", err, debug=debug))
        summary = RunSummary(path=display)
    return findings, summary


def _run_jobs(jobs: list[Any], progress: Callable[[int], None] | None) -> list[tuple[list[Finding], RunSummary]]:
    return run_pool(_audit_log, jobs, progress, POOL_MIN_LOGS)


def run_pool(worker: Callable[[Any], Any], jobs: list[Any], progress: Callable[[int], None] | None, min_jobs: int) -> list[Any]:
    """``worker`` over ``jobs`` in order: in this process for a few jobs, else in a process pool."""
    if len(jobs) < min_jobs or (os.cpu_count() or 1) < 2:
        results = []
        for job in jobs:
            results.append(worker(job))
            if progress:
                progress(1)
        return results
    import multiprocessing

    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    from compliance import limits
    from compliance.parsers.safefs import confined_roots

    # the workers keep the checked folders confined and the limits set
    pool_args = {"initializer": _worker_start, "initargs": (confined_roots(), limits.state())}
    with _executor()(max_workers=min(os.cpu_count() or 2, 8), mp_context=context, **pool_args) as pool:
        results = []
        for result, silenced in pool.map(partial(_counted, worker), jobs, chunksize=max(1, len(jobs) // 32)):
            results.append(result)
            SILENCED.update(silenced)  # what --select/--ignore removed in the worker
            if progress:
                progress(1)
        return results


def _counted(worker: Callable[[Any], Any], job: Any) -> tuple[Any, Counter[tuple[str, str]]]:
    """``worker(job)`` in a pool worker, and the findings selection removed meanwhile."""
    before = Counter(SILENCED)
    return worker(job), SILENCED - before


def _worker_start(roots: tuple[str, ...], bounds: dict[str, int]) -> None:
    """A pool worker's start: the parent's confined folders and limits."""
    from compliance import limits
    from compliance.parsers.safefs import confine_roots

    confine_roots(roots)
    limits.restore(bounds)


def _executor() -> Any:
    """The process pool class (imported on first use: it costs start-up time)."""
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor


# -- the tree ----------------------------------------------------------------------


def _detect_suite(tree: SubmissionTree) -> str:
    if any(r.scale for r in tree.result_sets):
        return "hpc"
    from compliance.rulebook.load import suite_of_benchmark

    votes = [suite_of_benchmark(r.benchmark) for r in tree.result_sets]
    return "hpc" if votes and votes.count("hpc") > votes.count("training") else "training"


def audit_tree(path: str, options: Any, progress_factory: Callable[[int], Callable[[int], None] | None] | None = None) -> Report:
    from compliance.engine import UsageError

    load_all("training", "package")
    unpacked = None
    display = printable(path.rstrip(os.sep) or path)
    try:
        folder = path
        if is_archive(path):
            unpacked = unpack(path)
            if unpacked.error:
                raise UsageError(f"{path}: {unpacked.error}")
            folder = unpacked.folder
            display += "!"
        tree = tree_parser.walk_tree(folder, display)
        if unpacked is not None:
            tree.issues.extend(archive_issues(unpacked, display))
        if not tree.result_sets and not tree.systems and not _has_files(folder):
            raise UsageError(f"nothing to check: {path} holds no files")
        return _audit(tree, display, options, progress_factory)
    finally:
        if unpacked is not None:
            unpacked.cleanup()


def _audit(tree: SubmissionTree, display: str, options: Any, progress_factory: Any) -> Report:
    from compliance.engine import UsageError

    suite = options.suite or _detect_suite(tree)
    if suite not in SUITES:
        raise UsageError(f"unknown suite {suite!r}")
    round_name = canonical_round(options.round) if options.round else newest_round(suite)
    if round_name is None or round_name not in available_rounds(suite):
        raise UsageError(f"no {suite} round {options.round}; rounds: {', '.join(available_rounds(suite))}")
    book = load_rulebook(suite, round_name)

    jobs = [
        (real, shown, suite, round_name, options.select, options.ignore, options.debug)
        for result in tree.result_sets
        for real, shown in zip(result.real_logs, result.logs)
    ]
    progress = progress_factory(len(jobs)) if progress_factory else None
    outcomes = _run_jobs(jobs, progress)

    report = Report(tool=ToolInfo("mlperf-audit", __version__), suite=suite, round=round_name)
    report.suite_source = "given" if options.suite else "detected"
    report.round_source = "given" if options.round else "newest"
    report.rulebook_sha256 = book.sha256
    report.notes.extend(options.notes)
    if not options.suite:
        report.notes.append(f"Suite detected from the tree: {suite}.")
    if not options.round:
        report.notes.append(
            f"No --round given: checked against the newest {suite} round ({round_name}). "
            "Name the round of the submission, e.g. --round 5.1."
        )
    summaries: dict[str, RunSummary] = {}
    log_findings: dict[str, list[Finding]] = {}
    for (_real, shown, *_rest), (findings, summary) in zip(jobs, outcomes):
        summaries[shown] = summary
        log_findings[shown] = findings

    _read_systems(tree, suite, round_name)
    ctx = PackageContext(tree, book, summaries, rcp_bypass=options.rcp_bypass)
    package_findings = run_checkers(
        "tree",
        ctx,
        lambda finding: _keep(finding, book.suite, round_name, options),
        where=display,
        debug=options.debug,
    )

    # Olympic scoring may drop failed runs: their log findings stay visible but do not fail the entry.
    for facts in ctx.sets:
        failed = [run for run in facts.runs if not (run.log_passed and run.converged)]
        if 0 < len(failed) <= facts.max_dropped:
            for run in failed:
                log_findings[run.path] = [
                    _dropped(f, facts.max_dropped) if f.blocking else f for f in log_findings[run.path]
                ]

    report.subjects.append(Subject(path=display, kind="tree", suite=suite))
    for system in tree.systems:
        report.subjects.append(Subject(path=system.path, kind="system", suite=suite, division=system.division or None))
    for facts in ctx.sets:
        result = facts.result
        report.subjects.append(
            Subject(path=result.path, kind="result_set", suite=suite, benchmark=result.benchmark, division=ctx.division_of(facts))
        )
        for shown in result.logs:
            summary = summaries[shown]
            report.subjects.append(
                Subject(
                    path=shown,
                    kind="training_log",
                    suite=suite,
                    benchmark=summary.benchmark,
                    division=summary.division,
                    records=summary.records,
                    quality=summary.quality,
                )
            )
            report.findings.extend(log_findings[shown])
    report.findings.extend(package_findings)

    from compliance.waivers import apply_waivers, load_waivers, rcp_bypass_waivers

    waivers = []
    if options.rcp_bypass:
        waivers.extend(rcp_bypass_waivers())
    if options.waivers:
        waivers.extend(load_waivers(options.waivers))
    if waivers:
        report.findings = apply_waivers(report.findings, waivers, display)
    report.finalise()

    by_subject = {s.path: s for s in report.subjects}
    for facts in ctx.sets:
        result = facts.result
        entry = by_subject[result.path]
        entry_ok = entry.passed and (facts.score_minutes is not None or facts.result.scale == "weak")
        rcp = facts.rcp
        rcp_text = "n/a"
        if rcp is not None:
            rcp_text = rcp.status + (" (bypassed)" if getattr(rcp, "bypassed", False) else "")
        report.results.append(
            ResultRow(
                division=ctx.division_of(facts) or "",
                org=result.org,
                system=result.system,
                benchmark=result.benchmark,
                scale=result.scale,
                path=result.path,
                score_minutes=round(facts.score_minutes, 6) if facts.score_minutes is not None else None,
                runs=len(facts.runs),
                dropped=facts.dropped,
                scaling_factor=facts.scaling_factor,
                rcp=rcp_text,
                rcp_norm_factor=getattr(rcp, "norm_factor", None) if rcp is not None else None,
                passed=entry_ok,
                rcp_mean=getattr(rcp, "rcp_mean", None) if rcp is not None else None,
                rcp_min_mean=getattr(rcp, "min_mean", None) if rcp is not None else None,
                submission_mean=getattr(rcp, "submission_mean", None) if rcp is not None else None,
                convergence_unit=getattr(rcp, "unit", None) if rcp is not None else None,
            )
        )
        entry.passed = entry_ok
    report.passed = report.passed and all(row.passed for row in report.results)
    return report


def _has_files(folder: str) -> bool:
    from compliance.parsers.safefs import walk

    return any(found.others for found in walk(folder))


def _dropped(finding: Finding, allowed: int) -> Finding:
    from dataclasses import replace

    return replace(finding, waived_by=f"olympic scoring: this failed run is dropped ({allowed} allowed per entry)")


def _keep(finding: Finding, suite: str, round_name: str, options: Any) -> bool:
    return applies(finding, suite, round_name, None, options.select, options.ignore)  # a silenced one is counted


def _read_systems(tree: SubmissionTree, suite: str, round_name: str) -> None:
    from compliance.parsers.system_desc import read_system_file

    for system in tree.systems:
        data, error = read_system_file(system.real_path)
        system.data = data
        system.error = error
