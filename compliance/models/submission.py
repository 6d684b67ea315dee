"""Typed view of a whole submission tree (training and HPC), as the tree parser
hands it to the package rules.

Layout (MLPerf Training/HPC results repositories)::

    <division>/<org>/systems/<system>.json
    <division>/<org>/results/<system>/<benchmark>/result_N.txt      (training)
    <division>/<org>/results/<system>/<strong|weak>/<benchmark>/...   (HPC)
    <division>/<org>/benchmarks/<benchmark>/implementations/...
    optional <benchmark folder>/scaling.json
"""

from __future__ import annotations

from typing import Any

from compliance.records import field, recordclass


@recordclass(slots=True)
class RunSummary:
    """What the package rules need from one parsed result log (small and picklable)."""

    path: str
    benchmark: str | None = None
    division: str | None = None
    org: str | None = None
    platform: str | None = None
    status: str | None = None  # run_stop metadata status
    run_start_ms: float | None = None
    run_stop_ms: float | None = None
    minutes: float | None = None  # (run_stop - run_start) / 60000
    log_passed: bool = False  # no error finding at log level
    reached_target: bool = False
    converged: bool = False  # status success and the target reached (what scoring and RCPs count)
    convergence_point: float | None = None  # samples or epochs to converge (RCP unit)
    global_batch_size: float | None = None
    seeds: list[tuple[str | None, int | None, Any]] = field(default_factory=list)  # (file, lineno, value)
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    submission: dict[str, Any] = field(default_factory=dict)  # submission_* values
    records: int = 0
    instance_scale: int | None = None  # number_of_nodes x accelerators_per_node, as the summarizer reads them
    quality: Any = None  # compliance.models.report.QualitySeries: the evaluation curve


@recordclass(slots=True)
class SystemFile:
    """One ``systems/<system>.json`` file."""

    path: str  # as shown to the user
    division: str
    org: str
    name: str  # file name without .json
    real_path: str = ""  # on disk
    data: dict[str, Any] | None = None
    error: str | None = None  # why it could not be read as a JSON object


@recordclass(slots=True)
class ResultSet:
    """One benchmark entry: the run logs of one system and benchmark (and HPC scale)."""

    path: str  # the benchmark folder, as shown to the user
    division: str
    org: str
    system: str
    benchmark: str
    scale: str | None = None  # HPC: "strong" or "weak"
    logs: list[str] = field(default_factory=list)  # result_N.txt paths, as shown
    real_logs: list[str] = field(default_factory=list)  # the same, on disk
    scaling_path: str | None = None  # scaling.json, when present (real path)
    scaling_factor: float | None = None  # what scaling.json says (compliance.parsers.scaling), when read
    scaling_error: str | None = None  # why scaling.json could not be used, when it could not
    other_files: list[str] = field(default_factory=list)
    real_path: str = ""  # the benchmark folder on disk
    checker_params: frozenset[str] = frozenset()  # package_checker_params flags that apply (rcp-bypass ...)


@recordclass(slots=True)
class LayoutIssue:
    """Something about the tree itself (a stray file, a bad name, a symlink...)."""

    kind: str
    path: str
    detail: str = ""


@recordclass(slots=True)
class SubmissionTree:
    root: str  # as given
    kind: str = "folder"  # folder | archive
    result_sets: list[ResultSet] = field(default_factory=list)
    systems: list[SystemFile] = field(default_factory=list)
    implementations: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (division, org) -> benchmarks
    issues: list[LayoutIssue] = field(default_factory=list)
    params_files: list[str] = field(default_factory=list)  # package_checker_params files (real paths)
