"""MLPerf Tiny (suite ``tiny``): the reader on real and hostile files, the results rows in every
format, the suite and round found without flags, the exit code, the example, and (slow) the
agreement with the official checker on the published rounds (docs/fidelity.md, "Tiny").

The tree is ``tests/fixtures/tiny/v1.3`` (real files of mlcommons/tiny_results_v1.3, see its
README), copied and changed per test.
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
from compliance.models.report import InferenceResultRow, Report
from compliance.options import UsageError
from compliance.reporters import renderer
from tests.support.cli import run_cli
from tests.support.paths import FIXTURES, ROOT

TINY = FIXTURES / "tiny" / "v1.3"
STM = "closed/STMicroelectronics/results/NUCLEO_U575ZI_Q"
SYN = "closed/syntiant/results/syntiant_9120_0v9_30mhz"


def tiny_copy(tmp_path: Path, name: str = "submission") -> Path:
    root = tmp_path / name
    shutil.copytree(TINY, root)
    return root


def check(root: Path, **options: object) -> Report:
    return run_audit([str(root)], AuditOptions(**options))  # type: ignore[arg-type]


def rows_of(report: Report) -> dict[tuple[str, str], InferenceResultRow]:
    out = {}
    for row in report.results:
        assert isinstance(row, InferenceResultRow)
        out[(row.path.rsplit("/results/", 1)[1], row.scenario)] = row
    return out


# -- reading real files -----------------------------------------------------------------------


def test_real_results_are_read_into_rows_of_each_mode(tmp_path: Path) -> None:
    report = check(tiny_copy(tmp_path))
    rows = rows_of(report)
    assert report.suite == "tiny" and report.round == "1.3" and report.passed
    ic_eembc = rows[("syntiant_9120_0v9_30mhz/ic", "performance")]
    assert (ic_eembc.value, ic_eembc.unit, ic_eembc.metric) == (62.598, "inf./s", "median throughput")
    assert ic_eembc.accuracy == "top-1 86.0 >= 85"
    assert rows[("syntiant_9120_0v9_30mhz/ic", "energy")].value == 101.833
    assert rows[("syntiant_9120_0v9_30mhz/ic", "energy")].unit == "uJ/inf."
    assert rows[("NUCLEO_U575ZI_Q/ic", "performance")].value == 9.133  # MLCommons runner
    assert rows[("NUCLEO_U575ZI_Q/ic", "accuracy")].value == 87.0
    sww = rows[("NUCLEO_U575ZI_Q/sww", "energy")]
    assert (sww.value, sww.unit) == (11.4741, "mW")  # streaming wakeword: the power, not uJ/inf.
    assert sww.accuracy == "TP 44, FN 6, FP 4 (<= 8, <= 8)"
    assert all(row.passed for row in report.results)


def test_the_windows_and_median_are_recomputed_from_the_file(tmp_path: Path) -> None:
    from compliance.parsers.tiny import read_mode

    folder = read_mode("performance", str(TINY / SYN / "ic" / "performance"), "perf")
    assert [w.number for w in folder.windows] == [2, 4, 6, 8, 10]
    assert all(w.met and w.runtime_s and w.runtime_s > 10 for w in folder.windows)
    assert folder.median_throughput is not None and folder.median_throughput.text == "62.598"
    energy = read_mode("energy", str(TINY / SYN / "ic" / "energy"), "energy")
    assert len(energy.windows_of("energy")) == 5 and len(energy.windows_of("performance")) == 5
    assert energy.windows_of("energy")[0].runtime_s == 16.06


def test_a_short_window_fails_the_result_and_only_it(tmp_path: Path) -> None:
    root = tiny_copy(tmp_path)
    path = root / STM / "ic" / "performance" / "results.txt"
    path.write_bytes(path.read_bytes().replace(b"Runtime: 10.949628 sec.", b"Runtime: 1.949628 sec."))
    report = check(root)
    codes = {(f.code, f.subject.rsplit("/results/", 1)[-1]) for f in report.findings if f.blocking}
    assert codes == {("TWN001", "NUCLEO_U575ZI_Q/ic")}
    rows = rows_of(report)
    assert not rows[("NUCLEO_U575ZI_Q/ic", "performance")].passed
    assert rows[("syntiant_9120_0v9_30mhz/ic", "performance")].passed
    assert run_cli("check", str(root), "-q").code == 1  # the official checker exits 0 whatever it finds


def test_exit_code_zero_when_every_result_passes(tmp_path: Path) -> None:
    assert run_cli("check", str(tiny_copy(tmp_path)), "-q").code == 0


# -- hostile input -----------------------------------------------------------------------------


HOSTILE = {
    "truncated": lambda data: data[: len(data) // 3],
    "utf16": lambda data: data.decode("utf-8").encode("utf-16"),
    "binary": lambda data: bytes(range(256)) * 64,
    "huge_line": lambda data: b"Median throughput is " + b"9" * 100_000 + b" inf./sec.\n",
    "empty": lambda data: b"",
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_a_hostile_results_file_is_a_finding_and_the_rest_is_checked(tmp_path: Path, kind: str) -> None:
    root = tiny_copy(tmp_path)
    path = root / SYN / "ic" / "performance" / "results.txt"
    path.write_bytes(HOSTILE[kind](path.read_bytes()))
    report = check(root)
    assert not report.internal_errors
    mine = [f for f in report.findings if f.blocking and f.subject.endswith(SYN + "/ic")]
    assert mine and {f.code for f in mine} <= {"TRS002", "TRS003", "TWN002"}
    rows = rows_of(report)
    assert not rows[("syntiant_9120_0v9_30mhz/ic", "performance")].passed
    assert rows[("NUCLEO_U575ZI_Q/ic", "performance")].passed  # the other results are still checked


def test_oversized_files_a_link_and_deep_json_are_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from compliance.parsers import tiny as parser

    root = tiny_copy(tmp_path)
    (root / STM / "ic" / "performance" / "results.txt").write_text("0803.211010 ulp-mlperf: Median throughput is 9.133 inf./sec.\n")
    (root / STM / "ic" / "performance" / "results.json").write_text("[" * 100_000 + "]" * 100_000)  # windows come from here now
    energy = root / SYN / "ic" / "energy" / "results.txt"
    energy.unlink()
    energy.symlink_to("../performance/results.txt")
    monkeypatch.setattr(parser, "MAX_SYSTEM_BYTES", 100)
    report = check(root)
    assert not report.internal_errors
    got = {(f.code, f.location.path.rsplit("/results/", 1)[-1]) for f in report.findings if f.blocking}
    assert ("TRS003", "NUCLEO_U575ZI_Q/ic/performance/results.json") in got
    assert ("TRS003", "syntiant_9120_0v9_30mhz/ic/energy/results.txt") in got
    assert ("TLY007", "syntiant_9120_0v9_30mhz/ic/energy/results.txt") in got
    assert {f.code for f in report.findings if f.code == "TSY002"}  # descriptions over the bound
    assert rows_of(report)[("NUCLEO_U575ZI_Q/ic", "performance")].value == 9.133


def test_nothing_is_written_into_the_checked_tree(tmp_path: Path) -> None:
    root = tiny_copy(tmp_path)
    before = sorted((p.relative_to(root), p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*"))
    run_cli("check", str(root), "--format", "json")
    assert sorted((p.relative_to(root), p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")) == before


# -- the results rows in every format ----------------------------------------------------------


def test_rows_in_json_csv_html_markdown_and_text(tmp_path: Path) -> None:
    report = check(tiny_copy(tmp_path))
    data = json.loads(renderer("json")(report))
    assert {(r["benchmark"], r["scenario"], r["value"], r["unit"]) for r in data["results"]} >= {
        ("ic", "performance", 62.598, "inf./s"),
        ("ic", "energy", 101.833, "uJ/inf."),
        ("sww", "energy", 11.4741, "mW"),
    }
    table = list(csv.DictReader(io.StringIO(renderer("csv")(report))))
    assert any(r.get("scenario") == "energy" and r.get("value") == "101.833" for r in table), table[:2]
    html = renderer("html")(report)
    markdown = renderer("markdown")(report)
    text = renderer("text")(report)
    for shown in (html, markdown, text):
        assert "62.598" in shown and "101.833" in shown and "11.4741" in shown, shown[:400]


def test_the_json_report_follows_its_schema(tmp_path: Path) -> None:
    import jsonschema

    report = check(tiny_copy(tmp_path))
    schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(renderer("json")(report)), schema)


# -- suite and round without flags -------------------------------------------------------------


def test_suite_and_round_are_detected(tmp_path: Path) -> None:
    report = check(tiny_copy(tmp_path))
    assert (report.suite_source, report.round_source) == ("detected", "detected")
    assert any("Suite tiny detected" in n for n in report.notes)
    assert any("benchmarks: ic, sww" in line for line in report.round_evidence)


def test_an_ambiguous_round_asks_for_round(tmp_path: Path) -> None:
    root = tiny_copy(tmp_path)
    shutil.rmtree(root / "closed" / "STMicroelectronics")  # EEMBC ic only: any round up to 1.3
    for log in root.rglob("log.txt"):
        log.unlink()  # and no runner session's date
    with pytest.raises(UsageError, match="fits 0.5, 0.7, 1.0, 1.1, 1.2 and 1.3"):
        check(root)
    assert check(root, round="1.2").round == "1.2"


def test_the_newest_runner_session_prefers_its_round(tmp_path: Path) -> None:
    root = tiny_copy(tmp_path)
    shutil.rmtree(root / "closed" / "STMicroelectronics")
    # syntiant's ic sessions are of September 2022 (published again in 1.3): alone, they point to 1.0
    report = check(root)
    assert report.round == "1.0" and any("runner sessions, newest 2022-09" in line for line in report.round_evidence)


def test_the_repository_name_tells_the_round(tmp_path: Path) -> None:
    root = tiny_copy(tmp_path, "tiny_results_v1.2")
    shutil.rmtree(root / "closed" / "STMicroelectronics")
    report = check(root)
    assert report.round == "1.2" and any("tiny_results_v1.2" in line for line in report.round_evidence)


def test_a_folder_below_the_submission_is_checked_in_its_context(tmp_path: Path) -> None:
    root = tiny_copy(tmp_path)
    report = run_audit([str(root / SYN / "ic")], AuditOptions())
    assert {r.benchmark for r in report.results} == {"ic"} and {r.org for r in report.results} == {"syntiant"}


@pytest.mark.parametrize("tree", ["inference_tree/v5.1", "corpus"])
def test_other_suites_inputs_are_not_claimed(tree: str) -> None:
    from compliance import kinds

    assert kinds.claim([str(FIXTURES / tree)], AuditOptions()) is None


# -- the example -------------------------------------------------------------------------------


def test_the_bundled_example_runs_as_the_readme_says() -> None:
    example = ROOT / "examples" / "tiny"
    result = run_cli("check", str(example / "tiny_results_v1.3"))
    assert result.code == 1, result.out[-2000:]  # a real published result with windows under 10 s
    assert "TWN001" in result.out and "Round 1.3 detected" in result.out
    assert "mlperf-audit check examples/tiny/tiny_results_v1.3" in (ROOT / "README.md").read_text(encoding="utf-8")


# -- fidelity (slow) ---------------------------------------------------------------------------

# round: (checker, results, same verdict, differences, value differences), as docs/fidelity.md says
AGREEMENT = {
    "1.0": ("d3f7e57", 60, 55, 5, 0),
    "1.1": ("d3f7e57", 111, 103, 8, 0),
    "1.2": ("d3f7e57", 73, 68, 5, 0),
    "1.3": ("head", 43, 38, 5, 5),
}


@pytest.mark.slow
@pytest.mark.parametrize("round_name", sorted(AGREEMENT))
def test_agreement_with_the_official_checker(round_name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    repository = Path(f"/tmp/fid/tiny-{round_name}")
    if not repository.is_dir():
        pytest.skip(f"{repository} is not materialised (bench/fidelity/materialise.py)")
    sys.path.insert(0, str(ROOT / "bench" / "fidelity"))
    import tiny as harness  # bench/fidelity/tiny.py

    checker, results, same, differences, values = AGREEMENT[round_name]
    official = FIXTURES / "tiny" / "official" / f"tiny-{round_name}-official.tsv"
    harness.main([str(repository), "--round", round_name, "--official", str(official), "--checker", checker, "--out", str(tmp_path)])
    line = capsys.readouterr().out.splitlines()[0]
    assert line == f"tiny {round_name}: {results} results, {same} same verdict, {differences} differences, {values} value differences"


def test_a_pipe_an_oversized_file_and_a_bad_name_are_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from compliance.parsers import tiny as parser

    root = tiny_copy(tmp_path)
    pipe = root / SYN / "ic" / "accuracy" / "results.txt"
    pipe.unlink()
    os.mkfifo(pipe)  # never opened: a read would block forever
    with open(os.path.join(os.fsencode(root / SYN / "ic" / "performance"), b"bad\xffname.txt"), "wb") as handle:
        handle.write(b"x")
    monkeypatch.setattr(parser, "MAX_RESULTS_BYTES", 2000)  # the EEMBC energy results.txt is 2,969 bytes, the others under 2,000
    report = check(root)
    assert not report.internal_errors
    problems = {f.location.path.rsplit("/results/", 1)[-1]: f.message for f in report.findings if f.code == "TRS003"}
    assert "a named pipe" in problems["syntiant_9120_0v9_30mhz/ic/accuracy/results.txt"]
    assert "larger than 2,000 bytes" in problems["syntiant_9120_0v9_30mhz/ic/energy/results.txt"]
    assert rows_of(report)[("NUCLEO_U575ZI_Q/ic", "performance")].passed


def test_an_archive_of_a_tiny_tree_is_checked_like_the_folder(tmp_path: Path) -> None:
    import tarfile

    root = tiny_copy(tmp_path)
    archive = tmp_path / "tiny.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(root / "closed", arcname="closed")
    from_archive, from_folder = check(archive), check(root)
    assert (from_archive.suite, from_archive.round) == ("tiny", "1.3")
    assert [(r.benchmark, r.scenario, r.value, r.passed) for r in from_archive.results] == [
        (r.benchmark, r.scenario, r.value, r.passed) for r in from_folder.results
    ]


def test_a_rule_that_raises_is_one_internal_error_and_the_rest_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from compliance import registry
    from compliance.registry import CHECKERS, Checker

    def crash(ctx: object) -> object:
        raise ZeroDivisionError("a rule's bug")

    registry.load_all("tiny")
    patched = [Checker(c.subject, c.codes, crash) if "TWN003" in c.codes else c for c in CHECKERS]  # type: ignore[arg-type]
    monkeypatch.setattr(registry, "CHECKERS", patched)
    root = tiny_copy(tmp_path)
    report = check(root)
    assert len(report.internal_errors) == 3 and report.exit_code() == 2  # one per result
    assert any(f.code == "TLY002" for f in report.findings)  # the other rules still ran


def test_folders_past_the_walk_depth_are_a_limit_finding(tmp_path: Path) -> None:
    root = tiny_copy(tmp_path)
    deep = (root / "closed" / "syntiant" / "code").joinpath(*["d"] * 40)  # past the 32 levels of every walk
    deep.mkdir(parents=True)
    (deep / "file.txt").write_text("deep")
    report = check(root)
    assert any(f.code == "LIM001" and "deeper than the walk goes" in f.message for f in report.findings)
    rows = rows_of(report)
    assert not rows[("syntiant_9120_0v9_30mhz/ic", "performance")].passed  # its organisation was not read whole
    assert rows[("NUCLEO_U575ZI_Q/ic", "performance")].passed


def test_a_waiver_keeps_a_finding_in_the_report_and_passes_the_result(tmp_path: Path) -> None:
    root = tiny_copy(tmp_path)
    path = root / STM / "ic" / "performance" / "results.txt"
    path.write_bytes(path.read_bytes().replace(b"Runtime: 10.949628 sec.", b"Runtime: 9.949628 sec."))
    waivers = tmp_path / "waivers.toml"
    waivers.write_text(
        '[[waiver]]\ncode = "TWN001"\nsubject = "*NUCLEO_U575ZI_Q/ic"\nreason = "timer drift accepted at review"\napprover = "Tiny WG"\n'
    )
    report = check(root, waivers=str(waivers))
    waived = [f for f in report.findings if f.code == "TWN001"]
    assert waived and all(f.waived_by for f in waived) and report.passed
    assert rows_of(report)[("NUCLEO_U575ZI_Q/ic", "performance")].passed


# -- property: mutated real results files never make the reader raise ---------------------------


def _mutations() -> object:
    from hypothesis import strategies as st

    sources = sorted(p for p in TINY.rglob("results.txt"))
    return st.tuples(
        st.sampled_from(sources),
        st.lists(st.tuples(st.integers(0, 4000), st.sampled_from(["delete", "duplicate", "flip", "insert"]), st.binary(max_size=40)), max_size=8),
    )


def test_mutated_results_files_never_make_the_reader_raise() -> None:
    from hypothesis import HealthCheck, given, settings

    from compliance.models.tiny import ModeFolder
    from compliance.parsers.tiny import parse_results
    from compliance.rules.tiny.windows import median

    @settings(max_examples=50, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_mutations())
    def run(case: tuple[Path, list[tuple[int, str, bytes]]]) -> None:
        source, edits = case
        lines = source.read_bytes().split(b"\n")
        for at, op, data in edits:
            i = at % (len(lines) or 1)
            if op == "delete" and lines:
                del lines[i]
            elif op == "duplicate" and lines:
                lines.insert(i, lines[i])
            elif op == "flip" and lines and lines[i]:
                lines[i] = lines[i][: at % len(lines[i])] + data + lines[i][at % len(lines[i]) + 1 :]
            else:
                lines.insert(i, data)
        folder = ModeFolder("energy" if "energy" in source.parts else "performance", "m", "m")
        parse_results(b"\n".join(lines).decode("utf-8", errors="replace"), folder)
        values = [w.throughput for w in folder.windows if w.throughput is not None]
        if values:
            median(values)

    run()


def test_suite_tiny_on_a_folder_without_tiny_results_is_a_usage_error() -> None:
    result = run_cli("check", str(FIXTURES / "inference_tree" / "v5.1"), "--suite", "tiny")
    assert result.code == 2 and "nothing to check: no Tiny result" in result.err


# -- round 0.5 (its layout has no results.txt) and the published rounds under a neutral name ---------

TINY_05 = Path(__file__).parents[1] / "fixtures" / "tiny" / "v0.5"


def test_a_05_tree_takes_its_throughput_from_the_runner_log_and_its_round_from_the_session_dates(tmp_path: Path) -> None:
    root = tmp_path / "submission"
    shutil.copytree(TINY_05, root)
    report = check(root)  # no flags, no round in the folder's name
    assert (report.round, report.round_source) == ("0.5", "detected")
    assert any("runner sessions, newest 2021-" in line for line in report.round_evidence)
    rows = rows_of(report)
    performance = rows[("dividiti-closed-pcl-scepu02/ic", "performance")]
    assert performance.value is not None and round(performance.value, 3) == 0.807  # 10 inferences in 12.396 s, five times
    assert performance.passed and rows[("dividiti-closed-pcl-scepu02/ic", "accuracy")].passed  # as the round's layout files them
    codes = {f.code for f in report.findings}
    assert "TRS001" not in codes and "TSY001" not in codes and {"TRS004", "TSY004"} <= codes


@pytest.mark.parametrize("round_name", ["0.5", "0.7", "1.0", "1.1", "1.2", "1.3"])
def test_a_published_round_under_a_neutral_name_is_detected_from_its_files(tmp_path: Path, round_name: str) -> None:
    published = Path(os.environ.get("MLPERF_AUDIT_RESULTS_REPOS", "/tmp/fid")) / f"tiny-{round_name}"
    if not published.is_dir():
        pytest.skip(f"{published} is not here (materialise it with bench/fidelity/materialise.py)")
    root = tmp_path / "repository"
    shutil.copytree(published, root, copy_function=os.link, symlinks=True)
    report = check(root)
    assert (report.round, report.round_source) == (round_name, "detected")
    assert len(report.results) > 30  # the whole repository was read
    assert not any(line.startswith("repository name") and "folder" in line for line in report.round_evidence)
