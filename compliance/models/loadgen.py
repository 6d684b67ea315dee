"""Typed view of one MLPerf Inference LoadGen run, as the parser hands it to the rules.

A LoadGen run folder holds ``mlperf_log_detail.txt`` (the authoritative
record of the run: ``:::MLLOG {json}`` lines), ``mlperf_log_summary.txt``
(the human-readable summary), ``mlperf_log_accuracy.json`` (the logged
responses) and ``mlperf_log_trace.json``. A submission adds ``accuracy.txt``
next to accuracy runs. The parser (``compliance.parsers.loadgen``) reads
them into the frozen records below (``compliance.records``); nothing here opens a file.

Every model keeps what it could not read as ``issues`` (``LoadgenIssue``,
with a ``kind`` from ``compliance.parsers.loadgen.ISSUE_*``), so the rules
decide what a problem means, never the parser.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar, overload

from compliance.records import field, recordclass


@recordclass(slots=True)
class LoadgenRecord:
    """One ``:::MLLOG {...}`` record of a detail log.

    ``line`` is the 1-based line of the file; ``time_ms`` is milliseconds since
    LoadGen's log origin (not a wall clock); ``is_error``/``is_warning`` come
    from the record's metadata (False when the metadata lacks them). Not changed
    once read; not frozen, as a frozen record takes three times as long to make
    (a round has hundreds of thousands of records).
    """

    line: int
    time_ms: float
    key: str
    value: Any
    is_error: bool = False
    is_warning: bool = False


@recordclass(frozen=True, slots=True)
class LoadgenIssue:
    """A problem met while reading one file; the rules turn it into a finding."""

    kind: str  # see compliance.parsers.loadgen.ISSUE_*
    path: str
    line: int | None
    message: str
    excerpt: str = ""


def _as_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def _as_number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return None


def _as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# Percentile series LoadGen logs, by the name the accessors use: the key's text
# before and after the percentile (formatted with two decimals, "99.00").
PERCENTILE_SERIES: Mapping[str, tuple[str, str]] = {
    "latency": ("result_", "_percentile_latency_ns"),
    "per_query": ("result_", "_percentile_per_query_latency_ns"),
    "first_token": ("result_first_token_", "_percentile_latency_ns"),
    "time_per_output_token": ("result_time_per_output_token_", "_percentile_ns"),
}

# The key each scenario's result is read from (the official checker's choice for
# non-LLM benchmarks: the early-stopping estimates for SingleStream/MultiStream).
SCENARIO_METRIC_KEYS: Mapping[str, str] = {
    "SingleStream": "early_stopping_latency_ss",
    "MultiStream": "early_stopping_latency_ms",
    "Server": "result_completed_samples_per_sec",
    "Offline": "result_samples_per_second",
}

SEED_NAMES = ("qsl_rng_seed", "sample_index_rng_seed", "schedule_rng_seed", "accuracy_log_rng_seed")

EARLY_STOPPING_RESULT_KEYS = (
    "early_stopping_result",
    "early_stopping_ttft_result",
    "early_stopping_tpot_result",
)

_PERCENTILE = r"(\d+(?:\.\d+)?)"

_T = TypeVar("_T")


class _Logged(Generic[_T]):
    """A read-only accessor of a record view: the first logged value of one key, when it has the
    type ``convert`` accepts (``_as_str``, ``_as_int``, ...), else None."""

    __slots__ = ("key", "convert")

    def __init__(self, key: str, convert: Callable[[Any], _T | None]) -> None:
        self.key = key
        self.convert = convert

    @overload
    def __get__(self, view: None, owner: type) -> _Logged[_T]: ...

    @overload
    def __get__(self, view: _RecordView, owner: type) -> _T | None: ...

    def __get__(self, view: _RecordView | None, owner: type) -> _Logged[_T] | _T | None:
        if view is None:
            return self
        return self.convert(view.value(self.key))


class _RecordView:
    """Accessors over a detail log's records; shared by LoadgenDetail and LoadgenRun."""

    __slots__ = ()

    def _index(self) -> Mapping[str, tuple[LoadgenRecord, ...]]:
        raise NotImplementedError

    def _all_records(self) -> tuple[LoadgenRecord, ...]:
        raise NotImplementedError

    # -- raw access ---------------------------------------------------------

    def records_for(self, key: str) -> tuple[LoadgenRecord, ...]:
        """Every record of ``key``, in file order (empty if the key is not logged)."""
        return self._index().get(key, ())

    def record(self, key: str) -> LoadgenRecord | None:
        """The first record of ``key`` (its line locates a finding), or None."""
        found = self._index().get(key)
        return found[0] if found else None

    def value(self, key: str, default: Any = None) -> Any:
        """The first logged value of ``key``, or ``default``."""
        found = self._index().get(key)
        return found[0].value if found else default

    def values(self, key: str) -> list[Any]:
        """Every logged value of ``key`` in file order (repeated keys keep all values)."""
        return [record.value for record in self._index().get(key, ())]

    def count(self, key: str) -> int:
        return len(self._index().get(key, ()))

    def has(self, key: str) -> bool:
        return key in self._index()

    def keys(self) -> list[str]:
        """Distinct keys in order of first appearance."""
        return list(self._index())

    def errors(self) -> list[LoadgenRecord]:
        """Records LoadGen flagged ``is_error`` (``error_runtime``, ``error_invalid_config``, ...)."""
        return [record for record in self._all_records() if record.is_error]

    def warnings(self) -> list[LoadgenRecord]:
        """Records LoadGen flagged ``is_warning`` (``warning_generic_message``, ...)."""
        return [record for record in self._all_records() if record.is_warning]

    def _prefixed(self, prefix: str) -> dict[str, Any]:
        size = len(prefix)
        return {
            key[size:]: records[0].value
            for key, records in self._index().items()
            if key.startswith(prefix)
        }

    # -- identity -----------------------------------------------------------

    loadgen_version = _Logged("loadgen_version", _as_str)  # as logged, e.g. "6.0.17 @ d6147c7eb7"

    @property
    def loadgen_version_number(self) -> str | None:
        """The release part of ``loadgen_version`` (``"6.0.17"``)."""
        version = self.loadgen_version
        if version is None:
            return None
        return version.split("@", 1)[0].strip() or None

    git_commit_date = _Logged("loadgen_git_commit_date", _as_str)
    sut_name = _Logged("sut_name", _as_str)
    qsl_name = _Logged("qsl_name", _as_str)
    test_datetime = _Logged("test_datetime", _as_str)

    # -- what was run -------------------------------------------------------

    @property
    def scenario(self) -> str | None:
        """``effective_scenario`` (what LoadGen ran), else ``requested_scenario``."""
        return _as_str(self.value("effective_scenario", self.value("requested_scenario")))

    requested_scenario = _Logged("requested_scenario", _as_str)

    @property
    def mode(self) -> str | None:
        """``effective_test_mode`` (``PerformanceOnly``, ``AccuracyOnly``, ...), else the requested one."""
        return _as_str(self.value("effective_test_mode", self.value("requested_test_mode")))

    requested_mode = _Logged("requested_test_mode", _as_str)

    @property
    def is_accuracy_run(self) -> bool:
        return self.mode == "AccuracyOnly"

    @property
    def requested_settings(self) -> dict[str, Any]:
        """``requested_*`` keys without the prefix (first value of each)."""
        return self._prefixed("requested_")

    @property
    def effective_settings(self) -> dict[str, Any]:
        """``effective_*`` keys without the prefix (first value of each)."""
        return self._prefixed("effective_")

    @property
    def uses_token_latencies(self) -> bool:
        return self.value("requested_use_token_latencies") is True

    @property
    def seeds(self) -> dict[str, Any]:
        """The effective seeds LoadGen used, by name (``qsl_rng_seed``, ...); absent ones left out."""
        return self._seeds("effective_")

    @property
    def requested_seeds(self) -> dict[str, Any]:
        return self._seeds("requested_")

    def _seeds(self, prefix: str) -> dict[str, Any]:
        return {name: self.value(prefix + name) for name in SEED_NAMES if self.has(prefix + name)}

    min_duration_ms = _Logged("effective_min_duration_ms", _as_int)
    max_duration_ms = _Logged("effective_max_duration_ms", _as_int)
    target_duration_ms = _Logged("effective_target_duration_ms", _as_int)
    min_query_count = _Logged("effective_min_query_count", _as_int)
    max_query_count = _Logged("effective_max_query_count", _as_int)
    min_sample_count = _Logged("effective_min_sample_count", _as_int)
    samples_per_query = _Logged("effective_samples_per_query", _as_int)
    target_qps = _Logged("effective_target_qps", _as_number)
    target_latency_ns = _Logged("effective_target_latency_ns", _as_int)
    target_latency_percentile = _Logged("effective_target_latency_percentile", _as_number)
    performance_sample_count = _Logged("effective_performance_sample_count", _as_int)
    accuracy_sample_count = _Logged("effective_accuracy_sample_count", _as_int)

    # -- results (performance runs only) ------------------------------------

    validity = _Logged("result_validity", _as_str)  # "VALID", "INVALID", or None (accuracy runs log none)

    @property
    def is_valid(self) -> bool | None:
        validity = self.validity
        return None if validity is None else validity == "VALID"

    invalid_reason = _Logged("result_invalid_reason", _as_str)
    min_duration_met = _Logged("result_min_duration_met", _as_bool)
    min_queries_met = _Logged("result_min_queries_met", _as_bool)
    perf_constraints_met = _Logged("result_perf_constraints_met", _as_bool)  # Server only: the latency bound(s) held
    early_stopping_met = _Logged("early_stopping_met", _as_bool)

    @property
    def early_stopping_results(self) -> dict[str, str]:
        """The early-stopping texts LoadGen logged (plain, or TTFT and TPOT with token latencies)."""
        found = {}
        for key in EARLY_STOPPING_RESULT_KEYS:
            text = _as_str(self.value(key))
            if text is not None:
                found[key] = text
        return found

    early_stopping_latency_ss = _Logged("early_stopping_latency_ss", _as_int)
    early_stopping_latency_ms = _Logged("early_stopping_latency_ms", _as_int)
    query_count = _Logged("result_query_count", _as_int)
    num_errors = _Logged("num_errors", _as_int)

    @property
    def results(self) -> dict[str, Any]:
        """Every ``result_*`` key with its first value (keys as logged)."""
        return {
            key: records[0].value
            for key, records in self._index().items()
            if key.startswith("result_")
        }

    def percentile_latencies(self, series: str = "latency") -> dict[float, int | float]:
        """Percentile -> latency (ns) of one series: ``latency`` (per sample), ``per_query``
        (MultiStream), ``first_token`` or ``time_per_output_token`` (token latencies)."""
        try:
            head, tail = PERCENTILE_SERIES[series]
        except KeyError:
            raise ValueError(
                f"unknown series {series!r}; one of {', '.join(PERCENTILE_SERIES)}"
            ) from None
        pattern = re.compile(re.escape(head) + _PERCENTILE + re.escape(tail) + "$")
        found: dict[float, int | float] = {}
        for key, records in self._index().items():
            match = pattern.match(key)
            if match is None:
                continue
            number = _as_number(records[0].value)
            if number is not None:
                found[float(match.group(1))] = number
        return dict(sorted(found.items()))

    @property
    def scenario_metric(self) -> tuple[str, int | float] | None:
        """The key and value the scenario's result is read from (see ``SCENARIO_METRIC_KEYS``)."""
        scenario = self.scenario
        if scenario is None or scenario not in SCENARIO_METRIC_KEYS:
            return None
        key = SCENARIO_METRIC_KEYS[scenario]
        number = _as_number(self.value(key))
        return None if number is None else (key, number)


@recordclass(frozen=True, slots=True)
class LoadgenDetail(_RecordView):
    """What the rules see of one ``mlperf_log_detail.txt``.

    ``present`` is False when the file does not exist (then ``issues`` says
    so); ``readable`` is False when it exists but could not be read at all.
    ``records`` holds every record in file order; ``by_key`` the same records
    grouped by key (repeated keys keep every record, in order).
    """

    path: str
    present: bool = True
    readable: bool = True
    size_bytes: int = 0
    lines: int = 0
    records: tuple[LoadgenRecord, ...] = ()
    by_key: Mapping[str, tuple[LoadgenRecord, ...]] = field(default_factory=dict)
    issues: tuple[LoadgenIssue, ...] = ()

    def _index(self) -> Mapping[str, tuple[LoadgenRecord, ...]]:
        return self.by_key

    def _all_records(self) -> tuple[LoadgenRecord, ...]:
        return self.records


@recordclass(frozen=True, slots=True)
class SummaryField:
    """One ``name : value`` line of a summary; ``text`` is the value as written."""

    line: int
    name: str
    text: str

    @property
    def number(self) -> int | float | None:
        """The value as a number, or None when it is not one."""
        text = self.text.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None

    @property
    def yes(self) -> bool | None:
        """``Yes`` -> True, ``NO`` -> False (any case), anything else None."""
        text = self.text.strip().lower()
        return True if text == "yes" else False if text == "no" else None


@recordclass(frozen=True, slots=True)
class LoadgenSummary:
    """What the rules see of one ``mlperf_log_summary.txt``.

    ``metrics`` are the headline lines between ``Mode`` and ``Result is``
    (the scenario's metric first, then e.g. a tokens-per-second line);
    ``satisfied`` the indented ``... satisfied : Yes|NO`` lines;
    ``early_stopping`` maps each early-stopping heading (``Early Stopping
    Result``, ``TTFT Early Stopping Result``, ...) to its bullets, wrapped lines
    joined. An AccuracyOnly summary has only the two warnings/errors lines.
    """

    path: str
    present: bool = True
    readable: bool = True
    size_bytes: int = 0
    lines: int = 0
    sut_name: str | None = None
    scenario: str | None = None
    mode: str | None = None
    metrics: tuple[SummaryField, ...] = ()
    result: str | None = None
    result_line: int | None = None
    satisfied: tuple[SummaryField, ...] = ()
    recommendations: tuple[str, ...] = ()
    early_stopping: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    additional_stats: tuple[SummaryField, ...] = ()
    test_parameters: tuple[SummaryField, ...] = ()
    warnings_count: int | None = None
    errors_count: int | None = None
    notes: tuple[str, ...] = ()
    issues: tuple[LoadgenIssue, ...] = ()

    @property
    def metric_name(self) -> str | None:
        return self.metrics[0].name if self.metrics else None

    @property
    def metric_value(self) -> int | float | None:
        return self.metrics[0].number if self.metrics else None

    @property
    def is_valid(self) -> bool | None:
        return None if self.result is None else self.result == "VALID"

    @property
    def satisfied_map(self) -> dict[str, bool | None]:
        """``{"Min duration": True, "Early stopping": False, ...}`` (name without "satisfied")."""
        return {item.name: item.yes for item in self.satisfied}

    def parameter(self, name: str) -> SummaryField | None:
        """The first ``Test Parameters Used`` line called ``name`` (e.g. ``"min_duration (ms)"``)."""
        for item in self.test_parameters:
            if item.name == name:
                return item
        return None

    @property
    def parameters(self) -> dict[str, str]:
        """Test parameters by name (first value of a repeated name)."""
        found: dict[str, str] = {}
        for item in self.test_parameters:
            found.setdefault(item.name, item.text)
        return found

    def stat(self, name: str) -> SummaryField | None:
        for item in self.additional_stats:
            if item.name == name:
                return item
        return None


@recordclass(frozen=True, slots=True)
class AccuracyEntry:
    """One logged response of ``mlperf_log_accuracy.json``; ``data`` is the response bytes in hex."""

    seq_id: int | None
    qsl_idx: int | None
    data: str | None
    token_count: int | None = None
    token_data: str | None = None


@recordclass(frozen=True, slots=True)
class AccuracyLog:
    """What could be read of one ``mlperf_log_accuracy.json``.

    ``complete`` means the file is one valid JSON array and every entry was
    read. ``truncated`` means it has the submission form made by
    ``truncate_accuracy_log.py`` (first 4096 characters, ``"\\n\\n...\\n\\n"``,
    last 4096 characters; not valid JSON): the entries whole in the head and
    in the tail were recovered.
    """

    path: str
    present: bool = True
    readable: bool = True
    size_bytes: int = 0
    entries: tuple[AccuracyEntry, ...] = ()
    complete: bool = False
    truncated: bool = False
    issues: tuple[LoadgenIssue, ...] = ()


@recordclass(frozen=True, slots=True)
class AccuracyMetric:
    """One metric read from ``accuracy.txt`` (``percent`` when written with a ``%``)."""

    name: str
    value: float
    line: int
    percent: bool = False


@recordclass(frozen=True, slots=True)
class AccuracyText:
    """What could be read of one ``accuracy.txt`` (the accuracy script's output plus ``hash=``)."""

    path: str
    present: bool = True
    readable: bool = True
    size_bytes: int = 0
    lines: int = 0
    metrics: tuple[AccuracyMetric, ...] = ()
    hashes: tuple[str, ...] = ()
    issues: tuple[LoadgenIssue, ...] = ()

    @property
    def metric_values(self) -> dict[str, float]:
        """Metric name -> value; a name written twice keeps its last value."""
        return {metric.name: metric.value for metric in self.metrics}

    def metric(self, name: str) -> float | None:
        return self.metric_values.get(name)

    @property
    def hash(self) -> str | None:
        """The last ``hash=`` line's value (the one the truncation script appended last)."""
        return self.hashes[-1] if self.hashes else None


@recordclass(frozen=True, slots=True)
class LoadgenRun(_RecordView):
    """One LoadGen run folder: its detail log (records and accessors), summary and file list.

    ``detail`` and ``summary`` are always set; a missing file has
    ``present=False`` and a ``missing-file`` issue. ``accuracy_log`` is None
    when there is no ``mlperf_log_accuracy.json`` (a performance run in a
    submission may leave it out). ``missing_files`` names the standard files
    not found; ``files`` lists the regular files in the folder.
    """

    folder: str
    detail: LoadgenDetail
    summary: LoadgenSummary
    accuracy_log: AccuracyLog | None = None
    files: tuple[str, ...] = ()
    missing_files: tuple[str, ...] = ()
    folder_issues: tuple[LoadgenIssue, ...] = ()

    def _index(self) -> Mapping[str, tuple[LoadgenRecord, ...]]:
        return self.detail.by_key

    def _all_records(self) -> tuple[LoadgenRecord, ...]:
        return self.detail.records

    @property
    def records(self) -> tuple[LoadgenRecord, ...]:
        return self.detail.records

    @property
    def by_key(self) -> Mapping[str, tuple[LoadgenRecord, ...]]:
        return self.detail.by_key

    @property
    def issues(self) -> tuple[LoadgenIssue, ...]:
        """Every issue of the folder and of the files read, folder first."""
        found = self.folder_issues + self.detail.issues + self.summary.issues
        if self.accuracy_log is not None:
            found += self.accuracy_log.issues
        return found
