"""Running the command line: in-process with its output captured, or as a child Python."""

from __future__ import annotations

import io
import os
import sys
from contextlib import redirect_stderr, redirect_stdout

from tests.support.paths import ROOT


class CliResult:
    def __init__(self, code: int, out: str, err: str):
        self.code = code
        self.out = out
        self.err = err


def run_cli(*args: str) -> CliResult:
    """Run the CLI in-process and capture what it prints."""
    from compliance.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return CliResult(code, out.getvalue(), err.getvalue())


def python_env() -> dict[str, str]:
    env = dict(os.environ)
    # no empty entry: it would put the child's working folder (a checked tree) on sys.path
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


PYTHON = sys.executable
