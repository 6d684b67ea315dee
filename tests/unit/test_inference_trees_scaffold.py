"""Tests of the inference tree scaffolding (tests/support/inference_trees.py), not of the audit.

The corpus tests skip when ../shared/corpus is absent; the built-tree tests skip without
mlcommons-loadgen. All LoadGen runs are made once, side by side, for the whole module.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from compliance.engine import AuditOptions, run_audit
from tests.support.paths import CORPUS, corpus_or_skip
from tests.support.inference_trees import (
    CHECKER_VERDICTS,
    GAP_CODE,
    GAP_COMPLIANCE_DETAIL,
    GAP_RGAT,
    GAP_SIZE,
    GAP_UNKNOWN,
    SYSTEM_DESC_REQUIRED_FIELDS,
    RunKey,
    TreeRuns,
    add_bom,
    build_inference_tree,
    copy_case,
    corrupt_detail_line,
    drop_scenario,
    drop_system_json,
    lowercase_scenario,
    manifest_rows,
    needed_runs,
    parse_checker_log,
    rebuild_inference_trees,
    remove_file,
    result_dir,
    set_compliance_verdict,
    verify_test01_performance,
    verify_test04_performance,
    tree_runs,
)

EDGE = {"resnet50": ["SingleStream", "MultiStream", "Offline"]}
LLM = {"llama2-70b-99": ["Offline", "Server", "Interactive"]}
OFFLINE = {"resnet50": ["Offline"]}
FULL_CASES = {  # corpus README: cases with full compliance detail logs
    ("v5.1", "Intel", "whisper", "Offline"),
    ("v5.1", "Lenovo", "resnet50", "MultiStream"),
    ("v4.1", "Cisco", "resnet50", "Server"),
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def verify_performance_pattern(reference: str, test: str) -> str:
    """A verify_performance.txt as the compliance scripts write it."""
    score = r" score = [\d.]+\n"
    return rf"Verifying performance\.\n{reference}{score}{test}{score}TEST (PASS|FAIL)\n"


# ---------------------------------------------------------------------------
# Corpus trees


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory):
    corpus_or_skip()
    return rebuild_inference_trees(tmp_path_factory.mktemp("rebuilt"))


def test_rebuild_puts_every_file_at_its_repo_path_unchanged(rebuilt) -> None:
    root = rebuilt[0].root.parent
    rows = [
        r
        for r in manifest_rows(CORPUS)
        if r["local_path"].startswith(("inference/v4.1/", "inference/v5.1/"))
    ]
    checked = 0
    for row in rows:
        target = root / row["round"] / row["path_in_repo"]
        if row["kind"] == "official_submission_checker_log":
            assert not target.exists()
            continue
        assert sha256(target) == row["sha256"], row["path_in_repo"]
        assert target.stat().st_ino != (CORPUS / row["local_path"]).stat().st_ino  # a copy
        checked += 1
    assert checked == len(rows) - 4


def test_rebuild_describes_every_scenario_result(rebuilt) -> None:
    by_round = {r: [c for c in rebuilt if c.round == r] for r in ("v4.1", "v5.1")}
    assert (len(by_round["v4.1"]), len(by_round["v5.1"])) == (12, 14)
    lenovo = next(
        c for c in rebuilt if (c.round, c.org, c.model) == ("v5.1", "Lenovo", "3d-unet-99")
    )
    assert (
        lenovo.result_path
        == "closed/Lenovo/results/SE100_RTX2000E_Ada_16GBx1_TRT/3d-unet-99/SingleStream"
    )
    assert (
        lenovo.root.name == "v5.1"
        and lenovo.results_dir.is_dir()
        and lenovo.measurements_dir.is_dir()
    )
    assert (lenovo.compliance_dir / "TEST01" / "verify_accuracy.txt").is_file()
    assert {c.scenario for c in rebuilt if c.org in ("UntetherAI", "Krai", "GATEOverflow")} == {
        "offline",
        "singlestream",
    }
    assert {c.division for c in rebuilt} == {"closed", "open"}
    for case in rebuilt:
        assert case.system_json.is_file()
        assert case.system_json.relative_to(case.root).as_posix() in case.files
        assert all((case.root / f).is_file() for f in case.files)
        assert f"{case.result_path}/performance/run_1/mlperf_log_summary.txt" in case.files


def test_absent_files_are_all_collection_gaps(rebuilt) -> None:
    assert {
        (c.round, c.org, c.model, c.scenario) for c in rebuilt if c.full_compliance
    } == FULL_CASES
    for case in rebuilt:
        assert GAP_UNKNOWN not in case.absent.values(), case.absent
        assert case.absent[f"{case.division}/{case.org}/code/{case.model}/"] == GAP_CODE
        assert not any(p in case.files for p in case.absent)
        compliance_details = {p for p, why in case.absent.items() if why == GAP_COMPLIANCE_DETAIL}
        assert all(
            "/compliance/" in p and p.endswith("run_1/mlperf_log_detail.txt")
            for p in compliance_details
        )
        if case.full_compliance:
            assert not compliance_details
    rgat = next(c for c in rebuilt if c.model == "rgat")
    assert sorted(p.split("/", 5)[5] for p, why in rgat.absent.items() if why == GAP_RGAT) == [
        "Offline/TEST01/performance/run_1/mlperf_log_detail.txt",
        "Offline/accuracy/mlperf_log_detail.txt",
        "Offline/performance/run_1/mlperf_log_detail.txt",
    ]
    sized = {(c.org, c.model) for c in rebuilt if GAP_SIZE in c.absent.values()}
    assert sized == {("Dell", "retinanet"), ("Cisco", "dlrm-v2-99.9")}


def test_rebuild_keeps_chosen_orgs_and_links_without_touching_the_corpus(tmp_path: Path) -> None:
    corpus_or_skip()
    cases = rebuild_inference_trees(tmp_path, rounds=("v5.1",), orgs=["Lenovo"], link=True)
    assert {(c.org, c.model) for c in cases} == {
        ("Lenovo", "3d-unet-99"),
        ("Lenovo", "resnet50"),
        ("Lenovo", "retinanet"),
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v5.1"]
    detail = cases[0].results_dir / "performance/run_1/mlperf_log_detail.txt"
    row = next(
        r
        for r in manifest_rows(CORPUS)
        if r["path_in_repo"] == detail.relative_to(cases[0].root).as_posix()
    )
    assert detail.stat().st_ino == (CORPUS / row["local_path"]).stat().st_ino  # a hard link
    add_bom(detail)
    corrupt_detail_line(detail)
    assert detail.read_bytes().startswith(b"\xef\xbb\xbf")
    assert sha256(CORPUS / row["local_path"]) == row["sha256"]


def test_copy_case_renames_the_system(rebuilt, tmp_path: Path) -> None:
    case = next(
        c for c in rebuilt if (c.round, c.model) == ("v5.1", "resnet50") and c.division == "closed"
    )
    copy = copy_case(case, tmp_path, "SE100_copy7")
    assert (
        copy.system == "SE100_copy7"
        and copy.root == tmp_path
        and len(copy.files) == len(case.files)
    )
    assert copy.system_json.read_bytes() == case.system_json.read_bytes()
    assert (copy.measurements_dir / "SE100_copy7_MultiStream.json").is_file()
    assert (copy.compliance_dir / "TEST04" / "verify_performance.txt").is_file()
    assert set(copy.absent.values()) == set(case.absent.values())
    assert not any(case.system in f for f in copy.files)


def test_official_checker_logs_parse() -> None:
    logs = sorted(corpus_or_skip().glob("inference/*/*submission_checker*log.txt"))
    assert len(logs) == 6
    for log in logs:
        parsed = parse_checker_log(log)
        assert parsed["summary"] in CHECKER_VERDICTS and parsed["passed"] is True
        assert len(parsed["results"]) == parsed["counts"]["Results"] and not parsed["no_results"]
        assert not parsed["errors"]
    dell = parse_checker_log(CORPUS / "inference/v5.1/closed_Dell__submission_checker_log.txt")
    prefix = "closed/Dell/results/XE7745_H200_NVL_141GBx8_TRT/llama3.1-8b/"
    assert dell["results"] == {
        prefix + "Interactive": 32212.9,
        prefix + "Offline": 48147.3,
        prefix + "Server": 38680.2,
    }
    assert dell["counts"]["Closed Results"] == 3 and dell["counts"]["Systems"] == 1
    google = parse_checker_log(CORPUS / "inference/v4.1/closed_Google__submission_checker_log.txt")
    assert (
        google["results"]["closed/Google/results/tpu_v5e_x4_flax/stable-diffusion-xl/server"]
        == 1.54554
    )


def test_checker_log_with_errors(tmp_path: Path) -> None:
    log = tmp_path / "submission_checker_log.txt"
    log.write_text(
        "[2025-08-01 03:29:57,282 submission_checker.py:1 ERROR] closed/X/results/s/resnet50/Offline has loadgen errors\n"
        "[2025-08-01 03:29:57,283 submission_checker.py:2 WARNING] accuracy not met\n"
        "[2025-08-01 03:29:57,284 submission_checker.py:3 ERROR] NoResults closed/X/results/s/resnet50/Offline\n"
        "[2025-08-01 03:29:57,285 submission_checker.py:4 INFO] Results closed/X/results/s/resnet50/Server 12.5\n"
        "[2025-08-01 03:29:57,286 submission_checker.py:5 INFO] Results=1, NoResults=1, Power Results=0\n"
        "\n"
        "[2025-08-01 03:29:57,287 submission_checker.py:6 ERROR] SUMMARY: submission has errors\n"
    )
    parsed = parse_checker_log(log)
    assert parsed["results"] == {"closed/X/results/s/resnet50/Server": 12.5}
    assert parsed["no_results"] == ["closed/X/results/s/resnet50/Offline"]
    assert parsed["warnings"] == ["accuracy not met"] and len(parsed["errors"]) == 3
    assert parsed["counts"] == {"Results": 1, "NoResults": 1, "Power Results": 0}
    assert parsed["summary"] == "submission has errors" and parsed["passed"] is False


# ---------------------------------------------------------------------------
# Trees built from real LoadGen runs


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> TreeRuns:
    pytest.importorskip(
        "mlperf_loadgen", reason="mlcommons-loadgen (a test dependency) is not installed"
    )
    made = tree_runs(tmp_path_factory)
    # one batch, side by side
    made.ensure(needed_runs(EDGE) | needed_runs(LLM) | needed_runs(OFFLINE, "4.1"))
    return made


@pytest.fixture(scope="module")
def edge_tree(runs: TreeRuns, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_inference_tree(tmp_path_factory.mktemp("edge"), results=EDGE, runs=runs)


def tree_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_built_tree_has_the_v5_layout(edge_tree: Path) -> None:
    org = "closed/ACME"
    expected = {f"{org}/systems/sysA.json", f"{org}/code/resnet50/README.md"}
    for scenario in EDGE["resnet50"]:
        res = f"{org}/results/sysA/resnet50/{scenario}"
        comp = f"{org}/compliance/sysA/resnet50/{scenario}"
        meas = f"{org}/measurements/sysA/resnet50/{scenario}"
        expected |= {
            f"{res}/performance/run_1/mlperf_log_{n}"
            for n in ("summary.txt", "detail.txt", "accuracy.json")
        }
        expected |= {
            f"{res}/accuracy/{n}"
            for n in (
                "accuracy.txt",
                "mlperf_log_accuracy.json",
                "mlperf_log_detail.txt",
                "mlperf_log_summary.txt",
            )
        }
        for test in ("TEST01", "TEST04"):
            expected |= {
                f"{comp}/{test}/verify_performance.txt",
                f"{comp}/{test}/performance/run_1/mlperf_log_summary.txt",
            }
            expected.add(f"{comp}/{test}/performance/run_1/mlperf_log_detail.txt")
        expected |= {f"{comp}/TEST01/verify_accuracy.txt", f"{comp}/TEST01/accuracy/accuracy.txt"}
        expected.add(f"{comp}/TEST01/accuracy/mlperf_log_accuracy.json")
        expected |= {
            f"{meas}/{n}"
            for n in (
                f"sysA_{scenario}.json",
                "README.md",
                "user.conf",
                "mlperf.conf",
                "calibration.md",
            )
        }
    assert tree_files(edge_tree) == expected


def test_built_logs_are_the_loadgen_runs(edge_tree: Path, runs: TreeRuns) -> None:
    for scenario in EDGE["resnet50"]:
        res = result_dir(edge_tree, "resnet50", scenario)
        comp = edge_tree / f"closed/ACME/compliance/sysA/resnet50/{scenario}"
        pairs = [
            (res / "performance/run_1", runs[RunKey(scenario, "performance")]),
            (res / "accuracy", runs[RunKey(scenario, "accuracy")]),
            (comp / "TEST01/performance/run_1", runs[RunKey(scenario, "TEST01")]),
            (comp / "TEST04/performance/run_1", runs[RunKey(scenario, "TEST04")]),
        ]
        for copied, run in pairs:
            for name in ("mlperf_log_detail.txt", "mlperf_log_summary.txt"):
                assert (copied / name).read_bytes() == (run / name).read_bytes()
        assert (
            b"Found Audit Config file"
            in (comp / "TEST04/performance/run_1/mlperf_log_detail.txt").read_bytes()
        )
        assert (
            b"Found Audit Config file"
            not in (res / "performance/run_1/mlperf_log_detail.txt").read_bytes()
        )


def test_accuracy_folders_as_the_truncation_tool_leaves_them(
    edge_tree: Path, runs: TreeRuns, tmp_path: Path
) -> None:
    accuracy = result_dir(edge_tree, "resnet50", "Offline") / "accuracy"
    untruncated = runs[RunKey("Offline", "accuracy")] / "mlperf_log_accuracy.json"
    truncated = (accuracy / "mlperf_log_accuracy.json").read_text()
    assert len(truncated) == 8199 and "\n\n...\n\n" in truncated
    assert untruncated.read_text().startswith(
        truncated[:4096]
    ) and untruncated.read_text().endswith(truncated[-4096:])
    assert (
        accuracy / "accuracy.txt"
    ).read_text() == f"accuracy=76.456%, good=38228, total=50000\n\nhash={sha256(untruncated)}\n"
    test01 = edge_tree / "closed/ACME/compliance/sysA/resnet50/Offline/TEST01/accuracy"
    assert re.fullmatch(r"\nhash=[0-9a-f]{64}\n", (test01 / "accuracy.txt").read_text())
    older = build_inference_tree(tmp_path, round="4.1", results=OFFLINE, runs=runs)
    assert (
        (result_dir(older, "resnet50", "Offline") / "accuracy/accuracy.txt")
        .read_text()
        .endswith(f"total=50000\nhash={sha256(untruncated)}\n")
    )


def test_rounds_before_5_have_test05_and_summary_scores(runs: TreeRuns, tmp_path: Path) -> None:
    root = build_inference_tree(tmp_path, round="v4.1", results=OFFLINE, runs=runs)
    comp = root / "closed/ACME/compliance/sysA/resnet50/Offline"
    assert sorted(p.name for p in comp.iterdir()) == ["TEST01", "TEST04", "TEST05"]
    summary = runs[RunKey("Offline", "performance")] / "mlperf_log_summary.txt"
    printed = next(
        line for line in summary.read_text().splitlines() if line.startswith("Samples per")
    )
    for test in ("TEST01", "TEST04", "TEST05"):
        text = (comp / test / "verify_performance.txt").read_text()
        assert text.startswith(
            f"Verifying performance.\nreference score = {printed.split(': ')[1]}\n"
        )
        assert re.fullmatch(verify_performance_pattern("reference", "test"), text)
    detail = (comp / "TEST05/performance/run_1/mlperf_log_detail.txt").read_text()
    assert "Found Audit Config file" in detail and '"effective_qsl_rng_seed", "value": 0' in detail
    mlperf_conf = (root / "closed/ACME/measurements/sysA/resnet50/Offline/mlperf.conf").read_text()
    assert "*.*.qsl_rng_seed = 3066443479025735752" in mlperf_conf


def test_verify_files_follow_the_official_scripts(edge_tree: Path, runs: TreeRuns) -> None:
    for scenario in EDGE["resnet50"]:
        comp = edge_tree / f"closed/ACME/compliance/sysA/resnet50/{scenario}"
        accuracy = (comp / "TEST01/verify_accuracy.txt").read_text()
        assert accuracy.startswith("Verifying accuracy. This might take a while...\n")
        assert (
            "num_acc_log_entries = 256\n" in accuracy
            and "num_perf_log_data_mismatch = 0\n" in accuracy
        )
        assert accuracy.endswith("num_missing_qsl_idxs = 0\nTEST PASS\n\n")
        test01 = (comp / "TEST01/verify_performance.txt").read_text()
        assert re.fullmatch(verify_performance_pattern("Reference", "Test"), test01)
        test04 = (comp / "TEST04/verify_performance.txt").read_text()
        assert re.fullmatch(verify_performance_pattern("reference", "test"), test04)
        reference = runs[RunKey(scenario, "performance")]
        assert (
            test01
            == verify_test01_performance(reference, runs[RunKey(scenario, "TEST01")], scenario)[0]
        )
        assert (
            test04
            == verify_test04_performance(reference, runs[RunKey(scenario, "TEST04")], scenario)[0]
        )
        assert (
            verify_test04_performance(reference, reference, scenario)[1]
            and verify_test01_performance(reference, reference, scenario)[1]
        )
        if (
            scenario != "MultiStream"
        ):  # see inference_trees: MultiStream scores are the slowest query
            assert test01.endswith("TEST PASS\n") and test04.endswith("TEST PASS\n")


def test_system_description_and_measurements(edge_tree: Path) -> None:
    system = json.loads((edge_tree / "closed/ACME/systems/sysA.json").read_text())
    assert sorted(system) == sorted(SYSTEM_DESC_REQUIRED_FIELDS) and len(system) == 35
    assert all(value not in ("", None) for value in system.values())
    assert (system["division"], system["submitter"], system["system_type"], system["status"]) == (
        "closed",
        "ACME",
        "edge",
        "available",
    )
    for scenario in EDGE["resnet50"]:
        meas = edge_tree / f"closed/ACME/measurements/sysA/resnet50/{scenario}"
        fields = json.loads((meas / f"sysA_{scenario}.json").read_text())
        assert all(
            fields[k]
            for k in (
                "input_data_types",
                "retraining",
                "starting_weights_filename",
                "weight_data_types",
                "weight_transformations",
            )
        )
        assert f"resnet50.{scenario}.min_duration = 1000" in (meas / "user.conf").read_text()
        assert "*.*.qsl_rng_seed = 1780908523862526354" in (meas / "mlperf.conf").read_text()
        assert (meas / "README.md").stat().st_size and (meas / "calibration.md").stat().st_size


def test_v6_layout_keeps_compliance_and_measurements_in_the_result(
    runs: TreeRuns, tmp_path: Path
) -> None:
    description = {
        "division": "closed",
        "submitter": "ACME",
        "note": "the caller's own description",
    }
    root = build_inference_tree(
        tmp_path,
        round="v6.0",
        system="sysB",
        results={"resnet50": ["Offline"]},
        runs=runs,
        system_json=description,
    )
    res = result_dir(root, "resnet50", "Offline")
    assert {p.name for p in res.iterdir()} == {
        "performance",
        "accuracy",
        "TEST01",
        "TEST04",
        "measurements.json",
        "README.md",
        "user.conf",
        "mlperf.conf",
    }
    assert sorted(p.name for p in (root / "closed/ACME").iterdir()) == [
        "documentation",
        "results",
        "src",
        "systems",
    ]
    assert json.loads((root / "closed/ACME/systems/sysB.json").read_text()) == description


def test_llm_tree_has_token_runs_and_test06(runs: TreeRuns, tmp_path: Path) -> None:
    root = build_inference_tree(
        tmp_path, system="sysL", system_type="datacenter", results=LLM, runs=runs
    )
    for scenario in LLM["llama2-70b-99"]:
        comp = root / f"closed/ACME/compliance/sysL/llama2-70b-99/{scenario}"
        assert sorted(p.name for p in comp.iterdir()) == ["TEST06"]
        first = "Skipped" if scenario == "Offline" else "True"
        assert (comp / "TEST06/verify_accuracy.txt").read_text() == (
            f"First token check pass: {first}\nEOS check pass: True\nSample length check pass: True\n"
            "TEST06 verification complete\n"
        )
        detail = (
            result_dir(root, "llama2-70b-99", scenario) / "performance/run_1/mlperf_log_detail.txt"
        ).read_text()
        assert '"requested_use_token_latencies", "value": true' in detail
        accuracy = (
            result_dir(root, "llama2-70b-99", scenario) / "accuracy/accuracy.txt"
        ).read_text()
        assert accuracy.startswith("\nResults\n\n{'rouge1': 44.4542")
    interactive = (
        result_dir(root, "llama2-70b-99", "Interactive") / "performance/run_1/mlperf_log_detail.txt"
    )
    assert (
        interactive.read_bytes()
        == (runs[RunKey("Server", "performance", True)] / "mlperf_log_detail.txt").read_bytes()
    )


def test_runs_are_made_once_and_reused(runs: TreeRuns, tmp_path: Path) -> None:
    started = runs.started
    for name in ("a", "b"):
        build_inference_tree(
            tmp_path / name,
            org="Other",
            results=EDGE,
            runs=runs,
            with_compliance=False,
            measurements=False,
        )
    assert runs.started == started
    assert not list(tmp_path.glob("*/closed/Other/compliance")) and not list(
        tmp_path.glob("*/closed/Other/measurements")
    )


def test_built_runs_fail_round_rules(edge_tree: Path) -> None:
    """What the module text promises: round rules fail (duration, seeds, sample counts)."""
    performance = result_dir(edge_tree, "resnet50", "SingleStream") / "performance/run_1"
    report = run_audit([str(performance)], AuditOptions(suite="inference", round="5.1"))
    assert not report.passed
    assert {"PERF001", "PERF006"} <= {f.code for f in report.findings if f.blocking}


def test_mutators(runs: TreeRuns, tmp_path: Path) -> None:
    root = build_inference_tree(tmp_path, results=EDGE, runs=runs)
    offline = result_dir(root, "resnet50", "Offline")
    removed = remove_file(root, "closed/ACME/results/sysA/resnet50/Offline/accuracy/accuracy.txt")
    assert not removed.exists() and removed.parent == offline / "accuracy"
    detail = corrupt_detail_line(offline / "performance/run_1")
    broken = [line for line in detail.read_text().splitlines() if "result_validity" in line]
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken[0].removeprefix(":::MLLOG "))
    summary = add_bom(offline / "performance/run_1/mlperf_log_summary.txt")
    assert summary.read_bytes().startswith(b"\xef\xbb\xbf=====")
    renamed = lowercase_scenario(root, "resnet50", "MultiStream")
    assert [p.name for p in renamed] == ["multistream"] * 3 and not list(root.rglob("MultiStream"))
    changed = set_compliance_verdict(root, "TEST FAIL", "TEST04")
    assert len(changed) == 3 and all(p.read_text().endswith("TEST FAIL\n") for p in changed)
    assert len(drop_scenario(root, "resnet50", "SingleStream")) == 3 and not list(
        root.rglob("SingleStream")
    )
    assert drop_system_json(root, "sysA") == [root / "closed/ACME/systems/sysA.json"]
    assert not (root / "closed/ACME/systems/sysA.json").exists()
