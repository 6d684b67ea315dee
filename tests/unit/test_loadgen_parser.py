"""The LoadGen readers (compliance.parsers.loadgen) against real LoadGen output.

Every detail and summary log here was written by LoadGen itself: by the PyPI
``mlcommons-loadgen`` package, run by ``tests/support/loadgen_harness.py`` once per
session, or by submitters (the copies under ``tests/fixtures/inference/`` and
the shared corpus). Hostile inputs are made by editing those bytes.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from compliance.models.loadgen import SCENARIO_METRIC_KEYS, LoadgenRun
from compliance.parsers import loadgen as P
from compliance.parsers.loadgen import (
    parse_loadgen_detail,
    parse_loadgen_summary,
    read_accuracy_json,
    read_accuracy_txt,
    read_loadgen_run,
)
from tests.support.paths import CORPUS, FIXTURES
from tests.support.loadgen_harness import CASES, MODES, make_runs

INFERENCE_FIXTURES = FIXTURES / "inference"
LENOVO_MS = (
    INFERENCE_FIXTURES / "v5.1/Lenovo/SE100_RTX2000E_Ada_16GBx1_TRT/resnet50/MultiStream/results"
)
AMD_TOKENS_SUMMARY = (
    INFERENCE_FIXTURES
    / "v5.1/AMD/8xMI300X_2xEPYC_9575F/llama2-70b-99/Interactive/results/performance/run_1/mlperf_log_summary.txt"
)
LOADGEN_FILES = (
    "mlperf_log_accuracy.json",
    "mlperf_log_detail.txt",
    "mlperf_log_summary.txt",
    "mlperf_log_trace.json",
)

PERFORMANCE_CASES = [name for name, case in CASES.items() if case.spec.mode == "performance"]
ACCURACY_CASES = [name for name, case in CASES.items() if case.spec.mode == "accuracy"]


# ---------------------------------------------------------------------------
# Real LoadGen runs, made once per session


@pytest.fixture(scope="session")
def loadgen_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every harness case, run side by side in child processes (a few seconds in all)."""
    pytest.importorskip(
        "mlperf_loadgen", reason="mlcommons-loadgen (a test dependency) is not installed"
    )
    return make_runs(tmp_path_factory.mktemp("loadgen"), CASES)


@pytest.fixture(scope="session")
def parsed_runs(loadgen_runs: dict[str, Path]) -> dict[str, LoadgenRun]:
    return {name: read_loadgen_run(folder) for name, folder in loadgen_runs.items()}


def plain_records(path: Path) -> list[dict]:
    """The detail log read the simplest way (stdlib json, one record per line), to compare with."""
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        assert line.startswith(":::MLLOG "), line
        obj = json.loads(line[len(":::MLLOG ") :])
        obj["line"] = number
        records.append(obj)
    return records


def kinds(issues) -> list[str]:
    return [issue.kind for issue in issues]


@pytest.mark.parametrize("name", list(CASES))
def test_harness_case_parses_as_loadgen_ran_it(name: str, loadgen_runs, parsed_runs) -> None:
    case = CASES[name]
    run = parsed_runs[name]
    assert run.issues == (), [(i.kind, i.line, i.message) for i in run.issues]
    assert run.files == LOADGEN_FILES
    assert run.missing_files == ()
    assert run.scenario == run.requested_scenario == case.spec.scenario
    assert run.mode == run.requested_mode == MODES[case.spec.mode]
    assert run.sut_name == "PySUT" and run.qsl_name == "PyQSL"
    if case.spec.mode == "performance":
        assert run.summary.sut_name == "PySUT"
    assert run.loadgen_version_number == "6.0.17"
    assert run.loadgen_version.startswith("6.0.17 @ ")
    assert run.git_commit_date and run.test_datetime
    for key, expected in case.expect.items():
        assert run.value(key) == expected, (key, run.value(key), case.why)
    # The settings the harness gave LoadGen are what LoadGen says it used.
    for key, value in case.spec.settings.items():
        if key in ("use_token_latencies", "ttft_latency", "tpot_latency"):
            continue
        logged = run.value("requested_" + key)
        assert logged == value, (key, logged, value)
    assert run.min_duration_ms == case.spec.settings["min_duration_ms"]
    assert run.seeds == {
        name: 0
        for name in (
            "qsl_rng_seed",
            "sample_index_rng_seed",
            "schedule_rng_seed",
            "accuracy_log_rng_seed",
        )
    }


@pytest.mark.parametrize("name", list(CASES))
def test_every_record_is_read_in_order(name: str, loadgen_runs, parsed_runs) -> None:
    path = loadgen_runs[name] / "mlperf_log_detail.txt"
    plain = plain_records(path)
    run = parsed_runs[name]
    assert run.detail.lines == len(plain) == len(run.records)
    for mine, theirs in zip(run.records, plain, strict=True):
        assert (mine.line, mine.key, mine.value, mine.time_ms) == (
            theirs["line"],
            theirs["key"],
            theirs["value"],
            theirs["time_ms"],
        )
        assert mine.is_error is theirs["metadata"]["is_error"]
        assert mine.is_warning is theirs["metadata"]["is_warning"]
    # Repeated keys keep every value, in file order.
    for key in {obj["key"] for obj in plain}:
        assert run.values(key) == [obj["value"] for obj in plain if obj["key"] == key]


@pytest.mark.parametrize("name", PERFORMANCE_CASES)
def test_performance_run_summary_agrees_with_detail(name: str, parsed_runs) -> None:
    run = parsed_runs[name]
    summary = run.summary
    assert summary.issues == ()
    assert summary.result == run.validity in ("VALID", "INVALID")
    assert summary.is_valid is run.is_valid
    assert summary.scenario == run.scenario and summary.mode == run.mode
    expected = {
        "Min duration": run.min_duration_met,
        "Min queries": run.min_queries_met,
        "Early stopping": run.early_stopping_met,
    }
    if run.scenario == "Server":
        expected["Performance constraints"] = run.perf_constraints_met
    assert summary.satisfied_map == expected
    assert None not in expected.values()
    valid = all(expected.values())
    assert run.is_valid is valid
    assert summary.errors_count == run.num_errors == len(run.errors())
    assert summary.warnings_count == len(run.warnings())
    # Test parameters are what the detail log calls effective.
    assert summary.parameter("min_duration (ms)").number == run.min_duration_ms
    assert summary.parameter("min_query_count").number == run.min_query_count
    assert summary.parameter("qsl_rng_seed").number == run.seeds["qsl_rng_seed"]
    # A repeated key: LoadGen logs a start message, and (not in Server, nor when it stops
    # early on an error) an end message.
    assert run.values("generic_message")[0] == "Starting performance mode"
    if run.scenario != "Server" and not run.errors():
        assert run.values("generic_message")[1].startswith("Ending naturally")
    if not valid:
        assert run.invalid_reason is not None


HEADLINES = {
    "SingleStream": "90.0th percentile latency (ns)",
    "MultiStream": "99.0th percentile latency (ns)",
    "Server": "Completed samples per second",
    "Offline": "Samples per second",
}
SCENARIO_KEYS = {
    "SingleStream": [
        "early_stopping_latency_ss",
        "early_stopping_latency_ms",
        "result_qps_with_loadgen_overhead",
    ],
    "MultiStream": ["early_stopping_latency_ms", "result_99.00_percentile_per_query_latency_ns"],
    "Server": [
        "result_completed_samples_per_sec",
        "result_scheduled_samples_per_sec",
        "result_overlatency_query_count",
        "result_perf_constraints_met",
    ],
    "Offline": ["result_samples_per_second"],
}


@pytest.mark.parametrize("name", PERFORMANCE_CASES)
def test_metrics_present_per_scenario(name: str, parsed_runs) -> None:
    run = parsed_runs[name]
    scenario = run.scenario
    for key in SCENARIO_KEYS[scenario]:
        assert run.has(key), key
    assert run.summary.metric_name == HEADLINES[scenario]
    assert isinstance(run.summary.metric_value, (int, float))
    metric = run.scenario_metric
    assert metric is not None and metric[0] == SCENARIO_METRIC_KEYS[scenario]
    latencies = run.percentile_latencies()
    assert sorted(latencies) == [50.0, 90.0, 95.0, 97.0, 99.0, 99.9]
    assert list(latencies.values()) == sorted(latencies.values())
    if scenario == "MultiStream":
        assert sorted(run.percentile_latencies("per_query")) == sorted(latencies)
        assert run.summary.metric_value == run.percentile_latencies("per_query")[99.0]
    if scenario == "Offline":
        assert run.summary.metric_value == pytest.approx(
            run.value("result_samples_per_second"), rel=1e-3
        )
    else:
        assert run.early_stopping_results, "non-Offline runs log an early-stopping result"
        assert run.summary.early_stopping
    assert run.query_count is not None and run.query_count >= 1


@pytest.mark.parametrize("name", ACCURACY_CASES)
def test_accuracy_run(name: str, parsed_runs) -> None:
    run = parsed_runs[name]
    spec = CASES[name].spec
    assert run.is_accuracy_run
    assert run.validity is None and run.results == {} and run.scenario_metric is None
    # The summary of an accuracy run has no results section, only the two count lines.
    summary = run.summary
    assert summary.issues == () and summary.result is None and summary.metrics == ()
    assert (summary.warnings_count, summary.errors_count) == (0, 0)
    log = run.accuracy_log
    assert log is not None and log.complete and not log.truncated
    assert sorted(entry.qsl_idx for entry in log.entries) == list(range(spec.qsl_total))
    assert sorted(entry.seq_id for entry in log.entries) == list(range(spec.qsl_total))
    for entry in log.entries:  # the SUT answered each sample with its index as an int64
        assert int.from_bytes(bytes.fromhex(entry.data), "little") == entry.qsl_idx
    # The QSL set is logged once per load; all values are kept. (MultiStream loads some
    # samples twice: LoadGen logs 71 indices for a 64-sample QSL, 8 per query.)
    loads = run.values("loaded_qsl_set")
    assert len(loads) == spec.qsl_total // spec.qsl_performance
    assert {index for load in loads for index in load} == set(range(spec.qsl_total))


def test_early_stopping_not_met(parsed_runs) -> None:
    run = parsed_runs["singlestream_invalid_early_stopping"]
    assert run.validity == "INVALID" and run.early_stopping_met is False
    assert run.min_duration_met is True and run.min_queries_met is True
    assert run.query_count < 64
    assert run.early_stopping_latency_ss == 0
    bullets = run.summary.early_stopping["Early Stopping Result"]
    assert any("Need to process at least 64 queries" in line for line in bullets)


def test_latency_bound_missed(parsed_runs) -> None:
    run = parsed_runs["server_invalid_latency"]
    assert run.perf_constraints_met is False and run.validity == "INVALID"
    assert run.percentile_latencies()[99.0] > run.target_latency_ns
    assert run.value("result_overlatency_query_count") > 0
    assert run.summary.recommendations == ("Reduce target QPS to improve latency.",)


def test_min_duration_not_met(parsed_runs) -> None:
    run = parsed_runs["offline_invalid_min_duration"]
    assert run.min_duration_met is False and run.validity == "INVALID"
    assert run.value("result_max_latency_ns") < run.min_duration_ms * 1_000_000
    assert run.summary.satisfied_map["Min duration"] is False


def test_loadgen_error_is_reported(parsed_runs) -> None:
    run = parsed_runs["singlestream_error_max_duration"]
    errors = run.errors()
    assert [record.key for record in errors] == ["error_runtime"]
    assert "Max test duration reached" in errors[0].value
    assert errors[0].is_error and not errors[0].is_warning
    assert run.num_errors == 1 and run.summary.errors_count == 1
    assert run.max_duration_ms == 500 and run.min_duration_met is False
    for name in PERFORMANCE_CASES:
        if name != "singlestream_error_max_duration":
            assert parsed_runs[name].errors() == []


def test_token_latencies(parsed_runs) -> None:
    run = parsed_runs["server_tokens"]
    assert run.uses_token_latencies
    ttft_bound = run.value("requested_server_ttft_latency")
    tpot_bound = run.value("requested_server_tpot_latency")
    assert (ttft_bound, tpot_bound) == (1_000_000_000, 500_000_000)
    assert set(run.early_stopping_results) == {
        "early_stopping_ttft_result",
        "early_stopping_tpot_result",
    }
    first = run.percentile_latencies("first_token")
    per_token = run.percentile_latencies("time_per_output_token")
    assert sorted(first) == sorted(per_token) == [50.0, 90.0, 95.0, 97.0, 99.0, 99.9]
    assert run.perf_constraints_met is (first[99.0] <= ttft_bound and per_token[99.0] <= tpot_bound)
    assert run.has("result_completed_tokens_per_second")
    summary = run.summary
    assert list(summary.early_stopping) == [
        "TTFT Early Stopping Result",
        "TPOT Early Stopping Result",
    ]
    assert [item.name for item in summary.metrics] == [
        "Completed samples per second",
        "Completed tokens per second",
    ]
    assert summary.parameter("ttft_latency (ns)").number == ttft_bound
    offline = parsed_runs["offline_tokens"]
    assert offline.uses_token_latencies and offline.value("result_tokens_per_second") > 0


# ---------------------------------------------------------------------------
# Hostile inputs: real LoadGen bytes, edited


@pytest.fixture(scope="session")
def real_detail(loadgen_runs) -> bytes:
    return (loadgen_runs["singlestream_perf"] / "mlperf_log_detail.txt").read_bytes()


@pytest.fixture(scope="session")
def real_summary(loadgen_runs) -> bytes:
    return (loadgen_runs["server_perf"] / "mlperf_log_summary.txt").read_bytes()


def same_records(a, b) -> bool:
    return [(r.line, r.key, r.value) for r in a.records] == [
        (r.line, r.key, r.value) for r in b.records
    ]


def test_crlf_and_bom_are_issues_and_change_nothing_else(real_detail: bytes) -> None:
    clean = parse_loadgen_detail(real_detail)
    assert clean.issues == ()
    crlf = parse_loadgen_detail(real_detail.replace(b"\n", b"\r\n"))
    assert kinds(crlf.issues) == [P.ISSUE_CRLF] and crlf.issues[0].line == 1
    assert same_records(clean, crlf)
    bom = parse_loadgen_detail(P.BOM + real_detail)
    assert kinds(bom.issues) == [P.ISSUE_BOM] and bom.issues[0].line == 1
    assert same_records(clean, bom)
    both = parse_loadgen_detail(P.BOM + real_detail.replace(b"\n", b"\r\n"))
    assert sorted(kinds(both.issues)) == sorted([P.ISSUE_BOM, P.ISSUE_CRLF]) and same_records(
        clean, both
    )


def test_truncated_last_line(real_detail: bytes) -> None:
    clean = parse_loadgen_detail(real_detail)
    lines = real_detail.split(b"\n")[:-1]
    # No final newline but a whole record: nothing to report.
    assert parse_loadgen_detail(real_detail[:-1]).issues == ()
    cut = b"\n".join(lines[:-1]) + b"\n" + lines[-1][: len(lines[-1]) // 2]
    detail = parse_loadgen_detail(cut)
    assert kinds(detail.issues) == [P.ISSUE_TRUNCATED_LINE]
    assert detail.issues[0].line == len(lines)
    assert len(detail.records) == len(clean.records) - 1
    assert detail.validity == clean.validity


def test_corrupt_record_in_the_middle(real_detail: bytes) -> None:
    lines = real_detail.split(b"\n")
    target = next(
        i for i, line in enumerate(lines) if b'"key": "effective_min_duration_ms"' in line
    )
    lines[target] = lines[target].replace(b'"value": ', b'"value" ', 1)
    detail = parse_loadgen_detail(b"\n".join(lines))
    assert kinds(detail.issues) == [P.ISSUE_BAD_JSON]
    assert (
        detail.issues[0].line == target + 1
        and "effective_min_duration_ms" in detail.issues[0].excerpt
    )
    assert detail.min_duration_ms is None  # the corrupt record is gone ...
    assert detail.validity == "VALID" and detail.scenario == "SingleStream"  # ... the rest is read


def test_latin1_bytes(real_detail: bytes) -> None:
    lines = real_detail.split(b"\n")
    target = next(i for i, line in enumerate(lines) if b'"key": "sut_name"' in line)
    lines[target] = lines[target].replace(b'"PySUT"', b'"Py\xe9SUT"')
    detail = parse_loadgen_detail(b"\n".join(lines))
    assert kinds(detail.issues) == [P.ISSUE_ENCODING] and detail.issues[0].line == target + 1
    assert detail.sut_name == "Py\u00e9SUT"
    assert len(detail.records) == len(parse_loadgen_detail(real_detail).records)


def test_damaged_records(real_detail: bytes) -> None:
    lines = real_detail.split(b"\n")
    first, second = lines[0], lines[1]
    record = json.loads(first[len(P.TOKEN) :])
    no_key = dict(record)
    del no_key["key"]
    no_metadata = dict(record)
    del no_metadata["metadata"]
    other_space = dict(record, namespace="somewhere::else")
    edited = [
        first + b" " + second,  # two records on one line
        first + b" trailing words",  # text after a record
        b"see :::MLLOG in the docs",  # prose, not a record
        P.TOKEN + json.dumps(no_key).encode(),
        P.TOKEN + json.dumps(no_metadata).encode(),
        P.TOKEN + json.dumps(other_space).encode(),
        P.TOKEN + b"[1, 2]",
        b"a stray line",
    ]
    detail = parse_loadgen_detail(b"\n".join(edited + lines[2:]))
    assert [(i.kind, i.line) for i in detail.issues] == [
        (P.ISSUE_MULTI, 1),
        (P.ISSUE_TRAILING, 2),
        (P.ISSUE_PROSE, 3),
        (P.ISSUE_MISSING_FIELD, 4),
        (P.ISSUE_MISSING_FIELD, 5),
        (P.ISSUE_NAMESPACE, 6),
        (P.ISSUE_BAD_RECORD, 7),
        (P.ISSUE_STRAY_LINE, 8),
    ]
    assert detail.count(record["key"]) == 4  # line 1 (first of two), 2, 5, 6
    assert detail.validity == "VALID"


def test_empty_oversized_and_missing(tmp_path: Path, real_detail: bytes, loadgen_runs) -> None:
    empty = parse_loadgen_detail(b"")
    assert kinds(empty.issues) == [P.ISSUE_EMPTY] and empty.records == ()
    junk = parse_loadgen_detail(b"hello\nworld\n")
    assert kinds(junk.issues) == [P.ISSUE_STRAY_LINE, P.ISSUE_STRAY_LINE, P.ISSUE_NO_RECORDS]
    big = parse_loadgen_detail(real_detail, max_bytes=8192)
    assert kinds(big.issues) == [P.ISSUE_TOO_LARGE]
    assert 0 < len(big.records) < len(parse_loadgen_detail(real_detail).records)
    assert big.value("loadgen_version") is not None
    # A folder with a 0-byte detail log, and one without it.
    source = loadgen_runs["singlestream_perf"]
    zero = tmp_path / "zero"
    shutil.copytree(source, zero)
    (zero / "mlperf_log_detail.txt").write_bytes(b"")
    run = read_loadgen_run(zero)
    assert (
        run.detail.present and kinds(run.detail.issues) == [P.ISSUE_EMPTY] and run.validity is None
    )
    assert run.summary.result == "VALID"
    gone = tmp_path / "gone"
    shutil.copytree(source, gone)
    (gone / "mlperf_log_detail.txt").unlink()
    (gone / "mlperf_log_accuracy.json").unlink()
    run = read_loadgen_run(gone)
    assert not run.detail.present and kinds(run.issues) == [P.ISSUE_MISSING]
    assert run.missing_files == ("mlperf_log_detail.txt", "mlperf_log_accuracy.json")
    assert run.accuracy_log is None and run.summary.result == "VALID"
    assert "mlperf_log_detail.txt" not in run.files
    nowhere = read_loadgen_run(tmp_path / "no-such-folder")
    assert P.ISSUE_MISSING in kinds(nowhere.issues) and nowhere.records == ()
    # The detail log named directly: the folder's other files are found beside it.
    direct = read_loadgen_run(source / "mlperf_log_detail.txt")
    assert direct.validity == "VALID" and direct.summary.result == "VALID" and direct.issues == ()
    assert read_loadgen_run(source / "mlperf_log_summary.txt").detail.records == direct.records
    # LoadGen's own prefix/suffix naming: the other files are named alike.
    named = tmp_path / "named"
    named.mkdir()
    for name in ("detail", "summary"):
        shutil.copy(source / f"mlperf_log_{name}.txt", named / f"run7_{name}_x.txt")
    shutil.copy(source / "mlperf_log_accuracy.json", named / "run7_accuracy_x.json")
    run = read_loadgen_run(named / "run7_detail_x.txt")
    assert run.issues == () and run.missing_files == () and run.summary.result == "VALID"
    assert run.accuracy_log is not None


def test_random_damage_never_raises(real_detail: bytes, real_summary: bytes) -> None:
    rng = random.Random(20240601)
    for data, parse in ((real_detail, parse_loadgen_detail), (real_summary, parse_loadgen_summary)):
        for _ in range(60):
            damaged = bytearray(data)
            for _ in range(rng.randint(1, 40)):
                at = rng.randrange(len(damaged))
                damaged[at] = rng.choice(b'{}[]":,\n\r\x00\xff\xe9 a1')
            cut = rng.randrange(len(damaged) + 1)
            parse(bytes(damaged[:cut]))


def test_hostile_summary(real_summary: bytes) -> None:
    clean = parse_loadgen_summary(real_summary)
    assert clean.issues == () and clean.result in ("VALID", "INVALID")
    windows = parse_loadgen_summary(P.BOM + real_summary.replace(b"\n", b"\r\n"))
    assert sorted(kinds(windows.issues)) == sorted([P.ISSUE_BOM, P.ISSUE_CRLF])
    assert (windows.result, windows.satisfied, windows.test_parameters) == (
        clean.result,
        clean.satisfied,
        clean.test_parameters,
    )
    half = parse_loadgen_summary(real_summary[: len(real_summary) // 2])
    assert kinds(half.issues) == [P.ISSUE_INCOMPLETE] and half.result == clean.result
    head = parse_loadgen_summary(real_summary[:200])
    assert kinds(head.issues) == [P.ISSUE_INCOMPLETE] and head.result is None
    latin = parse_loadgen_summary(real_summary.replace(b"PySUT", b"Py\xe9SUT"))
    assert kinds(latin.issues) == [P.ISSUE_ENCODING] and latin.sut_name == "Py\u00e9SUT"
    assert kinds(parse_loadgen_summary(b"").issues) == [P.ISSUE_EMPTY]
    assert kinds(parse_loadgen_summary(b"just some text\n").issues) == [P.ISSUE_NOT_SUMMARY]
    assert kinds(parse_loadgen_summary(real_summary, max_bytes=512).issues)[0] == P.ISSUE_TOO_LARGE


# ---------------------------------------------------------------------------
# mlperf_log_accuracy.json: whole, and truncated the way submissions are


def official_truncation(text: str) -> str:
    """What truncate_accuracy_log.py writes: first 4096 + "\\n\\n...\\n\\n" + last 4096 characters."""
    return text[:4096] + "\n\n...\n\n" + text[-4096:]


def test_truncated_accuracy_log(tmp_path: Path, loadgen_runs) -> None:
    source = loadgen_runs["offline_accuracy"] / "mlperf_log_accuracy.json"
    text = source.read_text(encoding="utf-8")
    assert len(text) > 3 * 4096
    whole = read_accuracy_json(source)
    assert whole.complete and not whole.truncated and whole.issues == ()
    assert len(whole.entries) == CASES["offline_accuracy"].spec.qsl_total
    truncated_text = official_truncation(text)
    assert len(truncated_text.encode()) == 8199
    with pytest.raises(json.JSONDecodeError):
        json.loads(truncated_text)
    path = tmp_path / "mlperf_log_accuracy.json"
    path.write_text(truncated_text, encoding="utf-8")
    log = read_accuracy_json(path)
    assert log.truncated and not log.complete and log.issues == ()
    # What is recovered is a prefix and a suffix of the real entries (in file order), nothing invented.
    entries = list(log.entries)
    full = list(whole.entries)
    head = 0
    while head < len(entries) and entries[head] == full[head]:
        head += 1
    tail = len(entries) - head
    assert head > 40 and tail > 40 and len(entries) < len(full)
    assert entries[head:] == full[-tail:]
    # Truncated on Windows: CR LF everywhere, 8199 characters once they are LF again.
    windows = read_accuracy_json(truncated_text.replace("\n", "\r\n").encode())
    assert (
        windows.truncated
        and kinds(windows.issues) == [P.ISSUE_CRLF]
        and windows.entries == log.entries
    )
    # Not the official form.
    odd = read_accuracy_json((text[:1000] + "\n\n...\n\n" + text[-1000:]).encode())
    assert odd.truncated and kinds(odd.issues) == [P.ISSUE_TRUNCATION_FORM] and odd.entries
    # Cut short (a crash while writing), and damaged.
    cut = read_accuracy_json(text[:5000].encode())
    assert kinds(cut.issues) == [P.ISSUE_INCOMPLETE] and not cut.complete
    assert list(cut.entries) == list(whole.entries[: len(cut.entries)]) and cut.entries
    assert kinds(read_accuracy_json(b"").issues) == [P.ISSUE_EMPTY]
    assert kinds(read_accuracy_json(b'{"a": 1}').issues) == [P.ISSUE_BAD_RECORD]
    assert kinds(read_accuracy_json(tmp_path / "absent.json").issues) == [P.ISSUE_MISSING]


def test_performance_run_accuracy_log_is_empty_array(parsed_runs) -> None:
    log = parsed_runs["server_perf"].accuracy_log
    assert log is not None and log.complete and log.entries == () and log.size_bytes == 4


# ---------------------------------------------------------------------------
# accuracy.txt


def test_accuracy_txt_shapes() -> None:
    """Every ``name: number`` / ``name=number`` pair is read wherever it stands on a line, as the
    official checker's patterns read them (the last three lines are from real v6.0 results)."""
    sha = "ab" * 32
    text = (
        "accuracy=76.456%, good=38228, total=50000\n"
        "Word Error Rate: 7.45%, accuracy=92.54%\n"
        "Accuracy: mean = 0.86112, kidney = 0.9346, tumor = 0.7877\n"
        "{'rouge1': 44.46, 'rougeL': '29.9', 'gen_len': 22306465}\n"
        '{"exact_match": 82.8, "f1": 90.3}\n'
        "Accuracy Results: {'FID_SCORE': 23.45, 'CLIP_SCORE': 31.78}\n"
        "{'ruby': 411} {'ruby': 846}\n"
        " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.37360\n"
        "mAP=37.360%\nAUC=80.2\nDONE (t=0.57s)\nProcessed 5000 in 50.1s\n"
        "'vbench_score': 69.81\n"  # wan-2.2-t2v-a14b: a quoted name, no braces
        "WARNING:main:metric/lifetime_ne/rating: 0.8675\n"  # dlrm-v3: a logger prefix
        "Accuracy: mean = 0.90862, threshold = 0.90679 (Passed)\n"  # 3d-unet: a verdict after it
        "2026-02-12 10:08:55 INFO /work/build/logs/2026.02.12-08.07.14/vbench_results/x.json\n"
        f"hash={sha}\n"
    )
    acc = read_accuracy_txt(text.encode())
    assert acc.issues == () and acc.hash == sha
    assert acc.metric_values == {
        "accuracy": 92.54,
        "good": 38228.0,
        "total": 50000.0,
        "Word Error Rate": 7.45,
        "mean": 0.90862,
        "kidney": 0.9346,
        "tumor": 0.7877,
        "rouge1": 44.46,
        "rougeL": 29.9,
        "gen_len": 22306465.0,
        "exact_match": 82.8,
        "f1": 90.3,
        "FID_SCORE": 23.45,
        "CLIP_SCORE": 31.78,
        "ruby": 846.0,
        "IoU": 0.5,
        "maxDets": 100.0,
        "mAP": 37.36,
        "AUC": 80.2,
        "vbench_score": 69.81,
        "metric/lifetime_ne/rating": 0.8675,
        "threshold": 0.90679,
    }
    assert acc.metrics[0].percent and acc.metrics[0].line == 1
    bad = read_accuracy_txt(b"accuracy=1%\nhash=xyz\r\nhash=" + sha.encode() + b"\r\n")
    assert kinds(bad.issues) == [P.ISSUE_BAD_HASH, P.ISSUE_CRLF, P.ISSUE_SEVERAL_HASHES]


# ---------------------------------------------------------------------------
# Real submissions: the copies under tests/fixtures/inference (always) and the corpus


def manifest_rows() -> Iterator[dict[str, str]]:
    lines = (INFERENCE_FIXTURES / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    for line in lines[1:]:
        yield dict(zip(header, line.split("\t"), strict=True))


def test_fixture_manifest() -> None:
    rows = list(manifest_rows())
    assert len(rows) >= 3
    listed = {row["local_path"] for row in rows}
    present = {
        str(path.relative_to(INFERENCE_FIXTURES))
        for path in INFERENCE_FIXTURES.rglob("*")
        if path.is_file() and path.name != "MANIFEST.tsv"
    }
    assert listed == present
    for row in rows:
        data = (INFERENCE_FIXTURES / row["local_path"]).read_bytes()
        assert len(data) == int(row["bytes"]) and hashlib.sha256(data).hexdigest() == row["sha256"]
        assert (
            row["source_repo"].startswith("mlcommons/inference_results_v")
            and len(row["commit"]) == 40
        )


def test_real_multistream_run() -> None:
    run = read_loadgen_run(LENOVO_MS / "performance/run_1")
    assert run.issues == ()
    assert run.files == (
        "mlperf_log_accuracy.json",
        "mlperf_log_detail.txt",
        "mlperf_log_summary.txt",
    )
    assert run.missing_files == ()
    assert (run.scenario, run.mode, run.validity, run.early_stopping_met) == (
        "MultiStream",
        "PerformanceOnly",
        "VALID",
        True,
    )
    assert run.loadgen_version == "5.0.25 @ 5232291860" and run.loadgen_version_number == "5.0.25"
    assert run.sut_name == run.summary.sut_name == "LWIS_Server"
    assert run.seeds == {
        "qsl_rng_seed": 1780908523862526354,
        "sample_index_rng_seed": 14771362308971278857,  # beyond a signed 64-bit integer
        "schedule_rng_seed": 18209322760996052031,
        "accuracy_log_rng_seed": 0,
    }
    assert (run.min_duration_ms, run.min_query_count, run.samples_per_query) == (600000, 662, 8)
    assert run.scenario_metric == ("early_stopping_latency_ms", 1482812)
    assert run.summary.metric_name == "99.0th percentile latency (ns)"
    assert run.summary.metric_value == run.percentile_latencies("per_query")[99.0] == 1482562
    assert run.summary.result == run.validity
    assert run.values("generic_message") == [
        "Starting performance mode",
        "Ending naturally: Minimum query count and test duration met.",
    ]
    assert (
        run.summary.early_stopping["Early Stopping Result"][0]
        == "Processed at least 662 queries (408675)."
    )
    assert (
        run.accuracy_log is not None
        and run.accuracy_log.complete
        and run.accuracy_log.entries == ()
    )


def test_real_truncated_accuracy_log_and_accuracy_txt() -> None:
    log = read_accuracy_json(LENOVO_MS / "accuracy/mlperf_log_accuracy.json")
    assert log.truncated and not log.complete and log.issues == () and log.size_bytes == 8199
    assert log.entries[0].seq_id == 0 and log.entries[-1].seq_id == 49999
    assert all(len(entry.data) == 8 for entry in log.entries)  # resnet50 answers one int32 class
    txt = read_accuracy_txt(LENOVO_MS / "accuracy/accuracy.txt")
    assert txt.issues == () and txt.metric("accuracy") == 76.078 and txt.metric("total") == 50000
    assert txt.hash == "355f978aeda26ebf1badae1856aff475b9f5ef0dad5b7c5402578c30d05e6b2d"
    summary = parse_loadgen_summary(LENOVO_MS / "accuracy/mlperf_log_summary.txt")
    assert summary.issues == () and summary.result is None and summary.errors_count == 0


def test_real_token_latency_summary() -> None:
    summary = parse_loadgen_summary(AMD_TOKENS_SUMMARY)
    assert summary.issues == ()
    assert (summary.scenario, summary.result, summary.metric_name, summary.metric_value) == (
        "Server",
        "VALID",
        "Completed samples per second",
        29.41,
    )
    assert summary.metrics[1].name == "Completed tokens per second"
    assert dict(summary.early_stopping) == {
        "TTFT Early Stopping Result": ("Run successful.",),
        "TPOT Early Stopping Result": ("Run successful.",),
    }
    assert summary.parameter("ttft_latency (ns)").number == 450_000_000
    assert summary.parameter("tpot_latency (ns)").number == 40_000_000
    assert summary.notes[0] == "WARNING: sample_concatenate_permutation was set to true."
    assert summary.warnings_count == 0 and summary.errors_count == 0


CORPUS_INFERENCE = CORPUS / "inference"
needs_corpus = pytest.mark.skipif(
    not CORPUS_INFERENCE.is_dir(), reason="../shared/corpus is not present"
)
# Detail and accuracy logs in the corpus that were converted to CR LF (Windows) before submission.
CORPUS_CRLF = {
    "v5.1/Intel/1-node-1x-BMG-Pro-B60-Dual/llama3.1-8b-edge/SingleStream/results/accuracy",
    "v5.1/Lenovo/se100_ultra7_255h/resnet50/Offline/results/accuracy",
    "v5.1/Lenovo/se100_ultra7_255h/resnet50/Offline/compliance/TEST01/accuracy",
}


@needs_corpus
def test_corpus_runs() -> None:
    folders = sorted({path.parent for path in CORPUS_INFERENCE.rglob("mlperf_log_detail.txt")})
    assert len(folders) > 50
    performance = 0
    for folder in folders:
        where = str(folder.relative_to(CORPUS_INFERENCE))
        run = read_loadgen_run(folder)
        expected = [P.ISSUE_CRLF] if where in CORPUS_CRLF else []
        assert sorted(set(kinds(run.issues))) == expected, (where, run.issues)
        assert run.scenario in HEADLINES, where
        assert run.loadgen_version, where
        if run.validity is not None:
            performance += 1
            assert run.summary.result == run.validity, where
            assert run.summary.scenario == run.scenario and run.summary.mode == run.mode, where
            assert run.scenario_metric is not None, where
        else:
            assert run.is_accuracy_run and run.summary.result is None, where
    assert performance > 30


@needs_corpus
def test_corpus_accuracy_files() -> None:
    logs = sorted(CORPUS_INFERENCE.rglob("mlperf_log_accuracy.json"))
    for path in logs:
        where = str(path.parent.relative_to(CORPUS_INFERENCE))
        log = read_accuracy_json(path)
        expected = [P.ISSUE_CRLF] if where in CORPUS_CRLF else []
        assert kinds(log.issues) == expected, (where, log.issues)
        assert log.complete or log.truncated, where
    texts = sorted(CORPUS_INFERENCE.rglob("accuracy.txt"))
    assert len(texts) > 50
    for path in texts:
        txt = read_accuracy_txt(path)
        assert txt.hash is not None and len(txt.hash) == 64, path
        if path.parent.parent.name == "results":
            assert txt.metrics, path  # every results/accuracy/accuracy.txt states its metric


@needs_corpus
def test_corpus_quirks_are_seen() -> None:
    """Real submissions the rules must catch; the parser shows them as they are."""
    lenovo = CORPUS_INFERENCE / "v5.1/Lenovo"
    # An Offline folder whose accuracy run is a SingleStream run, on 962 of 50000 images.
    run = read_loadgen_run(lenovo / "se100_ultra7_255h/resnet50/Offline/results/accuracy")
    assert run.scenario == "SingleStream" and run.is_accuracy_run
    txt = read_accuracy_txt(
        lenovo / "se100_ultra7_255h/resnet50/Offline/results/accuracy/accuracy.txt"
    )
    assert txt.metric("total") == 962 and kinds(txt.issues) == [
        P.ISSUE_CRLF,
        P.ISSUE_SEVERAL_HASHES,
    ]
    # An accuracy folder holding a performance-mode run (the TEST01 log, byte for byte).
    folder = lenovo / "ThinkSystem_SR650_V4_GNR_86C/retinanet/Offline"
    run = read_loadgen_run(folder / "results/accuracy")
    assert run.mode == "PerformanceOnly" and run.validity == "VALID"
    assert (folder / "results/accuracy/mlperf_log_accuracy.json").read_bytes() == (
        folder / "compliance/TEST01/accuracy/mlperf_log_accuracy.json"
    ).read_bytes()


def test_accuracy_txt_hostile_lines_read_in_linear_time() -> None:
    """A crafted accuracy.txt of a few MB (long runs of spaces, names and separators, the shapes
    that made the earlier regular expressions backtrack for ~38 s) is read in well under 20 s."""
    import time

    lines = [
        b"a" + b" " * 400_000 + b"x",  # a name, then spaces that never reach a separator
        b"accuracy" + b" " * 400_000 + b"=x",
        b"Accuracy: " + b"mean " * 80_000 + b"= nope",
        b"a:" * 200_000,
        b"'k': " * 80_000,
        b"x=" + b"1" * 400_000 + b"q",
        b"{" + b"'r': '1', " * 40_000 + b"}",
        (b"w" * 63 + b" ") * 6_000,
        b"accuracy=76.078%, good=38039, total=50000",
    ]
    data = b"\n".join(lines) + b"\nhash=" + b"ab" * 32 + b"\n"
    assert len(data) > 3_000_000
    started = time.perf_counter()
    txt = read_accuracy_txt(data)
    assert time.perf_counter() - started < 5.0
    assert txt.metric("accuracy") == 76.078 and txt.metric("total") == 50000.0
    assert txt.metric("r") == 1.0 and txt.hash == "ab" * 32


# Sample-index arrays (loaded_qsl_set) are kept as bytes and decoded when read; published logs
# (fixtures copied from the fidelity rounds, see tests/fixtures/fidelity/README.md).
QSL_LOGS = [
    FIXTURES / "fidelity/v6.0/closed/AMD/results/8xMI355X_2xEPYC_9575F/gpt-oss-120b/Offline/TEST09/performance/run_1/mlperf_log_detail.txt",
    FIXTURES / "fidelity/v5.1/closed/Google/results/B200-SXM-180GBx8_TRT/llama2-70b-99/Interactive/accuracy/mlperf_log_detail.txt",
]


@pytest.mark.parametrize("path", QSL_LOGS, ids=["30KB-array", "130KB-array"])
def test_sample_index_arrays_read_as_logged(path: Path) -> None:
    detail = parse_loadgen_detail(path)
    plain = plain_records(path)
    assert detail.issues == () and len(detail.records) == len(plain)
    assert [(r.line, r.key, r.value, r.time_ms, r.is_error) for r in detail.records] == [
        (o["line"], o["key"], o["value"], o["time_ms"], o["metadata"]["is_error"]) for o in plain
    ]
    assert len(detail.value("loaded_qsl_set")) > 1000


@pytest.mark.parametrize("path", QSL_LOGS, ids=["30KB-array", "130KB-array"])
def test_damaged_sample_index_array_is_reported_as_before(path: Path) -> None:
    data = path.read_bytes()
    lines = data.split(b"\n")
    at = next(i for i, line in enumerate(lines) if b'"key": "loaded_qsl_set"' in line)
    line = lines[at]
    start = line.index(b"[") + 1
    second = line.index(b",", start) + 1
    damaged = {
        "empty number": line[:second] + b"," + line[second:],
        "leading zero": line[:second] + b"0" + line[second:],
        "letter": line[:second] + b"x" + line[second:],
        "number past any float": line[:start] + b"9" * 400 + line[second - 1 :],
    }
    for what, edited in damaged.items():
        detail = parse_loadgen_detail(b"\n".join(lines[:at] + [edited] + lines[at + 1 :]))
        assert [(i.kind, i.line) for i in detail.issues] == [(P.ISSUE_BAD_JSON, at + 1)], what
        assert detail.count("loaded_qsl_set") == 0 and len(detail.records) == len(lines) - 2, what
    # Valid JSON LoadGen does not write (spaces, a negative number) is read whole, as JSON.
    spaced = line[:second] + b" -1, " + line[second:]
    detail = parse_loadgen_detail(b"\n".join(lines[:at] + [spaced] + lines[at + 1 :]))
    assert detail.issues == () and detail.value("loaded_qsl_set")[1:3] == [-1, json.loads(line[second:].split(b",")[0])]


_QSL_LOG = Path(__file__).parents[1] / "fixtures/fidelity/v5.1/closed/Google/results/B200-SXM-180GBx8_TRT/llama2-70b-99/Interactive/accuracy/mlperf_log_detail.txt"


def _read_detail(data: bytes, memo: bool, known: tuple[bytes, ...] = ()) -> tuple[list[tuple[int, str, object]], list[tuple[str, int | None, str]]]:
    """The records (line, key, value) and issues of a detail log's bytes, with the memo of known
    sample-index arrays on (after reading the logs ``known``) or off."""
    from compliance.parsers.loadgen import detail

    saved = detail._ARRAYS
    detail._ARRAYS = detail._ArrayMemo()
    if not memo:
        detail._ARRAYS.MOST_BYTES = 0
    try:
        for other in known:
            P.parse_loadgen_detail(other, display_path="d.txt")
        first = P.parse_loadgen_detail(data, display_path="d.txt")
        again = P.parse_loadgen_detail(data, display_path="d.txt")  # the arrays now known
    finally:
        detail._ARRAYS = saved
    records = [(r.line, r.key, r.value) for r in again.records]
    assert records == [(r.line, r.key, r.value) for r in first.records]
    return records, [(i.kind, i.line, i.message) for i in again.issues]


def test_known_sample_index_arrays_are_read_as_unknown_ones() -> None:
    """A round repeats the same ``loaded_qsl_set`` array in most logs, so an array met before is
    compared in place instead of checked again: the records and issues must be those a first
    reading gives, for the real array and for arrays that share its length, start and end but
    differ inside (a leading zero, a doubled comma, a letter), which must still be refused."""
    data = _QSL_LOG.read_bytes()
    at = data.index(b'"loaded_qsl_set", "value": [') + len(b'"loaded_qsl_set", "value": [')
    stop = data.index(b"]", at)
    middle = at + (stop - at) // 2
    comma = data.index(b",", middle)
    variants = [data]
    for pos, new in ((comma + 1, b"0"), (comma, b","), (middle, b"x")):
        variants.append(data[:pos] + new + data[pos + 1 :])
    long_line = data[:at] + b",".join([data[at:stop]] * 12) + data[stop:]  # past 64 KiB: the long-line path
    variants += [long_line, long_line[: len(long_line) // 2] + b"0" + long_line[len(long_line) // 2 + 1 :]]
    assert len(long_line) - len(data) > 1 << 16
    for variant in variants:
        assert _read_detail(variant, memo=True, known=(data, long_line)) == _read_detail(variant, memo=False)
    # The memo remembers each kind of array once, and a record reads as the whole array.
    records, issues = _read_detail(data, memo=True)
    (qsl,) = [value for _, key, value in records if key == "loaded_qsl_set"]
    assert qsl == json.loads(data[at - 1 : stop + 1])


def test_runs_of_plain_lines_read_as_lines_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run of plain lines is read with one orjson call; whatever a line holds (a second record,
    a stray character, an array, a brace in a string, a blank line), the records and issues must
    be those of reading each line alone."""
    from compliance.parsers.loadgen import detail

    data = _QSL_LOG.read_bytes()
    rng = random.Random(5)
    lines = data.split(b"\n")
    variants = [data]
    edits = [b"", b" ", b"x", b"[", b"{", b"}", b'"', b"\\", b":::MLLOG ", b"\n", b"\n\n", b'{"a": 1}', b"\xff"]
    for _ in range(120):
        i = rng.randrange(len(lines))
        line = lines[i]
        at = rng.randrange(len(line) + 1)
        changed = lines[:i] + [line[:at] + rng.choice(edits) + line[at + rng.randint(0, 2):]] + lines[i + 1 :]
        variants.append(b"\n".join(changed))
    # A "[" in a string (LoadGen's git log message names "[Whisper]" commits) and an object
    # value (loadgen_file_sha1) before the first array: each ends a run, the lines after it still read in one.
    for value in (b'"fix [Whisper] (#2305)"', b'{"loadgen.cc": "ab12"}', b'"a \\"value\\": {"'):
        extra = b':::MLLOG {"key": "extra", "value": ' + value + b', "time_ms": 0.1, "namespace": "mlperf::logging", "event_type": "POINT_IN_TIME", "metadata": {"is_error": false, "is_warning": false, "file": "f.cc", "line_no": 1, "pid": 1, "tid": 1}}'
        variants.append(b"\n".join(lines[:3] + [extra] + lines[3:]))

    def read(blob: bytes) -> tuple[list[tuple[int, str, object, bool, bool]], list[tuple[str, int | None, str]]]:
        log = P.parse_loadgen_detail(blob, display_path="d.txt")
        return [(r.line, r.key, r.value, r.is_error, r.is_warning) for r in log.records], [(i.kind, i.line, i.message) for i in log.issues]

    for blob in variants:
        together = read(blob)
        with monkeypatch.context() as patch:
            patch.setattr(detail._DetailBuilder, "run", lambda self, *args: False)
            alone = read(blob)
        assert together == alone
