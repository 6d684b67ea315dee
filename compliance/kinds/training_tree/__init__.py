"""A Training or HPC submission tree (an organisation's folder, a results repository, or an
archive of either): every log, the run sets and scores, RCPs, systems and layout."""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from compliance.detection.resolve import Plan
    from compliance.models.report import Report
    from compliance.options import AuditOptions
    from compliance.parsers.archive import Unpacked

from compliance.kinds import Kind, SubjectKind


def _check(plan: Plan, options: AuditOptions, unpacked: Unpacked | None) -> Report:
    from compliance.kinds.training_tree.audit import audit_tree

    return audit_tree(plan.paths[0], options, options.progress, display=plan.display, unpacked=unpacked, scope=plan.scope)


KIND = Kind(SubjectKind.TRAINING_TREE, ("training", "hpc"), _check)
