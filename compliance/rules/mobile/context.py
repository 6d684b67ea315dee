"""What the Mobile rules read: one result file, one benchmark of it, one system folder."""

from __future__ import annotations

from compliance.models.findings import Finding
from compliance.models.loadgen import LoadgenRun
from compliance.parsers.mobile import MobileEntry, MobileResultFile
from compliance.records import field, recordclass
from compliance.registry import Rule
from compliance.rulebook.mobile import MobileBenchmark, MobileRulebook

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@recordclass(slots=True)
class FileContext:
    """One result file (``subject``: its path as shown)."""

    book: MobileRulebook
    result: MobileResultFile
    subject: str
    schema: list[tuple[str, str]] = field(default_factory=list)  # (pointer, problem)
    schema_total: int = 0

    def finding(self, rule: Rule, message: str, *, key: str | None = None, **facts: Any) -> Finding:
        return rule.finding(message, path=self.subject, subject=self.subject, key=key, **facts)


@recordclass(slots=True)
class EntryContext:
    """One benchmark of a result file, with the LoadGen performance run found for it."""

    book: MobileRulebook
    result: MobileResultFile
    entry: MobileEntry
    benchmark: MobileBenchmark | None
    scenario: str  # the file's, else the round's for the benchmark
    subject: str  # the entry as shown: <result file's folder>/<benchmark_id>
    file_path: str  # the result file as shown
    run: LoadgenRun | None = None  # the performance run's logs, when found
    run_path: str | None = None  # its folder as shown
    accuracy_run: LoadgenRun | None = None  # the accuracy run's logs, when found
    accuracy_path: str | None = None  # its folder as shown

    def finding(self, rule: Rule, message: str, *, at_run: bool = False, key: str | None = None, **facts: Any) -> Finding:
        path = self.run_path if at_run and self.run_path else self.file_path
        pointer = key if key is not None else (None if at_run else self.entry.pointer)
        return rule.finding(message, path=path, subject=self.subject, key=pointer, **facts)


@recordclass(slots=True)
class SystemContext:
    """A folder below results/ with LoadGen runs and no result file of the app."""

    book: MobileRulebook
    subject: str  # the folder as shown
    runs: list[tuple[str, LoadgenRun, MobileBenchmark | None]] = field(default_factory=list)  # (folder as shown, run, its benchmark)


@recordclass(slots=True)
class TreeContext:
    """The whole input: where reading it stopped."""

    subject: str  # the input as shown
    stopped: list[str] = field(default_factory=list)  # each place the walk did not read, in words


@recordclass(slots=True)
class OrgContext:
    """One organisation's folder: its system descriptions against the systems of its results."""

    book: MobileRulebook
    subject: str  # the organisation's folder as shown
    has_systems: bool  # whether <org>/systems/ is there
    systems: list[tuple[str, str, str | None]] = field(default_factory=list)  # (file as shown, name, problem)
    result_systems: list[str] = field(default_factory=list)  # the results/<system> names ("" : none)
