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


@pytest.mark.parametrize("fmt", ["%m-%d-%Y %H:%M:%S.%f", "%Y-%m-%d  %H:%M:%S", "%d/%m/%Y", "%m-%d-%Y %H:%M:%S.%f %Z", "%H:%M"])
def test_timestamps_read_as_strptime_reads_them(fmt: str) -> None:
    """The power rules' timestamps (PTD's spl.txt and ptd_logs.txt, LoadGen's power_begin) are
    read by a faster reader for the common directives: it must accept, reject and read exactly
    what ``datetime.strptime`` does, with ``strptime`` itself for any other format."""
    import random
    from datetime import datetime

    from compliance.parsers.power import _parse_stamp

    texts = [
        "12-03-2025 10:11:12.345", "12-03-2025 10:11:12.3456789", "1-3-2025 1:2:3.4", "02-29-2024 23:59:59.999999",
        "02-29-2023 00:00:00.0", "13-01-2025 00:00:00.0", "12-03-2025 10:11:60.0", "12-03-2025  10:11:12.5",
        "12-03-2025\t10:11:12.5", "12-03-2025 10:11:12.", "2025-12-03  10:11:12", "2025-12-03 10:11:12",
        "03/12/2025", "3/12/2025x", " 3/12/2025", "١٢-٠٣-٢٠٢٥ 10:11:12.5", "10:11", "24:00", "",
    ]
    rng = random.Random(7)
    alphabet = "0123456789 -:./\t"
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(5, 26))) for _ in range(3000)]
    template = datetime(2025, 12, 3, 10, 11, 12, 345678).strftime(fmt.replace("%Z", ""))
    texts += [template[:i] + c + template[i + 1 :] for i in range(len(template)) for c in "09 :"]
    for text in texts:
        try:
            wanted: datetime | str = datetime.strptime(text, fmt)
        except ValueError:
            wanted = "error"
        try:
            got: datetime | str = _parse_stamp(text, fmt)
        except ValueError:
            got = "error"
        assert got == wanted, (text, fmt)


def test_log_lines_are_cut_as_readline_cuts_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTD's logs are read in blocks split in C; each line must come out as ``readline(MAX_LINE)``
    gives it (cut at the limit, its end included, the rest of a longer line skipped), whatever
    the line ends (LF, CR LF, none at the end) and wherever a block boundary falls."""
    import io
    import random

    from compliance.parsers import power

    def by_readline(stream: io.BytesIO, limit: int) -> list[tuple[int, bytes]]:
        out, number = [], 0
        while True:
            line = stream.readline(limit)
            if not line:
                return out
            number += 1
            if not line.endswith(b"\n") and len(line) >= limit:
                while True:
                    rest = stream.readline(limit)
                    if not rest or rest.endswith(b"\n"):
                        break
            out.append((number, line.rstrip(b"\r\n")))

    rng = random.Random(3)
    for limit, block in ((8, 5), (8, 8), (16, 3), (5, 64)):
        monkeypatch.setattr(power, "MAX_LINE", limit)
        monkeypatch.setattr(power, "_BLOCK", block)
        for _ in range(400):
            data = b"".join(rng.choice([b"a", b"\n", b"\r", b"\r\n", b"bb", b"x" * 20]) for _ in range(rng.randint(0, 30)))
            assert list(power._lines(io.BytesIO(data))) == by_readline(io.BytesIO(data), limit), (limit, block, data)


def test_epoch_is_datetime_timestamp() -> None:
    """``epoch`` computes the seconds itself for the formats it reads; it must be the float
    ``datetime.strptime(...).replace(tzinfo=utc).timestamp()`` gives, and None where that raises."""
    import random
    from datetime import datetime, timezone

    from compliance.parsers.power import epoch

    fmt = "%m-%d-%Y %H:%M:%S.%f"
    rng = random.Random(11)
    texts = ["02-29-2024 23:59:59.999999", "02-29-2023 00:00:00.0", "12-31-9999 23:59:59.9", "01-01-0001 00:00:00.000001",
             "01-01-0000 00:00:00.0", "06-15-2025 10:11:60.5", " 06-15-2025 10:11:12.5 ", "6-5-2025 1:2:3.4"]
    for _ in range(3000):
        texts.append(f"{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}-{rng.randint(1, 9999):04d} "
                     f"{rng.randint(0, 24):02d}:{rng.randint(0, 60):02d}:{rng.randint(0, 61):02d}.{rng.randint(0, 999999):0{rng.randint(1, 6)}d}")
    for text in texts:
        try:
            wanted: float | None = datetime.strptime(text.strip(), fmt).replace(tzinfo=timezone.utc).timestamp()
        except (ValueError, OverflowError):
            wanted = None
        assert epoch(text, fmt) == wanted, text
