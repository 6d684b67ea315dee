"""The results table as CSV (pandas): one row per benchmark entry.

Every text cell is escaped with ``compliance.escape.csv_cell``: names and
values from the input are one line each, with no control characters, and a
cell a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@`` ...)
starts with ``'``. Numbers stay numbers.
"""

from __future__ import annotations

from compliance.escape import csv_cell
from compliance.models.report import Report


def render(report: Report) -> str:
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    frame = report.to_frame("results")
    for column in frame.columns:
        if not (is_numeric_dtype(frame[column]) or is_bool_dtype(frame[column])):
            frame[column] = frame[column].map(lambda value: csv_cell(value) if isinstance(value, str) else value)
    text: str = frame.to_csv(index=False, lineterminator="\n")
    return text
