"""The command line as a user meets it: exit codes, output formats, round names."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest

from tests.support.cli import PYTHON, python_env, run_cli
from tests.support.paths import ROOT
from tests.support.logedit import FIXTURES, apply_edits, base_text

GOOD = str(FIXTURES / "corpus/training/v5.1/AMD/MI355X_EPYC_9575F_pytorch/llama31_8b/result_0.txt")
SSD = str(FIXTURES / "corpus/training/v4.1/NVIDIA/eos_ngc24.09_pytorch/ssd/result_0.txt")
SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text())


def test_a_passing_log_exits_0_with_a_verdict_line() -> None:
    result = run_cli("check", GOOD, "--suite", "training", "--round", "5.1")
    assert result.code == 0, result.out
    assert "== " + GOOD in result.out and "  PASS: 0 errors, 0 warnings" in result.out
    assert "PASSED: 1 of 1 file pass" in result.out


@pytest.mark.parametrize("round_name", ["5.1", "v5.1", "5.1.0"])
def test_round_spellings(round_name: str) -> None:
    result = run_cli("check", GOOD, "--round", round_name, "--format", "json")
    report = json.loads(result.out)
    assert result.code == 0 and report["round"] == "5.1" and report["round_source"] == "given"


def test_failing_log_text_output_names_line_code_seen_required_fix(write_log) -> None:
    path = write_log(apply_edits(base_text("v5.1_llama31_8b"), [{"set": {"key": "opt_adamw_epsilon", "value": 1e-8}}]))
    result = run_cli("check", str(path), "--suite", "training", "--round", "5.1", "--color", "never")
    assert result.code == 1
    lines = result.out.splitlines()
    line = next(each for each in lines if "HP001" in each)
    # the file heads its findings, printed once; each finding: line N: severity CODE message
    assert re.match(r"^  line \d+: error HP001 ", line), line
    assert lines[lines.index(line) - 1].startswith(f"== {path}")
    assert sum(str(path) in each for each in lines) == 1
    text = result.out
    assert "seen:" in text and "required:" in text and "fix:" in text
    assert "  FAIL: 1 error" in text and "FAILED: 0 of 1 file pass" in text


def test_json_report_validates_and_has_the_documented_fields(write_log) -> None:
    bad = write_log(apply_edits(base_text("v4.1_ssd"), [{"delete": {"key": "run_stop"}}]))
    result = run_cli("check", SSD, str(bad), "--suite", "training", "--round", "4.1", "--format", "json")
    assert result.code == 1
    report = json.loads(result.out)
    jsonschema.validate(report, SCHEMA)
    assert report["passed"] is False and report["suite"] == "training" and report["round"] == "4.1"
    assert report["tool"]["name"] == "mlperf-audit" and report["tool"]["version"]
    assert [(s["path"], s["passed"]) for s in report["subjects"]] == [(SSD, True), (str(bad), False)]
    finding = report["findings"][0]
    for field in ("code", "name", "severity", "message", "location", "subject", "evidence", "fix"):
        assert field in finding
    assert finding["location"]["path"] == str(bad) and finding["subject"] == str(bad)


def test_without_round_the_round_is_detected_and_the_header_names_the_evidence() -> None:
    result = run_cli("check", GOOD, "--format", "json")
    report = json.loads(result.out)
    # a real v5.1 log: its benchmark exists from 5.1, and it was run before the 5.1 deadline
    assert report["round"] == "5.1" and report["round_source"] == "detected"
    assert report["suite_source"] == "detected"
    assert any(line.startswith("benchmarks: llama31_8b") for line in report["round_evidence"])
    assert any(line.startswith("log dates: 1 log, dated 2025-10-0") for line in report["round_evidence"])
    assert any(note.startswith("Round 5.1 detected from") for note in report["notes"])
    assert result.code == 0


def test_suite_is_detected_from_the_benchmark() -> None:
    hpc = str(FIXTURES / "corpus/hpc/v3.0/TACC/lonestar6-pytorch/strong/openfold/result_1.txt")
    report = json.loads(run_cli("check", hpc, "--round", "3.0", "--format", "json").out)
    assert report["suite"] == "hpc" and report["passed"]


def test_usage_errors_exit_2(tmp_path: Path, write_log) -> None:
    assert run_cli("check", str(tmp_path / "missing.txt")).code == 2
    assert run_cli("check", str(tmp_path)).code == 2  # empty folder
    prose = write_log("just some stdout\nno records here\n")
    result = run_cli("check", str(prose))
    assert result.code == 2 and "nothing to check" in result.err
    assert run_cli("check", GOOD, "--round", "banana").code == 2
    assert run_cli("check", GOOD, "--round", "9.9", "--suite", "training").code == 2
    assert run_cli("check", GOOD, "--suite", "inference").code == 2
    assert run_cli("check", GOOD, "--select", "NOPE").code == 2
    assert run_cli("check").code == 2
    assert run_cli().code == 2


def test_folder_of_results(tmp_path: Path) -> None:
    folder = tmp_path / "llama31_8b"
    folder.mkdir()
    for i in range(2):
        (folder / f"result_{i}.txt").write_text(base_text("v5.1_llama31_8b"))
    (folder / "notes.md").write_text("not a log")
    report = json.loads(run_cli("check", str(tmp_path), "--round", "5.1", "--format", "json").out)
    assert [Path(s["path"]).name for s in report["subjects"]] == ["result_0.txt", "result_1.txt"]


def test_select_and_ignore(write_log) -> None:
    path = write_log(apply_edits(base_text("v5.1_llama31_8b"), [{"duplicate": {"key": "run_start"}}, {"delete": {"key": "seed"}}]))

    def codes(*extra: str) -> set[str]:
        return {f["code"] for f in json.loads(run_cli("check", str(path), "--round", "5.1", "--format", "json", *extra).out)["findings"]}

    assert codes() == {"SEQ005", "SEED001"}
    assert codes("--select", "SEQ") == {"SEQ005"}
    assert codes("--ignore", "SEQ005,SEED") == set()
    assert run_cli("check", str(path), "--round", "5.1", "--ignore", "SEQ005,SEED").code == 0


def test_output_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = run_cli("check", GOOD, "--round", "5.1", "--format", "json", "--output", str(out))
    assert result.code == 0 and result.out == ""
    assert json.loads(out.read_text())["passed"] is True


def test_rules_lists_every_rule_and_rule_prints_its_docs() -> None:
    from compliance.registry import RULES, load_all

    load_all()
    listing = run_cli("rules")
    assert listing.code == 0
    for code, rule in RULES.items():
        assert any(line.startswith(code) and rule.name in line for line in listing.out.splitlines())
    doc = run_cli("rule", "seq005")
    assert doc.code == 0
    for heading in ("What it checks", "Why it matters", "Example", "How to fix", "Rule reference"):
        assert heading in doc.out
    assert "timing-event-repeated" in doc.out and "Differs from the official checker" in doc.out
    assert run_cli("rule", "XYZ999").code == 2


def test_schema_command_prints_the_committed_schema() -> None:
    assert json.loads(run_cli("schema", "report").out) == SCHEMA


def test_python_dash_m_and_console_script_behave_the_same() -> None:
    proc = subprocess.run([PYTHON, "-m", "compliance", "check", GOOD, "--round", "5.1"], capture_output=True, text=True, env=python_env(), cwd=ROOT)
    assert proc.returncode == 0 and "PASSED" in proc.stdout
    proc = subprocess.run([PYTHON, "-m", "compliance", "check", "/nonexistent/result_0.txt"], capture_output=True, text=True, env=python_env())
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_installed_console_script(tmp_path: Path) -> None:
    import shutil
    import sys

    script = Path(sys.executable).parent / "mlperf-audit"
    if not script.exists():
        script = Path(shutil.which("mlperf-audit") or "")
    if not script.is_file():
        pytest.skip("mlperf-audit is not installed in this environment")
    proc = subprocess.run([str(script), "check", GOOD, "--suite", "training", "--round", "5.1"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0 and "PASSED" in proc.stdout
    assert list(tmp_path.iterdir()) == []
