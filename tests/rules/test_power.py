"""Power results (inference ``performance/power/``): the metric in every report format, the round
data per round, the bundled example, and hostile power files.

The example (``examples/power``) is a real round 5.1 power result copied from
mlcommons/inference_results_v5.1 (see ``examples/power/README.md``).
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.engine import run_audit
from compliance.options import AuditOptions
from compliance.models.report import InferenceResultRow, Report

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "power"
RESULT = (
    "open/GATEOverflow/results/TRIGKEY_Mini_PC_Ryzen_5_5560-ctuning_cpp_tflite-cpu-tflite_vmaster-default_config/"
    "mobilenet-v1-precision_float-1.0-224/singlestream"
)
PERFORMANCE = f"{RESULT}/performance"
# The published value (summary_results.json of inference_results_v5.1, Power_Result / Power_Units).
PUBLISHED_MJ = 329.1075441106


def _check(root: Path, round_name: str = "5.1") -> Report:
    return run_audit([str(root)], AuditOptions(suite="inference", round=round_name))


def _row(report: Report) -> InferenceResultRow:
    (row,) = report.results
    assert isinstance(row, InferenceResultRow)
    return row


@pytest.fixture(scope="module")
def example_report() -> Report:
    return _check(EXAMPLE)


def test_the_power_metric_is_the_published_one(example_report: Report) -> None:
    row = _row(example_report)
    assert row.power_unit == "millijoules"
    assert row.power_value == pytest.approx(PUBLISHED_MJ, rel=1e-12)
    assert row.passed  # warnings only: the Power WG checker passed it too


def test_the_power_metric_is_in_every_format(example_report: Report) -> None:
    shown = "329.108"  # as people read it
    for name in ("text", "markdown", "html"):
        text = importlib.import_module(f"compliance.reporters.{name}").render(example_report)
        assert f"power {shown} millijoules" in text, name
    data = json.loads(importlib.import_module("compliance.reporters.json").render(example_report))
    (row,) = data["results"]
    assert row["power_unit"] == "millijoules" and row["power_value"] == pytest.approx(PUBLISHED_MJ, rel=1e-12)
    csv_text = importlib.import_module("compliance.reporters.csv").render(example_report)
    header, line = csv_text.splitlines()[:2]
    columns = dict(zip(header.split(","), line.split(",")))
    assert float(columns["power_value"]) == pytest.approx(PUBLISHED_MJ, rel=1e-12) and columns["power_unit"] == "millijoules"


def test_the_example_reports_what_the_power_wg_checker_stops_before(example_report: Report) -> None:
    codes = {f.code: f for f in example_report.findings if f.code.startswith("IPW")}
    assert set(codes) == {"IPW013", "IPW016", "IPW017", "IPW018"}
    assert "543 uncertainty warnings" in codes["IPW017"].message
    assert all(not f.blocking for f in codes.values())


def test_the_round_decides_the_workflow_release(tmp_path: Path) -> None:
    """The same result checked as 4.1: PTDaemon 1.11.1 and the 2025 sources are not 4.1's, and the
    4.1 checker wants the initial amps range back in the third SR,A command (5.0 on: third or fourth)."""
    report = _check(EXAMPLE, "4.1")
    errors = {f.code for f in report.findings if f.blocking and f.code.startswith("IPW")}
    assert errors == {"IPW003", "IPW004", "IPW005"}
    assert any("1.10.0" in f.message for f in report.findings if f.code == "IPW004")


def test_the_example_command_of_the_readme() -> None:
    command = [sys.executable, "-m", "compliance", "check", "examples/power", "--suite", "inference", "--round", "5.1", "--no-config"]
    assert "mlperf-audit check examples/power --suite inference --round 5.1" in (REPO / "README.md").read_text(encoding="utf-8")
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "power 329.108 millijoules" in done.stdout


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(EXAMPLE, root)
    return root


HOSTILE: dict[str, Callable[[bytes], bytes]] = {
    "truncated": lambda data: data[: len(data) // 3],
    "utf16": lambda data: data.decode("utf-8", "replace").encode("utf-16"),
    "binary": lambda data: bytes(range(256)) * 64,
    "huge line": lambda data: b"Time," + b"9" * (3 << 20) + b"\n" + data,
    "deep json": lambda data: b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("target", ["power/client.json", "power/server.json", "power/ptd_logs.txt", "power/client.log", "run_1/spl.txt", "ranging/spl.txt"])
def test_hostile_power_files_are_findings(tmp_path: Path, name: str, target: str) -> None:
    root = _copy(tmp_path)
    path = root / PERFORMANCE / target
    path.write_bytes(HOSTILE[name](path.read_bytes()))
    report = _check(root)
    assert not report.internal_errors, [f.message for f in report.internal_errors]
    row = _row(report)
    assert row.value is not None  # the performance result is still read and checked
    # a session file that cannot be read is IPW002; any other file no longer has its recorded sha1
    expected = "IPW002" if target.endswith(".json") else "IPW007"
    assert any(f.code == expected and f.blocking for f in report.findings)


def test_a_link_and_an_oversized_session_file(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    power = root / PERFORMANCE / "power"
    outside = tmp_path / "elsewhere.json"
    shutil.copyfile(power / "server.json", outside)
    (power / "server.json").unlink()
    os.symlink(outside, power / "server.json")
    with open(power / "client.json", "ab") as handle:
        handle.truncate(9 << 20)  # past the 8 MiB a session file may have
    report = _check(root)
    assert not report.internal_errors
    unreadable = [f for f in report.findings if f.code in ("IPW001", "IPW002")]
    assert any("client.json" in f.location.path for f in unreadable)
    assert any("server.json" in f.location.path for f in unreadable)
    assert _row(report).value is not None


def test_the_sample_limit_is_named(tmp_path: Path) -> None:
    from compliance import limits

    root = _copy(tmp_path)
    saved = limits.state()
    try:
        limits.configure({"power-samples": 100})
        report = _check(root)
    finally:
        limits.restore(saved)
    stopped = [f for f in report.findings if f.code == "IPW002" and "power-samples" in f.message]
    assert stopped and not report.internal_errors


def test_a_power_result_is_found_without_suite_or_round() -> None:
    """Power is part of the inference tree: the suite and the round are detected, and a part of the
    tree (the result's performance/ folder) is checked in its context, power rules included."""
    part = EXAMPLE / PERFORMANCE
    done = subprocess.run([sys.executable, "-m", "compliance", "check", str(part), "--format", "json", "--no-config"], cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["suite"], data["round"]) == ("inference", "5.1")
    assert {f["code"] for f in data["findings"]} >= {"IPW016", "IPW017"}
    (row,) = data["results"]
    assert row["power_value"] == pytest.approx(PUBLISHED_MJ, rel=1e-12)
