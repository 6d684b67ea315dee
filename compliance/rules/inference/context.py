"""What the LoadGen-run rules see: one parsed run, the round's data, and what is known
about the run (its model, scenario and place in a submission tree).

Nothing here opens a file: the run was read by ``compliance.parsers.loadgen``;
``compliance.inference`` builds the context.
"""

from __future__ import annotations

import os
from typing import Any

from compliance.models.findings import Finding
from compliance.models.loadgen import LoadgenRun
from compliance.records import recordclass
from compliance.registry import Rule
from compliance.rulebook.inference import InferenceRulebook, ModelRules

PERFORMANCE_MODES = ("PerformanceOnly", "SubmissionRun", "FindPeakPerformance")
AUDIT_NOTICES = ("audit.config", "test05 flag")  # LoadGen's warnings when a compliance test overrides settings
# LoadGen's notices about its own logger, not about the run (loadgen logging.cc: a thread's TLS log buffer
# outgrew its reserved entries; a lock-free swap retried). Matched at the start of the text, lower-cased.
LOGGER_NOTICES = ("logging allocation detected", "cas failed")


@recordclass(frozen=True, slots=True)
class RunPlace:
    """What a run's path says: ``.../<model>/<scenario>/[TESTxx/]{performance/run_N|accuracy}``."""

    model: str | None = None  # the folder name as written
    scenario: str | None = None  # the folder name as written
    mode: str | None = None  # "performance" or "accuracy"
    test: str | None = None  # "TEST01" ... for compliance-test runs
    division: str | None = None  # "closed", "open", "network" when a component says so


def place_of(path: str, scenarios: tuple[str, ...], divisions: tuple[str, ...]) -> RunPlace:
    """Read model, scenario, mode and compliance test from a run's path (never touches the disk)."""
    parts = [p for p in os.path.abspath(path).replace("\\", "/").split("/") if p]
    if parts and parts[-1].endswith((".txt", ".json")):
        parts = parts[:-1]
    lowered = [p.lower() for p in parts]
    # <division>/<org>/results/...: the division of a run inside a submission tree
    division = next(
        (p for i, p in enumerate(lowered) if p in divisions and i + 2 < len(lowered) and lowered[i + 2] == "results"),
        None,
    )
    mode_at = None
    if lowered and lowered[-1] in ("accuracy", "performance"):
        mode_at = len(parts) - 1  # .../accuracy, or a performance folder holding the run itself
    elif len(parts) >= 2 and lowered[-2] == "performance" and lowered[-1].startswith("run"):
        mode_at = len(parts) - 2  # .../performance/run_1
    if mode_at is None:
        return RunPlace(division=division)
    mode = lowered[mode_at]
    at = mode_at - 1
    test = None
    if at >= 0 and len(parts[at]) == 6 and lowered[at].startswith("test") and parts[at][4:].isdigit():
        test = parts[at].upper()
        at -= 1
    known = {s.lower() for s in scenarios}
    # Collected copies put a "results" or "compliance" folder between the scenario and the run.
    if at >= 1 and lowered[at] in ("results", "compliance") and lowered[at - 1] in known:
        at -= 1
    if at < 1 or lowered[at] not in known:
        return RunPlace(mode=mode, test=test, division=division)
    return RunPlace(model=parts[at - 1], scenario=parts[at], mode=mode, test=test, division=division)


def ms(ns: float | int | None) -> str:
    """Nanoseconds as readable milliseconds (``15 ms``, ``1.83 ms``, ``0.0042 ms``)."""
    if ns is None:
        return "?"
    value = ns / 1e6
    if abs(value) >= 100:
        return f"{value:.0f} ms"
    return f"{value:.3g} ms"


def bound_ms(value: float) -> str:
    """A bound from the round data (ms), without a pointless ``.0``."""
    return f"{value:g} ms" if value < 10_000 else f"{value / 1000:g} s"


class LoadgenContext:
    """One LoadGen run under one inference round."""

    def __init__(
        self,
        run: LoadgenRun,
        book: InferenceRulebook,
        *,
        subject: str,
        folder_display: str,
        model: ModelRules | None = None,
        model_source: str | None = None,
        scenario: str | None = None,
        scenario_source: str | None = None,
        place: RunPlace | None = None,
        round_named: bool = False,
        system_type: str | None = None,
    ):
        self.run = run
        self.book = book
        self.subject = subject
        self.folder_display = folder_display
        self.model = model
        self.model_source = model_source
        self.place = place or RunPlace()
        self.system_type = system_type  # from the system description, when the run is part of a submission tree
        self.division = self.place.division
        self.compliance_test = self.place.test
        # The scenario of the result: as given or from the path, else what LoadGen ran.
        self.given_scenario = scenario
        self.scenario = scenario or run.scenario
        self.scenario_source = scenario_source if scenario else ("log" if run.scenario else None)
        # Round-wide rules (seeds, minimum duration) apply when the round was named or the model is known.
        self.round_applies = round_named or model is not None

    # -- what the run is -----------------------------------------------------

    @property
    def loadgen_scenario(self) -> str | None:
        """The scenario LoadGen ran (Interactive results are Server runs)."""
        return self.run.scenario

    @property
    def performance(self) -> bool:
        return self.run.mode in PERFORMANCE_MODES

    @property
    def accuracy(self) -> bool:
        return self.run.mode == "AccuracyOnly"

    @property
    def compliance_run(self) -> bool:
        """A compliance-test (audit) run, found under ``TESTxx/``: audit settings are expected there."""
        return self.compliance_test is not None

    @property
    def held_to_performance_rules(self) -> bool:
        """A performance-mode run judged as a submission's performance run: the result's own run, or
        the run of a compliance test the round says is one (TEST01, TEST04: the submission's
        settings plus the test's audit settings), in the closed and network divisions. The runs of
        the other tests (TEST06, TEST07, TEST09 ... set their own duration and query counts) and
        every compliance run in the open division (where no test is required) are judged by their
        test's verification, not by these rules."""
        if not self.performance:
            return False
        if self.compliance_test is None:
            # A performance-mode run in a result's accuracy/ folder is the wrong run there (LGR004
            # says so): it is not also judged as the result's performance run.
            return self.place.mode != "accuracy"
        if self.division == "open":
            return False
        spec = self.book.compliance.get(self.compliance_test) or {}
        return spec.get("run_rules") == "performance"

    @property
    def judged_by_its_test(self) -> bool:
        """A compliance-test run that only its test's verification judges (see held_to_performance_rules)."""
        return self.compliance_run and not self.held_to_performance_rules

    @property
    def model_bounds_apply(self) -> bool:
        """Model accuracy and latency bounds: the closed and network divisions (open results only report them)."""
        return self.model is not None and self.division != "open"

    # -- where things are ------------------------------------------------------

    def file(self, real_path: str) -> str:
        """A run file's path as the user knows it (under the folder as given)."""
        return os.path.join(self.folder_display, os.path.basename(real_path)) if self.folder_display else real_path

    @property
    def detail_path(self) -> str:
        return self.file(self.run.detail.path)

    @property
    def summary_path(self) -> str:
        return self.file(self.run.summary.path)

    @property
    def accuracy_path(self) -> str:
        if self.run.accuracy_log is not None:
            return self.file(self.run.accuracy_log.path)
        return self.file(os.path.join(self.run.folder, "mlperf_log_accuracy.json"))

    def line_of(self, key: str) -> int | None:
        record = self.run.record(key)
        return record.line if record is not None else None

    def finding(
        self,
        rule: Rule,
        message: str,
        *,
        key: str | None = None,
        path: str | None = None,
        line: int | None = None,
        **kwargs: Any,
    ) -> Finding:
        """A finding on this run, located at ``key``'s first record of the detail log by default."""
        if line is None and key is not None and path is None:
            line = self.line_of(key)
        return rule.finding(
            message,
            path=path or self.detail_path,
            subject=self.subject,
            line=line,
            key=key,
            **kwargs,
        )
