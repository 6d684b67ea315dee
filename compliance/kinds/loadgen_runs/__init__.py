"""Loose LoadGen runs (run folders or their logs, outside a submission tree): what LoadGen
itself requires, and the round's bounds when the round and model are known."""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from compliance.detection.resolve import Plan
    from compliance.models.report import Report
    from compliance.options import AuditOptions
    from compliance.parsers.archive import Unpacked

from compliance.kinds import Kind, SubjectKind


def _check(plan: Plan, options: AuditOptions, unpacked: Unpacked | None) -> Report:
    from compliance.kinds.loadgen_runs.audit import audit_inference

    return audit_inference(plan.paths, options, round_known=plan.decision is not None)


KIND = Kind(SubjectKind.LOADGEN_RUNS, ("inference",), _check)
