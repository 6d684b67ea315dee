"""``parse_loadgen_detail``: ``mlperf_log_detail.txt``, one ``:::MLLOG {json}``
record per line (``namespace: "mlperf::logging"``, ``time_ms`` since the log
origin, metadata ``is_error``/``is_warning``/``file``/``line_no``/``pid``/``tid``,
keys may repeat). Scanned like our MLLOG reader (``compliance.parsers.mllog``):
the token is found with ``bytes.find``, the payload parsed with orjson, and
only a line orjson refuses takes the slow path (stdlib JSON for NaN and huge
integers, latin-1 for bytes that are not UTF-8, text before/after a record)."""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

from compliance.models.loadgen import (
    LoadgenDetail,
    LoadgenRecord,
)
from compliance.parsers.mllog import (
    BIG_PAYLOAD,
    MAX_INT_DIGITS,
    RecordBounds,
    bounded_int,
    ISSUE_BAD_JSON,
    ISSUE_BAD_RECORD,
    ISSUE_ENCODING,
    ISSUE_MULTI,
    MAX_LINE_BYTES,
    ISSUE_PROSE,
    ISSUE_TRAILING,
    TOKEN,
    TOKEN_LEN,
)
from compliance.parsers.loadgen.common import (
    ARRAY_BYTES,
    BOM,
    DEFAULT_MAX_BYTES,
    ISSUE_EMPTY,
    ISSUE_MISSING_FIELD,
    ISSUE_NAMESPACE,
    ISSUE_NO_RECORDS,
    ISSUE_STRAY_LINE,
    ISSUE_TRUNCATED_LINE,
    NAMESPACE,
    Source,
    _Issues,
    _excerpt,
    _Loaded,
    _read,
    _long_line,
    _report_cut,
    _split_lines,
    _whole_lines,
)


_DECODER = json.JSONDecoder(parse_int=bounded_int)
_TOKEN_TEXT = TOKEN.decode()


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


def _int_array_commas(numbers: bytes) -> int | None:
    """The commas of the inside of a JSON array of integers as LoadGen (``,``) or ``json.dumps``
    (``", "``) writes it: digits, one separator between numbers throughout, no leading zero, no
    integer longer than ``MAX_INT_DIGITS``; None for anything else."""
    separators = numbers.translate(None, b"0123456789")
    sep = b", " if separators[1:2] == b" " else b","
    commas = len(separators) // len(sep)
    if (
        separators != sep * commas
        or not numbers[:1].isdigit()
        or not numbers[-1:].isdigit()
        or sep + sep in numbers
        or (numbers[:1] == b"0" and numbers[1:2].isdigit())
        or (len(numbers) - len(separators) > MAX_INT_DIGITS and _LONGEST_INT in numbers.translate(_AS_D))
    ):
        return None
    zero = sep[-1:] + b"0"
    at = numbers.find(zero)
    for _ in range(8):  # a number after the first starting with 0: a leading zero is not JSON
        if at < 0:
            return commas
        if numbers[at + 2 : at + 3].isdigit():
            return None
        at = numbers.find(zero, at + 2)
    return None


class _ArrayMemo:
    """The integer arrays (their bytes, brackets included) already found well formed, with their
    commas. The same ``loaded_qsl_set`` stands in most logs of a benchmark (round 5.1: 68,844
    arrays, 559 MB, of 1,076 kinds, 7 MB), so each kind is checked once and its bytes are kept once;
    a later array is compared with the known ones byte for byte (``==``), never trusted by a hash.
    Bounded: ``MOST_BYTES`` of arrays in all, ``PER_PROBE`` arrays of one length, start and end."""

    MOST_BYTES = 32 << 20
    PER_PROBE = 4
    EDGE = 48  # bytes of each end in the probe

    def __init__(self) -> None:
        self.known: dict[tuple[int, bytes, bytes], list[tuple[bytes, int]]] = {}
        self.size = 0

    def _probe(self, data: bytes, start: int, stop: int) -> tuple[int, bytes, bytes]:
        """What is looked up for ``data[start:stop]``: its length and its first and last bytes."""
        edge = self.EDGE
        return stop - start, data[start : min(start + edge, stop)], data[max(stop - edge, start) : stop]

    def find(self, data: bytes, start: int, stop: int) -> tuple[bytes, int] | None:
        """The known array equal to ``data[start:stop]`` (compared in place) and its commas, or None."""
        for known, commas in self.known.get(self._probe(data, start, stop), ()):
            if data.startswith(known, start):
                return known, commas
        return None

    def add(self, array: bytes, commas: int) -> None:
        if self.size + len(array) > self.MOST_BYTES:
            return
        same = self.known.setdefault(self._probe(array, 0, len(array)), [])
        if len(same) < self.PER_PROBE:
            same.append((array, commas))
            self.size += len(array)


_ARRAYS = _ArrayMemo()


def _as_written(obj: Any) -> tuple[str, int | float, Any, dict[str, Any], bool, bool] | None:
    """A decoded record's key, time, value, metadata and error and warning flags if it is one as
    LoadGen writes it (an object with a non-empty string key, a finite number time, a value,
    object metadata with boolean flags, LoadGen's namespace), else None."""
    if type(obj) is not dict:
        return None
    try:
        key = obj["key"]
        time_ms = obj["time_ms"]
        value = obj["value"]
    except KeyError:
        return None
    metadata = obj.get("metadata")
    kind = type(time_ms)
    if type(key) is not str or not key or (kind is not float and kind is not int) or type(metadata) is not dict:
        return None
    is_error = metadata.get("is_error")
    is_warning = metadata.get("is_warning")
    if (
        (is_error is not True and is_error is not False)
        or (is_warning is not True and is_warning is not False)
        or obj.get("namespace") != NAMESPACE
        or not math.isfinite(time_ms)
    ):
        return None
    return key, time_ms, value, metadata, is_error, is_warning


class _DetailBuilder:
    __slots__ = ("issues", "records", "namespace_reported", "bounds")

    def __init__(self, issues: _Issues):
        self.issues = issues
        self.records: list[LoadgenRecord] = []  # in file order (``by_key`` groups them once read)
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
        fields = _as_written(obj)
        if fields is None:
            return False
        key, time_ms, value, metadata, is_error, is_warning = fields
        if type(value) is _Unread:  # the array's bytes (``lazy``): a flat array, counted there
            if self.bounds.refuse(payload, (), metadata, value.brackets, value.commas) is not None:
                return False
            record: LoadgenRecord = _ArrayRecord(line, float(time_ms), key, None, is_error, is_warning)
            record.raw = value.raw  # type: ignore[attr-defined]
        else:
            # More than the record's and its metadata's two "{" (metadata is an object here):
            # refuse() counts the brackets and charges them.
            if (payload.count(b"{") > 2 or b"[" in payload) and self.bounds.refuse(payload, value, metadata) is not None:
                return False
            record = LoadgenRecord(line, float(time_ms), key, value, is_error, is_warning)
        self.records.append(record)
        return True

    def run(self, data: bytes, start: int, end: int, first_line: int) -> bool:
        """Keep the records of the lines ``data[start:end]`` (whole lines, ``end`` at the last
        one's line end) with one orjson call, if every line is one record as LoadGen writes it
        (``plain``) with no array or object in it: then the file's bytes hold exactly two ``{``
        a line (the record's and its metadata's) and no ``[``, so the bounds have nothing to
        count. False, keeping nothing, for any other run (its lines are then read one by one)."""
        lines = data.count(b"\n", start, end) + 1
        if data.count(b"{", start, end) != 2 * lines or data.find(b"[", start, end) >= 0:
            return False
        try:
            # A JSON string holds no raw line end, so each "\n:::MLLOG " is the start of a line.
            items = orjson.loads(b"[" + data[start + TOKEN_LEN : end].replace(b"\n" + TOKEN, b",") + b"]")
        except orjson.JSONDecodeError:
            return False
        if type(items) is not list or len(items) != lines:
            return False
        made: list[LoadgenRecord] = []
        keep = made.append
        line = first_line
        for obj in items:
            fields = _as_written(obj)
            if fields is None:
                return False
            key, time_ms, value, _, is_error, is_warning = fields
            keep(LoadgenRecord(line, float(time_ms), key, value, is_error, is_warning))
            line += 1
        self.records += made
        return True

    def lazy(self, line: int, payload: bytes) -> bool:
        """``lazy_at`` on the bytes of one record."""
        return self.lazy_at(line, payload, 0, len(payload))

    def lazy_at(self, line: int, data: bytes, body: int, end: int) -> bool:
        """Keep the record ``data[body:end]`` (the bytes after the token) if its value is a long
        JSON array of integers as LoadGen writes them (``loaded_qsl_set``: thousands of sample
        indices no rule reads, most of a log's bytes) without making the list: the array's bytes
        are checked to be one (digits, one ``,`` or ``", "`` between them throughout, no leading
        zero), in place when they are an array already known (``_ARRAYS``), and decoded only if a
        rule reads the value; the rest of the record is decoded and checked as ``plain`` does.
        False, keeping nothing, for any other record (it is then read the ordinary way), and for
        one with more objects and arrays than a record may hold (that way says so)."""
        if not data.startswith(b'{"key": "', body):
            return False
        quote = data.find(b'"', body + 9, end)
        start = quote + 13  # the array's first number
        if quote < 0 or start > end or data[quote:start] != b'", "value": [':
            return False
        name = data[body + 9 : quote]
        if not name or min(name) < 32 or b"\\" in name:
            return False
        stop = data.find(b"]", start, end)
        if stop < 0 or stop + 14 > end or data[stop + 1 : stop + 14] != b', "time_ms": ':
            return False
        known = _ARRAYS.find(data, start - 1, stop + 1)
        if known is None:
            array = data[start - 1 : stop + 1]
            commas = _int_array_commas(array[1:-1])
            if commas is None:
                return False
            _ARRAYS.add(array, commas)
        else:
            array, commas = known  # the bytes kept once for every log that has them
        outside = data[body:start] + data[stop:end]
        brackets = outside.count(b"{") + outside.count(b"[")  # the array holds none
        if brackets > self.bounds.objects:
            return False
        try:
            obj = orjson.loads(b"{" + data[stop + 3 : end])
            key = name.decode("utf-8")
        except (orjson.JSONDecodeError, UnicodeDecodeError):
            return False
        if type(obj) is not dict or "key" in obj or "value" in obj:
            return False
        obj["key"] = key
        obj["value"] = _Unread(array, brackets, outside.count(b",") + commas)
        # The record's bytes are not read again for a value counted here within the bounds.
        return self.plain(line, obj, b"")

    def by_key(self) -> dict[str, tuple[LoadgenRecord, ...]]:
        """The records by key, each key's in file order."""
        grouped: dict[str, list[LoadgenRecord]] = {}
        for record in self.records:
            bucket = grouped.get(record.key)
            if bucket is None:
                grouped[record.key] = [record]
            else:
                bucket.append(record)
        return {key: tuple(found) for key, found in grouped.items()}

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
        self.records.append(LoadgenRecord(line, float(time_ms), key, obj["value"], is_error, is_warning))

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


RUN_BYTES = 1 << 18  # a run of plain lines read with one orjson call holds at most this much


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
    lazy = builder.lazy_at
    run = builder.run
    size = len(data)
    pos = line_no = 0
    # Where the next "[" (an array value, or one in a string: a run holds none) and the next
    # object value start (such a line is read alone); each is looked for again only once passed,
    # and never again once absent. An object value is looked for only before the next "["
    # (``object_at`` is then that "[" when none is there): the arrays are most of a log's bytes,
    # and the run ends before them anyway. Where a run ends changes no record, only the speed.
    array_at = object_at = -1
    one_by_one = 0  # the lines before this offset are read one by one (a run of them did not read)
    while pos < size:
        if pos >= one_by_one and starts(TOKEN, pos):
            if array_at < pos:
                array_at = find(b"[", pos)
                array_at = size if array_at < 0 else array_at
            if object_at < pos:
                object_at = find(b'"value": {', pos, array_at)
                object_at = array_at if object_at < 0 else object_at
            container = min(array_at, object_at)
            bound = min(data.rfind(b"\n", pos, container) + 1 if container < size else size, pos + RUN_BYTES)
            stop = data.rfind(b"\n", pos, bound)  # the run: the whole lines before the bound
            if stop > pos:
                if run(data, pos, stop, line_no + 1):
                    line_no += data.count(b"\n", pos, stop) + 1
                    pos = stop + 1
                    continue
                one_by_one = stop
        end = find(b"\n", pos)
        unterminated = end < 0
        if unterminated:
            end = size
        line_no += 1
        body = pos + TOKEN_LEN
        if end - pos > MAX_LINE_BYTES:
            _long_line(builder.issues, line_no, data, pos, end)
        elif unterminated or not starts(TOKEN, pos) or data[body : body + 1] != b"{":
            builder.line(line_no, data[pos:end], unterminated)
        elif end - pos >= ARRAY_BYTES and lazy(line_no, data, body, end):
            pass  # kept, its array checked in place (a long line's brackets counted there, as line() counts them)
        elif end - pos > BIG_PAYLOAD:
            builder.line(line_no, data[pos:end], False)
        else:
            payload = data[body:end]
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
    return _read(LoadgenDetail, _detail, source, max_bytes, display_path, follow_links)


def _detail(loaded: _Loaded, issues: _Issues, max_bytes: int) -> LoadgenDetail:
    """The detail log read (or its first ``max_bytes``) -> its records and issues."""
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
        by_key=builder.by_key(),
        issues=issues.finish(),
    )
