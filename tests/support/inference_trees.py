"""MLPerf Inference submission trees for testing and timing the whole-tree audit.

Two sources, and never a hand-written LoadGen log:

* **Real published files.** ``rebuild_inference_trees`` copies the corpus files
  (``../shared/corpus``; ``MANIFEST.tsv`` gives each file's path in its results repository)
  back to ``dest/<round>/<path in repo>``: one submission tree per round. It returns one
  ``InferenceCase`` per scenario result, with the files present and the files of the official
  layout that are absent only because the corpus did not collect them (``absent``, path ->
  why). ``copy_case`` copies a case into another tree, optionally under another system name
  (the benchmark uses it to make large trees). ``parse_checker_log`` reads the official
  submission checker's logs committed to the results repositories.

* **Real LoadGen runs.** ``build_inference_tree`` assembles a complete-looking submission from
  short runs of the PyPI LoadGen (``tests/support/loadgen_harness.py``): ``performance/run_1`` from a
  performance run, ``accuracy/`` from an accuracy run (its ``mlperf_log_accuracy.json``
  truncated and hashed the way ``truncate_accuracy_log.py`` does it, plus the model's metric
  line as its official accuracy script prints it), TEST01/04/05/06 folders whose runs
  are real LoadGen runs with the test's ``audit.config`` and whose ``verify_*.txt`` are worked
  out from those runs and written in the official scripts' format, measurements, a system
  description with all 35 required fields, ``code/`` (``src/`` from v6.0) and a calibration
  document. Runs are made once per (scenario, kind) per session (``TreeRuns``) and copied into
  every tree that needs them.

What a built tree is expected to break (the runs are one-second test runs)
--------------------------------------------------------------------------
Every LoadGen log in it is VALID as LoadGen judges it, but not as a round does:

* every performance run (and TEST01/04/05 run): ``effective_min_duration_ms`` is 1000, not
  600000; the seeds are LoadGen's programmatic defaults (0), not the round's;
  ``effective_performance_sample_count`` is 256 (below e.g. ResNet-50's 1024); Offline runs
  ~1000 samples per query (the round wants 24576 or the data set); Server runs target a 1 s
  latency bound (over e.g. ResNet-50's 15 ms); LLM runs' TTFT/TPOT bounds are the harness's
  (1 s / 0.5 s), far over the round's;
* every accuracy run covers 256 samples, not the model's data set;
* TEST06 runs are configured by their audit.config (min_duration 0) and LoadGen calls them
  INVALID, as real TEST06 runs often are.

The single-run audit (``mlperf-audit check <...>/performance/run_1 --suite inference --round
5.1``) reports these today: PERF001 (min duration), PERF006 (seeds), PERF005 (performance
sample count) on every performance run, PERF003 (samples per query) on Offline, latency codes
(LAT00x) on Server and LLM runs, and ACC002 (accuracy samples) on every accuracy run. The
whole-tree audit (``mlperf-audit check <root> --suite inference --round 5.1``) reported the
same on a ResNet-50 edge + Llama 2 70B datacenter tree when this was written, plus one IMS004
review note per model (quantization to review), and nothing about the layout.

Everything else is meant to pass: the layout, the system description, the measurements files
and fields, the accuracy value (a real published value above the target), the ``hash=`` line
(the sha256 of the untruncated accuracy log), the truncated accuracy log (8199 bytes),
TEST01's verify_accuracy.txt (the echo SUT answers every sample the same way in both modes)
and TEST06's. The TEST01/04/05 ``verify_performance.txt`` verdicts are worked out with the
official windows from the two runs' scores: SingleStream, Server and Offline pass; a
MultiStream score is the early-stopping estimate over ~700 queries (in practice the run's
slowest query), so it often differs by more than the window. The runs of a scenario are made
again together (twice at most) when a verdict fails; a verdict that still fails stays "TEST
FAIL". A test that needs passing MultiStream compliance pins it: ``set_compliance_verdict(root,
"TEST PASS", "TEST01")``. Rounds before 5.0 add TEST05 (ResNet-50, RetinaNet, BERT, DLRM,
3D U-Net), run with ``test05 = 1``; LoadGen takes the TEST05 seeds from its mlperf.conf only,
which the harness does not load, so those runs keep seeds 0 too.

In tests, share the session's runs and make them in one batch::

    runs = tree_runs(tmp_path_factory)
    runs.ensure(needed_runs({"resnet50": ["Offline"]}) | needed_runs(other_results))
    root = build_inference_tree(tmp_path, results={"resnet50": ["Offline"]}, runs=runs)

Mutators (``remove_file``, ``lowercase_scenario``, ``drop_system_json``, ``drop_scenario``,
``corrupt_detail_line``, ``add_bom``, ``set_compliance_verdict``) make one small change to a
built or rebuilt tree. They replace files instead of writing into them, so a tree whose files
are hard links to the corpus never changes the corpus.
"""

from __future__ import annotations

import atexit
import csv
import dataclasses
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.loadgen_harness import CASES as HARNESS_CASES
from tests.support.loadgen_harness import Case, PendingRun, RunSpec, logged_values, unmet

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"  # where tests/support/paths.py finds it (CORPUS)

SUMMARY = "mlperf_log_summary.txt"
DETAIL = "mlperf_log_detail.txt"
ACCURACY_JSON = "mlperf_log_accuracy.json"
PERF_RUN = "performance/run_1"

# ---------------------------------------------------------------------------
# The official layout (reference/inference.md sections 2, 3.1, 3.5, 3.7; layouts up to v5.1)

RESULT_FILES = (
    f"{PERF_RUN}/{SUMMARY}",
    f"{PERF_RUN}/{DETAIL}",
    "accuracy/accuracy.txt",
    f"accuracy/{ACCURACY_JSON}",
    f"accuracy/{DETAIL}",
    f"accuracy/{SUMMARY}",
)
_TEST_PERFORMANCE = ("verify_performance.txt", f"{PERF_RUN}/{SUMMARY}", f"{PERF_RUN}/{DETAIL}")
TEST_FILES = {
    "TEST01": (
        "verify_accuracy.txt",
        *_TEST_PERFORMANCE,
        "accuracy/accuracy.txt",
        f"accuracy/{ACCURACY_JSON}",
    ),
    "TEST04": _TEST_PERFORMANCE,
    "TEST05": _TEST_PERFORMANCE,
    "TEST06": ("verify_accuracy.txt",),
}
MEASUREMENT_FILES = ("README.md", "user.conf")  # v4.1 also required mlperf.conf

# Why an expected file is missing from the corpus (README.md of the corpus).
GAP_RGAT = (
    "the NVIDIA rgat detail logs were absent from the results-repository snapshot (too large)"
)
GAP_COMPLIANCE_DETAIL = "compliance run detail logs were collected only for the three 'full' cases"
GAP_SIZE = "accuracy-run files over 600 kB (accuracy logs over 100 kB) were not collected"
GAP_CODE = "no code was collected (data files only)"
GAP_UNKNOWN = "not in the corpus, and no collection rule explains it"

# The official checker's last line (reference/inference.md section 2, Flow 5).
CHECKER_VERDICTS = ("submission looks OK", "submission has errors")


# ---------------------------------------------------------------------------
# Corpus trees


@dataclass(frozen=True)
class InferenceCase:
    """One scenario result of a rebuilt tree. Paths are relative to ``root`` (posix form)."""

    round: str  # "v5.1"
    division: str
    org: str
    system: str
    model: str  # folder names as submitted (a scenario may be lower-case)
    scenario: str
    root: Path  # the submission root holding closed/ open/ network/
    files: frozenset[str]  # this result's files, its system description included
    absent: Mapping[str, str]  # expected by the official layout, not collected -> why

    @property
    def result_path(self) -> str:
        """The result as the checker names it: 'closed/Dell/results/<sys>/<model>/<scenario>'."""
        return f"{self.division}/{self.org}/results/{self.system}/{self.model}/{self.scenario}"

    @property
    def results_dir(self) -> Path:
        return self.root / self.result_path

    def _org_path(self, part: str) -> Path:
        return (
            self.root / self.division / self.org / part / self.system / self.model / self.scenario
        )

    @property
    def compliance_dir(self) -> Path:
        return self._org_path("compliance")

    @property
    def measurements_dir(self) -> Path:
        return self._org_path("measurements")

    @property
    def system_json(self) -> Path:
        return self.root / self.division / self.org / "systems" / f"{self.system}.json"

    @property
    def full_compliance(self) -> bool:
        """Whether the corpus holds the compliance runs' detail logs too (three cases)."""
        return any("/compliance/" in f and f.endswith(f"/{PERF_RUN}/{DETAIL}") for f in self.files)


def manifest_rows(corpus: Path = CORPUS) -> list[dict[str, str]]:
    with (corpus / "MANIFEST.tsv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _case_key(row: dict[str, str]) -> tuple[str, ...] | None:
    """(round, division, org, system, model, scenario) of a file of a scenario result."""
    parts = row["path_in_repo"].split("/")
    if len(parts) < 7 or parts[2] not in ("results", "compliance", "measurements"):
        return None
    return (row["round"], *parts[:2], *parts[3:6])


def _expected(case: InferenceCase) -> list[str]:
    """Files the official layout wants for this result, given the compliance tests it has."""
    base = case.result_path
    org = f"{case.division}/{case.org}"
    comp = f"{org}/compliance/{case.system}/{case.model}/{case.scenario}"
    meas = f"{org}/measurements/{case.system}/{case.model}/{case.scenario}"
    wanted = [f"{base}/{name}" for name in RESULT_FILES]
    tests = sorted({f.split("/")[6] for f in case.files if f.startswith(comp + "/TEST")})
    wanted += [f"{comp}/{test}/{name}" for test in tests for name in TEST_FILES.get(test, ())]
    conf = (*MEASUREMENT_FILES, "mlperf.conf") if case.round == "v4.1" else MEASUREMENT_FILES
    wanted += [f"{meas}/{name}" for name in conf]
    wanted += [f"{org}/systems/{case.system}.json", f"{org}/code/{case.model}/"]
    return wanted


def _gap(case: InferenceCase, path: str) -> str:
    if path.endswith("/"):
        return GAP_CODE
    if path.endswith(DETAIL) and (case.org, case.model) == ("NVIDIA", "rgat"):
        return GAP_RGAT
    if "/compliance/" in path and path.endswith(DETAIL):
        return GAP_COMPLIANCE_DETAIL
    if "/accuracy/" in path:
        return GAP_SIZE
    return GAP_UNKNOWN


def _place(source: Path, target: Path, link: bool) -> None:
    """Copy (or hard-link) one file; a file already there (a shared system JSON) is kept."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        return
    if link:
        try:
            os.link(source, target)
            return
        except OSError:
            pass
    shutil.copyfile(source, target)


def rebuild_inference_trees(
    dest: Path,
    rounds: Sequence[str] = ("v4.1", "v5.1"),
    orgs: Iterable[str] | None = None,
    *,
    corpus: Path = CORPUS,
    link: bool = False,
) -> list[InferenceCase]:
    """Copy the corpus's inference files of ``rounds`` to ``dest/<round>/<path in repo>``.

    ``orgs`` keeps only those submitters (folder names). ``link`` hard-links instead of
    copying (never write into such a tree other than through this module's mutators). The
    official checker logs committed under ``<org>/results/`` are left out: they speak of
    systems that are not in the corpus (read them with ``parse_checker_log``).
    """
    wanted_orgs = set(orgs) if orgs is not None else None
    grouped: dict[tuple[str, ...], set[str]] = {}
    systems: dict[tuple[str, str, str, str], str] = {}
    for row in manifest_rows(corpus):
        if not row["local_path"].startswith("inference/") or row["round"] not in rounds:
            continue
        parts = row["path_in_repo"].split("/")
        if row["kind"] == "official_submission_checker_log":
            continue
        if wanted_orgs is not None and parts[1] not in wanted_orgs:
            continue
        target = Path(dest) / row["round"] / row["path_in_repo"]
        _place(corpus / row["local_path"], target, link)
        key = _case_key(row)
        if key is not None:
            grouped.setdefault(key, set()).add(row["path_in_repo"])
        elif parts[2] == "systems":
            systems[(row["round"], parts[0], parts[1], parts[3].removesuffix(".json"))] = row[
                "path_in_repo"
            ]
    cases = []
    for key in sorted(grouped):
        round_name, division, org, system, model, scenario = key
        described = systems.get((round_name, division, org, system))
        files = grouped[key] | ({described} if described else set())
        case = InferenceCase(
            round_name,
            division,
            org,
            system,
            model,
            scenario,
            Path(dest) / round_name,
            frozenset(files),
            {},
        )
        absent = {path: _gap(case, path) for path in _expected(case) if path not in case.files}
        cases.append(dataclasses.replace(case, absent=absent))
    return cases


def _renamed(path: str, old: str, new: str) -> str:
    """A case's path with its system renamed (folder, system JSON, measurement JSON)."""
    parts = path.split("/")
    if parts[2] == "systems":
        parts[3] = f"{new}.json"
    elif parts[3] == old:
        parts[3] = new
        if parts[2] == "measurements" and len(parts) == 7 and parts[6].startswith(old):
            parts[6] = new + parts[6][len(old) :]
    return "/".join(parts)


def copy_case(
    case: InferenceCase, dest_root: Path, system: str | None = None, *, link: bool = False
) -> InferenceCase:
    """Copy a case's files into the tree at ``dest_root``, under the system name ``system``.

    The system folders, ``systems/<system>.json`` and a measurement JSON named after the system
    are renamed; file contents are not changed.
    """
    new = system or case.system
    files = set()
    for path in case.files:
        target = _renamed(path, case.system, new)
        _place(case.root / path, Path(dest_root) / target, link)
        files.add(target)
    absent = {_renamed(path, case.system, new): why for path, why in case.absent.items()}
    return dataclasses.replace(
        case, system=new, root=Path(dest_root), files=frozenset(files), absent=absent
    )


_CHECKER_LINE = re.compile(
    r"^\[(?P<stamp>[^\]]*?) (?P<where>\S+:\d+) (?P<level>[A-Z]+)\] ?(?P<message>.*)$"
)
_COUNTS = re.compile(r"^[A-Za-z][A-Za-z ]*=\d+(?:, [A-Za-z][A-Za-z ]*=\d+)*$")


def _number(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def parse_checker_log(path: Path) -> dict[str, Any]:
    """What an official submission checker log says.

    Returns ``results`` (result path -> the value of its ``Results <path> <value>`` line, a
    float where it is a number), ``no_results`` (paths of ``NoResults <path>`` lines),
    ``errors`` and ``warnings`` (messages logged at ERROR / WARNING), ``counts`` (``Results=3,
    NoResults=0, ...`` lines: name -> number), ``summary`` (the text after ``SUMMARY:``, one of
    ``CHECKER_VERDICTS``, or None) and ``passed`` (whether it is "submission looks OK").
    """
    found: dict[str, Any] = {
        "results": {},
        "no_results": [],
        "errors": [],
        "warnings": [],
        "counts": {},
    }
    summary = None
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        match = _CHECKER_LINE.match(line)
        if not match:
            continue
        level, message = match["level"], match["message"].strip()
        if level == "ERROR":
            found["errors"].append(message)
        elif level == "WARNING":
            found["warnings"].append(message)
        words = message.split()
        if len(words) == 3 and words[0] == "Results":
            found["results"][words[1]] = _number(words[2])
        elif len(words) >= 2 and words[0] == "NoResults":
            found["no_results"].append(words[1])
        elif message.startswith("SUMMARY:"):
            summary = message.removeprefix("SUMMARY:").strip()
        elif _COUNTS.match(message):
            for pair in message.split(", "):
                name, value = pair.split("=")
                found["counts"][name] = int(value)
    found["summary"] = summary
    found["passed"] = None if summary is None else summary == CHECKER_VERDICTS[0]
    return found


# ---------------------------------------------------------------------------
# LoadGen runs for built trees

QSL_SAMPLES = 256  # QSL size and performance count of every run: the accuracy run answers
# every sample a performance run can issue, so TEST01 can match them all.
RUN_KINDS = ("performance", "accuracy", "TEST01", "TEST04", "TEST05", "TEST06")
COMPARED_KINDS = ("TEST01", "TEST04", "TEST05")  # scored against the performance run
AUDIT_CONFIG_NAME = "no-audit-config-here.config"  # the file name the harness passes to LoadGen
# The compliance tests' audit.config (mlcommons/inference compliance/TESTxx), small targets.
AUDIT_CONFIGS = {
    "TEST01": "*.*.mode = 2\n*.*.accuracy_log_rng_seed = 720381539243781796\n"
    "*.*.accuracy_log_sampling_target = 64\n",
    "TEST04": "*.*.mode = 2\n*.*.performance_issue_unique = 0\n*.*.performance_issue_same = 1\n"
    "*.*.performance_issue_same_index = 3\n",
    "TEST05": "*.*.mode = 2\n*.*.test05 = 1\n",
    "TEST06": "*.*.mode = 2\n*.*.accuracy_log_rng_seed = 720381539243781796\n"
    "*.*.accuracy_log_sampling_target = 100\n*.*.min_query_count = 100\n*.*.min_duration = 0\n"
    "*.*.sample_concatenate_permutation = 0\n",
}
VALID = {"result_validity": "VALID"}
LOADGEN_SCENARIO = {"Interactive": "Server"}  # folder scenario -> the scenario LoadGen runs


@dataclass(frozen=True, order=True)
class RunKey:
    scenario: str  # a LoadGen scenario
    kind: str  # one of RUN_KINDS
    tokens: bool = False  # an LLM run (use_token_latencies, tokens in every response)

    def __post_init__(self) -> None:
        if self.kind not in RUN_KINDS:
            raise ValueError(f"unknown run kind {self.kind!r}; one of {', '.join(RUN_KINDS)}")


def run_case(key: RunKey) -> Case:
    """The harness run behind a key, and what LoadGen must say of it (retried otherwise)."""
    name = key.scenario.lower()
    mode = "accuracy" if key.kind == "accuracy" else "performance"
    if key.tokens and mode == "performance" and key.scenario in ("Server", "Offline"):
        spec = HARNESS_CASES[f"{name}_tokens"].spec
    else:
        spec = HARNESS_CASES[f"{name}_{'accuracy' if mode == 'accuracy' else 'perf'}"].spec
        if key.tokens:
            extra = {"use_token_latencies": True} if mode == "performance" else {}
            spec = dataclasses.replace(spec, sut="llm", settings={**spec.settings, **extra})
    spec = dataclasses.replace(spec, qsl_total=QSL_SAMPLES, qsl_performance=QSL_SAMPLES)
    expect = VALID if key.kind in ("performance", *COMPARED_KINDS) else {}
    return Case(spec, f"{key.kind} run of a built tree", expect)


class TreeRuns:
    """LoadGen runs made on demand in ``base``, at most once per key (and retries)."""

    def __init__(self, base: Path, retries: int = 2):
        self.base = Path(base)
        self.retries = retries
        self.folders: dict[RunKey, Path] = {}
        self.started = 0  # how many LoadGen processes were started

    def __getitem__(self, key: RunKey) -> Path:
        return self.folders[key]

    def _start(self, key: RunKey) -> PendingRun:
        self.started += 1
        folder = (
            self.base / f"{key.scenario}-{key.kind}{'-tokens' if key.tokens else ''}-{self.started}"
        )
        folder.mkdir(parents=True)
        if key.kind in AUDIT_CONFIGS:
            (folder / AUDIT_CONFIG_NAME).write_text(AUDIT_CONFIGS[key.kind], encoding="utf-8")
        return PendingRun(run_case(key).spec, folder, 90.0)

    def _run(self, keys: Iterable[RunKey]) -> None:
        pending = {key: self._start(key) for key in keys}
        for key, run in pending.items():
            self.folders[key] = run.wait()

    def ensure(self, keys: Iterable[RunKey]) -> None:
        """Make the missing runs side by side; make a group again while LoadGen or a
        TEST01/TEST04/TEST05 performance verdict says it failed."""
        missing = set(keys) - set(self.folders)
        self._run(sorted(missing))
        for _ in range(self.retries):
            again = {key for key in missing if unmet(run_case(key), self.folders[key])}
            for key in missing:
                if key.kind in COMPARED_KINDS and not self._verdict_passes(key):
                    again |= self._group(key)
            if not again:
                return
            self._run(sorted(again))
            missing |= again

    def _group(self, key: RunKey) -> set[RunKey]:
        """A scenario's performance run and the compliance runs compared with it."""
        return {
            k
            for k in self.folders
            if (k.scenario, k.tokens) == (key.scenario, key.tokens)
            and k.kind in ("performance", *COMPARED_KINDS)
        }

    def _verdict_passes(self, key: RunKey) -> bool:
        reference = self.folders.get(RunKey(key.scenario, "performance", key.tokens))
        if reference is None:
            return True
        return VERIFY_PERFORMANCE[key.kind](reference, self.folders[key], key.scenario)[1]


_SESSION_RUNS: list[TreeRuns] = []


def tree_runs(tmp_path_factory: Any = None) -> TreeRuns:
    """The session's runs: in pytest's temporary folder when given its ``tmp_path_factory``,
    else in a temporary folder removed at exit."""
    if not _SESSION_RUNS:
        if tmp_path_factory is not None:
            base = Path(tmp_path_factory.mktemp("inference-tree-runs"))
        else:
            base = Path(tempfile.mkdtemp(prefix="inference-tree-runs-"))
            atexit.register(shutil.rmtree, base, True)
        _SESSION_RUNS.append(TreeRuns(base))
    return _SESSION_RUNS[0]


# ---------------------------------------------------------------------------
# What the compliance scripts and the truncation tool write


def _summary_values(folder: Path) -> dict[str, str]:
    """``key : value`` lines of a summary (separators vary: split at the first colon)."""
    found: dict[str, str] = {}
    for line in (folder / SUMMARY).read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            found.setdefault(key.strip(" *"), value.strip())
    return found


DETAIL_SCORE = {
    "SingleStream": "early_stopping_latency_ss",
    "MultiStream": "early_stopping_latency_ms",
    "Server": "result_completed_samples_per_sec",
    "Offline": "result_samples_per_second",
}
SUMMARY_SCORE = {
    "SingleStream": "Early stopping 90.0th percentile estimate",
    "MultiStream": "Early stopping 99.0th percentile estimate",
    "Server": "Completed samples per second",
    "Offline": "Samples per second",
}
FAST_LATENCY_NS = {"SingleStream": 200_000, "MultiStream": 1_600_000}  # window 20 % at or below


def _window(scenario: str, latency_ns: float, normal: float = 0.10) -> float:
    return 0.20 if latency_ns <= FAST_LATENCY_NS.get(scenario, -1) else normal


def _verdict(passed: bool) -> str:
    return "TEST PASS" if passed else "TEST FAIL"


def _summary_scores(reference: Path, test: Path, scenario: str) -> tuple[str, str, bool]:
    """Both runs' headline scores as their summaries print them; whether neither is INVALID."""
    ref_text, got_text = _summary_values(reference), _summary_values(test)
    key = SUMMARY_SCORE[scenario]
    valid = "INVALID" not in (ref_text.get("Result is"), got_text.get("Result is"))
    return ref_text[key], got_text[key], valid


def _performance_text(ref: Any, got: Any, passed: bool, capital: bool = False) -> str:
    ref_name, got_name = (
        ("Reference score", "Test score") if capital else ("reference score", "test score")
    )
    return f"Verifying performance.\n{ref_name} = {ref}\n{got_name} = {got}\n{_verdict(passed)}\n"


def verify_test01_performance(
    reference: Path, test: Path, scenario: str, round_name: str = "5.1"
) -> tuple[str, bool]:
    """TEST01's verify_performance.txt: the scores within the window both ways; shown from the
    detail logs from round 5.0 on, as the summaries print them before."""
    ref_log, test_log = logged_values(reference), logged_values(test)
    ref, got = ref_log[DETAIL_SCORE[scenario]], test_log[DETAIL_SCORE[scenario]]
    valid = ref_log.get("result_validity") == test_log.get("result_validity") == "VALID"
    passed = valid and ref > 0 and abs(got - ref) <= _window(scenario, ref) * ref
    if _major(round_name) >= 5:
        return _performance_text(float(ref), float(got), passed, capital=True), passed
    ref_shown, got_shown, _ = _summary_scores(reference, test, scenario)
    return _performance_text(ref_shown, got_shown, passed), passed


def verify_test04_performance(reference: Path, test: Path, scenario: str) -> tuple[str, bool]:
    """TEST04's verify_performance.txt: summary scores; the test run may not be faster than
    the reference by more than the window (latencies are turned into queries per second)."""
    ref_raw, got_raw, valid = _summary_scores(reference, test, scenario)
    ref: Any = ref_raw
    got: Any = got_raw
    window = 0.10
    if scenario in FAST_LATENCY_NS:
        window = _window(scenario, float(ref_raw))
        ref, got = 1e9 / float(ref_raw), 1e9 / float(got_raw)
    passed = valid and float(got) < float(ref) * (1 + window)
    return _performance_text(ref, got, passed), passed


def verify_test05_performance(reference: Path, test: Path, scenario: str) -> tuple[str, bool]:
    """TEST05's verify_performance.txt (rounds before 5.0): the run with the second seed set
    may not be slower than the reference by more than the window (summary scores)."""
    ref_raw, got_raw, valid = _summary_scores(reference, test, scenario)
    ref, got = float(ref_raw), float(got_raw)
    if scenario in FAST_LATENCY_NS:
        passed = got < ref * (1 + _window(scenario, ref, 0.05))
    else:
        passed = got > ref * (1 - 0.05)
    return _performance_text(ref_raw, got_raw, valid and passed), valid and passed


VERIFY_PERFORMANCE = {
    "TEST01": verify_test01_performance,
    "TEST04": verify_test04_performance,
    "TEST05": verify_test05_performance,
}


def _entries(accuracy_json: Path) -> list[dict[str, Any]]:
    data = json.loads(accuracy_json.read_text(encoding="utf-8"))
    return data if isinstance(data, list) else []


def verify_test01_accuracy(accuracy_run: Path, test_run: Path) -> tuple[str, bool]:
    """TEST01's verify_accuracy.txt: responses logged in performance mode against the accuracy
    run's, sample by sample."""
    reference: dict[int, str] = {}
    duplicates = acc_mismatch = 0
    acc = _entries(accuracy_run / ACCURACY_JSON)
    for entry in acc:
        if entry["qsl_idx"] in reference:
            duplicates += 1
            acc_mismatch += reference[entry["qsl_idx"]] != entry["data"]
        else:
            reference[entry["qsl_idx"]] = entry["data"]
    perf = _entries(test_run / ACCURACY_JSON)
    matched = [e for e in perf if e["qsl_idx"] in reference]
    mismatch = sum(reference[e["qsl_idx"]] != e["data"] for e in matched)
    counts = {
        "num_acc_log_entries": len(acc),
        "num_acc_log_duplicate_keys": duplicates,
        "num_acc_log_data_mismatch": acc_mismatch,
        "num_perf_log_entries": len(perf),
        "num_perf_log_qsl_idx_match": len(matched),
        "num_perf_log_data_mismatch": mismatch,
        "num_missing_qsl_idxs": len(perf) - len(matched),
    }
    head = "Verifying accuracy. This might take a while...\nReading accuracy mode results...\n"
    body = "Reading performance mode results...\n" + "".join(
        f"{k} = {v}\n" for k, v in counts.items()
    )
    return f"{head}{body}{_verdict(mismatch == 0)}\n\n", mismatch == 0


EOS_TOKEN = 2  # Llama's end-of-sequence id


def _int32s(hex_data: str) -> list[int]:
    raw = bytes.fromhex(hex_data)
    return [int.from_bytes(raw[i : i + 4], "little") for i in range(0, len(raw), 4)]


def verify_test06_accuracy(test_run: Path, scenario: str) -> tuple[str, bool]:
    """TEST06's verify_accuracy.txt from the run's logged token responses."""
    entries = _entries(test_run / ACCURACY_JSON)
    tokens = [_int32s(e["data"]) for e in entries]
    first = "Skipped"
    if scenario != "Offline":
        first = str(all(e.get("token_data", "")[:8] == e["data"][:8] for e in entries))
    eos = all(not (len(t) > 1 and t[-1] == t[-2] == EOS_TOKEN) for t in tokens)
    length = all(len(t) == e.get("token_count") for t, e in zip(tokens, entries, strict=True))
    text = f"First token check pass: {first}\nEOS check pass: {eos}\n"
    text += f"Sample length check pass: {length}\nTEST06 verification complete\n"
    return text, bool(entries) and first != "False" and eos and length


MAX_ACCURACY_LOG_SIZE = 10 * 1024
VIEWABLE_SIZE = 4096


def truncated_accuracy_log(data: str) -> str:
    """The accuracy log as truncate_accuracy_log.py leaves it (unchanged up to 10 KiB)."""
    if len(data) <= MAX_ACCURACY_LOG_SIZE:
        return data
    return data[:VIEWABLE_SIZE] + "\n\n...\n\n" + data[-VIEWABLE_SIZE:]


def _hash_line(data: bytes, round_name: str) -> str:
    """The line truncate_accuracy_log.py appends (after an empty line from round 5.0 on)."""
    digest = hashlib.sha256(data).hexdigest()
    return f"\nhash={digest}\n" if _major(round_name) >= 5 else f"hash={digest}\n"


def _major(round_name: str) -> int:
    return int(round_name.strip().lstrip("vV").split(".")[0])


# ---------------------------------------------------------------------------
# Built trees


@dataclass(frozen=True)
class ModelFamily:
    accuracy: str  # what the model's official accuracy script prints (real published values)
    tests: tuple[str, ...]  # compliance tests
    tokens: bool = False  # an LLM: token latencies and TEST06
    test05: bool = False  # TEST05 too, in rounds before 5.0


def _llm_results(values: str) -> str:
    return f"\nResults\n\n{values}\n"


# Looked up by the longest prefix of the model folder name.
MODEL_FAMILIES = {
    "resnet": ModelFamily(
        "accuracy=76.456%, good=38228, total=50000\n", ("TEST01", "TEST04"), test05=True
    ),
    "retinanet": ModelFamily("mAP=37.360%\n", ("TEST01",), test05=True),
    "bert": ModelFamily(
        '{"exact_match": 83.70860927152317, "f1": 90.88232621193973}\n', ("TEST01",), test05=True
    ),
    "3d-unet": ModelFamily(
        "Accuracy: mean = 0.86112, kidney = 0.9346, tumor = 0.7877\n", ("TEST01",), test05=True
    ),
    "rgat": ModelFamily("accuracy=72.879%, good=574565, total=788379\n", ("TEST01",)),
    "whisper": ModelFamily(
        "Word Error Rate: 2.114237323615327%, accuracy=97.88576267638467%\n", ("TEST01",)
    ),
    "dlrm": ModelFamily("AUC=80.23785974349185\n", ("TEST01",), test05=True),
    "stable-diffusion-xl": ModelFamily(
        "Accuracy Results: {'FID_SCORE': 23.454395533934246, 'CLIP_SCORE': 31.78304835319519}\n",
        ("TEST01", "TEST04"),
    ),
    "llama2-70b": ModelFamily(
        _llm_results(
            "{'rouge1': 44.4542, 'rouge2': 22.0419, 'rougeL': 28.6112, 'rougeLsum': 42.0341, "
            "'gen_len': 29579723, 'gen_num': 24576, 'gen_tok_len': 7399913, "
            "'tokens_per_sample': 301.1}"
        ),
        ("TEST06",),
        True,
    ),
    "mixtral-8x7b": ModelFamily(
        _llm_results(
            "{'rouge1': 45.3559, 'rouge2': 23.1822, 'rougeL': 30.2796, 'rougeLsum': 42.3862, "
            "'gsm8k': 73.76, 'mbxp': 59.88, 'gen_len': 4236707, 'gen_num': 15000, "
            "'gen_tok_len': 2179982, 'tokens_per_sample': 145.3}"
        ),
        ("TEST06",),
        True,
    ),
    "llama3.1-405b": ModelFamily(
        _llm_results(
            "{'exact_match': 90.12373593646589, 'rougeL': 21.99988555540795, 'gen_len': 23124950, "
            "'gen_num': 8313, 'gen_tok_len': 5416294, 'tokens_per_sample': 651.5}"
        ),
        ("TEST06",),
        True,
    ),
    "llama3.1-8b": ModelFamily(
        _llm_results(
            "{'rouge1': '38.837', 'rouge2': '16.1464', 'rougeL': '24.5684', "
            "'rougeLsum': '36.0051', 'gen_len': 3052101, 'gen_num': 5000}"
        ),
        ("TEST06",),
        True,
    ),
    "deepseek-r1": ModelFamily(
        _llm_results(
            "{'exact_match': 81.24430264357338, 'tokens_per_sample': 3692.70031905196, "
            "'num-samples': 4388}"
        ),
        ("TEST06",),
        True,
    ),
    "gptj": ModelFamily(
        _llm_results(
            "{'rouge1': 43.082, 'rouge2': 20.1511, 'rougeL': 29.9707, 'rougeLsum': 40.2546, "
            "'gen_len': 4113914, 'gen_num': 13368}"
        ),
        (),
        True,
    ),
}


def model_family(model: str) -> ModelFamily:
    for prefix in sorted(MODEL_FAMILIES, key=len, reverse=True):
        if model.startswith(prefix):
            return MODEL_FAMILIES[prefix]
    raise ValueError(f"no accuracy format for model {model!r}; known: {', '.join(MODEL_FAMILIES)}")


# reference/inference.md section 3.4 (SYSTEM_DESC_REQUIRED_FIELDS).
SYSTEM_DESC_REQUIRED_FIELDS = (
    "division", "submitter", "status", "system_name", "number_of_nodes",
    "host_processor_model_name", "host_processors_per_node", "host_processor_core_count",
    "host_memory_capacity", "host_storage_capacity", "host_storage_type", "accelerators_per_node",
    "accelerator_model_name", "accelerator_memory_capacity", "framework", "operating_system",
    "system_type", "other_software_stack", "host_processor_frequency", "host_processor_caches",
    "host_memory_configuration", "host_processor_interconnect", "host_networking",
    "host_networking_topology", "accelerator_frequency", "accelerator_host_interconnect",
    "accelerator_interconnect", "accelerator_interconnect_topology",
    "accelerator_memory_configuration", "accelerator_on-chip_memories", "cooling", "hw_notes",
    "sw_notes", "host_network_card_count", "system_type_detail",
)  # fmt: skip


def system_description(
    org: str,
    system: str,
    division: str = "closed",
    system_type: str = "edge",
    status: str = "available",
) -> dict[str, Any]:
    """A complete system description: every required field present and non-empty."""
    return {
        "division": division,
        "submitter": org,
        "status": status,
        "system_name": f"{system} (1x Example Accelerator, LoadGen test harness)",
        "number_of_nodes": 1,
        "host_processor_model_name": "Example CPU 16-Core Processor",
        "host_processors_per_node": 1,
        "host_processor_core_count": 16,
        "host_memory_capacity": "64 GB",
        "host_storage_capacity": "1 TB",
        "host_storage_type": "NVMe SSD",
        "accelerators_per_node": 1,
        "accelerator_model_name": "Example Accelerator 16GB",
        "accelerator_memory_capacity": "16 GB",
        "framework": "mlcommons-loadgen 6.0.17 (Python harness)",
        "operating_system": "Ubuntu 24.04 LTS",
        "system_type": system_type,
        "other_software_stack": "Python 3.11",
        "host_processor_frequency": "2.0 GHz",
        "host_processor_caches": "L2: 16 MiB, L3: 32 MiB",
        "host_memory_configuration": "2x 32 GB DDR5",
        "host_processor_interconnect": "N/A",
        "host_networking": "1 GbE",
        "host_networking_topology": "N/A",
        "accelerator_frequency": "1.5 GHz",
        "accelerator_host_interconnect": "PCIe Gen4 x16",
        "accelerator_interconnect": "N/A",
        "accelerator_interconnect_topology": "N/A",
        "accelerator_memory_configuration": "GDDR6",
        "accelerator_on-chip_memories": "32 MB SRAM",
        "cooling": "Air-cooled",
        "hw_notes": "Synthetic system for tests.",
        "sw_notes": "Short LoadGen runs with a Python echo SUT.",
        "host_network_card_count": "1",
        "system_type_detail": "N/A",
    }


MEASUREMENT_FIELDS = {
    "input_data_types": "fp32",
    "retraining": "No",
    "starting_weights_filename": "model.onnx",
    "weight_data_types": "int8",
    "weight_transformations": "quantization",
}
# TestSettings attribute -> user.conf key (value divided by the factor).
_USER_CONF = {
    "min_duration_ms": ("min_duration", 1),
    "min_query_count": ("min_query_count", 1),
    "server_target_qps": ("target_qps", 1),
    "offline_expected_qps": ("target_qps", 1),
    "server_target_latency_ns": ("target_latency", 1_000_000),
    "multi_stream_expected_latency_ns": ("target_latency", 1_000_000),
    "multi_stream_samples_per_query": ("samples_per_query", 1),
}


def _user_conf(model: str, scenario: str, spec: RunSpec) -> str:
    lines = [f"{model}.{scenario}.performance_sample_count_override = {spec.qsl_performance}"]
    for name, value in spec.settings.items():
        if name in _USER_CONF:
            key, factor = _USER_CONF[name]
            lines.append(f"{model}.{scenario}.{key} = {value / factor if factor > 1 else value}")
    return "\n".join(lines) + "\n"


def _mlperf_conf(round_name: str) -> str:
    from compliance.rulebook.inference import load_inference_rulebook

    book = load_inference_rulebook(round_name)
    lines = [
        f"# The round {book.round} settings LoadGen's own mlperf.conf carries (seeds, duration)."
    ]
    lines += [f"*.*.{name} = {seed.value}" for name, seed in book.seeds.items()]
    lines.append("*.*.min_duration = 600000")
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def _copy_run(run: Path, dest: Path, names: Sequence[str] = (SUMMARY, DETAIL)) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(run / name, dest / name)


def _copy_accuracy_log(run: Path, dest: Path, accuracy_text: str, round_name: str) -> None:
    """accuracy/ as truncate_accuracy_log.py leaves it: truncated log, hash line appended."""
    raw = (run / ACCURACY_JSON).read_bytes()
    _write(dest / ACCURACY_JSON, truncated_accuracy_log(raw.decode("utf-8")))
    _write(dest / "accuracy.txt", accuracy_text + _hash_line(raw, round_name))


def needed_runs(
    results: Mapping[str, Sequence[str]],
    round_name: str = "5.1",
    with_compliance: bool = True,
    compliance_tests: Mapping[str, Sequence[str]] | None = None,
) -> set[RunKey]:
    """The LoadGen runs a tree with these results needs (the arguments of
    ``build_inference_tree``)."""
    keys = set()
    for model, scenarios in results.items():
        family = model_family(model)
        tests = _tests(model, family, round_name, with_compliance, compliance_tests)
        for scenario in scenarios:
            lg = LOADGEN_SCENARIO.get(scenario, scenario)
            keys |= {
                RunKey(lg, kind, family.tokens) for kind in ("performance", "accuracy", *tests)
            }
    return keys


def _tests(
    model: str,
    family: ModelFamily,
    round_name: str,
    with_compliance: bool,
    chosen: Mapping[str, Sequence[str]] | None,
) -> tuple[str, ...]:
    """The compliance tests of a model: chosen by the caller, else its family's."""
    if not with_compliance:
        return ()
    if chosen and model in chosen:
        return tuple(chosen[model])
    return (*family.tests, "TEST05") if family.test05 and _major(round_name) < 5 else family.tests


def layout_of(round_name: str) -> str:
    """'v6' (compliance and measurements inside the results folder, src/) from round 6.0 on."""
    return "v6" if _major(round_name) >= 6 else "v5"


def build_inference_tree(
    root: Path,
    *,
    round: str = "5.1",  # noqa: A002 - the name the callers use
    division: str = "closed",
    org: str = "ACME",
    system: str = "sysA",
    results: Mapping[str, Sequence[str]] | None = None,
    layout: str | None = None,
    system_type: str = "edge",
    system_json: Mapping[str, Any] | None = None,
    with_compliance: bool = True,
    measurements: bool = True,
    compliance_tests: Mapping[str, Sequence[str]] | None = None,
    runs: TreeRuns | None = None,
) -> Path:
    """Add one system's results to the submission tree at ``root`` and return ``root``.

    ``results`` maps model folder names to scenario folder names (default ResNet-50's edge
    scenarios). ``layout`` defaults to the round's. ``system_json`` replaces the generated
    description (``system_description`` with ``system_type``). ``compliance_tests`` overrides
    the tests per model (default ``MODEL_FAMILIES``). ``runs`` defaults to ``tree_runs()``;
    pass ``tree_runs(tmp_path_factory)`` in tests. See the module text for what a built tree
    is expected to break.
    """
    results = results or {"resnet50": ["SingleStream", "MultiStream", "Offline"]}
    layout = layout or layout_of(round)
    if layout not in ("v5", "v6"):
        raise ValueError(f"layout is 'v5' or 'v6', not {layout!r}")
    runs = runs or tree_runs()
    runs.ensure(needed_runs(results, round, with_compliance, compliance_tests))
    org_dir = Path(root) / division / org
    if system_json is None:
        system_json = system_description(org, system, division, system_type)
    _write(org_dir / "systems" / f"{system}.json", json.dumps(dict(system_json), indent=4) + "\n")
    for model, scenarios in results.items():
        family = model_family(model)
        code = org_dir / ("src" if layout == "v6" else f"code/{model}") / "README.md"
        _write(code, f"# {model}\n\nThe SUT is tests/support/loadgen_harness.py (a Python echo SUT).\n")
        tests = _tests(model, family, round, with_compliance, compliance_tests)
        for scenario in scenarios:
            place = _Place(org_dir, system, model, scenario, layout, round, family)
            place.write_results(runs)
            for test in tests:
                place.write_test(test, runs)
            if measurements:
                place.write_measurements()
    return Path(root)


@dataclass(frozen=True)
class _Place:
    """Where one scenario result of a built tree goes, and how it is written."""

    org_dir: Path
    system: str
    model: str
    scenario: str  # the folder name
    layout: str
    round: str
    family: ModelFamily

    def key(self, kind: str) -> RunKey:
        return RunKey(LOADGEN_SCENARIO.get(self.scenario, self.scenario), kind, self.family.tokens)

    @property
    def result(self) -> Path:
        return self.org_dir / "results" / self.system / self.model / self.scenario

    def _beside(self, part: str) -> Path:
        """compliance/ or measurements/: in the result from v6.0, beside results/ before."""
        if self.layout == "v6":
            return self.result
        return self.org_dir / part / self.system / self.model / self.scenario

    def write_results(self, runs: TreeRuns) -> None:
        _copy_run(
            runs[self.key("performance")], self.result / PERF_RUN, (SUMMARY, DETAIL, ACCURACY_JSON)
        )
        accuracy = runs[self.key("accuracy")]
        _copy_run(accuracy, self.result / "accuracy")
        _copy_accuracy_log(accuracy, self.result / "accuracy", self.family.accuracy, self.round)

    def write_test(self, test: str, runs: TreeRuns) -> None:
        folder = self._beside("compliance") / test
        run, reference = runs[self.key(test)], runs[self.key("performance")]
        scenario = self.key(test).scenario
        if test == "TEST06":
            _write(folder / "verify_accuracy.txt", verify_test06_accuracy(run, scenario)[0])
            return
        _copy_run(run, folder / PERF_RUN)
        if test == "TEST01":
            _copy_accuracy_log(run, folder / "accuracy", "", self.round)
            accuracy = verify_test01_accuracy(runs[self.key("accuracy")], run)[0]
            _write(folder / "verify_accuracy.txt", accuracy)
            performance = verify_test01_performance(reference, run, scenario, self.round)[0]
        else:
            performance = VERIFY_PERFORMANCE[test](reference, run, scenario)[0]
        _write(folder / "verify_performance.txt", performance)

    def write_measurements(self) -> None:
        where = self._beside("measurements")
        name = "measurements.json" if self.layout == "v6" else f"{self.system}_{self.scenario}.json"
        fields = {**MEASUREMENT_FIELDS, "starting_weights_filename": f"{self.model}.onnx"}
        _write(where / name, json.dumps(fields, indent=4) + "\n")
        readme = "Run tests/support/loadgen_harness.py with the settings in user.conf."
        _write(where / "README.md", f"# {self.model} {self.scenario}\n\n{readme}\n")
        spec = run_case(self.key("performance")).spec
        _write(where / "user.conf", _user_conf(self.model, self.scenario, spec))
        _write(where / "mlperf.conf", _mlperf_conf(self.round))
        if self.layout == "v6":
            calibration = self.org_dir / "documentation" / "calibration.md"
        else:
            calibration = where / "calibration.md"
        _write(calibration, "# Calibration\n\nNo calibration: the echo SUT has no weights.\n")


# ---------------------------------------------------------------------------
# Mutators: one small change each, made by replacing files (hard links stay intact)


def _replace(path: Path, data: bytes) -> Path:
    scratch = path.with_name(f".{path.name}.mutating")
    scratch.write_bytes(data)
    os.replace(scratch, path)
    return path


def scenario_dirs(root: Path, model: str, scenario: str, system: str = "*") -> list[Path]:
    """A result's folders: results/, and in the v5 layout compliance/ and measurements/."""
    found = []
    for part in ("results", "compliance", "measurements"):
        found += [
            p for p in Path(root).glob(f"*/*/{part}/{system}/{model}/{scenario}") if p.is_dir()
        ]
    return sorted(found)


def result_dir(root: Path, model: str, scenario: str, system: str = "*") -> Path:
    (found,) = [p for p in scenario_dirs(root, model, scenario, system) if p.parts[-4] == "results"]
    return found


def remove_file(root: Path, relpath: str) -> Path:
    target = Path(root) / relpath
    target.unlink()
    return target


def lowercase_scenario(root: Path, model: str, scenario: str, system: str = "*") -> list[Path]:
    """Rename the result's scenario folders to lower case (as some real submissions have them)."""
    renamed = []
    for folder in scenario_dirs(root, model, scenario, system):
        renamed.append(folder.rename(folder.with_name(folder.name.lower())))
    return renamed


def drop_system_json(root: Path, system: str) -> list[Path]:
    dropped = sorted(Path(root).glob(f"*/*/systems/{system}.json"))
    for path in dropped:
        path.unlink()
    return dropped


def drop_scenario(root: Path, model: str, scenario: str, system: str = "*") -> list[Path]:
    """Remove every folder of one scenario result (e.g. a required scenario)."""
    dropped = scenario_dirs(root, model, scenario, system)
    for folder in dropped:
        shutil.rmtree(folder)
    return dropped


def corrupt_detail_line(detail: Path, containing: str = '"result_validity"') -> Path:
    """Cut the first MLLOG record containing ``containing`` in half (invalid JSON)."""
    path = Path(detail) / DETAIL if Path(detail).is_dir() else Path(detail)
    lines = path.read_bytes().split(b"\n")
    index = next(i for i, line in enumerate(lines) if containing.encode() in line)
    lines[index] = lines[index][: len(lines[index]) // 2]
    return _replace(path, b"\n".join(lines))


def add_bom(path: Path) -> Path:
    """Put a UTF-8 byte order mark before a file's first byte."""
    path = Path(path)
    return _replace(path, b"\xef\xbb\xbf" + path.read_bytes())


def set_compliance_verdict(
    root: Path,
    verdict: str = "TEST PASS",
    test: str = "TEST01",
    name: str = "verify_performance.txt",
) -> list[Path]:
    """Write ``verdict`` over the TEST PASS/TEST FAIL line of every ``<test>/<name>``."""
    changed = []
    for path in sorted(Path(root).rglob(f"{test}/{name}")):
        text = re.sub(r"^TEST (PASS|FAIL)$", verdict, path.read_text(encoding="utf-8"), flags=re.M)
        changed.append(_replace(path, text.encode("utf-8")))
    return changed
