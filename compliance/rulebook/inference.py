"""Typed view of an MLPerf Inference round's data (``checkers/inference/v<round>.toml``).

The files are data only (see ``checkers/inference/README.md``): a round names
its parent with ``extends`` and lists only what changed. This module follows
the chain, merges the layers by the README's rules, and returns frozen
models the inference rules read (``InferenceRulebook``, ``ModelRules``,
``LatencyBounds`` ...). It reuses the JSON cache of parsed round files and
the data folder of ``compliance.rulebook.load``.

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
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from collections.abc import Callable

from compliance.rulebook.load import _parse_toml, available_rounds, canonical_round, data_dir, read_chain
from compliance.rulebook.model import RulebookError

SUITE = "inference"
# The suites whose rounds are written in this format: MLPerf Automotive is a fork of the inference
# rules (its own LoadGen build, scenarios and models), read and checked by the same code.
SUITES = ("inference", "automotive")

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
SEED_NAMES = ("qsl_rng_seed", "sample_index_rng_seed", "schedule_rng_seed")
TOKEN_LATENCY_MODES = ("required", "inferred")
PUBLISHED = "published"

# Fields of a quantity table that are not per-scenario values.
_QUANTITY_META = frozenset({"value", "unit", "source", "checker", "note", "min", "max", "checker_min", "checker_max"})


def _frozen(mapping: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


# ---------------------------------------------------------------------------
# The models


@dataclass(frozen=True, slots=True)
class Amount:
    """A number with its unit and source; ``by_scenario`` holds per-scenario values.

    ``value`` is None for a table of per-scenario values only (``min_queries``,
    a model's ``early_stopping``). ``checker`` is the official checker's
    value where the data uses another (same unit).
    """

    value: float | None
    unit: str
    source: str = ""
    checker: float | None = None
    by_scenario: Mapping[str, float] = field(default_factory=_frozen)
    note: str = ""

    def for_scenario(self, scenario: str | None) -> float | None:
        """The value for ``scenario`` (its own if stated, else the general one)."""
        if scenario is not None and scenario in self.by_scenario:
            return self.by_scenario[scenario]
        return self.value


@dataclass(frozen=True, slots=True)
class LatencyBounds:
    """One scenario's latency bounds of a model, in ms (all at the 99th percentile)."""

    scenario: str
    target_latency: Amount | None = None  # the scenario's latency bound
    ttft_p99: Amount | None = None  # LLM time to first token (strictly below)
    tpot_p99: Amount | None = None  # LLM time per output token (strictly below)
    checker_target_latency: Amount | None = None  # the checker's generic constraint (token models)


@dataclass(frozen=True, slots=True)
class AccuracyTarget:
    """One accuracy metric a result must meet (``threshold`` <= value <= ``upper_limit``)."""

    metric: str
    unit: str
    reference: float | None = None
    fraction: float | None = None
    threshold: float | None = None
    upper_limit: float | None = None
    scenarios: tuple[str, ...] = ()
    rules_only: bool = False
    source: str = ""


@dataclass(frozen=True, slots=True)
class ScenarioSet:
    """Required and allowed scenarios of a model for one system type."""

    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    at_least_one_of: tuple[tuple[str, ...], ...] = ()
    source: str = ""


@dataclass(frozen=True, slots=True)
class ResultKey:
    """The detail-log key a scenario's result metric is read from."""

    key: str
    unit: str = ""
    checker_key: str | None = None  # the official checker's key, where the rules' differs (its value is the one published)
    table_unit: str | None = None  # the unit of the official results table (its CSV's Units column)
    checker_table_unit: str | None = None  # the official table's label, where it names the wrong unit

    @property
    def published_key(self) -> str:
        """The key the official results table takes its number from."""
        return self.checker_key or self.key


@dataclass(frozen=True, slots=True)
class ModelRules:
    """Everything a round says about one benchmark model."""

    name: str
    display_name: str = ""
    conf_name: str | None = None
    interactive_conf_name: str | None = None
    aliases: tuple[str, ...] = ()
    open_substitutes: tuple[str, ...] = ()
    compliance: tuple[str, ...] = ()
    token_latencies: str | None = None  # "required", "inferred" or None
    performance_sample_count: Amount | None = None
    dataset_size: Amount | None = None
    accuracy_sample_count: Amount | None = None
    offline_min_samples: Amount | None = None
    min_queries: Amount | None = None  # per scenario (by_scenario)
    early_stopping: Amount | None = None  # per-scenario percentile overrides
    min_duration_exempt: bool = False
    accuracy_only: bool = False
    latency: Mapping[str, LatencyBounds] = field(default_factory=_frozen)
    accuracy: tuple[AccuracyTarget, ...] = ()
    scenarios: Mapping[str, ScenarioSet] = field(default_factory=_frozen)
    result_keys: Mapping[str, ResultKey] = field(default_factory=_frozen)
    extra: Mapping[str, Any] = field(default_factory=_frozen)  # compliance-test numbers, accuracy files
    source: str = ""

    def latency_bounds(self, scenario: str | None) -> LatencyBounds | None:
        return self.latency.get(scenario) if scenario is not None else None

    def accuracy_samples(self, scenario: str | None) -> int | None:
        """Samples the accuracy run must cover: ``accuracy_sample_count`` (per scenario), else the dataset size."""
        for amount in (self.accuracy_sample_count, self.dataset_size):
            if amount is not None:
                value = amount.for_scenario(scenario)
                if value is not None:
                    return int(value)
        return None

    def early_stopping_percentile(self, scenario: str | None) -> float | None:
        if self.early_stopping is None:
            return None
        return self.early_stopping.for_scenario(scenario)

    @property
    def names(self) -> tuple[str, ...]:
        """The model's own name, its aliases and its conf names (as written in the data)."""
        found = [self.name, *self.aliases]
        found += [n for n in (self.conf_name, self.interactive_conf_name) if n]
        return tuple(found)


@dataclass(frozen=True, slots=True)
class InferenceSettings:
    """Round-wide LoadGen settings (``[settings]``)."""

    min_duration: Amount | None = None
    min_duration_scenarios: tuple[str, ...] = ()
    offline_min_samples: Amount | None = None
    multistream_samples_per_query: Amount | None = None
    multistream_min_query_count: Amount | None = None
    accuracy_log_max_size: Amount | None = None
    file_size_limit: Amount | None = None
    early_stopping_scenarios: tuple[str, ...] = ()
    early_stopping: Mapping[str, Amount] = field(default_factory=_frozen)  # SingleStream -> 90 ...
    inferred_results: Mapping[str, Any] = field(default_factory=_frozen)
    # LoadGen settings a run of a scenario must have: scenario -> {detail-log key: value, "source": ...}
    scenario_settings: Mapping[str, Mapping[str, Any]] = field(default_factory=_frozen)

    def percentile(self, scenario: str | None) -> float | None:
        """The early-stopping latency percentile of a scenario (90, 99), or None."""
        amount = self.early_stopping.get(scenario) if scenario else None
        return amount.value if amount is not None else None


@dataclass(frozen=True, slots=True)
class Seed:
    name: str
    value: int
    source: str = ""


@dataclass(frozen=True, slots=True)
class InferenceRulebook:
    """One inference round, merged over the rounds it extends."""

    round: str
    status: str
    checker_version: str
    chain: tuple[str, ...]
    sha256: str
    divisions: tuple[str, ...]
    system_types: tuple[str, ...]
    scenarios: tuple[str, ...]
    availabilities: tuple[str, ...]
    settings: InferenceSettings
    seeds: Mapping[str, Seed]
    test05_seeds: Mapping[str, Seed]
    result_keys: Mapping[str, ResultKey]
    models: Mapping[str, ModelRules]
    retired: tuple[str, ...]  # models of earlier rounds that this round drops
    compliance: Mapping[str, Mapping[str, Any]]
    measurements: Mapping[str, Any]
    layout: Mapping[str, Any]
    review: Mapping[str, Any]  # thresholds that send a result for review (not rules)
    accuracy_names: Mapping[str, tuple[str, ...]]  # target metric -> the names accuracy.txt prints it under
    disagreements: Mapping[str, Mapping[str, Any]]
    sources: Mapping[str, str]
    notes: tuple[str, ...] = ()
    suite: str = SUITE
    power: Mapping[str, Any] = field(default_factory=_frozen)  # [power]: read through compliance.rulebook.power
    endpoints: Mapping[str, Any] = field(default_factory=_frozen)  # how Endpoints (LoadGen++) results are read

    @property
    def endpoints_models(self) -> tuple[str, ...]:
        """The models the round allows as Endpoints results (none before 6.1)."""
        return tuple(self.endpoints.get("models", ()))

    @property
    def published(self) -> bool:
        return self.status == PUBLISHED

    def resolve_model(self, name: str | None) -> ModelRules | None:
        """The model a benchmark folder or ``--benchmark`` name means, or None.

        Tries the model's name, then its aliases, then its ``mlperf.conf``
        names (when only one model has that name), ignoring case and
        surrounding spaces.
        """
        if not name:
            return None
        wanted = name.strip().lower()
        if not wanted:
            return None
        for model in self.models.values():
            if model.name.lower() == wanted:
                return model
        for model in self.models.values():
            if any(alias.lower() == wanted for alias in model.aliases):
                return model
        by_conf = [
            model
            for model in self.models.values()
            if wanted in {(n or "").lower() for n in (model.conf_name, model.interactive_conf_name)}
        ]
        return by_conf[0] if len(by_conf) == 1 else None

    def resolve_scenario(self, name: str | None) -> str | None:
        """The round's spelling of a scenario name (``offline`` -> ``Offline``), or None."""
        if not name:
            return None
        wanted = name.strip().lower()
        for scenario in self.scenarios:
            if scenario.lower() == wanted:
                return scenario
        return None

    def is_retired(self, name: str) -> bool:
        wanted = name.strip().lower()
        return any(r.lower() == wanted for r in self.retired)

    def min_duration_ms(self, scenario: str | None, model: ModelRules | None = None) -> float | None:
        """The minimum duration a run of ``scenario`` must be configured with, or None."""
        amount = self.settings.min_duration
        if amount is None or amount.value is None or scenario is None:
            return None
        if self.settings.min_duration_scenarios and scenario not in self.settings.min_duration_scenarios:
            return None
        if model is not None and model.min_duration_exempt:
            return None
        return amount.value

    def offline_min_samples(self, model: ModelRules | None) -> tuple[float, str] | None:
        """The Offline minimum samples per query (the model's, else the round's) and its source."""
        for amount in ((model.offline_min_samples if model else None), self.settings.offline_min_samples):
            if amount is not None and amount.value is not None:
                return amount.value, amount.source
        return None

    def percentile(self, scenario: str | None, model: ModelRules | None = None) -> float | None:
        """The latency percentile a scenario's early-stopping estimate is for (model override first)."""
        if model is not None:
            override = model.early_stopping_percentile(scenario)
            if override is not None:
                return override
        return self.settings.percentile(scenario)


# ---------------------------------------------------------------------------
# Reading and merging


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
    """``child`` merged over ``parent`` by the README's rules (neither is changed)."""
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
    return Seed(name, int(text), str(raw.get("source", "")))


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
        unknown = set(entry) - RESULT_KEY_FIELDS
        if unknown:
            raise RulebookError(f"{where}.{scenario}: unknown fields {sorted(unknown)}")
        found[scenario] = ResultKey(
            entry["key"], str(entry.get("unit", "")), entry.get("checker_key"), entry.get("table_unit"), entry.get("checker_table_unit")
        )
    return _frozen(found)


def _latency(name: str, raw: Any) -> Mapping[str, LatencyBounds]:
    found = {}
    for scenario, bounds in (raw or {}).items():
        where = f"models.{name}.latency.{scenario}"
        if not isinstance(bounds, dict):
            raise RulebookError(f"{where}: expected a table")
        unknown = set(bounds) - LATENCY_FIELDS
        if unknown:
            raise RulebookError(f"{where}: unknown fields {sorted(unknown)}")
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
        unknown = set(entry) - ACCURACY_FIELDS
        if unknown:
            raise RulebookError(f"{where}: unknown fields {sorted(unknown)}")

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
        if not isinstance(entry, dict):
            raise RulebookError(f"{where}: expected a table")
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
    unknown = set(raw) - MODEL_FIELDS
    if unknown:
        raise RulebookError(f"{where}: unknown fields {sorted(unknown)}")
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
    unknown = set(raw) - SETTINGS_FIELDS
    if unknown:
        raise RulebookError(f"settings: unknown fields {sorted(unknown)}")
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
    canon = canonical_round(round_name)
    if canon is None:
        raise RulebookError(f"{round_name!r} is not a round name (use e.g. 5.1, v5.1 or 5.1.0)")
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
