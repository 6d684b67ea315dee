"""Amplification and numbers: inputs of a few MB built to cost GBs of memory or minutes of time (issue
13). Each runs ``mlperf-audit check`` in its own process, measured (peak RSS of that process from
``os.wait4``, wall time), and must give its finding with exit code 0 or 1, no traceback, under
1 GB and 20 s. Before the fixes these took up to 4 GB, 69 s, or crashed (exit 2, SIGSEGV)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.cli import PYTHON, python_env
from tests.support.logedit import base_text
from tests.support.treebuild import fixture_tree

MAX_RSS_MB = 1024
MAX_SECONDS = 20
FIXTURE = Path(__file__).parents[1] / "fixtures" / "inference_tree" / "v5.1"
RUNS = FIXTURE / "closed/Intel/results/1-node-2S-GNR_128C/whisper/Offline"
RECORD = ':::MLLOG {"namespace": "", "time_ms": 1759966206549, "event_type": "POINT_IN_TIME", "key": "%s", "value": %s, "metadata": {"file": "x", "lineno": 1}}'
LOADGEN_RECORD = (
    ':::MLLOG {"key": "%s", "value": %s, "time_ms": 1.0, "namespace": "mlperf::logging", "event_type": "POINT_IN_TIME", '
    '"metadata": {"is_error": false, "is_warning": false, "file": "a.cc", "line_no": 1, "pid": 1, "tid": 1}}'
)


@dataclass
class Measured:
    code: int
    report: dict
    err: str
    rss_mb: float
    seconds: float

    def codes(self) -> set[str]:
        return {f["code"] for f in self.report.get("findings", [])}


# A small launcher (python -S, a few MB) starts the check and reports the check's own peak RSS:
# a child forked from this test process would inherit the test process's RSS as its peak.
LAUNCHER = """
import os, sys, time
start = time.monotonic()
pid = os.posix_spawn(sys.executable, [sys.executable, *sys.argv[2:]], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss} {time.monotonic() - start}")
"""


def measure(*args: str, cwd: Path) -> Measured:
    """``python -m compliance check ARGS --format json`` in its own process: its peak RSS and time."""
    figures = cwd / "measured.txt"
    command = [PYTHON, "-S", "-c", LAUNCHER, str(figures), "-m", "compliance", "check", *args, "--no-config", "--format", "json"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        subprocess.run(command, stdout=out, stderr=err, cwd=cwd, env=python_env(), timeout=MAX_SECONDS * 6)
        out.seek(0)
        err.seek(0)
        text, errors = out.read().decode(), err.read().decode()
    code, rss_kb, seconds = figures.read_text().split()
    figures.unlink()
    result = Measured(int(code), json.loads(text) if text.strip() else {}, errors, int(rss_kb) / 1024, float(seconds))
    print(f"{args[0]}: exit {result.code}, {result.rss_mb:.0f} MB, {result.seconds:.2f} s")  # pytest -s shows the figures
    assert result.code in (0, 1), errors
    assert "Traceback" not in errors
    assert result.rss_mb < MAX_RSS_MB, f"peak RSS {result.rss_mb:.0f} MB"
    assert result.seconds < MAX_SECONDS, f"{result.seconds:.1f} s"
    return result


def _log_with(tmp_path: Path, extra: list[str], name: str = "result_0.txt") -> Path:
    lines = base_text("v5.1_llama31_8b").splitlines()
    lines[30:30] = extra
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


# -- records that expand -------------------------------------------------------------------------


def test_an_mllog_record_of_a_million_small_objects_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    wide = "[" + ",".join(["{}"] * 1_300_000) + "]"  # 3.9 MB on disk, about 90 MB as Python objects
    log = _log_with(tmp_path, [RECORD % ("seed", wide)] * 2 + [RECORD % ("eval_accuracy", "[" + ",".join(["[]"] * 9000) + "]")] * 300)
    run = measure(str(log), "--round", "5.1", cwd=tmp_path)
    assert run.code == 1 and "LOG002" in run.codes()
    messages = [f["message"] for f in run.report["findings"] if f["code"] == "LOG002"]
    assert any("objects-per-record" in m for m in messages) and any("values-per-file" in m for m in messages)
    assert run.report["subjects"][0]["records"] > 129  # the rest of the file was read


def test_many_records_with_distinct_values_are_checked_in_linear_time(tmp_path: Path) -> None:
    orgs = [RECORD % ("submission_org", f'"org{i}"') for i in range(60_000)]  # 10 MB: minutes when quadratic
    lists = [RECORD % ("submission_platform", "[" + ",".join(["[]"] * 1000) + f",{i}]") for i in range(1000)]
    run = measure(str(_log_with(tmp_path, orgs + lists)), "--round", "5.1", cwd=tmp_path)
    assert run.code == 1 and "LOG008" in run.codes()
    assert run.seconds < 10


def test_a_detail_log_of_wide_records_is_bounded(tmp_path: Path) -> None:
    run_dir = tmp_path / "run_1"
    shutil.copytree(RUNS / "performance/run_1", run_dir)
    detail = run_dir / "mlperf_log_detail.txt"
    lines = detail.read_text().splitlines()
    wide = "[" + ",".join(["{}"] * 9000) + "]"
    lines[10:10] = [LOADGEN_RECORD % (f"extra_{i}", wide) for i in range(300)]  # 8 MB
    lines[10:10] = [LOADGEN_RECORD % ("wide", "[" + ",".join(["{}"] * 1_000_000) + "]")]
    detail.write_text("\n".join(lines) + "\n")
    run = measure(str(run_dir), "--suite", "inference", "--round", "5.1", "--benchmark", "whisper", cwd=tmp_path)
    assert run.code == 1 and "LGL002" in run.codes()


# -- numbers -------------------------------------------------------------------------------------


def test_a_top_level_array_nested_100k_deep_is_one_finding_and_the_rest_is_checked(tmp_path: Path) -> None:
    lines = [":::MLLOG " + "[" * 100_000 + "]" * 100_000, RECORD % ("some_key", "[" * 200_000 + "]" * 200_000)]
    log = _log_with(tmp_path, lines)
    run = measure(str(log), "--round", "5.1", cwd=tmp_path)
    assert run.code == 1
    assert {(f["code"], f["location"]["line"]) for f in run.report["findings"]} == {("LOG001", 31), ("LOG002", 32)}
    assert run.report["subjects"][0]["records"] == 129  # every other record of the real log was read


def _summary_run(tmp_path: Path, change: str, into: str) -> Path:
    run_dir = tmp_path / "run_1"
    shutil.copytree(RUNS / "performance/run_1", run_dir)
    summary = run_dir / "mlperf_log_summary.txt"
    text = summary.read_text()
    assert change in text
    summary.write_text(text.replace(change, into))
    return run_dir


@pytest.mark.parametrize(
    ("change", "into"),
    [
        ("No errors encountered during test.", "9" * 5000 + " errors encountered during test."),
        ("  Early stopping satisfied: Yes\n", "  Early stopping satisfied: Yes\nEarly Stopping Result:\n * Processed at least 64 queries (" + "7" * 5000 + ").\n"),
    ],
    ids=["error count", "early-stopping estimate"],
)
def test_an_integer_of_thousands_of_digits_in_a_summary_is_a_finding(tmp_path: Path, change: str, into: str) -> None:
    run = measure(str(_summary_run(tmp_path, change, into)), "--suite", "inference", "--round", "5.1", "--benchmark", "whisper", cwd=tmp_path)
    found = [f for f in run.report["findings"] if f["code"] == "LGL007"]
    assert any("more than 308 digits" in f["message"] for f in found)


def test_a_summary_of_wrapped_bullet_lines_is_read_in_linear_time(tmp_path: Path) -> None:
    wrapped = "Recommendations:\n * Reduce the latency\n" + " and more words here\n" * 100_000  # 2 MB: 21 s when quadratic
    run_dir = _summary_run(tmp_path, "  Early stopping satisfied: Yes\n", "  Early stopping satisfied: Yes\n" + wrapped)
    run = measure(str(run_dir), "--suite", "inference", "--round", "5.1", "--benchmark", "whisper", cwd=tmp_path)
    assert run.code == 0 and run.seconds < 5


# -- accuracy logs -------------------------------------------------------------------------------


def _accuracy_run(tmp_path: Path) -> Path:
    run_dir = tmp_path / "accuracy"
    shutil.copytree(RUNS / "accuracy", run_dir)
    (run_dir / "accuracy.txt").unlink()
    return run_dir


def test_an_accuracy_log_of_a_million_small_entries_is_streamed_and_bounded(tmp_path: Path) -> None:
    run_dir = _accuracy_run(tmp_path)
    with open(run_dir / "mlperf_log_accuracy.json", "w") as handle:  # 48 MB of small entries
        handle.write("[\n" + ",\n".join('{"seq_id":%d,"qsl_idx":%d,"data":"00"}' % (i, i % 1633) for i in range(1_200_000)) + "\n]\n")
    run = measure(str(run_dir), "--suite", "inference", "--round", "5.1", "--benchmark", "whisper", "--limit", "accuracy-entries=400000", cwd=tmp_path)
    (acc,) = [f for f in run.report["findings"] if f["code"] == "ACC001"]
    assert "accuracy-entries" in acc["message"] and "400000 readable entries" in acc["evidence"]["observed"]


def test_a_sparse_2_gb_accuracy_log_is_read_in_blocks_up_to_its_limit(tmp_path: Path) -> None:
    run_dir = _accuracy_run(tmp_path)
    with open(run_dir / "mlperf_log_accuracy.json", "wb") as handle:
        handle.truncate(2 << 30)  # 2 GB of zeros, a hole on disk
    run = measure(str(run_dir), "--suite", "inference", "--round", "5.1", "--benchmark", "whisper", cwd=tmp_path)
    (acc,) = [f for f in run.report["findings"] if f["code"] == "ACC001"]
    assert "does not start with a JSON array" in acc["message"]


# -- reports and archives ------------------------------------------------------------------------


def test_a_report_of_150k_findings_lists_a_bounded_number_in_every_format(tmp_path: Path) -> None:
    log = _log_with(tmp_path, [':::MLLOG {"key": "x" %d' % i for i in range(150_000)])  # 4 MB, 150,000 LOG001
    run = measure(str(log), "--round", "5.1", cwd=tmp_path)
    assert run.code == 1 and len(run.report["findings"]) == 20_000
    (left,) = run.report["omitted"]
    assert (left["code"], left["count"], left["blocking"]) == ("LOG001", 130_000, 130_000)
    html = tmp_path / "report.html"
    result = subprocess.run(
        [PYTHON, "-m", "compliance", "check", str(log), "--no-config", "--round", "5.1", "--format", "html", "--output", str(html)],
        capture_output=True, text=True, env=python_env(), cwd=tmp_path, timeout=MAX_SECONDS * 3,
    )
    assert result.returncode == 1 and html.stat().st_size < 40_000_000  # was 197 MB (and 1.3 GB of memory)
    assert "130,000 more findings are not listed" in html.read_text()


def _tar_with_header_bomb(tmp_path: Path, kind: bytes, size: int) -> Path:
    """The real AMD submission as a .tar.gz, then a PAX extended header or a GNU long name of
    ``size`` bytes (a few MB compressed), then one more member. tarfile reads (and allocates) what
    such a header announces before it returns the member."""
    import gzip

    tree = fixture_tree(tmp_path / "src")
    members = io.BytesIO()
    tar = tarfile.open(fileobj=members, mode="w", format=tarfile.GNU_FORMAT)
    tar.add(tree / "closed", arcname="closed")
    head = members.getvalue()[: tar.offset]  # the members, before the end-of-archive blocks
    path = tmp_path / "submission.tar.gz"
    bomb = tarfile.TarInfo("././@LongLink" if kind == tarfile.GNUTYPE_LONGNAME else "././@PaxHeader")
    bomb.type, bomb.size = kind, size
    after = tarfile.TarInfo("closed/AMD/notes.txt")
    after.size = 1
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(head)
        out.write(bomb.tobuf(format=tarfile.USTAR_FORMAT))
        chunk = b"A" * (1 << 20)
        for _ in range(size >> 20):
            out.write(chunk)
        out.write(after.tobuf(format=tarfile.GNU_FORMAT) + b"x".ljust(512, b"\0") + bytes(1024))
    return path


@pytest.mark.parametrize("kind", [tarfile.XHDTYPE, tarfile.GNUTYPE_LONGNAME], ids=["PAX header", "GNU long name"])
def test_a_tar_header_bomb_is_refused_from_its_512_byte_header(tmp_path: Path, kind: bytes) -> None:
    run = measure(str(_tar_with_header_bomb(tmp_path, kind, 256 << 20)), "--round", "5.1", cwd=tmp_path)
    assert run.code == 1
    (bomb,) = [f for f in run.report["findings"] if f["code"] == "STR017"]
    assert "archive-header-bytes" in bomb["message"] and "268,435,456 bytes" in bomb["message"]
    assert run.rss_mb < 200  # tarfile never read the 256 MB it announced


@pytest.mark.slow
@pytest.mark.parametrize("kind", [tarfile.XHDTYPE, tarfile.GNUTYPE_LONGNAME], ids=["PAX header", "GNU long name"])
def test_a_2_gb_tar_header_bomb_is_refused_too(tmp_path: Path, kind: bytes) -> None:
    run = measure(str(_tar_with_header_bomb(tmp_path, kind, 2 << 30)), "--round", "5.1", cwd=tmp_path)
    assert run.code == 1 and "STR017" in run.codes() and run.rss_mb < 200
