"""The engine: files in, one Report out. Parse, check, never print or exit."""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any

from compliance.models.report import Report
from compliance.options import (  # noqa: F401  (re-exported)
    DEFAULT_MAX_FILE_BYTES,
    AuditOptions,
    UsageError,
)


def run_audit(paths: list[str], options: AuditOptions) -> Report:
    """Audit logs, a folder of logs, or one submission tree or archive."""
    baseline = None
    if options.baseline:
        from compliance.baseline import ReportFileError, load_report

        try:
            baseline = load_report(options.baseline)  # a bad baseline stops before any work
        except ReportFileError as err:
            raise UsageError(f"--baseline: {err}") from err
    from compliance.parsers.safefs import confined
    from compliance.registry import SILENCED
    from compliance.settle import settle

    before = SILENCED.copy()
    with confined(*(p for p in paths if os.path.isdir(p))):  # below a folder named, no link is followed
        report = _audit(paths, options)
    return settle(report, options, baseline, SILENCED - before)


def _audit(paths: list[str], options: AuditOptions) -> Report:
    """Find what the paths are, the suite and the round (given or detected), and check them."""
    from compliance.detection.resolve import plan

    if len(paths) == 1 and _is_archive(paths[0]):
        return _audit_archive(paths[0], options)
    if len(paths) > 1 and any(_is_archive(p) for p in paths):
        raise UsageError("check one submission tree (or archive) at a time")
    return _run_plan(plan(paths, options), options)


def _is_archive(path: str) -> bool:
    from compliance.discover import is_archive

    return is_archive(path)


def _audit_archive(path: str, options: AuditOptions) -> Report:
    """An archive is unpacked once (into a private folder), then checked like the folder it holds."""
    from compliance.detection.resolve import plan
    from compliance.parsers.archive import unpack
    from compliance.parsers.safefs import shown

    unpacked = unpack(path)
    try:
        if unpacked.error:
            raise UsageError(f"{shown(path)}: {unpacked.error}")
        display = shown(path.rstrip(os.sep) or path) + "!"
        chosen = plan([path], options, archive_folder=unpacked.folder, archive_display=display)
        return _run_plan(chosen, options, unpacked=unpacked)
    finally:
        unpacked.cleanup()


def _run_plan(chosen: Any, options: AuditOptions, unpacked: Any = None) -> Report:
    """Check what the plan found, against its suite and round, and say in the report how they were found."""
    from compliance.records import replace

    from compliance import kinds

    decision = chosen.decision
    fixed = replace(options, suite=chosen.suite, round=decision.round if decision else None)
    report = kinds.get(chosen.kind).check(chosen, fixed, unpacked)
    _describe(report, chosen)
    return report


def _describe(report: Report, chosen: Any) -> None:
    """The report's header: how the suite and round were found, and what was checked."""
    from compliance.detection.resolve import header_lines

    decision = chosen.decision
    report.suite_source = "given" if chosen.suite_source == "given" else chosen.suite_source
    if decision is None:
        report.round_source = "unknown"
    elif len(chosen.decisions) > 1:
        report.round_source = "detected" if any(d.source == "detected" for d in chosen.decisions.values()) else decision.source
    else:
        report.round_source = decision.source
    evidence: list[str] = []
    for each in chosen.decisions.values():
        evidence.extend(each.evidence_lines())
    report.round_evidence = evidence
    header = header_lines(chosen) + list(chosen.notes)
    report.notes[:0] = [line for line in header if line not in report.notes]


