"""Every reporter on an inference submission report: one scenario result per row
(``InferenceResultRow``), snapshots of each format and structural checks of the
Markdown record and the HTML page.

The report comes from the engine run on a copy of the v5.1 fixture tree with two
files removed: the calibration document (IMS003: about the result, located at the
organisation's folder) and a compliance test's verification (ICT001: about the
result, located under ``<org>/compliance/...``). Both must be listed under the
result's entry, found through the finding's subject.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest

from compliance.engine import AuditOptions, run_audit
from compliance.models.report import InferenceResultRow, Report
from compliance.reporters import renderer
from compliance.reporters.view import audit_layout
from tests.support.paths import FIXTURES, ROOT
from tests.support.snapshot import compare_snapshot

RESULT = "submission/closed/Intel/results/1-node-2S-GNR_128C/whisper/Offline"
TEST01 = "closed/Intel/compliance/1-node-2S-GNR_128C/whisper/Offline/TEST01/verify_performance.txt"
HEADER = ["division", "org", "system", "benchmark", "scenario", "result", "accuracy", "verdict"]


def inference_report(workdir: Path) -> Report:
    """Audit the edited copy with relative paths, so the snapshots do not depend on the temporary folder."""
    root = workdir / "submission"
    shutil.copytree(FIXTURES / "inference_tree" / "v5.1", root)
    (root / "closed/Intel/calibration.md").unlink()
    (root / TEST01).unlink()
    old = os.getcwd()
    os.chdir(workdir)
    try:
        return run_audit(["submission"], AuditOptions(suite="inference", round="5.1"))
    finally:
        os.chdir(old)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    return inference_report(tmp_path_factory.mktemp("inference"))


def test_the_fixture_is_an_inference_report_with_failures(report: Report) -> None:
    assert report.results and all(isinstance(r, InferenceResultRow) for r in report.results)
    assert [r.path for r in report.results] == [RESULT]
    assert not report.passed and not report.results[0].passed
    about_result = {f.code for f in report.findings if f.subject == RESULT}
    assert {"IMS003", "ICT001"} <= about_result


@pytest.mark.parametrize("name", ["markdown", "html", "text", "json", "csv"])
def test_snapshot(report: Report, name: str) -> None:
    compare_snapshot(f"inference_{name}", renderer(name)(report))


def test_every_format_renders_the_report(report: Report) -> None:
    from compliance.reporters import REPORTERS

    for name in REPORTERS:
        assert renderer(name)(report).strip(), name


def test_findings_about_a_result_go_to_its_entry_wherever_they_are_located(report: Report) -> None:
    layout = audit_layout(report)
    (entry,) = layout.entries()
    assert entry.row.path == RESULT and entry.logs == []
    codes = {f.code: f.location.path for f in entry.findings}
    assert codes["ICT001"].startswith("submission/closed/Intel/compliance/")
    assert codes["IMS003"] == "submission/closed/Intel"
    assert all(f.subject != RESULT for f in layout.general)


def test_json_validates_and_csv_has_one_row_per_scenario_result(report: Report) -> None:
    schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
    document = json.loads(renderer("json")(report))
    jsonschema.validate(document, schema)
    assert document["results"][0]["scenario"] == "Offline"
    rows = list(csv.DictReader(renderer("csv")(report).splitlines()))
    assert [(r["benchmark"], r["scenario"], r["passed"]) for r in rows] == [
        ("whisper", "Offline", "False")
    ]


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end >= 0 else len(text)]


def test_markdown_results_table_and_entry(report: Report) -> None:
    record = renderer("markdown")(report)
    results = _section(record, "## Results").splitlines()
    assert results[2] == "| " + " | ".join(HEADER) + " |"
    assert results[4] == (
        "| closed | Intel | 1-node-2S-GNR_128C | whisper | Offline | 2,187.39 Tokens/s "
        "| ACCURACY 97.8858 (\\>= 96.9536) | **FAIL** |"
    )
    assert "- scenario results: 1, 0 passing, 1 failing" in record
    assert "- logs:" not in record
    entry = record[record.index("### whisper Offline on 1-node-2S-GNR_128C: FAIL") :]
    for line in (
        f"- path: `{RESULT}`",
        "- verdict: **FAIL**",
        "- metric: `result_tokens_per_second`",
        "- result: 2,187.39 Tokens/s",
        "- accuracy: ACCURACY 97.8858 (\\>= 96.9536)",
    ):
        assert line + "\n" in entry, line
    assert "Entry findings:" in entry
    assert "**ICT001**" in entry and "**IMS003**" in entry
    assert "score:" not in entry and "RCP" not in entry


class _Page(HTMLParser):
    """The results table's header and cells, the entries' text and the page's SVG count."""

    def __init__(self) -> None:
        super().__init__()
        self.section: str | None = None
        self.head: list[str] = []
        self.rows: list[list[str]] = []
        self.sort_keys: list[str] = []
        self.cell: list[str] | None = None
        self.in_head = False
        self.entries: dict[str, list[str]] = {}
        self.entry: str | None = None
        self.depth = 0
        self.svgs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "svg":
            self.svgs += 1
        if tag == "section" and a.get("id"):
            self.section = a["id"]
        if tag == "article" and (a.get("id") or "").startswith("entry-"):
            self.entry, self.depth = a["id"], 0
            self.entries[a["id"]] = []
        if self.entry is not None and tag == "article":
            self.depth += 1
        if self.section != "results":
            return
        if tag == "thead":
            self.in_head = True
        elif tag == "tbody":
            self.in_head = False
        elif tag == "tr" and not self.in_head:
            self.rows.append([])
        elif tag in ("th", "td"):
            self.cell = []
            if tag == "th":
                assert a.get("data-key"), "every results column sorts"
            if tag == "td" and "data-sort" in a and len(self.rows[-1]) == 5:
                self.sort_keys.append(a["data-sort"] or "")

    def handle_endtag(self, tag: str) -> None:
        if self.entry is not None and tag == "article":
            self.depth -= 1
            if self.depth == 0:
                self.entry = None
        if tag in ("th", "td") and self.cell is not None:
            text = "".join(self.cell).strip()
            (self.head if tag == "th" else self.rows[-1]).append(text)
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)
        if self.entry is not None:
            self.entries[self.entry].append(data)


def test_html_results_table_and_entry(report: Report) -> None:
    page = _Page()
    page.feed(renderer("html")(report))
    page.close()
    assert page.head == HEADER
    assert page.rows == [
        [
            "closed",
            "Intel",
            "1-node-2S-GNR_128C",
            "whisper",
            "Offline",
            "2,187.39 Tokens/s",
            "ACCURACY 97.8858 (>= 96.9536)",
            "FAIL",
        ]
    ]
    assert page.sort_keys == ["2187.390000"]
    assert page.svgs == 0, "no plot for inference entries"
    (text,) = ("".join(parts) for parts in page.entries.values())
    for expected in (
        RESULT,
        "result_tokens_per_second",
        "2,187.39 Tokens/s",
        "ACCURACY 97.8858 (>= 96.9536)",
        "Entry findings",
        "ICT001",
        "IMS003",
    ):
        assert expected in text, expected
    assert "scaling factor" not in text and "RCP" not in text
