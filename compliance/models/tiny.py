"""What an MLPerf Tiny submission holds, as read from its files (``compliance.parsers.tiny``).

A Tiny result is one benchmark on one system (``results/<system>/<benchmark>/``) with a folder
per runner mode (``performance``, ``accuracy``, ``energy``); each mode's ``results.txt`` is the
runner's summary: the measured windows (EEMBC EnergyRunner) or trials (MLCommons runner), the
median the result is, the accuracy, or for streaming wakeword the detection counts.
"""

from __future__ import annotations

from compliance.records import field, recordclass

MODES = ("performance", "accuracy", "energy")
EEMBC = "eembc"  # the EEMBC EnergyRunner (an EEMBC_RUNNER marker file)
MLC = "mlc"  # the MLCommons runner


def median(values: list[float]) -> float:
    """The median of the windows' values, as the runners take it."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


@recordclass(slots=True)
class Window:
    """One measured window (EEMBC) or trial (MLCommons runner) of a results file."""

    kind: str  # "performance" or "energy": energy files hold both
    number: int
    line: int  # where it starts in results.txt (1-based; 0: from results.json)
    inferences: int | None = None
    runtime_s: float | None = None
    throughput: float | None = None  # inferences per second
    energy_uj: float | None = None
    power_mw: float | None = None
    energy_per_inference_uj: float | None = None
    met: bool = False  # the runner printed "Runtime requirements have been met"
    error: str | None = None  # the runner's e-[...] message for this window

    def values(self) -> tuple[object, ...]:
        return (self.kind, self.number, self.inferences, self.runtime_s, self.throughput, self.energy_uj, self.power_mw, self.energy_per_inference_uj, self.met, self.error)


@recordclass(slots=True)
class Reading:
    """A number read from a results file, with the line it is on."""

    value: float
    line: int
    text: str  # the number as written (its decimals tell the printed precision)


@recordclass(slots=True)
class Detections:
    """Streaming wakeword: what the run detected of the 50 wake words."""

    true_positives: int
    false_negatives: int
    false_positives: int
    line: int


@recordclass(slots=True)
class ModeFolder:
    """One mode folder of a result (``performance/``, ``accuracy/``, ``energy/`` or 0.7's ``power/``)."""

    mode: str  # performance, accuracy or energy
    path: str  # as shown
    real: str
    files: dict[str, int] = field(default_factory=dict)  # file name -> size (a mode prefix removed: results.txt)
    names: dict[str, str] = field(default_factory=dict)  # normalised name -> the name as written
    summary_path: str | None = None  # results.txt as shown, when there is one
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path shown, what is wrong with the file)
    windows: list[Window] = field(default_factory=list)  # de-duplicated, in file order
    repeated: int = 0  # windows printed again, identically (a runner's block written twice)
    repeated_lines: int = 0  # lines printed twice in a row, time stamp and all (two log handlers)
    windows_from: str = "results.txt"  # or results.json (MLCommons runner files with only the median)
    median_throughput: Reading | None = None
    median_energy: Reading | None = None
    power_mw: Reading | None = None  # streaming wakeword energy: the trial's average power
    top1: Reading | None = None
    auc: Reading | None = None
    detections: Detections | None = None
    duty_cycle: Reading | None = None
    estimated_throughput: Reading | None = None
    log_model: Reading | None = None  # the model the runner's log says the device ran (its text in ``text``)
    session: str | None = None  # the day the runner's session started (YYYY-MM-DD), from its log
    json_entries: int | None = None  # accuracy: the entries of the MLCommons runner's results.json (one per input)
    log_only: bool = False  # the round's layout has no results.txt and the folder holds the runner's log (0.5)

    def windows_of(self, kind: str) -> list[Window]:
        return [w for w in self.windows if w.kind == kind]

    def windows_file(self) -> str:
        """The file the windows were read from, as shown."""
        if self.windows_from == "results.txt" and self.summary_path:
            return self.summary_path
        return f"{self.path}/{self.names.get(self.windows_from, self.windows_from)}"


@recordclass(slots=True)
class TinyResult:
    """One benchmark of one system: ``<division>/<org>/results/<system>/<benchmark>``."""

    division: str
    org: str
    system: str
    benchmark: str  # the folder's name as written
    path: str
    real: str
    runner: str  # EEMBC or MLC
    marker: str | None = None  # where the EEMBC_RUNNER marker is, as shown
    nested: str | None = None  # an extra folder level between the system and the benchmark (as written)
    runner_seen: str | None = None  # the runner the files show (a marker or its own output), None: they do not tell
    modes: dict[str, ModeFolder] = field(default_factory=dict)
    other_folders: list[str] = field(default_factory=list)  # folders in the result that are no mode


@recordclass(slots=True)
class TinySystem:
    """``systems/<system>.json``."""

    path: str
    name: str
    data: dict[str, object] | None = None
    error: str | None = None
    nested: bool = False  # in a folder of systems/ (systems/<id>/<id>.json), not where the layout puts it


@recordclass(slots=True)
class OrgFolder:
    """One organisation's folder of a division: its systems, results and what its files are like."""

    division: str
    org: str
    path: str
    real: str
    systems: dict[str, TinySystem] = field(default_factory=dict)  # by the file's name without .json
    described: dict[str, TinySystem] = field(default_factory=dict)  # system id -> its description under another name (or in a folder of systems/)
    ambiguous: dict[str, list[TinySystem]] = field(default_factory=dict)  # system id -> the descriptions that fit it equally (none is taken)
    results: list[TinyResult] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # symbolic links, as shown
    large: list[tuple[str, int]] = field(default_factory=list)  # (file, bytes) above the round's size limit
    empty_folders: list[str] = field(default_factory=list)
    cache_folders: list[str] = field(default_factory=list)  # __pycache__
    hidden: list[str] = field(default_factory=list)  # names starting with a dot
    spaced: list[str] = field(default_factory=list)  # names with a space
    unread: list[tuple[str, str]] = field(default_factory=list)  # (folder, why) not listed: too deep, unreadable, too many entries


@recordclass(slots=True)
class TinyTree:
    """A Tiny submission or results repository: the organisations found and what else is at the top."""

    root: str
    display: str
    orgs: list[OrgFolder] = field(default_factory=list)
    other_divisions: list[str] = field(default_factory=list)  # top folders that are no division
