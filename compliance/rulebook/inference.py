"""Typed view of an MLPerf Inference round's data (``checkers/inference/v<round>.toml``).

The files are data only (see ``checkers/inference/README.md``): a round names
its parent with ``extends`` and lists only what changed. This module follows
the chain, merges the layers by the README's rules, and returns the frozen
models of ``compliance.rulebook.inference_model`` (re-exported here). It
reuses the JSON cache of parsed round files and the data folder of
``compliance.rulebook.load``.

Merging (README "Rounds, inheritance and merging"):

- tables merge key by key, at every level;
- leaves are replaced whole: every non-table value, every *quantity* (a
  table with a ``value`` or ``unit`` key), every ``models.<m>.scenarios.<type>``
  table and every ``disagreements.<id>`` table;
- ``retired = true`` in ``[models."<m>"]`` drops the inherited model;
- ``drop = true`` in any other table drops the inherited table of that name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

# The models are re-exported: the rules import them from here or from inference_model.
from compliance.rulebook.inference_model import (
    PUBLISHED as PUBLISHED,
    SEED_NAMES as SEED_NAMES,
    SUITE as SUITE,
    SUITES as SUITES,
    TOKEN_LATENCY_MODES as TOKEN_LATENCY_MODES,
    AccuracyTarget as AccuracyTarget,
    Amount as Amount,
    InferenceRulebook as InferenceRulebook,
    InferenceSettings as InferenceSettings,
    LatencyBounds as LatencyBounds,
    ModelRules as ModelRules,
    ResultKey as ResultKey,
    ScenarioSet as ScenarioSet,
    Seed as Seed,
    _frozen,
)
from compliance.rulebook.load import _parse_toml, available_rounds, canonical_round, checked_round, data_dir, read_chain
from compliance.rulebook.model import RulebookError

TOP_FIELDS = frozenset(
    {
        "schema",
        "suite",
        "round",
        "extends",
        "checker_version",
        "status",
        "divisions",
        "system_types",
        "scenarios",
        "availabilities",
        "notes",
        "accuracy_names",
        "review",
        "sources",
        "settings",
        "seeds",
        "test05_seeds",
        "result_keys",
        "measurements",
        "layout",
        "compliance",
        "models",
        "disagreements",
        "power",
        "endpoints",
    }
)
MODEL_FIELDS = frozenset(
    {
        "display_name",
        "conf_name",
        "interactive_conf_name",
        "aliases",
        "open_substitutes",
        "compliance",
        "token_latencies",
        "equal_issue",
        "performance_sample_count",
        "dataset_size",
        "accuracy_sample_count",
        "offline_min_samples",
        "min_queries",
        "early_stopping",
        "min_duration_exempt",
        "accuracy_only",
        "required_accuracy_files",
        "test07_accuracy_threshold",
        "test09_output_tokens",
        "required_loadgen_settings",
        "result_keys",
        "scenarios",
        "accuracy",
        "latency",
        "source",
    }
)
SETTINGS_FIELDS = frozenset(
    {
        "min_duration",
        "offline_min_samples",
        "multistream_samples_per_query",
        "multistream_min_query_count",
        "accuracy_log_max_size",
        "file_size_limit",
        "early_stopping_scenarios",
        "early_stopping",
        "inferred_results",
        "scenario_settings",
    }
)
RESULT_KEY_FIELDS = frozenset({"key", "unit", "checker_key", "table_unit", "checker_table_unit", "source"})
LATENCY_FIELDS = frozenset({"target_latency", "ttft_p99", "tpot_p99", "checker_target_latency"})
ACCURACY_FIELDS = frozenset(
    {
        "metric",
        "unit",
        "reference",
        "fraction",
        "threshold",
        "upper_reference",
        "upper_fraction",
        "upper_limit",
        "checker_reference",
        "checker_threshold",
        "rules_reference",
        "rules_threshold",
        "test01_delta_percent",
        "scenarios",
        "rules_only",
        "source",
    }
)

# Fields of a quantity table that are not per-scenario values.
_QUANTITY_META = frozenset({"value", "unit", "source", "checker", "note", "min", "max", "checker_min", "checker_max"})


def _raw_round(round_name: str, suite: str = SUITE) -> tuple[dict[str, Any], bytes]:
    path = data_dir() / suite / f"v{round_name}.toml"
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise RulebookError(f"{suite}/v{round_name}.toml: {err.strerror or err}") from err
    data = _parse_toml(raw, path.name)
    unknown = set(data) - TOP_FIELDS
    if unknown:
        raise RulebookError(f"{suite}/v{round_name}.toml: unknown top-level fields {sorted(unknown)}")
    if data.get("suite") != suite or canonical_round(str(data.get("round", ""))) != round_name:
        raise RulebookError(f"{suite}/v{round_name}.toml: suite/round fields do not match the file name")
    return data, raw


def _is_leaf(path: tuple[str, ...], table: Mapping[str, Any]) -> bool:
    if "value" in table or "unit" in table:
        return True  # a quantity
    if len(path) == 4 and path[0] == "models" and path[2] == "scenarios":
        return True
    return len(path) == 2 and path[0] == "disagreements"


def merge_layers(parent: Mapping[str, Any], child: Mapping[str, Any], retired: set[str] | None = None, path: tuple[str, ...] = ()) -> dict[str, Any]:
    """``child`` merged over ``parent`` by the README's rules (neither is changed). The training
    format merges otherwise, on purpose: see ``rulebook.load._merge``."""
    out = dict(parent)
    for name, value in child.items():
        here = (*path, name)
        if isinstance(value, dict):
            if path == ("models",) and value.get("retired") is True:
                out.pop(name, None)
                if retired is not None:
                    retired.add(name)
                continue
            if value.get("drop") is True:
                out.pop(name, None)
                continue
            if path == ("models",) and retired is not None:
                retired.discard(name)
            if _is_leaf(here, value):
                out[name] = dict(value)
            else:
                inherited = out.get(name)
                base = inherited if isinstance(inherited, dict) else {}
                out[name] = merge_layers(base, value, retired, here)
        else:
            out[name] = value
    return out


def merged_chain(
    suite: str, canon: str, read: Callable[[str], tuple[dict[str, Any], Any]], retired: set[str] | None = None
) -> tuple[list[str], list[Any], dict[str, Any], dict[str, Any]]:
    """A round's files through ``extends`` (``read_chain``), merged oldest first by
    ``merge_layers``: the rounds (newest first), what ``read`` gave with each, the round's own
    file (what is not inherited: status, notes) and the merged data."""
    chain, blobs, layers = read_chain(suite, canon, read)
    merged: dict[str, Any] = {}
    for layer in reversed(layers):
        merged = merge_layers(merged, {k: v for k, v in layer.items() if k != "extends"}, retired)
    return chain, blobs, layers[0], merged


def _table(entry: Any, where: str, fields: frozenset[str] | None = None) -> dict[str, Any]:
    """``entry`` when it is a table (of only ``fields``, when given); else the RulebookError that
    says where."""
    if not isinstance(entry, dict):
        raise RulebookError(f"{where}: expected a table")
    if fields is not None:
        unknown = set(entry) - fields
        if unknown:
            raise RulebookError(f"{where}: unknown fields {sorted(unknown)}")
    return entry


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RulebookError(f"{where}: {value!r} is not a number")
    return float(value)


def _amount(raw: Any, where: str) -> Amount | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise RulebookError(f"{where}: expected a table with value and unit, got {raw!r}")
    if "unit" not in raw:
        raise RulebookError(f"{where}: no unit")
    value = raw.get("value")
    by_scenario = {
        key: _number(number, f"{where}.{key}")
        for key, number in raw.items()
        if key not in _QUANTITY_META and key != "scenarios" and not isinstance(number, (dict, list, str))
    }
    checker = raw.get("checker")
    return Amount(
        value=None if value is None else _number(value, f"{where}.value"),
        unit=str(raw["unit"]),
        source=str(raw.get("source", "")),
        checker=None if checker is None else _number(checker, f"{where}.checker"),
        by_scenario=_frozen(by_scenario),
        note=str(raw.get("note", "")),
    )


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise RulebookError(f"{where}: expected a list of names")
    return tuple(raw)


def _seed(name: str, raw: Any, where: str) -> Seed:
    if not isinstance(raw, dict) or "value" not in raw:
        raise RulebookError(f"{where}.{name}: expected {{ value = \"...\" }}")
    text = str(raw["value"]).strip()
    if not text.isdigit() or int(text) >= 1 << 64:
        raise RulebookError(f"{where}.{name}: {text!r} is not an unsigned 64-bit integer")
    return Seed(int(text), str(raw.get("source", "")))


def _seeds(raw: Any, where: str) -> Mapping[str, Seed]:
    if not raw:
        return _frozen()
    return _frozen({name: _seed(name, raw[name], where) for name in SEED_NAMES if name in raw})


def _result_keys(raw: Any, where: str) -> Mapping[str, ResultKey]:
    found = {}
    for scenario, entry in (raw or {}).items():
        if scenario == "source":
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            raise RulebookError(f"{where}.{scenario}: expected {{ key = \"...\" }}")
        _table(entry, f"{where}.{scenario}", RESULT_KEY_FIELDS)
        found[scenario] = ResultKey(
            entry["key"], str(entry.get("unit", "")), entry.get("checker_key"), entry.get("table_unit"), entry.get("checker_table_unit")
        )
    return _frozen(found)


def _latency(name: str, raw: Any) -> Mapping[str, LatencyBounds]:
    found = {}
    for scenario, bounds in (raw or {}).items():
        where = f"models.{name}.latency.{scenario}"
        _table(bounds, where, LATENCY_FIELDS)
        amounts = {what: _amount(bounds.get(what), f"{where}.{what}") for what in LATENCY_FIELDS}
        for what, amount in amounts.items():
            if amount is not None and amount.unit != "ms":
                raise RulebookError(f"{where}.{what}: latency bounds are in ms, not {amount.unit!r}")
        found[scenario] = LatencyBounds(scenario=scenario, **amounts)
    return _frozen(found)


def _accuracy(name: str, raw: Any) -> tuple[AccuracyTarget, ...]:
    targets = []
    for index, entry in enumerate(raw or []):
        where = f"models.{name}.accuracy[{index}]"
        if not isinstance(entry, dict) or "metric" not in entry:
            raise RulebookError(f"{where}: expected a table with a metric")
        _table(entry, where, ACCURACY_FIELDS)

        def num(key: str) -> float | None:
            return None if entry.get(key) is None else _number(entry[key], f"{where}.{key}")

        targets.append(
            AccuracyTarget(
                metric=str(entry["metric"]),
                unit=str(entry.get("unit", "")),
                reference=num("reference"),
                fraction=num("fraction"),
                threshold=num("threshold"),
                upper_limit=num("upper_limit"),
                scenarios=_strings(entry.get("scenarios"), f"{where}.scenarios"),
                rules_only=bool(entry.get("rules_only", False)),
                source=str(entry.get("source", "")),
            )
        )
    return tuple(targets)


def _scenario_sets(name: str, raw: Any) -> Mapping[str, ScenarioSet]:
    found = {}
    for system_type, entry in (raw or {}).items():
        where = f"models.{name}.scenarios.{system_type}"
        _table(entry, where)
        groups = entry.get("at_least_one_of") or []
        found[system_type] = ScenarioSet(
            required=_strings(entry.get("required"), f"{where}.required"),
            optional=_strings(entry.get("optional"), f"{where}.optional"),
            at_least_one_of=tuple(_strings(group, f"{where}.at_least_one_of") for group in groups),
            source=str(entry.get("source", "")),
        )
    return _frozen(found)


def _model(name: str, raw: Mapping[str, Any]) -> ModelRules:
    where = f"models.{name}"
    _table(raw, where, MODEL_FIELDS)
    token_latencies = raw.get("token_latencies")
    if token_latencies is not None and token_latencies not in TOKEN_LATENCY_MODES:
        raise RulebookError(f"{where}.token_latencies: {token_latencies!r} is not one of {TOKEN_LATENCY_MODES}")
    extra = {
        key: raw[key]
        for key in ("equal_issue", "required_accuracy_files", "test07_accuracy_threshold", "test09_output_tokens", "required_loadgen_settings")
        if key in raw
    }
    return ModelRules(
        name=name,
        display_name=str(raw.get("display_name", name)),
        conf_name=raw.get("conf_name"),
        interactive_conf_name=raw.get("interactive_conf_name"),
        aliases=_strings(raw.get("aliases"), f"{where}.aliases"),
        open_substitutes=_strings(raw.get("open_substitutes"), f"{where}.open_substitutes"),
        compliance=_strings(raw.get("compliance"), f"{where}.compliance"),
        token_latencies=token_latencies,
        performance_sample_count=_amount(raw.get("performance_sample_count"), f"{where}.performance_sample_count"),
        dataset_size=_amount(raw.get("dataset_size"), f"{where}.dataset_size"),
        accuracy_sample_count=_amount(raw.get("accuracy_sample_count"), f"{where}.accuracy_sample_count"),
        offline_min_samples=_amount(raw.get("offline_min_samples"), f"{where}.offline_min_samples"),
        min_queries=_amount(raw.get("min_queries"), f"{where}.min_queries"),
        early_stopping=_amount(raw.get("early_stopping"), f"{where}.early_stopping"),
        min_duration_exempt=bool(raw.get("min_duration_exempt", False)),
        accuracy_only=bool(raw.get("accuracy_only", False)),
        latency=_latency(name, raw.get("latency")),
        accuracy=_accuracy(name, raw.get("accuracy")),
        scenarios=_scenario_sets(name, raw.get("scenarios")),
        result_keys=_result_keys(raw.get("result_keys"), f"{where}.result_keys"),
        extra=_frozen(extra),
        source=str(raw.get("source", "")),
    )


def _settings(raw: Mapping[str, Any]) -> InferenceSettings:
    _table(raw, "settings", SETTINGS_FIELDS)
    early = raw.get("early_stopping") or {}
    min_duration = raw.get("min_duration")
    return InferenceSettings(
        min_duration=_amount(min_duration, "settings.min_duration"),
        min_duration_scenarios=_strings((min_duration or {}).get("scenarios"), "settings.min_duration.scenarios"),
        offline_min_samples=_amount(raw.get("offline_min_samples"), "settings.offline_min_samples"),
        multistream_samples_per_query=_amount(raw.get("multistream_samples_per_query"), "settings.multistream_samples_per_query"),
        multistream_min_query_count=_amount(raw.get("multistream_min_query_count"), "settings.multistream_min_query_count"),
        accuracy_log_max_size=_amount(raw.get("accuracy_log_max_size"), "settings.accuracy_log_max_size"),
        file_size_limit=_amount(raw.get("file_size_limit"), "settings.file_size_limit"),
        early_stopping_scenarios=_strings(raw.get("early_stopping_scenarios"), "settings.early_stopping_scenarios"),
        early_stopping=_frozen(
            {key: _amount(value, f"settings.early_stopping.{key}") for key, value in early.items() if isinstance(value, dict)}
        ),
        inferred_results=_frozen(raw.get("inferred_results") or {}),
        scenario_settings=_frozen(
            {key: _frozen(value) for key, value in (raw.get("scenario_settings") or {}).items() if isinstance(value, dict)}
        ),
    )


def inference_rounds(suite: str = SUITE) -> list[str]:
    """Every round of an inference-format suite with data, oldest first (published or not)."""
    return available_rounds(suite)


@lru_cache(maxsize=None)
def load_inference_rulebook(round_name: str, suite: str = SUITE) -> InferenceRulebook:
    """Load one round of ``suite`` (``5.1``, ``v5.1`` or ``5.1.0``), following ``extends``.

    ``suite`` is one of ``SUITES``: inference, or a suite written in the same format (automotive)."""
    if suite not in SUITES:
        raise RulebookError(f"{suite!r} is not a suite of inference-format round data ({', '.join(SUITES)})")
    canon = checked_round(round_name, example="5.1")
    if canon not in inference_rounds(suite):
        raise RulebookError(f"no {suite} round {canon}; rounds: {', '.join(inference_rounds(suite))}")
    retired: set[str] = set()
    chain, blobs, own, merged = merged_chain(suite, canon, lambda name: _raw_round(name, suite), retired)

    models = {name: _model(name, raw) for name, raw in (merged.get("models") or {}).items()}
    top = own  # the round's own file: its status and checker version are not inherited
    return InferenceRulebook(
        round=canon,
        status=str(top.get("status", PUBLISHED)),
        checker_version=str(top.get("checker_version", f"v{canon}")),
        chain=tuple(reversed(chain)),
        sha256=hashlib.sha256(b"\0".join(blobs)).hexdigest(),
        divisions=_strings(merged.get("divisions"), "divisions"),
        system_types=_strings(merged.get("system_types"), "system_types"),
        scenarios=_strings(merged.get("scenarios"), "scenarios"),
        availabilities=_strings(merged.get("availabilities"), "availabilities"),
        settings=_settings(merged.get("settings") or {}),
        seeds=_seeds(merged.get("seeds"), "seeds"),
        test05_seeds=_seeds(merged.get("test05_seeds"), "test05_seeds"),
        result_keys=_result_keys(merged.get("result_keys"), "result_keys"),
        models=_frozen(models),
        retired=tuple(sorted(retired - set(models))),
        compliance=_frozen({k: _frozen(v) for k, v in (merged.get("compliance") or {}).items()}),
        measurements=_frozen(merged.get("measurements") or {}),
        layout=_frozen(merged.get("layout") or {}),
        review=_frozen(merged.get("review") or {}),
        accuracy_names=_frozen(
            {k: _strings(v, f"accuracy_names.{k}") for k, v in (merged.get("accuracy_names") or {}).items() if k != "source"}
        ),
        disagreements=_frozen({k: _frozen(v) for k, v in (merged.get("disagreements") or {}).items()}),
        sources=_frozen({k: str(v) for k, v in (merged.get("sources") or {}).items()}),
        notes=tuple(str(n) for n in top.get("notes", ())),
        power=_frozen(merged.get("power") or {}),
        suite=suite,
        endpoints=_frozen(merged.get("endpoints") or {}),
    )
