"""The CI reporters (junit, sarif, github): valid against the formats' published
schemas, counts and levels that match the report, escaping that survives hostile
paths and messages, and byte-stable output (snapshots in tests/reporters/snapshots/).

Snapshots: ``UPDATE_SNAPSHOTS=1 python -m pytest tests/reporters/test_reporters_ci.py``
writes them; without it a missing or different snapshot fails.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support.snapshot import compare_snapshot

from compliance.models.findings import Finding, Location, Severity
from compliance.models.report import Report, Subject, ToolInfo
from compliance.registry import RULES, load_all
from compliance.reporters import EXTENSIONS, REPORTERS, renderer
from compliance.reporters.github import escape_data, escape_property
from compliance.reporters.sarif import artifact_uri
from tests.support.report_fixture import fixture_report

HERE = Path(__file__).parent
SCHEMAS = HERE.parent / "fixtures" / "schemas"
SNAPSHOTS = HERE / "snapshots"
FORMATS = ("junit", "sarif", "github")


# --------------------------------------------------------------------------- helpers


def sarif_validator():
    """The official SARIF 2.1.0 schema, with format checks (uri, uri-reference) switched on."""
    from jsonschema import Draft4Validator, FormatChecker

    try:
        import rfc3986_validator  # noqa: F401  (jsonschema's 'uri'/'uri-reference' checks need it)
    except ImportError:  # pragma: no cover - a missing test dependency, not a skip
        pytest.fail("rfc3986-validator is needed to check SARIF URIs: install the 'test' extra")
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return Draft4Validator(schema, format_checker=FormatChecker())


def sarif_errors(document: dict) -> list[str]:
    return sorted(
        f"{list(e.absolute_path)}: {e.message}" for e in sarif_validator().iter_errors(document)
    )


def junit_errors(text: str) -> list[str]:
    """Errors of the document against the Jenkins xUnit JUnit schema (junit-10.xsd)."""
    try:
        from lxml import etree
    except ImportError:  # pragma: no cover - a missing test dependency, not a skip
        pytest.fail(
            "lxml is needed to validate JUnit XML against its XSD: install the 'test' extra"
        )
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-10.xsd")))
    document = etree.fromstring(text.encode("utf-8"))
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def check_junit_counts(root: ET.Element) -> None:
    """Every suite's counts are those of its testcases, and the root's are the suites' sums."""
    assert root.tag == "testsuites"
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        failed = [c for c in cases if c.find("failure") is not None]
        errored = [c for c in cases if c.find("error") is not None]
        skipped = [c for c in cases if c.find("skipped") is not None]
        for case in cases:  # one outcome per testcase: failure, skipped or passed
            assert (
                len(case.findall("failure"))
                + len(case.findall("skipped"))
                + len(case.findall("error"))
                <= 1
            )
        assert suite.get("tests") == str(len(cases)), suite.get("name")
        assert suite.get("failures") == str(len(failed)), suite.get("name")
        assert suite.get("errors") == str(len(errored)), suite.get("name")
        assert suite.get("skipped") == str(len(skipped)), suite.get("name")
        totals["tests"] += len(cases)
        totals["failures"] += len(failed)
        totals["errors"] += len(errored)
    for key, value in totals.items():
        assert root.get(key) == str(value), key


def suites_by_name(root: ET.Element) -> dict[str, ET.Element]:
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert len(suites) == len(root.findall("testsuite")), "suite names must be unique"
    return suites


def case_named(suite: ET.Element, name_start: str) -> ET.Element:
    matches = [c for c in suite.findall("testcase") if (c.get("name") or "").startswith(name_start)]
    assert len(matches) == 1, (name_start, [c.get("name") for c in suite.findall("testcase")])
    return matches[0]


# --------------------------------------------------------------------------- the fixture report


@pytest.fixture(scope="module")
def fixture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Report]:
    workdir = tmp_path_factory.mktemp("ci_reporters")
    return workdir, fixture_report(workdir)


@pytest.fixture(scope="module")
def report(fixture: tuple[Path, Report]) -> Report:
    return fixture[1]


@pytest.fixture(scope="module")
def rendered(report: Report) -> dict[str, str]:
    return {name: renderer(name)(report) for name in FORMATS}


def test_formats_are_registered() -> None:
    for name in FORMATS:
        assert REPORTERS[name] == f"compliance.reporters.{name}"
        assert name in EXTENSIONS


def test_fixture_has_every_kind_of_finding(report: Report) -> None:
    """Otherwise the tests below would prove less than they claim."""
    assert any(f.blocking for f in report.findings)
    assert any(f.waived_by for f in report.findings)
    assert any(f.severity is Severity.REVIEW for f in report.findings)
    assert any(f.severity is Severity.INFO for f in report.findings)
    assert any(f.location.line is not None for f in report.findings)
    assert any(f.location.line is None for f in report.findings)
    assert any(s.passed for s in report.subjects) and not report.passed


@pytest.mark.parametrize("name", FORMATS)
def test_output_is_stable(
    name: str, fixture: tuple[Path, Report], rendered: dict[str, str]
) -> None:
    workdir, report = fixture
    text = rendered[name]
    assert text.endswith("\n")
    assert renderer(name)(report) == text  # the same report gives the same bytes
    # No absolute temporary path may leak into output meant for snapshots and CI.
    assert str(workdir) not in text
    assert str(workdir.parent) not in text
    compare_snapshot(name, text)


# --------------------------------------------------------------------------- SARIF on the fixture


def test_sarif_fixture_is_valid(rendered: dict[str, str]) -> None:
    document = json.loads(rendered["sarif"])
    assert sarif_errors(document) == []


def test_sarif_fixture_content(report: Report, rendered: dict[str, str]) -> None:
    load_all()
    document = json.loads(rendered["sarif"])
    assert document["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert document["version"] == "2.1.0"
    assert len(document["runs"]) == 1
    run = document["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("mlperf-audit", report.tool.version)
    assert driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == sorted({f.code for f in report.findings})
    for descriptor in driver["rules"]:
        rule = RULES[descriptor["id"]]
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"]
        assert descriptor["helpUri"] == rule.url
        assert "## What it checks" in descriptor["help"]["markdown"]
        assert (
            "What it checks" in descriptor["help"]["text"]
            and "## " not in descriptor["help"]["text"]
        )
        level = {"error": "error", "warning": "warning", "review": "note", "info": "note"}[
            rule.severity.value
        ]
        assert descriptor["defaultConfiguration"]["level"] == level

    results = run["results"]
    assert len(results) == len(report.findings)
    for result, finding in zip(results, report.findings):
        assert result["ruleId"] == finding.code
        assert driver["rules"][result["ruleIndex"]]["id"] == finding.code
        level = {"error": "error", "warning": "warning", "review": "note", "info": "note"}[
            finding.severity.value
        ]
        assert result["level"] == level
        assert result["message"]["text"].startswith(finding.message)
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        # a file, never a folder: a finding about an entry points at the entry's first log and
        # names the entry as its logical location; plain relative paths stay as they are
        assert uri.endswith((".txt", ".json")), uri
        if uri != finding.location.path:
            assert uri.startswith(finding.location.path + "/") and "region" not in physical
            assert location["logicalLocations"] == [{"fullyQualifiedName": finding.location.path, "kind": "module"}]
        if finding.location.line is None:
            assert "region" not in physical
        else:
            assert physical["region"] == {"startLine": finding.location.line}
        if finding.waived_by:
            assert result["suppressions"] == [
                {"kind": "external", "status": "accepted", "justification": finding.waived_by}
            ]
        else:
            assert "suppressions" not in result
        assert result["properties"]["subject"] == finding.subject
        assert result["properties"]["evidence"] == json.loads(json.dumps(finding.evidence))
        assert result["properties"]["severity"] == finding.severity.value


# --------------------------------------------------------------------------- JUnit on the fixture


def test_junit_fixture_is_valid(rendered: dict[str, str]) -> None:
    assert rendered["junit"].startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    assert junit_errors(rendered["junit"]) == []


def test_junit_fixture_counts_and_outcomes(report: Report, rendered: dict[str, str]) -> None:
    root = ET.fromstring(rendered["junit"].encode("utf-8"))
    check_junit_counts(root)
    suites = suites_by_name(root)
    # one suite per subject, in order, then one for the settings and waivers that changed the report
    assert list(suites) == [s.path for s in report.subjects] + ["mlperf-audit settings"]
    settings = suites.pop("mlperf-audit settings")
    assert [case.find("skipped") is not None for case in settings.findall("testcase")] == [r.errors > 0 for r in report.settings]
    for suite in suites.values():
        overall = case_named(suite, "mlperf-audit")
        assert list(overall) and all(
            child.tag == "system-out" for child in overall
        )  # always passes

    pairs: dict[tuple[str, str], list[Finding]] = {}
    for finding in report.findings:
        pairs.setdefault((finding.subject, finding.code), []).append(finding)
    expected_failures = {pair for pair, fs in pairs.items() if any(f.blocking for f in fs)}
    expected_skips = {
        pair
        for pair, fs in pairs.items()
        if pair not in expected_failures
        and any(f.waived_by or f.severity is Severity.REVIEW for f in fs)
    }
    failures, skips = set(), set()
    for name, suite in suites.items():
        for case in suite.findall("testcase"):
            if case.get("name") == "mlperf-audit":
                continue
            code = case.get("name").split()[0]
            assert case.get("classname") == name
            if case.find("failure") is not None:
                failures.add((name, code))
                assert case.find("failure").get("type") == code
            elif case.find("skipped") is not None:
                skips.add((name, code))
            else:
                assert case.find("system-out") is not None
    assert failures == expected_failures
    assert skips == expected_skips
    assert root.get("failures") == str(len(expected_failures))
    assert root.get("tests") == str(len(report.subjects) + len(pairs) + len(report.settings))

    # The waived RCP001 and the for-the-reviewer HPB001 are skipped, with their reason.
    waived = next(f for f in report.findings if f.waived_by)
    case = case_named(suites[waived.subject], waived.code)
    assert case.find("skipped").get("message") == f"waived: {waived.waived_by}"
    review = next(f for f in report.findings if f.severity is Severity.REVIEW)
    case = case_named(suites[review.subject], review.code)
    assert case.find("skipped").get("message").startswith(f"review: {review.message}")
    # A failure carries what was seen, what is required and how to fix it.
    blocking = next(f for f in report.findings if f.blocking and f.location.line is not None)
    failure = case_named(suites[blocking.subject], blocking.code).find("failure")
    assert failure.get("message") == blocking.message
    assert f"{blocking.location.path}:{blocking.location.line}: {blocking.code}" in failure.text
    for field in ("seen:", "required:", "fix:"):
        assert field in failure.text


def test_junit_has_no_timestamps(rendered: dict[str, str]) -> None:
    root = ET.fromstring(rendered["junit"].encode("utf-8"))
    for element in root.iter():
        assert (
            "timestamp" not in element.attrib
            and "time" not in element.attrib
            and "hostname" not in element.attrib
        )


# --------------------------------------------------------------------------- GitHub on the fixture


def test_github_fixture_commands(report: Report, rendered: dict[str, str]) -> None:
    lines = rendered["github"].splitlines()
    # a command per finding, one per setting or waiver file that changed the report, the summary
    assert len(lines) == len(report.findings) + len(report.settings) + 1
    assert lines[len(report.findings)].startswith("::warning title=mlperf-audit settings::--waivers: ")
    for line, finding in zip(lines, report.findings):
        expected = (
            "notice"
            if finding.waived_by
            else {"error": "error", "warning": "warning"}.get(finding.severity.value, "notice")
        )
        assert line.startswith(f"::{expected} file={escape_property(finding.location.path)}")
        file = line.split("file=", 1)[1].split(",", 1)[0]
        assert file.endswith((".txt", ".json")), line  # a file, never a folder
        if finding.location.line is not None:
            assert f",line={finding.location.line}," in line
        else:
            assert ",line=" not in line
        if file != escape_property(finding.location.path):
            assert f"%0Aat: {finding.location.path}" in line  # the entry it is about
        assert f",title={escape_property(finding.code + ' ' + finding.name)}::" in line
        if finding.waived_by:
            assert "::waived: " in line
    assert sum(1 for line in lines if line.startswith("::error ")) == sum(
        1 for f in report.findings if f.blocking
    )
    summary = lines[-1]
    assert not summary.startswith("::")
    assert summary.startswith(f"mlperf-audit {report.tool.version}: FAILED: ")


# --------------------------------------------------------------------------- escaping


ODD_PATH = "submission/closed/ACME Corp/results/sys,1/a:b/result_0.txt"
ODD_DIR = "submission/closed/ACME Corp/results/sys,1/a:b"
CLEAN_PATH = "submission/closed/ACME Corp/results/sys,1/a:b/result_1.txt"
ODD_MESSAGE = 'line one\nline two: 100% <done> & "quoted"\r\n::error::injected\x1b[31m\x00'
WAIVER = "WG chair: known clock issue, see ticket 7"


def _finding(code: str, message: str, path: str, subject: str, **extra: object) -> Finding:
    load_all()
    rule = RULES[code]
    line = extra.pop("line", None)
    return Finding(
        code=code,
        name=rule.name,
        severity=extra.pop("severity", rule.severity),  # type: ignore[arg-type]
        message=message,
        location=Location(path=path, line=line),  # type: ignore[arg-type]
        subject=subject,
        url=rule.url,
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def odd_report() -> Report:
    findings = [
        _finding(
            "HP001",
            ODD_MESSAGE,
            ODD_PATH,
            ODD_PATH,
            line=7,
            evidence={"observed": "a\nb", "required": "100%"},
            fix="Use 1e-5.",
        ),
        _finding(
            "STR003", "a name has a space: 'ACME Corp'", "submission/closed/ACME Corp", "submission"
        ),
        _finding("KEY003", "seed logged twice, 50%, same value", ODD_PATH, ODD_PATH, line=12),
        _finding("HPB001", "shares a set with ACME, Inc.: borrowing?", ODD_DIR, "submission"),
        _finding(
            "RCP004", "score normalised by 1.004", ODD_DIR, ODD_DIR
        ),  # a subject the report does not list
        _finding("SEQ005", "run_stop appears twice", ODD_PATH, ODD_PATH, line=40, waived_by=WAIVER),
    ]
    subjects = [
        Subject(path="submission", kind="tree"),
        Subject(path=ODD_PATH, benchmark="llama31_8b", division="closed", records=10),
        Subject(path=CLEAN_PATH, benchmark="llama31_8b", division="closed", records=10),
    ]
    report = Report(
        tool=ToolInfo("mlperf-audit", "0.1.0"),
        suite="training",
        round="5.1",
        rulebook_sha256="0" * 64,
        subjects=subjects,
        findings=findings,
    )
    return report.finalise()


def test_escape_functions_follow_the_runner_rules() -> None:
    assert escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"
    assert escape_data("100%0A") == "100%250A"  # an already escaped-looking text stays literal


def test_github_escaping(odd_report: Report) -> None:
    text = renderer("github")(odd_report)
    lines = text.splitlines()
    assert text.endswith("\n") and len(lines) == len(odd_report.findings) + 1
    assert all(line.startswith("::") for line in lines[:-1])
    assert not any(
        line.startswith("::error::injected") for line in lines
    )  # a message cannot start a command
    by_code = {f.code: line for f, line in zip(odd_report.findings, lines)}
    assert by_code["HP001"] == (
        "::error file=submission/closed/ACME Corp/results/sys%2C1/a%3Ab/result_0.txt,line=7,"
        "title=HP001 closed-hyperparameter-not-allowed::"
        'line one%0Aline two: 100%25 <done> & "quoted"%0D%0A\\x3a:error::injected\\x1b[31m\\x00'
        "%0Aseen: a%0Ab%0Arequired: 100%25%0Afix: Use 1e-5."
    )
    assert by_code["STR003"].startswith(  # the folder's first file, and the folder named
        "::error file=submission/closed/ACME Corp/results/sys%2C1/a%3Ab/result_0.txt,title=STR003 name-has-spaces::a name has a space: 'ACME Corp'"
    )
    assert by_code["STR003"].endswith("%0Aat: submission/closed/ACME Corp")
    assert by_code["KEY003"].startswith("::warning file=")
    assert ",line=12,title=KEY003 " in by_code["KEY003"]
    assert by_code["HPB001"].startswith(
        "::notice file=submission/closed/ACME Corp/results/sys%2C1/a%3Ab/result_0.txt,title="
    )
    assert "::review: shares a set with ACME, Inc.: borrowing?" in by_code["HPB001"]
    assert by_code["RCP004"].startswith("::notice ")
    assert by_code["SEQ005"].startswith("::notice file=")
    assert "::waived: run_stop appears twice%0Awaived by: " + WAIVER in by_code["SEQ005"]
    assert lines[-1].startswith(
        "mlperf-audit 0.1.0: FAILED: 2 errors, 1 warning, 1 review, 1 info, 1 waived"
    )


def test_sarif_escaping(odd_report: Report) -> None:
    document = json.loads(renderer("sarif")(odd_report))
    assert sarif_errors(document) == []
    results = {r["ruleId"]: r for r in document["runs"][0]["results"]}
    hp = results["HP001"]
    physical = hp["locations"][0]["physicalLocation"]
    assert (
        physical["artifactLocation"]["uri"]
        == "submission/closed/ACME%20Corp/results/sys%2C1/a%3Ab/result_0.txt"
    )
    assert physical["region"] == {"startLine": 7}
    assert hp["message"]["text"].startswith(ODD_MESSAGE)
    assert hp["properties"]["path"] == ODD_PATH
    folder = results["STR003"]["locations"][0]
    assert folder["physicalLocation"] == {"artifactLocation": {"uri": "submission/closed/ACME%20Corp/results/sys%2C1/a%3Ab/result_0.txt"}}
    assert folder["logicalLocations"] == [{"fullyQualifiedName": "submission/closed/ACME Corp", "kind": "module"}]
    assert results["SEQ005"]["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": WAIVER}
    ]
    assert results["KEY003"]["level"] == "warning"
    assert results["HPB001"]["level"] == "note" and results["RCP004"]["level"] == "note"

    # The schema's format checks are on: an unencoded path would be rejected.
    broken = json.loads(json.dumps(document))
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"][
        "uri"
    ] = "a b/c"
    assert any("uri-reference" in e for e in sarif_errors(broken))


def test_sarif_uris() -> None:
    assert artifact_uri("submission/closed/x.txt") == "submission/closed/x.txt"
    assert artifact_uri("a:b/c d,e.txt") == "a%3Ab/c%20d%2Ce.txt"  # not read as scheme 'a'
    assert artifact_uri("über/100%.txt") == "%C3%BCber/100%25.txt"
    assert artifact_uri("/abs/my dir/x.txt") == "file:///abs/my%20dir/x.txt"
    assert artifact_uri("bad\udcff.txt") == "bad%FF.txt"  # an undecodable file name keeps its bytes


def test_sarif_unknown_code_is_described_from_the_finding(odd_report: Report) -> None:
    stray = Finding(
        code="ZZZ999",
        name="from-a-newer-version",
        severity=Severity.WARNING,
        message="m",
        location=Location(path="x.txt", line=1),
        subject="x.txt",
        url="https://example.org/ZZZ999",
    )
    report = Report(
        tool=ToolInfo("mlperf-audit", "0.1.0"), suite="training", round="5.1", findings=[stray]
    )
    document = json.loads(renderer("sarif")(report))
    assert sarif_errors(document) == []
    (rule,) = document["runs"][0]["tool"]["driver"]["rules"]
    assert rule["id"] == "ZZZ999" and rule["helpUri"] == "https://example.org/ZZZ999"
    assert rule["defaultConfiguration"]["level"] == "warning"


def test_junit_escaping(odd_report: Report) -> None:
    text = renderer("junit")(odd_report)
    assert junit_errors(text) == []
    assert "\x00" not in text and "\x1b" not in text
    root = ET.fromstring(text.encode("utf-8"))  # well-formed
    check_junit_counts(root)
    assert root.get("failures") == "2"
    suites = suites_by_name(root)
    assert list(suites) == [
        "submission",
        ODD_PATH,
        CLEAN_PATH,
        ODD_DIR,
    ]  # the unlisted subject comes last

    failure = case_named(suites[ODD_PATH], "HP001").find("failure")
    assert failure.get("type") == "HP001"
    # Newlines, '%', '<', '&' and quotes survive the round trip (CR LF as LF); what XML cannot carry
    # is shown escaped, and a line from the input cannot start a workflow command.
    assert failure.get("message") == ODD_MESSAGE.replace("\x1b", "\\x1b").replace("\x00", "\\x00").replace(
        "\r\n::", "\n\\x3a:"
    )
    assert failure.text.startswith(f"{ODD_PATH}:7: HP001 [error] line one\nline two: 100% <done>")
    assert "    seen:      a\nb" in failure.text and "    fix:       Use 1e-5." in failure.text

    no_line = case_named(suites["submission"], "STR003").find("failure")
    assert no_line.text.startswith("submission/closed/ACME Corp: STR003 [error] a name has a space")

    warning = case_named(suites[ODD_PATH], "KEY003")
    assert [child.tag for child in warning] == ["system-out"]  # a warning does not fail the build
    assert "[warning] seed logged twice, 50%, same value" in warning.find("system-out").text

    waived = case_named(suites[ODD_PATH], "SEQ005").find("skipped")
    assert waived.get("message") == f"waived: {WAIVER}"
    review = case_named(suites["submission"], "HPB001").find("skipped")
    assert review.get("message") == "review: shares a set with ACME, Inc.: borrowing?"

    clean = suites[CLEAN_PATH]
    assert clean.get("tests") == "1" and clean.get("failures") == "0"
    assert [c.get("name") for c in clean.findall("testcase")] == ["mlperf-audit"]
    assert suites[ODD_PATH].get("file") == ODD_PATH
    properties = {p.get("name"): p.get("value") for p in suites[ODD_PATH].find("properties")}
    assert properties["round"] == "5.1" and properties["benchmark"] == "llama31_8b"


def test_junit_surrogates_and_forbidden_characters() -> None:
    """An undecodable file name or a control byte in a log must not make the XML malformed."""
    finding = _finding("LOG000", "cannot read \x0b\x0c file", "bad\udcff.txt", "bad\udcff.txt")
    report = Report(
        tool=ToolInfo("mlperf-audit", "0.1.0"),
        suite="training",
        round="5.1",
        subjects=[Subject(path="bad\udcff.txt")],
        findings=[finding],
    ).finalise()
    text = renderer("junit")(report)
    assert junit_errors(text) == []
    root = ET.fromstring(text.encode("utf-8"))
    suite = root.find("testsuite")
    assert suite.get("name") == "bad\\xff.txt"  # the byte, as everywhere else
    assert (
        case_named(suite, "LOG000").find("failure").get("message") == "cannot read \\x0b\\x0c file"
    )
    # SARIF and GitHub output must be encodable too.
    renderer("sarif")(report).encode("utf-8")
    renderer("github")(report).encode("utf-8")
