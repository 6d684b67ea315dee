"""Text, JSON and CSV renderings of the shared fixture report (snapshots), and
the JSON report against its published schema."""

from __future__ import annotations

import csv
import json

import jsonschema
import pytest

from compliance.models.report import Report
from compliance.reporters import REPORTERS, renderer
from tests.support.paths import ROOT
from tests.support.report_fixture import fixture_report
from tests.support.snapshot import compare_snapshot


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    return fixture_report(tmp_path_factory.mktemp("fixture"))


@pytest.mark.parametrize("name", ["text", "json", "csv"])
def test_snapshot(report: Report, name: str) -> None:
    compare_snapshot(name, renderer(name)(report))


def test_every_format_renders_the_fixture(report: Report) -> None:
    for name in REPORTERS:
        assert renderer(name)(report).strip(), name


def test_json_report_validates_against_the_published_schema(report: Report) -> None:
    schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
    document = json.loads(renderer("json")(report))
    jsonschema.validate(document, schema)
    severities = {f["severity"] for f in document["findings"]}
    assert {"error", "review", "info"} <= severities
    assert any(f["waived_by"] for f in document["findings"])
    assert {row["passed"] for row in document["results"]} == {True, False}


def test_text_lists_findings_results_and_a_summary_with_docs_links(report: Report) -> None:
    text = renderer("text")(report)
    assert "Results" in text and "Summary" in text and " waived error RCP001 " in text and ": review HPB001" in text
    assert "mlperf-audit rule CODE" in text
    assert any(line.startswith("FAILED: 2 of 3 entries pass") for line in text.splitlines())


def test_csv_has_one_row_per_entry(report: Report) -> None:
    rows = list(csv.DictReader(renderer("csv")(report).splitlines()))
    assert sorted(r["org"] for r in rows) == ["AMD", "Globex", "Initech"]
