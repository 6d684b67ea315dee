"""The ``mlperf-audit`` command.

Exit codes: 0 no error finding, 1 at least one error finding, 2 usage error or
nothing to check. argparse (not click) keeps start-up fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from compliance import __version__

FORMATS = ("text", "json", "csv")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlperf-audit",
        description="Check MLPerf Training and HPC result logs against the round's rules.",
    )
    parser.add_argument("--version", action="version", version=f"mlperf-audit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="check result logs (files or folders)")
    check.add_argument("paths", nargs="+", metavar="PATH", help="MLLOG result logs, or folders of result_*.txt")
    check.add_argument("--suite", choices=("training", "hpc"), help="rules to apply (detected from the logs if omitted)")
    check.add_argument("--round", dest="round_name", metavar="ROUND", help="round, e.g. 5.1, v5.1 or 5.1.0 (default: newest)")
    check.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    check.add_argument("--output", metavar="FILE", help="write the report to FILE instead of standard output")
    check.add_argument("--select", metavar="CODES", help="comma-separated codes or prefixes to report (e.g. SEQ,QLT001)")
    check.add_argument("--ignore", metavar="CODES", help="comma-separated codes or prefixes not to report")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour in text output")
    check.add_argument("--rcp-bypass", action="store_true", help="waive failed or missing RCP checks (they stay in the report, marked waived)")
    check.add_argument("--waivers", metavar="FILE", help="a TOML file of reviewed waivers (code, subject glob, reason, approver, expires)")

    sub.add_parser("rules", help="list every rule: code, name, severity, suites")
    rule = sub.add_parser("rule", help="show one rule's documentation")
    rule.add_argument("code", help="rule code, e.g. SEQ005")

    schema = sub.add_parser("schema", help="print a published JSON Schema")
    schema.add_argument("name", choices=("report",), nargs="?", default="report")
    return parser


def _codes(text: str | None) -> list[str] | None:
    if not text:
        return None
    return [c.strip().upper() for c in text.split(",") if c.strip()]


def _write(text: str, output: str | None) -> None:
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)


def _check(args: argparse.Namespace) -> int:
    from compliance.engine import AuditOptions, UsageError, run_audit
    from compliance.registry import RULES, load_all

    load_all()
    select, ignore = _codes(args.select), _codes(args.ignore)
    for code in (select or []) + (ignore or []):
        if not any(known.startswith(code) for known in RULES):
            print(f"mlperf-audit: error: no rule code starts with {code!r}", file=sys.stderr)
            return 2
    options = AuditOptions(
        suite=args.suite,
        round=args.round_name,
        select=select,
        ignore=ignore,
        rcp_bypass=args.rcp_bypass,
        waivers=args.waivers,
        progress=_progress_factory() if args.format == "text" and sys.stderr.isatty() else None,
    )
    try:
        report = run_audit(args.paths, options)
    except UsageError as err:
        print(f"mlperf-audit: error: {err}", file=sys.stderr)
        return 2
    if args.format == "json":
        from compliance.reporters.json import render as render_json

        text = render_json(report)
    elif args.format == "csv":
        from compliance.reporters.csv import render as render_csv

        text = render_csv(report)
    else:
        from compliance.reporters.text import render as render_text

        color = args.color == "always" or (
            args.color == "auto" and not args.output and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        )
        text = render_text(report, color=color)
    _write(text, args.output)
    return report.exit_code()


def _progress_factory():  # type: ignore[no-untyped-def]
    """A progress bar on the terminal (stderr) while logs are audited; never in JSON/CSV output."""

    def start(total: int):  # type: ignore[no-untyped-def]
        if total < 2:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        progress = Progress(
            TextColumn("auditing logs"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=Console(stderr=True), transient=True,
        )
        progress.start()
        task = progress.add_task("logs", total=total)
        done = [0]

        def advance(step: int) -> None:
            done[0] += step
            progress.update(task, advance=step)
            if done[0] >= total:
                progress.stop()

        return advance

    return start


def _rules() -> int:
    from compliance.registry import RULES, load_all

    load_all()
    rows = [("CODE", "NAME", "SEVERITY", "SUITES", "ROUNDS", "SUMMARY")]
    for code in sorted(RULES):
        rule = RULES[code]
        rounds = "all"
        if rule.since or rule.until:
            rounds = f"{rule.since or ''}..{rule.until or ''}"
        rows.append((code, rule.name, rule.severity.value, ",".join(rule.suites), rounds, rule.summary))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for row in rows:
        print("  ".join(row[i].ljust(widths[i]) for i in range(5)) + "  " + row[5])
    return 0


def rule_text(code: str) -> str | None:
    from compliance.registry import RULES, load_all, resolve_code

    load_all()
    rule = RULES.get(resolve_code(code.upper()))
    if rule is None:
        return None
    lines = [
        f"# {rule.code} {rule.name}",
        "",
        rule.summary,
        "",
        f"- Severity: {rule.severity.value}",
        f"- Suites: {', '.join(rule.suites)}",
        f"- Divisions: {', '.join(rule.divisions)}",
        f"- Rounds: {rule.since or 'all'}{' to ' + rule.until if rule.until else ''}",
    ]
    if rule.deliberate_difference:
        lines.append(f"- Differs from the official checker: {rule.deliberate_difference}")
    lines += ["", rule.doc.strip(), ""]
    return "\n".join(lines)


def _rule(code: str) -> int:
    text = rule_text(code)
    if text is None:
        print(f"mlperf-audit: error: no rule {code!r} (see `mlperf-audit rules`)", file=sys.stderr)
        return 2
    print(text, end="")
    return 0


def _schema(name: str) -> int:
    from compliance.schema import report_schema

    import json

    print(json.dumps(report_schema(), indent=2))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if args.command == "check":
        return _check(args)
    if args.command == "rules":
        return _rules()
    if args.command == "rule":
        return _rule(args.code)
    if args.command == "schema":
        return _schema(args.name)
    parser.print_help(sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
