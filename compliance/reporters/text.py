"""Plain-text report for terminals and logs: grouped by what was checked, one verdict each.

Made to be read at a glance in a 100-column terminal and in an uncoloured CI log: every finding
line says its severity in words (colour only repeats it), the path of what was checked heads its
group and each finding names only the file below it, long messages wrap (and are cut after a few
lines; ``verbose`` shows them whole, the JSON report always does), and the tables fit ``width``.
"""

from __future__ import annotations


from compliance.escape import text as safe  # every value from the input, as one inert line
from compliance.models.roles import FOLDER_ROLES, RUN_ROLES, SubjectRole
from compliance.reporters import SEVERITY_WORD, below, figure, finding_details, human, omitted_sentences, relative_location, setting_sentences, tree_title
from compliance.models.findings import Finding, Severity
from compliance.models.report import InferenceResultRow, Report, ResultRow, Subject
from compliance.wording import plural

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    Paint = Callable[[str, str], str]  # (text, ANSI style) -> text, coloured or not

DEFAULT_WIDTH = 100
COLOURS = {"error": "31", "warning": "33", "review": "35", "info": "36", "waived": "90"}
MESSAGE_LINES = 4  # lines of a message shown without --verbose
FOLDER_KINDS = FOLDER_ROLES  # subjects that are folders
DETAIL_LINES = 2  # lines of a seen/required/fix value shown without --verbose
CUT = " …"


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text


def label(finding: Finding) -> str:
    """The severity in words, as every finding line starts: ``error``, ``waived error`` ..."""
    word = SEVERITY_WORD[finding.severity.value]
    return f"waived {word}" if finding.waived_by else word


def header(report: Report) -> str:
    return (
        f"mlperf-audit {safe(report.tool.version)} · suite {safe(report.suite)} ({safe(report.suite_source)}) · "
        f"round {safe(report.round)} ({safe(report.round_source)})"
    )


def _wrapped(text: str, width: int, first: str, rest: str, most: int | None) -> tuple[list[str], bool]:
    import textwrap  # only for a report with notes or findings (a check that passes has none)

    lines = textwrap.wrap(text, width=max(width, 40), initial_indent=first, subsequent_indent=rest, break_on_hyphens=False) or [first.rstrip()]
    # A wrapped line of input text must not start a CI workflow command ('::' after blanks).
    lines = [safe(line) for line in lines]
    if most is None or len(lines) <= most:
        return lines, False
    kept = lines[:most]
    kept[-1] = kept[-1][: max(width - len(CUT), 10)].rstrip() + CUT
    return kept, True


def render(report: Report, color: bool = False, width: int = DEFAULT_WIDTH, verbose: bool = False, statistics: bool = False) -> str:
    paint = _Painter(color)
    out: list[str] = [header(report)]
    for note in report.notes:
        # the report's own notes (how the round was found, what could not be checked): wrapped, never cut
        out.extend(paint(line, "36") for line in _wrapped(f"note: {safe(note)}", width, "", "      ", None)[0])
    for sentence in setting_sentences(report):
        out.append(paint(f"setting: {safe(sentence)}", "33"))
    out.append("")
    by_subject: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_subject.setdefault(finding.subject, []).append(finding)
    tree = is_tree(report)
    root = next((s.path for s in report.subjects if s.kind == SubjectRole.TREE), None)
    if root is not None and not statistics:
        # a whole tree: its parts are headed by their paths inside it
        out.insert(1, f"tree: {safe(root)}")
    cut = False
    for subject in report.subjects if not statistics else []:
        findings = by_subject.get(subject.path, [])
        if tree and not findings:
            continue  # a whole submission: only what has something to say
        out.append(paint("== " + subject_heading(subject, root), "1"))
        for f in findings:
            lines, was_cut = finding_lines(f, subject, paint, width, verbose, root)
            out.extend(lines)
            cut = cut or was_cut
        verdict = paint("PASS", "32") if subject.passed else paint("FAIL", "31")
        records = f", {plural(subject.records, 'record')}" if subject.kind == SubjectRole.TRAINING_LOG else ""
        out.append(f"  {verdict}: {plural(subject.errors, 'error')}, {plural(subject.warnings, 'warning')}{records}")
        out.append("")
    head, lines = omitted_sentences(report)
    if head:
        out.append(paint(safe(head), "1"))
        out.extend(f"    {safe(line)}" for line in lines)
        out.append("")
    if report.results and not statistics:
        out.extend(_results_table(report, paint, width))
        out.append("")
    if report.findings or report.omitted:
        out.extend(codes_table(report, paint, width))
        out.append("")
    out.append(verdict_line(report, paint))
    if cut:
        out.append("Long messages were cut (…): --verbose shows them whole, as the JSON report does.")
    if not report.passed:
        out.append("Run `mlperf-audit rule CODE` for what a rule checks and how to fix it.")
    return "\n".join(out) + "\n"


def is_tree(report: Report) -> bool:
    return bool(report.results) or any(s.kind == SubjectRole.TREE for s in report.subjects)


def subject_heading(subject: Subject, root: str | None = None) -> str:
    """What heads a subject's findings: the tree by its name, else the path (inside the checked
    tree: from the tree; a file checked on its own: as given, whole) with what it holds."""
    if subject.kind == SubjectRole.TREE:
        name = tree_title(subject.path)
        where = f", {safe(subject.path)}" if name != subject.path else ""
        return f"{safe(name)} (the whole tree{where})"
    what = ", ".join(safe(x) for x in (subject.benchmark, subject.division) if x)
    tail = f"  ({what})" if what else ""
    path = (relative_location(subject.path, root) if root else "") or subject.path
    return safe(path[2:] if path.startswith("./") else path) + tail


def finding_lines(f: Finding, subject: Subject, paint: Paint, width: int = DEFAULT_WIDTH, verbose: bool = False, root: str | None = None) -> tuple[list[str], bool]:
    """A finding as lines: ``  file:line: severity CODE message`` (the file relative to the
    subject heading it), then its evidence; whether something was cut. Paths inside the subject
    (an entry, a result) or the checked tree are named from them."""
    where = relative_location(f.location.path, subject.path)
    if where == f.location.path and root:  # outside its subject (a compliance test's file): from the tree
        where = relative_location(f.location.path, root)
    if f.location.line is not None:
        where = f"{where}:{f.location.line}" if where else f"line {f.location.line}"
    word = label(f)
    lead = f"{safe(where)}: " if where else ""
    folders = (subject.path if subject.kind in FOLDER_KINDS else None, root)
    most = None if verbose else MESSAGE_LINES
    message = safe(human(below(f.message, *folders)))
    head = f"  {lead}{word} {f.code}"
    if len(head) > width - 30:  # a long file name: the message starts on the next line
        more, cut = _wrapped(message, width, "      ", "      ", most)
        lines = [head, *more]
    else:
        lines, cut = _wrapped(message, width, head + " ", "      ", most)
    # The severity and code are painted once the line is laid out on its plain text.
    lines[0] = lines[0].replace(f"{word} {f.code}", paint(word, COLOURS["waived" if f.waived_by else f.severity.value]) + " " + paint(f.code, "1"), 1)
    for kind, value in finding_details(f):
        more, was_cut = _wrapped(safe(below(value, *folders)), width, f"      {kind + ':':<9} ", " " * 16, None if verbose else DETAIL_LINES)
        lines.extend(more)
        cut = cut or was_cut
    return lines, cut


def verdict_line(report: Report, paint: Paint) -> str:
    totals = report.totals()
    verdict = paint("PASSED", "32;1") if report.passed else paint("FAILED", "31;1")
    if is_tree(report):
        entries = len(report.results)
        passed = sum(1 for row in report.results if row.passed)
        logs = [s for s in report.subjects if s.kind in RUN_ROLES]
        if report.results and isinstance(report.results[0], InferenceResultRow):
            counts = f"{passed} of {plural(entries, 'scenario result')} pass"
        else:
            counts = f"{passed} of {plural(entries, 'entry')} pass, {plural(len(logs), 'log')}"
    else:
        passed = sum(1 for s in report.subjects if s.passed)
        what = "run" if report.subjects and all(s.kind == SubjectRole.LOADGEN_RUN for s in report.subjects) else "file"
        counts = f"{passed} of {plural(len(report.subjects), what)} pass"
    parts = [plural(totals["errors"], "error"), plural(totals["warnings"], "warning")]
    if totals["review"]:
        parts.append(f"{totals['review']:,} review")
    if totals["info"]:
        parts.append(f"{totals['info']:,} info")
    if totals["waived"]:
        parts.append(f"{totals['waived']:,} waived")
    return f"{verdict}: {counts}; {', '.join(parts)}."


def fit(table: Sequence[tuple[str, ...]], width: int, shrinkable: tuple[int, ...], gap: int = 2) -> list[list[str]]:
    """Cells padded to their column, the columns in ``shrinkable`` cut (…) widest first until a
    row fits ``width``."""
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    while sum(widths) + gap * (len(widths) - 1) > width:
        column = max(shrinkable, key=lambda i: widths[i])
        if widths[column] <= 8:
            break
        widths[column] -= 1
    out = []
    for row in table:
        cells = []
        for cell, w in zip(row, widths):
            cells.append((cell if len(cell) <= w else cell[: w - 1] + "…").ljust(w))
        out.append(cells)
    return out


def codes_table(report: Report, paint: Paint, width: int = DEFAULT_WIDTH) -> list[str]:
    """The summary: one line per rule code, with its counts by severity."""
    names: dict[str, str] = {}
    counts: dict[str, list[int]] = {}  # errors, warnings, review, info, waived
    column = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.REVIEW: 2, Severity.INFO: 3}
    for f in report.findings:
        names.setdefault(f.code, f.name)
        counts.setdefault(f.code, [0, 0, 0, 0, 0])[4 if f.waived_by else column[f.severity]] += 1
    for left in report.omitted:  # not listed, still counted
        names.setdefault(left.code, left.name)
        row = counts.setdefault(left.code, [0, 0, 0, 0, 0])
        row[4] += left.waived
        row[column[left.severity]] += left.count - left.waived
    header_row = ("code", "name", "errors", "warnings", "review", "info", "waived")
    table = [header_row] + [(code, names[code], *(f"{n:,}" if n else "-" for n in counts[code])) for code in sorted(counts)]
    lines = [paint("Summary", "1")]
    for cells in fit(table, width, (1,)):
        lines.append("  ".join(cells).rstrip())
    return lines


def _inference_rows(report: Report) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    header_row = ("division", "org", "system", "benchmark", "scenario", "result", "accuracy", "verdict")
    rows: list[tuple[str, ...]] = []
    for row in report.results:
        if not isinstance(row, InferenceResultRow):
            continue
        value = f"{figure(row.value)} {row.unit or ''}".strip() if row.value is not None else "-"
        if row.power_value is not None:
            value += f"; power {figure(row.power_value)} {row.power_unit or ''}".rstrip()
        rows.append(
            (row.division, row.org, row.system, row.benchmark, row.scenario, value, human(row.accuracy) if row.accuracy else "-", "PASS" if row.passed else "FAIL")
        )
    return header_row, rows


def _results_table(report: Report, paint: Paint, width: int) -> list[str]:
    header_row: tuple[str, ...] = ("division", "org", "system", "benchmark", "score (min)", "runs", "dropped", "scaling", "RCP", "verdict")
    rows: list[tuple[str, ...]] = []
    shrinkable: tuple[int, ...] = (1, 2, 3)
    if isinstance(report.results[0], InferenceResultRow):
        header_row, rows = _inference_rows(report)
        shrinkable = (1, 2, 3, 6)
    else:
        for row in report.results:
            if not isinstance(row, ResultRow):
                continue
            rows.append(
                (
                    row.division,
                    row.org,
                    row.system,
                    row.benchmark + (f" ({row.scale})" if row.scale else ""),
                    f"{row.score_minutes:.3f}" if row.score_minutes is not None else "-",
                    str(row.runs),
                    str(row.dropped),
                    f"{row.scaling_factor:.4f}",
                    row.rcp,
                    "PASS" if row.passed else "FAIL",
                )
            )
    table = [header_row] + [tuple(safe(c) for c in r) for r in rows]
    lines = [paint("Results", "1")]
    for i, cells in enumerate(fit(table, width, shrinkable)):
        if i:
            cells[-1] = paint(cells[-1], "32" if cells[-1].strip() == "PASS" else "31")
        lines.append("  ".join(cells).rstrip())
    return lines
