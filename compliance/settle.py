"""What turns a kind's findings into verdicts, the same way for every kind of input.

A kind reads and checks its input; then, in this order:

1. ``waive``: the waivers (a waiver file, ``--rcp-bypass``, an entry's
   ``package_checker_params``) mark the findings they match; WAV001/WAV002 say which were
   unused or expired.
2. ``verdicts``: each subject passes when none of its findings blocks; a results row passes
   when every subject at or below its path passes and it has a score (``scored``).
3. ``settle`` (the engine, once per check): the baseline marks the findings it already has and
   the verdicts are given again, what the settings silenced is accounted, the findings cap.
"""

from __future__ import annotations

from compliance.wording import are, plural

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from collections import Counter
    from collections.abc import Iterable
    from typing import Any

    from compliance.models.report import InferenceResultRow, Report, ResultRow
    from compliance.options import AuditOptions
    from compliance.waivers import Waiver


def waive(report: Report, options: AuditOptions, root: str, implicit: Iterable[Waiver] = ()) -> None:
    """Apply the waivers the kind implies (``implicit``) and the waiver file of the options to the
    report's findings (``root``: the tree or first subject the waiver subjects are relative to).
    A waiver file that cannot be read stops the check (``UsageError``)."""
    waivers = list(implicit)
    if options.waivers:
        from compliance.options import UsageError
        from compliance.waivers import WaiverError, load_waivers

        try:
            waivers.extend(load_waivers(options.waivers))
        except WaiverError as err:
            raise UsageError(str(err)) from err
    if waivers:
        from compliance.waivers import apply_waivers

        report.findings = list(apply_waivers(report.findings, waivers, root))


def scored(row: ResultRow | InferenceResultRow) -> bool:
    """Whether a results row has its score: a time to train (HPC weak scaling: a throughput), or
    an inference result's metric."""
    from compliance.models.report import ResultRow

    if isinstance(row, ResultRow):
        return (row.throughput if row.scale == "weak" else row.score_minutes) is not None
    return row.value is not None


def verdicts(report: Report, unscored_before: Iterable[tuple[object, ...]] = ()) -> Report:
    """Every subject's and row's verdict from the findings: a row passes when each subject at or
    below its path passes and it is scored (or was not scored in the baseline either:
    ``unscored_before`` holds those rows' ``baseline.ROW_KEY`` values). A row's verdict is its
    subject's; the report passes when no finding blocks and every row passes."""
    from compliance.baseline import ROW_KEY

    known = set(unscored_before)
    report.finalise()
    subjects = {s.path: s for s in report.subjects}
    rows = {row.path: row for row in report.results}
    ok = {path: True for path in rows}
    for each in report.subjects:
        path = each.path
        while True:
            if path in ok and not each.passed:
                ok[path] = False
            cut = path.rfind("/")
            if cut <= 0:
                break
            path = path[:cut]
    for row in report.results:
        has_score = scored(row) or tuple(getattr(row, f, None) for f in ROW_KEY) in known
        subject = subjects.get(row.path)
        row.passed = ok[row.path] and subject is not None and has_score
        if subject is not None:
            subject.passed = row.passed
    report.passed = report.passed and all(row.passed for row in report.results)
    return report


def settle(report: Report, options: AuditOptions, baseline: dict[str, Any] | None, silenced: Counter[tuple[str, str]]) -> Report:
    """The engine's last step: the baseline (its findings marked, the verdicts given again), what
    the settings and waivers changed (``silenced``: what the selection removed), the findings cap."""
    from compliance import config, limits

    if baseline is not None:
        from compliance.baseline import ROW_KEY, apply_baseline

        marked = apply_baseline(report, baseline, str(options.baseline))
        rows = baseline.get("results", [])
        verdicts(report, {tuple(row.get(f) for f in ROW_KEY) for row in rows if row.get("score_minutes", row.get("value")) is None})
        report.notes.append(
            f"Baseline {options.baseline}: {plural(marked, 'finding')} it already has {are(marked)} marked "
            "'baseline' and do not fail; only new findings can fail."
        )
    config.account(report, options, silenced)
    return report.keep_findings(limits.get("findings"))

