"""What one inference power result holds, once read (``compliance.parsers.power``).

A power result is ``results/<system>/<model>/<scenario>/performance/`` with
``power/`` (the power director's session files and logs), ``ranging/`` (the
LoadGen run during which the analyzer chose its ranges) and ``run_1/`` (the
"testing" run whose power is reported). Nothing here opens a file.
"""

from __future__ import annotations

from array import array
from typing import Any

from compliance.models.loadgen import LoadgenRun
from compliance.records import field, recordclass


@recordclass(slots=True)
class SessionFile:
    """``power/client.json`` or ``power/server.json``: the session descriptor the workflow wrote."""

    path: str  # as shown
    data: dict[str, Any] | None = None
    error: str | None = None  # why it could not be read (absent, not JSON ...)


@recordclass(slots=True)
class SampleLog:
    """``spl.txt``: PTDaemon's samples (one ``Time,...`` line per sample), in file order."""

    path: str  # as shown
    times: array[float] = field(default_factory=lambda: array("d"))  # seconds since the epoch, the timestamp read as UTC
    watts: array[float] = field(default_factory=lambda: array("d"))  # the total (field 3)
    pf: array[float] = field(default_factory=lambda: array("d"))  # the power factor (field 9); nan when absent
    lines: array[int] = field(default_factory=lambda: array("q"))  # 1-based line of each sample
    bad_lines: int = 0  # Time lines whose time or watts could not be read
    first_bad_line: int | None = None
    error: str | None = None  # why it could not be read at all
    stopped_at: int | None = None  # the line where the sample limit was reached


@recordclass(frozen=True, slots=True)
class LogEvent:
    """A timestamped line of ``ptd_logs.txt`` the power rules look at."""

    line: int
    time: float  # seconds since the epoch (UTC)
    message: str  # after the timestamp and its colon, stripped


@recordclass(slots=True)
class PtdLog:
    """``power/ptd_logs.txt``: PTDaemon's own log."""

    path: str
    version: str | None = None  # the banner's "Version 1.11.1-..."
    events: list[LogEvent] = field(default_factory=list)  # ERROR:, WARNING:, Go with mark, Completed test, Uncertainty checking
    dropped: int = 0  # event lines past the limit, not kept
    error: str | None = None


@recordclass(frozen=True, slots=True)
class TimeSync:
    """A "time difference between the client and the server is within range A ms..B ms" line."""

    line: int
    low_ms: float
    high_ms: float


@recordclass(slots=True)
class DirectorLog:
    """``power/client.log`` or ``power/server.log``: the workflow's Python log."""

    path: str
    sync: list[TimeSync] = field(default_factory=list)
    error: str | None = None


@recordclass(slots=True)
class PowerResult:
    """Everything the power rules read of one result's ``performance/`` folder."""

    folder: str  # performance/ as shown
    client: SessionFile
    server: SessionFile
    ptd_log: PtdLog
    client_log: DirectorLog
    testing: SampleLog  # run_1/spl.txt
    ranging: SampleLog  # ranging/spl.txt
    ranging_run: LoadgenRun | None = None  # ranging/ (the testing run is the result's performance run)
    hashes: dict[str, str] = field(default_factory=dict)  # path below performance/ -> sha1 of the file
    unhashed: dict[str, str] = field(default_factory=dict)  # path below performance/ -> why it was not hashed
