"""What the package rules see: the tree, each log's summary, the systems, the round's rules."""

from __future__ import annotations

from typing import Any

from compliance.models.submission import ResultSet, RunSummary, SubmissionTree, SystemFile
from compliance.records import field, recordclass
from compliance.rulebook.model import Rulebook


@recordclass
class ResultSetFacts:
    """One result set with everything computed about it (read by rules and the results table)."""

    result: ResultSet
    runs: list[RunSummary]
    system: SystemFile | None
    required_runs: int | None
    max_dropped: int
    scaling_factor: float = 1.0
    scaling_error: str | None = None
    counted: list[RunSummary] = field(default_factory=list)  # runs that count for the score
    dropped: int = 0
    score_minutes: float | None = None
    rcp: Any = None  # compliance.rules.package.rcp_test.RcpResult, when checked
    passed: bool = True
    # HPC throughput (weak scaling): the models that count, their scale and time to train all
    models: int | None = None
    instance_scale: int | None = None
    time_to_train_all: float | None = None  # minutes
    throughput: float | None = None  # models per minute

    @property
    def weak(self) -> bool:
        return self.result.scale == "weak"


class PackageContext:
    def __init__(
        self,
        tree: SubmissionTree,
        book: Rulebook,
        summaries: dict[str, RunSummary],
        *,
        rcp_bypass: bool = False,
    ):
        self.tree = tree
        self.book = book
        self.summaries = summaries
        self.rcp_bypass = rcp_bypass
        self.systems: dict[tuple[str, str, str], SystemFile] = {}
        for system in tree.systems:
            self.systems[(system.division, system.org, system.name)] = system
        self.sets: list[ResultSetFacts] = []
        for result in tree.result_sets:
            runs = [summaries[path] for path in result.logs if path in summaries]
            info = book.benchmarks.get(result.benchmark)
            facts = ResultSetFacts(
                result=result,
                runs=runs,
                system=self.systems.get((result.division, result.org, result.system)),
                required_runs=info.runs if info is not None else None,
                max_dropped=_max_dropped(book, result.benchmark),
            )
            _read_scaling(facts)
            score(facts)
            self.sets.append(facts)

    def finding(self, rule: Any, message: str, *, path: str, subject: str | None = None, **kwargs: Any) -> Any:
        return rule.finding(message, path=path, subject=subject or path, **kwargs)

    def division_of(self, facts: ResultSetFacts) -> str | None:
        """The result's division: the folder's, else the system file's, else the logs'."""
        if facts.result.division:
            return facts.result.division
        if facts.system is not None and facts.system.data is not None:
            value = facts.system.data.get("division")
            if isinstance(value, str):
                return value.lower()
        divisions = {r.division for r in facts.runs if r.division}
        return divisions.pop() if len(divisions) == 1 else None


def _max_dropped(book: Rulebook, benchmark: str) -> int:
    """How many runs olympic scoring drops at each end (1; unet3d 4)."""
    info = book.benchmarks.get(benchmark)
    if info is not None and info.olympic_drop:
        return info.olympic_drop
    return 1


def _read_scaling(facts: ResultSetFacts) -> None:
    """The factor scaling.json gave (read by compliance.parsers.scaling), or why it gave none."""
    result = facts.result
    if result.scaling_factor is not None:
        facts.scaling_factor = result.scaling_factor
    facts.scaling_error = result.scaling_error


def score(facts: ResultSetFacts) -> None:
    """The entry's score, as the official result summarizer computes it.

    Run time = (run_stop - run_start) in minutes; runs that fail are dropped
    and count as the slowest; the olympic mean drops ``max_dropped`` runs at
    each end (minus the failed ones already dropped); scaling.json multiplies.
    HPC throughput entries (weak scaling) are scored by ``throughput_score``.
    """
    counted = [run for run in facts.runs if run.log_passed and run.converged and run.minutes is not None]
    dropped = len(facts.runs) - len(counted)
    facts.counted = counted
    facts.dropped = dropped
    if facts.weak:
        throughput_score(facts)
        return
    if dropped > facts.max_dropped or not counted:
        facts.score_minutes = None
        return
    times = sorted(run.minutes for run in counted if run.minutes is not None)
    keep = times[facts.max_dropped : len(times) - (facts.max_dropped - dropped)]
    if not keep:
        facts.score_minutes = None
        return
    facts.score_minutes = sum(keep) / len(keep) * facts.scaling_factor


def throughput_score(facts: ResultSetFacts) -> None:
    """HPC Throughput, as the result summarizer computes it: the M' models whose runs pass,
    their instance scale, and the time to train all of them, max(run_stop) - min(run_start)
    (HPC rules, 'Throughput'). No score when fewer models than the rules' minimum count.
    No olympic mean, and scaling.json does not apply."""
    facts.score_minutes = None
    counted = [run for run in facts.counted if run.run_start_ms is not None and run.run_stop_ms is not None]
    facts.models = len(counted)
    if not counted or (facts.required_runs is not None and len(counted) < facts.required_runs):
        return
    start = min(run.run_start_ms for run in counted if run.run_start_ms is not None)
    stop = max(run.run_stop_ms for run in counted if run.run_stop_ms is not None)
    facts.time_to_train_all = (stop - start) / 60000.0
    facts.instance_scale = counted[0].instance_scale
    if facts.time_to_train_all > 0:
        facts.throughput = len(counted) / facts.time_to_train_all
