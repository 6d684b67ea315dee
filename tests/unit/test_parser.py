"""The MLLOG reader: real line numbers, tolerant of noise, never raises."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from compliance.parsers import mllog
from compliance.parsers.mllog import parse_mllog, parse_mllog_bytes


def rec(key: str, value: object = None, time_ms: int = 1000, **metadata: object) -> str:
    return ":::MLLOG " + json.dumps(
        {"namespace": "", "time_ms": time_ms, "event_type": "POINT_IN_TIME", "key": key, "value": value,
         "metadata": {"file": "t.py", "lineno": 1, **metadata}}
    )


def kinds(log) -> list[str]:
    return [issue.kind for issue in log.issues]


def test_line_numbers_count_noise_lines() -> None:
    text = "\n".join(["warming up", rec("a"), "", "NCCL INFO ring 0", "{\"loss\": 1}", rec("b"), rec("c")]) + "\n"
    log = parse_mllog_bytes(text.encode())
    assert [(r.key, r.line) for k in "abc" for r in log.all(k)] == [("a", 2), ("b", 6), ("c", 7)]
    assert log.lines == 7 and log.records == 3 and not log.issues


def test_crlf_bom_and_rank_prefixes_read_like_plain_lines() -> None:
    plain = "\n".join([rec("a", 1), rec("b", 2)]) + "\n"
    crlf = "\ufeff" + "\r\n".join(["[1,0]<stdout>:" + rec("a", 1), "2024-01-01 12:00:00 " + rec("b", 2)]) + "\r\n"
    for data in (plain.encode(), crlf.encode("utf-8")):
        log = parse_mllog_bytes(data)
        assert [log.value("a"), log.value("b")] == [1, 2]
        assert [r.line for r in log.all("b")] == [2]
        assert not log.issues


def test_prose_mention_of_the_token_is_not_a_record() -> None:
    log = parse_mllog_bytes(f"{rec('a')}\nnote: grep for :::MLLOG lines to extract the log\n".encode())
    assert log.records == 1
    assert kinds(log) == [mllog.ISSUE_PROSE] and log.issues[0].line == 2


def test_broken_record_is_reported_at_its_line_and_reading_goes_on() -> None:
    bad = rec("tracked_stats", {"loss": 1})[:-3] + "garbage"
    log = parse_mllog_bytes("\n".join([rec("a"), bad, rec("b")]).encode())
    assert [r.key for k in ("a", "b") for r in log.all(k)] == ["a", "b"]
    assert kinds(log) == [mllog.ISSUE_BAD_JSON] and log.issues[0].line == 2
    assert "column" in log.issues[0].message


def test_truncated_last_line_without_newline() -> None:
    text = rec("a") + "\n" + rec("b")[:40]
    log = parse_mllog_bytes(text.encode())
    assert log.lines == 2 and log.records == 1
    assert kinds(log) == [mllog.ISSUE_BAD_JSON] and log.issues[0].line == 2


def test_two_records_on_one_line_are_both_kept() -> None:
    log = parse_mllog_bytes((rec("a", 1) + rec("b", 2) + "\n" + rec("c", 3)).encode())
    assert (log.value("a"), log.value("b"), log.value("c")) == (1, 2, 3)
    assert log.first("b").line == 1 and log.first("c").line == 2
    assert kinds(log) == [mllog.ISSUE_MULTI]


def test_token_inside_a_json_string_is_part_of_the_value() -> None:
    log = parse_mllog_bytes((rec("cmd", "echo ':::MLLOG {}'") + "\n").encode())
    assert log.value("cmd") == "echo ':::MLLOG {}'" and not log.issues


def test_nan_and_infinity_values_parse() -> None:
    line = ':::MLLOG {"namespace": "", "time_ms": 5, "event_type": "POINT_IN_TIME", "key": "loss", "value": NaN, "metadata": {}}'
    log = parse_mllog_bytes(line.encode())
    assert math.isnan(log.value("loss")) and not log.issues


def test_records_lacking_fields_are_issues() -> None:
    lines = [
        ':::MLLOG {"time_ms": 1, "key": "a", "value": 1}',
        ':::MLLOG {"time_ms": "x", "key": "a", "value": 1, "metadata": {}}',
        ':::MLLOG [1, 2]',
        ':::MLLOG {"time_ms": 1, "key": 7, "value": 1, "metadata": {}}',
        ':::MLLOG {"time_ms": ' + "9" * 400 + ', "key": "eval_accuracy", "value": 1, "metadata": {}}',
        ':::MLLOG {"time_ms": true, "key": "a", "value": 1, "metadata": {}}',
    ]
    log = parse_mllog_bytes("\n".join(lines).encode())
    assert log.records == 0
    # a 400-digit number is beyond any float: the record cannot be read (LOG001), like deep nesting
    assert kinds(log) == [mllog.ISSUE_BAD_RECORD] * 4 + [mllog.ISSUE_BAD_JSON, mllog.ISSUE_BAD_RECORD]
    assert "metadata" in log.issues[0].message and "time_ms" in log.issues[1].message


def test_invalid_utf8_outside_records_is_ignored_and_inside_is_noted() -> None:
    latin = b':::MLLOG {"namespace": "", "time_ms": 1, "key": "b", "value": "x\xe9", "metadata": {}}'
    data = b"\xff\xfe binary noise \x80\n" + rec("a", "caf").encode() + b"\n" + latin + b"\n"
    log = parse_mllog_bytes(data)
    assert log.value("a") == "caf" and log.value("b") == "x\u00e9"
    assert kinds(log) == [mllog.ISSUE_ENCODING]


def test_keep_filter_counts_but_does_not_store_other_keys() -> None:
    text = "\n".join([rec("tracked_stats", i) for i in range(100)] + [rec("run_start")])
    log = parse_mllog_bytes(text.encode(), keep={"run_start"})
    assert log.count("tracked_stats") == 100 and log.all("tracked_stats") == []
    assert log.first("run_start").line == 101 and log.records == 101


def test_block_boundaries_do_not_split_records(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mllog, "BLOCK_SIZE", 7)
    text = "\n".join(["noise"] * 3 + [rec("k", i, time_ms=i) for i in range(50)]) + "\n"
    log = parse_mllog_bytes(text.encode())
    assert [r.value for r in log.all("k")] == list(range(50))
    assert [r.line for r in log.all("k")][:2] == [4, 5] and log.lines == 53 and not log.issues


def test_overlong_line_is_skipped_with_an_issue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mllog, "BLOCK_SIZE", 64)
    monkeypatch.setattr(mllog, "MAX_LINE_BYTES", 256)
    text = rec("a") + "\n" + "x" * 5000 + "\n" + rec("b") + "\n"
    log = parse_mllog_bytes(text.encode())
    assert log.first("b").line == 3
    assert kinds(log) == [mllog.ISSUE_LONG_LINE] and log.issues[0].line == 2


def test_files_that_cannot_be_read(tmp_path: Path) -> None:
    folder = parse_mllog(str(tmp_path))
    assert not folder.readable and kinds(folder) == [mllog.ISSUE_UNREADABLE]
    missing = parse_mllog(str(tmp_path / "nope.txt"))
    assert not missing.readable
    utf16 = tmp_path / "utf16.txt"
    utf16.write_text(rec("a") + "\n", encoding="utf-16")
    log = parse_mllog(str(utf16))
    assert log.records == 0 and "UTF-16" in log.issues[-1].message
    big = tmp_path / "big.txt"
    big.write_text(rec("a") * 10)
    assert not parse_mllog(str(big), max_bytes=100).readable


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs mkfifo")
def test_a_pipe_is_not_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    log = parse_mllog(str(fifo))  # would block forever if opened
    assert not log.readable


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    log = parse_mllog(str(empty))
    assert log.readable and log.records == 0 and log.lines == 0 and not log.issues
