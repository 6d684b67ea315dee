"""Read an inference power result: the power director's files and PTDaemon's logs.

``read_power_result(performance_real, performance_shown, ...)`` reads
``performance/power/{client,server}.json``, ``client.log``, ``ptd_logs.txt``,
``ranging/`` and both ``spl.txt`` into ``compliance.models.power.PowerResult``,
and the sha1 of the files the session files record. Every file is opened
through ``compliance.parsers.safefs`` (no link followed, nothing but regular
files); bad input is recorded in the model (``error``, ``bad_lines``), never
raised. Lines are read at most ``MAX_LINE`` bytes at a time; the samples of one
``spl.txt`` and the event lines kept of one ``ptd_logs.txt`` stop at the
``power-samples`` limit (``compliance.limits``).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Iterator
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import BinaryIO

from compliance.models.power import DirectorLog, LogEvent, PowerResult, PtdLog, SampleLog, SessionFile, TimeSync
from compliance.parsers import safefs

MAX_LINE = 1 << 16  # bytes of one log line read; the rest of a longer line is skipped
MAX_SESSION_BYTES = 8 << 20  # client.json / server.json
HASH_CHUNK = 1 << 20
_BLOCK = 1 << 20  # bytes of a log read at a time
SESSION_NOUN = "power session file"
# The PTD log lines the power rules read (PTDaemon's own wording), after the timestamp.
EVENT_PREFIXES = ("ERROR:", "WARNING:", "Go with mark", "Completed test", "Uncertainty checking")
_STAMP = re.compile(rb"^(\d\d-\d\d-\d\d\d\d \d\d:\d\d:\d\d\.\d+)(.*)$")
_VERSION = re.compile(rb"^\s*Version\s+(\S+)")
_SYNC = re.compile(rb"within range (-?\d+(?:\.\d+)?) ms\.\.(-?\d+(?:\.\d+)?) ms")


def _lines(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """(1-based number, line without its end) of a binary stream, each cut at ``MAX_LINE`` bytes
    (its end included, as ``readline(MAX_LINE)`` cuts it; the rest of a longer line is skipped).
    The stream is read in blocks and split in C; at most a block and a line are held."""
    number = 0
    tail = b""
    skipping = False  # inside a line longer than MAX_LINE, already given
    while True:
        block = stream.read(_BLOCK)
        if not block:
            break
        lines = (tail + block if tail else block).split(b"\n")
        tail = lines.pop()
        if skipping:
            if not lines:  # no line end in this block: still the long line
                tail = b""
                continue
            del lines[0]
            skipping = False
        for line in lines:
            number += 1
            yield number, (line if len(line) < MAX_LINE else line[:MAX_LINE]).rstrip(b"\r\n")
        if len(tail) >= MAX_LINE:
            number += 1
            yield number, tail[:MAX_LINE].rstrip(b"\r\n")
            tail, skipping = b"", True
    if tail and not skipping:
        yield number + 1, tail.rstrip(b"\r\n")


def _each_line(real: str | None, model: SampleLog | PtdLog | DirectorLog) -> Iterator[tuple[int, bytes]]:
    """The lines of a file (see ``_lines``); why it cannot be read goes into ``model.error``."""
    stream, model.error = _open(real)
    if stream is None:
        return
    with stream:
        yield from _lines(stream)


def _open(real: str | None) -> tuple[BinaryIO | None, str | None]:
    if real is None:
        return None, "absent"
    try:
        return safefs.open_regular(real), None
    except OSError as err:
        return None, f"cannot be read: {safefs.why_unreadable(err)}"
    except ValueError:
        return None, "cannot be read: the path is not valid"


# The strptime directives timestamps use, as ``_strptime`` matches them (same patterns, so a
# text matches here exactly when strptime matches it); a format with any other directive is
# read by strptime itself.
_DIRECTIVES = {
    "d": r"(3[01]|[12]\d|0[1-9]|[1-9]| [1-9])",
    "m": r"(1[0-2]|0[1-9]|[1-9])",
    "Y": r"(\d\d\d\d)",
    "H": r"(2[0-3]|[0-1]\d|\d)",
    "M": r"([0-5]\d|\d)",
    "S": r"(6[0-1]|[0-5]\d|\d)",
    "f": r"([0-9]{1,6})",
}
_FIELDS = "YmdHMSf"  # datetime's argument order


@lru_cache(maxsize=8)
def _stamp_reader(fmt: str) -> tuple[re.Pattern[str], tuple[int, ...]] | None:
    """A regular expression for ``fmt`` and, for each datetime field, its group (0: absent), or
    None when ``fmt`` has a directive other than ``_DIRECTIVES`` (or none of the date)."""
    pattern: list[str] = []
    groups: dict[str, int] = {}
    at = 0
    while at < len(fmt):
        char = fmt[at]
        if char == "%":
            directive = fmt[at + 1 : at + 2]
            if directive == "%":
                pattern.append("%")
            elif directive in _DIRECTIVES and directive not in groups:
                groups[directive] = len(groups) + 1
                pattern.append(_DIRECTIVES[directive])
            else:
                return None
            at += 2
            continue
        if char.isspace():  # a run of white space matches any run of it, as in strptime
            if not pattern or pattern[-1] != r"\s+":
                pattern.append(r"\s+")
        else:
            pattern.append(re.escape(char))
        at += 1
    if not {"Y", "m", "d"} <= groups.keys():
        return None
    return re.compile("".join(pattern), re.IGNORECASE), tuple(groups.get(name, 0) for name in _FIELDS)


def _stamp_fields(text: str, fmt: str) -> list[int] | None:
    """Year, month, day, hour, minute, second and microsecond of ``text`` read as ``strptime``
    reads it with ``fmt`` (ValueError where strptime raises one), or None for a format that
    ``_stamp_reader`` does not read."""
    reader = _stamp_reader(fmt)
    if reader is None:
        return None
    pattern, groups = reader
    found = pattern.match(text)
    if found is None or found.end() != len(text):
        raise ValueError(f"time data {text!r} does not match format {fmt!r}")
    values = found.groups()
    fields = [int(values[g - 1]) if g else 0 for g in groups[:6]]
    fields.append(int(values[groups[6] - 1].ljust(6, "0")) if groups[6] else 0)
    return fields


def _parse_stamp(text: str, fmt: str) -> datetime:
    """``datetime.strptime(text, fmt)``, faster for the formats ``_stamp_reader`` reads."""
    fields = _stamp_fields(text, fmt)
    if fields is None:
        return datetime.strptime(text, fmt)
    year, month, day, hour, minute, second, micro = fields
    return datetime(year, month, day, hour, minute, second, micro)


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=64)
def _days(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to a date (ValueError for a date that does not exist, as datetime)."""
    return date(year, month, day).toordinal() - _EPOCH_ORDINAL


def epoch(text: str, fmt: str) -> float | None:
    """Seconds since the epoch of a PTD/LoadGen timestamp read as UTC, or None when it is not one:
    the float ``datetime.timestamp()`` gives (whole microseconds over 10**6, as timedelta does)."""
    try:
        fields = _stamp_fields(text.strip(), fmt)
        if fields is None:
            return _parse_stamp(text.strip(), fmt).replace(tzinfo=timezone.utc).timestamp()
        year, month, day, hour, minute, second, micro = fields
        if second > 59:  # strptime's pattern reads 60 and 61; datetime refuses them
            return None
        return ((_days(year, month, day) * 86400 + hour * 3600 + minute * 60 + second) * 1_000_000 + micro) / 1_000_000
    except (ValueError, OverflowError):
        return None


def seconds_between(begin: str, end: str, fmt: str) -> float | None:
    """``end - begin`` of two timestamps in seconds, exactly as ``timedelta.total_seconds`` gives it."""
    try:
        return (_parse_stamp(end.strip(), fmt) - _parse_stamp(begin.strip(), fmt)).total_seconds()
    except (ValueError, OverflowError):
        return None


def _limit() -> int:
    from compliance.limits import get

    return get("power-samples")


def read_samples(real: str | None, shown: str, fmt: str) -> SampleLog:
    """A ``spl.txt``: its ``Time,<stamp>,Watts,<W>,...,PF,<pf>,...`` lines as samples."""
    log = SampleLog(path=shown)
    most = _limit()
    for number, line in _each_line(real, log):
        if not line.startswith(b"Time"):
            continue
        fields = line.split(b",")
        when = epoch(fields[1].decode("ascii", "replace"), fmt) if len(fields) > 3 else None
        watts = _float(fields[3]) if len(fields) > 3 else None
        if when is None or watts is None:
            log.bad_lines += 1
            log.first_bad_line = log.first_bad_line or number
            continue
        if len(log.times) >= most:
            log.stopped_at = number
            break
        pf = _float(fields[9]) if len(fields) > 9 else None
        log.times.append(when)
        log.watts.append(watts)
        log.pf.append(math.nan if pf is None else pf)
        log.lines.append(number)
    return log


def _float(raw: bytes) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_ptd_log(real: str | None, shown: str, fmt: str) -> PtdLog:
    """``ptd_logs.txt``: PTDaemon's version and the timestamped lines the rules read."""
    log = PtdLog(path=shown)
    most = _limit()
    for number, line in _each_line(real, log):
        stamped = _STAMP.match(line)
        if stamped is None:
            version = _VERSION.match(line)
            if version and log.version is None:
                log.version = version.group(1).decode("ascii", "replace")
            continue
        message = stamped.group(2).decode("utf-8", "replace").lstrip(":").strip()
        if not message.startswith(EVENT_PREFIXES):
            continue
        when = epoch(stamped.group(1).decode("ascii"), fmt)
        if when is None:
            continue
        if len(log.events) >= most:
            log.dropped += 1
            continue
        log.events.append(LogEvent(number, when, message))
    return log


def read_director_log(real: str | None, shown: str) -> DirectorLog:
    """``client.log``/``server.log``: the time-synchronisation lines."""
    log = DirectorLog(path=shown)
    most = _limit()
    for number, line in _each_line(real, log):
        found = _SYNC.search(line)
        if found and len(log.sync) < most:
            log.sync.append(TimeSync(number, float(found.group(1)), float(found.group(2))))
    return log


def read_session(real: str | None, shown: str) -> SessionFile:
    """``client.json``/``server.json`` as a JSON object (NaN refused, UTF-8 only)."""
    from compliance.parsers.system_desc import parse_system_bytes

    session = SessionFile(path=shown)
    stream, session.error = _open(real)
    if stream is None:
        return session
    with stream:
        raw = stream.read(MAX_SESSION_BYTES + 1)
    if len(raw) > MAX_SESSION_BYTES:
        session.error = f"over {MAX_SESSION_BYTES >> 20} MiB, not read"
        return session
    try:
        session.data, session.error = parse_system_bytes(raw, SESSION_NOUN)
    except RecursionError:
        session.data, session.error = None, "nested too deeply to be read"
    return session


def sha1_of(real: str) -> tuple[str | None, str | None]:
    """The sha1 of a regular file read in chunks, or (None, why not)."""
    stream, why = _open(real)
    if stream is None:
        return None, why
    digest = hashlib.sha1(usedforsecurity=False)
    try:
        with stream:
            while chunk := stream.read(HASH_CHUNK):
                digest.update(chunk)
    except OSError as err:
        return None, f"cannot be read: {safefs.why_unreadable(err)}"
    return digest.hexdigest(), None


def read_power_result(performance_real: str, performance_shown: str, files: dict[str, str], fmt: str, hashed: tuple[str, ...]) -> PowerResult:
    """One result's power files. ``files``: the result's listing (``performance/...`` -> real path);
    ``fmt``: the timestamps' format (round data); ``hashed``: the paths below ``performance/`` to hash."""
    from compliance.parsers.loadgen import read_loadgen_run

    def real(relative: str) -> str | None:
        return files.get(f"performance/{relative}")

    def shown(relative: str) -> str:
        return f"{performance_shown}/{relative}"

    result = PowerResult(
        folder=performance_shown,
        client=read_session(real("power/client.json"), shown("power/client.json")),
        server=read_session(real("power/server.json"), shown("power/server.json")),
        ptd_log=read_ptd_log(real("power/ptd_logs.txt"), shown("power/ptd_logs.txt"), fmt),
        client_log=read_director_log(real("power/client.log"), shown("power/client.log")),
        testing=read_samples(real("run_1/spl.txt"), shown("run_1/spl.txt"), fmt),
        ranging=read_samples(real("ranging/spl.txt"), shown("ranging/spl.txt"), fmt),
    )
    ranging = os.path.join(performance_real, "ranging")
    if safefs.is_folder(ranging):
        result.ranging_run = read_loadgen_run(ranging, read_accuracy_log=False)
    for relative in hashed:
        path = real(relative)
        if path is None:
            continue
        digest, why = sha1_of(path)
        if digest is not None:
            result.hashes[relative] = digest
        else:
            result.unhashed[relative] = why or "not read"
    return result


def read_result_power(result_real: str, result_shown: str, files: dict[str, str], power_table: object) -> PowerResult | None:
    """A scenario result's power files when it has ``performance/power/`` and the round has power
    rules (``[power]``), else None."""
    from collections.abc import Mapping

    from compliance.rulebook.power import power_rules

    if not isinstance(power_table, Mapping) or not any(name.startswith("performance/power/") for name in files):
        return None
    rules = power_rules(power_table)
    if rules is None:
        return None
    performance = os.path.join(result_real, "performance")
    return read_power_result(performance, f"{result_shown}/performance", files, rules.datetime_format, rules.result_files)
