"""SARIF 2.1.0 for code-scanning tools (GitHub code scanning, Azure DevOps, IDE viewers).

One run. ``tool.driver.rules`` describes every rule code that has a finding,
from the rule registry (summary, documentation, docs URL, default level), sorted
by code; each result points at its rule by ``ruleId`` and ``ruleIndex``.
Levels: error -> ``error``, warning -> ``warning``, review and info -> ``note``
(the finding's own severity is kept in ``properties.severity``). A waived
finding stays in the log with an external, accepted suppression whose
justification is the waiver. Paths are relative references, percent-encoded.
Control and bidirectional characters from the input are written as ``\\u``
escapes (``compliance.escape.json_output``): the same strings, inert bytes.
Nothing time-dependent is written, so the same report gives the same bytes.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import orjson

from compliance.models.findings import Finding, Severity
from compliance.escape import json_output
from compliance.models.report import Report
from compliance.records import asdict
from compliance.registry import RULES, Rule, load_all
from compliance.reporters import annotation_files, omitted_sentences, setting_sentences

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/mlperf-audit/mlperf-audit"

LEVELS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.REVIEW: "note",
    Severity.INFO: "note",
}

_SURROGATE = re.compile("[\ud800-\udfff]")
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def _text(value: object) -> str:
    """A string JSON can carry as UTF-8: lone surrogates (undecodable file names) become visible escapes."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", str(value))


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, dict):
        return {_text(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def artifact_uri(path: str) -> str:
    """A valid URI reference for a report path.

    Relative paths stay relative (code-scanning tools resolve them against the
    checkout); every character outside RFC 3986's unreserved set and '/' is
    percent-encoded from its UTF-8 bytes, so spaces, ',' and ':' (which would
    otherwise read as a scheme) are safe. Absolute paths become file: URIs.
    """
    raw = path.encode("utf-8", "surrogateescape")
    if _WINDOWS_DRIVE.match(path):
        return "file:///" + quote(raw.replace(b"\\", b"/"), safe="/")
    if path.startswith("/"):
        return "file://" + quote(raw, safe="/")
    return quote(raw, safe="/")


def _unwrap(text: str) -> str:
    """Markdown paragraphs joined into single lines (the docs are hard-wrapped)."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip())]
    return "\n\n".join(p for p in paragraphs if p)


def _descriptor(code: str, rule: Rule | None, sample: Finding) -> dict[str, Any]:
    if rule is None:
        # A code the registry does not know (a report from another version of the
        # tool): describe it from the finding itself.
        out: dict[str, Any] = {
            "id": code,
            "name": sample.name,
            "shortDescription": {"text": sample.name},
            "defaultConfiguration": {"level": LEVELS[sample.severity]},
        }
        if sample.url:
            out["helpUri"] = sample.url
        return out
    sections = rule.sections()
    plain = "\n\n".join(f"{heading}\n{_unwrap(body)}" for heading, body in sections.items())
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _unwrap(sections.get("What it checks", rule.summary))},
        "help": {"text": plain or rule.summary, "markdown": rule.doc.strip() or rule.summary},
        "helpUri": rule.url,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"severity": rule.severity.value, "suites": list(rule.suites)},
    }


def _message(finding: Finding) -> str:
    lines = [finding.message]
    observed = finding.evidence.get("observed")
    required = finding.evidence.get("required")
    if observed is not None:
        lines.append(f"seen: {observed}")
    if required is not None:
        lines.append(f"required: {required}")
    if finding.waived_by is None and finding.fix:
        lines.append(f"fix: {finding.fix}")
    return "\n".join(lines)


def _result(finding: Finding, index: int, locate: Any) -> dict[str, Any]:
    # A file, never a folder (compliance.reporters.annotation_files); the folder a finding is
    # about is its logical location. With no file at all (the whole tree), only the logical one.
    path, line = locate(finding)
    location: dict[str, Any] = {}
    if path is not None:
        location["physicalLocation"] = {"artifactLocation": {"uri": artifact_uri(path)}}
        if line is not None and line >= 1:
            location["physicalLocation"]["region"] = {"startLine": line}
    if path != finding.location.path:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.location.path, "kind": "module"}]
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": _message(finding)},
        "locations": [location],
    }
    if finding.waived_by is not None:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": finding.waived_by}
        ]
    properties: dict[str, Any] = {
        "severity": finding.severity.value,
        "subject": finding.subject,
        "path": finding.location.path,
        "evidence": dict(finding.evidence),
    }
    if finding.location.key is not None:
        properties["key"] = finding.location.key
    if finding.fix:
        properties["fix"] = finding.fix
    result["properties"] = properties
    return result


def to_dict(report: Report) -> dict[str, Any]:
    load_all()
    samples: dict[str, Finding] = {}
    for finding in report.findings:
        samples.setdefault(finding.code, finding)
    codes = sorted(samples)
    index = {code: i for i, code in enumerate(codes)}
    locate = annotation_files(report)
    rules = [_descriptor(code, RULES.get(code), samples[code]) for code in codes]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "results": [_result(f, index[f.code], locate) for f in report.findings],
        "properties": {
            "suite": report.suite,
            "round": report.round,
            "rulebook_sha256": report.rulebook_sha256,
            "passed": report.passed,
            "subjects": [s.path for s in report.subjects],
            "settings": [asdict(record) for record in report.settings],
            "omitted": [{**asdict(left), "severity": left.severity.value} for left in report.omitted],
        },
    }
    # What settings and waivers changed, and findings not listed, as the viewers show them.
    notes = [(sentence, "warning" if record.errors else "note") for record, sentence in zip(report.settings, setting_sentences(report))]
    head, _ = omitted_sentences(report)
    if head:
        notes.append((head, "warning"))
    if notes:
        run["invocations"] = [
            {
                "executionSuccessful": True,
                "toolConfigurationNotifications": [{"message": {"text": text}, "level": level} for text, level in notes],
            }
        ]
    log: dict[str, Any] = _plain({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]})
    return log


def render(report: Report) -> str:
    return json_output(orjson.dumps(to_dict(report), option=orjson.OPT_INDENT_2).decode()) + "\n"
