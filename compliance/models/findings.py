"""Findings: what a rule reports.

These are plain frozen records (``compliance.records``) rather than pydantic models so that the
command line starts in a few milliseconds; ``compliance.schema`` builds the
published JSON Schema from these same classes with pydantic's TypeAdapter.
"""

from __future__ import annotations

from enum import Enum

from compliance.records import field, recordclass
Scalar = str | int | float | bool | None
INTERNAL_ERROR = "INT001"  # the code of the tool's own failures (exit code 2)


class Severity(str, Enum):
    """How much a finding matters. Only ``error`` findings fail a check.

    ``review`` marks what a machine cannot decide and a reviewer must look at
    (named "review" in every format): it never fails a check and is never dropped.
    """

    ERROR = "error"
    WARNING = "warning"
    REVIEW = "review"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "review": 2, "info": 3}[self.value]


@recordclass(frozen=True, slots=True)
class Location:
    """Where a finding points: a file, and a line in it when there is one."""

    path: str
    line: int | None = None
    key: str | None = None


@recordclass(frozen=True, slots=True)
class Finding:
    """One violation (or note) reported by one rule for one subject."""

    code: str
    name: str
    severity: Severity
    message: str
    location: Location
    subject: str
    evidence: dict[str, Scalar] = field(default_factory=dict)
    fix: str | None = None
    url: str | None = None
    waived_by: str | None = None

    @property
    def blocking(self) -> bool:
        return self.severity is Severity.ERROR and self.waived_by is None
