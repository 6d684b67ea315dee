"""mlperf-audit: compliance checks for MLPerf benchmark submissions.

The public API is small::

    from compliance import audit
    report = audit(["result_0.txt"], suite="training", round="5.1")
    report.passed, report.findings
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from compliance.models.report import Report

__all__ = ["__version__", "audit"]


def audit(paths: Any, suite: str | None = None, round: str | None = None, **options: Any) -> "Report":
    """Check one or more MLLOG result logs and return the report model."""
    from compliance.engine import AuditOptions, run_audit

    if isinstance(paths, (str, bytes)) or hasattr(paths, "__fspath__"):
        paths = [paths]
    return run_audit([str(p) for p in paths], AuditOptions(suite=suite, round=round, **options))
