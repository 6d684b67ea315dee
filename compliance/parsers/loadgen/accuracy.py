"""The accuracy files of a LoadGen run.

- ``read_accuracy_json``: ``mlperf_log_accuracy.json``, a JSON array, or the
  submission's truncated form (first 4096 characters + ``"\\n\\n...\\n\\n"`` +
  last 4096 characters, not valid JSON), from which the whole entries are recovered.
- ``read_accuracy_txt``: ``accuracy.txt``: the metric lines the accuracy
  scripts print (``accuracy=76.078%, good=38039, total=50000``,
  ``{'rouge1': 44.46, ...}``, ``Accuracy: mean = 0.86112, ...``) and ``hash=``.
"""

from __future__ import annotations

import json
import math
import os
import re
from typing import Any

import orjson

from compliance import wording
from compliance.models.loadgen import (
    AccuracyEntry,
    AccuracyLog,
    AccuracyMetric,
    AccuracyText,
)
from compliance.parsers.mllog import (
    ISSUE_BAD_JSON,
    ISSUE_BAD_RECORD,
    ISSUE_ENCODING,
    loads_as_json,
)
from compliance.parsers.safefs import open_regular, shown
from compliance.parsers.loadgen.common import (
    ACCURACY_LOG_MAX_BYTES,
    ACCURACY_TXT_MAX_BYTES,
    BOM,
    ISSUE_BAD_HASH,
    ISSUE_BOM,
    ISSUE_CRLF,
    ISSUE_EMPTY,
    ISSUE_INCOMPLETE,
    ISSUE_MISSING_FIELD,
    ISSUE_SEVERAL_HASHES,
    ISSUE_TOO_LARGE,
    ISSUE_TRUNCATION_FORM,
    Source,
    TRUNCATED_SIZE,
    TRUNCATION_KEEP,
    TRUNCATION_MARKER,
    _EXCERPT,
    _Issues,
    _decode_lines,
    _Loaded,
    _read,
    _report_cut,
    _whole_lines,
)


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
            obj = loads_as_json(match.group(0))
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
                self.keep([loads_as_json(match.group(0))], "the file")
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
            self.issues.add(ISSUE_TOO_LARGE, None, f"the file is {wording.size(self.size)}, over the {wording.size(max_bytes)} limit; only the first {wording.size(max_bytes)} were read")
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
    return _read(AccuracyLog, _accuracy_log, source, max_bytes, display_path, follow_links)


def _accuracy_log(loaded: _Loaded, issues: _Issues, max_bytes: int) -> AccuracyLog:
    """A small accuracy log read (or its first ``max_bytes``) -> its entries and issues."""
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
    elif not loaded.cut and TRUNCATION_MARKER not in text:  # raw line ends outside a string: never JSON
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
    return _read(AccuracyText, _accuracy_text, source, max_bytes, display_path, follow_links)


def _accuracy_text(loaded: _Loaded, issues: _Issues, max_bytes: int) -> AccuracyText:
    """``accuracy.txt`` read (or its first ``max_bytes``) -> its metrics, hashes and issues."""
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
