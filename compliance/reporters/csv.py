"""The results table as CSV (pandas): one row per benchmark entry."""

from __future__ import annotations

from compliance.models.report import Report


def render(report: Report) -> str:
    frame = report.to_frame("results")
    return frame.to_csv(index=False, lineterminator="\n")
