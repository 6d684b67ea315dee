"""Tallies of a log's records: what the training-log rules need of every record of a key.

A log's timed region repeats a few keys (blocks, epochs, evaluations) as often as the
run is long, and per-rank keys (``init_start``, ``cache_clear``) as often as it has
ranks. The rules do not need those records, only what they say together: how many
failed each per-record check and the first that did, the records before ``run_start``
or after ``run_stop``, the best evaluation and the first one meeting the target, the
evaluation curve. A ``KeyTrack`` keeps exactly that for one key, record by record.

Each kept key of a log gets a track, fed its records in file order. A key's records
are fed while the file is read (``LogStream``, a ``parsers.mllog.Router``) once the
rules that apply to it are fixed by the records already read (division, benchmark,
the first values its checks name) and nothing else needs its records; the reader then
keeps only the key's first records, so memory does not grow with the log. Every other
key is fed at the end, from its records. Either way a record is tallied against the
same rules, and where a rule compares it with ``run_start``, ``run_stop`` or
``init_stop`` it compares file positions, which do not depend on when it is fed: the
tallies, and so the findings, are the same.
"""

from __future__ import annotations

import operator
from array import array
from collections.abc import Callable
TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any

from compliance.models.mllog import Record, TrainingLog
from compliance.parsers.mllog import Router
from compliance.rulebook.model import Check, Rulebook
from compliance.rules.training.functions import is_number

MAX_POINTS = 2000  # evaluations kept for a plot; a hostile log cannot bloat the report
RESTART_KEYS = ("cache_clear", "init_start", "run_start")
CONVERGENCE_KEYS = ("eval_accuracy", "eval_error")
# Keys some rule reads all the records of (or only their first value, where a repeat is a
# finding of its own): never handed over while reading.
RETAINED = frozenset(
    {
        "run_start",
        "run_stop",
        "init_stop",
        "submission_division",
        "submission_benchmark",
        "submission_org",
        "submission_platform",
        "submission_status",
        "number_of_nodes",
        "accelerators_per_node",
        "global_batch_size",
    }
)
# Check functions that read only the record (no other key, no state across records).
RECORD_ONLY_FUNCTIONS = frozenset({"metadata_implies", "log2_steps"})
_NAMES_FREE_OPS = frozenset(
    {"eq", "ne", "one_of", "isclose", "nonempty", "truthy", "integer", "int_type", "length", "min_length", "has",
     "metadata_any", "metadata_all", "ge", "gt", "le", "lt", "expr_eq", "multiple_of", "after", "fn"}
)
_BOUNDS = {"ge": operator.ge, "gt": operator.gt, "le": operator.le, "lt": operator.lt}


# -- checks as plain predicates -----------------------------------------------------------


_FAST: dict[int, tuple[Check, Callable[[Any, dict[str, Any]], bool] | None]] = {}


def fast_predicate(check: Check) -> Callable[[Any, dict[str, Any]], bool] | None:
    """``check`` as ``holds(value, metadata)``, when it can be written without the context:
    metadata fields present, a metadata implication, numeric literal bounds on the value.
    It holds exactly when ``keys.evaluate_check`` says the check holds (None: no such form;
    the check is evaluated in full)."""
    cached = _FAST.get(id(check))
    if cached is not None and cached[0] is check:
        return cached[1]
    predicate = _compile(check)
    _FAST[id(check)] = (check, predicate)
    return predicate


def _compile(check: Check) -> Callable[[Any, dict[str, Any]], bool] | None:
    if check.compiled:
        return None
    parts: list[Callable[[Any, dict[str, Any]], bool]] = []
    bounds: list[tuple[Callable[[Any, Any], bool], Any]] = []
    for op, operand in check.conditions:
        if op == "metadata_all" and len(operand) == 1:
            field: str = operand[0]

            def has(value: Any, metadata: dict[str, Any], field: str = field) -> bool:
                return field in metadata

            parts.append(has)
        elif op == "metadata_all":
            fields: tuple[str, ...] = tuple(operand)

            def has_all(value: Any, metadata: dict[str, Any], fields: tuple[str, ...] = fields) -> bool:
                return all(f in metadata for f in fields)

            parts.append(has_all)
        elif op == "metadata_any":
            some: tuple[str, ...] = tuple(operand)

            def has_any(value: Any, metadata: dict[str, Any], fields: tuple[str, ...] = some) -> bool:
                return any(f in metadata for f in fields)

            parts.append(has_any)
        elif op == "fn" and operand == "metadata_implies":
            args = dict(check.args)
            if_field, then_field = args["if"], args["then"]
            def implies(value: Any, metadata: dict[str, Any], a: str = if_field, b: str = then_field) -> bool:
                return a not in metadata or b in metadata

            parts.append(implies)
        elif op in _BOUNDS and is_number(operand):
            bounds.append((_BOUNDS[op], operand))
        else:
            return None
    if len(bounds) == 1:  # the common case (a quality target): one comparison, no generator
        test, bound = bounds[0]

        def one_bound(value: Any, metadata: dict[str, Any], test: Any = test, bound: Any = bound) -> bool:
            kind = type(value)
            return (kind is float or kind is int) and test(value, bound)  # a bool is not a number

        parts.append(one_bound)
    elif len(bounds) == 2:  # a target within a range

        def two_bounds(value: Any, metadata: dict[str, Any], tests: tuple[Any, ...] = tuple(bounds)) -> bool:
            kind = type(value)
            (low_test, low), (high_test, high) = tests
            return (kind is float or kind is int) and low_test(value, low) and high_test(value, high)

        parts.append(two_bounds)
    elif bounds:
        tests = tuple(bounds)

        def numeric(value: Any, metadata: dict[str, Any], tests: tuple[Any, ...] = tests) -> bool:
            kind = type(value)
            if kind is not float and kind is not int:
                return False  # not a number (a bool is not one either): the check fails
            return all(test(value, bound) for test, bound in tests)

        parts.append(numeric)
    if len(parts) == 1:
        holds = parts[0]
    else:
        def holds(value: Any, metadata: dict[str, Any], parts: tuple[Any, ...] = tuple(parts)) -> bool:
            return all(part(value, metadata) for part in parts)
    field_name = check.field
    if field_name == "value":
        return holds
    if field_name == "metadata":
        return lambda value, metadata: holds(metadata, metadata)
    container, _, member = field_name.partition(".")
    absent = check.if_present  # what a record without the field gives
    if container == "metadata":
        return lambda value, metadata: holds(metadata[member], metadata) if member in metadata else absent
    return lambda value, metadata: (
        holds(value[member], metadata) if isinstance(value, dict) and member in value else absent
    )


def _always(value: Any, metadata: dict[str, Any]) -> bool:
    return True


if TYPE_CHECKING:
    Rows = list[tuple[Any, ...]]  # a batch of (seq, line, time_ms, value, metadata, source)


_FAILING: dict[int, tuple[Check, Any]] = {}


def failing_rows(check: Check) -> Callable[[Rows], Rows] | None:
    """``check`` as a filter of a batch of rows (``KeyTrack.feed``) keeping those it fails on, in
    order; the common checks are written out so that a row costs no function call. None when
    the check has no plain predicate (``fast_predicate``)."""
    cached = _FAILING.get(id(check))
    if cached is not None and cached[0] is check:
        return cached[1]  # type: ignore[no-any-return]
    made = _failing_rows(check)
    _FAILING[id(check)] = (check, made)
    return made


def _failing_rows(check: Check) -> Callable[[Rows], Rows] | None:
    holds = fast_predicate(check)
    if holds is None:
        return None
    if len(check.conditions) == 1:
        op, operand = check.conditions[0]
        if check.field == "value" and op in ("metadata_all", "metadata_any") and 1 <= len(operand) <= 2:
            first, second = operand[0], operand[-1]
            if op == "metadata_any" and len(operand) == 2:
                return lambda rows: [r for r in rows if first not in r[4] and second not in r[4]]
            return lambda rows: [r for r in rows if first not in r[4] or second not in r[4]]
        if check.field == "value" and op == "fn":  # metadata_implies
            args = dict(check.args)
            if_field, then_field = args["if"], args["then"]
            return lambda rows: [r for r in rows if if_field in r[4] and then_field not in r[4]]
        if check.field.startswith("metadata.") and op in _BOUNDS:
            member = check.field.partition(".")[2]
            test, bound, absent_fails = _BOUNDS[op], operand, not check.if_present

            def bounded(rows: Rows) -> Rows:
                out = []
                for r in rows:
                    metadata = r[4]
                    if member in metadata:
                        v = metadata[member]
                        kind = type(v)
                        if (kind is int or kind is float) and test(v, bound):
                            continue
                        out.append(r)
                    elif absent_fails:
                        out.append(r)
                return out

            return bounded
    return lambda rows: [r for r in rows if not holds(r[3], r[4])]


def _all_of(predicates: list[Any]) -> Callable[[Any, dict[str, Any]], bool]:
    if len(predicates) == 1:
        return predicates[0]  # type: ignore[no-any-return]
    if len(predicates) == 2:
        first, second = predicates
        return lambda value, metadata: first(value, metadata) and second(value, metadata)
    rest = _all_of(predicates[1:])
    head = predicates[0]
    return lambda value, metadata: head(value, metadata) and rest(value, metadata)


def stream_safe(check: Check, virtual: Any) -> bool:
    """Whether a check's outcome on a record depends only on the record, the first values of
    other keys and which records came before it (not on anything later in the file)."""
    for op, operand in check.conditions:
        if op not in _NAMES_FREE_OPS:
            return False
        if op == "fn" and operand not in RECORD_ONLY_FUNCTIONS:
            return False
        if op == "after" and operand in virtual:
            return False
    return True


# -- one key's tallies -------------------------------------------------------------------


class Tally:
    """One check over a key's records: how many failed, the first that did and why."""

    __slots__ = ("check", "failing", "state", "failures", "first", "why")

    def __init__(self, check: Check):
        self.check = check
        self.failing = failing_rows(check)  # None: evaluated record by record in full
        self.state: dict[str, Any] = {}
        self.failures = 0
        self.first: Record | None = None
        self.why = ""


class Env:
    """Where run_start, run_stop and init_stop are in the file (their first records)."""

    __slots__ = ("start_seq", "start_time", "stop_seq", "stop_time", "barrier")

    def __init__(self) -> None:
        self.start_seq: int | None = None
        self.start_time = 0.0
        self.stop_seq: int | None = None
        self.stop_time = 0.0
        self.barrier: int | None = None  # the first init_stop or run_start, whichever comes first

    def saw(self, record: Record) -> None:
        key = record.key
        if key == "run_start" and self.start_seq is None:
            self.start_seq, self.start_time = record.seq, record.time_ms
        elif key == "run_stop" and self.stop_seq is None:
            self.stop_seq, self.stop_time = record.seq, record.time_ms
        if key in ("run_start", "init_stop") and (self.barrier is None or record.seq < self.barrier):
            self.barrier = record.seq


class KeyTrack:
    """What the rules keep of one key's records (see the module docstring)."""

    __slots__ = (
        "key", "ctx", "env", "count", "first", "last_line", "last_value", "tallies",
        "event", "skew", "pre_n", "pre_first", "early_n", "early_first",
        "target", "target_fast", "target_state", "malformed_n", "malformed_first", "low", "high",
        "meet_first", "step_min", "post_n", "post_first", "post_meet_first",
        "pre_seq", "pre_line", "pre_time", "pre_meets", "pre_values", "pre_other",
        "series", "series_field", "series_alt",
        "conv", "last_pre", "restart", "post", "init", "late_n", "late_first", "min_time", "roles",
    )

    def __init__(self, key: str, ctx: Any, env: Env, *, logged: bool = True):
        # Only what the key's roles need is set: a role's fields are read only for its keys.
        self.key = key
        self.ctx = ctx
        self.env = env
        self.count = 0
        self.first: Record | None = None
        self.last_line = 0
        self.last_value: Any = None
        spec = ctx.specs.get(key)
        checks = spec.checks if spec is not None and spec.occurrences == "all" else ()
        self.tallies = tuple(Tally(check) for check in checks)
        quality = ctx.quality
        self.skew = ctx.skew_ms
        self.event = logged and (key in ctx.book.timed_keys or key in quality)
        if self.event:
            self.pre_n = self.early_n = 0
            self.pre_first: Record | None = None
            self.early_first: Record | None = None
        self.target = spec.target if spec is not None else ()
        if self.target:
            self._quality_fields(ctx, logged)
        self.conv = logged and (key in CONVERGENCE_KEYS or key in quality)
        self.last_pre: tuple[int, dict[str, Any]] | None = None
        self.restart = logged and key in RESTART_KEYS
        self.post: list[tuple[int, int, float]] = []
        self.init = logged and key == "init_start"
        if self.init:
            self.late_n = 0
            self.late_first: Record | None = None
            self.min_time: float | None = None
        self.roles = bool(self.event or self.target or self.conv or self.restart or self.init)

    def _quality_fields(self, ctx: Any, logged: bool) -> None:
        fast = [fast_predicate(check) for check in self.target]
        # whether a record meets the target, as one plain predicate (None: evaluated in full)
        self.target_fast = _all_of(fast) if all(p is not None for p in fast) else None
        self.target_state: dict[str, Any] = {}
        self.malformed_n = 0
        self.malformed_first: Record | None = None
        self.low: Any = None
        self.high: Any = None
        self.meet_first: Record | None = None
        self.step_min: Any = None
        self.post_n = 0
        self.post_first: Record | None = None
        self.post_meet_first: Record | None = None
        self.pre_seq = array("q")
        self.pre_line = array("q")
        self.pre_time = array("d")
        self.pre_meets = bytearray()
        self.pre_values = array("d")
        self.pre_other: dict[int, Any] = {}  # values that are not floats, by index
        self.series: list[list[float]] | None = None
        self.series_field = self.series_alt = ""
        if logged:
            info = ctx.info
            unit = "samples_count" if info is not None and info.convergence in ("samples_count", "first_target_met") else "epoch_num"
            self.series = []
            self.series_field = unit
            self.series_alt = "samples_count" if unit == "epoch_num" else "epoch_num"

    def feed_all(self, records: list[Record]) -> None:
        self.feed([(r.seq, r.line, r.time_ms, r.value, r.metadata, r) for r in records])

    def feed(self, rows: list[tuple[int, int, float, Any, dict[str, Any], Any]]) -> None:
        """Records in file order, each ``(seq, line, time_ms, value, metadata, source)`` (``source``:
        the Record, or the parsed JSON object it is made from). The reader hands them over in
        batches; what a record is compared with (run_start, run_stop, init_stop) is found by its
        position in the file, so when a batch comes does not matter."""
        if not rows:
            return
        if self.first is None:
            self.first = self._record(*rows[0])
        self.count += len(rows)
        last = rows[-1]
        self.last_line, self.last_value = last[1], last[3]
        for tally in self.tallies:
            failing = tally.failing
            for row in (failing(rows) if failing is not None else rows):
                self._tally(tally, row)
        if not self.roles:
            return
        env = self.env
        stop = env.stop_seq
        if self.event:
            self._early(rows, env)
        if self.target:
            self._quality(rows, stop)
        if self.conv:
            for row in reversed(rows):
                if stop is None or row[0] < stop:
                    self.last_pre = (row[0], row[4])
                    break
        if self.restart and stop is not None and last[0] > stop:
            self.post.extend((row[0], row[1], row[2]) for row in rows if row[0] > stop)
        if self.init:
            barrier = env.barrier
            if barrier is not None and last[0] > barrier:
                for row in rows:
                    if row[0] > barrier:
                        self.late_n += 1
                        if self.late_first is None:
                            self.late_first = self._record(*row)
            earliest = min([row[2] for row in rows])
            if self.min_time is None or earliest < self.min_time:
                self.min_time = earliest

    def _tally(self, tally: Tally, row: tuple[Any, ...]) -> None:
        """A check on a record it fails on (or that it has no plain predicate for)."""
        if tally.failing is not None:
            tally.failures += 1
            if tally.failures == 1:
                tally.first = self._record(*row)
                tally.why = self._evaluate(tally.check, tally.first, tally.state)[1]
            return
        record = self._record(*row)
        ok, why = self._evaluate(tally.check, record, tally.state)
        if not ok:
            tally.failures += 1
            if tally.failures == 1:
                tally.first, tally.why = record, why

    def _early(self, rows: list[tuple[Any, ...]], env: Env) -> None:
        """Records before run_start in the file, and (after it) records stamped before it."""
        start = env.start_seq
        if start is None or rows[-1][0] < start:
            self.pre_n += len(rows)
            if self.pre_first is None:
                self.pre_first = self._record(*rows[0])
            return
        limit = env.start_time - self.skew
        if rows[0][0] > start and min([row[2] for row in rows]) >= limit:
            return  # all after run_start, none stamped before it: the common case
        for row in rows:
            if row[0] < start:
                self.pre_n += 1
                if self.pre_first is None:
                    self.pre_first = self._record(*row)
            elif row[2] < limit:
                self.early_n += 1
                if self.early_first is None:
                    self.early_first = self._record(*row)

    def _quality(self, rows: Rows, stop: int | None) -> None:
        """Evaluations (records of a key with a quality target)."""
        values = [row[3] for row in rows]
        numbers = [v for v in values if (type(v) is float or type(v) is int)]
        if len(numbers) < len(values):
            for row in rows:
                if not is_number(row[3]):
                    self.malformed_n += 1
                    if self.malformed_first is None:
                        self.malformed_first = self._record(*row)
        if numbers:
            low, high = min(numbers), max(numbers)
            if self.low is None or low < self.low:
                self.low = low
            if self.high is None or high > self.high:
                self.high = high
        fast = self.target_fast
        if fast is not None:
            meets = [fast(row[3], row[4]) for row in rows]
        else:
            state = self.target_state
            meets = []
            for row in rows:
                record = self._record(*row)
                meets.append(all(self._evaluate(check, record, state)[0] for check in self.target))
        if True in meets:
            for index, met in enumerate(meets):
                if not met:
                    continue
                value = values[index]
                if self.meet_first is None:
                    self.meet_first = self._record(*rows[index])
                if isinstance(value, dict):
                    step = next((v for k, v in value.items() if k in ("samples_count", "step_num")), None)
                    if is_number(step) and (self.step_min is None or step < self.step_min):
                        self.step_min = step
        if stop is None or rows[-1][0] < stop:  # all before run_stop in the file
            self._before_stop(rows, values, meets)
        else:
            for index, row in enumerate(rows):
                if row[0] < stop:
                    self._before_stop([row], [values[index]], [meets[index]])
                    continue
                self.post_n += 1
                if self.post_first is None:
                    self.post_first = self._record(*row)
                if meets[index] and self.post_meet_first is None:
                    self.post_meet_first = self._record(*row)
        series = self.series
        if series is not None and len(series) < MAX_POINTS:
            field, alt = self.series_field, self.series_alt
            for row in rows:
                metadata, value = row[4], row[3]
                x = metadata.get(field)
                if x is None:
                    x = metadata.get(alt)
                if is_number(x) and is_number(value):
                    series.append([float(x), float(value)])
                    if len(series) >= MAX_POINTS:
                        break

    def _before_stop(self, rows: Rows, values: list[Any], meets: list[bool]) -> None:
        """Evaluations before run_stop in the file, kept in columns: whether one is stamped after
        run_stop is known when the log is read to the end."""
        offset = len(self.pre_values)
        self.pre_seq.extend([row[0] for row in rows])
        self.pre_line.extend([row[1] for row in rows])
        self.pre_time.extend([row[2] for row in rows])
        self.pre_meets.extend(meets)
        self.pre_values.extend([v if type(v) is float else 0.0 for v in values])
        for index, value in enumerate(values):
            if type(value) is not float:
                self.pre_other[offset + index] = value  # not a float: kept as it is

    def _record(self, seq: int, line: int, time_ms: float, value: Any, metadata: dict[str, Any], source: Any) -> Record:
        if type(source) is Record:
            return source
        return Record(seq, line, time_ms, self.key, value, metadata, source.get("event_type"), source.get("namespace"))

    def _evaluate(self, check: Check, record: Record, state: dict[str, Any]) -> tuple[bool, str]:
        from compliance.rules.training.checks import evaluate_check

        return evaluate_check(self.ctx, check, record, state)

    # -- what the rules read, once every record is in ----------------------------------

    def early(self, clock_sane: bool) -> tuple[int, Record | None]:
        """Records before run_start: in the file, or (with a sane clock) stamped earlier than it by more than the skew."""
        count = self.pre_n + (self.early_n if clock_sane else 0)
        firsts = [r for r in (self.pre_first, self.early_first if clock_sane else None) if r is not None]
        return count, min(firsts, key=lambda r: r.seq) if firsts else None

    def _late_before_stop(self, clock_sane: bool) -> list[int]:
        """Indices of the records before run_stop in the file that are stamped after it (beyond the skew)."""
        if not clock_sane or self.env.stop_seq is None:
            return []
        limit = self.env.stop_time + self.skew
        times = self.pre_time
        return [i for i in range(len(times)) if times[i] > limit]

    def _pre_record(self, index: int) -> Record:
        value = self.pre_other[index] if index in self.pre_other else self.pre_values[index]
        return Record(self.pre_seq[index], self.pre_line[index], self.pre_time[index], self.key, value, {})

    def late(self, clock_sane: bool) -> tuple[int, Record | None, Record | None, bool]:
        """(count, first, first meeting the target, whether one in time meets it) of the records after run_stop."""
        late = self._late_before_stop(clock_sane)
        first = self._pre_record(late[0]) if late else self.post_first
        meeting = next((i for i in late if self.pre_meets[i]), None)
        first_meeting = self._pre_record(meeting) if meeting is not None else self.post_meet_first
        late_set = set(late)
        in_time = any(self.pre_meets[i] and i not in late_set for i in range(len(self.pre_meets)))
        return len(late) + self.post_n, first, first_meeting, in_time

    def meeting_all_late(self, clock_sane: bool) -> bool:
        """Whether every record meeting the target comes after run_stop."""
        late = set(self._late_before_stop(clock_sane))
        return not any(meets and i not in late for i, meets in enumerate(self.pre_meets))


# -- the router ----------------------------------------------------------------------------


_FREE: dict[int, tuple[Rulebook, frozenset[str]]] = {}


def _context_free(book: Rulebook) -> frozenset[str]:
    """The keys whose rules are the same for every division, benchmark and variant of the round:
    in no section but ``common``, never a quality key, never the source of a virtual key, with
    no formula in its checks."""
    cached = _FREE.get(id(book))
    if cached is not None and cached[0] is book:
        return cached[1]
    elsewhere = {key for section, table in book.sections.items() if section != "common" for key in table}
    quality = {key for table in book.sections.values() for key, spec in table.items() if spec.target}
    sources = {dict(args).get("source_key", "eval_accuracy") for info in book.benchmarks.values() for _n, _b, args in info.virtual}
    virtual = {name for info in book.benchmarks.values() for name, _b, _a in info.virtual}
    common = book.sections.get("common", {})
    free = frozenset(
        key for key in (set(common) | set(book.timed_keys) | set(RESTART_KEYS))
        if key not in elsewhere and key not in quality and key not in sources and key not in virtual
        and not (key in common and common[key].names())  # a formula's names may be set per benchmark
    )
    _FREE[id(book)] = (book, free)
    return free


class LogStream(Router):
    """Hands a log's kept keys to their tracks while it is read, where that cannot change a
    finding; ``finish`` feeds the rest and gives the tracks to the rules."""

    def __init__(self, book: Rulebook, log: TrainingLog | None = None):
        self.book = book
        self.log = log if log is not None else TrainingLog(path="")
        self.env = Env()
        self.tracks: dict[str, KeyTrack] = {}
        self.partial: Any = None

    def start(self, log: TrainingLog) -> None:
        self.log = log

    def first(self, record: Record) -> None:
        self.env.saw(record)

    def probe(self, key: str, records: list[Record]) -> Callable[..., None] | None:
        ctx = self._context()
        if ctx is None and key in _context_free(self.book):
            ctx = self._round_context()  # the key's rules are the same whatever the division and benchmark
        if ctx is None or not self._streamable(key, ctx):
            return None
        track = KeyTrack(key, ctx, self.env)
        track.feed_all(records)
        self.tracks[key] = track
        return track.feed

    def _round_context(self) -> Any:
        """The round's rules before the division and benchmark are known: its common rules."""
        from compliance.rules.training.context import LogContext

        return LogContext(TrainingLog(path=self.log.path), self.book, partial=True)

    def _context(self) -> Any:
        """The rules of this log, once the records read so far fix them: its division, its
        benchmark and the first values that choose a variant of the benchmark's rules."""
        if self.partial is not None:
            return self.partial
        log = self.log
        if log.first("submission_division") is None or log.first("submission_benchmark") is None:
            return None
        from compliance.rules.training.context import LogContext

        ctx = LogContext(log, self.book, partial=True)
        if ctx.division and ctx.benchmark:
            base = f"{ctx.division}.{ctx.benchmark}."
            for section in self.book.sections:
                if section.startswith(base) and "=" in section:
                    if log.first(section[len(base):].partition("=")[0]) is None:
                        return None
        self.partial = ctx
        return ctx

    def _streamable(self, key: str, ctx: Any) -> bool:
        if key in RETAINED or key == self.book.seed_key:
            return False
        if ctx.info is not None and any(
            dict(args).get("source_key", "eval_accuracy") == key for _name, _builder, args in ctx.info.virtual
        ):
            return False
        spec = ctx.specs.get(key)
        if spec is None:
            return True
        if spec.req == "exactly_one":
            return False
        checks = (*(spec.checks if spec.occurrences == "all" else ()), *spec.target)
        if not all(stream_safe(check, ctx.virtual_names) for check in checks):
            return False
        from compliance.rulebook.expr import MissingName, names_in

        for check in checks:
            for _op, node in check.compiled:
                for name in names_in(node):
                    try:
                        ctx.resolve(name)
                    except MissingName:
                        return False  # not logged yet: it may come later
                    except (TypeError, ValueError, ZeroDivisionError, OverflowError, KeyError):
                        return False
        return True

    def finish(self, ctx: Any) -> dict[str, KeyTrack]:
        """Every kept key's track (fed now when it was not while reading), and each virtual key's."""
        log = self.log
        for key in ("run_start", "run_stop", "init_stop"):  # read without a router: they were not seen yet
            first = log.first(key)
            if first is not None:
                self.env.saw(first)
        tracks = self.tracks
        for key, records in log.by_key.items():
            if key not in tracks:
                track = KeyTrack(key, ctx, self.env)
                track.feed_all(records)
                tracks[key] = track
        return tracks

    def virtual_tracks(self, ctx: Any) -> dict[str, KeyTrack]:
        found = {}
        for name, records in ctx.virtual.items():
            track = KeyTrack(name, ctx, self.env, logged=False)
            track.feed_all(records)
            found[name] = track
        return found


