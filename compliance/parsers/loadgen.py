"""Readers for the files of an MLPerf Inference LoadGen run.

- ``parse_loadgen_detail``: ``mlperf_log_detail.txt``, one ``:::MLLOG {json}``
  record per line (``namespace: "mlperf::logging"``, ``time_ms`` since the log
  origin, metadata ``is_error``/``is_warning``/``file``/``line_no``/``pid``/``tid``,
  keys may repeat). Scanned like our MLLOG reader (``compliance.parsers.mllog``):
  the token is found with ``bytes.find``, the payload parsed with orjson, and
  only a line orjson refuses takes the slow path (stdlib JSON for NaN and huge
  integers, latin-1 for bytes that are not UTF-8, text before/after a record).
- ``parse_loadgen_summary``: ``mlperf_log_summary.txt``, parsed line by line
  (separators vary: ``key : v``, ``key: v``, padded ``key    : v``).
- ``read_accuracy_json``: ``mlperf_log_accuracy.json``, a JSON array, or the
  submission's truncated form (first 4096 characters + ``"\\n\\n...\\n\\n"`` +
  last 4096 characters, not valid JSON), from which the whole entries are recovered.
- ``read_accuracy_txt``: ``accuracy.txt``: the metric lines the accuracy
  scripts print (``accuracy=76.078%, good=38039, total=50000``,
  ``{'rouge1': 44.46, ...}``, ``Accuracy: mean = 0.86112, ...``) and ``hash=``.
- ``read_loadgen_run``: a run folder (or its detail log) -> ``LoadgenRun``.

Nothing here raises on bad input: a missing, empty, oversized or unreadable
file, CRLF line ends, a UTF-8 byte-order mark, bytes that are not UTF-8, a
corrupt record or a truncated last line each become a ``LoadgenIssue`` and the
rest is read. Nothing here writes anything, or evaluates anything it reads.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from compliance.models.loadgen import (
    AccuracyEntry,
    AccuracyLog,
    AccuracyMetric,
    AccuracyText,
    LoadgenDetail,
    LoadgenIssue,
    LoadgenRecord,
    LoadgenRun,
    LoadgenSummary,
    SummaryField,
)
from compliance.parsers.mllog import (
    BIG_PAYLOAD,
    MAX_INT_DIGITS,
    RecordBounds,
    bounded_int,
    ISSUE_BAD_JSON,
    ISSUE_BAD_RECORD,
    ISSUE_ENCODING,
    ISSUE_LONG_LINE,
    ISSUE_MULTI,
    MAX_LINE_BYTES,
    ISSUE_PROSE,
    ISSUE_TRAILING,
    ISSUE_UNREADABLE,
    TOKEN,
    TOKEN_LEN,
)
from compliance.parsers.safefs import NotRegularFile, is_folder, lstat, open_regular, read_upto, scandir, shown, why_unreadable

DETAIL_FILE = "mlperf_log_detail.txt"
SUMMARY_FILE = "mlperf_log_summary.txt"
ACCURACY_LOG_FILE = "mlperf_log_accuracy.json"
TRACE_FILE = "mlperf_log_trace.json"
ACCURACY_TXT_FILE = "accuracy.txt"
RUN_FILES = (DETAIL_FILE, SUMMARY_FILE, ACCURACY_LOG_FILE)

NAMESPACE = "mlperf::logging"
BOM = b"\xef\xbb\xbf"

DEFAULT_MAX_BYTES = 256 << 20  # detail logs: a few MB at most in real submissions
SUMMARY_MAX_BYTES = 16 << 20
ACCURACY_LOG_MAX_BYTES = 256 << 20
ACCURACY_TXT_MAX_BYTES = 16 << 20
ARRAY_BYTES = 2048  # a detail-log line this long may hold an array of integers kept undecoded (_DetailBuilder.lazy)
MAX_ISSUES_PER_KIND = 20  # further issues of a kind are counted in one closing issue

# truncate_accuracy_log.py keeps the first and the last 4096 characters around this marker.
TRUNCATION_MARKER = "\n\n...\n\n"
TRUNCATION_KEEP = 4096
TRUNCATED_SIZE = 2 * TRUNCATION_KEEP + len(TRUNCATION_MARKER)  # 8199

# Kinds of issues. Those shared with the MLLOG reader (bad-json, bad-record,
# prose-token, not-utf8, trailing-text, several-records-on-line, unreadable)
# are its own constants, so the rules can treat both logs alike.
ISSUE_MISSING = "missing-file"
ISSUE_EMPTY = "empty-file"
ISSUE_TOO_LARGE = "too-large"
ISSUE_BOM = "bom"
ISSUE_CRLF = "crlf"
ISSUE_MISSING_FIELD = "missing-field"
ISSUE_TRUNCATED_LINE = "truncated-last-line"
ISSUE_STRAY_LINE = "stray-line"
ISSUE_NAMESPACE = "wrong-namespace"
ISSUE_NO_RECORDS = "no-records"
ISSUE_NOT_SUMMARY = "not-a-summary"
ISSUE_INCOMPLETE = "incomplete"
ISSUE_TRUNCATION_FORM = "truncation-nonstandard"
ISSUE_BAD_HASH = "bad-hash"
ISSUE_SEVERAL_HASHES = "several-hashes"
ISSUE_MORE = "more-issues"
ISSUE_BAD_NUMBER = "bad-number"

__all__ = [
    "ACCURACY_LOG_FILE",
    "ACCURACY_TXT_FILE",
    "DETAIL_FILE",
    "SUMMARY_FILE",
    "TRACE_FILE",
    "parse_loadgen_detail",
    "parse_loadgen_summary",
    "read_accuracy_json",
    "read_accuracy_txt",
    "read_loadgen_run",
]

_DECODER = json.JSONDecoder(parse_int=bounded_int)
_TOKEN_TEXT = TOKEN.decode()
_EXCERPT = 160

Source = str | os.PathLike[str] | bytes | bytearray


def _excerpt(raw: bytes | str) -> str:
    raw = raw[: 4 * _EXCERPT]  # never decode a whole (possibly huge) line for an excerpt
    text = raw.decode("utf-8", "replace") if isinstance(raw, (bytes, bytearray)) else raw
    text = text.strip()
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…"


class _Issues:
    """Collects one file's issues; past MAX_ISSUES_PER_KIND of a kind they are only counted."""

    def __init__(self, path: str):
        self.path = path
        self.items: list[LoadgenIssue] = []
        self.counts: dict[str, int] = {}
        self.first_dropped: dict[str, int | None] = {}

    def add(self, kind: str, line: int | None, message: str, excerpt: bytes | str = b"") -> None:
        seen = self.counts.get(kind, 0) + 1
        self.counts[kind] = seen
        if seen <= MAX_ISSUES_PER_KIND:
            self.items.append(LoadgenIssue(kind, self.path, line, message, _excerpt(excerpt)))
        elif seen == MAX_ISSUES_PER_KIND + 1:
            self.first_dropped[kind] = line

    def finish(self) -> tuple[LoadgenIssue, ...]:
        for kind, line in self.first_dropped.items():
            more = self.counts[kind] - MAX_ISSUES_PER_KIND
            self.items.append(
                LoadgenIssue(
                    ISSUE_MORE,
                    self.path,
                    line,
                    f"{more} more '{kind}' issue(s) in this file, from line {line} on, are not listed",
                )
            )
        self.first_dropped.clear()
        return tuple(self.items)


@dataclass(slots=True)
class _Loaded:
    path: str
    present: bool = True
    readable: bool = True
    size: int = 0
    data: bytes = b""
    cut: bool = False  # only the first max_bytes were read


def _load(
    source: Source, max_bytes: int, display_path: str | None, follow_links: bool = False
) -> tuple[_Loaded, _Issues]:
    """Read a file (or take bytes) up to ``max_bytes``; problems go to the returned issues.

    Only a regular file is opened (never a pipe or device), a symbolic link only with ``follow_links``.
    """
    if isinstance(source, (bytes, bytearray)):
        path = display_path or "<bytes>"
        issues = _Issues(path)
        data = bytes(source)
        loaded = _Loaded(path, size=len(data))
        if len(data) > max_bytes:
            data = data[:max_bytes]
            loaded.cut = True
        loaded.data = data
        return loaded, issues
    path = display_path or shown(os.fspath(source))
    issues = _Issues(path)
    loaded = _Loaded(path)
    try:
        with open_regular(source, follow_links=follow_links) as stream:
            loaded.size = os.fstat(stream.fileno()).st_size
            data = read_upto(stream, loaded.size, max_bytes)
    except FileNotFoundError:
        loaded.present = loaded.readable = False
        issues.add(ISSUE_MISSING, None, f"{os.path.basename(path) or path} is missing")
        return loaded, issues
    except NotRegularFile as err:
        loaded.readable = False
        issues.add(ISSUE_UNREADABLE, None, f"not read: {err.strerror}")
        return loaded, issues
    except (OSError, ValueError) as err:
        loaded.readable = False
        reason = why_unreadable(err) if isinstance(err, OSError) else "the path is not valid"
        issues.add(ISSUE_UNREADABLE, None, f"cannot read the file: {reason}")
        return loaded, issues
    if len(data) > max_bytes:
        data = data[:max_bytes]
        loaded.cut = True
        loaded.size = max(loaded.size, len(data) + 1)  # the file grew since it was opened
    loaded.data = data
    return loaded, issues


def _report_cut(
    loaded: _Loaded, issues: _Issues, max_bytes: int, lines_read: int | None = None
) -> None:
    read = f"; only the first {_size(max_bytes)} were read"
    if lines_read is not None:
        read += f" ({lines_read} lines)"
    issues.add(
        ISSUE_TOO_LARGE,
        None,
        f"the file is {_size(loaded.size)}, over the {_size(max_bytes)} limit{read}",
    )


def _size(count: int) -> str:
    if count >= 1 << 20:
        return f"{count / (1 << 20):.1f} MiB"
    if count >= 1 << 10:
        return f"{count / (1 << 10):.1f} KiB"
    return f"{count} bytes"


def _whole_lines(data: bytes) -> bytes:
    """Drop a partial last line (used when a file was cut at the size limit)."""
    end = data.rfind(b"\n")
    return data[: end + 1] if end >= 0 else b""


def _long_line(issues: _Issues, line_no: int, data: bytes, pos: int, end: int) -> None:
    issues.add(
        ISSUE_LONG_LINE,
        line_no,
        f"the line is {_size(end - pos)}, longer than {_size(MAX_LINE_BYTES)}; it was skipped",
        data[pos : pos + _EXCERPT],
    )


def _split_lines(data: bytes, issues: _Issues) -> Iterator[tuple[int, bytes, bool]]:
    """Yield (line number, line without its end, whether the line lacks a newline).

    Strips a UTF-8 BOM from the first line and a CR before each LF, reporting
    each once per file.
    """
    if data.startswith(BOM):
        issues.add(
            ISSUE_BOM, 1, "the file starts with a UTF-8 byte-order mark (LoadGen writes none)"
        )
        data = data[len(BOM) :]
    size = len(data)
    pos = 0
    line_no = 0
    crlf = 0
    first_crlf = 0
    while pos < size:
        end = data.find(b"\n", pos)
        unterminated = end < 0
        if unterminated:
            end = size
        line_no += 1
        if end - pos > MAX_LINE_BYTES:  # never copied nor parsed: read on as if it were empty
            _long_line(issues, line_no, data, pos, end)
            pos = end + 1
            yield line_no, b"", unterminated
            continue
        raw = data[pos:end]
        if raw.endswith(b"\r"):
            raw = raw[:-1]
            if not unterminated:
                crlf += 1
                if crlf == 1:
                    first_crlf = line_no
        pos = end + 1
        yield line_no, raw, unterminated
    if crlf:
        issues.add(
            ISSUE_CRLF,
            first_crlf,
            f"{crlf} line(s) end with CR LF (\\r\\n) where LoadGen writes LF: the file was converted "
            "(e.g. on Windows); it was read as if the CRs were not there",
        )


# ---------------------------------------------------------------------------
# mlperf_log_detail.txt


class _Unread:
    """A record's value kept as its bytes (``_DetailBuilder.lazy``), and the record's counts of
    ``{`` and ``[`` and of commas (``RecordBounds``)."""

    __slots__ = ("raw", "brackets", "commas")

    def __init__(self, raw: bytes, brackets: int, commas: int):
        self.raw, self.brackets, self.commas = raw, brackets, commas


_VALUE: Any = LoadgenRecord.__dict__["value"]  # the slot descriptor the value is kept in
_AS_D = bytes.maketrans(b"0123456789", b"d" * 10)
_LONGEST_INT = b"d" * (MAX_INT_DIGITS + 1)  # a longer integer is refused (bounded_int)


def _decoded(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:  # an integer past 64 bits: as the slow path reads it
        try:
            return _DECODER.decode(raw.decode("ascii"))
        except ValueError:
            return None


class _ArrayRecord(LoadgenRecord):
    """A record whose value, an array of integers (``_DetailBuilder.lazy``), is decoded from its
    bytes when first read: to the rules it is a ``LoadgenRecord`` like any other."""

    __slots__ = ("raw",)
    raw: bytes | None

    @property
    def value(self) -> Any:
        raw = self.raw
        if raw is not None:
            _VALUE.__set__(self, _decoded(raw))
            self.raw = None
        return _VALUE.__get__(self)

    @value.setter
    def value(self, value: Any) -> None:
        _VALUE.__set__(self, value)
        self.raw = None


class _DetailBuilder:
    __slots__ = ("issues", "records", "by_key", "namespace_reported", "bounds")

    def __init__(self, issues: _Issues):
        self.issues = issues
        self.records: list[LoadgenRecord] = []
        self.by_key: dict[str, list[LoadgenRecord]] = {}
        self.namespace_reported = False
        self.bounds = RecordBounds()  # what the records may expand to (objects per record, values per file)

    def add(self, line: int, obj: Any, raw: bytes | str) -> None:
        """One decoded record. A record with nothing to report (the case of every line LoadGen
        writes) is kept at once; anything else goes through ``_add``, which says what is wrong."""
        if type(raw) is not bytes or not self.plain(line, obj, raw):
            self._add(line, obj, raw)

    def plain(self, line: int, obj: Any, payload: bytes) -> bool:
        """Keep ``obj`` (decoded from ``payload``, the bytes after the token) if it is a record as
        LoadGen writes it, within the bounds; False, keeping nothing, for anything else."""
        if type(obj) is not dict or "key" not in obj or "value" not in obj or "time_ms" not in obj:
            return False
        key = obj["key"]
        time_ms = obj["time_ms"]
        metadata = obj.get("metadata")
        kind = type(time_ms)
        if type(key) is not str or not key or (kind is not float and kind is not int) or type(metadata) is not dict:
            return False
        is_error = metadata.get("is_error")
        is_warning = metadata.get("is_warning")
        if (
            (is_error is not True and is_error is not False)
            or (is_warning is not True and is_warning is not False)
            or obj.get("namespace") != NAMESPACE
            or not math.isfinite(time_ms)
        ):
            return False
        value = obj["value"]
        if type(value) is _Unread:  # the array's bytes (``lazy``): a flat array, counted there
            if self.bounds.refuse(payload, (), metadata, value.brackets, value.commas) is not None:
                return False
            record: LoadgenRecord = _ArrayRecord(line, float(time_ms), key, None, is_error, is_warning)
            record.raw = value.raw  # type: ignore[attr-defined]
        else:
            brackets = payload.count(b"{") + payload.count(b"[")
            if brackets > 2 and self.bounds.refuse(payload, value, metadata, brackets) is not None:
                return False
            record = LoadgenRecord(line, float(time_ms), key, value, is_error, is_warning)
        self.records.append(record)
        bucket = self.by_key.get(key)
        if bucket is None:
            self.by_key[key] = [record]
        else:
            bucket.append(record)
        return True

    def lazy(self, line: int, payload: bytes) -> bool:
        """Keep a record whose value is a long JSON array of integers as LoadGen writes them
        (``loaded_qsl_set``: thousands of sample indices no rule reads, most of a log's bytes)
        without making the list: the array's bytes are checked to be one (digits, one ``,`` or
        ``", "`` between them throughout, no leading zero) and decoded only if a rule reads the value; the rest of
        the record is decoded and checked as ``plain`` does. False, keeping nothing, for any
        other line (it is then decoded whole)."""
        if not payload.startswith(b'{"key": "'):
            return False
        quote = payload.find(b'"', 9)
        start = quote + 13  # the array's first number
        name = payload[9:quote]
        if quote < 0 or payload[quote:start] != b'", "value": [' or not name or min(name) < 32 or b"\\" in name:
            return False
        stop = payload.find(b"]", start)
        if stop < 0 or payload[stop + 1 : stop + 14] != b', "time_ms": ':
            return False
        numbers = payload[start:stop]
        separators = numbers.translate(None, b"0123456789")
        sep = b", " if separators[1:2] == b" " else b","  # LoadGen writes ","; json.dumps ", "
        commas = len(separators) // len(sep)
        if (
            separators != sep * commas
            or not numbers[:1].isdigit()
            or not numbers[-1:].isdigit()
            or sep + sep in numbers
            or (numbers[:1] == b"0" and numbers[1:2].isdigit())
            or (len(numbers) - len(separators) > MAX_INT_DIGITS and _LONGEST_INT in numbers.translate(_AS_D))
        ):
            return False
        zero = sep[-1:] + b"0"
        at = numbers.find(zero)
        for _ in range(8):  # a number after the first starting with 0: a leading zero is not JSON
            if at < 0:
                break
            if numbers[at + 2 : at + 3].isdigit():
                return False
            at = numbers.find(zero, at + 2)
        else:
            return False
        try:
            obj = orjson.loads(b"{" + payload[stop + 3 :])
            key = name.decode("utf-8")
        except (orjson.JSONDecodeError, UnicodeDecodeError):
            return False
        if type(obj) is not dict or "key" in obj or "value" in obj:
            return False
        outside = payload[:start] + payload[stop:]
        obj["key"] = key
        obj["value"] = _Unread(payload[start - 1 : stop + 1], outside.count(b"{") + outside.count(b"["), outside.count(b",") + commas)
        return self.plain(line, obj, payload)

    def _keep(self, record: LoadgenRecord) -> None:
        self.records.append(record)
        bucket = self.by_key.get(record.key)
        if bucket is None:
            self.by_key[record.key] = [record]
        else:
            bucket.append(record)

    def _add(self, line: int, obj: Any, raw: bytes | str) -> None:
        issues = self.issues
        if type(obj) is not dict:
            issues.add(
                ISSUE_BAD_RECORD,
                line,
                f"the record is a JSON {type(obj).__name__}, not an object",
                raw,
            )
            return
        missing = [name for name in ("key", "value", "time_ms") if name not in obj]
        if missing:
            names = ", ".join(f"'{name}'" for name in missing)
            issues.add(
                ISSUE_MISSING_FIELD, line, f"the record has no {names} field; it was skipped", raw
            )
            return
        key = obj["key"]
        if type(key) is not str or not key:
            issues.add(
                ISSUE_BAD_RECORD,
                line,
                "the record's 'key' is not a non-empty string; it was skipped",
                raw,
            )
            return
        time_ms = obj["time_ms"]
        if (
            type(time_ms) is bool
            or not isinstance(time_ms, (int, float))
            or not math.isfinite(time_ms)
        ):
            issues.add(
                ISSUE_BAD_RECORD,
                line,
                f"'{key}': 'time_ms' ({time_ms!r}) is not a finite number; skipped",
                raw,
            )
            return
        metadata = obj.get("metadata")
        why = self.bounds.refuse(raw if isinstance(raw, bytes) else raw.encode(), obj["value"], metadata)
        if why is not None:
            issues.add(ISSUE_BAD_RECORD, line, f"'{key}': {why}; skipped", raw)
            return
        is_error = is_warning = False
        if metadata is None:
            issues.add(
                ISSUE_MISSING_FIELD,
                line,
                f"'{key}': the record has no 'metadata' (is_error, is_warning)",
                raw,
            )
        elif type(metadata) is not dict:
            issues.add(
                ISSUE_BAD_RECORD,
                line,
                f"'{key}': the record's 'metadata' is not a JSON object",
                raw,
            )
        else:
            flags = []
            for name in ("is_error", "is_warning"):
                flag = metadata.get(name)
                if flag is None:
                    flags.append(name)
                elif type(flag) is not bool:
                    issues.add(
                        ISSUE_BAD_RECORD,
                        line,
                        f"'{key}': metadata '{name}' ({flag!r}) is not true/false",
                        raw,
                    )
            if flags:
                issues.add(
                    ISSUE_MISSING_FIELD,
                    line,
                    f"'{key}': the metadata has no " + " or ".join(flags) + " flag",
                    raw,
                )
            is_error = metadata.get("is_error") is True
            is_warning = metadata.get("is_warning") is True
        namespace = obj.get("namespace")
        if namespace != NAMESPACE:
            seen = "no namespace" if namespace is None else f"namespace {namespace!r}"
            issues.add(
                ISSUE_NAMESPACE, line, f"'{key}': the record has {seen}, not '{NAMESPACE}'", raw
            )
        self._keep(LoadgenRecord(line, float(time_ms), key, obj["value"], is_error, is_warning))

    def line(self, line_no: int, raw: bytes, unterminated: bool) -> None:
        issues = self.issues
        at = raw.find(TOKEN)
        if at < 0:
            if not raw.strip():
                return
            if b":::MLLOG" in raw:
                issues.add(
                    ISSUE_PROSE,
                    line_no,
                    "the line mentions ':::MLLOG' but no JSON record follows it",
                    raw,
                )
            elif unterminated and TOKEN.startswith(raw.strip()[: len(TOKEN)]):
                issues.add(
                    ISSUE_TRUNCATED_LINE, line_no, "the file ends inside the ':::MLLOG' token", raw
                )
            else:
                issues.add(
                    ISSUE_STRAY_LINE,
                    line_no,
                    "the line is not a ':::MLLOG' record (LoadGen writes only records)",
                    raw,
                )
            return
        payload = raw[at + len(TOKEN) :]
        if len(payload) > BIG_PAYLOAD:  # measured before it is parsed
            why = self.bounds.too_many_objects(payload)
            if why is not None:
                issues.add(ISSUE_BAD_RECORD, line_no, f"{why}; the record was not read", raw)
                return
        if payload[:1] not in (b"{", b"[") and payload.lstrip()[:1] not in (b"{", b"["):
            self._slow(line_no, raw, payload, unterminated)  # prose, or cut right after the token
            return
        if raw[:at].strip():
            issues.add(
                ISSUE_TRAILING,
                line_no,
                f"text comes before the record: {_excerpt(raw[:at])[:60]!r}",
                raw,
            )
        if at == 0 and len(payload) >= ARRAY_BYTES and self.lazy(line_no, payload):
            return
        try:
            obj = orjson.loads(payload)
        except orjson.JSONDecodeError:
            self._slow(line_no, raw, payload, unterminated)
            return
        self.add(line_no, obj, raw)

    def _slow(self, line_no: int, raw: bytes, payload: bytes, unterminated: bool) -> None:
        """A line orjson refused: NaN or huge integers, non-UTF-8 bytes, extra text, or damage."""
        issues = self.issues
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            text = payload.decode("latin-1")
            issues.add(
                ISSUE_ENCODING,
                line_no,
                "the record contains bytes that are not UTF-8; it was read as latin-1",
                raw,
            )
        rest = text.lstrip()
        found = 0
        while True:
            if not rest.startswith(("{", "[")):
                if found == 0:
                    if unterminated and not rest:
                        issues.add(
                            ISSUE_TRUNCATED_LINE,
                            line_no,
                            "the file ends right after ':::MLLOG'",
                            raw,
                        )
                    else:
                        issues.add(
                            ISSUE_PROSE,
                            line_no,
                            "the line mentions ':::MLLOG' but no JSON record follows it",
                            raw,
                        )
                return
            try:
                obj, end = _DECODER.raw_decode(rest)
            except json.JSONDecodeError as err:
                if unterminated:
                    issues.add(
                        ISSUE_TRUNCATED_LINE,
                        line_no,
                        "the last line is cut short (the file ends inside a record); the record was skipped",
                        raw,
                    )
                else:
                    issues.add(
                        ISSUE_BAD_JSON,
                        line_no,
                        f"the record is not valid JSON: {err.msg} (at character {err.pos})",
                        raw,
                    )
                return
            except (ValueError, RecursionError) as err:
                reason = "it is nested too deeply" if isinstance(err, RecursionError) else str(err)
                issues.add(ISSUE_BAD_JSON, line_no, f"the record cannot be read: {reason}", raw)
                return
            self.add(line_no, obj, raw)
            found += 1
            rest = rest[end:]
            if not rest.strip():
                return
            nxt = rest.find(_TOKEN_TEXT)
            if nxt < 0:
                issues.add(
                    ISSUE_TRAILING, line_no, f"text follows the record: {rest.strip()[:60]!r}", raw
                )
                return
            if found == 1:
                issues.add(
                    ISSUE_MULTI,
                    line_no,
                    "several records share this line (interleaved output?); each was read",
                    raw,
                )
            rest = rest[nxt + len(_TOKEN_TEXT) :].lstrip()


def _scan_detail(data: bytes, builder: _DetailBuilder) -> int:
    """Feed ``builder`` the lines of a detail log without CRs or a byte-order mark (as LoadGen
    writes it) and return how many there are. A line that is one ``:::MLLOG`` record short
    enough to parse at once costs a ``find``, an orjson call and the builder's checks; any other
    line goes through ``_DetailBuilder.line``, as from ``_split_lines``: the same records and
    issues, without a generator and a copy of every line."""
    find = data.find
    starts = data.startswith
    loads = orjson.loads
    failed = orjson.JSONDecodeError
    plain = builder.plain
    lazy = builder.lazy
    size = len(data)
    pos = line_no = 0
    while pos < size:
        end = find(b"\n", pos)
        unterminated = end < 0
        if unterminated:
            end = size
        line_no += 1
        if end - pos > MAX_LINE_BYTES:
            _long_line(builder.issues, line_no, data, pos, end)
        elif unterminated or end - pos > BIG_PAYLOAD or not starts(TOKEN, pos) or data[pos + TOKEN_LEN : pos + TOKEN_LEN + 1] != b"{":
            builder.line(line_no, data[pos:end], unterminated)
        else:
            payload = data[pos + TOKEN_LEN : end]
            if end - pos < ARRAY_BYTES or not lazy(line_no, payload):
                try:
                    obj = loads(payload)
                except failed:
                    builder.line(line_no, data[pos:end], False)  # the slow path says why
                else:
                    if not plain(line_no, obj, payload):
                        builder._add(line_no, obj, data[pos:end])  # says what is wrong
        pos = end + 1
    return line_no


def parse_loadgen_detail(
    source: Source, *, max_bytes: int = DEFAULT_MAX_BYTES, display_path: str | None = None,
    follow_links: bool = False,
) -> LoadgenDetail:
    """Read one ``mlperf_log_detail.txt`` (a path, or its bytes). Never raises for bad input."""
    loaded, issues = _load(source, max_bytes, display_path, follow_links)
    if not loaded.present or not loaded.readable:
        return LoadgenDetail(
            loaded.path, loaded.present, loaded.readable, loaded.size, issues=issues.finish()
        )
    data = loaded.data
    if loaded.cut:
        data = _whole_lines(data)
    builder = _DetailBuilder(issues)
    if data.startswith(BOM) or b"\r" in data:
        lines = 0
        for line_no, raw, unterminated in _split_lines(data, issues):
            lines = line_no
            builder.line(line_no, raw, unterminated)
    else:
        lines = _scan_detail(data, builder)
    if loaded.cut:
        _report_cut(loaded, issues, max_bytes, lines)
    if loaded.size == 0:
        issues.add(ISSUE_EMPTY, None, "the file is empty (0 bytes)")
    elif not builder.records and not loaded.cut:
        issues.add(
            ISSUE_NO_RECORDS,
            None,
            "the file has no ':::MLLOG' record a LoadGen detail log consists of",
        )
    return LoadgenDetail(
        path=loaded.path,
        present=True,
        readable=True,
        size_bytes=loaded.size,
        lines=lines,
        records=tuple(builder.records),
        by_key={key: tuple(found) for key, found in builder.by_key.items()},
        issues=issues.finish(),
    )


# ---------------------------------------------------------------------------
# mlperf_log_summary.txt

_COUNT_LINE = re.compile(r"^(\d+)\s+(warning|error)s?\s+encountered", re.IGNORECASE)
_LONG_NUMBER = re.compile(r"(?<!\d)\d{%d}" % (MAX_INT_DIGITS + 1))  # tried once per run of digits: linear
MAX_BULLET_PARTS = 100_000  # wrapped lines kept per summary (a real one has a few dozen)
_NONE_LINE = re.compile(r"^no\s+(warning|error)s?\s+encountered", re.IGNORECASE)
_EARLY_STOPPING_HEADING = re.compile(r"^(.*early stopping result)\s*:?\s*$", re.IGNORECASE)
_SECTIONS = {
    "mlperf results summary": "results",
    "additional stats": "stats",
    "test parameters used": "params",
}


def _decode_lines(data: bytes, issues: _Issues) -> Iterator[tuple[int, str, bool]]:
    """Lines of a text file as str (UTF-8, else latin-1 with one issue per file)."""
    bad = 0
    first_bad = 0
    first_excerpt = b""
    for line_no, raw, unterminated in _split_lines(data, issues):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
            bad += 1
            if bad == 1:
                first_bad, first_excerpt = line_no, raw
        yield line_no, text, unterminated
    if bad:
        issues.add(
            ISSUE_ENCODING,
            first_bad,
            f"{bad} line(s) contain bytes that are not UTF-8; they were read as latin-1",
            first_excerpt,
        )


def _split_field(line_no: int, text: str) -> SummaryField | None:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        return None
    return SummaryField(line_no, name.strip(), value.strip())


def parse_loadgen_summary(
    source: Source, *, max_bytes: int = SUMMARY_MAX_BYTES, display_path: str | None = None,
    follow_links: bool = False,
) -> LoadgenSummary:
    """Read one ``mlperf_log_summary.txt`` (a path, or its bytes). Never raises for bad input."""
    loaded, issues = _load(source, max_bytes, display_path, follow_links)
    if not loaded.present or not loaded.readable:
        return LoadgenSummary(
            loaded.path, loaded.present, loaded.readable, loaded.size, issues=issues.finish()
        )
    data = _whole_lines(loaded.data) if loaded.cut else loaded.data

    found: dict[str, Any] = {"sut_name": None, "scenario": None, "mode": None}
    metrics: list[SummaryField] = []
    satisfied: list[SummaryField] = []
    stats: list[SummaryField] = []
    params: list[SummaryField] = []
    notes: list[str] = []
    recommendation_parts: list[list[str]] = []
    early_stopping: dict[str, list[list[str]]] = {}
    result: str | None = None
    result_line: int | None = None
    counts: dict[str, int] = {}
    section: str | None = None
    bullets: list[list[str]] | None = None  # where " * " lines go now: each bullet's parts, joined at the end
    lines = 0
    header_seen = False
    bullet_parts = 0

    for line_no, text, _ in _decode_lines(data, issues):
        lines = line_no
        stripped = text.strip()
        if not stripped:
            continue
        if len(stripped) > MAX_INT_DIGITS and _LONG_NUMBER.search(stripped):  # no count or estimate is that long
            issues.add(
                ISSUE_BAD_NUMBER,
                line_no,
                f"the line holds a number of more than {MAX_INT_DIGITS} digits (no count or latency is); it was not read",
                stripped,
            )
            bullets = None
            continue
        if set(stripped) == {"="}:
            bullets = None
            continue
        heading = _SECTIONS.get(stripped.lower())
        if heading is not None:
            section = heading
            header_seen = header_seen or heading == "results"
            bullets = None
            continue
        match = _NONE_LINE.match(stripped)
        if match:
            counts[match.group(1).lower()] = 0
            bullets = None
            continue
        match = _COUNT_LINE.match(stripped)
        if match:
            counts[match.group(2).lower()] = int(match.group(1))
            bullets = None
            continue
        if stripped.startswith("* ") or stripped == "*":
            bullet = stripped[1:].strip()
            if bullets is not None:
                bullets.append([bullet])
            else:
                notes.append(stripped)
            continue
        if bullets and text.startswith(" ") and not text.startswith("  "):
            bullet_parts += 1
            if bullet_parts <= MAX_BULLET_PARTS:
                bullets[-1].append(stripped)  # a wrapped bullet line (joined once, at the end: linear)
            continue
        bullets = None
        if section == "results":
            if stripped.lower().rstrip(":").strip() == "recommendations":
                bullets = recommendation_parts
                continue
            heading_match = _EARLY_STOPPING_HEADING.match(stripped)
            if heading_match:
                bullets = early_stopping.setdefault(heading_match.group(1).strip(), [])
                continue
            item = _split_field(line_no, text)
            if item is None:
                notes.append(stripped)
                continue
            lowered = item.name.lower()
            if lowered == "sut name":
                found["sut_name"] = item.text
            elif lowered == "scenario":
                found["scenario"] = item.text
            elif lowered == "mode":
                found["mode"] = item.text
            elif lowered == "result is":
                if result is None:
                    result, result_line = item.text, line_no
                else:
                    notes.append(stripped)
            elif lowered.endswith(" satisfied"):
                satisfied.append(
                    SummaryField(line_no, item.name[: -len(" satisfied")].strip(), item.text)
                )
            elif result is None:
                metrics.append(item)
            else:
                notes.append(stripped)
        elif section == "stats":
            item = _split_field(line_no, text)
            if item is None:
                notes.append(stripped)
            else:
                stats.append(item)
        elif section == "params":
            item = _split_field(line_no, text)
            if item is None or stripped.upper().startswith("WARNING"):
                notes.append(stripped)
            else:
                params.append(item)
        else:
            notes.append(stripped)

    if loaded.cut:
        _report_cut(loaded, issues, max_bytes, lines)
    if loaded.size == 0:
        issues.add(ISSUE_EMPTY, None, "the file is empty (0 bytes)")
    elif not header_seen and not counts:
        issues.add(
            ISSUE_NOT_SUMMARY,
            None,
            "the file has neither 'MLPerf Results Summary' nor the 'warnings/errors encountered' lines",
        )
    else:
        missing = []
        if header_seen and result is None:
            missing.append("'Result is'")
        if "error" not in counts:
            missing.append("the 'errors encountered' line")
        if missing:
            issues.add(
                ISSUE_INCOMPLETE,
                lines or None,
                "the summary has no " + " and no ".join(missing) + " (cut short?)",
            )
    return LoadgenSummary(
        path=loaded.path,
        present=True,
        readable=True,
        size_bytes=loaded.size,
        lines=lines,
        sut_name=found["sut_name"],
        scenario=found["scenario"],
        mode=found["mode"],
        metrics=tuple(metrics),
        result=result,
        result_line=result_line,
        satisfied=tuple(satisfied),
        recommendations=tuple(" ".join(parts) for parts in recommendation_parts),
        early_stopping={title: tuple(" ".join(parts) for parts in items) for title, items in early_stopping.items()},
        additional_stats=tuple(stats),
        test_parameters=tuple(params),
        warnings_count=counts.get("warning"),
        errors_count=counts.get("error"),
        notes=tuple(notes),
        issues=issues.finish(),
    )


# ---------------------------------------------------------------------------
# mlperf_log_accuracy.json

_FLAT_OBJECT = re.compile(r"\{[^{}]*\}")


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _entry(obj: Any, issues: _Issues, where: str) -> AccuracyEntry | None:
    if not isinstance(obj, dict):
        issues.add(
            ISSUE_BAD_RECORD,
            None,
            f"{where}: an entry is a JSON {type(obj).__name__}, not an object",
        )
        return None
    missing = [name for name in ("seq_id", "qsl_idx", "data") if name not in obj]
    if missing:
        issues.add(
            ISSUE_MISSING_FIELD,
            None,
            f"{where}: an entry has no " + ", ".join(f"'{m}'" for m in missing) + " field",
            json.dumps(obj)[:_EXCERPT],
        )
    return AccuracyEntry(
        seq_id=_int_or_none(obj.get("seq_id")),
        qsl_idx=_int_or_none(obj.get("qsl_idx")),
        data=_str_or_none(obj.get("data")),
        token_count=_int_or_none(obj.get("token_count")),
        token_data=_str_or_none(obj.get("token_data")),
    )


def _recover(text: str, issues: _Issues, where: str) -> list[AccuracyEntry]:
    """Entries whole in a fragment of the array (entries are flat objects)."""
    entries = []
    for match in _FLAT_OBJECT.finditer(text):
        try:
            obj = json.loads(match.group(0))
        except ValueError:
            issues.add(ISSUE_BAD_JSON, None, f"{where}: an entry is not valid JSON", match.group(0))
            continue
        entry = _entry(obj, issues, where)
        if entry is not None:
            entries.append(entry)
    return entries


ACCURACY_STREAM_BYTES = 1 << 20  # larger accuracy logs are read in blocks (the submission form is 8 KiB)
ACCURACY_BLOCK = 4 << 20
MAX_ENTRY_BYTES = 16 << 20  # one entry (its hex data) longer than this is damage


class _AccuracyStream:
    """A large ``mlperf_log_accuracy.json`` read block by block: LoadGen writes a JSON array of
    flat objects, so each block's whole entries (up to its last ``}``) are parsed at once, as an
    array; what does not parse that way (damage, bytes that are not UTF-8, a nested object) is
    reported once and its whole flat entries are recovered one by one, as for a damaged small
    file. Memory stays at a few blocks plus the entries kept (the ``accuracy-entries`` limit)."""

    def __init__(self, path: str, size: int):
        from compliance.limits import get

        self.issues = _Issues(path)
        self.path, self.size = path, size
        self.entries: list[AccuracyEntry] = []
        self.most = get("accuracy-entries")
        self.started = self.damaged = self.capped = False
        self.after_entry = False  # an entry was read: the next one follows a comma
        self.rejected = 0  # array items that are not entries (not objects)

    @classmethod
    def read(cls, source: Source, max_bytes: int, display_path: str | None, follow_links: bool) -> AccuracyLog | None:
        if isinstance(source, (bytes, bytearray)):
            return None  # bytes in memory: the small-file reader reads them
        path = display_path or shown(os.fspath(source))
        try:
            stream = open_regular(source, follow_links=follow_links)
        except (OSError, ValueError):
            return None  # the small-file reader says why
        with stream:
            size = os.fstat(stream.fileno()).st_size
            if size <= ACCURACY_STREAM_BYTES:
                return None
            reader = cls(path, size)
            return reader.run(stream, max_bytes)

    def keep(self, objs: list[Any], where: str) -> None:
        for obj in objs:
            if len(self.entries) >= self.most:
                if not self.capped:
                    from compliance.limits import reached

                    self.capped = True
                    self.issues.add(ISSUE_TOO_LARGE, None, f"the file holds more entries than are read: {reached('accuracy-entries')}")
                return
            entry = _entry(obj, self.issues, where)
            if entry is None:
                self.rejected += 1
            else:
                self.entries.append(entry)

    def block(self, data: bytes, final: bool) -> bytes:
        """Read the whole entries of ``data``; return what is left for the next block."""
        pos = 0
        if not self.started:
            head = data.lstrip()
            if not head and not final:
                return b""
            if head[:1] == b"[":
                self.started = True
                pos = len(data) - len(head) + 1
            else:
                self.damage("the file does not start with a JSON array")
        end = data.rfind(b"}")
        if end < pos:
            return data[pos:] if len(data) - pos <= MAX_ENTRY_BYTES else b""
        segment = data[pos : end + 1]
        if not self.damaged:
            body = segment.lstrip()
            if self.after_entry:
                body = body[1:] if body[:1] == b"," else b"!"  # a missing comma: not one array
            try:
                objs = orjson.loads(b"[" + body + b"]")
            except orjson.JSONDecodeError:
                self.damage("the file is not valid JSON; whole entries were read")
            else:
                self.keep(objs, "the array")
                self.after_entry = bool(objs) or self.after_entry
                return data[end + 1 :]
        try:
            text = segment.decode("utf-8")
        except UnicodeDecodeError:
            text = segment.decode("latin-1")
            self.issues.add(ISSUE_ENCODING, None, "the file has bytes that are not UTF-8; read as latin-1")
        for match in _FLAT_OBJECT.finditer(text):
            if self.capped:
                break
            try:
                self.keep([json.loads(match.group(0))], "the file")
            except ValueError:
                self.issues.add(ISSUE_BAD_JSON, None, "the file: an entry is not valid JSON", match.group(0))
        return data[end + 1 :]

    def damage(self, why: str) -> None:
        if not self.damaged:
            self.damaged = True
            self.issues.add(ISSUE_BAD_JSON, None, why)

    def run(self, stream: Any, max_bytes: int) -> AccuracyLog:
        read = crlf = 0
        carry = b""
        first = True
        cut = False
        while not self.capped:
            block = stream.read(min(ACCURACY_BLOCK, max_bytes - read))
            if first and block.startswith(BOM):
                self.issues.add(ISSUE_BOM, 1, "the file starts with a UTF-8 byte-order mark (LoadGen writes none)")
                block = block[len(BOM) :]
            first = False
            read += len(block)
            crlf += block.count(b"\r\n") + (carry[-1:] == b"\r" and block[:1] == b"\n")
            cut = read >= max_bytes and read < self.size
            final = not block or cut
            carry = self.block(carry + block, final)
            if final:
                break
        if cut and not self.capped:
            self.issues.add(ISSUE_TOO_LARGE, None, f"the file is {_size(self.size)}, over the {_size(max_bytes)} limit; only the first {_size(max_bytes)} were read")
        if crlf:
            self.issues.add(ISSUE_CRLF, None, f"{crlf} line end(s) are CR LF where LoadGen writes LF: the file was converted (e.g. on Windows)")
        tail = carry.strip()
        closed = tail == b"]"
        if tail.startswith(b"]") and not closed:
            self.damage("text follows the array; whole entries were read")
        if not self.damaged and not self.capped and not cut and not closed:
            self.issues.add(ISSUE_INCOMPLETE, None, "the array is not closed: the file is cut short; whole entries were read")
        complete = self.started and closed and not (self.damaged or self.capped or cut or self.rejected)
        return AccuracyLog(
            path=self.path,
            present=True,
            readable=True,
            size_bytes=self.size,
            entries=tuple(self.entries),
            complete=complete,
            truncated=False,
            issues=self.issues.finish(),
        )


def read_accuracy_json(
    source: Source, *, max_bytes: int = ACCURACY_LOG_MAX_BYTES, display_path: str | None = None,
    follow_links: bool = False,
) -> AccuracyLog:
    """Read ``mlperf_log_accuracy.json``: a whole JSON array, or the submission's truncated form.

    ``complete`` is True when the file is one valid JSON array; ``truncated``
    when it has the truncation marker (``"\\n\\n...\\n\\n"``), whose entries
    whole before and after the marker are returned. A file converted to CR LF
    (truncated on Windows) is read as if it had LF line ends. Never raises for
    bad input.

    A file larger than ``ACCURACY_STREAM_BYTES`` (a whole, untruncated log) is
    read in blocks, never whole (``_AccuracyStream``); at most the
    ``accuracy-entries`` limit of entries is kept (``compliance.limits``).
    """
    if not isinstance(source, (bytes, bytearray)):
        streamed = _AccuracyStream.read(source, max_bytes, display_path, follow_links)
        if streamed is not None:
            return streamed
    loaded, issues = _load(source, max_bytes, display_path, follow_links)
    if not loaded.present or not loaded.readable:
        return AccuracyLog(
            loaded.path, loaded.present, loaded.readable, loaded.size, issues=issues.finish()
        )
    data = loaded.data
    if loaded.cut:
        _report_cut(loaded, issues, max_bytes)
    if data.startswith(BOM):
        issues.add(
            ISSUE_BOM, 1, "the file starts with a UTF-8 byte-order mark (LoadGen writes none)"
        )
        data = data[len(BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        text = data.decode("latin-1")
        issues.add(
            ISSUE_ENCODING,
            None,
            f"the file has bytes that are not UTF-8 (at byte {err.start}); read as latin-1",
        )
    crlf = text.count("\r\n")
    if crlf:
        issues.add(
            ISSUE_CRLF,
            None,
            f"{crlf} line end(s) are CR LF where LoadGen writes LF: the file was converted (e.g. on Windows)",
        )
        text = text.replace("\r\n", "\n")
    entries: list[AccuracyEntry] = []
    complete = truncated = False
    whole: Any = None
    if not text.strip():
        issues.add(
            ISSUE_EMPTY,
            None,
            "the file is empty" if loaded.size == 0 else "the file holds only white space",
        )
    elif not loaded.cut:
        try:
            whole = orjson.loads(text)
        except orjson.JSONDecodeError:
            try:
                whole = json.loads(text)  # NaN, integers beyond 64 bits
            except (ValueError, RecursionError):
                whole = None
    if whole is not None:
        if isinstance(whole, list):
            entries = [
                entry for obj in whole if (entry := _entry(obj, issues, "the array")) is not None
            ]
            complete = len(entries) == len(whole)
        else:
            issues.add(
                ISSUE_BAD_RECORD, None, f"the file is a JSON {type(whole).__name__}, not an array"
            )
    elif text.strip():
        marker = text.find(TRUNCATION_MARKER)
        if marker >= 0:
            truncated = True
            if marker != TRUNCATION_KEEP or len(text) != TRUNCATED_SIZE:
                issues.add(
                    ISSUE_TRUNCATION_FORM,
                    None,
                    f"the file is truncated but not in the official form (marker at character {marker}, "
                    f"{len(text)} characters; expected {TRUNCATION_KEEP} and {TRUNCATED_SIZE})",
                )
            head = _recover(text[:marker], issues, "the head")
            tail = _recover(text[marker + len(TRUNCATION_MARKER) :], issues, "the tail")
            # A file shorter than 2 x 4096 characters repeats its middle in head and tail.
            seen = {(entry.seq_id, entry.qsl_idx) for entry in head}
            entries = head + [entry for entry in tail if (entry.seq_id, entry.qsl_idx) not in seen]
        else:
            if not loaded.cut:
                stripped = text.rstrip()
                if stripped.startswith("[") and not stripped.endswith("]"):
                    issues.add(
                        ISSUE_INCOMPLETE,
                        None,
                        "the array is not closed: the file is cut short; whole entries were read",
                    )
                else:
                    issues.add(
                        ISSUE_BAD_JSON,
                        None,
                        "the file is not valid JSON; whole entries were read",
                        text,
                    )
            entries = _recover(text, issues, "the file")
    return AccuracyLog(
        path=loaded.path,
        present=True,
        readable=True,
        size_bytes=loaded.size,
        entries=tuple(entries),
        complete=complete,
        truncated=truncated,
        issues=issues.finish(),
    )


# ---------------------------------------------------------------------------
# accuracy.txt

_HASH_LINE = re.compile(r"^hash\s*=(.*)$")
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_SEPARATOR = re.compile(r"[:=]")
# what must follow a separator for ``_number_after`` to find a number (linear: no backtracking)
_NUMBER_AFTER_SEPARATOR = re.compile(r"[:=][ \t]*['\"]?[+-]?\.?[0-9]")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./@-")
_QUOTES = "'\""
_DIGITS = frozenset("0123456789")
MAX_NAME_LENGTH = 64  # longer runs before a separator are not metric names


def _name_before(text: str, end: int, floor: int) -> str | None:
    """The metric name that ends just before ``text[end]`` (a separator), looking no further back
    than ``floor`` (the previous separator): a quoted name, or words of name characters joined by
    single spaces. Each character is looked at once per separator and never before ``floor``, so
    a line is read in linear time."""
    at = end - 1
    while at >= floor and text[at] in " \t":
        at -= 1
    if at < floor:
        return None
    if text[at] in _QUOTES:
        quote, close = text[at], at
        start = text.rfind(quote, max(floor, close - MAX_NAME_LENGTH - 1), close)
        if start < 0:
            return None
        name = text[start + 1 : close].strip()
        return name if name and quote not in name else None
    stop = at + 1
    lowest = max(floor, stop - MAX_NAME_LENGTH)
    while at >= lowest:
        char = text[at]
        if char in _NAME_CHARS:
            at -= 1
        elif char == " " and at - 1 >= lowest and text[at - 1] in _NAME_CHARS:
            at -= 1  # one space between two words of a name ("Word Error Rate")
        else:
            break
    else:
        if at >= floor and text[at] in _NAME_CHARS:
            return None  # the run goes on past the longest name: a path or a word soup, not a name
    name = text[at + 1 : stop].lstrip(" -./@")
    if not name or not (name[0].isalpha() or name[0] == "_"):
        return None
    return name


def _number_after(text: str, start: int) -> tuple[float, bool] | None:
    """A number right after a separator (spaces and one quote allowed around it), and whether a
    ``%`` follows it; None when what follows is not a number standing on its own."""
    size = len(text)
    at = start
    while at < size and text[at] in " \t":
        at += 1
    quote = ""
    if at < size and text[at] in _QUOTES:
        quote = text[at]
        at += 1
    begin = at
    if at < size and text[at] in "+-":
        at += 1
    digits = at
    while at < size and text[at] in _DIGITS:
        at += 1
    if at < size and text[at] == ".":
        at += 1
        while at < size and text[at] in _DIGITS:
            at += 1
    if at == digits or text[digits:at] == ".":
        return None
    if at < size and text[at] in "eE":
        mark = at + 1
        if mark < size and text[mark] in "+-":
            mark += 1
        if mark < size and text[mark] in _DIGITS:
            at = mark
            while at < size and text[at] in _DIGITS:
                at += 1
    number = text[begin:at]
    if quote:
        if at >= size or text[at] != quote:
            return None
        at += 1
    while at < size and text[at] in " \t":
        at += 1
    percent = at < size and text[at] == "%"
    if not percent and at < size and (text[at].isalnum() or text[at] in "._"):
        return None  # 0.57s, 12abc: a number glued to a word is not a metric value
    try:
        value = float(number)
    except ValueError:
        return None
    return value, percent


def _metric_line(text: str) -> list[tuple[str, float, bool]]:
    """Every ``name <: or => number[%]`` pair on the line, wherever it stands: ``accuracy=76.078%``,
    ``{'rouge1': '38.77', ...}``, ``'exact_match': 83.396``, ``Accuracy: mean = 0.90862, threshold =
    0.90679 (Passed)``, ``WARNING:main:metric/lifetime_ne/rating: 0.8675``, ``Word Error Rate: 2.16%``.
    What the official checker's patterns read (a metric name, a colon or equals sign, a number,
    anywhere in a line), in one pass without backtracking."""
    found: list[tuple[str, float, bool]] = []
    if _NUMBER_AFTER_SEPARATOR.search(text) is None:
        return found  # no separator has a number after it (progress output): nothing to read
    floor = 0
    for match in _SEPARATOR.finditer(text):
        at = match.start()
        number = _number_after(text, at + 1)
        if number is not None:
            name = _name_before(text, at, floor)
            if name is not None:
                found.append((name, number[0], number[1]))
        floor = at + 1
    return found


def read_accuracy_txt(
    source: Source, *, max_bytes: int = ACCURACY_TXT_MAX_BYTES, display_path: str | None = None,
    follow_links: bool = False,
) -> AccuracyText:
    """Read ``accuracy.txt``: the metrics the accuracy script printed and the ``hash=`` line(s).

    Metric lines understood (as real submissions have them): ``key=value[%]``
    lists (``accuracy=76.078%, good=38039, total=50000``, ``mAP=37.360%``,
    ``AUC=80.2``, ``Word Error Rate: 7.45%, accuracy=92.54%``), a labelled list
    (``Accuracy: mean = 0.86112, kidney = 0.9346, tumor = 0.7877``) and one
    flat dict per line, JSON or Python-literal, with numeric or quoted-numeric
    values (``{'rouge1': 44.46, ...}``, ``{"exact_match": 82.8, "f1": 90.3}``,
    ``Accuracy Results: {'FID_SCORE': ...}``). Nothing is evaluated. Other
    lines (the scripts' progress output) are skipped.
    """
    loaded, issues = _load(source, max_bytes, display_path, follow_links)
    if not loaded.present or not loaded.readable:
        return AccuracyText(
            loaded.path, loaded.present, loaded.readable, loaded.size, issues=issues.finish()
        )
    data = _whole_lines(loaded.data) if loaded.cut else loaded.data
    metrics: list[AccuracyMetric] = []
    hashes: list[str] = []
    lines = 0
    for line_no, text, _ in _decode_lines(data, issues):
        lines = line_no
        stripped = text.strip()
        if not stripped:
            continue
        match = _HASH_LINE.match(stripped) if stripped.startswith("hash") else None
        if match is not None:
            value = match.group(1).strip()
            if not _SHA256.match(value):
                issues.add(
                    ISSUE_BAD_HASH,
                    line_no,
                    "the hash= value is not a sha256 (64 hex digits)",
                    stripped,
                )
            hashes.append(value)
            continue
        for name, number, percent in _metric_line(stripped):
            if math.isfinite(number):
                metrics.append(AccuracyMetric(name, number, line_no, percent))
    if loaded.cut:
        _report_cut(loaded, issues, max_bytes, lines)
    if loaded.size == 0:
        issues.add(ISSUE_EMPTY, None, "the file is empty (0 bytes)")
    if len(set(hashes)) > 1:
        issues.add(
            ISSUE_SEVERAL_HASHES,
            None,
            f"the file has {len(hashes)} different hash= lines (the accuracy log was truncated more than once?)",
        )
    return AccuracyText(
        path=loaded.path,
        present=True,
        readable=True,
        size_bytes=loaded.size,
        lines=lines,
        metrics=tuple(metrics),
        hashes=tuple(hashes),
        issues=issues.finish(),
    )


# ---------------------------------------------------------------------------
# A run folder


def _sibling_names(detail_name: str) -> tuple[str, str]:
    """Summary and accuracy-log names next to a detail log named ``<prefix>detail<suffix>.txt``."""
    if detail_name.endswith(".txt") and "detail" in detail_name:
        at = detail_name.rfind("detail")
        prefix, suffix = detail_name[:at], detail_name[at + len("detail") : -len(".txt")]
        return f"{prefix}summary{suffix}.txt", f"{prefix}accuracy{suffix}.json"
    return SUMMARY_FILE, ACCURACY_LOG_FILE


def _exists(path: Path) -> bool:
    try:
        lstat(path)  # in a checked folder, never through a link
    except (OSError, ValueError):
        return False
    return True


def _is_dir(path: Path) -> bool:
    return is_folder(path, follow_links=True)  # a run folder named by the user may be a link (not in a checked folder)


def read_loadgen_run(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    read_accuracy_log: bool = True,
    accuracy_max_bytes: int = ACCURACY_LOG_MAX_BYTES,
    follow_links: bool = False,
) -> LoadgenRun:
    """Read a LoadGen run folder, or the folder of the detail log (or other run file) named.

    The run's files are never read through a symbolic link, except the detail
    log itself when it is the file named and ``follow_links`` is set.

    Finds ``mlperf_log_detail.txt``, ``mlperf_log_summary.txt`` and
    ``mlperf_log_accuracy.json`` (for a detail log named with a LoadGen prefix
    or suffix, the files named alike). A missing file is recorded (its model
    has ``present=False`` and a ``missing-file`` issue; ``missing_files`` names
    it), never raised. Never raises for bad input.
    """
    target = Path(path)
    folder_issues = _Issues(shown(str(target)))
    if _is_dir(target):
        folder = target
        detail_path = folder / DETAIL_FILE
    elif "detail" in target.name:  # the detail log itself (present or not)
        folder = target.parent
        detail_path = target
    elif _exists(target):  # another file of the run: read its folder
        folder = target.parent
        detail_path = folder / DETAIL_FILE
    else:
        folder = target
        detail_path = folder / DETAIL_FILE
    summary_name, accuracy_name = _sibling_names(detail_path.name)
    files: list[str] = []
    if _is_dir(folder):
        try:
            files = [entry.name for entry in scandir(folder) if entry.is_file()]
        except OSError as err:
            folder_issues.add(
                ISSUE_UNREADABLE, None, f"cannot list the folder: {why_unreadable(err)}"
            )
    else:
        folder_issues.add(ISSUE_MISSING, None, f"{shown(str(folder))} is not a folder (or does not exist)")

    detail = parse_loadgen_detail(
        detail_path, max_bytes=max_bytes, follow_links=follow_links and detail_path == target
    )
    summary = parse_loadgen_summary(folder / summary_name)
    accuracy_path = folder / accuracy_name
    accuracy_log = None
    accuracy_present = _exists(accuracy_path)
    if read_accuracy_log and accuracy_present:
        accuracy_log = read_accuracy_json(accuracy_path, max_bytes=accuracy_max_bytes)
    missing = []
    if not detail.present:
        missing.append(detail_path.name)
    if not summary.present:
        missing.append(summary_name)
    if not accuracy_present:
        missing.append(accuracy_name)
    return LoadgenRun(
        folder=str(folder),
        detail=detail,
        summary=summary,
        accuracy_log=accuracy_log,
        files=tuple(files),
        missing_files=tuple(missing),
        folder_issues=folder_issues.finish(),
    )
