"""Generated files that are committed must match what the code generates."""

from __future__ import annotations

from compliance.schema import render, schema_path


def test_report_schema_is_up_to_date() -> None:
    committed = schema_path().read_text(encoding="utf-8")
    assert committed == render(), "schemas/report.schema.json is stale: run `python -m compliance.schema`"
