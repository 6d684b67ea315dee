"""The kinds of input mlperf-audit checks, each behind one small protocol.

A kind is one module of this package that defines ``KIND``, a :class:`Kind`: its name (a
:class:`SubjectKind`), the suites it checks, optionally how it recognises its own input
(``claim``), and ``check``, which reads and checks what a :class:`~compliance.detection.resolve.Plan`
names and returns the report (findings, subjects and result rows). The engine settles the rest
the same way for every kind: the report header (how the suite and round were found), the
baseline, what the settings silenced, the findings cap.

``TABLE`` lists the kinds without importing them, so that start-up stays light and ``--suite``
can offer every suite: adding a kind is one module here, its line in ``TABLE``, and its parser.
The Training and Inference kinds are found by :mod:`compliance.detection.resolve` (their inputs
share files and folder names); a kind with a ``claim`` recognises its input before that, and
is asked only when ``--suite`` names one of its suites or no suite is given.
"""

from __future__ import annotations

import enum
from importlib import import_module

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time

if TYPE_CHECKING:
    from collections.abc import Callable

    from compliance.detection.resolve import Plan
    from compliance.models.report import Report
    from compliance.options import AuditOptions
    from compliance.parsers.archive import Unpacked


class SubjectKind(str, enum.Enum):
    """What one check reads. The value is the name used in the report and in ``TABLE``."""

    TRAINING_LOGS = "training_logs"  # loose MLLOG logs, or folders of them outside a submission
    TRAINING_TREE = "training_tree"  # a Training or HPC submission (or results repository)
    LOADGEN_RUNS = "loadgen_runs"  # loose LoadGen run folders or logs
    INFERENCE_TREE = "inference_tree"  # an Inference submission (or results repository)
    MOBILE_RESULTS = "mobile_results"  # MLPerf Mobile results: a repository, a submission, a result file
    TINY_TREE = "tiny_tree"  # an MLPerf Tiny submission (or results repository)
    AUTOMOTIVE = "automotive"  # an Automotive submission, results repository or LoadGen runs

    def __str__(self) -> str:
        return self.value




class Kind:
    """One kind of input: what it is called, which suites it checks, how it is checked.

    ``check(plan, options, unpacked)``: the report of what the plan names (options with the
    suite and round fixed; the unpacked archive or None). ``claim(paths, options,
    archive_folder, archive_display)``: a Plan when the paths are this kind's input, else None;
    no claim: the kind is found by compliance.detection.resolve. (A plain class, not a
    record: the command line imports this module and makes no Kind of its own.)
    """

    __slots__ = ("name", "suites", "check", "claim")

    def __init__(
        self,
        name: SubjectKind,
        suites: tuple[str, ...],
        check: Callable[[Plan, AuditOptions, Unpacked | None], Report],
        claim: Callable[[list[str], AuditOptions, str | None, str | None], Plan | None] | None = None,
    ) -> None:
        self.name = name
        self.suites = suites
        self.check = check
        self.claim = claim

    def __repr__(self) -> str:
        return f"Kind({self.name.value!r}, suites={self.suites!r})"


# (module, kind, suites, whether the module has a claim): read without importing the modules
TABLE: tuple[tuple[str, SubjectKind, tuple[str, ...], bool], ...] = (
    ("compliance.kinds.training_logs", SubjectKind.TRAINING_LOGS, ("training", "hpc"), False),
    ("compliance.kinds.training_tree", SubjectKind.TRAINING_TREE, ("training", "hpc"), False),
    ("compliance.kinds.loadgen_runs", SubjectKind.LOADGEN_RUNS, ("inference",), False),
    ("compliance.kinds.inference_tree", SubjectKind.INFERENCE_TREE, ("inference",), False),
    ("compliance.kinds.mobile", SubjectKind.MOBILE_RESULTS, ("mobile",), True),
    ("compliance.kinds.tiny_tree", SubjectKind.TINY_TREE, ("tiny",), True),
    ("compliance.kinds.automotive", SubjectKind.AUTOMOTIVE, ("automotive",), True),
)


def suites() -> tuple[str, ...]:
    """Every suite some kind checks, in the order of ``TABLE``."""
    seen: dict[str, None] = {}
    for _, _, names, _ in TABLE:
        seen.update(dict.fromkeys(names))
    return tuple(seen)


ALL_SUITES = suites()


def get(name: SubjectKind | str) -> Kind:
    """The kind of that name (its module imported on first use)."""
    for module, kind, _, _ in TABLE:
        if kind == name:
            found: Kind = import_module(module).KIND
            return found
    raise KeyError(f"no kind {name!r}")


def claim(
    paths: list[str], options: AuditOptions, archive_folder: str | None = None, archive_display: str | None = None
) -> Plan | None:
    """The plan of the first kind that recognises the paths as its input, or None."""
    for module, _, names, claims in TABLE:
        if not claims or (options.suite is not None and options.suite not in names):
            continue
        kind: Kind = import_module(module).KIND
        if kind.claim is not None:
            found = kind.claim(paths, options, archive_folder, archive_display)
            if found is not None:
                return found
    return None
