"""Typed view of an MLPerf Mobile round's data (``checkers/mobile/v<round>.toml``).

A round names its parent with ``extends`` and lists only what changed; the chain is read with
``compliance.rulebook.load.read_chain`` and merged with the inference data's merge
(``compliance.rulebook.inference.merge_layers``: tables key by key, quantities replaced whole,
``drop = true`` removes an inherited benchmark). Data only: numbers, names, sources.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from compliance.records import recordclass
from compliance.rulebook.inference import merged_chain
from compliance.rulebook.load import available_rounds, canonical_round, data_dir, read_data
from compliance.rulebook.model import RulebookError

SUITE = "mobile"
TOP_FIELDS = frozenset(
    {
        "schema", "suite", "round", "extends", "status", "app_version", "result_files", "result_shape",
        "result_schema", "notes", "sources", "scenarios", "benchmarks", "device", "seeds", "value_tolerance",
    }
)
BENCHMARK_FIELDS = frozenset(
    {"model", "scenario", "ids", "folders", "accuracy_target", "accuracy_text_scale", "in_rules", "min_query_count", "notes"}
)
SCENARIO_FIELDS = frozenset({"metric", "unit", "min_query_count", "min_duration"})


@recordclass(frozen=True, slots=True)
class Amount:
    """A number of the rules with its unit and where it comes from."""

    value: float
    unit: str
    source: str


@recordclass(frozen=True, slots=True)
class MobileScenario:
    name: str
    metric: str  # the result JSON's key the published number is read from
    unit: str  # of that number
    min_query_count: Amount | None
    min_duration: Amount | None  # seconds


@recordclass(frozen=True, slots=True)
class MobileBenchmark:
    name: str  # the task's name (the benchmark_id of the apps since 3.0)
    model: str
    scenario: str
    ids: tuple[str, ...]  # the benchmark_id values the apps wrote for it
    folders: tuple[str, ...]  # the model folder names of results/<system>/<model>/<scenario>/
    accuracy_target: Amount | None  # on the app's normalised scale; None: the rules give none
    accuracy_text_scale: float  # what a bare number in the accuracy text is divided by
    in_rules: bool  # the rules list the task (else only the app's settings are known)
    min_query_count: Amount | None  # the task's own minimum, where the rules give one (else the scenario's)


@recordclass(frozen=True, slots=True)
class MobileRulebook:
    round: str
    chain: tuple[str, ...]
    sha256: str
    app_version: Amount | None
    app_release: str  # "4.1"
    result_files: tuple[str, ...]
    result_shape: str
    result_schema: str  # a file of schemas/mobile/, or "" (no schema)
    scenarios: Mapping[str, MobileScenario]
    benchmarks: Mapping[str, MobileBenchmark]
    device_fields: tuple[str, ...]
    device_source: str
    seed_values: Mapping[str, str]  # the round's LoadGen seeds, by name (decimal text)
    sources: Mapping[str, str]
    notes: tuple[str, ...]
    value_tolerance: Amount | None = None  # relative: a result file's number against its LoadGen log's

    def benchmark_for(self, benchmark_id: str) -> MobileBenchmark | None:
        """The round's benchmark a result's ``benchmark_id`` names, or None."""
        for benchmark in self.benchmarks.values():
            if benchmark_id in benchmark.ids:
                return benchmark
        return None

    def min_query_count(self, benchmark: MobileBenchmark | None, scenario: str) -> Amount | None:
        """The fewest queries (samples, Offline) a performance run must have."""
        if benchmark is not None and benchmark.min_query_count is not None:
            return benchmark.min_query_count
        rules = self.scenarios.get(scenario)
        return rules.min_query_count if rules is not None else None

    def all_ids(self) -> frozenset[str]:
        return frozenset(i for b in self.benchmarks.values() for i in b.ids)


def _amount(raw: Any, where: str) -> Amount | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or "value" not in raw or "unit" not in raw:
        raise RulebookError(f"{where}: expected a table with value, unit and source")
    value = raw["value"]
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise RulebookError(f"{where}: {value!r} is not a number or a name")
    number = float(value) if not isinstance(value, str) else float("nan")
    return Amount(number, str(raw["unit"]), str(raw.get("source", "")))


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise RulebookError(f"{where}: expected a list of names")
    return tuple(raw)


def _round_file(round_name: str) -> tuple[dict[str, Any], str]:
    """One round file's data (through the parsed-data cache) and its sha256."""
    path = data_dir() / SUITE / f"v{round_name}.toml"
    try:
        data, digest = read_data(str(path))
    except OSError as err:
        raise RulebookError(f"{SUITE}/v{round_name}.toml: {err.strerror or err}") from err
    problems = sorted(set(data) - TOP_FIELDS)
    if problems:
        raise RulebookError(f"{SUITE}/v{round_name}.toml: unknown top-level fields {problems}")
    if (data.get("suite"), canonical_round(str(data.get("round", "")))) != (SUITE, round_name):
        raise RulebookError(f"{SUITE}/v{round_name}.toml: its suite and round are not the file name's")
    return data, digest


def mobile_rounds() -> list[str]:
    """Every Mobile round with data, oldest first."""
    return available_rounds(SUITE)


def _benchmark(name: str, raw: Mapping[str, Any]) -> MobileBenchmark:
    unknown = set(raw) - BENCHMARK_FIELDS
    if unknown:
        raise RulebookError(f"benchmarks.{name}: unknown fields {sorted(unknown)}")
    scale = _amount(raw.get("accuracy_text_scale"), f"benchmarks.{name}.accuracy_text_scale")
    return MobileBenchmark(
        name=name,
        model=str(raw.get("model", name)),
        scenario=str(raw.get("scenario", "SingleStream")),
        ids=_strings(raw.get("ids", [name]), f"benchmarks.{name}.ids"),
        folders=_strings(raw.get("folders", []), f"benchmarks.{name}.folders"),
        accuracy_target=_amount(raw.get("accuracy_target"), f"benchmarks.{name}.accuracy_target"),
        accuracy_text_scale=scale.value if scale is not None else 1.0,
        in_rules=bool(raw.get("in_rules", True)),
        min_query_count=_amount(raw.get("min_query_count"), f"benchmarks.{name}.min_query_count"),
    )


def _scenario(name: str, raw: Mapping[str, Any]) -> MobileScenario:
    unknown = set(raw) - SCENARIO_FIELDS
    if unknown:
        raise RulebookError(f"scenarios.{name}: unknown fields {sorted(unknown)}")
    return MobileScenario(
        name=name,
        metric=str(raw.get("metric", "throughput")),
        unit=str(raw.get("unit", "")),
        min_query_count=_amount(raw.get("min_query_count"), f"scenarios.{name}.min_query_count"),
        min_duration=_amount(raw.get("min_duration"), f"scenarios.{name}.min_duration"),
    )


@lru_cache(maxsize=None)
def load_mobile_rulebook(round_name: str) -> MobileRulebook:
    """Load one Mobile round (``4.1``, ``v4.1`` or ``4.1.0``), following ``extends``."""
    canon = canonical_round(round_name)
    if canon is None or canon not in mobile_rounds():
        raise RulebookError(f"no mobile round {round_name!r}; rounds: {', '.join(mobile_rounds())}")
    chain, digests, own, merged = merged_chain(SUITE, canon, _round_file)
    version = _amount(merged.get("app_version"), "app_version")
    raw_version = (merged.get("app_version") or {}).get("value")
    device = merged.get("device") or {}
    return MobileRulebook(
        round=canon,
        chain=tuple(reversed(chain)),
        sha256=hashlib.sha256("\0".join(digests).encode()).hexdigest(),
        app_version=version,
        app_release=str(raw_version) if raw_version is not None else canon,
        result_files=_strings(merged.get("result_files", ["result.json"]), "result_files"),
        result_shape=str(merged.get("result_shape", "extended")),
        result_schema=str(merged.get("result_schema", "")),
        scenarios={n: _scenario(n, r) for n, r in (merged.get("scenarios") or {}).items()},
        benchmarks={n: _benchmark(n, r) for n, r in (merged.get("benchmarks") or {}).items()},
        device_fields=_strings(device.get("fields", []), "device.fields"),
        device_source=str(device.get("source", "")),
        seed_values={k: str(v["value"]) for k, v in (merged.get("seeds") or {}).items() if isinstance(v, dict) and "value" in v},
        sources={k: str(v) for k, v in (merged.get("sources") or {}).items()},
        notes=tuple(str(n) for n in own.get("notes", merged.get("notes", ()))),
        value_tolerance=_amount(merged.get("value_tolerance"), "value_tolerance"),
    )
