"""Rule registry: every finding's code is defined here once, with its docs.

A *rule* is a stable code (``SEQ005``), a kebab-case name that names the
violation, a default severity, the suites it applies to, and documentation with
fixed headings. A *checker* is a function that inspects one kind of subject and
yields findings for one or more codes. Codes are never reused: removed codes go
to ``TOMBSTONES`` and renamed ones to ``REDIRECTS``.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from compliance.kinds import ALL_SUITES
from compliance.records import field, recordclass

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any

from compliance.models.findings import INTERNAL_ERROR, Finding, Severity

DOC_HEADINGS = ("What it checks", "Why it matters", "Example", "How to fix", "Rule reference")
DOCS_URL = "https://github.com/mlperf-audit/mlperf-audit/blob/main/docs/rules/{code}.md"
CODE_PATTERN = re.compile(r"^[A-Z]{2,4}\d{3}$")
NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

TOMBSTONES: dict[str, str] = {}
REDIRECTS: dict[str, str] = {}


@recordclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    doc: str
    suites: tuple[str, ...]
    since: str | None = None
    until: str | None = None
    divisions: tuple[str, ...] = ("closed", "open")
    deliberate_difference: str | None = None
    requires: str | None = None  # what every finding of the rule requires, when the finding says nothing else
    module: str = ""  # the module that defined it (compliance.rules.codes says which it must be)

    @property
    def url(self) -> str:
        return DOCS_URL.format(code=self.code)

    def sections(self) -> dict[str, str]:
        """The doc split by its '## Heading' sections."""
        parts: dict[str, str] = {}
        current = None
        lines: list[str] = []
        for line in self.doc.strip().splitlines():
            if line.startswith("## "):
                if current is not None:
                    parts[current] = "\n".join(lines).strip()
                current = line[3:].strip()
                lines = []
            else:
                lines.append(line)
        if current is not None:
            parts[current] = "\n".join(lines).strip()
        return parts

    def applies_to_round(self, round_name: str) -> bool:
        def key(text: str) -> tuple[int, ...]:
            return tuple(int(p) for p in text.split("."))

        if self.since and key(round_name) < key(self.since):
            return False
        if self.until and key(round_name) > key(self.until):
            return False
        return True

    def finding(
        self,
        message: str,
        *,
        path: str,
        subject: str,
        line: int | None = None,
        key: str | None = None,
        observed: Any = None,
        required: Any = None,
        fix: str | None = None,
        severity: Severity | None = None,
        evidence: dict[str, Any] | None = None,
    ) -> Finding:
        from compliance.models.findings import Location

        facts: dict[str, Any] = {}
        if isinstance(observed, str) and path and observed == path:
            # What is there is the file or folder's name; its path is the location already, and
            # every report would show it twice.
            observed = repr(path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1])
        if observed is not None:
            facts["observed"] = _scalar(observed)
        if required is None:
            required = self.requires
        if required is not None:
            facts["required"] = _scalar(required)
        if evidence:
            facts.update({k: _scalar(v) for k, v in evidence.items()})
        return Finding(
            code=self.code,
            name=self.name,
            severity=severity or self.severity,
            message=message,
            location=Location(path=path, line=line, key=key),
            subject=subject,
            evidence=facts,
            fix=fix or " ".join(self.sections().get("How to fix", "").split("\n\n")[0].split()) or None,
            url=self.url,
        )


_INT_RANGE = (-(1 << 63), (1 << 64) - 1)  # what a JSON report (orjson) writes as a number


def _scalar(value: Any) -> str | int | float | bool | None:
    if value is None or isinstance(value, (str, int, float, bool)):
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            return str(value)
        if type(value) is int and not _INT_RANGE[0] <= value <= _INT_RANGE[1]:
            text = str(value) if value.bit_length() < 1300 else f"an integer of {value.bit_length()} bits"
            return text if len(text) <= 300 else text[:299] + "…"
        return value
    text = repr(value)
    return text if len(text) <= 300 else text[:299] + "…"


def doc_page(checks: str, why: str, example: str, fix: str, reference: str) -> str:
    """A rule's documentation in the fixed headings every rule doc has (docs/rules/<CODE>.md)."""
    return f"\n## What it checks\n{checks}\n\n## Why it matters\n{why}\n\n## Example\n{example}\n\n## How to fix\n{fix}\n\n## Rule reference\n{reference}\n"


RULES: dict[str, Rule] = {}


def define(
    code: str,
    name: str,
    severity: Severity,
    summary: str,
    doc: str,
    *,
    suites: Iterable[str] = ("training", "hpc"),
    since: str | None = None,
    until: str | None = None,
    divisions: Iterable[str] = ("closed", "open"),
    deliberate_difference: str | None = None,
    requires: str | None = None,
) -> Rule:
    """Register a rule code; fails loudly on a reused, malformed or dead code. ``requires``: what
    the rule's findings require, for those that do not say it themselves."""
    if not CODE_PATTERN.match(code):
        raise ValueError(f"bad rule code {code!r}")
    if not NAME_PATTERN.match(name):
        raise ValueError(f"rule name {name!r} is not kebab-case")
    if code in RULES:
        raise ValueError(f"rule code {code} defined twice")
    if code in TOMBSTONES:
        raise ValueError(f"rule code {code} was removed and must not be reused")
    rule = Rule(
        code=code,
        name=name,
        severity=severity,
        summary=summary,
        doc=doc,
        suites=tuple(suites),
        since=since,
        until=until,
        divisions=tuple(divisions),
        deliberate_difference=deliberate_difference,
        requires=requires,
        module=sys._getframe(1).f_globals.get("__name__", ""),
    )
    RULES[code] = rule
    return rule


@recordclass(frozen=True, slots=True)
class Checker:
    subject: str  # "training_log"
    codes: tuple[str, ...]
    function: Callable[..., Iterator[Finding]] = field(compare=False)


CHECKERS: list[Checker] = []


def checker(subject: str, *rules: Rule) -> Callable[[Callable[..., Iterator[Finding]]], Callable[..., Iterator[Finding]]]:
    """Register a function that checks one kind of subject for the given rules."""

    def wrap(function: Callable[..., Iterator[Finding]]) -> Callable[..., Iterator[Finding]]:
        CHECKERS.append(Checker(subject, tuple(r.code for r in rules), function))
        return function

    return wrap


MAX_ERROR_TEXT = 300


def internal_error(where: str, stage: str, err: BaseException, *, debug: bool = False) -> Finding:
    """The INT001 finding for an exception the tool raised in ``stage`` (a rule, a parser) on ``where``.

    The traceback is in the evidence only with ``debug`` (it names the tool's own files).
    """
    from compliance.parsers.safefs import shown

    what = shown(f"{type(err).__name__}: {err}" if str(err) else type(err).__name__)
    if len(what) > MAX_ERROR_TEXT:
        what = what[: MAX_ERROR_TEXT - 1] + "…"
    evidence: dict[str, Any] = {"stage": stage}
    if debug:
        import traceback

        evidence["traceback"] = "".join(traceback.format_exception(err)).rstrip()
    return RULES[INTERNAL_ERROR].finding(
        f"mlperf-audit failed inside {stage} ({what}); the other rules were still run. "
        "This is a bug in mlperf-audit, not a verdict on the submission",
        path=where,
        subject=where,
        observed=what,
        required="every rule runs to completion",
        evidence=evidence,
    )


def run_checkers(
    subject: str,
    ctx: Any,
    keep: Callable[[Finding], bool],
    *,
    where: str,
    debug: bool = False,
) -> list[Finding]:
    """Run every checker registered for ``subject`` (e.g. ``"training_log"``) on ``ctx``.

    Returns the findings ``keep`` accepts, in checker order. An exception inside
    one checker is contained: the findings it yielded before failing are kept,
    one ``INT001`` finding located at ``where`` (the subject's path) reports it,
    whatever ``keep`` says, and the other checkers still run.
    """
    found: list[Finding] = []
    for entry in CHECKERS:
        if entry.subject != subject:
            continue
        try:
            for finding in entry.function(ctx):
                if keep(finding):
                    found.append(finding)
        except Exception as err:  # noqa: BLE001 - the one place a rule's failure is contained
            name = getattr(entry.function, "__qualname__", "a rule")
            module = getattr(entry.function, "__module__", "")
            found.append(internal_error(where, f"the rule {module}.{name} ({', '.join(entry.codes)})", err, debug=debug))
    return found


FAMILIES = {
    "training": "compliance.rules.training",
    "package": "compliance.rules.package",
    "inference": "compliance.rules.inference",
    "mobile": "compliance.rules.mobile",
    "tiny": "compliance.rules.tiny",
    "common": "compliance.rules.common",
}


def load_all(*families: str) -> None:
    """Import rule modules so their rules are registered: the named families, or all.

    A check imports only the families it runs (start-up time); listing rules,
    documentation and selection by code import them all.
    """
    from importlib import import_module

    for family in families or tuple(FAMILIES):
        import_module(FAMILIES[family])


def resolve_code(code: str) -> str:
    return REDIRECTS.get(code, code)


# Findings that --select/--ignore (or the settings' select/ignore) removed in this process, by
# (code, severity): a silenced error is never silent, the report says what was not reported.
SILENCED: Counter[tuple[str, str]] = Counter()


def applies(
    finding: Finding,
    suite: str,
    round_name: str,
    division: str | None,
    select: Iterable[str] | None,
    ignore: Iterable[str] | None,
) -> bool:
    """Whether a finding's rule applies to this suite, round and division, and is selected
    (one that applies but is not selected is counted in ``SILENCED``)."""
    rule = RULES[finding.code]
    if suite not in rule.suites or not rule.applies_to_round(round_name):
        return False
    if division is not None and division not in rule.divisions:
        return False
    if selected(finding.code, select, ignore):
        return True
    SILENCED[(finding.code, finding.severity.value)] += 1
    return False


def selected(code: str, select: Iterable[str] | None, ignore: Iterable[str] | None) -> bool:
    """ruff-style selection by code or code prefix (``SEQ``, ``SEQ00``, ``SEQ005``)."""
    if select:
        if not any(code.startswith(prefix) for prefix in select):
            return False
    if ignore:
        if any(code.startswith(prefix) for prefix in ignore):
            return False
    return True


define(
    INTERNAL_ERROR,
    "internal-error",
    Severity.ERROR,
    "mlperf-audit itself failed while checking a subject (a bug in the tool); the other rules were still run.",
    """
## What it checks
Nothing about the submission: it reports that one rule (or the reader of one
file) raised an unexpected exception. The failure is contained to that rule
and subject; every other rule and subject is still checked and reported.

## Why it matters
A rule that did not run cannot vouch for the submission, so the check cannot
pass; the command exits with code 2 (a tool failure) rather than 1 (findings),
so that CI and the review committee can tell the two apart.

## Example
`INT001 mlperf-audit failed inside the rule compliance.rules.training.sequence.order (SEQ001, ...)
(ZeroDivisionError: division by zero)`

## How to fix
Report it to the mlperf-audit developers with the output of the same command
run with `--debug`, which adds the traceback to the report and prints it.

## Rule reference
None: this is the tool's own failure, not a rule of the round.
""",
    suites=ALL_SUITES,
)
