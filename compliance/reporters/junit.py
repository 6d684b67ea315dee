"""JUnit XML for CI test reporters (Jenkins, GitLab, GitHub test-report actions).

One ``<testsuite>`` per checked subject, in the report's order. Each suite has
one passing ``<testcase name="mlperf-audit">`` (so subjects without findings
still show up) and one ``<testcase>`` per rule code that has findings for that
subject:

- an unwaived error fails it (``<failure type="CODE">``);
- otherwise a waived or for-the-reviewer finding skips it (``<skipped>``);
- otherwise (warnings, info) it passes, with the findings in ``<system-out>``:
  a warning never fails a build.

The XML is built with ElementTree (never by string concatenation); in every
value from the input, control, bidirectional and other characters that XML
1.0 cannot carry (or a viewer would act on) are shown as escapes and a line
cannot start a workflow command (``compliance.escape.xml``). Nothing time-dependent is written (no timestamps, no durations),
so the same report gives the same bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from compliance.escape import xml as _xml_text
from compliance.models.roles import SubjectRole
from compliance.reporters import finding_details, omitted_sentences, setting_sentences
from compliance.models.findings import Finding, Severity
from compliance.models.report import Report, Subject
from compliance.wording import plural

SUITE_CASE = "mlperf-audit"

def _where(finding: Finding) -> str:
    loc = finding.location
    return f"{loc.path}:{loc.line}" if loc.line is not None else loc.path


def _describe(finding: Finding) -> str:
    """A finding as a few lines of text: where, what, seen, required, fix or waiver."""
    label = {
        Severity.ERROR: "error",
        Severity.WARNING: "warning",
        Severity.REVIEW: "review",
        Severity.INFO: "info",
    }[finding.severity]
    if finding.waived_by is not None:
        label = f"waived {label}"
    labels = {"seen": "seen:     ", "required": "required: ", "waived": "waived by:", "fix": "fix:      "}
    lines = [f"{_xml_text(_where(finding))}: {finding.code} [{label}] {_xml_text(finding.message)}"]
    lines += [f"    {labels[kind]} {_xml_text(text)}" for kind, text in finding_details(finding)]
    if finding.url:
        lines.append(f"    rule:      {finding.url}")
    return "\n".join(lines)


def _skip_message(finding: Finding) -> str:
    if finding.waived_by is not None:
        return f"waived: {finding.waived_by}"
    return f"review: {finding.message}"


def _more(count: int) -> str:
    return f" (and {count} more)" if count else ""


def _testcase(suite: ET.Element, classname: str, code: str, findings: list[Finding]) -> str:
    """Add the testcase of one rule code; return its outcome: failed, skipped or passed."""
    case = ET.SubElement(
        suite, "testcase", {"name": _xml_text(f"{code} {findings[0].name}"), "classname": classname}
    )
    body = "\n\n".join(_describe(f) for f in findings)
    blocking = [f for f in findings if f.blocking]
    skipping = [f for f in findings if f.waived_by is not None or f.severity is Severity.REVIEW]
    if blocking:
        failure = ET.SubElement(
            case,
            "failure",
            {
                "message": _xml_text(blocking[0].message + _more(len(blocking) - 1)),
                "type": _xml_text(code),
            },
        )
        failure.text = body
        return "failed"
    if skipping:
        skipped = ET.SubElement(
            case,
            "skipped",
            {"message": _xml_text(_skip_message(skipping[0]) + _more(len(skipping) - 1))},
        )
        skipped.text = body
        return "skipped"
    out = ET.SubElement(case, "system-out")
    out.text = body
    return "passed"


def _subject_line(subject: Subject | None, findings: list[Finding]) -> str:
    errors = sum(1 for f in findings if f.blocking)
    warnings = sum(1 for f in findings if f.severity is Severity.WARNING and f.waived_by is None)
    verdict = "FAIL" if errors else "PASS"
    parts = [f"subject verdict {verdict}: {plural(errors, 'error')}, {plural(warnings, 'warning')}"]
    if subject is not None:
        parts.append(f"kind {subject.kind}")
        if subject.kind == SubjectRole.TRAINING_LOG:
            parts.append(f"{subject.records} records")
    return ", ".join(parts)


def _report_suites(report: Report) -> list[tuple[ET.Element, int, int, int]]:
    """Suites for what the whole check did besides the findings listed: the settings and waivers
    that changed it (an error they silenced or waived is a skipped case, never silent), and the
    findings not listed past the findings limit (a failure when errors are among them)."""
    out = []
    if report.settings:
        suite = ET.Element("testsuite", {"name": "mlperf-audit settings"})
        skipped = 0
        for record, sentence in zip(report.settings, setting_sentences(report)):
            case = ET.SubElement(suite, "testcase", {"name": _xml_text(f"{record.source}: {record.setting}"), "classname": "mlperf-audit settings"})
            if record.errors:
                ET.SubElement(case, "skipped", {"message": _xml_text(sentence)})
                skipped += 1
            else:
                ET.SubElement(case, "system-out").text = _xml_text(sentence)
        tests = len(report.settings)
        suite.attrib.update({"tests": str(tests), "failures": "0", "errors": "0", "skipped": str(skipped)})
        out.append((suite, 0, tests, skipped))
    head, lines = omitted_sentences(report)
    if head:
        suite = ET.Element("testsuite", {"name": "mlperf-audit findings not listed"})
        case = ET.SubElement(suite, "testcase", {"name": "findings not listed", "classname": "mlperf-audit"})
        blocking = any(left.blocking for left in report.omitted)
        element = ET.SubElement(case, "failure" if blocking else "system-out", {"message": _xml_text(head)} if blocking else {})
        element.text = _xml_text("\n".join(lines))
        suite.attrib.update({"tests": "1", "failures": str(int(blocking)), "errors": "0", "skipped": "0"})
        out.append((suite, int(blocking), 1, 0))
    return out


def render(report: Report) -> str:
    by_subject: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_subject.setdefault(finding.subject, []).append(finding)
    known = {s.path: s for s in report.subjects}
    # Subjects in the report's order; a finding about a subject the report does not
    # list still gets a suite (after the others, in the order findings name them).
    order = [s.path for s in report.subjects] + [p for p in by_subject if p not in known]

    root = ET.Element("testsuites", {"name": "mlperf-audit"})
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for path in order:
        subject = known.get(path)
        findings = by_subject.get(path, [])
        name = _xml_text(path)
        suite = ET.Element("testsuite", {"name": name})
        props = ET.SubElement(suite, "properties")
        facts: list[tuple[str, object]] = [
            ("tool", f"{report.tool.name} {report.tool.version}"),
            ("suite", report.suite),
            ("round", report.round),
            ("rulebook_sha256", report.rulebook_sha256),
        ]
        if subject is not None:
            facts.append(("kind", subject.kind))
            facts.extend(
                (k, v)
                for k, v in (("benchmark", subject.benchmark), ("division", subject.division))
                if v
            )
        for key, value in facts:
            ET.SubElement(props, "property", {"name": key, "value": _xml_text(value)})

        outcomes = {"failed": 0, "skipped": 0, "passed": 0}
        overall = ET.SubElement(suite, "testcase", {"name": SUITE_CASE, "classname": name})
        ET.SubElement(overall, "system-out").text = _xml_text(_subject_line(subject, findings))
        outcomes["passed"] += 1
        by_code: dict[str, list[Finding]] = {}
        for finding in findings:
            by_code.setdefault(finding.code, []).append(finding)
        for code in sorted(by_code):
            outcomes[_testcase(suite, name, code, by_code[code])] += 1

        tests = sum(outcomes.values())
        suite.set("tests", str(tests))
        suite.set("failures", str(outcomes["failed"]))
        suite.set("errors", "0")
        suite.set("skipped", str(outcomes["skipped"]))
        suite.set("file", name)
        root.append(suite)
        totals["tests"] += tests
        totals["failures"] += outcomes["failed"]

    for suite, failed, tests, skipped in _report_suites(report):
        root.append(suite)
        totals["tests"] += tests
        totals["failures"] += failed
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
