"""The MLLOG reader's block scanner against a line-by-line reading of the same bytes.

The scanner reads each block of the file in place, takes the common record (one on its line,
a known key, an integer time) without a call, looks for the next record at the start of the
next line first, and joins only a line that runs from one block into the next. Each of these
is a shortcut of reading the file line by line, every line with a token through the general
path (``_parse_line``): whatever the lines and wherever the blocks end, both must give the same
records, tallies, issues and line count, with and without a router that takes keys over.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.models.mllog import TrainingLog
from compliance.parsers import mllog

TOKEN = b":::MLLOG "


def _record(key: str, time_ms: object, value: object = 1, metadata: object = None) -> bytes:
    meta = "{}" if metadata is None else metadata
    return b':::MLLOG {"namespace": "", "time_ms": %s, "event_type": "POINT_IN_TIME", "key": "%s", "value": %s, "metadata": %s}' % (
        str(time_ms).encode(),
        key.encode(),
        str(value).encode(),
        str(meta).encode(),
    )


# Every shape of line the scanner tells apart: common records of a few keys (integer and float
# times), a record after a rank prefix, nested values, noise, prose, arrays, broken JSON, two
# records on one line, a bad time, a missing field, a carriage return, an empty line.
LINES = {
    "a": _record("a", 1000),
    "b": _record("b", 1001, 2.5, '{"epoch_num": 3}'),
    "c": _record("c", 1002, '"text"'),
    "float": _record("a", 1003.5),
    "prefixed": b"[1,0]<stdout>:" + _record("b", 1004),
    "spaced": b":::MLLOG  " + _record("a", 1005)[len(TOKEN) :],
    "nested": _record("a", 1006, '{"x": [1, 2, {"y": 3}]}'),
    "brace-in-string": _record("c", 1007, '"{{["'),
    "noise": b"Epoch 0: 12%|##  | 100/800 [00:10<01:10, loss=2.3]",
    "prose": b"grep for :::MLLOG lines in the output",
    "array": b":::MLLOG [1, 2]",
    "number": b":::MLLOG 5",
    "broken": b':::MLLOG {"namespace": "", "time_ms": 3, "key": "a", ',
    "two": _record("a", 1008) + b" " + _record("b", 1009),
    "trailing": _record("c", 1010) + b" and then some text",
    "bad-time": _record("a", '"soon"'),
    "bool-time": _record("b", "true"),
    "huge-time": _record("a", 10**20),
    "no-metadata": b':::MLLOG {"namespace": "", "time_ms": 4, "key": "a", "value": 1}',
    "int-key": b':::MLLOG {"namespace": "", "time_ms": 4, "key": 7, "value": 1, "metadata": {}}',
    "crlf": _record("c", 1011) + b"\r",
    "empty": b"",
}
NAMES = sorted(LINES)


class _Collect(mllog.Router):
    """Takes over every key at its first probe; keeps the rows it is handed."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[Any, ...]]] = {}

    def start(self, log: TrainingLog) -> None:
        self.rows = {}

    def probe(self, key: str, records: list[Any]) -> Any:
        taken = self.rows.setdefault(key, [])
        return lambda rows: taken.extend((r[0], r[1], r[2], r[3], r[4]) for r in rows)


def _line_by_line(data: bytes, router: mllog.Router | None) -> TrainingLog:
    """The reference: every line with a token read through the general path."""
    log = TrainingLog(path="<bytes>", size_bytes=len(data))
    builder = mllog._Builder(log, None, router)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        at = line.find(TOKEN)
        if at >= 0:
            mllog._parse_line(builder, number, line, at)
    builder.finish()
    log.lines = len(lines)
    return log


def _scanned(data: bytes, router: mllog.Router | None) -> TrainingLog:
    log = TrainingLog(path="<bytes>", size_bytes=len(data))
    builder = mllog._Builder(log, None, router)
    import io

    log.lines = mllog._scan(io.BytesIO(data), builder)
    builder.finish()
    return log


def _seen(log: TrainingLog) -> dict[str, Any]:
    return {
        "records": {key: [(r.seq, r.line, r.time_ms, r.key, r.value, r.metadata) for r in rows] for key, rows in log.by_key.items()},
        "stats": {key: (s.count, s.first_line) for key, s in log.stats.items()},
        "issues": [(i.kind, i.line, i.message) for i in log.issues],
        "count": log.records,
        "lines": log.lines,
        "streamed": log.streamed,
    }


@settings(max_examples=300, derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(st.sampled_from(NAMES), min_size=1, max_size=400),
    final_newline=st.booleans(),
    block=st.sampled_from([1, 7, 64, 301, 4096, 1 << 22]),
    routed=st.booleans(),
)
def test_block_scanner_reads_as_line_by_line(names: list[str], final_newline: bool, block: int, routed: bool) -> None:
    data = b"\n".join(LINES[name] for name in names) + (b"\n" if final_newline else b"")
    expected_router = _Collect() if routed else None
    expected = _line_by_line(data, expected_router)
    router = _Collect() if routed else None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mllog, "BLOCK_SIZE", block)
        got = _scanned(data, router)
    assert _seen(got) == _seen(expected)
    if routed:
        assert router is not None and expected_router is not None
        assert router.rows == expected_router.rows


def test_many_records_of_a_key_are_handed_over_in_order() -> None:
    """Past the probe, the records of a key go to the router in batches, in file order, with
    their sequence numbers among all the records (noise lines between them or not)."""
    lines = []
    for i in range(1000):
        lines.append(_record("a", 5000 + i, i))
        if i % 3 == 0:
            lines.append(b"noise line")
    data = b"\n".join(lines) + b"\n"
    router = _Collect()
    log = _scanned(data, router)
    kept = [r.value for r in log.by_key["a"]]
    handed = [row[3] for row in router.rows["a"]]
    assert kept + handed == list(range(1000))
    assert [row[0] for row in router.rows["a"]] == list(range(len(kept), 1000))
    assert log.stats["a"].count == 1000 and log.records == 1000 and log.lines == len(lines)
