"""Endpoints (LoadGen++) results of MLPerf Inference 6.1, in both published layouts.

The fixtures (tests/fixtures/endpoints/README.md) are real files of mlcommons/inference_results_v6.1
read through the search index (the repository cannot be fetched whole), with their histograms and
responses cut to their structure: NVIDIA's deepseek-r1 Server (result_summary.json,
accuracy_results.json, config.yaml) and Lambda's qwen3-vl-235b-a22b Server (performance/run_1/results.json).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from compliance.engine import AuditOptions, run_audit
from compliance.models.report import Report
from compliance.parsers.endpoints import is_endpoints, read_config
from compliance.reporters import renderer
from compliance.rulebook.inference import load_inference_rulebook
from tests.support.paths import FIXTURES

TREE = FIXTURES / "endpoints"
NVIDIA = "closed/NVIDIA/results/VR-NVL72_VR-288GB_aarch64x72_TRT/deepseek-r1/Server"
LAMBDA = "closed/Lambda/results/B200-SXM-180GBx8_TRT/qwen3-vl-235b-a22b/Server"
HPE_TRAP = "open/HPE/results/HPE_DL380/resnet50/singlestream"


def _audit(root: Path) -> Report:
    return run_audit([str(root)], AuditOptions(suite="inference", round="6.1"))


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(TREE, root)
    return root


def _codes(report: Report, where: str) -> set[str]:
    return {f.code for f in report.findings if where in f.location.path or where in f.subject}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    return _audit(_copy(tmp_path_factory.mktemp("endpoints")))


def test_both_layouts_give_the_published_numbers(report: Report) -> None:
    rows = {row.path.rsplit("/results/", 1)[1]: row for row in report.results}
    nvidia = rows["VR-NVL72_VR-288GB_aarch64x72_TRT/deepseek-r1/Server"]
    assert (nvidia.metric, nvidia.unit) == ("result_completed_tokens_per_second", "Tokens/s")
    assert nvidia.value == pytest.approx(1175890.2208168241)  # tps: the official metric overwrite for LLMs
    assert nvidia.accuracy == "81.4266 (no metric named)"
    lam = rows["B200-SXM-180GBx8_TRT/qwen3-vl-235b-a22b/Server"]
    assert (lam.metric, lam.unit) == ("result_completed_samples_per_sec", "Queries/s")
    assert lam.value == pytest.approx(69.41536196217709)  # summary.json row 258: 69.4153619622 Queries/s
    assert lam.accuracy == "0.787895 (no metric named)" and lam.inferred_from is None


def test_the_problems_the_official_checker_published_are_reported(report: Report) -> None:
    nvidia, lam = _codes(report, NVIDIA), _codes(report, LAMBDA)
    assert {"IEP002", "IEP003", "IEP006"} <= nvidia and "IEP005" not in nvidia
    assert {"IEP002", "IEP005"} <= lam  # a Server result from a results.json with no latency at all
    assert not {"ITR004", "ICT001"} & (nvidia | lam)  # no LoadGen file is asked of an Endpoints result
    severity = {f.code: f.severity.value for f in report.findings}
    assert severity["IEP005"] == "error" and severity["IEP002"] == "warning" and severity["IEP006"] == "info"


def test_rows_come_out_in_every_format(report: Report) -> None:
    table = list(csv.DictReader(io.StringIO(renderer("csv")(report))))
    assert {r["metric"] for r in table} == {"result_completed_tokens_per_second", "result_completed_samples_per_sec"}
    for name in ("text", "markdown", "html"):
        shown = renderer(name)(report)
        assert "69.4154" in shown and "0.787895" in shown, name  # the text table cuts the accuracy column
    assert json.loads(renderer("json")(report))["results"][0]["accuracy"].endswith("(no metric named)")


def test_an_untruncated_results_file_is_reported(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / LAMBDA / "performance/run_1/results.json"
    data = json.loads(path.read_text())
    sample = next(iter(data["responses"].values()))
    data["responses"] = {f"{i:032x}": sample for i in range(400)}  # the published file has 48,289 of them
    path.write_text(json.dumps(data, indent=2))
    found = [f for f in _audit(root).findings if f.code == "IEP004"]
    assert len(found) == 1 and "400 responses" in found[0].message and found[0].severity.value == "warning"


def test_a_reference_harness_results_json_beside_loadgen_logs_is_not_endpoints() -> None:
    spec = load_inference_rulebook("6.1").endpoints
    files = {"performance/run_1/results.json": "x", "performance/run_1/mlperf_log_detail.txt": "x", "performance/run_1/mlperf_log_summary.txt": "x"}
    assert not is_endpoints(files, spec)
    assert is_endpoints({"performance/run_1/results.json": "x"}, spec)
    assert is_endpoints({"performance/result_summary.json": "x", "accuracy/accuracy_results.json": "x"}, spec)
    assert not is_endpoints({"performance/result_summary.json": "x"}, load_inference_rulebook("6.0").endpoints)


def test_the_config_reader_takes_scalars_of_nested_mappings_only() -> None:
    config = read_config((TREE / NVIDIA / "config.yaml").read_text())
    assert config["type"] == "online" and config["settings.runtime.min_duration_ms"] == 1800000
    assert config["settings.runtime.scheduler_random_seed"] == 16159082839903944936
    assert config["model_params.streaming"] == "on"
    assert not any(key.startswith("datasets") for key in config)  # list items are not read
    assert read_config("a: &x [1]\nb: *x\nc: {d: 1}\n- e: 2\n") == {}


@pytest.mark.parametrize(
    "content",
    [
        b'{"version": "0.1.0", "qps": 1',  # truncated
        "{\"version\": \"0.1\u00e9\"}".encode("latin-1"),  # wrong encoding
        bytes(range(256)) * 64,  # binary
        b"[" * 200_000 + b"]" * 200_000,  # deep JSON
        b'{"a": "' + b"x" * (3 << 20) + b'"}',  # a 3 MB line
        b"[1, 2, 3]",  # JSON, not an object
    ],
    ids=["truncated", "latin-1", "binary", "deep", "huge-line", "array"],
)
def test_a_hostile_results_file_is_a_finding_and_the_rest_is_checked(tmp_path: Path, content: bytes) -> None:
    root = _copy(tmp_path)
    (root / NVIDIA / "performance/result_summary.json").write_bytes(content)
    report = _audit(root)
    rows = {r.path.rsplit("/", 3)[-3]: r for r in report.results}
    assert "IEP001" in _codes(report, NVIDIA) or content.startswith(b'{"a"')
    assert not [f for f in report.findings if f.code == "INT001"]
    assert rows["B200-SXM-180GBx8_TRT"].value == pytest.approx(69.41536196217709)  # the other result is still checked


def test_an_oversized_results_file_and_a_link_are_findings(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    target = root / NVIDIA / "performance/result_summary.json"
    with open(target, "r+b") as handle:
        handle.truncate(60 << 20)  # sparse: 60 MB, over the 50 MB limit
    link = root / LAMBDA / "performance/run_1/results.json"
    link.unlink()
    os.symlink(target, link)
    report = _audit(root)
    messages = [f.message for f in report.findings if f.code == "IEP001"]
    assert any("larger than" in m for m in messages)
    assert not [f for f in report.findings if f.code == "INT001"]


def test_an_endpoints_tree_is_detected_as_inference_6_1() -> None:
    from tests.support.cli import run_cli

    result = run_cli("check", str(TREE), "--format", "json", "--no-config")
    report = json.loads(result.out)
    assert (report["suite"], report["round"], report["round_source"]) == ("inference", "6.1", "detected")
    assert any("Endpoints result files" in note for note in report["notes"])


def test_the_bundled_example_passes_with_its_command_and_shows_the_endpoints_findings() -> None:
    """examples/endpoints/README.md: the command it gives, with suite and round detected."""
    from tests.support.cli import run_cli

    result = run_cli("check", "examples/endpoints", "--ignore", "IMS001,IMS003,ITR006", "--format", "json")
    report = json.loads(result.out)
    assert result.code == 0 and report["passed"] is True
    assert (report["suite"], report["round"]) == ("inference", "6.1")
    assert {f["code"] for f in report["findings"]} == {"IEP002", "IEP003", "IEP006"}
    (row,) = report["results"]
    assert row["benchmark"] == "deepseek-r1" and round(row["value"]) == 1175890
    # without the --ignore, what the partial copy lacks is named, not hidden
    whole = json.loads(run_cli("check", "examples/endpoints", "--format", "json").out)
    assert {"IMS001", "IMS003", "ITR006"} <= {f["code"] for f in whole["findings"]}
