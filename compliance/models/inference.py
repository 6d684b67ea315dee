"""Typed view of a whole MLPerf Inference submission tree, as the inference tree
walker hands it to the inference submission rules.

Layout (MLPerf Inference results repositories)::

    <division>/<org>/systems/<system>.json
    <division>/<org>/results/<system>/<model>/<scenario>/performance/run_1/mlperf_log_{detail,summary}.txt
    <division>/<org>/results/<system>/<model>/<scenario>/accuracy/{accuracy.txt,mlperf_log_*}
    rounds up to 5.1:
      <division>/<org>/compliance/<system>/<model>/<scenario>/TESTxx/...
      <division>/<org>/measurements/<system>/<model>/<scenario>/{<system>*.json,README.md,user.conf}
      <division>/<org>/code/
    rounds 6.0 on: TESTxx/ and measurements.json inside the results scenario folder; src/
"""

from __future__ import annotations

from typing import Any

from compliance.models.submission import LayoutIssue, SystemFile
from compliance.records import field, recordclass


@recordclass(slots=True)
class ScenarioFolder:
    """One scenario result: ``results/<system>/<model>/<scenario>/`` as found on disk."""

    division: str
    org: str
    system: str
    model: str  # the folder name as written
    scenario: str  # the folder name as written
    path: str  # as shown to the user
    real: str  # on disk
    org_path: str  # the organisation folder, as shown
    org_real: str  # the organisation folder, on disk


@recordclass(slots=True)
class InferenceOrg:
    """One ``<division>/<org>/`` folder."""

    division: str
    org: str
    path: str  # as shown
    real: str  # on disk
    parts: dict[str, str] = field(default_factory=dict)  # lower-case child folder name -> real path
    files: list[str] = field(default_factory=list)  # file names directly in the folder
    systems: dict[str, SystemFile] = field(default_factory=dict)  # by system name
    result_systems: list[str] = field(default_factory=list)  # folders under results/
    scenarios: list[ScenarioFolder] = field(default_factory=list)
    empty_models: list[tuple[str, str, str]] = field(default_factory=list)  # (system, model, shown path) without scenarios


@recordclass(slots=True)
class InferenceTree:
    """What the walker saw: organisations and their scenario results, and layout issues."""

    root: str  # as shown to the user
    orgs: list[InferenceOrg] = field(default_factory=list)
    issues: list[LayoutIssue] = field(default_factory=list)

    @property
    def scenarios(self) -> list[ScenarioFolder]:
        return [s for org in self.orgs for s in org.scenarios]


@recordclass(slots=True)
class TestFolder:
    """One compliance test's folder (``TEST01`` ...) of a scenario result."""

    name: str  # TEST01 ...
    path: str  # as shown
    real: str
    files: dict[str, str] = field(default_factory=dict)  # relative name -> real path (regular files, two levels deep)
    verify: dict[str, str] = field(default_factory=dict)  # verify_*.txt name -> its text (bounded)
    run: Any = None  # LoadgenRun of TESTxx/performance/run_1, when there is one
    accuracy: dict[str, Any] = field(default_factory=dict)  # TEST01/accuracy/{baseline,compliance}_accuracy.txt -> AccuracyText
