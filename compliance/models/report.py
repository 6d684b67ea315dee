"""The report: one model that every reporter renders."""

from __future__ import annotations

from dataclasses import dataclass, field

from compliance.models.findings import Finding, Severity


@dataclass(frozen=True, slots=True)
class ToolInfo:
    name: str
    version: str


@dataclass(slots=True)
class Subject:
    """One thing that was checked (a log file), and its verdict."""

    path: str
    kind: str = "training_log"
    passed: bool = True
    suite: str | None = None
    benchmark: str | None = None
    division: str | None = None
    records: int = 0
    lines: int = 0
    errors: int = 0
    warnings: int = 0


@dataclass(slots=True)
class Report:
    """Everything one ``mlperf-audit check`` run found.

    ``passed`` is true when no unwaived finding of severity ``error`` remains.
    """

    tool: ToolInfo
    suite: str
    round: str
    round_source: str = "given"
    suite_source: str = "given"
    notes: list[str] = field(default_factory=list)
    rulebook_sha256: str = ""
    subjects: list[Subject] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    passed: bool = True

    def finalise(self) -> "Report":
        """Sort findings and compute per-subject and overall verdicts."""
        order = {s.path: i for i, s in enumerate(self.subjects)}
        self.findings.sort(
            key=lambda f: (
                order.get(f.subject, len(order)),
                f.location.line if f.location.line is not None else -1,
                f.severity.rank,
                f.code,
            )
        )
        by_subject: dict[str, list[Finding]] = {}
        for finding in self.findings:
            by_subject.setdefault(finding.subject, []).append(finding)
        for subject in self.subjects:
            own = by_subject.get(subject.path, [])
            subject.errors = sum(1 for f in own if f.blocking)
            subject.warnings = sum(1 for f in own if f.severity is Severity.WARNING)
            subject.passed = subject.errors == 0
        self.passed = not any(f.blocking for f in self.findings)
        return self

    def exit_code(self) -> int:
        return 0 if self.passed else 1
