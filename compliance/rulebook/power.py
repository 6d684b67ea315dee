"""Typed view of a round's power data (``[power]`` of ``checkers/inference/v<round>.toml``).

The inference loader (``compliance.rulebook.inference``) reads and merges the
round chain; this module only turns the merged ``[power]`` table into frozen
values the power rules (IPW) read. Every entry is a quantity (``value``,
``unit``, ``source``); a round that measured no power has none, and
``power_rules`` then returns None.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from compliance.records import fields, recordclass
from compliance.rulebook.model import RulebookError


@recordclass(frozen=True, slots=True)
class PowerRules:
    """What a round's Power WG checker and power metric need (see ``checkers/inference/README.md``)."""

    ptd_versions: tuple[str, ...]
    analyzers: Mapping[str, int]  # analyzer model (Identify reply) -> PTDaemon device type number
    two_channel_devices: tuple[int, ...]
    source_checksums: tuple[Mapping[str, str], ...]
    session_fields: tuple[str, ...]
    server_fields: tuple[str, ...]
    result_files: tuple[str, ...]  # below performance/, whose sha1 the session files record
    replies: Mapping[str, str]  # command prefix -> the reply PTDaemon must give
    third_stop_reply: str
    amps_restore_command: tuple[int, ...]
    volts_restore_command: int
    clock_tolerance_ms: float
    clock_offset_warning_ms: float
    testing_power_drop_percent: float
    testing_duration_drop_percent: float
    dst_shift_s: float
    ranging_errors: tuple[str, ...]
    testing_errors: tuple[str, ...]
    uncertainty_over: tuple[str, str]  # a warning's start, and words it contains
    uncertainty_activated: tuple[str, str]
    datetime_format: str
    system_fields: tuple[str, ...]  # the system description fields a system with power results must have
    sample_interval_ms: float
    sample_gap_warning_percent: float
    metric_watts_scenarios: tuple[str, ...]
    metric_energy_scenarios: tuple[str, ...]
    sources: Mapping[str, str]  # field -> where its value comes from


def _value(table: Mapping[str, Any], name: str) -> Any:
    entry = table.get(name)
    if not isinstance(entry, Mapping) or "value" not in entry or not entry.get("unit") or not entry.get("source"):
        raise RulebookError(f"power.{name}: expected {{ value, unit, source }}")
    return entry["value"]


def _texts(table: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = _value(table, name)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RulebookError(f"power.{name}: expected a list of strings")
    return tuple(value)


def _numbers(table: Mapping[str, Any], name: str) -> tuple[int, ...]:
    value = _value(table, name)
    if not isinstance(value, list) or not all(isinstance(item, int) and not isinstance(item, bool) for item in value):
        raise RulebookError(f"power.{name}: expected a list of whole numbers")
    return tuple(value)


def _number(table: Mapping[str, Any], name: str) -> float:
    value = _value(table, name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RulebookError(f"power.{name}: expected a number")
    return float(value)


def _text(table: Mapping[str, Any], name: str) -> str:
    value = _value(table, name)
    if not isinstance(value, str):
        raise RulebookError(f"power.{name}: expected a string")
    return value


def _pair(table: Mapping[str, Any], name: str) -> tuple[str, str]:
    value = _texts(table, name)
    if len(value) != 2:
        raise RulebookError(f"power.{name}: expected [start, end]")
    return value[0], value[1]


def _mapping(table: Mapping[str, Any], name: str, kind: type) -> Mapping[str, Any]:
    value = _value(table, name)
    if not isinstance(value, Mapping) or not all(isinstance(v, kind) and not isinstance(v, bool) for v in value.values()):
        raise RulebookError(f"power.{name}: expected a table of {kind.__name__} values")
    return dict(value)


PACKAGE_INIT = "__init__.py"
EMPTY_FILE_SHA1 = hashlib.sha1(b"", usedforsecurity=False).hexdigest()


def _checksum_sets(table: Mapping[str, Any], name: str) -> tuple[Mapping[str, str], ...]:
    """Each accepted release: ``files`` (path -> sha1) and ``packages`` (the folders that hold an
    empty package init file, "" for the top), as one path -> sha1 table like a session's ``sources``."""
    value = _value(table, name)
    if not isinstance(value, list):
        raise RulebookError(f"power.{name}: expected a list of {{files, packages}}")
    sets = []
    for item in value:
        files, packages = (item.get("files"), item.get("packages")) if isinstance(item, Mapping) else (None, None)
        if not isinstance(files, Mapping) or not isinstance(packages, list):
            raise RulebookError(f"power.{name}: expected a list of {{files, packages}}")
        found = {str(k): str(v) for k, v in files.items()}
        found.update({f"{folder}/{PACKAGE_INIT}".lstrip("/"): EMPTY_FILE_SHA1 for folder in map(str, packages)})
        sets.append(found)
    return tuple(sets)


def _whole(table: Mapping[str, Any], name: str) -> int:
    return int(_number(table, name))


def _ints(table: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    return _mapping(table, name, int)


def _strs(table: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    return _mapping(table, name, str)


# the reader of each PowerRules field, by the field's type as annotated
_READERS: dict[str, Callable[[Mapping[str, Any], str], Any]] = {
    "tuple[str, ...]": _texts,
    "tuple[int, ...]": _numbers,
    "tuple[str, str]": _pair,
    "tuple[Mapping[str, str], ...]": _checksum_sets,
    "Mapping[str, int]": _ints,
    "Mapping[str, str]": _strs,
    "str": _text,
    "int": _whole,
    "float": _number,
}

# the fields whose name carries the unit their round-data entry states; the others are named as their key
_KEYS = {
    "clock_tolerance_ms": "clock_tolerance",
    "clock_offset_warning_ms": "clock_offset_warning",
    "testing_power_drop_percent": "testing_power_drop",
    "testing_duration_drop_percent": "testing_duration_drop",
    "dst_shift_s": "dst_shift",
    "sample_interval_ms": "sample_interval",
    "sample_gap_warning_percent": "sample_gap_warning",
}


def power_rules(table: Mapping[str, Any]) -> PowerRules | None:
    """The round's power rules from its merged ``[power]`` table, or None when it has none."""
    if not table:
        return None
    values = {f.name: _READERS[str(f.type)](table, _KEYS.get(f.name, f.name)) for f in fields(PowerRules) if f.name != "sources"}
    sources = {name: str(entry.get("source", "")) for name, entry in table.items() if isinstance(entry, Mapping)}
    return PowerRules(**values, sources=sources)
