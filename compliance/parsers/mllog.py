"""Streaming reader for MLLOG result logs.

A record is the ``:::MLLOG `` token followed by a JSON object. Anything before
the token on a line (mpirun rank tags, timestamps) is allowed, lines without the
token are ignored, and a line that merely mentions the token in prose is noted
but is not a record. The file is read in blocks as bytes; the scanner jumps from
token to token with ``bytes.find`` and counts newlines in between, so line
numbers are the file's own and noise lines cost almost nothing.

Nothing here raises on bad input: every problem becomes a ``ParseIssue`` and
reading goes on.
"""

from __future__ import annotations

import gc
import json
import math
import os
import re
from collections.abc import Callable, Container
TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any, BinaryIO

import orjson

from compliance.models.mllog import KeyStats, ParseIssue, Record, TrainingLog
from compliance.parsers.safefs import NotRegularFile, open_regular, why_unreadable

TOKEN = b":::MLLOG "
TOKEN_LEN = len(TOKEN)
BLOCK_SIZE = 1 << 22  # 4 MiB read at a time
MAX_LINE_BYTES = 1 << 24  # 16 MiB: a longer line is reported and skipped
EXCERPT = 160

# Kinds of parse issues (the LOG rules map them to codes).
ISSUE_UNREADABLE = "unreadable"
ISSUE_BAD_JSON = "bad-json"
ISSUE_BAD_RECORD = "bad-record"
ISSUE_PROSE = "prose-token"
ISSUE_TRAILING = "trailing-text"
ISSUE_MULTI = "several-records-on-line"
ISSUE_ENCODING = "not-utf8"
ISSUE_LONG_LINE = "line-too-long"

MAX_INT_DIGITS = 308  # longer integer literals are beyond any float (1.8e308): no number a log holds
MAX_NESTING = 64  # a kept record's value nested deeper than this is refused (rules and reports recurse)


_LONG_DIGITS = re.compile(rb"[0-9]{19}")
_LONG_DIGITS_TEXT = re.compile(r"[0-9]{19}")


def loads_as_json(raw: bytes | str) -> Any:
    """``json.loads(raw)``, by orjson where that gives the same: orjson reads an integer past 64
    bits as a float, so a text with 19 digits in a row is read by ``json``, as is one orjson
    refuses (NaN, a lone surrogate, nesting past its limit). Raises what ``json.loads`` raises."""
    if (_LONG_DIGITS_TEXT.search(raw) if isinstance(raw, str) else _LONG_DIGITS.search(raw)) is None:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw)


def bounded_int(text: str) -> int:
    """``parse_int`` for the stdlib decoder: refuse integers no rule could use as a number."""
    if len(text) - text.startswith("-") > MAX_INT_DIGITS:
        raise ValueError(f"an integer of {len(text)} digits is too large for a number")
    return int(text)


def too_deep(obj: Any, limit: int = MAX_NESTING) -> bool:
    """Whether lists and objects nest more than ``limit`` levels deep in ``obj`` (no recursion)."""
    stack = [(obj, 1)]
    while stack:
        item, depth = stack.pop()
        kind = type(item)
        if kind is dict:
            if depth > limit:
                return True
            stack.extend((value, depth + 1) for value in item.values())
        elif kind is list:
            if depth > limit:
                return True
            stack.extend((value, depth + 1) for value in item)
    return False


BIG_PAYLOAD = 1 << 16  # bytes: a longer record is measured before it is parsed


class RecordBounds:
    """What one log's records may expand to in memory (``compliance.limits``): at most
    ``objects-per-record`` JSON objects and arrays in one record, and ``values-per-file``
    values inside the arrays and objects of all the records kept from one file. A few MB of
    ``[{},{},...]`` would otherwise become hundreds of MB of Python objects.

    Both are counted on the record's bytes (brackets and commas, an upper bound) before the
    record is kept, and, for a record longer than ``BIG_PAYLOAD``, before it is even parsed.
    A record past a bound is skipped with an issue that names the bound; the rest is read.
    """

    __slots__ = ("objects", "values_left")

    def __init__(self) -> None:
        from compliance.limits import get

        self.objects = get("objects-per-record")
        self.values_left = get("values-per-file")

    def too_many_objects(self, raw: bytes) -> str | None:
        """Why a record (its bytes) holds too many objects and arrays to be parsed, else None."""
        count = raw.count(b"{") + raw.count(b"[")
        if count <= self.objects:
            return None
        from compliance.limits import reached

        return f"the record holds up to {count:,} objects and arrays: {reached('objects-per-record')}"

    def refuse(
        self, raw: bytes, value: Any, metadata: Any, brackets: int | None = None, commas: int | None = None
    ) -> str | None:
        """Why a parsed record must not be kept (too many objects or values, nested too deep), else
        None; a record kept is charged to the file's values. ``brackets``, ``commas``: the record's
        ``{`` and ``[``, and its commas, when already counted."""
        if brackets is None:
            brackets = raw.count(b"{") + raw.count(b"[")
        if brackets <= 2:  # the record and its metadata: no array or object in the value
            return None
        if brackets > self.objects:
            return self.too_many_objects(raw)
        if brackets > MAX_NESTING and (too_deep(value) or too_deep(metadata)):
            return f"the value or metadata nests more than {MAX_NESTING} levels deep"
        values = brackets + (raw.count(b",") if commas is None else commas)
        if values > self.values_left:
            from compliance.limits import reached

            self.values_left = 0
            return f"this file's records hold more values in arrays and objects than one file may: {reached('values-per-file')}"
        self.values_left -= values
        return None


_DECODER = json.JSONDecoder(parse_int=bounded_int)


def _excerpt(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip()
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


_TIME_LIMIT = 1 << 63  # time_ms beyond a signed 64-bit integer is not a clock reading


class _AskOnce(dict[str, bool]):
    """Membership test for a callable key filter, asking it once per key."""

    def __init__(self, ask: Callable[[str], bool] | None):
        super().__init__()
        self.ask = ask

    def __missing__(self, key: str) -> bool:
        answer = bool(self.ask(key)) if self.ask is not None else True
        self[key] = answer
        return answer

    def __contains__(self, key: object) -> bool:
        return self[key] if isinstance(key, str) else False


class Router:
    """Where the records of a kept key go while the file is read (the engine's rules give one).

    The reader keeps each kept key's records in a list (``TrainingLog.by_key``). It tells the
    router the first record of every kept key (``first``), and when a key's list reaches
    ``PROBE_AT`` records and each doubling after, asks whether its records can be handed over
    from then on (``probe``): a callable answer takes every later record of the key, in
    batches of ``(seq, line, time_ms, value, metadata, obj)`` rows in file order (the last
    batch when the file ends), and the list stops growing (it keeps the key's first records).
    Without a router every record of a kept key is kept."""

    def start(self, log: TrainingLog) -> None:  # pragma: no cover - interface
        """The log about to be read (its ``by_key`` fills as it is read)."""
        return None

    def first(self, record: Record) -> None:  # pragma: no cover - interface
        return None

    def probe(self, key: str, records: list[Record]) -> Callable[[list[Any]], None] | None:  # pragma: no cover - interface
        return None


PROBE_AT = 64  # records of one key before the router is first asked to take them over
BATCH = 64  # rows handed to the router's callable at a time


class _Builder:
    """Accumulates records into a TrainingLog, keeping only wanted keys.

    This is the hot loop of the whole tool: plain lists and local names, one
    dict lookup per record for a key seen before. ``slots[key]`` is
    ``[count, first_line, where, next_probe, sink]``: ``where`` is None for a key
    only counted, else the key's list of records, or (with a ``sink``, the
    router's callable for the key) the rows not yet handed over.
    """

    __slots__ = ("log", "keep", "keep_all", "keep_set", "seq", "slots", "max_keys", "bounds", "router", "add")

    def __init__(self, log: TrainingLog, keep: Container[str] | Callable[[str], bool] | None, router: Router | None = None):
        self.log = log
        if keep is not None and not isinstance(keep, (set, frozenset, dict)) and not callable(keep):
            keep = set(keep)  # type: ignore[call-overload]  # any other container of names: iterable in practice
        self.keep = keep
        # A callable filter is asked once per distinct key; the answer is cached in keep_set.
        self.keep_all = keep is None
        self.keep_set: Container[str] = keep if isinstance(keep, (set, frozenset, dict)) else _AskOnce(keep if callable(keep) else None)
        self.seq = 0
        self.slots: dict[str, list[Any]] = {}
        self.max_keys = 10_000  # distinct keys tracked; a hostile log cannot grow this without bound
        self.bounds = RecordBounds()
        self.router = router
        if router is not None:
            router.start(log)
        self.add = self._adder()

    def wants(self, key: str) -> bool:
        keep = self.keep
        if keep is None:
            return True
        if callable(keep):
            return bool(keep(key))
        return key in keep

    def _adder(self) -> Callable[[int, Any, bytes], None]:
        """``add(line, obj, raw)``: one decoded record. A closure over the builder's state, so
        that the names it reads for every record are its own (no attribute look-ups)."""
        builder = self
        slots_get = self.slots.get
        first = self._first
        refused = self._refused
        probe = self._probe
        issues = self.log.issues
        limit = _TIME_LIMIT
        isfinite = math.isfinite
        batch = BATCH
        make = Record

        def add(line: int, obj: Any, raw: bytes) -> None:
            try:
                key = obj["key"]
                time_ms = obj["time_ms"]
                metadata = obj["metadata"]
                value = obj["value"]
                slot = slots_get(key)
            except (KeyError, TypeError, IndexError):  # not an object, a field missing, an unhashable key
                key = time_ms = metadata = value = slot = None
            if slot is None or type(time_ms) is not int or not -limit < time_ms < limit or type(metadata) is not dict:
                # Not the common case (a known key, an integer time, metadata an object): the
                # record's first of its key, a float time, or a record of another shape.
                time_type = type(time_ms)
                if (
                    type(key) is not str
                    or not key
                    or type(metadata) is not dict
                    or (time_type is int and not -limit < time_ms < limit)
                    or (time_type is not int and (time_type is not float or not isfinite(time_ms)))
                ):
                    issue = _validate(obj)
                    if issue is not None:
                        issues.append(ParseIssue(ISSUE_BAD_RECORD, line, issue, _excerpt(raw)))
                        return
                    time_ms = float(time_ms)
                if slot is None:
                    slot = slots_get(key)
                    if slot is None:
                        first(key, line, time_ms, value, metadata, obj, raw)
                        return
            where = slot[2]
            if where is None:  # a key only counted
                slot[0] += 1
                builder.seq += 1
                return
            # More than the record's and its metadata's two "{" (the first "{" after the start is
            # not the last), or a "[": refuse() counts and charges it (metadata is an object here,
            # so the bytes hold at least those two; two finds cost less than a count).
            if (raw.find(b"{", 1) != raw.rfind(b"{") or raw.find(b"[") >= 0) and refused(key, line, value, metadata, raw):
                return
            slot[0] += 1
            sink = slot[4]
            if sink is None:
                where.append(make(builder.seq, line, time_ms, key, value, metadata, obj.get("event_type"), obj.get("namespace")))
                if len(where) == slot[3]:
                    probe(key, slot)
            else:
                where.append((builder.seq, line, time_ms, value, metadata, obj))
                if len(where) == batch:
                    sink(where)
                    slot[2] = []
            builder.seq += 1

        return add

    def _refused(self, key: str, line: int, value: Any, metadata: Any, raw: bytes) -> bool:
        why = self.bounds.refuse(raw, value, metadata)
        if why is None:
            return False
        self.log.issues.append(ParseIssue(ISSUE_BAD_RECORD, line, f"'{key}': {why}; it was skipped", _excerpt(raw)))
        return True

    def _first(self, key: str, line: int, time_ms: float, value: Any, metadata: Any, obj: Any, raw: bytes) -> None:
        """The first record of a key."""
        kept = self.keep_all or key in self.keep_set
        if kept and self._refused(key, line, value, metadata, raw):
            return
        if len(self.slots) >= self.max_keys and not self.wants(key):
            self.seq += 1
            return
        if not kept:
            self.slots[key] = [1, line, None, 0, None]
            self.seq += 1
            return
        record = Record(self.seq, line, time_ms, key, value, metadata, obj.get("event_type"), obj.get("namespace"))
        bucket = [record]
        self.log.by_key[key] = bucket
        self.slots[key] = [1, line, bucket, PROBE_AT if self.router is not None else 0, None]
        self.seq += 1
        if self.router is not None:
            self.router.first(record)

    def _probe(self, key: str, slot: list[Any]) -> None:
        sink = self.router.probe(key, slot[2]) if self.router is not None else None
        if sink is not None:
            slot[2], slot[4] = [], sink
        else:
            slot[3] *= 2

    def finish(self) -> None:
        for slot in self.slots.values():
            if slot[4] is not None and slot[2]:
                slot[4](slot[2])
                slot[2] = []
        self.log.stats = {key: KeyStats(slot[0], slot[1]) for key, slot in self.slots.items()}
        self.log.records = self.seq
        self.log.streamed = frozenset(key for key, slot in self.slots.items() if slot[4] is not None)


def _validate(obj: Any) -> str | None:
    """Return why a decoded JSON value is not a usable MLLOG record, or None."""
    if not isinstance(obj, dict):
        return f"the record is a JSON {type(obj).__name__}, not an object"
    missing = [name for name in ("key", "time_ms", "value", "metadata") if name not in obj]
    if missing:
        return "the record has no " + ", ".join(f"'{m}'" for m in missing) + " field"
    if not isinstance(obj["key"], str) or not obj["key"]:
        return "the record's 'key' is not a non-empty string"
    time_ms = obj["time_ms"]
    if isinstance(time_ms, bool):
        return f"the record's 'time_ms' ({time_ms!r}) is not a number"
    if not isinstance(time_ms, (int, float)):
        try:
            time_ms = float(time_ms)
        except (TypeError, ValueError, OverflowError):
            return f"the record's 'time_ms' ({time_ms!r}) is not a number"
    if isinstance(time_ms, int) and not -_TIME_LIMIT < time_ms < _TIME_LIMIT:
        return "the record's 'time_ms' is out of range for a clock reading"
    if not math.isfinite(time_ms):
        return f"the record's 'time_ms' ({time_ms!r}) is not a finite number"
    if not isinstance(obj["metadata"], dict):
        return "the record's 'metadata' is not a JSON object"
    return None


def _parse_line(builder: _Builder, line_no: int, raw: bytes, first_token: int) -> None:
    """Parse every record on one line (``raw`` has no newline)."""
    issues = builder.log.issues
    start = first_token
    found = 0
    while start >= 0:
        body_start = start + TOKEN_LEN
        payload = raw[body_start:].strip()
        if payload.startswith(b"["):
            try:
                _DECODER.raw_decode(payload.decode("utf-8", "replace"))
            except json.JSONDecodeError:
                pass
            except (ValueError, RecursionError) as err:  # nested past the parser, or a huge integer
                reason = "it is nested too deeply" if isinstance(err, RecursionError) else str(err)
                issues.append(ParseIssue(ISSUE_BAD_JSON, line_no, f"the record cannot be read: {reason}", _excerpt(raw)))
                return
            else:
                issues.append(
                    ParseIssue(ISSUE_BAD_RECORD, line_no, "the record is a JSON array, not an object", _excerpt(raw))
                )
                return
        if len(payload) > BIG_PAYLOAD:
            why = builder.bounds.too_many_objects(payload)
            if why is not None:
                issues.append(ParseIssue(ISSUE_BAD_RECORD, line_no, f"{why}; it was not read", _excerpt(raw)))
                return
        if not payload.startswith(b"{"):
            if found == 0:
                issues.append(
                    ParseIssue(
                        ISSUE_PROSE,
                        line_no,
                        "the line mentions ':::MLLOG' but no JSON record follows it",
                        _excerpt(raw),
                    )
                )
            start = raw.find(TOKEN, body_start)
            continue
        try:
            obj = orjson.loads(payload)
            builder.add(line_no, obj, raw)
            found += 1
            return
        except orjson.JSONDecodeError:
            pass
        # Slow path: NaN/Infinity, non-UTF-8 bytes, several records on a line,
        # trailing text, or a record that is broken.
        encoding = "utf-8"
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "latin-1"
            text = payload.decode("latin-1")
            issues.append(
                ParseIssue(
                    ISSUE_ENCODING,
                    line_no,
                    "the record contains bytes that are not UTF-8; it was read as latin-1",
                    _excerpt(raw),
                )
            )
        lead = len(raw) - body_start - len(raw[body_start:].lstrip())
        try:
            obj, end = _DECODER.raw_decode(text)
        except json.JSONDecodeError as err:
            column = body_start + lead + len(text[: err.pos].encode(encoding)) + 1
            issues.append(
                ParseIssue(
                    ISSUE_BAD_JSON,
                    line_no,
                    f"the record is not valid JSON: {err.msg} (column {column})",
                    _excerpt(raw),
                )
            )
            return
        except (ValueError, RecursionError) as err:
            # e.g. nesting deeper than the parser allows, or an integer with thousands of digits
            reason = "it is nested too deeply" if isinstance(err, RecursionError) else str(err)
            issues.append(ParseIssue(ISSUE_BAD_JSON, line_no, f"the record cannot be read: {reason}", _excerpt(raw)))
            return
        builder.add(line_no, obj, raw)
        found += 1
        rest = text[end:]
        next_token = rest.find(":::MLLOG ")
        if next_token < 0:
            if rest.strip():
                issues.append(
                    ParseIssue(
                        ISSUE_TRAILING,
                        line_no,
                        f"text follows the record on the same line: {rest.strip()[:60]!r}",
                        _excerpt(raw),
                    )
                )
            return
        issues.append(
            ParseIssue(
                ISSUE_MULTI,
                line_no,
                "several MLLOG records share this line (interleaved output?); each was read",
                _excerpt(raw),
            )
        )
        start = body_start + lead + len(text[: end + next_token].encode(encoding))


def _size(count: int) -> str:
    from compliance.wording import size  # only for a line too long: not at start-up

    return size(count)


def _scan(stream: BinaryIO, builder: _Builder) -> int:
    """Scan the stream; return the number of lines in it.

    Each block is scanned where it lies (no copy of it): only a line that runs from one block
    into the next is joined."""
    line_no = 1
    tail = b""  # the start of a line that the next block goes on with
    skipping_long_line = False
    last_byte = b""
    while True:
        chunk = stream.read(BLOCK_SIZE)
        final = not chunk
        if chunk:
            last_byte = chunk[-1:]
        start = 0
        if skipping_long_line or tail:
            nl = chunk.find(b"\n")
            if nl < 0:
                if skipping_long_line:
                    if final:
                        break
                    continue
                data = tail + chunk
                tail = b""
                if final:
                    _scan_region(data, 0, len(data), line_no, builder)
                    break
                if _too_long(data, line_no, builder):
                    skipping_long_line = True
                else:
                    tail = data
                continue
            if skipping_long_line:
                line_no += 1
                skipping_long_line = False
            else:
                joined = tail + chunk[: nl + 1]
                tail = b""
                line_no = _scan_region(joined, 0, len(joined), line_no, builder)
            start = nl + 1
        if final:
            break
        cut = chunk.rfind(b"\n")
        if cut < start:
            rest = chunk[start:]
            if _too_long(rest, line_no, builder):
                skipping_long_line = True
            else:
                tail = rest
            continue
        line_no = _scan_region(chunk, start, cut + 1, line_no, builder)
        tail = chunk[cut + 1 :]
    if not last_byte:
        return 0
    return line_no - 1 if last_byte == b"\n" else line_no


def _too_long(line: bytes, line_no: int, builder: _Builder) -> bool:
    """Whether the start of a line without its end yet is past MAX_LINE_BYTES (reported: the
    rest of the line is skipped)."""
    if len(line) <= MAX_LINE_BYTES:
        return False
    builder.log.issues.append(
        ParseIssue(
            ISSUE_LONG_LINE,
            line_no,
            f"the line is longer than {_size(MAX_LINE_BYTES)}; it was skipped",
            _excerpt(line[:EXCERPT]),
        )
    )
    return True


def _scan_region(data: bytes, pos: int, end: int, line_no: int, builder: _Builder) -> int:
    """Parse the records in the run of whole lines ``data[pos:end]`` (read in place); return
    the next line number.

    The common record (one on its line, of a key seen before that is only counted or is handed
    over in batches, an integer time, metadata an object) is taken here, with the record count
    in a local name; any other goes through ``builder.add``, which does the same and more."""
    low = pos
    find = data.find
    count = data.count
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    add = builder.add
    slots_get = builder.slots.get
    refused = builder._refused
    limit = _TIME_LIMIT
    batch = BATCH
    seq = builder.seq
    dense = True  # whether the last record began its line: then the next one is looked for there first
    try:
        while True:
            if dense and data[pos : pos + TOKEN_LEN] == TOKEN:
                p = pos  # a comparison costs less than a search
            else:
                p = find(TOKEN, pos)  # no end bound: cheaper, and a token found past the end is ignored
                if p < 0 or p >= end:
                    return line_no + count(b"\n", pos, end)
                dense = p == pos
                if not dense:  # lines before the record's (noise): a record at a line's start costs no count
                    line_no += count(b"\n", pos, p)
            line_end = find(b"\n", p)  # the region ends with a newline, or at the end of the data
            if line_end < 0:
                line_end = end
            # Fast path: one well-formed record on the line (trailing \r is JSON whitespace;
            # a second record on the line makes this parse fail and takes the slow path).
            body = p + TOKEN_LEN
            obj = None
            if body < end and data[body] == 123 and line_end - body <= BIG_PAYLOAD:  # 123: "{"
                payload = data[body:line_end]
                try:
                    obj = loads(payload)
                except decode_error:
                    pass
            if obj is None:
                line_start = data.rfind(b"\n", low, p) + 1 or low
                builder.seq = seq
                _parse_line(builder, line_no, data[line_start:line_end], p - line_start)
                seq = builder.seq
            else:
                try:
                    slot = slots_get(obj["key"])
                    time_ms = obj["time_ms"]
                    metadata = obj["metadata"]
                    value = obj["value"]
                except (KeyError, TypeError, IndexError):
                    slot = None
                if (
                    slot is None
                    or type(time_ms) is not int
                    or not -limit < time_ms < limit
                    or type(metadata) is not dict
                    or (slot[4] is None and slot[2] is not None)
                ):
                    builder.seq = seq
                    add(line_no, obj, payload)
                    seq = builder.seq
                elif slot[2] is None:  # a key only counted
                    slot[0] += 1
                    seq += 1
                elif not (
                    (payload.find(b"{", 1) != payload.rfind(b"{") or payload.find(b"[") >= 0)
                    and refused(obj["key"], line_no, value, metadata, payload)
                ):  # see add() for the brackets
                    slot[0] += 1
                    where = slot[2]
                    where.append((seq, line_no, time_ms, value, metadata, obj))
                    seq += 1
                    if len(where) == batch:
                        slot[4](where)
                        slot[2] = []
            if line_end >= end:
                return line_no
            pos = line_end + 1
            line_no += 1
            if pos >= end:  # the data goes on past the region: not to be compared with the token
                return line_no
    finally:
        builder.seq = seq


class _few_collections:
    """The cyclic garbage collector runs less often while a log is read: the records decoded
    and handed on in batches are freed by their reference counts, and a collection every few
    hundred of them would scan them for nothing (a tenth of the time on a large log)."""

    YOUNG = 50_000  # container objects allocated (net) between two young collections

    def __enter__(self) -> None:
        self.saved = gc.get_threshold()
        gc.set_threshold(max(self.saved[0], self.YOUNG), *self.saved[1:])

    def __exit__(self, *exc: object) -> None:
        gc.set_threshold(*self.saved)


def parse_mllog(
    path: str,
    keep: Container[str] | Callable[[str], bool] | None = None,
    *,
    display_path: str | None = None,
    max_bytes: int | None = None,
    follow_links: bool = False,
    router: Router | None = None,
) -> TrainingLog:
    """Read one MLLOG file. Never raises for bad input; see ``TrainingLog.issues``.

    Only a regular file is opened (never a pipe or device); a symbolic link only
    with ``follow_links`` (a path the user named). ``router``: see ``Router``.
    """
    log = TrainingLog(path=display_path or path)
    try:
        stream = open_regular(path, follow_links=follow_links)
    except NotRegularFile as err:
        log.readable = False
        log.issues.append(ParseIssue(ISSUE_UNREADABLE, None, f"not read: {err.strerror}"))
        return log
    except (OSError, ValueError) as err:
        log.readable = False
        reason = why_unreadable(err) if isinstance(err, OSError) else "the path is not valid"
        log.issues.append(ParseIssue(ISSUE_UNREADABLE, None, f"cannot read the file: {reason}"))
        return log
    builder = _Builder(log, keep, router)
    with stream:
        log.size_bytes = os.fstat(stream.fileno()).st_size
        if max_bytes is not None and log.size_bytes > max_bytes:
            log.readable = False
            log.issues.append(
                ParseIssue(
                    ISSUE_UNREADABLE,
                    None,
                    f"the file is {log.size_bytes / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit",
                )
            )
            return log
        try:
            head = stream.read(4)
            stream.seek(0)
            with _few_collections():
                log.lines = _scan(stream, builder)
        except OSError as err:
            builder.finish()
            log.readable = False
            log.issues.append(ParseIssue(ISSUE_UNREADABLE, None, f"cannot read the file: {why_unreadable(err)}"))
            return log
    builder.finish()
    if log.records == 0 and head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        log.issues.append(
            ParseIssue(
                ISSUE_UNREADABLE,
                None,
                "the file is UTF-16 text; MLLOG logs must be UTF-8 (re-save the log as UTF-8)",
            )
        )
    return log


def parse_mllog_bytes(data: bytes, keep: Container[str] | None = None, path: str = "<bytes>") -> TrainingLog:
    """Parse an in-memory log (used by tests and by archive readers)."""
    import io

    log = TrainingLog(path=path, size_bytes=len(data))
    builder = _Builder(log, keep)
    log.lines = _scan(io.BytesIO(data), builder)
    builder.finish()
    return log
