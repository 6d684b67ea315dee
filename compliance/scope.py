"""Checking part of a submission: the part asked for, in the context of the whole.

When the path given is below an organisation's submission (an entry, a
system's results, ``results/``, a scenario folder), the submission is walked
whole (its system descriptions and layout are the context), only the results
inside the part are read and checked, and the report keeps what concerns the
part: its results, its logs, the system descriptions they use, and findings
located inside it. What was left out is counted in a note, never hidden.
"""

from __future__ import annotations

import os

from compliance.models.report import Report
from compliance.models.roles import SubjectRole
from compliance.wording import plural

ORG_SIDE_FOLDERS = ("compliance", "measurements")  # up to inference 5.1 these mirror results/


DIVISION_FOLDERS = ("closed", "open", "network")
ORG_FOLDERS = ("results", "systems", "benchmarks", "compliance", "measurements", "documentation", "code")


def submission_path(path: str, root: str | None = None) -> str:
    """A path as its submission names it, the same however the tree was given (``closed/X``,
    ``./closed/X``, an absolute path, from another working folder): from the division folder
    (``closed/ACME/results/...``), else from the organisation folder (``ACME/results/...``, HPC),
    else relative to ``root`` (the checked tree; ``.`` for the tree itself), else normalised.
    Waiver globs and baseline entries are compared in this form."""
    import posixpath

    norm = posixpath.normpath(path.replace(os.sep, "/"))
    parts = [p for p in norm.split("/") if p not in ("", ".")]
    for i in range(len(parts) - 2):
        if parts[i] in DIVISION_FOLDERS and parts[i + 2] in ORG_FOLDERS:
            return "/".join(parts[i:])
    for i in range(len(parts) - 1):
        if parts[i + 1] in ORG_FOLDERS:
            return "/".join(parts[i:])
    if root is not None:
        top = posixpath.normpath(root.replace(os.sep, "/"))
        if norm == top:
            return "."
        if top == "." and not norm.startswith(("/", "..")):
            return norm
        if norm.startswith(top.rstrip("/") + "/"):
            return norm[len(top.rstrip("/")) + 1 :]
    return norm


def within(path: str, scope: str) -> bool:
    """Whether a shown path is the scope or inside it."""
    scope = scope.rstrip("/" + os.sep) or scope
    return path == scope or path.startswith(scope + "/") or path.startswith(scope + os.sep)


def _system_of(path: str) -> tuple[str, str] | None:
    """(organisation folder, system) of a path under ``<org>/results/<system>/``, as shown."""
    parts = path.replace(os.sep, "/").split("/")
    lowered = [p.lower() for p in parts]
    if "results" not in lowered:
        return None
    at = len(lowered) - 1 - lowered[::-1].index("results")
    if at + 1 >= len(parts):
        return None
    return "/".join(parts[:at]), parts[at + 1]


def as_results_scope(scope: str) -> str:
    """``<org>/compliance/<system>/...`` and ``<org>/measurements/...`` (layouts up to inference 5.1)
    stand for the same result under ``<org>/results/``."""
    parts = scope.replace(os.sep, "/").split("/")
    for i, part in enumerate(parts):
        if part.lower() in ORG_SIDE_FOLDERS and i + 1 < len(parts):
            return "/".join(parts[:i] + ["results"] + parts[i + 1 :])
    return scope


def narrow_training_tree(tree, scope: str) -> None:  # type: ignore[no-untyped-def]
    """Keep only the result sets inside the scope (the systems and layout stay for context)."""
    tree.result_sets = [r for r in tree.result_sets if within(r.path, scope)]


def narrow_inference_tree(tree, scope: str) -> str:  # type: ignore[no-untyped-def]
    """Keep only the scenario results inside the scope; a scope inside one scenario result
    (its performance/ folder, a TESTxx folder) widens to that result. Returns the scope used."""
    scope = as_results_scope(scope)
    for org in tree.orgs:
        for entry in org.scenarios:
            if within(scope, entry.path) and scope != entry.path:
                scope = entry.path
    for org in tree.orgs:
        org.scenarios = [s for s in org.scenarios if within(s.path, scope)]
    return scope


def narrow_report(report: Report, scope: str, root: str) -> None:
    """Keep the part of the report about ``scope`` and say what else there was."""
    scope = as_results_scope(scope)
    inner = {s.path for s in report.subjects if within(s.path, scope)}
    for subject in report.subjects:  # a scope inside one scenario result widens to it
        if within(scope, subject.path) and subject.kind not in (SubjectRole.TREE, SubjectRole.SYSTEM):
            inner.add(subject.path)
            scope = subject.path
    systems = {found for path in inner if (found := _system_of(path)) is not None}
    system_paths = {
        s.path
        for s in report.subjects
        if s.kind == SubjectRole.SYSTEM and any(
            s.path.replace(os.sep, "/").startswith(org + "/") and os.path.basename(s.path).rsplit(".", 1)[0] == name
            for org, name in systems
        )
    }
    kept_subjects = inner | system_paths
    kept, left_errors, left_warnings = [], 0, 0
    for finding in report.findings:
        if finding.subject in kept_subjects or within(finding.location.path, scope) or finding.location.path in system_paths:
            kept.append(finding)
        elif finding.blocking:
            left_errors += 1
        elif finding.severity.value == "warning":
            left_warnings += 1
    tree_subjects = [s for s in report.subjects if s.kind == SubjectRole.TREE]
    report.subjects = [s for s in report.subjects if s.path in kept_subjects] + tree_subjects
    report.findings = kept
    report.results = [row for row in report.results if within(row.path, scope)]
    report.finalise()
    report.passed = report.passed and all(row.passed for row in report.results)
    if left_errors or left_warnings:
        report.notes.append(
            f"{plural(left_errors, 'error')} and {plural(left_warnings, 'warning')} about other parts of {root} are not shown "
            f"(they do not change the verdict of {scope}); check {root} to see them."
        )
    if not report.results and not inner:
        report.notes.append(f"{scope} holds no result of the submission {root}.")
