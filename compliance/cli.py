"""The ``mlperf-audit`` command.

Exit codes: 0 no error finding, 1 at least one error finding, 2 usage error,
nothing to check, or a failure of mlperf-audit itself (INT001; the traceback
with ``--debug``) (``diff``: 1 when the newer report has new error findings);
130 interrupted (Ctrl-C), 141 standard output closed (``| head``).
Settings may come from the submission repository (``compliance.config``);
flags override them. argparse (not click) keeps start-up fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from compliance.kinds import ALL_SUITES

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time

from compliance import __version__
from compliance.wording import plural

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from compliance.config import Settings
    from compliance.models.report import Report


def _format_names() -> list[str]:
    from compliance.reporters import REPORTERS

    return list(REPORTERS)


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, measuring the terminal only when help is formatted: argparse
    makes one for every argument added (to check its metavar), and measuring imports shutil,
    a start-up cost of every run."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None, **more: object) -> None:
        self._measure, self._asked = width is None, max_help_position
        super().__init__(prog, indent_increment, max_help_position, 80 if width is None else width, **more)  # type: ignore[arg-type,unused-ignore]

    def format_help(self) -> str:
        if self._measure:
            import shutil

            width = shutil.get_terminal_size().columns - 2  # as argparse measures it
            self._width = width
            self._max_help_position = min(self._asked, max(width - 20, self._indent_increment * 2))
            self._measure = False
        return super().format_help()


class _RawFormatter(_Formatter, argparse.RawDescriptionHelpFormatter):
    """Descriptions and epilogs as written, the terminal measured as by ``_Formatter``."""


class _ArgumentParser(argparse.ArgumentParser):
    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


def _parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog="mlperf-audit",
        description="Check MLPerf Training, HPC and Inference results (logs, runs, whole submissions) against the round's rules.",
    )
    parser.add_argument("--version", action="version", version=f"mlperf-audit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", prog="mlperf-audit")  # given: argparse would format a usage line for it
    formats = ", ".join(_format_names())

    check = sub.add_parser(
        "check", help="check logs, runs or whole submissions (training, HPC, inference)",
        description="Check MLPerf Training and HPC result logs, MLPerf Inference LoadGen runs, or whole\n"
        "submission trees and archives of the three suites against the rules of their round.\n"
        "The suite and the round are detected from the evidence when not given.",
        epilog=CHECK_EPILOG, formatter_class=_RawFormatter,
    )
    check.add_argument("paths", nargs="+", metavar="PATH", help="result_*.txt logs, LoadGen runs (a run folder or its mlperf_log_detail.txt), folders, submission trees or archives")
    check.add_argument("--suite", choices=ALL_SUITES, help="rules to apply (detected from the logs if omitted)")
    check.add_argument("--round", dest="round_name", metavar="ROUND", help="round, e.g. 5.1, v5.1 or 5.1.0 (default: detected from the evidence; the header says from which)")
    check.add_argument("--benchmark", metavar="MODEL", help="inference: the model of the LoadGen runs, e.g. resnet50 (default: from .../<model>/<scenario>/performance/run_1)")
    check.add_argument("--scenario", metavar="SCENARIO", help="inference: the scenario of the LoadGen runs, e.g. Offline (default: from the path, else the log)")
    check.add_argument(
        "--format", metavar="NAME[,NAME...]",
        help=f"output format (default: text): {formats}; several, comma-separated, with --output-dir",
    )
    check.add_argument("--output", metavar="FILE", help="write the report to FILE instead of standard output")
    check.add_argument("--output-dir", metavar="DIR", help="write one report.<ext> per format into DIR (created if missing)")
    check.add_argument("--select", metavar="CODES", help="comma-separated codes or prefixes to report (e.g. SEQ,QLT001)")
    check.add_argument("--ignore", metavar="CODES", help="comma-separated codes or prefixes not to report")
    check.add_argument("-q", "--quiet", action="store_true", help="one line per finding and the verdict (the same as --format concise)")
    check.add_argument("-v", "--verbose", action="store_true", help="text: show long messages and values whole (they are cut after a few lines)")
    check.add_argument("--statistics", action="store_true", help="text: only the count of findings per rule code, and the verdict")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings fail the check (usage errors and internal errors still exit 2)")
    check.add_argument("--strict", action="store_true", help="warnings fail the check too (exit code 1)")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour in text output on standard output (never in files); auto follows NO_COLOR, FORCE_COLOR and TERM=dumb")
    check.add_argument("--rcp-bypass", action="store_true", help="waive failed or missing RCP checks (they stay in the report, marked waived)")
    check.add_argument("--waivers", metavar="FILE", help="a TOML file of reviewed waivers (code, subject glob, reason, approver, expires)")
    check.add_argument("--baseline", metavar="REPORT.json", help="an earlier JSON report: findings it has are marked baselined and do not fail")
    check.add_argument(
        "--limit", action="append", default=[], metavar="NAME=N",
        help="raise (or lower) a bound on what is read, e.g. files-per-folder=1000000 (README, 'Hostile input'); repeatable",
    )
    check.add_argument("--debug", action="store_true", help="on a failure of mlperf-audit itself (INT001, exit code 2), print the traceback and keep it in the report")
    settings = check.add_mutually_exclusive_group()
    settings.add_argument("--config", metavar="FILE", help="read settings from FILE (mlperf-audit.toml, or a pyproject.toml's [tool.mlperf-audit])")
    settings.add_argument("--no-config", action="store_true", help="read no settings file (a review committee checking someone else's repository)")
    check.add_argument(
        "--strict-config", action="store_true",
        help="the repository's settings may not silence or waive an error: each setting that does is a CFG001 error (exit code 1)",
    )

    diff = sub.add_parser("diff", help="what changed between two JSON reports (exit 1 on new error findings)")
    diff.add_argument("old", metavar="OLD.json", help="the earlier report (--format json)")
    diff.add_argument("new", metavar="NEW.json", help="the later report (--format json)")
    diff.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    diff.add_argument("--output", metavar="FILE", help="write the comparison to FILE instead of standard output")
    diff.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour in text output on standard output")

    rules = sub.add_parser(
        "rules", help="list the rules: code, name, severity, suites, rounds, summary",
        description="List every rule mlperf-audit checks, or those of a suite or a code prefix.",
        epilog="examples:\n  mlperf-audit rules --suite inference\n  mlperf-audit rules SEQ\n  mlperf-audit rules --format json",
        formatter_class=_RawFormatter,
    )
    rules.add_argument("prefix", nargs="?", metavar="PREFIX", help="only codes that start with PREFIX, e.g. SEQ or LAT00")
    rules.add_argument("--suite", choices=ALL_SUITES, help="only the rules of this suite")
    rules.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    rule = sub.add_parser(
        "rule", help="show one rule's documentation",
        description="Show what a rule checks, why it matters, an example, how to fix it, and the rules section it enforces.",
        epilog="example:\n  mlperf-audit rule SEQ005", formatter_class=_RawFormatter,
    )
    rule.add_argument("code", help="rule code, e.g. SEQ005")

    schema = sub.add_parser(
        "schema", help="print a published JSON Schema",
        description="Print the JSON Schema of the JSON report (report) or of the waiver file (waivers).",
        epilog="example:\n  mlperf-audit schema report > report.schema.json", formatter_class=_RawFormatter,
    )
    schema.add_argument("name", choices=("report", "waivers"), nargs="?", default="report", help="which schema (default: report)")
    return parser


CHECK_EPILOG = """\
examples:
  mlperf-audit check result_0.txt                        one training or HPC log
  mlperf-audit check closed/ACME                         an organisation's submission
  mlperf-audit check . --round 5.1                       a whole results repository
  mlperf-audit check submission.tar.gz                   the archive you upload
  mlperf-audit check results/sysA/resnet50/Offline/performance/run_1 --suite inference
  mlperf-audit check . -q                                one line per finding
  mlperf-audit check . --format json,sarif,junit --output-dir reports/

exit codes:
  0  no error finding (with --strict: no warning either; with --exit-zero: always)
  1  at least one error finding (with --strict: or a warning)
  2  usage error, nothing to check, or a failure of mlperf-audit itself (INT001)
  130 interrupted (Ctrl-C); 141 standard output closed (| head)
"""


class _Usage(Exception):
    """A usage error found by the command line itself (exit code 2)."""


def _codes(text: str | None) -> list[str] | None:
    if not text:
        return None
    from compliance.registry import resolve_code

    return [resolve_code(c.strip().upper()) for c in text.split(",") if c.strip()]


def _formats(names: list[str], where: str) -> list[str]:
    """Known, installed format names, in the order given, without repeats."""
    import importlib.util

    from compliance.reporters import REPORTERS

    chosen: list[str] = []
    for name in names:
        if name not in REPORTERS:
            raise _Usage(f"unknown format {name!r} {where}; formats: {', '.join(REPORTERS)}")
        if importlib.util.find_spec(REPORTERS[name]) is None:
            raise _Usage(f"the {name} format is not available in this installation of mlperf-audit")
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        raise _Usage(f"no format given {where}")
    return chosen


def _shown(path: str) -> str:
    """A path as the user knows it: relative to the current directory when below it."""
    rel = os.path.relpath(path)
    return path if rel.startswith(os.pardir) else rel


def _settings(args: argparse.Namespace) -> Settings:
    from compliance import config

    if args.no_config:
        return config.Settings()
    path = args.config or config.discover()
    if path is None:
        return config.Settings()
    return config.load(path)


def _file_names(formats: list[str]) -> dict[str, str]:
    """report.<ext> per format; formats that share an extension get report.<format>.<ext>."""
    from compliance.reporters import EXTENSIONS

    # The text report is report.txt whatever else is asked for; another format that shares an
    # extension with one asked for is report.<format>.<ext>.
    exts = [EXTENSIONS.get(name, name) for name in formats]
    return {
        name: f"report.{ext}" if name == "text" or (exts.count(ext) == 1 and ext != "txt") else f"report.{name}.{ext}"
        for name, ext in zip(formats, exts)
    }


def _render(report: Report, name: str, color: bool, args: argparse.Namespace | None = None, width: int | None = None) -> str:
    from compliance.reporters import renderer

    render = renderer(name)
    if name == "text":
        return render(
            report, color=color, width=width or 100,
            verbose=bool(args and args.verbose), statistics=bool(args and args.statistics),
        )
    if name == "concise":
        return render(report, color=color)
    return render(report)


def _use_color(choice: str) -> bool:
    """Colour on standard output only: asked for, or (auto) by the conventions: NO_COLOR set
    refuses it, FORCE_COLOR set asks for it, else a terminal that is not TERM=dumb."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


def _width() -> int:
    """The terminal's width (COLUMNS when set), 100 columns when standard output is no terminal."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        return max(int(columns), 60)
    try:
        if sys.stdout.isatty():
            return max(os.get_terminal_size(sys.stdout.fileno()).columns, 60)
    except (OSError, ValueError):
        pass
    return 100


def _check(args: argparse.Namespace) -> int:
    from compliance import limits
    from compliance.config import ConfigError
    from compliance.engine import run_audit
    from compliance.options import AuditOptions, UsageError
    from compliance.registry import RULES, load_all

    try:
        limits.configure(limits.parse(args.limit))
        settings = _settings(args)
        source = f"in {_shown(settings.path)}" if settings.path else ""
        select = _codes(args.select) if args.select is not None else settings.select
        ignore = _codes(args.ignore) if args.ignore is not None else settings.ignore
        if select or ignore:
            load_all()  # every code, to tell a typo from a code of another family
        for flag, codes in (("select", select), ("ignore", ignore)):
            given_here = getattr(args, flag) is not None
            for code in codes or []:
                if not any(known.startswith(code) for known in RULES):
                    where = "" if given_here else f" ({flag} {source})"
                    raise _Usage(f"no rule code starts with {code!r}{where}")
        formats, from_file = ["text"], ""
        if args.quiet and args.format is not None and args.format.strip().lower() != "concise":
            raise _Usage("--quiet is the concise format: use it without --format")
        if args.quiet:
            formats = ["concise"]
        elif args.format is not None:
            formats = _formats([n.strip().lower() for n in args.format.split(",") if n.strip()], "in --format")
        elif settings.format is not None:
            from_file = f" (format {source})"
            formats = _formats(settings.format, from_file.strip())
        if args.output and args.output_dir:
            raise _Usage("use --output FILE or --output-dir DIR, not both")
        if len(formats) > 1 and not args.output_dir:
            raise _Usage(f"several formats ({', '.join(formats)}){from_file} need --output-dir DIR")
    except (ConfigError, _Usage, limits.LimitError) as err:
        _say(f"error: {err}")
        return 2

    from compliance.config import use

    notes = []
    if settings.path:
        notes.append(f"Settings from {_shown(settings.path)} (command-line flags override them).")
    use(settings.path)  # a settings file met inside a checked tree or archive is reported, never read
    to_files = bool(args.output or args.output_dir)
    flags = {"suite": args.suite, "round": args.round_name, "select": args.select, "ignore": args.ignore, "waivers": args.waivers}
    options = AuditOptions(
        suite=args.suite or settings.suite,
        round=args.round_name or settings.round,
        suite_from="given" if args.suite else "settings",
        round_from="given" if args.round_name else "settings",
        select=select,
        ignore=ignore,
        notes=notes,
        rcp_bypass=args.rcp_bypass,
        waivers=args.waivers or settings.waivers,
        baseline=args.baseline,
        benchmark=args.benchmark,
        scenario=args.scenario,
        progress=_progress_factory() if sys.stderr.isatty() and (to_files or formats in (["text"], ["concise"])) else None,
        debug=args.debug,
        settings_file=_shown(settings.path) if settings.path else None,
        from_settings=tuple(key for key, flag in flags.items() if flag is None and key in settings.given),
        strict_config=args.strict_config,
    )
    try:
        report = run_audit(args.paths, options)
    except UsageError as err:
        _say(f"error: {err}")
        return 2
    except Exception as err:  # noqa: BLE001 - a bug outside any one rule: say so, exit 2, never exit 1
        return _crashed(err, args.debug)
    for failure in report.internal_errors:
        if args.debug and failure.evidence.get("traceback"):
            _say(f"{failure.subject}: {failure.message}")
            _say(str(failure.evidence["traceback"]), block=True)
    if report.internal_errors and not args.debug:
        _say(
            f"internal error in {plural(len(report.internal_errors), 'place')} (INT001); "
            "the rest was checked. Run with --debug for the traceback."
        )
    color = not to_files and _use_color(args.color)
    try:
        if args.output_dir:
            os.makedirs(args.output_dir, exist_ok=True)
            written = []
            for name, file_name in _file_names(formats).items():
                path = os.path.join(args.output_dir, file_name)
                _write(_render(report, name, False, args), path)
                written.append(path)
            _say("wrote " + ", ".join(written))
        else:
            _write(_render(report, formats[0], color, args, _width() if not args.output else None), args.output)
    except OSError as err:
        if isinstance(err, BrokenPipeError):
            raise
        _say(f"error: cannot write the report: {err}")
        return 2
    except Exception as err:  # noqa: BLE001 - a reporter's bug: exit 2, not a verdict
        return _crashed(err, args.debug)
    return _exit_code(report, args)


def _exit_code(report: Report, args: argparse.Namespace) -> int:
    """The report's exit code, with --strict (warnings fail) and --exit-zero (findings never fail)."""
    code = report.exit_code()
    if code == 0 and args.strict:
        warnings = report.totals()["warnings"]
        if warnings:
            _say(f"--strict: {plural(warnings, 'warning')} {'fails' if warnings == 1 else 'fail'} the check")
            code = 1
    if code == 1 and args.exit_zero:
        return 0
    return code


def _say(message: str, *, block: bool = False) -> None:
    """One message on stderr; what came from the input in it (paths, settings, values) is escaped
    like everywhere else (``compliance.escape``): a line, or with ``block`` lines, that control nothing."""
    from compliance.escape import text, text_block

    if block:
        print(text_block(message.rstrip("\n")), file=sys.stderr)
    elif "\n" in message:  # the tool's own lines (a list of candidates): kept, each neutralised
        print(f"mlperf-audit: {text_block(message.rstrip())}", file=sys.stderr)
    else:
        print(f"mlperf-audit: {text(message)}", file=sys.stderr)


def _crashed(err: Exception, debug: bool) -> int:
    """An unexpected exception outside the rules: one line (the traceback with --debug), exit code 2."""
    if debug:
        import traceback

        _say("".join(traceback.format_exception(err)), block=True)
    _say(
        f"internal error: {type(err).__name__}: {err} "
        "(a bug in mlperf-audit; run with --debug for the traceback and report it)"
    )
    return 2


def _diff(args: argparse.Namespace) -> int:
    from compliance.baseline import (
        ReportFileError,
        diff_exit_code,
        diff_reports,
        load_report,
        render_diff_json,
        render_diff_text,
    )

    try:
        old, new = load_report(args.old), load_report(args.new)
    except ReportFileError as err:
        _say(f"error: {err}")
        return 2
    diff = diff_reports(old, new, args.old, args.new)
    if args.format == "json":
        text = render_diff_json(diff)
    else:
        text = render_diff_text(diff, color=not args.output and _use_color(args.color))
    try:
        _write(text, args.output)
    except OSError as err:
        _say(f"error: cannot write {args.output}: {err.strerror or err}")
        return 2
    return diff_exit_code(diff)


def _write(text: str, output: str | None) -> None:
    # A name that is not UTF-8 reached the text (a path given on the command line): escape it.
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)


def _progress_factory() -> Callable[[int], Callable[[int], None] | None]:
    """A progress bar on the terminal (stderr) while logs are audited; never in JSON/CSV output."""

    def start(total: int) -> Callable[[int], None] | None:
        if total < 2:
            return None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        progress = Progress(
            TextColumn("auditing logs"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=Console(stderr=True), transient=True,
        )
        progress.start()
        _RUNNING.append(progress)  # stopped (the bar cleared) when the run is interrupted
        task = progress.add_task("logs", total=total)
        done = [0]

        def advance(step: int) -> None:
            done[0] += step
            progress.update(task, advance=step)
            if done[0] >= total:
                progress.stop()

        return advance

    return start


def _rules(args: argparse.Namespace) -> int:
    from compliance.registry import RULES, load_all

    load_all()
    prefix = (args.prefix or "").upper()
    chosen = [RULES[code] for code in sorted(RULES) if code.startswith(prefix) and (not args.suite or args.suite in RULES[code].suites)]
    if not chosen:
        _say(f"error: no rule code starts with {prefix!r}" + (f" in the {args.suite} suite" if args.suite else ""))
        return 2
    if args.format == "json":
        import json

        from compliance.registry import DOCS_URL

        listed = [
            {
                "code": rule.code, "name": rule.name, "severity": rule.severity.value, "suites": list(rule.suites),
                "since": rule.since, "until": rule.until, "summary": rule.summary, "url": DOCS_URL.format(code=rule.code),
            }
            for rule in chosen
        ]
        print(json.dumps(listed, indent=2))
        return 0
    rows: list[tuple[str, ...]] = [("CODE", "NAME", "SEVERITY", "SUITES", "ROUNDS", "SUMMARY")]
    for rule in chosen:
        rounds = "all"
        if rule.since or rule.until:
            rounds = f"{rule.since or ''}..{rule.until or ''}"
        rows.append((rule.code, rule.name, rule.severity.value, ",".join(rule.suites), rounds, rule.summary))
    if sys.stdout.isatty():  # a terminal: the summaries cut to its width; piped: whole
        from compliance.reporters.text import fit

        for cells in fit(rows, _width(), (5, 1)):
            print("  ".join(cells).rstrip())
        return 0
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
        _say(f"error: no rule {code!r} (see `mlperf-audit rules`)")
        return 2
    print(text, end="")
    return 0


def _schema(name: str) -> int:
    import json

    if name == "waivers":
        from compliance.waivers import waiver_schema

        print(json.dumps(waiver_schema(), indent=2))
        return 0
    from compliance.schema import report_schema

    print(json.dumps(report_schema(), indent=2))
    return 0


_RUNNING: list[Any] = []  # progress displays on the terminal, stopped when the run is interrupted
INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a program Ctrl-C ended
BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader of standard output went away (| head)


def _on_sigint(signum: int, frame: object) -> None:
    """Ctrl-C: KeyboardInterrupt, except while the pool forks a worker (then the pool raises it)."""
    pool = sys.modules.get("compliance.pool")
    if pool is None or pool.interrupt_now():
        raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    import signal

    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.default_int_handler:  # not when embedded with a handler of its own
        signal.signal(signal.SIGINT, _on_sigint)
    try:
        return _main(argv)
    except KeyboardInterrupt:
        for progress in _RUNNING:
            progress.stop()  # transient: the bar is cleared
        _RUNNING.clear()
        print("\nmlperf-audit: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # Nothing more can be written; point stdout at /dev/null so that Python's own flush at
        # exit does not complain, and end quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return BROKEN_PIPE
    finally:
        if previous is signal.default_int_handler:
            signal.signal(signal.SIGINT, previous)


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if args.command == "check":
        return _check(args)
    if args.command == "diff":
        return _diff(args)
    if args.command == "rules":
        return _rules(args)
    if args.command == "rule":
        return _rule(args.code)
    if args.command == "schema":
        return _schema(args.name)
    parser.print_help(sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
