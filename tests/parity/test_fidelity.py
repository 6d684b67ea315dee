"""Faults found by running mlperf-audit over whole published Training and HPC rounds
(bench/fidelity/training.py, docs/fidelity.md), one test per class, and a test per round
over the committed table of expected verdicts and scores.

The fixtures are real files cut from the results repositories (origins in
tests/fixtures/fidelity/README.md); the round tests need the materialised
repositories under /tmp/fid/<suite>-<round> (or $MLPERF_AUDIT_FIDELITY_ROOT) and
skip without them; a round takes a few seconds.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from compliance.engine import AuditOptions, run_audit
from tests.support.logedit import FIXTURES, apply_edits
from tests.support.treebuild import fixture_tree, throughput_tree

B = "closed/AMD/results/MI355X_EPYC_9575F_pytorch/llama31_8b"
FIDELITY = FIXTURES / "fidelity"
ROUNDS = [("training", "4.1"), ("training", "5.0"), ("training", "5.1"), ("hpc", "3.0")]


def _audit(root: Path, suite: str = "training", round_name: str = "5.1"):  # noqa: ANN202
    return run_audit([str(root)], AuditOptions(suite=suite, round=round_name))


def _edit(path: Path, edits: list) -> None:
    path.write_text(apply_edits(path.read_text(), edits))


def _official(tool: str, folder: Path, suite: str, ruleset: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", f"mlperf_logging.{tool}", folder.name, suite, ruleset, *extra],
        cwd=folder.parent, capture_output=True, text=True, timeout=300, check=True,
    )


def _summary_rows(csv_path: Path) -> list[dict[str, str]]:
    """The summarizer appends tables with their own header to one CSV."""
    rows: list[dict[str, str]] = []
    for section in csv_path.read_text().split("division,")[1:]:
        rows += list(csv.DictReader(("division," + section).splitlines()))
    return rows


# -- the layout -------------------------------------------------------------------------------


def test_timestamped_result_logs_are_checked_as_runs(tmp_path: Path) -> None:
    # training_results_v4.1 Lambda: result_240928162719380693721_01.txt ... _10.txt; the official
    # tools read every result_*.txt
    root = fixture_tree(tmp_path / "sub")
    for i, log in enumerate(sorted((root / B).glob("result_*.txt"), key=lambda p: int(p.stem.split("_")[1]))):
        log.rename(log.with_name(f"result_240928162719380693721_{i + 1:02d}.txt"))
    report = _audit(root)
    (row,) = report.results
    assert row.passed and row.runs == 10 and row.score_minutes is not None
    assert not [f for f in report.findings if f.code.startswith("STR")]


def test_files_no_rule_forbids_are_not_findings_and_each_entry_is_screened_once(tmp_path: Path) -> None:
    # training_results_v5.1: empty __init__.py under benchmarks/, an empty LICENSE.md in an
    # organisation folder, a PDF with spaces in its name at the top of the repository
    repo = tmp_path / "repo"
    root = fixture_tree(repo / "sub")
    org = root / "closed" / "AMD"
    (org / "benchmarks/llama31_8b/implementations/pytorch/common").mkdir(parents=True)
    (org / "benchmarks/llama31_8b/implementations/pytorch/common/__init__.py").write_text("")
    (org / "LICENSE.md").write_text("")
    shutil.move(str(org), str(repo / "AMD"))  # the published layout: no division folder
    shutil.rmtree(repo / "sub")
    (repo / "MLPerf Training v5.1 Supplemental Discussion.pdf").write_bytes(b"%PDF-1.4")
    (repo / "AMD" / "notes link").symlink_to("LICENSE.md")
    report = _audit(repo)
    codes = [f.code for f in report.findings if f.severity.value in ("error", "warning")]
    assert codes.count("STR004") == 1 and codes.count("STR003") == 1, codes  # the link, once
    assert all("notes link" in f.location.path for f in report.findings if f.code in ("STR003", "STR004"))
    assert "STR006" not in codes
    assert report.results[0].passed


def test_an_entry_whose_logs_are_all_missing_gets_a_finding(tmp_path: Path) -> None:
    # training_results_v4.1 Clemson llama2_70b_lora as the snapshot has it: only scaling.json
    root = fixture_tree(tmp_path / "sub")
    for log in (root / B).glob("result_*.txt"):
        log.unlink()
    report = _audit(root)
    assert not report.passed and not report.results[0].passed
    assert [f.code for f in report.findings if f.blocking] == ["RUN001"]


# -- scoring never waives what the seed checker needs ---------------------------------------------


def test_a_closed_run_without_a_seed_fails_the_entry_even_when_it_is_the_dropped_run(tmp_path: Path) -> None:
    root = fixture_tree(tmp_path / "sub")
    _edit(root / B / "result_3.txt", [{"delete": {"key": "seed"}}])
    report = _audit(root)
    seedless = [f for f in report.findings if f.code == "SEED001"]
    assert seedless and all(f.blocking for f in seedless)
    assert not report.results[0].passed and not report.passed


def test_a_garbled_record_fails_a_closed_entry_unless_the_seed_checker_is_bypassed(tmp_path: Path) -> None:
    # training_results_v4.1 Lambda: two records written over each other; the official seed
    # checker cannot parse the run ("Seed checker failed ... Found parsing errors") and fails
    # the entry although olympic scoring could drop the run
    garbled = (FIDELITY / "logs" / "v4.1_garbled_record_line.txt").read_text().strip()
    root = fixture_tree(tmp_path / "sub")
    _edit(root / B / "result_3.txt", [{"insert_after": {"key": "init_start", "line": garbled}}])
    report = _audit(root)
    assert [f.code for f in report.findings if f.blocking] == ["LOG001"]
    assert not report.results[0].passed

    (root / B / "package_checker_params").write_text("seed-checker-bypass")
    report = _audit(root)
    assert report.results[0].passed, [f.message for f in report.findings if f.blocking]
    assert any(f.code == "LOG001" and f.waived_by and "olympic" in f.waived_by for f in report.findings)


# -- package_checker_params -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "text"),
    [
        ("closed/AMD", "rcp_bypass\n"),  # hpc_results_v3.0 NVIDIA, HPE+LBNL: the verify script's --rcp_bypass
        (B, "rcp-bypass"),  # training_results_v4.1 GigaComputing: no newline, as the package checker reads it
    ],
    ids=["organisation folder", "benchmark folder"],
)
def test_package_checker_params_bypass_a_failed_rcp_test(where: str, text: str, tmp_path: Path) -> None:
    root = fixture_tree(tmp_path / "sub")
    for log in (root / B).glob("result_*.txt"):
        _edit(log, [{"set_metadata": {"key": "eval_accuracy", "field": "samples_count", "value": 150000}}])
    failing = _audit(root)
    assert any(f.code == "RCP001" and f.blocking for f in failing.findings)
    (root / where / "package_checker_params").write_text(text)
    report = _audit(root)
    (rcp,) = [f for f in report.findings if f.code == "RCP001"]
    assert rcp.waived_by and "package_checker_params" in rcp.waived_by
    assert report.passed and report.results[0].rcp == "fail (bypassed)"
    assert not [f for f in report.findings if f.code in ("WAV001", "STR001", "STR018")]


# -- scores ------------------------------------------------------------------------------------------


def test_an_unscaled_faster_entry_is_normalised_as_the_official_tools_score_it(tmp_path: Path) -> None:
    """No scaling.json: the package checker writes the RCP factor, the summarizer applies it
    (the round's verify script order); mlperf-audit applies it without writing anything."""
    root = fixture_tree(tmp_path / "ours")
    (root / B / "scaling.json").unlink()
    (row,) = _audit(root).results
    assert row.scaling_factor > 1.0 and row.scaling_factor == row.rcp_norm_factor

    official = fixture_tree(tmp_path / "official")
    (official / B / "scaling.json").unlink()
    org = official / "closed" / "AMD"
    _official("package_checker", org, "training", "5.1.0", "--log_output", str(tmp_path / "pc.log"))
    _official("result_summarizer", org, "training", "5.1.0", "--csv", str(tmp_path / "s.csv"))
    (summary,) = _summary_rows(tmp_path / "s.csv")
    assert abs(row.score_minutes - float(summary["llama31_8b"])) < 0.01


def test_throughput_score_is_the_summarizers(tmp_path: Path) -> None:
    """HPC Throughput: no olympic drop, M' models, max(run_stop) - min(run_start), as the
    result summarizer reports them (hpc_results_v3.0 NVIDIA eos_n256 cosmoflow, 12 instances)."""
    report = _audit(throughput_tree(tmp_path / "ours"), "hpc", "3.0")
    (row,) = report.results
    assert row.passed and row.score_minutes is None and row.dropped == 0
    assert not [f for f in report.findings if f.code == "SEQ007" and f.blocking]

    official = throughput_tree(tmp_path / "official")
    _official("result_summarizer", official / "NVIDIA", "hpc", "3.0.0", "--csv", str(tmp_path / "s.csv"))
    (summary,) = [r for r in _summary_rows(tmp_path / "s.csv") if "cosmoflow:time_to_train_all" in r]
    assert row.models == float(summary["cosmoflow:number_of_models"])
    assert row.instance_scale == float(summary["cosmoflow:instance_scale"])
    assert abs(row.time_to_train_all_minutes - float(summary["cosmoflow:time_to_train_all"])) < 0.01
    assert abs(row.throughput - row.models / float(summary["cosmoflow:time_to_train_all"])) < 0.01


def test_failed_throughput_instances_are_not_counted(tmp_path: Path) -> None:
    root = throughput_tree(tmp_path / "sub")
    entry = root / "NVIDIA/results/eos_n256_ngc23.09_pytorch/weak/cosmoflow"
    _edit(entry / "result_4.txt", [{"set_metadata": {"key": "run_stop", "field": "status", "value": "aborted"}}])
    report = _audit(root, "hpc", "3.0")
    (row,) = report.results
    assert row.passed and row.models == 11
    assert any(f.code == "RUN005" for f in report.findings)
    for name in ("result_5.txt", "result_6.txt"):  # 9 left: fewer than cosmoflow's 10
        _edit(entry / name, [{"set_metadata": {"key": "run_stop", "field": "status", "value": "aborted"}}])
    report = _audit(root, "hpc", "3.0")
    assert not report.results[0].passed and report.results[0].throughput is None
    assert any(f.code == "RUN004" and f.blocking for f in report.findings)


# -- the harness's reading of the official output -------------------------------------------------------


def test_the_harness_reads_the_package_checkers_verdicts_per_entry() -> None:
    sys.path.insert(0, str(Path(__file__).parents[2] / "bench" / "fidelity"))
    from training import OfficialOrg, parse_package_checker  # type: ignore[import-not-found]

    # lines as mlperf-logging 4.1.68 wrote them for hpc_results_v3.0 HPE+LBNL (abridged)
    log = "\n".join([
        "INFO -  Checking System Description Files",
        "INFO - ------------------------------",
        "INFO -  Running compliance checks in dir HPE+LBNL/results/perlmutter_10x128x4_ngc21.09_mxnet/weak/cosmoflow",
        "ERROR -  Seed checker failed and found the following errors: Result file HPE+LBNL/results/x/result_1.txt logs no seed.",
        "Result file HPE+LBNL/results/x/result_2.txt logs no seed.",
        "ERROR - Seed checker failed",
        "INFO -  Running compliance checks in dir HPE+LBNL/results/perlmutter_224x4/strong/openfold",
        "INFO - RCP Test Passed: RCP Interpolation passed using rcp_bypass",
        "INFO - PACKAGE CHECKER FOUND ERRORS, LOOK INTO ERROR LOG LINES AND FIX THEM.",
    ])
    result = OfficialOrg()
    parse_package_checker(log, "HPE+LBNL", "hpc", result)
    weak = result.entries[("HPE+LBNL", "perlmutter_10x128x4_ngc21.09_mxnet", "weak", "cosmoflow")]
    strong = result.entries[("HPE+LBNL", "perlmutter_224x4", "strong", "openfold")]
    assert len(weak.pc_errors) == 2 and "result_2.txt" in weak.pc_errors[0]
    assert not strong.pc_errors and strong.pc_rcp.startswith("RCP Test Passed")
    assert result.final.startswith("PACKAGE CHECKER FOUND ERRORS") and not result.org_errors


# -- whole published rounds -----------------------------------------------------------------------------


def _expected(suite: str, round_name: str) -> list[dict[str, str]]:
    with open(FIDELITY / "expected" / f"{suite}-{round_name}.tsv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.mark.parametrize(("suite", "round_name"), ROUNDS, ids=[f"{s}-{r}" for s, r in ROUNDS])
def test_a_whole_published_round_gets_the_expected_verdicts_and_scores(suite: str, round_name: str) -> None:
    root = Path(os.environ.get("MLPERF_AUDIT_FIDELITY_ROOT", "/tmp/fid")) / f"{suite}-{round_name}"
    if not root.is_dir():
        pytest.skip(f"{root} is not materialised (bench/fidelity/materialise.py)")
    report = run_audit([str(root)], AuditOptions(suite=suite, round=round_name))
    ours = {(r.org, r.system, r.scale or "", r.benchmark): r for r in report.results}
    expected = _expected(suite, round_name)
    left_out = {(r["org"], r["system"], r["scale"], r["benchmark"]) for r in expected if r["excluded"]}
    problems = []
    for row in expected:
        key = (row["org"], row["system"], row["scale"], row["benchmark"])
        got = ours.get(key)
        if key in left_out:
            continue  # its logs are absent from the snapshot
        if got is None:
            problems.append(f"{key}: no result row")
            continue
        if ("pass" if got.passed else "fail") != row["ours"]:
            problems.append(f"{key}: {'pass' if got.passed else 'fail'}, expected {row['ours']}")
        for column, value in (("score", got.score_minutes), ("throughput", got.throughput)):
            if row[column] and (value is None or abs(value - float(row[column])) > 0.01):
                problems.append(f"{key}: {column} {value}, expected {row[column]}")
    unexpected = set(ours) - {(r["org"], r["system"], r["scale"], r["benchmark"]) for r in expected}
    assert not problems and not unexpected, "\n".join(problems + [f"{k}: not in the table" for k in sorted(unexpected)])
