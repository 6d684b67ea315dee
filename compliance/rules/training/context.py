"""What the training-log rules see: one parsed log, the round's rules, and the
facts derived from both (division, benchmark, the key table that applies)."""

from __future__ import annotations

import math
TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any

    from compliance.models.findings import Finding
    from compliance.registry import Rule

from compliance.models.mllog import Record, TrainingLog
from compliance.rulebook.expr import MissingName, evaluate
from compliance.rulebook.model import KeySpec, Rulebook
from compliance.rules.training.functions import VIRTUAL_BUILDERS

TIMING_KEYS = ("cache_clear", "init_start", "init_stop", "run_start", "run_stop")


def close_matches(word: str, candidates: list[str], n: int = 1, cutoff: float = 0.8) -> list[str]:
    """Names close to ``word`` (for "did you mean" hints)."""
    import difflib  # imported here: only needed when something is wrong

    return difflib.get_close_matches(word, candidates, n=n, cutoff=cutoff)


def structural_keys(book: Rulebook) -> set[str]:
    """Keys the code rules read whatever the data says."""
    return set(TIMING_KEYS) | set(book.timed_keys) | {
        "submission_division",
        "submission_benchmark",
        "submission_org",
        "submission_platform",
        "submission_status",
        book.seed_key,
        "number_of_nodes",  # the HPC throughput score's instance scale
        "accelerators_per_node",
    }


_KEPT: dict[int, tuple[Rulebook, frozenset[str]]] = {}


def kept_keys(book: Rulebook) -> frozenset[str]:
    """The keys whose records the rules of a round read (the reader keeps only these), once per round."""
    cached = _KEPT.get(id(book))
    if cached is None or cached[0] is not book:
        cached = (book, frozenset(book.mentioned_keys() | structural_keys(book)))
        _KEPT[id(book)] = cached
    return cached[1]


class LogContext:
    """One training/HPC log under one round's rules.

    ``stream``: the ``stream.LogStream`` the log was read with (its keys' tallies; required:
    a log read without one is given ``LogStream(book, log)``); ``partial``: the context a stream
    uses while the log is still being read (no virtual keys, no tallies)."""

    def __init__(
        self, log: TrainingLog, book: Rulebook, subject: str | None = None, stream: Any = None, *, partial: bool = False
    ):
        self.log = log
        self.book = book
        self.path = log.path
        self.subject = subject or log.path

        division_raw = log.value("submission_division")
        self.division_raw = division_raw
        self.division_guessed = False
        if isinstance(division_raw, str) and division_raw in book.divisions:
            self.division: str | None = division_raw
        elif isinstance(division_raw, str) and division_raw.strip().lower() in book.divisions:
            self.division = division_raw.strip().lower()
            self.division_guessed = True
        else:
            self.division = None

        benchmark_raw = log.value("submission_benchmark")
        self.benchmark_raw = benchmark_raw
        self.benchmark = benchmark_raw if isinstance(benchmark_raw, str) and benchmark_raw in book.benchmarks else None
        self.info = book.benchmarks.get(self.benchmark) if self.benchmark else None

        self.variants = {key: log.value(key) for key in book.variant_keys()}
        self.specs: dict[str, KeySpec] = book.effective(self.division, self.benchmark, self.variants)
        self.quality = frozenset(key for key, spec in self.specs.items() if spec.target)  # keys with a quality target
        self._derived = book.derived_for(self.division, self.benchmark, self.variants)
        self._derived_values: dict[str, Any] = {}

        self.virtual: dict[str, list[Record]] = {}
        self.virtual_names = frozenset(name for name, _builder, _args in self.info.virtual) if self.info is not None else frozenset()
        if self.info is not None and not partial:
            for name, builder, args in self.info.virtual:
                self.virtual[name] = VIRTUAL_BUILDERS[builder](log.by_key, dict(args))

        self.run_start = log.first("run_start")
        self.run_stop = log.first("run_stop")
        # an HPC Throughput (weak scaling) instance: trained with the others, it goes on
        # training and evaluating after its own run_stop until the whole job ends
        self.concurrent = False
        skew = book.limit("clock_skew")
        self.skew_ms = 0.0 if skew is None else skew.value * {"ms": 1.0, "s": 1000.0, "min": 60000.0}[skew.unit]
        self.tracks: dict[str, Any] = {}
        self.virtual_tracks: dict[str, Any] = {}
        if not partial:
            if stream is None:
                raise ValueError("a whole log's context needs the LogStream that tallied it (rules.training.stream)")
            self.tracks = stream.finish(self)
            self.virtual_tracks = stream.virtual_tracks(self)

    # -- data access ---------------------------------------------------------

    def records(self, key: str) -> list[Record]:
        if key in self.virtual:
            return self.virtual[key]
        return self.log.all(key)

    def count(self, key: str) -> int:
        if key in self.virtual:
            return len(self.virtual[key])
        return self.log.count(key)

    def track(self, key: str) -> Any:
        """The tallies of a key's records (``stream.KeyTrack``; a virtual key's first), or None."""
        if key in self.virtual_tracks:
            return self.virtual_tracks[key]
        return self.tracks.get(key)

    def first_seq(self, key: str) -> int | None:
        """Where the first record of a key (or a virtual key) is in the file."""
        if key in self.virtual:
            return min((r.seq for r in self.virtual[key]), default=None)
        first = self.log.first(key)
        return first.seq if first is not None else None

    def resolve(self, name: str) -> Any:
        """A name in a formula: a derived value of the rules, or a logged key's value."""
        if name in self._derived_values:
            return self._derived_values[name]
        node = self._derived.get(name)
        if node is not None:
            value = evaluate(node, self.resolve)
            self._derived_values[name] = value
            return value
        record = self.log.first(name)
        if record is None:
            raise MissingName(name)
        return record.value

    # -- run facts -------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self.division == "closed"

    @property
    def clock_sane(self) -> bool:
        """run_stop is not stamped before run_start (else times cannot be compared; SEQ004)."""
        start, stop = self.run_start, self.run_stop
        return start is None or stop is None or stop.time_ms >= start.time_ms

    def after_run_stop(self, record: Record) -> bool:
        stop = self.run_stop
        if stop is None:
            return False
        return record.seq > stop.seq or (self.clock_sane and record.time_ms > stop.time_ms + self.skew_ms)

    def before_run_start(self, record: Record) -> bool:
        start = self.run_start
        if start is None:
            return False
        return record.seq < start.seq or (self.clock_sane and record.time_ms < start.time_ms - self.skew_ms)

    def quality_keys(self) -> list[str]:
        return [key for key, spec in self.specs.items() if spec.target]

    def run_minutes(self) -> float | None:
        if self.run_start is None or self.run_stop is None:
            return None
        minutes = (self.run_stop.time_ms - self.run_start.time_ms) / 60000.0
        return minutes if math.isfinite(minutes) else None

    # -- reporting ---------------------------------------------------------------

    def finding(self, rule: Rule, message: str, **kwargs: Any) -> Finding:
        return rule.finding(message, path=self.path, subject=self.subject, **kwargs)

    def record_finding(self, rule: Rule, record: Record, key: str, message: str, **kwargs: Any) -> Finding:
        """A finding on the line of one of `key`'s records."""
        return self.finding(rule, message, line=record.line, key=key, **kwargs)
