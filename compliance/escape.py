"""Escaping for every medium a report is written to: one function per medium.

Everything that came from the input — file and folder names in trees and
archives, system names, values and messages from logs, settings values —
passes through one of these before it is written, so that it can never act
on the medium:

- ``text``: one line for a terminal, a file or a CI job log (the text report,
  stderr). C0 and C1 control characters (ESC starts a terminal's escape
  sequences), DEL, line and paragraph separators, bidirectional overrides and
  isolates (which reorder what a reviewer sees), byte-order marks and
  non-characters become visible escapes (``\\x1b``, ``\\u202e``); bytes of a
  name that are not UTF-8 become ``\\xNN``. A line break from the input is
  ``\\n``, so it can never start a line of its own, and GitHub Actions
  workflow commands are broken: ``##[`` anywhere (the runner's old command
  form) becomes ``#\\x23[`` and a ``::`` that starts the value (the runner's
  commands start a line, after blanks) becomes ``\\x3a:``.
- ``text_block``: the same for text that keeps its line breaks (a traceback);
  each line is neutralised.
- ``workflow_data``, ``workflow_property``: a workflow command's message and
  property values (``text_block`` first, then the runner's own ``%25 %0D %0A``
  and ``%3A %2C`` escapes: the command stays on one line).
- ``csv_cell``: ``text``, then a cell that a spreadsheet would read as a
  formula (starting with ``=``, ``+``, ``-``, ``@``, tab or CR) is prefixed
  with ``'`` (OWASP, "CSV Injection").
- ``xml``: ``text_block`` for XML 1.0 character data and attributes: all that
  XML cannot carry or a viewer would act on is shown escaped, line breaks stay
  (the XML escapes of ``<``, ``&`` and quotes are ElementTree's).
- ``html``: ``text``-style visible escapes keeping line breaks and tabs, then
  HTML escaping; a line that would start a workflow command gets ``&#58;``
  (which shows as ``:``).
- ``json_output``: a finished JSON document (orjson output): C1 controls,
  separators, bidirectional controls and ``##[`` inside strings are written
  as ``\\uXXXX`` escapes, so the data is unchanged and the bytes are inert.

Markdown's own escaping (``compliance.reporters.markdown.md``/``code``) is
built on ``visible``.
"""

from __future__ import annotations

import re
from functools import cache

# Characters that never reach a medium raw: C0 and C1 controls, DEL, the line and paragraph
# separators, bidirectional formatting (LRM/RLM/ALM, embeddings, overrides, isolates), the
# byte-order mark / zero-width no-break space, interlinear annotations, non-characters, and
# the surrogates that stand for bytes of a name that are not UTF-8.
_BEYOND_C0 = "\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb\ufffe\uffff\ud800-\udfff"
# The patterns are compiled when a text first needs them: most text is printable ASCII, which
# none of them matches (``_plain``), and a check prints little.
_HIDDEN = cache(lambda: re.compile(f"[\x00-\x1f{_BEYOND_C0}]"))
_HIDDEN_KEEP_LINES = cache(lambda: re.compile(f"[\x00-\x08\x0b-\x1f{_BEYOND_C0}]"))  # LF and tab stay
_HIDDEN_IN_DATA = cache(lambda: re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_BEYOND_C0}]"))  # LF, CR and tab stay (percent-encoded)
# A line that starts with '::' after blanks (the runner trims any Unicode white space first).
_COMMAND_START = cache(lambda: re.compile(r"^([^\S\n]*)::", re.MULTILINE))
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _show(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, as os.fsdecode gives it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _plain(text: str) -> bool:
    """Printable ASCII only (no control character, no DEL): nothing in it is ever escaped."""
    return text.isascii() and text.isprintable()


def visible(value: object, *, keep_lines: bool = False) -> str:
    """``value`` as text with every invisible or controlling character shown as an escape.

    With ``keep_lines``, LF and tab stay (a CR LF pair becomes LF); everything else is escaped.
    """
    text = str(value)
    if _plain(text):
        return text
    if keep_lines:
        return _HIDDEN_KEEP_LINES().sub(_show, text.replace("\r\n", "\n"))
    return _HIDDEN().sub(_show, text)


def _no_commands(text: str) -> str:
    """Break GitHub workflow commands: ``##[`` anywhere, ``::`` at the start of a line."""
    if "##[" in text:
        text = text.replace("##[", "#\\x23[")
    if "::" in text:
        text = _COMMAND_START().sub(lambda m: m.group(1) + "\\x3a:", text)
    return text


def text(value: object) -> str:
    """One line of plain text (terminal, file, CI job log): nothing in it controls anything."""
    return _no_commands(visible(value))


def text_block(value: object) -> str:
    """Plain text that keeps its line breaks; each line is made safe as ``text`` makes one."""
    return _no_commands(visible(value, keep_lines=True))


def workflow_data(value: object) -> str:
    """A GitHub workflow command's message: like ``text_block`` (its lines are the message's), then
    ``%``, CR and LF percent-encoded as the runner expects, so it stays on the command's line."""
    data = str(value)
    data = _no_commands(data if _plain(data) else _HIDDEN_IN_DATA().sub(_show, data))
    return data.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(value: object) -> str:
    """A workflow command's property value: as a message, plus ``:`` and ``,``."""
    return workflow_data(value).replace(":", "%3A").replace(",", "%2C")


def csv_cell(value: object) -> str:
    """A CSV field: ``text``, and never a formula (OWASP: prefix ``'``)."""
    cell = text(value)
    return "'" + cell if cell.startswith(_FORMULA) else cell


def xml(value: object) -> str:
    """Text for an XML 1.0 document (character data or an attribute value); line breaks stay."""
    return text_block(value)


def html(value: object) -> str:
    """Text for an HTML page (it keeps its line breaks; ``<br>`` is the page's business)."""
    from html import escape

    shown = escape(visible(value, keep_lines=True), quote=True)
    if "##[" in shown:
        shown = shown.replace("##[", "##&#91;")
    if "::" in shown:
        shown = _COMMAND_START().sub(lambda m: m.group(1) + "&#58;:", shown)
    return shown


_JSON_INERT = cache(lambda: re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb\ufffe\uffff]|##\\["))


def json_output(document: str) -> str:
    """A finished JSON document with every character that could act on a terminal or a CI log
    (and the ``##[`` of a workflow command) written as a ``\\uXXXX`` escape inside its strings.

    Outside strings JSON has only ASCII punctuation, digits and the literals, so
    replacing these characters anywhere changes no value.
    """
    if document.isascii() and "\x7f" not in document and "##[" not in document:
        return document  # ASCII: only DEL and '##[' would be escaped
    return _JSON_INERT().sub(lambda m: "##\\u005b" if m.group() == "##[" else f"\\u{ord(m.group()):04x}", document)
