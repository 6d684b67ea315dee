"""``parse_loadgen_summary``: ``mlperf_log_summary.txt``, parsed line by line
(separators vary: ``key : v``, ``key: v``, padded ``key    : v``)."""

from __future__ import annotations

import re
from typing import Any

from compliance.models.loadgen import (
    LoadgenSummary,
    SummaryField,
)
from compliance.parsers.mllog import (
    MAX_INT_DIGITS,
)
from compliance.parsers.loadgen.common import (
    ISSUE_BAD_NUMBER,
    ISSUE_EMPTY,
    ISSUE_INCOMPLETE,
    ISSUE_NOT_SUMMARY,
    SUMMARY_MAX_BYTES,
    Source,
    _decode_lines,
    _Issues,
    _Loaded,
    _read,
    _report_cut,
    _whole_lines,
)


_COUNT_LINE = re.compile(r"^(\d+)\s+(warning|error)s?\s+encountered", re.IGNORECASE)
_LONG_NUMBER = re.compile(r"(?<!\d)\d{%d}" % (MAX_INT_DIGITS + 1))  # tried once per run of digits: linear
MAX_BULLET_PARTS = 100_000  # wrapped lines kept per summary (a real one has a few dozen)
_NONE_LINE = re.compile(r"^no\s+(warning|error)s?\s+encountered", re.IGNORECASE)
_EARLY_STOPPING_HEADING = re.compile(r"^(.*early stopping result)\s*:?\s*$", re.IGNORECASE)
_SECTIONS = {
    "mlperf results summary": "results",
    "additional stats": "stats",
    "test parameters used": "params",
}


def _split_field(line_no: int, text: str) -> SummaryField | None:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        return None
    return SummaryField(line_no, name.strip(), value.strip())


def parse_loadgen_summary(
    source: Source, *, max_bytes: int = SUMMARY_MAX_BYTES, display_path: str | None = None,
    follow_links: bool = False,
) -> LoadgenSummary:
    """Read one ``mlperf_log_summary.txt`` (a path, or its bytes). Never raises for bad input."""
    return _read(LoadgenSummary, _summary, source, max_bytes, display_path, follow_links)


def _summary(loaded: _Loaded, issues: _Issues, max_bytes: int) -> LoadgenSummary:
    """The summary read (or its first ``max_bytes``) -> its sections and issues."""
    data = _whole_lines(loaded.data) if loaded.cut else loaded.data

    found: dict[str, Any] = {"sut_name": None, "scenario": None, "mode": None}
    metrics: list[SummaryField] = []
    satisfied: list[SummaryField] = []
    stats: list[SummaryField] = []
    params: list[SummaryField] = []
    notes: list[str] = []
    recommendation_parts: list[list[str]] = []
    early_stopping: dict[str, list[list[str]]] = {}
    result: str | None = None
    result_line: int | None = None
    counts: dict[str, int] = {}
    section: str | None = None
    bullets: list[list[str]] | None = None  # where " * " lines go now: each bullet's parts, joined at the end
    lines = 0
    header_seen = False
    bullet_parts = 0

    for line_no, text, _ in _decode_lines(data, issues):
        lines = line_no
        stripped = text.strip()
        if not stripped:
            continue
        if len(stripped) > MAX_INT_DIGITS and _LONG_NUMBER.search(stripped):  # no count or estimate is that long
            issues.add(
                ISSUE_BAD_NUMBER,
                line_no,
                f"the line holds a number of more than {MAX_INT_DIGITS} digits (no count or latency is); it was not read",
                stripped,
            )
            bullets = None
            continue
        if set(stripped) == {"="}:
            bullets = None
            continue
        heading = _SECTIONS.get(stripped.lower())
        if heading is not None:
            section = heading
            header_seen = header_seen or heading == "results"
            bullets = None
            continue
        match = _NONE_LINE.match(stripped)
        if match:
            counts[match.group(1).lower()] = 0
            bullets = None
            continue
        match = _COUNT_LINE.match(stripped)
        if match:
            counts[match.group(2).lower()] = int(match.group(1))
            bullets = None
            continue
        if stripped.startswith("* ") or stripped == "*":
            bullet = stripped[1:].strip()
            if bullets is not None:
                bullets.append([bullet])
            else:
                notes.append(stripped)
            continue
        if bullets and text.startswith(" ") and not text.startswith("  "):
            bullet_parts += 1
            if bullet_parts <= MAX_BULLET_PARTS:
                bullets[-1].append(stripped)  # a wrapped bullet line (joined once, at the end: linear)
            continue
        bullets = None
        if section == "results":
            if stripped.lower().rstrip(":").strip() == "recommendations":
                bullets = recommendation_parts
                continue
            heading_match = _EARLY_STOPPING_HEADING.match(stripped)
            if heading_match:
                bullets = early_stopping.setdefault(heading_match.group(1).strip(), [])
                continue
            item = _split_field(line_no, text)
            if item is None:
                notes.append(stripped)
                continue
            lowered = item.name.lower()
            if lowered == "sut name":
                found["sut_name"] = item.text
            elif lowered == "scenario":
                found["scenario"] = item.text
            elif lowered == "mode":
                found["mode"] = item.text
            elif lowered == "result is":
                if result is None:
                    result, result_line = item.text, line_no
                else:
                    notes.append(stripped)
            elif lowered.endswith(" satisfied"):
                satisfied.append(
                    SummaryField(line_no, item.name[: -len(" satisfied")].strip(), item.text)
                )
            elif result is None:
                metrics.append(item)
            else:
                notes.append(stripped)
        elif section == "stats":
            item = _split_field(line_no, text)
            if item is None:
                notes.append(stripped)
            else:
                stats.append(item)
        elif section == "params":
            item = _split_field(line_no, text)
            if item is None or stripped.upper().startswith("WARNING"):
                notes.append(stripped)
            else:
                params.append(item)
        else:
            notes.append(stripped)

    if loaded.cut:
        _report_cut(loaded, issues, max_bytes, lines)
    if loaded.size == 0:
        issues.add(ISSUE_EMPTY, None, "the file is empty (0 bytes)")
    elif not header_seen and not counts:
        issues.add(
            ISSUE_NOT_SUMMARY,
            None,
            "the file has neither 'MLPerf Results Summary' nor the 'warnings/errors encountered' lines",
        )
    else:
        missing = []
        if header_seen and result is None:
            missing.append("'Result is' line")
        if "error" not in counts:
            missing.append("'errors encountered' line")
        if missing:
            issues.add(
                ISSUE_INCOMPLETE,
                lines or None,
                "the summary has no " + " and no ".join(missing) + " (cut short?)",
            )
    return LoadgenSummary(
        path=loaded.path,
        present=True,
        readable=True,
        size_bytes=loaded.size,
        lines=lines,
        sut_name=found["sut_name"],
        scenario=found["scenario"],
        mode=found["mode"],
        metrics=tuple(metrics),
        result=result,
        result_line=result_line,
        satisfied=tuple(satisfied),
        recommendations=tuple(" ".join(parts) for parts in recommendation_parts),
        early_stopping={title: tuple(" ".join(parts) for parts in items) for title, items in early_stopping.items()},
        additional_stats=tuple(stats),
        test_parameters=tuple(params),
        warnings_count=counts.get("warning"),
        errors_count=counts.get("error"),
        notes=tuple(notes),
        issues=issues.finish(),
    )
