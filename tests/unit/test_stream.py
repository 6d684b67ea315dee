"""A log's records tallied while it is read give the same findings and run summary as the
same records tallied at the end (``compliance.rules.training.stream``).

Every MLLOG rule case (tests/rules/cases), the real corpus fixtures and, when it is there,
a sample of ../shared/corpus are checked three ways: every record kept and tallied at the
end (no router), and handed to the tallies while reading as early as the rules allow (the
reader asks after 1 and after 5 records of a key instead of 64), then compared finding by
finding and field by field of the summary.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from compliance.kinds.training_logs import check_log_context, read_log
from compliance.parsers import mllog as mllog_parser
from compliance.registry import load_all
from compliance.rulebook.load import available_rounds, load_rulebook
from compliance.rules.training.context import LogContext, kept_keys
from compliance.rules.training.stream import LogStream
from compliance.summary import summarize
from compliance.records import asdict
from tests.support.logedit import BASES, apply_edits, base_text
from tests.rules.test_rule_cases import CASES

FIXTURES = Path(__file__).parents[1] / "fixtures"
SHARED = Path(__file__).parents[2].parent / "shared" / "corpus"


def _outcome(path: str, suite: str, round_name: str, probe_at: int | None, concurrent: bool = False) -> tuple[list[Any], Any, frozenset[str]]:
    load_all("training")
    book = load_rulebook(suite, round_name)
    keep = kept_keys(book)
    stream = LogStream(book) if probe_at is not None else None
    saved = mllog_parser.PROBE_AT
    if probe_at is not None:
        mllog_parser.PROBE_AT = probe_at
    try:
        log, found = read_log(path, "log", keep, None, True, stream=stream)
    finally:
        mllog_parser.PROBE_AT = saved
    ctx = LogContext(log, book, subject="log", stream=stream if stream is not None else LogStream(book, log))  # end-fed
    ctx.concurrent = concurrent
    found += check_log_context(ctx, book.round, None, None)
    summary = summarize(ctx, found)
    return [asdict(f) for f in found], asdict(summary), log.streamed


def _same(path: str, suite: str, round_name: str, concurrent: bool = False) -> frozenset[str]:
    expected, expected_summary, streamed = _outcome(path, suite, round_name, None, concurrent)
    assert not streamed
    handed: frozenset[str] = frozenset()
    for probe_at in (1, 5):
        found, summary, streamed = _outcome(path, suite, round_name, probe_at, concurrent)
        assert found == expected, f"probe at {probe_at}: findings differ"
        assert summary == expected_summary, f"probe at {probe_at}: summaries differ"
        handed |= streamed
    return handed


MLLOG_CASES = [(code, case) for code, case in CASES if "base" in case or "content" in case]


@pytest.mark.parametrize(("code", "case"), MLLOG_CASES, ids=[f"{code}-{case['name']}" for code, case in MLLOG_CASES])
def test_rule_cases_same_tallied_while_read(code: str, case: dict[str, Any], tmp_path: Path) -> None:
    if "content" in case:
        text, suite, round_name = case["content"], case["suite"], case["round"]
    else:
        suite, round_name, _ = BASES[case["base"]]
        text = apply_edits(base_text(case["base"]), case.get("edits", []))
    suite, round_name = case.get("suite", suite), str(case.get("round", round_name))
    path = tmp_path / "result_0.txt"
    path.write_bytes(text.encode(case.get("encoding", "utf-8")))
    _same(str(path), suite, round_name)


def _corpus_logs() -> list[tuple[str, str, str]]:
    found = [(str(FIXTURES / rel), suite, rnd) for suite, rnd, rel in BASES.values()]
    if SHARED.is_dir():
        for suite_dir, suite in (("training", "training"), ("hpc", "hpc")):
            root = SHARED / suite_dir
            if not root.is_dir():
                continue
            for round_dir in sorted(root.iterdir()):
                if round_dir.name.lstrip("v") not in available_rounds(suite):
                    continue
                logs = sorted(round_dir.rglob("result_*.txt"))
                for log in logs[:: max(1, len(logs) // 8)]:  # a sample of each round
                    found.append((str(log), suite, round_dir.name.lstrip("v")))
    return found


@pytest.mark.parametrize(("path", "suite", "round_name"), _corpus_logs(), ids=lambda v: os.path.relpath(v, FIXTURES.parent.parent) if os.sep in str(v) else str(v))
def test_real_logs_same_tallied_while_read(path: str, suite: str, round_name: str) -> None:
    _same(path, suite, round_name, concurrent=suite == "hpc")


def test_the_timed_region_is_tallied_while_read(tmp_path: Path) -> None:
    """A long run's blocks and evaluations are not kept: only their first records are."""
    text = base_text("v5.1_llama31_8b")
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if '"key": "block_start"' in line)
    stop = next(i for i, line in enumerate(lines) if '"key": "run_stop"' in line)
    body = lines[start:stop]
    path = tmp_path / "result_0.txt"
    path.write_text("\n".join(lines[:start] + body * 20 + lines[stop:]) + "\n", encoding="utf-8")
    streamed = _same(str(path), "training", "5.1")
    assert {"block_start", "block_stop", "eval_start", "eval_stop", "eval_accuracy"} <= streamed
    book = load_rulebook("training", "5.1")
    log, _ = read_log(str(path), "log", kept_keys(book), None, True, stream=LogStream(book))
    assert all(len(log.by_key[key]) <= mllog_parser.PROBE_AT for key in log.streamed)
    assert log.count("block_start") > 2 * mllog_parser.PROBE_AT


@pytest.mark.parametrize(
    "raw",
    [{"ge": 0.72}, {"le": 2.69, "gt": 2.6}, {"ge": 0, "lt": 10, "le": 9}, {"field": "metadata.epoch_num", "gt": 0, "le": 100}],
    ids=["one bound", "a range", "three bounds", "a metadata range"],
)
def test_numeric_bounds_as_plain_predicates_hold_where_the_check_holds(raw: dict[str, Any]) -> None:
    """A check of literal bounds (a quality target, a range) as a plain predicate, for one, two
    and more bounds, holds on exactly the values ``evaluate_check`` says it holds on."""
    from compliance.models.mllog import Record, TrainingLog
    from compliance.rulebook.model import build_check
    from compliance.rules.training.checks import evaluate_check
    from compliance.rules.training.stream import fast_predicate

    load_all("training")
    book = load_rulebook("training", "4.1")
    ctx = LogContext(TrainingLog(path="log"), book, subject="log", partial=True)
    check = build_check(raw, "test")
    holds = fast_predicate(check)
    assert holds is not None
    values = [0.72, 0.71, 0.73, 1, 0, -1, 2.6, 2.65, 2.69, 2.7, 9, 9.5, 10, 100, 101, True, False, None, "2.65", [1], float("nan"), float("inf"), -float("inf")]
    for value in values:
        for where in ("value", "metadata"):
            record_value = value if where == "value" else 1.0
            metadata = {"epoch_num": value} if where == "metadata" else {}
            record = Record(0, 1, 1.0, "eval_accuracy", record_value, metadata)
            expected = evaluate_check(ctx, check, record, {})[0]
            assert holds(record_value, metadata) == expected, (raw, where, value)
