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

from compliance.reporters.json import SCHEMA_ID


def report_schema() -> dict[str, Any]:
    from pydantic import TypeAdapter

    from compliance.models.report import Report

    schema = TypeAdapter(Report).json_schema(mode="serialization")
    schema["properties"] = {"$schema": {"type": "string", "title": "$Schema"}, **schema["properties"]}
    # Every field is always written (dataclasses.asdict), so every field is required,
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
