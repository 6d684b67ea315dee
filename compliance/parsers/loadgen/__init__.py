"""Readers for the files of an MLPerf Inference LoadGen run, one module per file type.

- ``detail``: ``parse_loadgen_detail``, ``mlperf_log_detail.txt`` (one ``:::MLLOG {json}``
  record per line).
- ``summary``: ``parse_loadgen_summary``, ``mlperf_log_summary.txt``.
- ``accuracy``: ``read_accuracy_json`` (``mlperf_log_accuracy.json``, whole or in the
  submission's truncated form) and ``read_accuracy_txt`` (``accuracy.txt``).
- ``run``: ``read_loadgen_run``, a run folder (or its detail log) -> ``LoadgenRun``.
- ``common``: what they share (file names, limits, the kinds of issues, reading a file,
  splitting its lines).

Nothing here raises on bad input: a missing, empty, oversized or unreadable
file, CRLF line ends, a UTF-8 byte-order mark, bytes that are not UTF-8, a
corrupt record or a truncated last line each become a ``LoadgenIssue`` and the
rest is read. Nothing here writes anything, or evaluates anything it reads.

The names the rest of the tool uses are re-exported here (``from compliance.parsers import
loadgen as P``; ``P.ISSUE_CRLF``, ``P.read_loadgen_run``), including the kinds of issues shared
with the MLLOG reader (its own constants, so the rules can treat both logs alike).
"""

from __future__ import annotations

from compliance.parsers.loadgen.accuracy import read_accuracy_json, read_accuracy_txt
from compliance.parsers.loadgen.common import (
    ACCURACY_LOG_FILE,
    ACCURACY_LOG_MAX_BYTES,
    ACCURACY_TXT_FILE,
    ACCURACY_TXT_MAX_BYTES,
    ARRAY_BYTES,
    BOM,
    DEFAULT_MAX_BYTES,
    DETAIL_FILE,
    ISSUE_BAD_HASH,
    ISSUE_BAD_NUMBER,
    ISSUE_BOM,
    ISSUE_CRLF,
    ISSUE_EMPTY,
    ISSUE_INCOMPLETE,
    ISSUE_MISSING,
    ISSUE_MISSING_FIELD,
    ISSUE_MORE,
    ISSUE_NAMESPACE,
    ISSUE_NO_RECORDS,
    ISSUE_NOT_SUMMARY,
    ISSUE_SEVERAL_HASHES,
    ISSUE_STRAY_LINE,
    ISSUE_TOO_LARGE,
    ISSUE_TRUNCATED_LINE,
    ISSUE_TRUNCATION_FORM,
    MAX_ISSUES_PER_KIND,
    NAMESPACE,
    RUN_FILES,
    SUMMARY_FILE,
    SUMMARY_MAX_BYTES,
    TRACE_FILE,
    TRUNCATED_SIZE,
    TRUNCATION_KEEP,
    TRUNCATION_MARKER,
)
from compliance.parsers.loadgen.detail import parse_loadgen_detail
from compliance.parsers.loadgen.run import read_loadgen_run
from compliance.parsers.loadgen.summary import parse_loadgen_summary
from compliance.parsers.mllog import (
    ISSUE_BAD_JSON,
    ISSUE_BAD_RECORD,
    ISSUE_ENCODING,
    ISSUE_LONG_LINE,
    ISSUE_MULTI,
    ISSUE_PROSE,
    ISSUE_TRAILING,
    ISSUE_UNREADABLE,
    TOKEN,
)

__all__ = [
    "ACCURACY_LOG_FILE",
    "ACCURACY_LOG_MAX_BYTES",
    "ACCURACY_TXT_FILE",
    "ACCURACY_TXT_MAX_BYTES",
    "ARRAY_BYTES",
    "BOM",
    "DEFAULT_MAX_BYTES",
    "DETAIL_FILE",
    "ISSUE_BAD_HASH",
    "ISSUE_BAD_JSON",
    "ISSUE_BAD_NUMBER",
    "ISSUE_BAD_RECORD",
    "ISSUE_BOM",
    "ISSUE_CRLF",
    "ISSUE_EMPTY",
    "ISSUE_ENCODING",
    "ISSUE_INCOMPLETE",
    "ISSUE_LONG_LINE",
    "ISSUE_MISSING",
    "ISSUE_MISSING_FIELD",
    "ISSUE_MORE",
    "ISSUE_MULTI",
    "ISSUE_NAMESPACE",
    "ISSUE_NO_RECORDS",
    "ISSUE_NOT_SUMMARY",
    "ISSUE_PROSE",
    "ISSUE_SEVERAL_HASHES",
    "ISSUE_STRAY_LINE",
    "ISSUE_TOO_LARGE",
    "ISSUE_TRAILING",
    "ISSUE_TRUNCATED_LINE",
    "ISSUE_TRUNCATION_FORM",
    "ISSUE_UNREADABLE",
    "MAX_ISSUES_PER_KIND",
    "NAMESPACE",
    "RUN_FILES",
    "SUMMARY_FILE",
    "SUMMARY_MAX_BYTES",
    "TOKEN",
    "TRACE_FILE",
    "TRUNCATED_SIZE",
    "TRUNCATION_KEEP",
    "TRUNCATION_MARKER",
    "parse_loadgen_detail",
    "parse_loadgen_summary",
    "read_accuracy_json",
    "read_accuracy_txt",
    "read_loadgen_run",
]
