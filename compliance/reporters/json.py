"""JSON report, valid against ``schemas/report.schema.json``."""

from __future__ import annotations

from dataclasses import asdict
from enum import Enum
from typing import TYPE_CHECKING, Any

import orjson

from compliance.escape import json_output
from compliance.parsers.safefs import shown

if TYPE_CHECKING:  # the report model imports this module for Report.to_frame
    from compliance.models.report import Report

SCHEMA_ID = "https://github.com/mlperf-audit/mlperf-audit/schemas/report.schema.json"


_INT_MIN, _INT_MAX = -(1 << 63), (1 << 64) - 1  # what orjson writes as a JSON number


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        # a name that is not UTF-8 (undecodable bytes as surrogates) is written with \x escapes
        return value if value.isascii() else shown(value)
    if kind is int and not _INT_MIN <= value <= _INT_MAX:
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def to_dict(report: Report) -> dict[str, Any]:
    data = _plain(asdict(report))
    return {"$schema": SCHEMA_ID, **data}


def render(report: Report) -> str:
    # C1 and bidirectional controls and '##[' inside strings as \u escapes: the same data, inert bytes
    return json_output(orjson.dumps(to_dict(report), option=orjson.OPT_INDENT_2).decode()) + "\n"
