"""What the inference submission rules see.

``ResultContext``: one scenario result (``results/<system>/<model>/<scenario>/``)
with its runs, accuracy files, compliance tests and measurements, already read.
``SubmissionContext``: the whole tree (layout, systems, which scenarios each
system has). Nothing here opens a file: ``compliance.kinds.inference_tree`` reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compliance.models.findings import Finding
from compliance.models.inference import InferenceTree, ScenarioFolder, TestFolder
from compliance.models.loadgen import AccuracyText, LoadgenRun
from compliance.models.power import PowerResult
from compliance.models.roles import SubjectRole
from compliance.models.submission import SystemFile
from compliance.records import field, recordclass
from compliance.registry import Rule
from compliance.rulebook.inference import InferenceRulebook, ModelRules

RESULT_SUBJECT = SubjectRole.INFERENCE_RESULT
SUBMISSION_SUBJECT = SubjectRole.INFERENCE_SUBMISSION
MISSING = "missing file"  # how every absent-file finding starts: the corpus parity test relies on it


@recordclass(slots=True)
class Measurements:
    """A result's measurements folder (rounds up to 5.1) or its measurements.json (6.0 on)."""

    folder: str | None = None  # as shown; None when there is no folder
    json_path: str | None = None  # as shown
    data: dict[str, Any] | None = None
    error: str | None = None  # why the JSON could not be read
    problems: list[Any] = field(default_factory=list)  # SystemProblem from the measurements schema
    files: dict[str, str] = field(default_factory=dict)  # file name -> as shown
    sizes: dict[str, int] = field(default_factory=dict)  # file name -> bytes
    calibration: list[str] = field(default_factory=list)  # calibration documents found (as shown)
    calibration_searched: list[str] = field(default_factory=list)


@recordclass(slots=True)
class SystemInfo:
    file: SystemFile | None
    problems: list[Any] = field(default_factory=list)  # SystemProblem from the system schema

    @property
    def data(self) -> dict[str, Any] | None:
        return self.file.data if self.file is not None else None

    @property
    def system_type(self) -> str | None:
        value = (self.data or {}).get("system_type")
        return value.strip().lower().replace(" ", "") if isinstance(value, str) else None


class _Located:
    subject: str

    def schema_findings(self, rule: Rule, problems: list[Any], *, path: str, what: str, required: str) -> Iterator[Finding]:
        """One finding per schema problem (``SystemProblem``: field, kind, message, suggestion)."""
        for problem in problems:
            suggestion = getattr(problem, "suggestion", None)
            yield self.finding(
                rule,
                f"{what}: {getattr(problem, 'message', problem)}",
                path=path,
                key=(getattr(problem, "field", "") or "").lstrip("/") or None,
                observed=getattr(problem, "kind", None),
                required=f"{suggestion}" if suggestion else required,
            )

    def finding(
        self, rule: Rule, message: str, *, path: str, subject: str | None = None, line: int | None = None, key: str | None = None, **kwargs: Any
    ) -> Finding:
        return rule.finding(message, path=path, subject=subject or self.subject, line=line, key=key, **kwargs)


class ResultContext(_Located):
    """One scenario result of an inference submission."""

    def __init__(
        self,
        entry: ScenarioFolder,
        book: InferenceRulebook,
        *,
        model: ModelRules | None,
        scenario: str | None,
        system: SystemInfo,
        files: dict[str, str],
        sizes: dict[str, int],
        perf: LoadgenRun | None,
        accuracy: LoadgenRun | None,
        accuracy_txt: AccuracyText | None,
        tests: dict[str, TestFolder],
        tests_root: str,
        measurements: Measurements,
        mapped_from: str | None = None,
        power: PowerResult | None = None,
        endpoints: Any = None,
    ):
        self.entry = entry
        self.endpoints = endpoints  # an Endpoints result's files (compliance.parsers.endpoints), else None
        self.book = book
        self.model = model
        self.scenario = scenario
        self.system = system
        self.files = files  # relative name (performance/run_1/mlperf_log_detail.txt ...) -> real path
        self.sizes = sizes  # relative name -> bytes, for the files whose size a rule bounds
        self.perf = perf
        self.accuracy = accuracy
        self.accuracy_txt = accuracy_txt
        self.tests = tests
        self.tests_root = tests_root
        self.measurements = measurements
        self.mapped_from = mapped_from  # open division: the benchmark named in model_mapping.json
        self.power = power  # performance/power/ and its runs, read (None without a power folder)
        self.subject = entry.path

    @property
    def division(self) -> str:
        return self.entry.division

    @property
    def closed(self) -> bool:
        """Closed and network results are held to the model's targets; open results report them."""
        return self.division != "open"

    def shown(self, relative: str) -> str:
        return f"{self.entry.path}/{relative}"

    def has(self, relative: str) -> bool:
        return relative in self.files


class SubmissionContext(_Located):
    """The whole inference tree: what the submission-level rules need."""

    def __init__(
        self,
        tree: InferenceTree,
        book: InferenceRulebook,
        results: list[Any],
        systems: dict[tuple[str, str, str], SystemInfo],
        mapping_errors: list[tuple[str, str]],
    ):
        self.tree = tree
        self.mapping_errors = mapping_errors  # (model_mapping.json as shown, why it cannot be used)
        self.book = book
        self.results = results  # ResultFacts of every scenario result
        self.systems = systems  # (division, org, system) -> its description
        self.subject = tree.root


@recordclass(frozen=True, slots=True)
class ResultFacts:
    """What the submission rules need of one scenario result (small, picklable)."""

    division: str
    org: str
    system: str
    model_folder: str
    scenario_folder: str
    path: str
    model: str | None  # the round's model name
    scenario: str | None  # the round's scenario name
    declared: tuple[tuple[str, str], ...] = ()  # quantization fields of the measurements JSON (name, value)
    accuracy: tuple[tuple[str, float], ...] = ()  # the accuracy numbers the result publishes (metric or dataset, value)
    endpoints: bool = False  # an Endpoints (LoadGen++) result
