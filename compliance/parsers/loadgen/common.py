"""What the LoadGen readers share: the file names, the size limits, the kinds of issues
(``ISSUE_*``), reading a file up to a limit (``_load``, ``_read``), the per-file issue list
(``_Issues``)
and the line splitting (``_split_lines``: a byte-order mark and CR LF line ends reported once,
``_decode_lines``: UTF-8, else latin-1)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TypeVar

from compliance import wording
from compliance.models.loadgen import (
    AccuracyLog,
    AccuracyText,
    LoadgenDetail,
    LoadgenIssue,
    LoadgenSummary,
)
from compliance.parsers.mllog import (
    ISSUE_ENCODING,
    ISSUE_LONG_LINE,
    MAX_LINE_BYTES,
    ISSUE_UNREADABLE,
)
from compliance.parsers.safefs import NotRegularFile, open_regular, read_upto, shown, why_unreadable
from compliance.records import recordclass

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


@recordclass(slots=True)
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


_File = TypeVar("_File", LoadgenDetail, LoadgenSummary, AccuracyLog, AccuracyText)


def _read(
    model: type[_File],
    parse: Callable[[_Loaded, _Issues, int], _File],
    source: Source,
    max_bytes: int,
    display_path: str | None,
    follow_links: bool,
) -> _File:
    """One file read by ``_load`` and given to ``parse`` (with ``max_bytes``); a missing or
    unreadable file is ``model`` with no content, and the issue that says why."""
    loaded, issues = _load(source, max_bytes, display_path, follow_links)
    if not loaded.present or not loaded.readable:
        return model(
            loaded.path, loaded.present, loaded.readable, loaded.size, issues=issues.finish()
        )
    return parse(loaded, issues, max_bytes)


def _report_cut(
    loaded: _Loaded, issues: _Issues, max_bytes: int, lines_read: int | None = None
) -> None:
    read = f"; only the first {wording.size(max_bytes)} were read"
    if lines_read is not None:
        read += f" ({lines_read} lines)"
    issues.add(
        ISSUE_TOO_LARGE,
        None,
        f"the file is {wording.size(loaded.size)}, over the {wording.size(max_bytes)} limit{read}",
    )


def _whole_lines(data: bytes) -> bytes:
    """Drop a partial last line (used when a file was cut at the size limit)."""
    end = data.rfind(b"\n")
    return data[: end + 1] if end >= 0 else b""


def _long_line(issues: _Issues, line_no: int, data: bytes, pos: int, end: int) -> None:
    issues.add(
        ISSUE_LONG_LINE,
        line_no,
        f"the line is {wording.size(end - pos)}, longer than {wording.size(MAX_LINE_BYTES)}; it was skipped",
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
