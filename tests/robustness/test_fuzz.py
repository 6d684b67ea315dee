"""Property-based tests (hypothesis) on mutated real logs: no traceback, a valid report, in bounded time.

Real MLLOG result logs (``tests/fixtures/corpus``) and LoadGen runs
(``tests/fixtures/inference``) are mutated — lines deleted, duplicated,
reordered, truncated, bytes flipped, hostile snippets inserted, record values
changed (NaN, infinities, huge integers, deep nesting, wrong types) — then
parsed and checked whole. The properties:

- the parsers never raise, and their line numbers are the file's own;
- ``check`` never raises, exits 0 or 1, and renders a JSON report that parses;
  the one accepted usage error (exit code 2) is "nothing to check", when the
  mutations destroyed every record (a file that is no log at all);
- each example finishes within the deadline.

Two profiles: the default run tries a few dozen examples per property
(derandomised, so CI is reproducible); ``pytest -m fuzz`` runs the long
profile (10,000 examples per property, random, the real corpus in
``../shared/corpus`` added when present). The README records what the long
run tried and found.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.engine import AuditOptions, UsageError, run_audit
from compliance.parsers.loadgen import parse_loadgen_detail, parse_loadgen_summary, read_accuracy_json
from compliance.parsers.mllog import parse_mllog_bytes
from compliance.reporters import json as json_reporter
from compliance.reporters import text as text_reporter
from tests.support.paths import CORPUS, FIXTURES
from tests.support.logedit import BASES

TOKEN = b":::MLLOG "
LONG_EXAMPLES = int(os.environ.get("MLPERF_AUDIT_FUZZ_EXAMPLES", "10000"))
DEADLINE = timedelta(seconds=10)  # per example; a whole check of a mutated log takes ~0.1 s

_COMMON = dict(
    database=None,  # never write .hypothesis/ into the working tree
    deadline=DEADLINE,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
SHORT = settings(max_examples=50, derandomize=True, **_COMMON)  # type: ignore[arg-type]
LONG = settings(max_examples=LONG_EXAMPLES, print_blob=True, **_COMMON)  # type: ignore[arg-type]

# -- the real inputs -----------------------------------------------------------------------

# Inputs are drawn by name (failures then print a name, not a whole log).
TRAINING = {name: (suite, round_name, (FIXTURES / rel).read_bytes()) for name, (suite, round_name, rel) in BASES.items()}
LOADGEN_RUN = FIXTURES / "inference/v5.1/Lenovo/SE100_RTX2000E_Ada_16GBx1_TRT/resnet50/MultiStream/results/performance/run_1"
LOADGEN = {"v5.1 Lenovo resnet50 MultiStream": ((LOADGEN_RUN / "mlperf_log_detail.txt").read_bytes(), (LOADGEN_RUN / "mlperf_log_summary.txt").read_bytes())}
ACCURACY = [
    (FIXTURES / "inference/v5.1/Lenovo/SE100_RTX2000E_Ada_16GBx1_TRT/resnet50/MultiStream/results/accuracy/mlperf_log_accuracy.json").read_bytes()
]


def _corpus_runs(limit: int = 40) -> dict[str, tuple[bytes, bytes]]:
    """More LoadGen runs from ../shared/corpus for the long profile (small ones first)."""
    if not CORPUS.is_dir():
        return {}
    details = sorted(CORPUS.glob("inference/**/performance/run_1/mlperf_log_detail.txt"), key=lambda p: p.stat().st_size)
    runs = {}
    for detail in details[:limit]:
        summary = detail.with_name("mlperf_log_summary.txt")
        if detail.stat().st_size < 400_000 and summary.is_file():
            runs[str(detail.relative_to(CORPUS))] = (detail.read_bytes(), summary.read_bytes())
    return runs


def _corpus_logs(limit: int = 60) -> dict[str, tuple[str, str, bytes]]:
    """More training/HPC logs from ../shared/corpus for the long profile (under 300 kB, rounds we check)."""
    if not CORPUS.is_dir():
        return {}
    from compliance.rulebook.load import available_rounds

    found = []
    for suite in ("training", "hpc"):
        rounds = set(available_rounds(suite))
        for path in sorted((CORPUS / suite).glob("v*/**/result_*.txt")):
            round_name = path.relative_to(CORPUS / suite).parts[0].lstrip("v")
            if round_name in rounds and path.stat().st_size < 300_000:
                found.append((suite, round_name, path))
    step = max(1, len(found) // limit)
    return {str(path.relative_to(CORPUS)): (suite, round_name, path.read_bytes()) for suite, round_name, path in found[::step]}


LONG_TRAINING = {**TRAINING, **_corpus_logs()}
LONG_LOADGEN = {**LOADGEN, **_corpus_runs()}


# -- mutations ------------------------------------------------------------------------------

HOSTILE = [
    b"", b"\x00" * 64, b"\xff\xfe", b"\xef\xbb\xbf", b"\r", b"\r\n", b":::MLLOG ", b":::MLLOG {", b"}", b"{" * 2000,
    b"[" * 1100 + b"]" * 1100, b"NaN", b"-Infinity", b"9" * 500, b"1e999", b'"\\ud800"', b"\xc3\x28", b"\xe9t\xe9",
    b'\x1b[31m', b"\t" * 10, b":::MLLOG :::MLLOG {}", b'{"key": "run_stop"}',
]
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**19, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40), st.sampled_from(["success", "aborted", "", "closed", "open"]),
)
JSON_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
FRACTION = st.floats(min_value=0.0, max_value=1.0, allow_nan=False, exclude_max=True)

MUTATION = st.one_of(
    st.tuples(st.just("delete"), FRACTION, st.integers(1, 50)),
    st.tuples(st.just("duplicate"), FRACTION, st.integers(1, 20)),
    st.tuples(st.just("move"), FRACTION, FRACTION),
    st.tuples(st.just("truncate"), FRACTION),
    st.tuples(st.just("flip"), FRACTION, st.integers(0, 255)),
    st.tuples(st.just("insert"), FRACTION, st.sampled_from(HOSTILE) | st.binary(max_size=64)),
    st.tuples(st.just("value"), FRACTION, st.sampled_from(["value", "time_ms", "key", "metadata", "status", "samples_count", "epoch_num"]), JSON_VALUES),
    st.tuples(st.just("nest"), FRACTION, st.integers(60, 1100)),
    # a record chosen by key (each distinct key of the log equally likely), not by line
    st.tuples(st.just("keyed"), FRACTION, FRACTION, st.sampled_from(["value", "time_ms", "metadata", "status", "samples_count", "epoch_num", "is_error"]), JSON_VALUES),
)
MUTATIONS = st.lists(MUTATION, min_size=1, max_size=6)


def _at(fraction: float, size: int) -> int:
    return min(int(fraction * size), max(size - 1, 0))


def _set_field(line: bytes, field: str, value: Any) -> bytes:
    at = line.find(TOKEN)
    if at < 0:
        return line
    try:
        record = json.loads(line[at + len(TOKEN):])
    except ValueError:
        return line
    if not isinstance(record, dict):
        return line
    if field in ("value", "time_ms", "key", "metadata"):
        record[field] = value
    elif isinstance(record.get("metadata"), dict):
        record["metadata"][field] = value
    try:
        text = json.dumps(record, allow_nan=True)
    except (ValueError, RecursionError):
        return line
    return line[:at] + TOKEN + text.encode("utf-8", "surrogatepass")


def mutate(data: bytes, mutations: list[tuple[Any, ...]]) -> bytes:
    """Apply the mutations to a log, line-wise (delete, duplicate, move, value) or byte-wise."""
    lines = data.split(b"\n")
    for op, *args in mutations:
        if op == "truncate":
            blob = b"\n".join(lines)
            lines = blob[: _at(args[0], len(blob) + 1)].split(b"\n")
            continue
        if op == "flip":
            blob = bytearray(b"\n".join(lines))
            if blob:
                blob[_at(args[0], len(blob))] = args[1]
            lines = bytes(blob).split(b"\n")
            continue
        i = _at(args[0], len(lines))
        if op == "delete":
            del lines[i : i + args[1]]
        elif op == "duplicate":
            lines[i:i] = lines[i : i + args[1]]
        elif op == "move" and lines:
            line = lines.pop(i)
            lines.insert(_at(args[1], len(lines) + 1), line)
        elif op == "insert":
            lines.insert(i, args[1])
        elif op == "value" and lines:
            # the i-th record from here on
            j = next((k for k in range(i, len(lines)) if TOKEN in lines[k]), None)
            if j is not None:
                lines[j] = _set_field(lines[j], args[1], args[2])
        elif op == "keyed" and lines:
            keyed: dict[bytes, list[int]] = {}
            for k, line in enumerate(lines):
                at = line.find(b'"key": "')
                if at >= 0 and TOKEN in line:
                    keyed.setdefault(line[at + 8 : line.find(b'"', at + 8)], []).append(k)
            if keyed:
                names = sorted(keyed)
                where = keyed[names[_at(args[0], len(names))]]
                j = where[_at(args[1], len(where))]
                lines[j] = _set_field(lines[j], args[2], args[3])
        elif op == "nest" and lines:
            j = next((k for k in range(i, len(lines)) if TOKEN in lines[k]), None)
            if j is not None:
                deep: Any = 1
                for _ in range(args[1]):
                    deep = [deep]
                lines[j] = _set_field(lines[j], "value", deep)
    return b"\n".join(lines)


# -- properties -----------------------------------------------------------------------------


def _line_count(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def mllog_property(data: bytes) -> None:
    log = parse_mllog_bytes(data)
    assert log.lines == _line_count(data)
    assert 0 <= log.records <= data.count(TOKEN)
    for issue in log.issues:
        assert issue.line is None or 1 <= issue.line <= max(log.lines, 1), issue
    for records in log.by_key.values():
        for record in records:
            assert 1 <= record.line <= log.lines and math.isfinite(record.time_ms)


def loadgen_property(detail: bytes, summary: bytes, accuracy: bytes) -> None:
    parsed = parse_loadgen_detail(detail)
    lines = _line_count(detail[3:] if detail.startswith(b"\xef\xbb\xbf") else detail)
    assert parsed.lines <= lines
    for issue in parsed.issues:
        assert issue.line is None or 1 <= issue.line <= max(lines, 1), issue
    for record in parsed.records:
        assert 1 <= record.line <= lines and math.isfinite(record.time_ms)
    parse_loadgen_summary(summary)
    read_accuracy_json(accuracy)


def _report_ok(report: Any) -> int:
    payload = json.loads(json_reporter.render(report))
    assert payload["passed"] == report.passed
    text_reporter.render(report)
    code = report.exit_code()
    assert code in (0, 1), [f.message for f in report.internal_errors]
    return code


def check_property(files: dict[str, bytes], paths: list[str], options: AuditOptions) -> None:
    """Write the files into a fresh folder, check ``paths`` in it; a valid report or 'nothing to check'."""
    folder = tempfile.mkdtemp(prefix="fuzz-check-")
    try:
        for name, data in files.items():
            target = Path(folder, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        started = time.monotonic()
        try:
            report = run_audit([os.path.join(folder, p) for p in paths], options)
        except UsageError as err:
            assert str(err).startswith("nothing to check"), err
            return
        _report_ok(report)
        assert time.monotonic() - started < DEADLINE.total_seconds()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def training_check(name: str, mutations: list[tuple[Any, ...]]) -> None:
    suite, round_name, data = LONG_TRAINING[name]
    check_property({"result_0.txt": mutate(data, mutations)}, ["result_0.txt"], AuditOptions(suite=suite, round=round_name))


def loadgen_check(name: str, mutations: list[tuple[Any, ...]], summary_mutations: list[tuple[Any, ...]]) -> None:
    detail, summary = LONG_LOADGEN[name]
    run = "resnet50/MultiStream/performance/run_1"
    files = {f"{run}/mlperf_log_detail.txt": mutate(detail, mutations), f"{run}/mlperf_log_summary.txt": mutate(summary, summary_mutations)}
    check_property(files, [run], AuditOptions(suite="inference", round="5.1"))


# -- the short profile (every run) -------------------------------------------------------------


@SHORT
@given(st.sampled_from(sorted(TRAINING)), MUTATIONS)
def test_mllog_parser_never_fails_on_mutated_logs(name: str, mutations: list[tuple[Any, ...]]) -> None:
    mllog_property(mutate(TRAINING[name][2], mutations))


@SHORT
@given(st.sampled_from(sorted(LOADGEN)), MUTATIONS, MUTATIONS, st.sampled_from(ACCURACY), MUTATIONS)
def test_loadgen_parsers_never_fail_on_mutated_logs(name, mutations, summary_mutations, accuracy, accuracy_mutations) -> None:  # type: ignore[no-untyped-def]
    detail, summary = LONG_LOADGEN[name]
    loadgen_property(mutate(detail, mutations), mutate(summary, summary_mutations), mutate(accuracy, accuracy_mutations))


@SHORT
@given(st.sampled_from(sorted(TRAINING)), MUTATIONS)
def test_check_of_a_mutated_training_log_gives_a_report(name: str, mutations: list[tuple[Any, ...]]) -> None:
    training_check(name, mutations)


@SHORT
@given(st.sampled_from(sorted(LOADGEN)), MUTATIONS, MUTATIONS)
def test_check_of_a_mutated_loadgen_run_gives_a_report(name, mutations, summary_mutations) -> None:  # type: ignore[no-untyped-def]
    loadgen_check(name, mutations, summary_mutations)


def test_the_cli_on_a_mutated_log_exits_0_or_1_with_json(tmp_path: Path) -> None:
    from tests.support.cli import run_cli

    suite, round_name, data = TRAINING["v5.1_llama31_8b"]
    path = tmp_path / "result_0.txt"
    path.write_bytes(mutate(data, [("nest", 0.5, 900), ("value", 0.3, "value", float("nan")), ("insert", 0.2, b"\xff" * 9)]))
    result = run_cli("check", str(path), "--suite", suite, "--round", round_name, "--format", "json")
    assert result.code in (0, 1), result.err
    json.loads(result.out)


# -- the long profile (pytest -m fuzz) ---------------------------------------------------------



@pytest.mark.fuzz
@LONG
@given(st.sampled_from(sorted(LONG_TRAINING)), MUTATIONS)
def test_fuzz_mllog_parser(name: str, mutations: list[tuple[Any, ...]]) -> None:
    mllog_property(mutate(LONG_TRAINING[name][2], mutations))


@pytest.mark.fuzz
@LONG
@given(st.sampled_from(sorted(LONG_LOADGEN)), MUTATIONS, MUTATIONS, st.sampled_from(ACCURACY), MUTATIONS)
def test_fuzz_loadgen_parsers(name, mutations, summary_mutations, accuracy, accuracy_mutations) -> None:  # type: ignore[no-untyped-def]
    detail, summary = LONG_LOADGEN[name]
    loadgen_property(mutate(detail, mutations), mutate(summary, summary_mutations), mutate(accuracy, accuracy_mutations))


@pytest.mark.fuzz
@LONG
@given(st.sampled_from(sorted(LONG_TRAINING)), MUTATIONS)
def test_fuzz_check_training_log(name: str, mutations: list[tuple[Any, ...]]) -> None:
    training_check(name, mutations)


@pytest.mark.fuzz
@LONG
@given(st.sampled_from(sorted(LONG_LOADGEN)), MUTATIONS, MUTATIONS)
def test_fuzz_check_loadgen_run(name, mutations, summary_mutations) -> None:  # type: ignore[no-untyped-def]
    loadgen_check(name, mutations, summary_mutations)
