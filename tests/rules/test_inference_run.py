"""The single-LoadGen-run audit end to end: the inference round data, real LoadGen runs through
the engine, and the hostile cases of issue 4 through the command line.

Every run here was written by LoadGen itself (``tests/support/loadgen_harness.py``, made once per
session and shared with the rule cases); hostile inputs are byte edits of those runs.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from compliance.engine import AuditOptions, UsageError, run_audit
from compliance.models.report import Report
from compliance.rulebook.inference import (
    ModelRules,
    inference_rounds,
    load_inference_rulebook,
    merge_layers,
)
from compliance.rulebook.load import newest_round, round_status
from compliance.rulebook.model import RulebookError
from compliance.records import FrozenInstanceError
from tests.support.cli import run_cli
from tests.support.paths import ROOT
from tests.support.loadgen_harness import CASES as HARNESS_CASES
from tests.support.loadgen_harness import logged_values
from tests.support.logedit import FIXTURES
from tests.rules.test_rule_cases import loadgen_runs

SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
TRAINING_LOG = FIXTURES / "corpus/training/v5.1/AMD/MI355X_EPYC_9575F_pytorch/llama31_8b/result_0.txt"

# Codes for what LoadGen itself requires of a run (any round, any model).
LOADGEN_CODES = {
    "LGL001", "LGL002", "LGL003", "LGL006", "LGL008",
    "LGR001", "LGR002", "LGR004", "AUD001",
    "LAT001", "LAT007", "PERF002", "PERF004", "ACC001",
}
# Codes a short test run cannot meet once a round's bounds apply.
ROUND_CODES = {"PERF001", "PERF003", "PERF005", "PERF006", "LAT002", "LAT003", "LAT004", "LAT005", "LAT006", "ACC002"}

VALID_RUNS = sorted(
    name for name, case in HARNESS_CASES.items()
    if case.expect.get("result_validity") == "VALID" or case.spec.mode == "accuracy"
)
INVALID_RUNS = {
    "singlestream_invalid_early_stopping": "LAT001",
    "server_invalid_latency": "LAT003",
    "offline_invalid_min_duration": "PERF002",
    "singlestream_error_max_duration": "LGR002",
}


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return loadgen_runs(tmp_path_factory)


def audit(path: Path | str, **options: object) -> Report:
    return run_audit([str(path)], AuditOptions(suite="inference", **options))  # type: ignore[arg-type]


def codes(report: Report, severity: str = "error") -> set[str]:
    return {f.code for f in report.findings if f.severity.value == severity and not f.waived_by}


def model_for(name: str) -> str:
    return "llama3.1-8b" if "tokens" in name else "resnet50"


def copy_run(runs: dict[str, Path], name: str, dest: Path) -> Path:
    shutil.copytree(runs[name], dest)
    return dest


# ---------------------------------------------------------------------------
# The round data


def test_inference_rounds_and_the_default_round() -> None:
    assert {"4.1", "5.0", "5.1", "6.0", "6.1"} <= set(inference_rounds())
    assert round_status("inference", "6.1") == "published"  # published (issue 11): the default from now on
    assert round_status("inference", "6.0") == "published"
    assert newest_round("inference") == "6.1"
    assert newest_round("training") == "6.1" and newest_round("hpc") == "3.0"  # no status field: published


@pytest.mark.parametrize("spelling", ["5.1", "v5.1", "V5.1", "5.1.0", " 5.1 "])
def test_round_spellings(spelling: str) -> None:
    assert load_inference_rulebook(spelling).round == "5.1"


@pytest.mark.parametrize("bad", ["five", "7.0", "5"])
def test_unknown_rounds_are_errors(bad: str) -> None:
    with pytest.raises(RulebookError):
        load_inference_rulebook(bad)


@pytest.mark.parametrize("round_name", inference_rounds())
def test_every_round_loads_into_typed_frozen_models(round_name: str) -> None:
    book = load_inference_rulebook(round_name)
    assert book.chain[0] == "4.1" and book.chain[-1] == round_name
    assert book.settings.min_duration is not None and book.settings.min_duration.value == 600_000
    assert book.settings.percentile("SingleStream") == 90 and book.settings.percentile("MultiStream") == 99
    assert set(book.seeds) == {"qsl_rng_seed", "sample_index_rng_seed", "schedule_rng_seed"}
    assert all(0 < seed.value < 1 << 64 for seed in book.seeds.values())
    assert book.models and all(isinstance(m, ModelRules) for m in book.models.values())
    for model in book.models.values():
        for bounds in model.latency.values():
            for amount in (bounds.target_latency, bounds.ttft_p99, bounds.tpot_p99):
                assert amount is None or (amount.unit == "ms" and amount.value and amount.value > 0)
        if model.performance_sample_count is not None:
            assert model.performance_sample_count.value and model.performance_sample_count.value > 0
    with pytest.raises(FrozenInstanceError):
        book.round = "9.9"  # type: ignore[misc]
    with pytest.raises(TypeError):
        book.models["x"] = next(iter(book.models.values()))  # type: ignore[index]


def test_merging_follows_extends_retired_and_drop() -> None:
    v41, v50, v51, v60, v61 = (load_inference_rulebook(r) for r in inference_rounds())
    # retired: gone from the round and every later one, and remembered for hints
    assert "gptj-99" in v50.models and "gptj-99" not in v51.models and v51.is_retired("gptj-99")
    assert "dlrm-v2-99" in v51.models and "dlrm-v2-99" not in v60.models
    assert "llama2-70b-99" in v60.models and "llama2-70b-99" not in v61.models
    # drop = true removes an inherited table (a scenario set, the TEST05 seeds and test)
    assert "datacenter" in v50.models["retinanet"].scenarios
    assert set(v60.models["retinanet"].scenarios) == {"datacenter_edge"}
    assert v41.test05_seeds and not v50.test05_seeds
    assert "TEST05" in v41.compliance and "TEST05" not in v50.compliance
    # tables merge key by key; a round's new seeds replace the old ones; inherited values stay
    assert v51.seeds["qsl_rng_seed"].value == 1780908523862526354
    assert v60.seeds["qsl_rng_seed"].value == 2465351861681999779
    assert v60.models["resnet"].latency["Server"].target_latency.value == 15  # type: ignore[union-attr]
    assert "Interactive" in v51.scenarios and "Interactive" not in v50.scenarios
    # quantities are leaves with per-scenario values
    qwen = v61.models["qwen3-vl-235b-a22b"]
    assert qwen.accuracy_samples("Interactive") == 8000 and qwen.accuracy_samples("Offline") == 48289
    # the rules' value where the checker has a placeholder, the checker's kept beside it
    dlrm = v60.models["dlrm-v3"].latency["Server"].target_latency
    assert dlrm is not None and dlrm.value == 80 and dlrm.checker == 60000
    # status and notes are the round's own, not inherited
    assert v61.status == "published" and v60.status == "published" and v61.published and v61.notes != v60.notes


def test_merge_layers_rules_on_small_tables() -> None:
    retired: set[str] = set()
    parent = {
        "models": {
            "a": {"psc": {"value": 1, "unit": "samples", "source": "x"}, "latency": {"Server": {"t": {"value": 5, "unit": "ms"}}}},
            "b": {"psc": {"value": 2, "unit": "samples"}},
        },
        "disagreements": {"d": {"what": "x", "rules": "1"}},
    }
    child = {
        "models": {
            "a": {"psc": {"value": 3, "unit": "samples"}, "latency": {"Server": {"drop": True}}},
            "b": {"retired": True},
            "c": {"psc": {"value": 4, "unit": "samples"}},
        },
        "disagreements": {"d": {"what": "y"}},
    }
    merged = merge_layers(parent, child, retired)
    assert merged["models"]["a"]["psc"] == {"value": 3, "unit": "samples"}  # a quantity is replaced whole
    assert merged["models"]["a"]["latency"] == {}  # drop removed the inherited table
    assert "b" not in merged["models"] and retired == {"b"}
    assert merged["models"]["c"]["psc"]["value"] == 4
    assert merged["disagreements"]["d"] == {"what": "y"}  # a disagreement is a leaf
    assert parent["models"]["a"]["psc"]["value"] == 1  # inputs unchanged


def test_model_aliases_and_scenario_spellings() -> None:
    v51 = load_inference_rulebook("5.1")
    assert v51.resolve_model("resnet50").name == "resnet"  # type: ignore[union-attr]
    assert v51.resolve_model(" RESNET ").name == "resnet"  # type: ignore[union-attr]
    assert v51.resolve_model("llama3_1-8b").name == "llama3.1-8b"  # type: ignore[union-attr]
    assert v51.resolve_model("bert") is None  # the conf name of two models: ambiguous
    assert v51.resolve_model("gptj-99") is None and v51.resolve_model("") is None
    assert v51.resolve_scenario("offline") == "Offline" and v51.resolve_scenario("interactive") == "Interactive"
    assert load_inference_rulebook("5.0").resolve_scenario("interactive") is None


# ---------------------------------------------------------------------------
# Real LoadGen runs through the engine


@pytest.mark.parametrize("name", VALID_RUNS)
def test_valid_run_passes_with_nothing_or_its_scenario_given(name: str, runs) -> None:
    logged = logged_values(runs[name])
    if HARNESS_CASES[name].spec.mode == "performance":
        assert logged["result_validity"] == "VALID", HARNESS_CASES[name].why
    for given in ({}, {"scenario": HARNESS_CASES[name].spec.scenario}):
        report = audit(runs[name], **given)
        assert report.passed, [(f.code, f.message) for f in report.findings]
        assert not codes(report) and not codes(report, "warning")
        assert report.exit_code() == 0
        (subject,) = report.subjects
        assert subject.kind == "loadgen_run" and subject.records > 0
        assert any("only what LoadGen itself requires" in note for note in report.notes)


@pytest.mark.parametrize("name", VALID_RUNS)
def test_valid_run_with_its_model_fails_only_the_rounds_bounds(name: str, runs) -> None:
    """With the model known, a 1-second test run keeps LoadGen's verdict and meets only the round's rules."""
    scenario = HARNESS_CASES[name].spec.scenario
    report = audit(runs[name], benchmark=model_for(name), scenario=scenario, round="5.1")
    found = codes(report)
    assert not found & LOADGEN_CODES, [(f.code, f.message) for f in report.findings]
    assert found <= ROUND_CODES
    assert found, "a short test run must fail the round's rules"
    if HARNESS_CASES[name].spec.mode == "performance":
        assert {"PERF001", "PERF006", "PERF005"} <= found
    else:
        assert "ACC002" in found
    assert report.subjects[0].benchmark == load_inference_rulebook("5.1").resolve_model(model_for(name)).name  # type: ignore[union-attr]


@pytest.mark.parametrize(("name", "code"), sorted(INVALID_RUNS.items()))
def test_invalid_run_fails_with_the_matching_code(name: str, code: str, runs) -> None:
    assert logged_values(runs[name])["result_validity"] == "INVALID", HARNESS_CASES[name].why
    report = audit(runs[name])
    found = codes(report)
    assert {code, "LGR001"} <= found, [(f.code, f.message) for f in report.findings]
    assert not report.passed and report.exit_code() == 1
    invalid = next(f for f in report.findings if f.code == "LGR001")
    assert invalid.location.line and invalid.location.path.endswith("mlperf_log_detail.txt")
    assert invalid.evidence["required"] == "result_validity VALID"


def test_short_valid_run_fails_the_rounds_duration_and_seeds(runs) -> None:
    report = audit(runs["singlestream_perf"], benchmark="resnet50", scenario="SingleStream", round="v5.1")
    assert report.round == "5.1" and report.round_source == "given"
    by_code = {f.code: f for f in report.findings}
    assert "600 s" in by_code["PERF001"].message
    assert by_code["PERF001"].evidence["required"] == "effective_min_duration_ms >= 600000"
    seeds = [f for f in report.findings if f.code == "PERF006"]
    assert len(seeds) == 3 and any("1780908523862526354" in str(f.evidence["required"]) for f in seeds)
    # The same run with the round's seeds and sample count fails only on duration.
    official = audit(runs["singlestream_official"], benchmark="resnet50", scenario="SingleStream", round="5.1")
    assert codes(official) == {"PERF001"}


def test_round_named_without_a_model_applies_round_wide_rules_only(runs) -> None:
    report = audit(runs["singlestream_perf"], round="5.1")
    assert codes(report) == {"PERF001", "PERF006"}
    assert report.subjects[0].benchmark is None


def test_model_and_scenario_from_the_path(runs, tmp_path: Path) -> None:
    run = copy_run(runs, "offline_perf", tmp_path / "results/sysA/resnet50/offline/performance/run_1")
    report = audit(run, round="5.1")
    assert report.subjects[0].benchmark == "resnet"
    assert any("model resnet (from the path: resnet50)" in n and "scenario Offline (from the path: offline)" in n for n in report.notes)
    assert {"PERF001", "PERF003", "PERF005", "PERF006"} <= codes(report)
    # --benchmark and --scenario win over the path
    given = audit(run, round="5.1", benchmark="3d-unet-99", scenario="Offline")
    assert given.subjects[0].benchmark == "3d-unet-99"
    assert any("model 3d-unet-99 (given)" in n for n in given.notes)


def test_a_folder_of_runs_is_one_subject_per_run(runs, tmp_path: Path) -> None:
    root = tmp_path / "results" / "sysA" / "resnet50"
    copy_run(runs, "offline_perf", root / "Offline/performance/run_1")
    copy_run(runs, "offline_accuracy", root / "Offline/accuracy")
    copy_run(runs, "singlestream_perf", root / "SingleStream/performance/run_1")
    (root / "notes.txt").write_text("not a run")
    report = audit(root, round="5.1")
    paths = sorted(s.path for s in report.subjects)
    assert paths == sorted(str(root / p) for p in ("Offline/accuracy", "Offline/performance/run_1", "SingleStream/performance/run_1"))
    assert all(s.kind == "loadgen_run" and s.benchmark == "resnet" for s in report.subjects)
    assert "ACC002" in {f.code for f in report.findings if f.subject.endswith("accuracy")}


def test_compliance_run_may_carry_its_audit_settings(runs, tmp_path: Path) -> None:
    inside = copy_run(runs, "singlestream_audit_config", tmp_path / "resnet50/SingleStream/TEST04/performance/run_1")
    assert "AUD001" not in codes(audit(inside))
    outside = copy_run(runs, "singlestream_audit_config", tmp_path / "resnet50/SingleStream/performance/run_1")
    report = audit(outside)
    # The audit.config notice and the setting it turned on are one cause: one finding naming both.
    (finding,) = [f for f in report.findings if f.code == "AUD001"]
    assert finding.location.key == "warning_generic_message"
    assert "effective_performance_issue_same" in finding.message


def test_open_division_results_are_not_held_to_model_bounds(runs, tmp_path: Path) -> None:
    closed = copy_run(runs, "server_slow", tmp_path / "closed/ACME/results/sysA/resnet50/Server/performance/run_1")
    opened = copy_run(runs, "server_slow", tmp_path / "open/ACME/results/sysA/resnet50/Server/performance/run_1")
    assert "LAT003" in codes(audit(closed, round="5.1"))
    report = audit(opened, round="5.1")
    assert report.subjects[0].division == "open"
    assert "LAT003" not in codes(report) and "PERF006" in codes(report)


def test_select_ignore_and_waivers_work_for_loadgen_codes(runs, tmp_path: Path) -> None:
    run = runs["offline_invalid_min_duration"]
    assert codes(audit(run, ignore=["LGR", "PERF"])) == set()
    assert codes(audit(run, select=["PERF002"])) == {"PERF002"}
    waivers = tmp_path / "waivers.toml"
    waivers.write_text(
        '[[waiver]]\ncode = "LGR001"\nsubject = "*"\nreason = "known"\napprover = "wg"\n'
        '[[waiver]]\ncode = "PERF002"\nsubject = "*"\nreason = "known"\napprover = "wg"\n'
    )
    report = audit(run, waivers=str(waivers))
    assert report.passed and {f.code for f in report.findings if f.waived_by} == {"LGR001", "PERF002"}


# ---------------------------------------------------------------------------
# Real submissions


LENOVO_MS = FIXTURES / "inference/v5.1/Lenovo/SE100_RTX2000E_Ada_16GBx1_TRT/resnet50/MultiStream/results"


def test_a_real_v51_run_passes_every_rule() -> None:
    report = audit(LENOVO_MS / "performance/run_1", round="5.1")
    assert report.subjects[0].benchmark == "resnet"
    assert report.passed and not report.findings, [(f.code, f.message) for f in report.findings]
    # its accuracy folder was copied without the detail log: a missing-file finding, not a crash
    partial = audit(LENOVO_MS / "accuracy", round="5.1")
    assert [f.code for f in partial.findings] == ["LGL001"] and "missing" in partial.findings[0].message


# Published runs that break a rule the official checker does not enforce (checked by hand):
# Lenovo's v5.1 retinanet Offline "performance" and "accuracy" runs were made with TEST01's
# audit.config (accuracy-log sampling in performance mode), the "accuracy" one in performance mode.
KNOWN_CORPUS_ERRORS = {
    ("v5.1/Lenovo/ThinkSystem_SR650_V4_GNR_86C/retinanet/Offline/results/performance/run_1", "AUD001"),
    ("v5.1/Lenovo/ThinkSystem_SR650_V4_GNR_86C/retinanet/Offline/results/accuracy", "AUD001"),
    ("v5.1/Lenovo/ThinkSystem_SR650_V4_GNR_86C/retinanet/Offline/results/accuracy", "LGR004"),
}


def test_corpus_runs_of_rounds_with_data() -> None:
    from tests.support.paths import corpus_or_skip

    root = corpus_or_skip() / "inference"
    errors = set()
    checked = 0
    for detail in sorted(root.glob("v*/**/mlperf_log_detail.txt")):
        run = detail.parent
        round_name = run.relative_to(root).parts[0]
        if round_name not in ("v4.1", "v5.1"):
            continue  # no round data before 4.1
        report = audit(run, round=round_name)
        checked += 1
        errors |= {(str(run.relative_to(root)), f.code) for f in report.findings if f.blocking}
    assert checked >= 50
    assert errors == KNOWN_CORPUS_ERRORS


# ---------------------------------------------------------------------------
# The hostile cases of issue 4, through the command line


def no_traceback(result) -> None:  # type: ignore[no-untyped-def]
    assert "Traceback" not in result.out + result.err


def test_cli_invalid_offline_run_accepted_by_the_official_checker_fails(runs) -> None:
    result = run_cli("check", str(runs["offline_invalid_min_duration"]), "--suite", "inference", "--color", "never")
    no_traceback(result)
    assert result.code == 1
    assert "LGR001" in result.out and "INVALID" in result.out and "PERF002" in result.out
    # harness runs carry no official seeds and today's date: the round cannot be told, so only
    # what LoadGen itself requires is checked (as with no model known), and the header says so
    assert "round  (unknown)" in result.out and "only what LoadGen itself requires was checked" in " ".join(result.out.split())


def test_cli_loadgen_error_fails(runs) -> None:
    detail = runs["singlestream_error_max_duration"] / "mlperf_log_detail.txt"
    result = run_cli("check", str(detail), "--color", "never")  # a detail log: inference is detected
    no_traceback(result)
    assert result.code == 1 and "LGR002" in result.out and "Max test duration reached" in result.out
    assert "suite inference (detected)" in result.out


def test_cli_corrupt_record_fails_and_names_the_line(runs, tmp_path: Path) -> None:
    run = copy_run(runs, "singlestream_perf", tmp_path / "run_1")
    detail = run / "mlperf_log_detail.txt"
    lines = detail.read_bytes().split(b"\n")
    index = next(i for i, line in enumerate(lines) if b'"key": "effective_schedule_rng_seed"' in line)
    lines[index] = lines[index][: len(lines[index]) // 2]
    detail.write_bytes(b"\n".join(lines))
    result = run_cli("check", str(run), "--suite", "inference", "--color", "never")
    no_traceback(result)
    assert result.code == 1 and f"  mlperf_log_detail.txt:{index + 1}: error LGL002" in result.out  # under the run's heading


@pytest.mark.parametrize(("edit", "code"), [("bom", "LGL004"), ("crlf", "LGL005")])
def test_cli_bom_and_crlf_warn_without_changing_the_verdict(edit: str, code: str, runs, tmp_path: Path) -> None:
    run = copy_run(runs, "offline_perf", tmp_path / "run_1")
    for name in ("mlperf_log_detail.txt", "mlperf_log_summary.txt"):
        data = (run / name).read_bytes()
        (run / name).write_bytes(b"\xef\xbb\xbf" + data if edit == "bom" else data.replace(b"\n", b"\r\n"))
    result = run_cli("check", str(run), "--suite", "inference", "--color", "never", "--format", "json")
    no_traceback(result)
    report = json.loads(result.out)
    assert result.code == 0 and report["passed"]
    assert {f["code"] for f in report["findings"]} == {code}
    assert all(f["severity"] == "warning" for f in report["findings"])


def test_cli_truncated_detail_log_fails(runs, tmp_path: Path) -> None:
    run = copy_run(runs, "offline_perf", tmp_path / "run_1")
    detail = run / "mlperf_log_detail.txt"
    detail.write_bytes(detail.read_bytes()[:-30])
    result = run_cli("check", str(run), "--suite", "inference", "--color", "never")
    no_traceback(result)
    assert result.code == 1 and "LGL003" in result.out


def test_cli_json_report_validates(runs, tmp_path: Path) -> None:
    run = copy_run(runs, "server_perf", tmp_path / "results/sysA/resnet50/Server/performance/run_1")
    result = run_cli("check", str(run), "--suite", "inference", "--round", "5.1", "--format", "json")
    no_traceback(result)
    report = json.loads(result.out)
    jsonschema.validate(report, SCHEMA)
    assert report["suite"] == "inference" and report["round"] == "5.1"
    assert report["subjects"][0]["kind"] == "loadgen_run" and report["subjects"][0]["benchmark"] == "resnet"
    assert result.code == 1 and "LAT002" in {f["code"] for f in report["findings"]}


def test_cli_nothing_to_check_and_usage_errors_exit_2(runs, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    other = tmp_path / "other"
    other.mkdir()
    (other / "README.md").write_text("no runs here")
    run = str(runs["singlestream_perf"])
    cases = [
        (["check", str(empty), "--suite", "inference"], "nothing to check"),
        (["check", str(other), "--suite", "inference"], "nothing to check"),
        (["check", str(TRAINING_LOG), "--suite", "inference"], "no LoadGen log"),
        (["check", run, str(TRAINING_LOG)], "not a LoadGen log"),
        (["check", str(tmp_path / "missing"), "--suite", "inference"], "no such file"),
        (["check", run, "--benchmark", "resnet-9000", "--round", "6.0"], "not a model of inference round 6.0"),
        (["check", run, "--scenario", "Batch", "--round", "6.0"], "not a scenario of inference round 6.0"),
        (["check", run, "--benchmark", "resnet50"], "cannot tell which inference round"),
        (["check", run, "--round", "5.0", "--scenario", "Interactive"], "not a scenario of inference round 5.0"),
        (["check", run, "--suite", "inference", "--round", "3.0"], "no inference round 3.0"),
        (["check", str(TRAINING_LOG), "--suite", "training", "--benchmark", "resnet50"], "--benchmark and --scenario"),
    ]
    for args, words in cases:
        result = run_cli(*args)
        no_traceback(result)
        assert result.code == 2, (args, result.out, result.err)
        assert words in result.err, (args, result.err)


def test_cli_whole_inference_tree_is_checked_as_a_submission(runs, tmp_path: Path) -> None:
    tree = tmp_path / "closed" / "ACME"
    copy_run(runs, "offline_perf", tree / "results/sysA/resnet50/Offline/performance/run_1")
    (tree / "systems").mkdir()
    result = run_cli("check", str(tree), "--suite", "inference", "--round", "6.0", "--format", "json")
    no_traceback(result)
    assert result.code == 1
    report = json.loads(result.out)
    codes = {f["code"] for f in report["findings"]}
    assert {"ISY001", "ITR004"} <= codes  # no system description; no accuracy run
    assert [row["scenario"] for row in report["results"]] == ["Offline"]


def test_engine_usage_errors_are_usage_errors(runs) -> None:
    with pytest.raises(UsageError):
        audit(runs["singlestream_perf"], round="v9.9")
