"""Generate the published JSON Schemas from the report models (pydantic).

``python -m compliance.schema`` rewrites ``schemas/report.schema.json`` and
``schemas/waivers.schema.json`` (the waiver file, ``compliance.waivers``); a test
fails when a committed file is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from compliance.records import MISSING, fields, is_record
from compliance.reporters.json import SCHEMA_ID


class _Mirrors(dict[str, Any]):
    """A record module's names for ``eval`` of its annotations, its record classes read as
    their stdlib dataclass mirrors (made on first use)."""

    def __init__(self, module: dict[str, Any], made: dict[type, type]) -> None:
        super().__init__()
        self.module, self.made = module, made

    def __getitem__(self, name: str) -> Any:
        value = self.module[name]
        return _mirror(value, self.made) if isinstance(value, type) and is_record(value) else value


def _mirror(cls: type, made: dict[type, type]) -> type:
    """A stdlib dataclass with a record class's name, docstring, fields, defaults and types
    (records inside as their mirrors): pydantic reads dataclasses, not records."""
    if cls in made:
        return made[cls]
    import dataclasses

    specs = [
        (f.name, f.type, dataclasses.field(default=f.default) if f.default is not MISSING else dataclasses.field(default_factory=f.default_factory) if f.default_factory is not MISSING else dataclasses.field())
        for f in fields(cls)
    ]
    mirror = dataclasses.make_dataclass(cls.__name__, specs, namespace={"__doc__": cls.__doc__, "__module__": cls.__module__}, frozen=bool(getattr(cls, "__record_frozen__", False)))
    mirror.__qualname__ = cls.__qualname__
    made[cls] = mirror
    scope = _Mirrors(vars(sys.modules[cls.__module__]), made)
    for spec in dataclasses.fields(mirror):
        spec.type = eval(spec.type, {"__builtins__": __builtins__}, scope) if isinstance(spec.type, str) else spec.type
    return mirror


def report_schema() -> dict[str, Any]:
    from pydantic import TypeAdapter

    from compliance.models.report import Report

    schema = TypeAdapter(_mirror(Report, {})).json_schema(mode="serialization")
    schema["properties"] = {"$schema": {"type": "string", "title": "$Schema"}, **schema["properties"]}
    # Every field is always written (records.asdict), so every field is required,
    # and nothing else may appear.
    for definition in [schema, *schema.get("$defs", {}).values()]:
        if "properties" in definition:
            definition["required"] = [p for p in definition["properties"] if p != "$schema"]
            definition["additionalProperties"] = False
    body = {k: v for k, v in schema.items() if k not in ("title", "description")}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "mlperf-audit report",
        "description": "One run of mlperf-audit: what was checked, each finding, and the verdict. "
        "'passed' is true when no unwaived finding of severity 'error' remains.",
        **body,
    }


def render() -> str:
    return json.dumps(report_schema(), indent=2, sort_keys=False) + "\n"


def schema_path(name: str = "report") -> Path:
    return Path(__file__).resolve().parent.parent / "schemas" / f"{name}.schema.json"


def render_waivers() -> str:
    from compliance.waivers import waiver_schema

    return json.dumps(waiver_schema(), indent=2) + "\n"


def main() -> int:
    for name, text in (("report", render()), ("waivers", render_waivers())):
        path = schema_path(name)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
