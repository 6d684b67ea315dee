"""The committee's reporters: the Markdown audit record and the self-contained HTML page.

Snapshots of the shared fixture report (``UPDATE_SNAPSHOTS=1`` rewrites them),
structural checks, escaping of hostile input, and the page drawn by a headless
Chromium (Debian's package; installed with apt-get when missing and running as
root, skipped otherwise).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest

from tests.support.snapshot import compare_snapshot

from compliance.models.findings import Finding, Location, Severity
from compliance.models.report import QualitySeries, Report, ResultRow, Subject, ToolInfo
from compliance.registry import DOCS_URL
from compliance.reporters import html as html_reporter
from compliance.reporters import markdown as md_reporter
from compliance.reporters import renderer, view
from tests.support.report_fixture import fixture_report

SNAPSHOTS = Path(__file__).parent / "snapshots"
DOCS_PREFIX = DOCS_URL.split("{code}")[0]
EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    return fixture_report(tmp_path_factory.mktemp("fixture"))


@pytest.fixture(scope="module")
def page(report: Report) -> str:
    return html_reporter.render(report)


@pytest.fixture(scope="module")
def record(report: Report) -> str:
    return md_reporter.render(report)


# --------------------------------------------------------------------------- a report with hostile strings


def hostile_report() -> Report:
    """Every string a log or a tree can control carries markup."""
    entry = f"closed/Evil|Org/results/sys{EVIL}/bench{EVIL}"
    log = f"{entry}/result_0.txt"
    quality = QualitySeries(
        metric=f"acc{EVIL}",
        x_unit='samples"><script>x()</script>',
        points=[[1.0, 2.0], [2.0, "nope"], [float("nan"), 1.0], [3.0, 1.5]],  # type: ignore[list-item]
        target=1.6,
        lower_is_better=True,
        converged_at=3.0,
    )
    findings = [
        Finding(
            code="HP001",
            name=f"name{EVIL}",
            severity=Severity.ERROR,
            message=f"bad {EVIL}\n| injected | row |\n# heading",
            location=Location(path=log, line=3, key=f"key{EVIL}"),
            subject=log,
            evidence={
                "observed": f"`{EVIL}` | x",
                "required": "a\nb",
                "extra": '<img src="http://evil.example/x.png">',
            },
            fix=f"fix [link](javascript:alert(1)) {EVIL}",
            url="javascript:alert(1)",
        ),
        Finding(
            code="<b>X</b>",
            name="odd",
            severity=Severity.REVIEW,
            message=f"review {EVIL}",
            location=Location(path=entry),
            subject=entry,
            waived_by=f"chair {EVIL}: because {EVIL}",
        ),
    ]
    return Report(
        tool=ToolInfo("mlperf-audit", "0.1.0"),
        suite="training",
        round="5.1",
        notes=[f"note {EVIL}"],
        subjects=[
            Subject(path="submission", kind="tree"),
            Subject(path=entry, kind="result_set", benchmark=f"bench{EVIL}"),
            Subject(
                path=log,
                kind="training_log",
                benchmark=f"bench{EVIL}",
                passed=False,
                quality=quality,
            ),
        ],
        findings=findings,
        results=[
            ResultRow(
                division="closed",
                org="Evil|Org",
                system=f"sys{EVIL}",
                benchmark=f"bench{EVIL}",
                scale=None,
                path=entry,
                score_minutes=1.0,
                runs=1,
                dropped=0,
                scaling_factor=1.0,
                rcp=EVIL,
                rcp_norm_factor=None,
                passed=False,
                rcp_mean=10.0,
                rcp_min_mean=5.0,
                submission_mean=3.0,
                convergence_unit=f"u{EVIL}",
            )
        ],
        passed=False,
    )


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text per element id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parse(text: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(text)
    return parser.tags


def section(text: str, ident: str) -> str:
    start = text.index(f'<section id="{ident}"')
    return text[start : text.index("</section>", start)]


# --------------------------------------------------------------------------- Markdown


def test_markdown_snapshot(record: str) -> None:
    compare_snapshot("markdown.snap", record)


def test_markdown_is_deterministic(report: Report, record: str) -> None:
    assert md_reporter.render(report) == record
    assert renderer("markdown") is md_reporter.render


def test_markdown_has_every_entry_and_finding(report: Report, record: str) -> None:
    assert record.startswith("# MLPerf compliance audit record\n")
    assert report.rulebook_sha256 and report.rulebook_sha256 in record
    assert "- entries: 3, 2 passing, 1 failing" in record
    assert "| error | 3 | 1 |" in record and "| warning | 1 | 0 |" in record and "| review | 1 | 0 |" in record
    for row in report.results:
        assert f"## {row.division}/{row.org}" in record
        assert f"`{row.path}`" in record
    for f in report.findings:
        assert f"**{f.code}** {f.name}" in record
        assert f.location.path in record
        if "observed" in f.evidence:
            assert f"seen: `{f.evidence['observed']}`" in record


def test_markdown_review_waivers_and_log_findings_grouped(report: Report, record: str) -> None:
    review = record[record.index("## For the reviewer") : record.index("## Waivers")]
    assert (
        review.count("**HPB001**")
        == sum(1 for f in report.findings if f.severity is Severity.REVIEW)
        == 1
    )
    waivers = record[record.index("## Waivers") : record.index("## closed/AMD")]
    assert "| RCP001 |" in waivers and "Training WG chair" in waivers and "ticket 42" in waivers
    assert "waived by Training WG chair: RCP for this batch size under review" in record
    # the two failing logs' findings sit under the Initech entry, after its heading
    initech = record[record.index("## closed/Initech") :]
    assert initech.count("**HP001**") == 2
    assert (
        "Findings in `submission/closed/Initech/results/MI355X_EPYC_9575F_pytorch/llama31_8b/result_3.txt`"
        in initech
    )
    assert "- runs: 10, dropped: 2" in initech and "- verdict: **FAIL**" in initech


def _cells(line: str) -> int:
    return len(re.split(r"(?<!\\)\|", line)) - 2


def test_markdown_escapes_hostile_input() -> None:
    text = md_reporter.render(hostile_report())
    prose = re.sub(
        r"(`+)(?!`).*?(?<!`)\1(?!`)", "", text
    )  # code spans show their content literally
    assert "<script>" not in prose and "<img" not in prose
    assert r"\<script\>alert(1)\</script\>" in text
    assert not re.search(r"(?<!\\)\]\(javascript:", text)
    lines = text.splitlines()
    assert not any(line.startswith(("| injected", "# heading", "b`")) for line in lines)
    # every table row has as many cells as its header: '|' in values is escaped
    for i, line in enumerate(lines):
        if line.startswith("|---"):
            width = _cells(lines[i - 1])
            j = i + 1
            while j < len(lines) and lines[j].startswith("|"):
                assert _cells(lines[j]) == width, lines[j]
                j += 1
    assert r"Evil\|Org" in text


def test_markdown_code_spans_and_cells() -> None:
    assert md_reporter.code("a`b") == "``a`b``"
    assert md_reporter.code("`x`") == "`` `x` ``"
    assert md_reporter.code("") == "*(empty)*"
    assert md_reporter.code("one\ntwo") == "`one`<br>`two`"
    assert md_reporter.cell("a|b\nc") == r"a\|b<br>c"
    assert (
        md_reporter.md("snake_case _x_ *y* [z](u) <b>") == r"snake_case \_x\_ \*y\* \[z\](u) \<b\>"
    )
    assert view.plain("bell\x07") == "bell\\x07"  # what md() and code() start from


# --------------------------------------------------------------------------- HTML


def test_html_snapshot(page: str) -> None:
    compare_snapshot("html.snap", page)


def test_html_is_deterministic_and_registered(report: Report, page: str) -> None:
    assert html_reporter.render(report) == page
    assert renderer("html") is html_reporter.render


def test_html_is_self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>\n")
    tags = parse(page)
    for tag, attrs in tags:
        assert "src" not in attrs or not str(attrs["src"]).lower().startswith(("http", "//")), (
            tag,
            attrs,
        )
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)  # no inline handlers
        href = attrs.get("href")
        if href is not None and tag != "link":
            assert href.startswith("#") or href.startswith(DOCS_PREFIX), href
    assert not any(tag in ("link", "img", "iframe", "object", "embed") for tag, _ in tags)
    assert not re.search(r'src\s*=\s*["\']?https?:', page)
    assert (
        sum(1 for tag, _ in tags if tag == "script") == 1
        and sum(1 for tag, _ in tags if tag == "style") == 1
    )
    policy = next(
        a["content"]
        for t, a in tags
        if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    )
    assert policy and "default-src 'none'" in policy and "unsafe-inline" not in policy


def test_html_shows_every_entry_and_finding(report: Report, page: str) -> None:
    results = section(page, "results")
    assert results.count("<tr data-verdict=") == len(report.results) == 3
    findings = section(page, "findings")
    assert findings.count("<tr data-severity=") == len(report.findings)
    for f in report.findings:
        assert html_reporter.e(f.message) in page
        assert f'href="{DOCS_PREFIX}{f.code}.md"' in page
    for i, row in enumerate(report.results, 1):
        assert f'<article class="entry {"ok" if row.passed else "bad"}" id="entry-{i}">' in page
        assert html_reporter.e(row.path) in page
    # summary cards
    assert '<div class="label">review</div><div class="value">1</div>' in page
    assert '<div class="label">waived</div><div class="value">1</div>' in page


def test_html_review_and_waived_items(report: Report, page: str) -> None:
    review = section(page, "review")
    assert review.count('class="finding sev-review"') == 1
    waivers = section(page, "waivers")
    assert "Training WG chair" in waivers and "ticket 42" in waivers
    assert (
        page.count('<span class="badge waived">waived</span>') >= 2
    )  # the findings table and the entry
    assert "by <strong>Training WG chair</strong>: RCP for this batch size" in page
    assert '<tr data-severity="error" data-waived="1">' in page


def test_html_plots(report: Report, page: str) -> None:
    assert page.count('data-plot="quality"') == 3
    assert page.count('data-plot="convergence"') == 3
    assert page.count('<line class="target"') == 3
    assert page.count('<rect class="rcp-band"') == 3
    # one polyline per run; the two failing Initech runs are dashed
    assert page.count('<polyline class="run ') == 30
    assert (
        page.count('<polyline class="run s3 failed"') == 1
        and page.count('<polyline class="run s4 failed"') == 1
    )
    assert page.count('<circle class="conv ') == 30
    # the Globex entry's mean is below the fastest mean the RCP allows
    assert page.count('<line class="sub-mean too-fast"') == 1


def test_plot_helpers() -> None:
    assert html_reporter.extent([]) == (0.0, 1.0)
    lo, hi = html_reporter.extent([5.0, 5.0])
    assert lo < 5.0 < hi
    scale = html_reporter.Scale((0.0, 200000.0), (0.0, 100.0))
    assert scale(100000.0) == 50.0
    assert [label for _, label in scale.ticks()] == ["0", "50k", "100k", "150k", "200k"]
    assert [label for _, label in html_reporter.Scale((3.2, 5.9), (0, 1)).ticks()] == [
        "3.5",
        "4.0",
        "4.5",
        "5.0",
        "5.5",
    ]
    plot = html_reporter.Plot((0.0, 10.0), (0.0, 1.0))
    plot.hline(
        0.5, "bound", "p99 bound", "bound 0.5"
    )  # e.g. a latency bound, for later inference plots
    plot.line([(0.0, 0.1), (10.0, 0.9)], "run s0", "measured")
    svg = plot.render("t", "x", "y", kind="latency", xticks=[(0.0, "p50"), (10.0, "p99")])
    assert (
        svg.startswith('<svg class="plot" data-plot="latency"')
        and "p99" in svg
        and '<line class="bound"' in svg
    )


def test_html_escapes_hostile_input() -> None:
    text = html_reporter.render(hostile_report())
    assert text.count("<script") == 1  # the page's own script, nothing from the report
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<img" not in text and "<b>X</b>" not in text
    assert "javascript:" not in text.replace("fix [link](javascript:alert(1))", "")
    for tag, attrs in parse(text):
        assert not any(name.startswith("on") for name in attrs)
        assert "src" not in attrs
        href = attrs.get("href")
        assert href is None or href.startswith("#") or href.startswith(DOCS_PREFIX), href
    # the non-numeric and NaN points are left out of the plot, the others drawn
    quality = re.search(r'<polyline class="run [^"]*" points="([^"]*)"', text)
    assert quality is not None and len(quality.group(1).split()) == 2


# --------------------------------------------------------------------------- headless Chromium


def _chromium() -> str:
    """Debian's chromium: installed with apt-get when missing (as root), else the test is skipped."""
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found:
        return found
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip(
            "chromium is not installed and cannot be installed here (needs root and apt-get): apt-get install chromium"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
    done = subprocess.run(install, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, text=True, timeout=300)
        done = subprocess.run(install, env=env, capture_output=True, text=True, timeout=900)
    found = shutil.which("chromium")
    if not found:
        pytest.skip(f"chromium could not be installed with apt-get: {done.stderr.strip()[-400:]}")
    return found


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, page: str):  # type: ignore[no-untyped-def]
    binary = _chromium()
    where = tmp_path_factory.mktemp("browser")
    path = where / "report.html"
    path.write_text(page, encoding="utf-8")

    def run(
        *args: str, fragment: str = "", file: Path = path, timeout: int = 60
    ) -> subprocess.CompletedProcess[str]:
        profile = where / f"profile-{len(list(where.glob('profile-*')))}"
        command = [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            f"--user-data-dir={profile}",
            *args,
            file.as_uri() + fragment,
        ]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout)

    run.dir = where  # type: ignore[attr-defined]
    return run


def decode_png(data: bytes) -> np.ndarray:
    """8-bit RGB(A), non-interlaced PNG (what Chromium writes) to an (h, w, 3) array."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, chunks = 8, []
    width = height = depth = colour = interlace = -1
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        elif kind == b"IEND":
            break
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    bpp = 3 if colour == 2 else 4
    stride = width * bpp
    rows = np.frombuffer(zlib.decompress(b"".join(chunks)), dtype=np.uint8).reshape(
        height, stride + 1
    )
    out = np.empty((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        kind, line = int(rows[y, 0]), rows[y, 1:]
        if kind == 0:
            cur = line.copy()
        elif kind == 1:  # Sub: a running sum per channel
            cur = (
                (np.cumsum(line.reshape(width, bpp), axis=0, dtype=np.int64) % 256)
                .astype(np.uint8)
                .reshape(stride)
            )
        elif kind == 2:  # Up
            cur = line + prev
        else:  # Average and Paeth depend on the byte to the left: one at a time
            buf, up = bytearray(line.tobytes()), prev.tobytes()
            for i in range(stride):
                a = buf[i - bpp] if i >= bpp else 0
                b = up[i]
                if kind == 3:
                    buf[i] = (buf[i] + ((a + b) >> 1)) & 255
                    continue
                c = up[i - bpp] if i >= bpp else 0
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                buf[i] = (buf[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            cur = np.frombuffer(bytes(buf), dtype=np.uint8)
        out[y] = cur
        prev = cur
    return out.reshape(height, width, bpp)[:, :, :3]


def mask(image: np.ndarray, hex_colour: str, tolerance: int) -> np.ndarray:
    """Where the pixels are within ``tolerance`` of a colour (per channel)."""
    target = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)
    return np.all(np.abs(image.astype(np.int16) - target) <= tolerance, axis=2)


def near(image: np.ndarray, hex_colour: str, tolerance: int = 6) -> int:
    return int(mask(image, hex_colour, tolerance).sum())


def test_chromium_screenshot_is_drawn(browser) -> None:  # type: ignore[no-untyped-def]
    shot = browser.dir / "report.png"
    done = browser(f"--screenshot={shot}", "--window-size=1400,3000")
    assert shot.exists(), done.stderr[-2000:]
    image = decode_png(shot.read_bytes())
    assert image.shape == (3000, 1400, 3)
    packed = (
        (image[:, :, 0].astype(np.uint32) << 16)
        | (image[:, :, 1].astype(np.uint32) << 8)
        | image[:, :, 2]
    )
    colours, counts = np.unique(packed, return_counts=True)
    assert len(colours) > 200, "the screenshot is (nearly) blank"
    assert counts.max() / packed.size < 0.9, "one colour covers the page"
    assert near(image, "#172033", 2) > 100_000  # the header band
    assert near(image, "#e6f4ea", 2) > 500 and near(image, "#fdecea", 2) > 500  # PASS / FAIL badges
    assert near(image, "#f5f7fa", 1) > 10_000  # table headers and page background
    print(f"screenshot: {shot}")


def test_chromium_draws_the_plots(browser) -> None:  # type: ignore[no-untyped-def]
    shot = browser.dir / "report-plots.png"
    browser(f"--screenshot={shot}", "--window-size=1400,4400")
    image = decode_png(shot.read_bytes())[2600:]  # the first entry and its two plots
    band = mask(image, "#e2eaf4", 3)  # the RCP band: #1d5fa8 at 13 % over white, a shaded block
    rows = np.nonzero(band.sum(axis=1) >= 20)[0]
    cols = np.nonzero(band.sum(axis=0) >= 50)[0]
    assert len(rows) > 100 and len(cols) > 20, (len(rows), len(cols))
    # the quality plot is beside the convergence plot: its run lines and the target line are drawn
    plot = image[rows.min() : rows.max() + 1, : max(cols.min() - 80, 1)]
    colours = [
        c for c in html_reporter.PALETTE[1:] if c != "#6b7280"
    ]  # not blue or grey: link and text colours
    drawn = [c for c in colours if near(plot, c, 30) >= 15]
    assert len(drawn) >= 4, drawn
    assert near(plot, "#b42318", 40) >= 100  # the target line and its label


def _hidden_rows(dom: str, table: str) -> tuple[int, int]:
    body = dom[dom.index(f'data-table="{table}"') :]
    body = body[body.index("<tbody>") : body.index("</tbody>")]
    rows = re.findall(r"<tr [^>]*>", body)
    return len(rows), sum(1 for row in rows if " hidden" in row)


def test_chromium_dom_has_tables_plots_and_js(browser, report: Report) -> None:  # type: ignore[no-untyped-def]
    done = browser("--dump-dom", "--window-size=1400,3000")
    dom = done.stdout
    assert '<html lang="en" class="js">' in dom, done.stderr[
        -2000:
    ]  # the script ran (its CSP hash matches)
    assert "Refused to" not in done.stderr and "Uncaught" not in done.stderr, done.stderr[-2000:]
    assert _hidden_rows(dom, "findings") == (len(report.findings), 0)
    assert _hidden_rows(dom, "results") == (len(report.results), 0)
    assert f"{len(report.findings)} of {len(report.findings)} shown" in dom
    assert dom.count("<svg ") == 6 and dom.count('<line class="target"') == 3
    assert '<th data-key="severity"><button type="button"' in dom  # sortable headers


def test_chromium_filters_from_the_address(browser, report: Report) -> None:  # type: ignore[no-untyped-def]
    fragment = "#" + "&".join(
        ["q=" + quote("opt_adamw"), "sev=error,warning", "rq=initech", "sort=-code"]
    )
    dom = browser("--dump-dom", "--window-size=1400,3000", fragment=fragment).stdout
    wanted = [
        f
        for f in report.findings
        if f.severity in (Severity.ERROR, Severity.WARNING)
        and not f.waived_by
        and "opt_adamw"
        in (f.message + str(f.evidence.get("observed", "")) + str(f.evidence.get("required", "")))
    ]
    assert len(wanted) == 3
    total, hidden = _hidden_rows(dom, "findings")
    assert (total, total - hidden) == (len(report.findings), len(wanted))
    assert f"{len(wanted)} of {len(report.findings)} shown" in dom
    assert _hidden_rows(dom, "results") == (3, 2)
    findings = dom[dom.index('data-table="findings"') :]
    shown = re.findall(
        r'<tr data-severity="(\w+)" data-waived="0" data-order="\d+">.*?<a class="code"[^>]*>(\w+)</a>',
        findings,
    )
    codes = [code for _, code in shown]
    assert codes == sorted(codes, reverse=True)  # sorted by code, descending
    assert 'aria-sort="descending"' in findings


def test_chromium_page_reads_without_javascript(browser, page: str, report: Report) -> None:  # type: ignore[no-untyped-def]
    # Chromium's --dump-dom needs scripting on, so JavaScript off is the page without its script.
    start, end = page.index("<script>"), page.index("</script>") + len("</script>")
    without = browser.dir / "report-nojs.html"
    without.write_text(page[:start] + page[end:], encoding="utf-8")
    dom = browser("--dump-dom", fragment="#q=nothing-matches&sev=info", file=without).stdout
    assert '<html lang="en">' in dom  # no "js" class: the filter bars stay hidden
    assert _hidden_rows(dom, "findings") == (len(report.findings), 0)
    assert _hidden_rows(dom, "results") == (len(report.results), 0)
    assert dom.count("<svg ") == 6 and "<button" not in dom


# --------------------------------------------------------------------------- read at a glance (issue 14)

RGAT_LOG = Path(__file__).parents[1] / "fixtures/corpus/training/v5.1/ASUSTeK/ESC_NB8_E11/rgat/result_1.txt"


def test_html_lists_errors_before_warnings_and_notes(report: Report, page: str) -> None:
    findings = section(page, "findings")
    rows = re.findall(r'<tr data-severity="(\w+)" data-waived="(\d)">', findings)
    rank = {"error": 0, "warning": 1, "review": 2, "info": 3}
    keys = [(int(waived), rank[severity]) for severity, waived in rows]
    assert keys == sorted(keys) and len(rows) == len(report.findings)
    assert report.findings != sorted(report.findings, key=lambda f: f.severity.rank)  # the fixture is not in that order


def test_html_cards_count_the_same_things(report: Report, page: str) -> None:
    cards = dict(re.findall(r'<div class="label">([^<]+)</div><div class="value[^"]*">([^<]+)</div>', page))
    # every finding is counted once: under its severity when open, under "waived" when waived
    assert sum(int(cards[label]) for label in ("error", "warning", "review", "info", "waived")) == len(report.findings)
    subs = re.findall(r'<div class="label">(error|warning|review|info|waived)</div><div class="value[^"]*">[^<]+</div><div class="sub">([^<]+)', page)
    assert {sub for _, sub in subs} == {"findings"}


def test_html_numbers_are_rounded_and_no_null_is_shown(page: str) -> None:
    visible_text = re.sub(r'<[^>]+>', " ", page.split("<script>")[0])
    assert not re.search(r"\d\.\d{7,}", visible_text)  # 178858.66666666666 is 178,859
    assert not re.search(r"\b(null|None)\b", visible_text)
    assert "178,859" in visible_text


def test_html_convergence_point_is_drawn_where_the_table_says(tmp_path: Path) -> None:
    """RGAT converges at a fraction of an epoch: the entry's log table shows the point the plot
    draws (0.9), not a rounded 1."""
    from compliance import audit

    entry = tmp_path / "closed" / "ASUSTeK" / "results" / "ESC_NB8_E11" / "rgat"
    entry.mkdir(parents=True)
    shutil.copyfile(RGAT_LOG, entry / "result_1.txt")
    report = audit(tmp_path, round="5.1")
    (log,) = [s for s in report.subjects if s.kind == "training_log"]
    assert log.quality is not None and log.quality.x_unit == "epoch_num" and log.quality.converged_at == 0.9
    page = html_reporter.render(report)
    assert re.search(r"converged at 0\.9\b", page)  # the plot's point
    row = re.search(r"<td class='mono'>result_1\.txt</td>.*?</tr>", page, re.DOTALL) or re.search(r">result_1\.txt<.*?</tr>", page, re.DOTALL)
    assert row and "<td class='num'>0.9</td>" in row.group(), row and row.group()


def test_html_status_words_and_card_values_do_not_wrap_into_many_lines(page: str) -> None:
    assert "table.data td.rcp{min-width:12ch}" in page  # 'pass-interpolated' takes at most two lines
    assert ".card .value{font-size:1.6rem;font-weight:650;white-space:nowrap}" in page
    assert '<td class="rcp">' in section(page, "results")
