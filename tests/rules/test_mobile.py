"""MLPerf Mobile: the result file in each generation of the app, detection without flags, the
results rows in every format, hostile input, and the bundled example."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from compliance.engine import AuditOptions, run_audit
from compliance.models.report import InferenceResultRow
from compliance.parsers.mobile import accuracy_from_text, read_result_file
from compliance.reporters import renderer

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "mobile"
TREE = FIXTURES / "mobile_results_v5.0"
SYSTEM = "closed/Qualcomm_Innovation_Center/results/SD8Elite"
# The fixture and the example leave the accuracy runs out (9 MB of accuracy logs): MOB015 says so;
# the published system description has a trailing comma: MOB017 says so.
NO_ACCURACY_LOGS = ["MOB015", "MOB017"]


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "submission"
    shutil.copytree(TREE, target)
    return target


def test_the_2_0_apps_records_are_paired_into_benchmarks() -> None:
    path = FIXTURES / "records-2.0" / "results.json"
    result = read_result_file(str(path), "results.json")
    assert result.shape == "records"
    by_id = {e.benchmark_id: e for e in result.entries}
    assert len(by_id) == 6
    ic = by_id["IC_tpu_uint8"]
    assert ic.throughput == pytest.approx(2058.0452) and ic.min_duration_s == 60.0 and ic.min_samples == 1024
    assert ic.accuracy_text == "75.92%" and accuracy_from_text(ic.accuracy_text) == pytest.approx(0.7592)
    assert accuracy_from_text(by_id["LU_gpu_float32"].accuracy_text, 100) == pytest.approx(0.939833)


def test_the_extended_result_reads_loadgen_verdicts() -> None:
    result = read_result_file(str(TREE / SYSTEM / "result.json"), "result.json")
    assert result.shape == "extended" and result.app_version == "4.1.0" and result.soc == "SM8750"
    sd = next(e for e in result.entries if e.benchmark_id == "stable_diffusion")
    assert sd.query_count == 85 and sd.min_query_met is False and sd.valid is True


def test_detected_without_flags_and_rows_in_every_format(tmp_path: Path) -> None:
    report = run_audit([str(TREE)], AuditOptions(ignore=NO_ACCURACY_LOGS))
    assert report.suite == "mobile" and report.round == "5.0" and report.round_source == "detected"
    rows = [r for r in report.results if isinstance(r, InferenceResultRow)]
    assert len(rows) == 7 and all(r.passed for r in rows)
    ic = next(r for r in rows if r.benchmark == "image_classification_v2")
    assert ic.value == pytest.approx(1277.104956316625) and ic.unit == "queries/s" and ic.system == "SD8Elite"
    od = next(r for r in rows if r.benchmark == "object_detection")
    assert od.accuracy is not None and ">= 0.2708" in od.accuracy
    data = json.loads(renderer("json")(report))
    assert {r["benchmark"] for r in data["results"]} >= {"object_detection", "stable_diffusion"}
    csv_text = renderer("csv")(report)
    assert "object_detection" in csv_text and "1277.1" in csv_text
    for name in ("html", "markdown", "text"):
        shown = renderer(name)(report, width=240) if name == "text" else renderer(name)(report)
        assert "object_detection" in shown and "super_resolution" in shown, name


def test_a_system_folder_and_a_result_file_are_checked_alone() -> None:
    system = run_audit([str(TREE / SYSTEM)], AuditOptions(ignore=NO_ACCURACY_LOGS))
    assert system.suite == "mobile" and len(system.results) == 7 and system.passed
    single = run_audit([str(TREE / SYSTEM / "result.json")], AuditOptions())
    assert single.suite == "mobile" and len(single.results) == 7


def test_inference_and_training_inputs_are_not_claimed() -> None:
    from compliance.kinds.mobile import _looks_mobile

    for other in ("corpus", "inference_tree", "inference"):
        assert not _looks_mobile(str(ROOT / "tests" / "fixtures" / other))


def test_the_example_passes_but_for_the_accuracy_runs_it_leaves_out() -> None:
    whole = run_audit([str(ROOT / "examples" / "mobile")], AuditOptions())
    assert {f.code for f in whole.findings if f.blocking} == {"MOB015", "MOB017"}
    report = run_audit([str(ROOT / "examples" / "mobile")], AuditOptions(ignore=NO_ACCURACY_LOGS))
    assert report.passed and report.round == "5.0" and len(report.results) == 7


HOSTILE = {
    "truncated": lambda raw: raw[: len(raw) // 2],
    "latin-1": lambda raw: raw.replace(b'"OnePlus"', b'"OneP\xe9lus"'),
    "binary": lambda raw: os.urandom(4096),
    "deep": lambda raw: b"[" * 100_000 + b"]" * 100_000,
    "huge line": lambda raw: b'{"results": [], "x": "' + b"a" * (17 << 20) + b'"}',
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_a_hostile_result_file_is_a_finding_and_the_rest_is_checked(tmp_path: Path, kind: str) -> None:
    root = _copy(tmp_path)
    other = root / "closed/Qualcomm_Innovation_Center/results/SD8Elite_copy"
    shutil.copytree(root / SYSTEM, other)
    path = other / "result.json"
    path.write_bytes(HOSTILE[kind](path.read_bytes()))
    report = run_audit([str(root)], AuditOptions(suite="mobile", round="5.0", ignore=NO_ACCURACY_LOGS))
    assert not report.internal_errors
    good = [r for r in report.results if r.path.split("/")[-2] == "SD8Elite"]
    assert len(good) == 7 and all(r.passed for r in good)
    codes = {f.code for f in report.findings if "SD8Elite_copy" in f.location.path}
    if kind == "latin-1":
        assert codes & {"MOB001", "MOB002"}
    else:
        assert "MOB001" in codes


def test_a_link_is_not_followed(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    outside = tmp_path / "outside.json"
    shutil.copyfile(root / SYSTEM / "result.json", outside)
    (root / SYSTEM / "result.json").unlink()
    (root / SYSTEM / "result.json").symlink_to(outside)
    report = run_audit([str(root)], AuditOptions(suite="mobile", round="5.0", ignore=NO_ACCURACY_LOGS))
    assert not report.internal_errors and not report.passed
    assert any(f.code == "MOB001" and "link" in f.message for f in report.findings)


def test_nothing_is_written_into_the_checked_tree(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    before = sorted((p, p.stat().st_mtime_ns) for p in root.rglob("*"))
    run_audit([str(root)], AuditOptions())
    assert sorted((p, p.stat().st_mtime_ns) for p in root.rglob("*")) == before


# round: (results, systems without a result file): docs/fidelity.md, "Mobile"
PUBLISHED = {"2.0": (12, 0), "2.1": (15, 0), "3.0": (12, 2), "3.1": (18, 0), "4.0": (31, 1), "4.1": (13, 1), "5.0": (20, 0)}


@pytest.mark.slow
@pytest.mark.parametrize("round_name", sorted(PUBLISHED))
def test_published_rounds_agree(tmp_path: Path, round_name: str) -> None:
    root = Path(f"/tmp/fid/mobile-{round_name}")
    if not root.is_dir():
        pytest.skip(f"{root} is not materialised")
    import importlib.util

    spec = importlib.util.spec_from_file_location("mobile_fidelity", ROOT / "bench" / "fidelity" / "mobile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    summary = module.compare(root, round_name, tmp_path)
    results, systems = PUBLISHED[round_name]
    assert summary["round"] == round_name and summary["round_source"] == "detected"
    assert summary["results"] == summary["published_in_reference"] == results
    assert summary["values_agree"] == summary["accuracies_agree"] == summary["verdicts_agree"] == results
    assert len(summary["systems_without_result_file"]) == systems


def test_an_archive_is_checked_like_its_folder(tmp_path: Path) -> None:
    import tarfile

    archive = tmp_path / "mobile.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(TREE / "closed", arcname="closed")
    report = run_audit([str(archive)], AuditOptions(ignore=NO_ACCURACY_LOGS))
    assert report.suite == "mobile" and report.round == "5.0" and len(report.results) == 7 and report.passed
    assert all(r.path.startswith(str(archive) + "!") for r in report.results)


def test_a_fifo_and_a_name_that_is_not_utf8_are_never_opened_nor_printed_raw(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    results = root / "closed/Qualcomm_Innovation_Center/results"
    os.mkfifo(results / "SD8Elite" / "results.json")  # a pipe where a result file could be
    odd = os.path.join(os.fsencode(results), b"SD\xff")
    os.makedirs(odd)
    shutil.copyfile(results / "SD8Elite" / "result.json", os.path.join(odd, b"result.json"))
    report = run_audit([str(root)], AuditOptions(suite="mobile", round="5.0", ignore=NO_ACCURACY_LOGS))
    assert not report.internal_errors
    assert any("SD\\xff" in r.path for r in report.results)
    text = renderer("text")(report, width=240)
    text.encode("utf-8")  # every name shown is valid UTF-8 (escaped)
    assert len([r for r in report.results if r.path.split("/")[-2] == "SD8Elite"]) == 7


def test_a_binary_detail_log_is_a_finding_and_the_result_file_still_speaks(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / SYSTEM / "object_detection-performance" / "mlperf_log_detail.txt").write_bytes(os.urandom(8192))
    report = run_audit([str(root)], AuditOptions(suite="mobile", round="5.0", ignore=NO_ACCURACY_LOGS))
    assert not report.internal_errors
    assert any(f.code == "MOB010" and "cannot be read" in f.message for f in report.findings)
    od = next(r for r in report.results if r.benchmark == "object_detection")
    assert od.value is not None and not od.passed


def test_a_waiver_names_a_benchmark_as_the_submission_does(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.toml"
    waivers.write_text(
        '[[waiver]]\ncode = "MOB015"\nsubject = "closed/Qualcomm_Innovation_Center/results/SD8Elite/*"\n'
        'reason = "accuracy runs kept out of the fixture"\napprover = "Mobile WG"\n'
    )
    report = run_audit([str(TREE)], AuditOptions(waivers=str(waivers), ignore=["MOB017"]))
    waived = [f for f in report.findings if f.code == "MOB015"]
    assert waived and all(f.waived_by for f in waived) and report.passed
    assert all(r.passed for r in report.results)


def test_mutated_result_files_never_break_the_check(tmp_path: Path) -> None:
    """Every field of the file, of a result, of its runs and LoadGen block, and of the device,
    given a hostile value in turn: no traceback, a JSON report."""
    import copy

    base = json.loads((TREE / SYSTEM / "result.json").read_text())
    hostile: list[object] = [None, True, -1, 1e308, float("nan"), "x" * 1000, [], {}, [[[[]]]], "Infinity", 10**30]
    first = base["results"][0]
    tables: list[tuple[str, ...]] = [(), ("results", "0"), ("results", "0", "performance_run"),
                                     ("results", "0", "performance_run", "loadgen"), ("results", "0", "accuracy_run"),
                                     ("environment_info",), ("environment_info", "value", "android"), ("build_info",)]
    assert first["performance_run"]["loadgen"] is not None

    def at(data: object, path: tuple[str, ...]) -> object:
        for name in path:
            data = data[int(name)] if isinstance(data, list) else data[name]  # type: ignore[index]
        return data

    root = _copy(tmp_path)
    count = 0
    for path in tables:  # one system folder per mutation, all checked at once
        for key in list(at(base, path)):  # type: ignore[call-overload]
            data = copy.deepcopy(base)
            at(data, path)[key] = hostile[count % len(hostile)]  # type: ignore[index]
            system = root / f"{SYSTEM}_{count}"
            shutil.copytree(root / SYSTEM, system)
            (system / "result.json").write_text(json.dumps(data, allow_nan=True))
            count += 1
    report = run_audit([str(root)], AuditOptions(suite="mobile", round="5.0"))
    assert count > 40 and not report.internal_errors, [f.message for f in report.internal_errors]
    assert len({f.subject for f in report.findings}) > count  # each mutated system was read
    json.loads(renderer("json")(report))
