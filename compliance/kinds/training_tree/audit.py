"""Whole-submission audits: a folder or archive in the official layout, one report out.

Every log is parsed and audited exactly once (in a process pool when there
are many); the package rules then work on the tree and the logs' summaries.
Nothing is written into the tree: archives are unpacked into a private
temporary folder, and ``scaling.json`` is only read.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from compliance import __version__
from compliance.models.findings import Finding
from compliance.models.report import Report, ResultRow, Subject, ToolInfo
from compliance.models.roles import SubjectRole
from compliance.models.submission import RunSummary, SubmissionTree
from compliance.parsers import tree as tree_parser
from compliance.parsers.archive import archive_issues
from compliance.parsers.safefs import shown as printable
from compliance.pool import run_pool
from compliance.registry import applies, internal_error, load_all, run_checkers
from compliance.rulebook.load import SUITES, available_rounds, canonical_round, load_rulebook, newest_round
from compliance.rules.package.context import PackageContext
from compliance.rules.training.context import LogContext, kept_keys
from compliance.rules.training.stream import LogStream

if TYPE_CHECKING:
    from compliance.options import AuditOptions

POOL_MIN_LOGS = 16  # below this, a process pool costs more than it saves


# -- one log, in a worker ------------------------------------------------------


def _audit_log(job: tuple[str, str, str, str, list[str] | None, list[str] | None, bool, str | None]) -> tuple[list[Finding], RunSummary]:
    real, display, suite, round_name, select, ignore, debug, scale = job
    from compliance.kinds.training_logs import check_log_context, read_log
    from compliance.summary import summarize

    load_all("training")
    book = load_rulebook(suite, round_name)
    keep = kept_keys(book)
    stream = LogStream(book)
    log, findings = read_log(real, display, keep, None, False, debug=debug, stream=stream)
    ctx = LogContext(log, book, subject=display, stream=stream)
    ctx.concurrent = scale == "weak"  # an HPC throughput instance, trained with the others
    findings += check_log_context(ctx, round_name, select, ignore, debug=debug)
    try:
        summary = summarize(ctx, findings)
    except Exception as err:  # noqa: BLE001 - contained to this log, reported as INT001
        findings.append(internal_error(display, "the run summary", err, debug=debug))
        summary = RunSummary(path=display)
    return findings, summary


def _run_jobs(jobs: list[Any], progress: Callable[[int], None] | None) -> list[tuple[list[Finding], RunSummary]]:
    return run_pool(_audit_log, jobs, progress, POOL_MIN_LOGS)


# -- the tree ----------------------------------------------------------------------


def _detect_suite(tree: SubmissionTree) -> str:
    if any(r.scale for r in tree.result_sets):
        return "hpc"
    from compliance.rulebook.load import suite_of_benchmark

    votes = [suite_of_benchmark(r.benchmark) for r in tree.result_sets]
    return "hpc" if votes and votes.count("hpc") > votes.count("training") else "training"


def audit_tree(
    path: str,
    options: AuditOptions,
    progress_factory: Callable[[int], Callable[[int], None] | None] | None = None,
    *,
    display: str | None = None,
    unpacked: Any = None,
    scope: str | None = None,
) -> Report:
    """Check a Training/HPC submission folder (or an archive, unpacked here unless ``unpacked``
    is the archive already unpacked). ``scope``: the part of the tree asked for (as shown)."""
    from compliance.kinds.trees import check_in_scope, tree_folder
    from compliance.options import UsageError
    from compliance.scope import narrow_training_tree

    load_all("training", "package")
    with tree_folder(path, unpacked, display or printable(path.rstrip(os.sep) or path)) as (folder, shown_root, unpacked):
        tree = tree_parser.walk_tree(folder, shown_root)
        if unpacked is not None:
            tree.issues.extend(archive_issues(unpacked, shown_root))
        if not tree.result_sets and not tree.systems and not _has_files(folder):
            raise UsageError(f"nothing to check: {path} holds no files")
        return check_in_scope(tree, scope, shown_root, narrow_training_tree, lambda t: _audit(t, shown_root, options, progress_factory))


def _audit(tree: SubmissionTree, display: str, options: AuditOptions, progress_factory: Any) -> Report:
    from compliance.options import UsageError

    suite = options.suite or _detect_suite(tree)
    if suite not in SUITES:
        raise UsageError(f"unknown suite {suite!r}")
    round_name = canonical_round(options.round) if options.round else newest_round(suite)
    if round_name is None or round_name not in available_rounds(suite):
        raise UsageError(f"no {suite} round {options.round}; rounds: {', '.join(available_rounds(suite))}")
    book = load_rulebook(suite, round_name)

    jobs = [
        (real, shown, suite, round_name, options.select, options.ignore, options.debug, result.scale)
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
    _read_checker_params(tree)
    _read_scaling(tree)
    ctx = PackageContext(tree, book, summaries, rcp_bypass=options.rcp_bypass)
    package_findings = run_checkers(
        SubjectRole.TREE,
        ctx,
        lambda finding: applies(finding, book.suite, round_name, None, options.select, options.ignore),
        where=display,
        debug=options.debug,
    )

    # Olympic scoring may drop failed runs (HPC throughput: not count them among the models):
    # their log findings stay visible but do not fail the entry; what the seed checker
    # requires of every run of a closed entry is never waived.
    for facts in ctx.sets:
        failed = [run for run in facts.runs if not (run.log_passed and run.converged)]
        reason = _drop_reason(facts, len(failed))
        if reason:
            seeds = _seed_checked(facts, book, ctx.division_of(facts))
            for run in failed:
                log_findings[run.path] = [
                    _dropped(f, reason) if f.blocking and f.code not in seeds else f for f in log_findings[run.path]
                ]

    for facts in ctx.sets:
        _fold_per_entry(facts.result.logs, log_findings)

    report.subjects.append(Subject(path=display, kind=SubjectRole.TREE, suite=suite))
    for system in tree.systems:
        report.subjects.append(Subject(path=system.path, kind=SubjectRole.SYSTEM, suite=suite, division=system.division or None))
    for facts in ctx.sets:
        result = facts.result
        report.subjects.append(
            Subject(path=result.path, kind=SubjectRole.RESULT_SET, suite=suite, benchmark=result.benchmark, division=ctx.division_of(facts))
        )
        for shown in result.logs:
            summary = summaries[shown]
            report.subjects.append(
                Subject(
                    path=shown,
                    kind=SubjectRole.TRAINING_LOG,
                    suite=suite,
                    benchmark=summary.benchmark,
                    division=summary.division,
                    records=summary.records,
                    quality=summary.quality,
                    time_to_train_minutes=summary.minutes,
                )
            )
            report.findings.extend(log_findings[shown])
    report.findings.extend(package_findings)

    from compliance.settle import verdicts, waive
    from compliance.waivers import params_waivers, rcp_bypass_waivers

    implicit = rcp_bypass_waivers() if options.rcp_bypass else []
    for result in tree.result_sets:
        implicit.extend(params_waivers(result.path, result.checker_params))
    waive(report, options, display, implicit)

    for facts in ctx.sets:
        result = facts.result
        _normalise(facts)
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
                passed=False,  # given by settle.verdicts: its subject's, its logs' and its score's
                rcp_mean=getattr(rcp, "rcp_mean", None) if rcp is not None else None,
                rcp_min_mean=getattr(rcp, "min_mean", None) if rcp is not None else None,
                submission_mean=getattr(rcp, "submission_mean", None) if rcp is not None else None,
                convergence_unit=getattr(rcp, "unit", None) if rcp is not None else None,
                models=facts.models,
                instance_scale=facts.instance_scale,
                time_to_train_all_minutes=round(facts.time_to_train_all, 6) if facts.time_to_train_all is not None else None,
                throughput=round(facts.throughput, 6) if facts.throughput is not None else None,
            )
        )
    return verdicts(report)


def _has_files(folder: str) -> bool:
    from compliance.parsers.safefs import walk

    return any(found.others for found in walk(folder))


def _drop_reason(facts: Any, failed: int) -> str | None:
    """Why the failed runs of an entry do not fail it, or None when they do."""
    if not failed:
        return None
    if facts.weak:
        if facts.throughput is None:
            return None
        return f"weak scaling: this instance is not counted among the {facts.models} models of the Throughput score"
    if failed <= facts.max_dropped:
        return f"olympic scoring: this failed run is dropped ({facts.max_dropped} allowed per entry)"
    return None


# What the official seed checker reads in every run of a closed entry (the dropped one too):
# a seed record that is an integer, in a log whose records all parse.
SEED_CHECKED = ("SEED001", "SEED002", "LOG001")


def _seed_checked(facts: Any, book: Any, division: str | None) -> tuple[str, ...]:
    """Codes olympic dropping must not waive in this entry (rules, 'Random numbers')."""
    if division != "closed" or not book.seed_required or "seed-checker-bypass" in facts.result.checker_params:
        return ()
    return SEED_CHECKED


# Warnings that say the same of every run of an entry: one finding per entry, with the count
# and the first runs (SEED001 in the rounds that did not require a seed: 158 for 4 entries).
FOLDED_PER_ENTRY = ("SEED001",)
FOLD_NAMED = 3  # runs named in a folded message


def _fold_per_entry(logs: list[str], log_findings: dict[str, list[Finding]]) -> None:
    """Keep the first run's non-blocking finding of each FOLDED_PER_ENTRY code, saying in how
    many of the entry's runs it occurs; drop the same finding of the other runs."""
    from compliance.records import replace

    for code in FOLDED_PER_ENTRY:
        hits = [
            (log, f) for log in logs for f in log_findings.get(log, ()) if f.code == code and not f.blocking and f.waived_by is None
        ]
        if len(hits) < 2 or len({f.message for _, f in hits}) != 1:
            continue
        names = [os.path.basename(log) for log, _ in hits]
        more = f" and {len(names) - FOLD_NAMED} more" if len(names) > FOLD_NAMED else ""
        first_log, first = hits[0]
        folded = replace(
            first,
            message=f"{first.message}; in {len(hits)} of {len(logs)} runs of this entry ({', '.join(names[:FOLD_NAMED])}{more})",
            evidence={**first.evidence, "runs": len(hits), "of_runs": len(logs)},
        )
        dropped = {id(f) for _, f in hits[1:]}
        for log in logs:
            if log in log_findings:
                log_findings[log] = [folded if f is first else f for f in log_findings[log] if id(f) not in dropped]


def _dropped(finding: Finding, reason: str) -> Finding:
    from compliance.records import replace

    return replace(finding, waived_by=reason)


def _normalise(facts: Any) -> None:
    """Apply the RCP normalisation to a strong-scaling score the submission did not scale.

    A run set that converges faster than the RCP mean, within the allowed speed-up, is
    scored normalised (rules, 'RCPs': score x RCP mean / submission mean). The official
    package checker writes that factor to scaling.json before the summarizer scores; with
    no scaling.json in the folder mlperf-audit applies it (it writes nothing).
    """
    rcp = facts.rcp
    if facts.weak or facts.result.scaling_path is not None or rcp is None or not rcp.passed or rcp.bypassed:
        return
    if rcp.norm_factor > 1.0 and facts.score_minutes is not None:
        facts.scaling_factor = rcp.norm_factor
        facts.score_minutes *= rcp.norm_factor


CHECKER_FLAGS = ("rcp-bypass", "seed-checker-bypass", "rcp-bert-train-samples")


def _read_checker_params(tree: SubmissionTree) -> None:
    """The package_checker_params flags each entry gets from its benchmark, system and
    organisation folders (training rules, 'RCPs': the file may be in the root directory,
    the system directory or the benchmark results directory of the submission).
    Flags are read one per line, with '_' or '-' (the round's verify scripts passed
    ``rcp_bypass`` through as ``--rcp_bypass``)."""
    from compliance.parsers.safefs import read_regular

    flags_at: dict[str, frozenset[str]] = {}
    for real in tree.params_files:
        try:
            text = read_regular(real, 1 << 16).decode("utf-8", "replace")
        except OSError:
            continue
        lines = {line.strip().lower().replace("_", "-") for line in text.splitlines()}
        flags_at[os.path.dirname(real)] = frozenset(lines & set(CHECKER_FLAGS))
    if not flags_at:
        return
    for result in tree.result_sets:
        found: set[str] = set()
        folder = result.real_path
        while folder and os.path.basename(folder) != "results" and os.path.dirname(folder) != folder:
            found |= flags_at.get(folder, frozenset())
            folder = os.path.dirname(folder)
        if os.path.basename(folder) == "results":
            found |= flags_at.get(os.path.dirname(folder), frozenset())
        result.checker_params = frozenset(found)


def _read_scaling(tree: SubmissionTree) -> None:
    from compliance.parsers.scaling import read_scaling

    for result in tree.result_sets:
        if result.scaling_path is not None:
            result.scaling_factor, result.scaling_error = read_scaling(result.scaling_path)


def _read_systems(tree: SubmissionTree, suite: str, round_name: str) -> None:
    from compliance.parsers.system_desc import read_system_file

    for system in tree.systems:
        data, error = read_system_file(system.real_path)
        system.data = data
        system.error = error
