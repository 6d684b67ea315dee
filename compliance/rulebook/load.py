"""Find, read, merge (``extends``) and validate round rule data."""

from __future__ import annotations

import os
import re
from functools import lru_cache

from compliance.records import replace
from compliance.rulebook.expr import compile_expression
from compliance.rulebook.model import (
    BenchmarkInfo,
    KeySpec,
    Quantity,
    Rulebook,
    RulebookError,
    build_key,
)

TYPE_CHECKING = False
if TYPE_CHECKING:  # only for the type checker: importing typing and pathlib costs start-up time
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any

SUITES = ("training", "hpc")  # the MLLOG suites this module loads (load_rulebook)
ALL_SUITES = (*SUITES, "inference")  # inference rounds: compliance.rulebook.inference
_ROUND = re.compile(r"^[vV]?(\d+)\.(\d+)(?:\.0)?$")
TOP_FIELDS = {
    "schema",
    "suite",
    "round",
    "extends",
    "ruleset",
    "sources",
    "divisions",
    "benchmarks",
    "keys",
    "derived",
    "limits",
    "timed_keys",
    "seed_key",
    "seed_required",
    "repo_checker",
    "borrowing",
    "notes",
}
BENCHMARK_FIELDS = {
    "runs",
    "offline_eval",
    "hyperparameters_fixed",
    "retired",
    "source",
    "quality",
    "quality_unit",
    "convergence",
    "olympic_drop",
    "rules_section",
    "virtual",
    "notes",
}


@lru_cache(maxsize=1)
def data_folder() -> str:
    """The ``checkers/`` folder: the one ``MLPERF_AUDIT_CHECKERS`` names (round data being
    prepared, or a round added to a copy: data only, no code), else inside the installed
    package, or the source tree."""
    chosen = os.environ.get("MLPERF_AUDIT_CHECKERS")
    if chosen:
        if not os.path.isdir(chosen):
            raise FileNotFoundError(f"MLPERF_AUDIT_CHECKERS={chosen}: no such folder")
        return os.path.abspath(chosen)
    here = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    for candidate in (os.path.join(here, "_data", "checkers"), os.path.join(os.path.dirname(here), "checkers")):
        if os.path.isdir(candidate):
            return candidate
    raise FileNotFoundError("mlperf-audit's round data (checkers/) is missing from this installation")


def data_dir() -> Path:
    """``data_folder()`` as a Path."""
    from pathlib import Path

    return Path(data_folder())


def canonical_round(text: str) -> str | None:
    """'5.0', 'v5.0' and '5.0.0' all mean round 5.0; returns None for anything else."""
    match = _ROUND.match(text.strip())
    if not match:
        return None
    return f"{int(match.group(1))}.{int(match.group(2))}"


def _round_key(name: str) -> tuple[int, int]:
    major, minor = name.split(".")
    return int(major), int(minor)


@lru_cache(maxsize=None)
def _round_files(suite: str) -> tuple[str, ...]:
    try:
        names = os.listdir(os.path.join(data_folder(), suite))
    except OSError:
        return ()
    return tuple(sorted(n for n in names if n.startswith("v") and n.endswith(".toml")))


def available_rounds(suite: str) -> list[str]:
    rounds = []
    for name in _round_files(suite):
        canon = canonical_round(name[: -len(".toml")])
        if canon:
            rounds.append(canon)
    return sorted(rounds, key=_round_key)


def newest_round(suite: str) -> str:
    """The newest *published* round of a suite (a round's ``status`` field; absent means published).

    A round in preparation (inference 6.1) is never the default: name it to use it.
    """
    rounds = available_rounds(suite)
    if not rounds:
        raise FileNotFoundError(f"no round data for suite {suite!r}")
    for round_name in reversed(rounds):
        if round_status(suite, round_name) == "published":
            return round_name
    return rounds[-1]


@lru_cache(maxsize=None)
def round_status(suite: str, round_name: str) -> str:
    """A round file's ``status`` (``published`` or ``in preparation``); ``published`` when it has none."""
    try:
        data = read_data(os.path.join(data_folder(), suite, f"v{round_name}.toml"))[0]
    except (OSError, RulebookError):
        return "published"
    status = data.get("status", "published")
    return status if isinstance(status, str) else "published"


def _cache_dir() -> str | None:
    """Where parsed round files are cached (JSON), or None when caching is off."""
    if os.environ.get("MLPERF_AUDIT_NO_CACHE"):
        return None
    base = os.environ.get("MLPERF_AUDIT_CACHE_DIR")
    if not base:
        home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        base = os.path.join(home, "mlperf-audit")
    return base


def _parse_toml(raw: bytes, name: str) -> dict[str, Any]:
    """Parse a round file, through a JSON cache keyed by the file's sha256.

    TOML parsing is most of the start-up cost of a check; the cache holds only
    the parsed data (JSON, never code) and is skipped on any error.
    """
    import hashlib
    import json

    digest = hashlib.sha256(raw).hexdigest()
    folder = _cache_dir()
    cached = os.path.join(folder, f"round-{digest}.json") if folder else None
    if cached:
        try:
            with open(cached, encoding="utf-8") as handle:
                entry = json.load(handle)
            if entry.get("sha256") == digest and entry.get("format") == _CACHE_FORMAT:
                data: dict[str, Any] = entry["data"]
                return data
        except (OSError, ValueError, AttributeError, TypeError):
            pass
    import tomllib  # only on a cache miss: most runs read the JSON cache

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise RulebookError(f"{name}: {err}") from err
    if cached:
        try:
            os.makedirs(folder, exist_ok=True)  # type: ignore[arg-type]
            tmp = f"{cached}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump({"format": _CACHE_FORMAT, "sha256": digest, "data": data}, handle)
            os.replace(tmp, cached)
        except (OSError, ValueError, TypeError):
            pass
    return data


_CACHE_FORMAT = 1
_INDEX_FORMAT = 1


class _Index:
    """Which parsed data file holds each round file, by the file's size, modification time and
    inode (as Python's own bytecode cache is checked), so that a check reads one small JSON
    file per round file and neither hashes nor parses TOML (``index-N.json`` in the cache
    folder, next to the parsed files; JSON only, rewritten whole when it changes). It also
    keeps the sha256 of each round's chain and the benchmarks of each round (detection asks
    for every round's), under the same file signatures."""

    def __init__(self) -> None:
        self.entries: dict[str, Any] | None = None
        self.parsed: dict[str, tuple[str, Any, dict[str, Any]]] = {}  # path -> (signature, digest, data)

    def _path(self) -> str | None:
        folder = _cache_dir()
        return os.path.join(folder, f"index-{_INDEX_FORMAT}.json") if folder else None

    def table(self) -> dict[str, Any]:
        if self.entries is None:
            path = self._path()
            self.entries = read_cache_file(path) if path else {}
        return self.entries

    def get(self, name: str, signature: str) -> Any:
        entry = self.table().get(name)
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == signature:
            return entry[1]
        return None

    def put(self, name: str, signature: str, value: Any) -> None:
        table = self.table()
        if table.get(name) == [signature, value]:
            return
        table[name] = [signature, value]
        path = self._path()
        if path:
            write_cache_file(path, table)


def read_cache_file(path: str) -> dict[str, Any]:
    """A JSON object kept in the cache folder, or an empty one when it is missing or damaged."""
    import json

    try:
        with open(path, encoding="utf-8") as handle:
            loaded = json.load(handle)
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def write_cache_file(path: str, table: dict[str, Any]) -> None:
    """Replace a cache file whole (written beside it, then renamed); a failure only means a
    later check computes again."""
    import json

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(table, handle)
        os.replace(tmp, path)
    except (OSError, ValueError, TypeError):
        pass


_INDEX = _Index()


def signature(path: str) -> str:
    """A data file's size, modification time and inode (raises OSError when it cannot be read)."""
    info = os.stat(path)
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ino}"


def _parse_json(raw: bytes, name: str) -> dict[str, Any]:
    """A JSON data file (the RCP tables): parsed as it is, no cache (JSON is quick to read)."""
    import json

    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise RulebookError(f"{name}: {err}") from err
    if not isinstance(data, dict):
        raise RulebookError(f"{name}: the top level must be an object")
    return data


def read_data(path: str) -> tuple[dict[str, Any], str]:
    """A round data file's parsed content (TOML, or JSON for the RCP tables) and its sha256, read
    once per process; through the index when the file is unchanged since it was last parsed."""
    sig = signature(path)
    known = _INDEX.parsed.get(path)
    if known is not None and known[0] == sig:
        return known[2], known[1]
    digest = _INDEX.get(path, sig)
    data = _cached(digest) if isinstance(digest, str) else None
    if data is None:
        with open(path, "rb") as handle:
            raw = handle.read()
        import hashlib

        digest = hashlib.sha256(raw).hexdigest()
        data = _parse_json(raw, os.path.basename(path)) if path.endswith(".json") else _parse_toml(raw, os.path.basename(path))
        _INDEX.put(path, sig, digest)
    _INDEX.parsed[path] = (sig, digest, data)
    return data, digest


def _cached(digest: str) -> dict[str, Any] | None:
    """The parsed data cached for a file of that sha256, or None."""
    folder = _cache_dir()
    if not folder:
        return None
    import json

    try:
        with open(os.path.join(folder, f"round-{digest}.json"), encoding="utf-8") as handle:
            entry = json.load(handle)
        if entry.get("sha256") == digest and entry.get("format") == _CACHE_FORMAT and isinstance(entry.get("data"), dict):
            return entry["data"]  # type: ignore[no-any-return]
    except (OSError, ValueError, AttributeError, TypeError):
        pass
    return None


def _round_path(suite: str, round_name: str) -> str:
    return os.path.join(data_folder(), suite, f"v{round_name}.toml")


def _read(suite: str, round_name: str) -> tuple[dict[str, Any], str]:
    """A round file's data and its path (``read_chain`` reads it again for the chain's sha256 only on a cache miss)."""
    path = _round_path(suite, round_name)
    data = read_data(path)[0]
    unknown = set(data) - TOP_FIELDS
    if unknown:
        raise RulebookError(f"{suite}/v{round_name}.toml: unknown top-level fields {sorted(unknown)}")
    if data.get("suite") != suite or canonical_round(str(data.get("round", ""))) != round_name:
        raise RulebookError(f"{suite}/v{round_name}.toml: suite/round fields do not match the file name")
    return data, path


def chain_sha256(paths: list[str]) -> str:
    """The sha256 of a chain's files as read (joined by NUL bytes), newest first; kept in the
    index under the files' signatures."""
    signatures = "|".join(signature(path) for path in paths)
    name = "chain:" + "|".join(paths)
    known = _INDEX.get(name, signatures)
    if isinstance(known, str):
        return known
    import hashlib

    blobs = []
    for path in paths:
        with open(path, "rb") as handle:
            blobs.append(handle.read())
    digest = hashlib.sha256(b"\0".join(blobs)).hexdigest()
    _INDEX.put(name, signatures, digest)
    return digest


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """``child`` (a later training/HPC round) over ``parent``, by the training format's rules
    (``checkers/README.md``): a key spec (``keys.<section>.<key>``) and a derived expression
    replace the earlier one whole; a benchmark's, a limit's or a source's fields merge one level
    deep (a retired benchmark stays, marked ``retired``, so that ``load_rulebook`` can tell the
    key section of a retired benchmark from that of an unknown one); a ``borrowing`` table merges
    per field; any other value is replaced.

    Not ``rulebook.inference.merge_layers``, on purpose: that one (the inference, Tiny and Mobile
    formats) merges tables at every depth but for the leaves it names, and drops ``retired``
    models (``models.<m>``) and ``drop`` tables as it merges. Merged that way, a later round's
    key spec would keep the fields of the earlier spec it does not repeat (an old ``check``
    beside new ``values``), and a key spec with ``drop = true``, which must outlive the merge
    (it also hides the key of a less specific section when the rulebook looks keys up), would
    be removed by it.
    """
    out = dict(parent)
    for name, value in child.items():
        if name in ("keys", "derived"):
            sections = {sec: dict(table) for sec, table in parent.get(name, {}).items()}
            for section, table in value.items():
                merged = sections.setdefault(section, {})
                merged.update(table)  # a key spec in a later round replaces the earlier one whole
            out[name] = sections
        elif name in ("benchmarks", "limits", "sources"):
            tables = {k: (dict(v) if isinstance(v, dict) else v) for k, v in parent.get(name, {}).items()}
            for item, fields in value.items():
                if isinstance(fields, dict) and isinstance(tables.get(item), dict):
                    tables[item] = {**tables[item], **fields}
                else:
                    tables[item] = fields
            out[name] = tables
        elif name == "borrowing" and isinstance(value, dict):
            table = dict(parent.get(name, {}))
            for field_name, field_value in value.items():
                earlier = table.get(field_name)
                # per-benchmark tables add benchmarks; lists and values replace the earlier round's
                table[field_name] = {**earlier, **field_value} if isinstance(earlier, dict) and isinstance(field_value, dict) else field_value
            out[name] = table
        else:
            out[name] = value
    return out


def _quantity(name: str, raw: Any) -> Quantity:
    if not isinstance(raw, dict) or "value" not in raw or "unit" not in raw:
        raise RulebookError(f"limits.{name}: needs value and unit")
    return Quantity(float(raw["value"]), str(raw["unit"]), str(raw.get("source", "")))


def read_chain(
    suite: str, canon: str, read: Callable[[str], tuple[dict[str, Any], Any]]
) -> tuple[list[str], list[Any], list[dict[str, Any]]]:
    """Read a round's file and, through ``extends``, every earlier one it builds on.

    Returns the rounds (newest first), what ``read`` gave with each (its path, or its
    raw bytes) and their parsed data.
    """
    chain: list[str] = []
    blobs: list[Any] = []
    layers: list[dict[str, Any]] = []
    current: str | None = canon
    while current is not None:
        if current in chain:
            raise RulebookError(f"extends loop at {current}")
        data, raw = read(current)
        chain.append(current)
        blobs.append(raw)
        layers.append(data)
        parent = data.get("extends")
        current = canonical_round(str(parent)) if parent is not None else None
        if parent is not None and current is None:
            raise RulebookError(f"{suite}/v{chain[-1]}.toml: bad extends {parent!r}")
    return chain, blobs, layers


def _shared_files(suite: str, canon: str) -> list[str]:
    """The other data files a check of this round may read, for the rulebook's sha256: the RCP
    files of this round and the earlier ones (an RCP file extends only earlier rounds), the
    key list and the submission calendar."""
    folder = data_folder()
    rcp = os.path.join(folder, suite, "rcp")
    try:
        names = sorted(os.listdir(rcp))
    except OSError:
        names = []
    found = []
    for name in names:
        round_of = canonical_round(name[: -len(".json")]) if name.startswith("v") and name.endswith(".json") else None
        if round_of is not None and _round_key(round_of) <= _round_key(canon):
            found.append(os.path.join(rcp, name))
    return found + [path for path in (os.path.join(folder, n) for n in ("mllog_keys.toml", "calendar.toml")) if os.path.isfile(path)]


def checked_round(round_name: str, error: type[RulebookError] = RulebookError, example: str = "5.0") -> str:
    """The canonical name of a round (``5.0`` for ``v5.0`` or ``5.0.0``); ``error`` when
    ``round_name`` is not the name of a round."""
    canon = canonical_round(round_name)
    if canon is None:
        raise error(f"{round_name!r} is not a round name (use e.g. {example}, v{example} or {example}.0)")
    return canon


@lru_cache(maxsize=None)
def load_rulebook(suite: str, round_name: str) -> Rulebook:
    """Load one round's rule data, following ``extends`` to earlier rounds."""
    if suite not in SUITES:
        raise RulebookError(f"unknown suite {suite!r}")
    canon = checked_round(round_name)
    chain, blobs, layers = read_chain(suite, canon, lambda name: _read(suite, name))
    merged: dict[str, Any] = {}
    for layer in reversed(layers):
        merged = _merge(merged, layer)

    benchmarks: dict[str, BenchmarkInfo] = {}
    for name, raw in merged.get("benchmarks", {}).items():
        unknown = set(raw) - BENCHMARK_FIELDS
        if unknown:
            raise RulebookError(f"benchmarks.{name}: unknown fields {sorted(unknown)}")
        if raw.get("retired"):
            continue
        runs = raw.get("runs")
        virtual = []
        for vname, vraw in raw.get("virtual", {}).items():
            builder = vraw.get("builder")
            from compliance.rules.training.functions import VIRTUAL_BUILDERS

            if builder not in VIRTUAL_BUILDERS:
                raise RulebookError(f"benchmarks.{name}.virtual.{vname}: unknown builder {builder!r}")
            args = tuple(sorted((k, v) for k, v in vraw.items() if k != "builder"))
            virtual.append((vname, builder, args))
        benchmarks[name] = BenchmarkInfo(
            name=name,
            runs=int(runs["value"]) if isinstance(runs, dict) else runs,
            offline_eval=bool(raw.get("offline_eval", False)),
            hyperparameters_fixed=bool(raw.get("hyperparameters_fixed", False)),
            source=str(raw.get("source", "")),
            quality=str(raw.get("quality", "")),
            quality_unit=str(raw.get("quality_unit", "")),
            convergence=str(raw.get("convergence", "epoch_num")),
            olympic_drop=int(raw.get("olympic_drop", 1)),
            rules_section=str(raw.get("rules_section", "")),
            virtual=tuple(virtual),
        )

    divisions = tuple(merged.get("divisions", ["closed", "open"]))
    sections: dict[str, dict[str, KeySpec]] = {}
    for section, table in merged.get("keys", {}).items():
        parts = section.split(".")
        if parts[0] != "common" and parts[0] not in divisions:
            raise RulebookError(f"keys.{section}: sections are common, <division> or <division>.<benchmark>")
        if len(parts) >= 2 and parts[1] not in benchmarks:
            # the benchmark is retired in this round: its rules go with it
            if parts[1] in merged.get("benchmarks", {}):
                continue
            raise RulebookError(f"keys.{section}: unknown benchmark {parts[1]!r}")
        sections[section] = {key: build_key(key, spec, section) for key, spec in table.items()}

    derived = {}
    for section, table in merged.get("derived", {}).items():
        try:
            derived[section] = {name: compile_expression(text) for name, text in table.items()}
        except ValueError as err:
            raise RulebookError(f"derived.{section}: {err}") from err

    limits = {name: _quantity(name, raw) for name, raw in merged.get("limits", {}).items()}
    known = _known_keys()
    book = Rulebook(
        suite=suite,
        round=canon,
        ruleset=str(merged.get("ruleset", f"{suite}_{canon}.0")),
        chain=tuple(reversed(chain)),
        sha256=chain_sha256([*blobs, *_shared_files(suite, canon)]),
        divisions=divisions,
        benchmarks=benchmarks,
        sections=sections,
        derived=derived,
        limits=limits,
        timed_keys=tuple(merged.get("timed_keys", ())),
        seed_key=str(merged.get("seed_key", "seed")),
        seed_required=bool(merged.get("seed_required", False)),
        repo_checker=bool(merged.get("repo_checker", True)),
        batch_size_keys=frozenset(merged.get("borrowing", {}).get("batch_size_keys", ())),
        not_hyperparameters=frozenset(merged.get("borrowing", {}).get("not_hyperparameters", ())),
        batch_size_derived=_key_lists(merged.get("borrowing", {}).get("batch_size_derived", {})),
        not_hyperparameters_by_benchmark=_key_lists(merged.get("borrowing", {}).get("not_hyperparameters_by_benchmark", {})),
        tunable=_key_lists(merged.get("borrowing", {}).get("tunable", {})),
        known_keys=frozenset(),
        sources={k: str(v) for k, v in merged.get("sources", {}).items()},
    )
    all_known = frozenset(known | book.mentioned_keys())
    return replace(book, known_keys=all_known)


def _key_lists(table: Any) -> dict[str, frozenset[str]]:
    """``{benchmark = [keys]}`` from the round data."""
    if not isinstance(table, dict):
        raise RulebookError("borrowing: expected a table of benchmark = [keys]")
    out = {}
    for benchmark, keys in table.items():
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise RulebookError(f"borrowing.{benchmark}: expected a list of key names")
        out[str(benchmark)] = frozenset(keys)
    return out


@lru_cache(maxsize=1)
def _known_keys() -> frozenset[str]:
    data = read_data(os.path.join(data_folder(), "mllog_keys.toml"))[0]
    keys: set[str] = set()
    for group in data.get("keys", {}).values():
        keys.update(group)
    return frozenset(keys)


@lru_cache(maxsize=None)
def round_benchmarks(suite: str, round_name: str) -> frozenset[str]:
    """The benchmarks of a round (retired ones dropped), from the round files alone.

    Cheaper than ``load_rulebook``: round detection asks it of every round. Kept in the
    index under the signatures of the round's chain of files.
    """
    path = _round_path(suite, round_name)
    chain = [path]
    try:
        chain += [_round_path(suite, r) for r in _chain_rounds(suite, round_name)[1:]]
        signatures = "|".join(signature(p) for p in chain)
    except OSError:
        signatures = ""
    name = f"benchmarks:{path}"  # by the file's path: two installs sharing a cache folder keep an entry each
    known = _INDEX.get(name, signatures) if signatures else None
    if isinstance(known, list):
        return frozenset(known)
    _chain, _paths, layers = read_chain(suite, round_name, lambda name: _read(suite, name))
    tables: dict[str, Any] = {}
    for layer in reversed(layers):
        for name_, fields in layer.get("benchmarks", {}).items():
            tables[name_] = {**tables.get(name_, {}), **fields} if isinstance(fields, dict) else fields
    found = frozenset(n for n, fields in tables.items() if not (isinstance(fields, dict) and fields.get("retired")))
    if signatures:
        _INDEX.put(name, signatures, sorted(found))
    return found


def _chain_rounds(suite: str, round_name: str) -> list[str]:
    """The rounds a round's file builds on (itself first): each file's ``extends`` is kept in the
    index under that file's own signature."""
    chain: list[str] = []
    current: str | None = round_name
    while current is not None and current not in chain:
        chain.append(current)
        path = _round_path(suite, current)
        name = f"extends:{path}"
        sig = signature(path)
        known = _INDEX.get(name, sig)
        if not isinstance(known, dict):
            parent = _read(suite, current)[0].get("extends")
            known = {"extends": canonical_round(str(parent)) if parent is not None else None}
            _INDEX.put(name, sig, known)
        current = known.get("extends")
    return chain


def benchmark_rounds(suite: str, benchmark: str) -> list[str]:
    """The rounds of a suite whose rules know this benchmark (for hints)."""
    found = []
    for round_name in available_rounds(suite):
        try:
            book = load_rulebook(suite, round_name)
        except RulebookError:
            continue
        if benchmark in book.benchmarks:
            found.append(round_name)
    return found


def suite_of_benchmark(benchmark: str) -> str | None:
    """Which suite's newest rules know this benchmark name."""
    for suite in SUITES:
        for round_name in reversed(available_rounds(suite)):
            if benchmark in round_benchmarks(suite, round_name):
                return suite
    return None
