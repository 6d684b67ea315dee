"""The report: one model that every reporter renders."""

from __future__ import annotations

from compliance.models.findings import INTERNAL_ERROR, Finding, Severity
from compliance.models.roles import SubjectRole
from compliance.records import field, fields, recordclass


@recordclass(frozen=True, slots=True)
class ToolInfo:
    name: str
    version: str


@recordclass(slots=True)
class QualitySeries:
    """A log's evaluation results over training progress, and the target they aim at."""

    metric: str  # the key, e.g. eval_accuracy
    x_unit: str  # samples_count or epoch_num
    points: list[list[float]]  # [[x, value], ...] in log order
    target: float | None = None
    lower_is_better: bool | None = None
    converged_at: float | None = None  # the convergence point the RCP test uses


@recordclass(slots=True)
class Subject:
    """One thing that was checked (a log file), and its verdict."""

    path: str
    kind: str = SubjectRole.TRAINING_LOG  # a SubjectRole
    passed: bool = True
    suite: str | None = None
    benchmark: str | None = None
    division: str | None = None
    records: int = 0
    lines: int = 0
    errors: int = 0
    warnings: int = 0
    quality: QualitySeries | None = None  # training logs: the evaluations, for plots
    time_to_train_minutes: float | None = None  # training logs: run_stop - run_start


LOG_COLUMNS = ("path", "benchmark", "division", "time_to_train_minutes", "passed", "errors", "warnings")



@recordclass(slots=True)
class ResultRow:
    """One benchmark entry of a submission: its score and verdict (the results table)."""

    division: str
    org: str
    system: str  # the system's JSON file name without .json, as in results/<system>/
    benchmark: str
    scale: str | None
    path: str
    score_minutes: float | None  # olympic mean of the run times, scaling applied
    runs: int
    dropped: int  # failed runs dropped by olympic scoring
    scaling_factor: float
    rcp: str  # the RCP verdict (pass, fail, missing, bypassed, n/a ...)
    rcp_norm_factor: float | None
    passed: bool
    rcp_mean: float | None = None  # the reference convergence mean at the entry's batch size
    rcp_min_mean: float | None = None  # the fastest mean the RCP test allows
    submission_mean: float | None = None  # the entry's olympic mean convergence point
    convergence_unit: str | None = None
    # HPC Throughput (weak scaling) entries: the models counted (M'), their instance scale (S),
    # the time to train all of them (TTTa, minutes) and models per minute (M' / TTTa)
    models: int | None = None
    instance_scale: int | None = None
    time_to_train_all_minutes: float | None = None
    throughput: float | None = None


@recordclass(slots=True)
class InferenceResultRow:
    """One scenario result of an inference submission: its metric and verdict (the results table)."""

    division: str
    org: str
    system: str  # the system's JSON file name without .json, as in results/<system>/
    benchmark: str  # the round's model name (the folder's name when it is not a model of the round)
    scenario: str
    path: str
    metric: str | None  # the LoadGen key the result is read from
    value: float | None  # in ``unit``: the number the official results table publishes
    unit: str | None  # the official results table's unit (Samples/s, Queries/s, Tokens/s, Latency (ms) ...)
    accuracy: str | None  # the accuracy metrics against their targets, e.g. "acc 76.078 >= 75.695"
    passed: bool
    model_folder: str = ""  # the folder name as written (open division: any name)
    system_type: str | None = None  # datacenter, edge or both, from the system description
    inferred_from: str | None = None  # the scenario LoadGen ran, when the result is inferred from it (edge)
    power_value: float | None = None  # power results: the power metric, as the official table publishes it
    power_unit: str | None = None  # Watts (Offline, Server, Interactive) or millijoules (per query: SingleStream, MultiStream)


@recordclass(slots=True)
class OmittedFindings:
    """Findings of one code and subject that the report does not list (past the ``findings`` limit,
    ``compliance.limits``). They count in every verdict and total as if they were listed."""

    code: str
    name: str
    severity: Severity
    subject: str
    count: int
    blocking: int  # unwaived errors among them
    waived: int


@recordclass(slots=True)
class SettingEffect:
    """A setting, waiver file or flag that changed what the report says, or a settings file that
    was not read: where it came from, what it says, and what it did."""

    source: str  # the settings file, or the flag ("--ignore", "--waivers", "--baseline", "--rcp-bypass")
    setting: str  # e.g. "ignore = KEY003, SEQ"
    effect: str  # what it did, in words
    errors: int = 0  # error findings it silenced (not reported) or waived: the verdict it changed
    read: bool = True  # False: a settings file in the checked tree or archive, not read


@recordclass(slots=True)
class Report:
    """Everything one ``mlperf-audit check`` run found.

    ``passed`` is true when no unwaived finding of severity ``error`` remains.
    """

    tool: ToolInfo
    suite: str
    round: str
    round_source: str = "given"
    suite_source: str = "given"
    notes: list[str] = field(default_factory=list)
    round_evidence: list[str] = field(default_factory=list)  # what told the round, one line per kind of evidence
    rulebook_sha256: str = ""
    subjects: list[Subject] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    results: list[ResultRow | InferenceResultRow] = field(default_factory=list)
    passed: bool = True
    settings: list[SettingEffect] = field(default_factory=list)  # what changed the verdict, and settings not read
    omitted: list[OmittedFindings] = field(default_factory=list)  # findings not listed (the findings limit)

    def to_frame(self, what: str = "results"):  # type: ignore[no-untyped-def]
        """The results table (or ``what="findings"``) as a pandas DataFrame, for notebooks: one row
        per entry or scenario result of a submission, or per log when single logs were checked."""
        import pandas as pd

        from compliance.reporters.json import to_dict

        data = to_dict(self)
        if what == "findings":
            rows = []
            for f in data["findings"]:
                flat = {k: v for k, v in f.items() if k not in ("location", "evidence")}
                flat.update({"path": f["location"]["path"], "line": f["location"]["line"], "key": f["location"]["key"]})
                flat.update({f"evidence.{k}": v for k, v in f["evidence"].items()})
                rows.append(flat)
            return pd.DataFrame(rows)
        if not self.results and any(s.kind == SubjectRole.TRAINING_LOG for s in self.subjects):
            # Single logs (no submission tree): one row per log.
            logs = [s for s in data["subjects"] if s["kind"] == "training_log"]
            return pd.DataFrame([{c: s[c] for c in LOG_COLUMNS} for s in logs], columns=list(LOG_COLUMNS))
        kind = InferenceResultRow if self.results and isinstance(self.results[0], InferenceResultRow) else ResultRow
        return pd.DataFrame(data["results"], columns=[f.name for f in fields(kind)])

    def finalise(self) -> "Report":
        """Sort findings and compute per-subject and overall verdicts."""
        order = {s.path: i for i, s in enumerate(self.subjects)}
        self.findings.sort(
            key=lambda f: (
                order.get(f.subject, len(order)),
                f.location.line if f.location.line is not None else -1,
                f.severity.rank,
                f.code,
            )
        )
        by_subject: dict[str, list[Finding]] = {}
        for finding in self.findings:
            by_subject.setdefault(finding.subject, []).append(finding)
        for subject in self.subjects:
            own = by_subject.get(subject.path, [])
            subject.errors = sum(1 for f in own if f.blocking)
            subject.warnings = sum(1 for f in own if f.severity is Severity.WARNING)
            for left in self.omitted:  # findings not listed still count
                if left.subject == subject.path:
                    subject.errors += left.blocking
                    if left.severity is Severity.WARNING:
                        subject.warnings += left.count - left.waived
            subject.passed = subject.errors == 0
        self.passed = not any(f.blocking for f in self.findings) and not any(o.blocking for o in self.omitted)
        return self

    def keep_findings(self, most: int) -> "Report":
        """List at most ``most`` findings (errors first, then warnings, notes, waived ones; kept in the
        report's order); the rest are counted in ``omitted`` by code and subject. Verdicts and totals
        stay those of all findings."""
        if len(self.findings) <= most:
            return self
        rank = sorted(range(len(self.findings)), key=lambda i: (self.findings[i].waived_by is not None, self.findings[i].severity.rank, i))
        keep = set(rank[:most])
        counts: dict[tuple[str, Severity, str], OmittedFindings] = {}
        for i, finding in enumerate(self.findings):
            if i in keep:
                continue
            key = (finding.code, finding.severity, finding.subject)
            left = counts.get(key)
            if left is None:
                left = counts[key] = OmittedFindings(finding.code, finding.name, finding.severity, finding.subject, 0, 0, 0)
            left.count += 1
            left.blocking += finding.blocking
            left.waived += finding.waived_by is not None
        self.findings = [f for i, f in enumerate(self.findings) if i in keep]
        self.omitted = sorted([*self.omitted, *counts.values()], key=lambda o: (o.severity.rank, o.code, o.subject))
        return self.refinalise()

    def refinalise(self) -> "Report":
        """``finalise`` again after findings changed, keeping what the audit added to the verdict
        (a result row without a value fails the check although no finding blocks)."""
        verdict = self.passed
        self.finalise()
        self.passed = self.passed and verdict
        return self

    def totals(self) -> dict[str, int]:
        """Findings of the whole check, listed or not: unwaived errors, warnings, review,
        info, and waived."""
        out = {"errors": 0, "warnings": 0, "review": 0, "info": 0, "waived": 0}
        label = {Severity.ERROR: "errors", Severity.WARNING: "warnings", Severity.REVIEW: "review", Severity.INFO: "info"}
        for f in self.findings:
            out["waived" if f.waived_by is not None else label[f.severity]] += 1
        for left in self.omitted:
            out["waived"] += left.waived
            out[label[left.severity]] += left.count - left.waived
        return out

    @property
    def internal_errors(self) -> list[Finding]:
        """Findings of the tool's own failures (INT001): a rule or reader raised an exception."""
        return [f for f in self.findings if f.code == INTERNAL_ERROR]

    def exit_code(self) -> int:
        """0 passed, 1 error findings, 2 the tool itself failed somewhere (an INT001 finding)."""
        if self.internal_errors:
            return 2
        return 0 if self.passed else 1
