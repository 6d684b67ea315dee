"""One line per finding, like ruff's concise output: ``path:line: severity CODE message``.

For a CI log or an editor's quickfix list: nothing wraps, nothing is cut, the path is the
finding's own file; the last line is the verdict. What changed the verdict (a setting, a waiver
file, a flag) and what is not listed come first, as in every format.
"""

from __future__ import annotations

from compliance.escape import text as safe
from compliance.models.report import Report
from compliance.reporters import human, omitted_sentences, setting_sentences
from compliance.reporters.text import _Painter, COLOURS, label, verdict_line


def render(report: Report, color: bool = False) -> str:
    paint = _Painter(color)
    out = [paint(f"setting: {safe(sentence)}", "33") for sentence in setting_sentences(report)]
    head, _ = omitted_sentences(report)
    if head:
        out.append(safe(head))
    for f in report.findings:
        loc = f.location
        where = f"{loc.path}:{loc.line}" if loc.line is not None else loc.path
        word = paint(label(f), COLOURS["waived" if f.waived_by else f.severity.value])
        out.append(f"{safe(where)}: {word} {paint(f.code, '1')} {safe(human(f.message))}")
    out.append(verdict_line(report, paint))
    return "\n".join(out) + "\n"
