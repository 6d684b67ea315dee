"""What the MLPerf Tiny rules see: one result (``tiny_result``) or the whole tree (``tiny_submission``),
already read by ``compliance.parsers.tiny``. Nothing here opens a file."""

from __future__ import annotations

from compliance.models.findings import Finding
from compliance.models.tiny import ModeFolder, OrgFolder, TinyResult, TinyTree
from compliance.records import recordclass
from compliance.registry import Rule
from compliance.rulebook.tiny import TinyBenchmark, TinyRulebook

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

RESULT_SUBJECT = "tiny_result"
SUBMISSION_SUBJECT = "tiny_submission"
SUITES = ("tiny",)
RULES_REF = "MLPerf Tiny rules (mlcommons/tiny benchmark/MLPerfTiny_Rules.adoc)"


@recordclass(slots=True)
class TinyResultContext:
    result: TinyResult
    book: TinyRulebook
    benchmark: TinyBenchmark | None  # None: a folder name the round does not know

    @property
    def subject(self) -> str:
        return self.result.path

    @property
    def closed(self) -> bool:
        return self.result.division.lower() == "closed"

    @property
    def runner(self) -> str:
        """The runner that made the result: the only one the round allows, else what the files say."""
        return self.book.runners[0] if len(self.book.runners) == 1 and self.result.marker is None else self.result.runner

    def finding(self, rule: Rule, message: str, *, path: str | None = None, **kwargs: Any) -> Finding:
        return rule.finding(message, path=path or self.result.path, subject=self.subject, **kwargs)

    def summary_finding(self, rule: Rule, folder: ModeFolder, line: int | None, message: str, **kwargs: Any) -> Finding:
        """A finding on `line` of a mode folder's summary (results.txt), or on the folder where it has none."""
        return self.finding(rule, message, path=folder.summary_path or folder.path, line=line, **kwargs)


@recordclass(slots=True)
class TinySubmissionContext:
    tree: TinyTree
    book: TinyRulebook

    @property
    def subject(self) -> str:
        return self.tree.display

    def orgs(self) -> list[OrgFolder]:
        return self.tree.orgs

    def finding(self, rule: Rule, message: str, *, path: str, **kwargs: Any) -> Finding:
        return rule.finding(message, path=path, subject=self.subject, **kwargs)


def round_text(book: TinyRulebook, key: str) -> str:
    """Where a round value comes from, for a finding's evidence."""
    return book.value_sources.get(key, "")
