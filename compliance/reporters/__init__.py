"""Reporters: pure functions ``render(report) -> str`` over one Report model.

Each format lives in its own module; ``REPORTERS`` maps a ``--format`` name to
it, so the CLI never needs to know a format's details.
"""

from __future__ import annotations

import math
import posixpath
import re
from functools import cache
from importlib import import_module

from compliance.models.roles import FILE_ROLES, FOLDER_ROLES, SubjectRole
from compliance.wording import are, plural

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any, Callable

REPORTERS: dict[str, str] = {
    "text": "compliance.reporters.text",
    "json": "compliance.reporters.json",
    "csv": "compliance.reporters.csv",
    "junit": "compliance.reporters.junit",
    "sarif": "compliance.reporters.sarif",
    "github": "compliance.reporters.github",
    "markdown": "compliance.reporters.markdown",
    "html": "compliance.reporters.html",
    "concise": "compliance.reporters.concise",
}

EXTENSIONS = {
    "text": "txt",
    "json": "json",
    "csv": "csv",
    "junit": "xml",
    "sarif": "sarif",
    "github": "txt",
    "markdown": "md",
    "html": "html",
    "concise": "txt",
}

# The one name of each severity, in every format (the JSON value is the same word).
SEVERITY_WORD = {"error": "error", "warning": "warning", "review": "review", "info": "info"}

_LONG_DECIMAL = cache(lambda: re.compile(r"(?<![\d.])-?\d+\.\d{7,}(?![\d.])"))


def _rounded(match: re.Match[str]) -> str:
    value = float(match.group())
    if value == 0 or not math.isfinite(value):
        return match.group()
    places = max(6 - (math.floor(math.log10(abs(value))) + 1), 1)  # six significant digits
    return f"{value:.{places}f}".rstrip("0").rstrip(".")


def human(value: Any) -> str:
    """A value as a person reads it: floats and long decimals in text to six significant digits
    (``0.7599999904632568`` is ``0.76``); versions, integers and short decimals unchanged. The
    JSON report keeps the full precision."""
    if isinstance(value, float):
        value = repr(value)
    return _LONG_DECIMAL().sub(_rounded, str(value))


def figure(value: float | None) -> str:
    """A number for people: six significant digits, thousands separated (2,187.39 Tokens/s;
    178,859 samples; 0.9375 epochs), whole numbers as such. The JSON report keeps every digit."""
    if value is None or not math.isfinite(value):
        return "-"
    if value == int(value):
        return f"{value:,.0f}"
    if abs(value) < 1:
        return f"{value:.6g}"
    places = max(6 - (math.floor(math.log10(abs(value))) + 1), 0)
    text = f"{value:,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def relative_location(path: str, subject: str) -> str:
    """``path`` as seen from the subject it belongs to: ``""`` for the subject itself, the rest of
    the path below it, else the path as it is."""
    own, top = posixpath.normpath(path), posixpath.normpath(subject)
    if own == top:
        return ""
    if top == "." and not own.startswith(("/", "../")) and own != "..":
        return own
    if own.startswith(top.rstrip("/") + "/"):
        return own[len(top.rstrip("/")) + 1 :]
    return path


def below(text: str, *folders: str | None) -> str:
    """Paths inside ``folders`` (an entry or a result, then the checked tree; ``None`` for none)
    named from them: ``result_3.txt``, not the whole path again. ``.`` is left alone."""
    for folder in folders:
        folder = (folder or "").rstrip("/")
        if folder and folder != ".":
            text = text.replace(folder + "/", "")
    return text


def tree_title(path: str) -> str:
    """The name a person knows a checked tree by: the folder's own name (an organisation's, a
    results repository's), not ``.``."""
    import os

    return os.path.basename(os.path.abspath(path)) or path


def finding_details(finding: Any) -> list[tuple[str, str]]:
    """A finding's evidence lines, in the order every reporter shows them:
    ("seen", ..), ("required", ..), then ("waived", approver: reason) or ("fix", ..)."""
    out: list[tuple[str, str]] = []
    for kind in ("observed", "required"):
        value = finding.evidence.get(kind)
        if value is not None:
            out.append(("seen" if kind == "observed" else "required", human(value)))
    if finding.waived_by is not None:
        out.append(("waived", finding.waived_by))
    elif finding.fix:
        out.append(("fix", finding.fix))
    return out


def setting_sentences(report: Any) -> list[str]:
    """Each setting, waiver file or flag that changed the report, as one sentence (not escaped):
    ``mlperf-audit.toml: ignore = SEQ: 9 findings: 9 errors (SEQ004 x9) not reported``."""
    out = []
    for record in report.settings:
        tail = f" — {plural(record.errors, 'error finding')} not counted in the verdict" if record.errors else ""
        out.append(f"{record.source}: {record.setting}: {record.effect}{tail}")
    return out


MAX_OMITTED_SHOWN = 50  # groups of findings not listed that a report names one by one


def omitted_sentences(report: Any) -> tuple[str, list[str]]:
    """The findings a report does not list (the findings limit): a headline and one sentence per
    code and subject (at most ``MAX_OMITTED_SHOWN``, then how many more), not escaped."""
    if not report.omitted:
        return "", []
    from compliance.limits import reached

    total = sum(o.count for o in report.omitted)
    blocking = sum(o.blocking for o in report.omitted)
    head = (
        f"{plural(total, 'more finding')} {are(total)} not listed ({plural(blocking, 'error')} among them); they count in every "
        f"verdict and total: {reached('findings')}"
    )
    lines = []
    for left in report.omitted[:MAX_OMITTED_SHOWN]:
        waived = f", {left.waived:,} waived" if left.waived else ""
        lines.append(f"{left.code} {left.name} ({left.severity.value}): {left.count:,} in {left.subject}{waived}")
    if len(report.omitted) > MAX_OMITTED_SHOWN:
        rest = report.omitted[MAX_OMITTED_SHOWN:]
        lines.append(f"and {sum(o.count for o in rest):,} more in {plural(len(rest), 'other code/subject pair')}")
    return head, lines


def renderer(name: str) -> Callable[..., str]:
    """The ``render`` function of a format."""
    render: Callable[..., str] = getattr(import_module(REPORTERS[name]), "render")
    return render


_FILE_KINDS = FILE_ROLES
_FOLDER_KINDS = FOLDER_ROLES
INFERENCE_RUN_LOG = "performance/run_1/mlperf_log_detail.txt"  # every inference result has it


def annotation_files(report: Any) -> Callable[[Any], tuple[str | None, int | None]]:
    """For the formats that annotate a file (GitHub, SARIF): the file and line a finding points
    at, never a folder. A finding located at a folder (an entry, a result, the tree) points at the
    first file the report knows inside it (a log, a system JSON), else inside the nearest folder
    above it, else (an inference result) its performance run's detail log; ``None`` when the
    report knows no file for it (the whole tree)."""
    folders = {s.path for s in report.subjects if s.kind in _FOLDER_KINDS}
    trees = {posixpath.normpath(s.path) for s in report.subjects if s.kind == SubjectRole.TREE}
    results = {s.path for s in report.subjects if s.kind == SubjectRole.INFERENCE_RESULT}
    known: list[str] = [s.path for s in report.subjects if s.kind in _FILE_KINDS]
    for finding in report.findings:
        path = finding.location.path
        if path not in folders and "." in posixpath.basename(path):
            known.append(path)
    known = list(dict.fromkeys(known))

    def first_inside(folder: str) -> str | None:
        top = posixpath.normpath(folder)
        return next((p for p in known if relative_location(p, top) not in ("", p)), None)

    def locate(finding: Any) -> tuple[str | None, int | None]:
        path = finding.location.path
        if path not in folders and "." in posixpath.basename(path):
            return path, finding.location.line
        if path in results:
            return first_inside(path) or posixpath.join(path, INFERENCE_RUN_LOG), None
        folder = posixpath.normpath(path)
        while folder not in trees and folder not in ("", ".", "/"):
            inside = first_inside(folder)
            if inside is not None:
                return inside, None
            folder = posixpath.dirname(folder)
        return None, None

    return locate
