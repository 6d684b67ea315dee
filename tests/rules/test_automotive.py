"""MLPerf Automotive (suite ``automotive``): the inference checks on its own round data.

The example (examples/automotive/) is NVIDIA's closed v0.5 submission as published in
mlcommons/automotive_results_v0.5: a SingleStream and a ConstantStream BEVFormer result that the
official checker (79b9c535) accepts with 5.209854 and 5.319681 ms.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from compliance.engine import AuditOptions, run_audit
from compliance.rulebook.inference import load_inference_rulebook
from compliance.reporters import renderer
from tests.support.cli import run_cli
from tests.support.paths import ROOT

EXAMPLE = ROOT / "examples" / "automotive"
RESULTS = "closed/NVIDIA/results/Thor-X_TRT/bevformer"
CS_RUN = f"{RESULTS}/ConstantStream/performance/run_1"
PUBLISHED = {"SingleStream": 5.209854, "ConstantStream": 5.319681}  # summary_results.json, Performance_Result (ms)
FID = Path("/tmp/fid/automotive-0.5")


def test_the_round_data_is_the_inference_format_with_automotive_values() -> None:
    book = load_inference_rulebook("0.5", "automotive")
    assert book.suite == "automotive" and book.scenarios == ("SingleStream", "ConstantStream")
    assert set(book.models) == {"bevformer", "deeplabv3plus", "ssd"}
    assert book.percentile("SingleStream") == book.percentile("ConstantStream") == 99.9
    assert book.result_keys["ConstantStream"].key == "result_99.90_percentile_latency_ns"
    assert book.seeds["qsl_rng_seed"].value == 1575625098
    assert load_inference_rulebook("5.1").suite == "inference"  # the inference rounds are unchanged


def test_the_example_is_detected_as_automotive_and_passes_with_the_published_numbers() -> None:
    result = run_cli("check", str(EXAMPLE), "--format", "json", "--no-config")
    report = json.loads(result.out)
    assert result.code == 0, result.out[-2000:]
    assert report["suite"] == "automotive" and report["round"] == "0.5"
    assert report["suite_source"] == "detected" and report["round_source"] == "detected"
    assert any("model folders bevformer" in note for note in report["notes"])
    assert any("0.5's seeds" in line for line in report["round_evidence"])
    rows = {row["scenario"]: row for row in report["results"]}
    assert set(rows) == set(PUBLISHED)
    for scenario, value in PUBLISHED.items():
        assert rows[scenario]["value"] == pytest.approx(value) and rows[scenario]["unit"] == "Latency (ms)"
        assert rows[scenario]["passed"] and rows[scenario]["system_type"] == "adas"
        assert rows[scenario]["accuracy"].startswith("mAP_3D 0.267297")
    assert rows["ConstantStream"]["metric"] == "result_99.90_percentile_latency_ns"


def test_the_rows_come_out_in_every_format() -> None:
    report = run_audit([str(EXAMPLE)], AuditOptions(suite="automotive", round="0.5"))
    table = list(csv.DictReader(io.StringIO(renderer("csv")(report))))
    assert [(r["scenario"], r["value"], r["unit"]) for r in table] == [
        ("ConstantStream", "5.319681", "Latency (ms)"),
        ("SingleStream", "5.209854", "Latency (ms)"),
    ]
    for name in ("text", "markdown", "html"):
        shown = renderer(name)(report)
        assert "ConstantStream" in shown and "5.31968" in shown and "automotive" in shown, name


def test_a_constant_stream_run_alone_is_automotive(tmp_path: Path) -> None:
    run = tmp_path / "run_1"
    shutil.copytree(EXAMPLE / CS_RUN, run)
    report = json.loads(run_cli("check", str(run), "--format", "json", "--no-config").out)
    assert report["suite"] == "automotive" and report["round"] == "0.5"
    assert any("ConstantStream scenario" in note for note in report["notes"])
    assert not [f for f in report["findings"] if f["severity"] == "error"]


def test_a_model_name_training_has_too_is_automotive_only_by_its_logs(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    shutil.copytree(EXAMPLE, root)
    (root / "closed/NVIDIA/results/Thor-X_TRT/bevformer").rename(root / "closed/NVIDIA/results/Thor-X_TRT/ssd")  # Training has an ssd
    report = json.loads(run_cli("check", str(root), "--format", "json", "--no-config").out)
    assert report["suite"] == "automotive"
    assert any("0.5's seeds in ssd/" in note for note in report["notes"])


def test_an_inference_tree_is_not_claimed() -> None:
    result = run_cli("check", str(ROOT / "tests/fixtures/inference_tree/v5.1"), "--format", "json", "--no-config")
    assert json.loads(result.out)["suite"] == "inference"


def test_the_wrong_round_is_a_usage_error() -> None:
    result = run_cli("check", str(EXAMPLE), "--suite", "automotive", "--round", "5.1", "--no-config")
    assert result.code == 2 and "automotive rounds are 0.5" in result.err


def test_bevformer_without_the_grouped_library_fails_where_the_official_checker_does(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    shutil.copytree(EXAMPLE, root)
    detail = root / f"{RESULTS}/SingleStream/performance/run_1/mlperf_log_detail.txt"
    text = detail.read_text()
    detail.write_text(text.replace('"key": "effective_use_grouped_qsl", "value": true', '"key": "effective_use_grouped_qsl", "value": false'))
    report = run_audit([str(root)], AuditOptions(suite="automotive", round="0.5"))
    rows = {row.scenario: row.passed for row in report.results}
    assert rows == {"SingleStream": False, "ConstantStream": True}
    assert [f.code for f in report.findings if f.severity.value == "error"] == ["LGS001"]


@pytest.mark.slow
def test_the_published_round_agrees_with_the_official_checker() -> None:
    """All 9 published v0.5 results pass with the official checker's numbers (79b9c535, the verdict
    table bench/fidelity/inference.py --suite automotive wrote), the suite and round detected."""
    if not FID.is_dir():
        pytest.skip("/tmp/fid/automotive-0.5 (mlcommons/automotive_results_v0.5) is not materialised")
    lines = [line for line in (ROOT / "tests/fixtures/fidelity/automotive-0.5.tsv").read_text().splitlines() if not line.startswith("#")]
    table = list(csv.DictReader(lines, delimiter="\t"))
    report = run_audit([str(FID)], AuditOptions())
    assert report.suite == "automotive" and report.round == "0.5"
    ours = {}
    for row in report.results:
        division, org, _, system, model, scenario = row.path.split(str(FID) + "/", 1)[1].split("/")
        ours["/".join((division, org, system, model, scenario))] = row
    assert set(ours) == {row["result"] for row in table}
    for row in table:
        mine = ours[row["result"]]
        assert row["official"] == row["ours"] == ("pass" if mine.passed else "fail"), row["result"]
        assert mine.value == pytest.approx(float(row["official_value"])), row["result"]


def test_hostile_entries_do_not_break_the_claim(tmp_path: Path) -> None:
    """A FIFO where a detail log is, a link where a result folder is, a looping link: the claim reads
    nothing it should not (no FIFO opened, no link followed) and the check still runs."""
    import os

    root = tmp_path / "tree"
    shutil.copytree(EXAMPLE, root)
    ss = root / RESULTS / "SingleStream/performance/run_1/mlperf_log_detail.txt"
    ss.unlink()
    os.mkfifo(ss)
    os.symlink(root / RESULTS, root / "closed/NVIDIA/results/Thor-X_TRT/ssd")
    os.symlink("loop", root / "closed/NVIDIA/results/loop")
    result = run_cli("check", str(root), "--format", "json", "--no-config")
    report = json.loads(result.out)
    assert result.code == 1 and report["suite"] == "automotive"
    assert not [f for f in report["findings"] if f["code"] == "INT001"]
    rows = {row["scenario"]: row["passed"] for row in report["results"]}
    assert rows == {"SingleStream": False, "ConstantStream": True}


@pytest.mark.slow
def test_each_published_organisation_is_detected_on_its_own() -> None:
    from compliance.detection.resolve import plan

    if not FID.is_dir():
        pytest.skip("/tmp/fid/automotive-0.5 (mlcommons/automotive_results_v0.5) is not materialised")
    for org in (FID / "closed/NVIDIA", FID / "open/GATEOverflow"):
        found = plan([str(org)], AuditOptions())
        assert (found.suite, found.decision.round if found.decision else None) == ("automotive", "0.5"), org
