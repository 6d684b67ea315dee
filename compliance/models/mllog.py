"""Typed view of one MLLOG result log, as the parser hands it to the rules."""

from __future__ import annotations

from compliance.records import field, recordclass
TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any


@recordclass(slots=True)
class Record:
    """One ``:::MLLOG {...}`` record.

    ``line`` is the 1-based line of the file the record sits on; ``seq`` is its
    position among all records of the file (several records may share a line).
    """

    seq: int
    line: int
    time_ms: float
    key: str
    value: Any
    metadata: dict[str, Any]
    event_type: str | None = None
    namespace: str | None = None


@recordclass(frozen=True, slots=True)
class ParseIssue:
    """A problem met while reading the file; the rules turn it into a finding."""

    kind: str  # see compliance.parsers.mllog.ISSUE_* constants
    line: int | None
    message: str
    excerpt: str = ""


@recordclass(slots=True)
class KeyStats:
    count: int = 0
    first_line: int = 0


@recordclass(slots=True)
class TrainingLog:
    """What the rules see of one log.

    Records are kept only for keys some rule needs (``kept_keys``); every other
    key is counted, so memory does not grow with the bulk of progress records
    (``tracked_stats`` and the like) that make up most of a large log. The many
    records of the timed region (blocks, evaluations) are tallied by the rules as
    they are read (``streamed``), so memory does not grow with them either.
    """

    path: str
    size_bytes: int = 0
    lines: int = 0
    records: int = 0
    by_key: dict[str, list[Record]] = field(default_factory=dict)
    stats: dict[str, KeyStats] = field(default_factory=dict)
    issues: list[ParseIssue] = field(default_factory=list)
    readable: bool = True
    # keys whose records were handed to the rules while reading (``parsers.mllog.Router``):
    # ``by_key`` holds only their first records, the rules' tallies hold the rest
    streamed: frozenset[str] = frozenset()

    def all(self, key: str) -> list[Record]:
        if key in self.streamed:
            raise LookupError(f"the records of '{key}' were tallied while reading, not kept")
        return self.by_key.get(key, [])

    def first(self, key: str) -> Record | None:
        found = self.by_key.get(key)
        return found[0] if found else None

    def count(self, key: str) -> int:
        stats = self.stats.get(key)
        return stats.count if stats else 0

    def value(self, key: str, default: Any = None) -> Any:
        record = self.first(key)
        return record.value if record is not None else default

    def keys(self) -> list[str]:
        return list(self.stats)
