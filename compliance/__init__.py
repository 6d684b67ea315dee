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


def audit(paths: Any, suite: str | None = None, round: str | float | None = None, **options: Any) -> "Report":
    """Check result logs, LoadGen runs or submission trees and return the report model.

    ``paths`` is a path (``str`` or ``pathlib.Path``) or a list of them; ``round`` a string
    (``"5.1"``, ``"v5.1"``) or a number (``5.1``). A wrong type is a ``TypeError``; a path that
    does not exist, nothing to check, or an unknown suite or round is a ``ValueError``
    (``compliance.options.UsageError``)."""
    import os

    from compliance.engine import run_audit
    from compliance.options import AuditOptions

    if isinstance(paths, (str, bytes)) or hasattr(paths, "__fspath__"):
        paths = [paths]
    elif not isinstance(paths, (list, tuple)) or not paths:
        raise TypeError(f"paths must be a path (str or pathlib.Path) or a non-empty list of them, not {paths!r}")
    for path in paths:
        if not (isinstance(path, (str, bytes)) or hasattr(path, "__fspath__")):
            raise TypeError(f"each path must be a str or a pathlib.Path, not {type(path).__name__} ({path!r})")
    if suite is not None and not isinstance(suite, str):
        raise TypeError(f"suite must be 'training', 'hpc' or 'inference', not {type(suite).__name__} ({suite!r})")
    if isinstance(round, bool) or not isinstance(round, (str, int, float, type(None))):
        raise TypeError(f"round must be a string such as '5.1' (or the number 5.1), not {type(round).__name__} ({round!r})")
    if isinstance(round, int):
        round = f"{round}.0"
    elif isinstance(round, float):
        round = repr(round)
    names = [os.fsdecode(os.fspath(p)) for p in paths]
    return run_audit(names, AuditOptions(suite=suite, round=round, **options))
