"""The typed view of an MLPerf Inference round (``checkers/inference/v<round>.toml``): frozen
models the inference rules read (``InferenceRulebook``, ``ModelRules``, ``LatencyBounds`` ...).

Nothing here reads a file: ``compliance.rulebook.inference`` loads a round, merges the rounds
it extends and builds these.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from compliance.records import field, recordclass

SUITE = "inference"
# The suites whose rounds are written in this format: MLPerf Automotive is a fork of the inference
# rules (its own LoadGen build, scenarios and models), read and checked by the same code.
SUITES = ("inference", "automotive")
SEED_NAMES = ("qsl_rng_seed", "sample_index_rng_seed", "schedule_rng_seed")
TOKEN_LATENCY_MODES = ("required", "inferred")
PUBLISHED = "published"


def _frozen(mapping: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@recordclass(frozen=True, slots=True)
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


@recordclass(frozen=True, slots=True)
class LatencyBounds:
    """One scenario's latency bounds of a model, in ms (all at the 99th percentile)."""

    scenario: str
    target_latency: Amount | None = None  # the scenario's latency bound
    ttft_p99: Amount | None = None  # LLM time to first token (strictly below)
    tpot_p99: Amount | None = None  # LLM time per output token (strictly below)
    checker_target_latency: Amount | None = None  # the checker's generic constraint (token models)


@recordclass(frozen=True, slots=True)
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


@recordclass(frozen=True, slots=True)
class ScenarioSet:
    """Required and allowed scenarios of a model for one system type."""

    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    at_least_one_of: tuple[tuple[str, ...], ...] = ()
    source: str = ""


@recordclass(frozen=True, slots=True)
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


@recordclass(frozen=True, slots=True)
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


@recordclass(frozen=True, slots=True)
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


@recordclass(frozen=True, slots=True)
class Seed:
    """One official LoadGen seed of the round (``[seeds]``: keyed by its name, ``qsl_rng_seed`` ...)."""

    value: int
    source: str = ""


@recordclass(frozen=True, slots=True)
class RoundIdentity:
    """What a round's data says of itself, in the suites read with ``merged_chain`` (Inference,
    Tiny): the round, its status (``published`` ...), the rounds it was built from (oldest
    first), the sha256 of their files, and the round's divisions."""

    round: str
    status: str
    chain: tuple[str, ...]
    sha256: str
    divisions: tuple[str, ...]


@recordclass(frozen=True, slots=True)
class InferenceRulebook(RoundIdentity):
    """One inference round, merged over the rounds it extends."""

    checker_version: str
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
