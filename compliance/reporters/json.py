"""JSON report, valid against ``schemas/report.schema.json``."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

import orjson

from compliance.escape import json_output
from compliance.parsers.safefs import shown
from compliance.records import fields, is_record

if TYPE_CHECKING:  # the report model imports this module for Report.to_frame
    from compliance.models.report import Report

SCHEMA_ID = "https://github.com/mlperf-audit/mlperf-audit/schemas/report.schema.json"


_INT_MIN, _INT_MAX = -(1 << 63), (1 << 64) - 1  # what orjson writes as a JSON number


_FIELDS: dict[type, tuple[str, ...]] = {}


def _data(value: Any, plain: bool = True) -> Any:
    """``value`` as JSON data, as ``records.asdict`` then the plain-text pass would make it
    in two walks (a whole round's report has a hundred thousand objects): records as dicts,
    and, outside tuples (which asdict keeps and the pass never entered), enums as their values,
    names that are not UTF-8 with \\x escapes and integers past 64 bits as strings."""
    kind = type(value)
    if kind is str:
        # a name that is not UTF-8 (undecodable bytes as surrogates) is written with \x escapes
        return value if not plain or value.isascii() else shown(value)
    if kind is int:
        return value if not plain or _INT_MIN <= value <= _INT_MAX else str(value)
    if kind is float or kind is bool or value is None:
        return value
    names = _FIELDS.get(kind)
    if names is None and is_record(value) and not isinstance(value, type):
        names = _FIELDS[kind] = tuple(f.name for f in fields(value))
    if names is not None:
        return {name: _data(getattr(value, name), plain) for name in names}
    if isinstance(value, Enum):
        return value.value if plain else value
    if isinstance(value, dict):
        return {_data(k, False): _data(v, plain) for k, v in value.items()}
    if isinstance(value, list):
        return [_data(v, plain) for v in value]
    if isinstance(value, tuple):
        return tuple(_data(v, False) for v in value)
    return value


def to_dict(report: Report) -> dict[str, Any]:
    return {"$schema": SCHEMA_ID, **_data(report)}


def render(report: Report) -> str:
    # C1 and bidirectional controls and '##[' inside strings as \u escapes: the same data, inert bytes
    return json_output(orjson.dumps(to_dict(report), option=orjson.OPT_INDENT_2).decode()) + "\n"
