"""MLPerf Tiny round data (``checkers/tiny/v<round>.toml``): read and inherited with the same
helpers as the other suites' (``read_chain``, ``read_data``, ``merge_layers``), then typed."""

from __future__ import annotations

import os
from functools import lru_cache

from compliance.records import field, recordclass
from compliance.rulebook.inference import merged_chain
from compliance.rulebook.inference_model import RoundIdentity
from compliance.rulebook.load import available_rounds, canonical_round, chain_sha256, data_folder, read_data
from compliance.rulebook.model import RulebookError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SUITE = "tiny"
TOP_FIELDS = {"schema", "suite", "round", "extends", "status", "notes", "sources", "divisions", "availabilities", "runners", "benchmarks", "windows", "files", "systems"}


@recordclass(frozen=True, slots=True)
class Target:
    """A benchmark's quality target in the closed division."""

    metric: str  # top1 (percent), auc (0 to 1) or detections (streaming wakeword)
    value: float | None
    unit: str
    source: str
    max_false_positives: int | None = None
    max_false_negatives: int | None = None
    positives: int | None = None


@recordclass(frozen=True, slots=True)
class TinyBenchmark:
    name: str
    model: str
    aliases: tuple[str, ...]
    target: Target
    required_modes: tuple[str, ...]
    runners: tuple[str, ...] | None  # None: the round's runners
    requires: tuple[str, ...]
    log_model: str | None = None  # the model name the runner's log reports for it
    accuracy_inputs: int | None = None  # entries of the MLCommons runner's accuracy results.json
    sources: dict[str, str] = field(default_factory=dict)  # per field, where it comes from


@recordclass(frozen=True, slots=True)
class TinyRulebook(RoundIdentity):
    availabilities: tuple[str, ...]
    runners: tuple[str, ...]
    benchmarks: dict[str, TinyBenchmark]
    window_count: int
    min_runtime_s: float
    min_inferences: int
    sww_energy_count: int | None
    size_limit: int
    required_files: dict[str, tuple[str, ...]]  # runner -> file names
    mode_prefix: bool
    summary_file: bool  # the layout has a results.txt per mode folder (0.5: only the runner's log)
    system_fields: tuple[str, ...]
    status_required: bool  # an empty or missing Status fails the system's results (TSY002), else TSY003 warns
    exact_system_name: bool  # a description under another name fails the system's results (TSY001), else a warning (TSY004)
    sources: dict[str, str]
    value_sources: dict[str, str]  # "windows.count" -> its source
    notes: tuple[str, ...]
    opened: str | None = None  # the previous round's deadline (YYYY-MM-DD, checkers/calendar.toml): the round's window opens after it

    def resolve(self, folder: str) -> TinyBenchmark | None:
        """The benchmark a folder name stands for (its name or an alias, any case), or None."""
        lowered = folder.lower()
        for bench in self.benchmarks.values():
            if lowered == bench.name or lowered in bench.aliases:
                return bench
        return None

    def folder_names(self) -> frozenset[str]:
        names = set(self.benchmarks)
        for bench in self.benchmarks.values():
            names.update(bench.aliases)
        return frozenset(names)


def _raw(round_name: str) -> tuple[dict[str, Any], str]:
    path = os.path.join(data_folder(), SUITE, f"v{round_name}.toml")
    try:
        data = read_data(path)[0]
    except OSError as err:
        raise RulebookError(f"{SUITE}/v{round_name}.toml: {err.strerror or err}") from err
    unknown = set(data) - TOP_FIELDS
    if unknown:
        raise RulebookError(f"{SUITE}/v{round_name}.toml: unknown top-level fields {sorted(unknown)}")
    if data.get("suite") != SUITE or canonical_round(str(data.get("round", ""))) != round_name:
        raise RulebookError(f"{SUITE}/v{round_name}.toml: suite/round fields do not match the file name")
    return data, path


def _value(table: dict[str, Any], name: str, where: str) -> Any:
    entry = table.get(name)
    if not isinstance(entry, dict) or "value" not in entry or "unit" not in entry or "source" not in entry:
        raise RulebookError(f"{where}.{name}: needs value, unit and source")
    return entry["value"]


def _names(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RulebookError(f"{where}: expected a list of names")
    return tuple(value)


def _benchmark(name: str, raw: dict[str, Any]) -> TinyBenchmark:
    where = f"benchmarks.{name}"
    accuracy = raw.get("accuracy")
    if not isinstance(accuracy, dict) or "metric" not in accuracy or "unit" not in accuracy or "source" not in accuracy:
        raise RulebookError(f"{where}.accuracy: needs metric, unit and source")
    target = Target(
        metric=str(accuracy["metric"]),
        value=float(accuracy["value"]) if "value" in accuracy else None,
        unit=str(accuracy["unit"]),
        source=str(accuracy["source"]),
        max_false_positives=accuracy.get("max_false_positives"),
        max_false_negatives=accuracy.get("max_false_negatives"),
        positives=accuracy.get("positives"),
    )
    sources = {key: str(entry.get("source", "")) for key, entry in raw.items() if isinstance(entry, dict)}
    return TinyBenchmark(
        name=name,
        model=str(raw.get("model", name)),
        aliases=tuple(a.lower() for a in _names(_value(raw, "aliases", where), f"{where}.aliases")) if "aliases" in raw else (),
        target=target,
        required_modes=_names(_value(raw, "required_modes", where), f"{where}.required_modes"),
        runners=_names(_value(raw, "runners", where), f"{where}.runners") if "runners" in raw else None,
        requires=_names(_value(raw, "requires", where), f"{where}.requires") if "requires" in raw else (),
        log_model=str(_value(raw, "log_model", where)).lower() if "log_model" in raw else None,
        accuracy_inputs=int(_value(raw, "accuracy_inputs", where)) if "accuracy_inputs" in raw else None,
        sources=sources,
    )


def tiny_rounds() -> list[str]:
    """Every Tiny round with data, oldest first."""
    return available_rounds(SUITE)


@lru_cache(maxsize=None)
def load_tiny_rulebook(round_name: str) -> TinyRulebook:
    """One Tiny round (``1.3``, ``v1.3``), merged over the rounds it extends."""
    canon = canonical_round(round_name)
    if canon is None or canon not in tiny_rounds():
        raise RulebookError(f"no tiny round {round_name!r}; rounds: {', '.join(tiny_rounds())}")
    chain, paths, own, merged = merged_chain(SUITE, canon, _raw)
    windows, files, systems = merged.get("windows", {}), merged.get("files", {}), merged.get("systems", {})
    value_sources = {
        f"{section}.{key}": str(entry.get("source", ""))
        for section in ("windows", "files", "systems")
        for key, entry in merged.get(section, {}).items()
        if isinstance(entry, dict)
    }
    for key in ("divisions", "availabilities", "runners"):
        value_sources[key] = str(merged.get(key, {}).get("source", ""))
    return TinyRulebook(
        round=canon,
        status=str(own.get("status", "published")),
        chain=tuple(reversed(chain)),
        sha256=chain_sha256(list(paths)),
        divisions=_names(_value(merged, "divisions", "top"), "divisions"),
        availabilities=_names(_value(merged, "availabilities", "top"), "availabilities"),
        runners=_names(_value(merged, "runners", "top"), "runners"),
        benchmarks={name: _benchmark(name, raw) for name, raw in merged.get("benchmarks", {}).items()},
        window_count=int(_value(windows, "count", "windows")),
        min_runtime_s=float(_value(windows, "min_runtime", "windows")),
        min_inferences=int(_value(windows, "min_inferences", "windows")),
        sww_energy_count=int(_value(windows, "sww_energy_count", "windows")) if "sww_energy_count" in windows else None,
        size_limit=int(_value(files, "size_limit", "files")),
        required_files={
            "eembc": _names(_value(files, "required_eembc", "files"), "files.required_eembc"),
            "mlc": _names(_value(files, "required_mlc", "files"), "files.required_mlc"),
        },
        mode_prefix=bool(_value(files, "mode_prefix", "files")),
        summary_file=bool(_value(files, "summary_file", "files")),
        system_fields=_names(_value(systems, "required_fields", "systems"), "systems.required_fields"),
        status_required=bool(_value(systems, "status_required", "systems")),
        exact_system_name=bool(_value(systems, "exact_name", "systems")),
        sources={k: str(v) for k, v in merged.get("sources", {}).items()},
        value_sources=value_sources,
        notes=tuple(str(n) for n in own.get("notes", ())),
        opened=_opened(canon),
    )


def _opened(round_name: str) -> str | None:
    """The previous Tiny round's deadline in the calendar (None for the first or an unknown round)."""
    from compliance.detection.calendar import windows

    for row, start in windows(SUITE):
        if row.round == round_name:
            return start.isoformat() if start is not None else None
    return None


def round_benchmark_names(round_name: str) -> frozenset[str]:
    """The benchmark names of a round (not aliases): for round detection."""
    return frozenset(load_tiny_rulebook(round_name).benchmarks)

