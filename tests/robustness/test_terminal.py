"""The tool in a real terminal: tmux runs it in a 100-column pane with colour on, types Ctrl-C
into a whole-tree check, and reads the screen back (issue 14)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.support.cli import PYTHON, python_env
from tests.support.paths import ROOT
from tests.support.treebuild import fixture_tree

COLUMNS = 100


def _tmux() -> str:
    """Debian's tmux: installed with apt-get when missing (as root), else the test is skipped."""
    found = shutil.which("tmux")
    if found:
        return found
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("tmux is not installed and cannot be installed here (needs root and apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "tmux"]
    if subprocess.run(install, env=env, capture_output=True, timeout=600).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=300)
        subprocess.run(install, env=env, capture_output=True, timeout=600)
    found = shutil.which("tmux")
    if not found:
        pytest.skip("tmux could not be installed with apt-get")
    return found


class Pane:
    """One tmux session of its own (its own server socket), 100 columns wide, running bash."""

    def __init__(self, tmux: str, folder: Path) -> None:
        self.tmux = tmux
        self.socket = str(folder / f"tmux-{uuid.uuid4().hex[:8]}")
        env = python_env()
        env.update(TERM="xterm-256color", COLUMNS=str(COLUMNS))
        for name in ("NO_COLOR", "FORCE_COLOR", "CI"):
            env.pop(name, None)
        self.env = env
        self._run("new-session", "-d", "-s", "t", "-x", str(COLUMNS), "-y", "50", "bash --norc --noprofile")
        self._run("set-option", "-t", "t", "history-limit", "5000")

    def _run(self, *args: str) -> str:
        done = subprocess.run([self.tmux, "-S", self.socket, *args], env=self.env, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def type(self, line: str) -> None:
        self._run("send-keys", "-t", "t", "-l", line)
        self._run("send-keys", "-t", "t", "Enter")

    def keys(self, *keys: str) -> None:
        self._run("send-keys", "-t", "t", *keys)

    def screen(self, colours: bool = False) -> str:
        """What the pane shows, its history too, wrapped lines joined."""
        return self._run("capture-pane", "-p", "-J", "-S", "-", "-t", "t", *(["-e"] if colours else []))

    def wait_for(self, pattern: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.screen()
            if re.search(pattern, text):
                return text
            time.sleep(0.05)
        raise AssertionError(f"{pattern!r} never appeared:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run([self.tmux, "-S", self.socket, "kill-server"], capture_output=True, timeout=30)


@pytest.fixture
def pane(tmp_path: Path):  # type: ignore[no-untyped-def]
    opened = Pane(_tmux(), tmp_path)
    yield opened
    opened.close()


def _command(*args: str) -> str:
    return f"cd {shlex.quote(str(ROOT))} && {shlex.quote(PYTHON)} -m compliance " + " ".join(shlex.quote(a) for a in args)


def test_a_tree_report_in_a_100_column_terminal_with_colour(pane: Pane, tmp_path: Path) -> None:
    root = fixture_tree(tmp_path / "tree")
    for name in ("result_3.txt", "result_4.txt"):
        log = next(root.rglob(name))
        log.write_text(log.read_text().replace('"key": "opt_adamw_epsilon", "value": 1e-05', '"key": "opt_adamw_epsilon", "value": 1e-08'))
    pane.type(_command("check", str(root), "--no-config") + "; echo rc=$?")
    text = pane.wait_for(r"\nrc=\d+")
    assert "rc=1" in text
    coloured = pane.screen(colours=True)
    assert "\x1b[" in coloured  # colour on a terminal ...
    assert re.search(r"\x1b\[[0-9;]*31m(error)", coloured)  # ... repeating the word, never instead of it
    report = text[text.index("mlperf-audit 0.1.0") : text.index("\nrc=")]
    lines = report.splitlines()
    assert all(len(line) <= COLUMNS for line in lines), [line for line in lines if len(line) > COLUMNS]
    findings = [line for line in lines if re.match(r"^  (line \d+: |\S+: )?(waived )?(error|warning|review|info) [A-Z]+\d+ ", line)]
    assert len(findings) >= 4
    assert any(line.startswith("code ") and "errors" in line for line in lines)  # the summary table fits
    assert "auditing logs" not in text  # the progress bar was cleared


def test_ctrl_c_during_a_whole_tree_check(pane: Pane, tmp_path: Path) -> None:
    """A results repository of 60 organisations' copies of a real entry (hard links: 600 logs);
    Ctrl-C while the progress bar runs ends the check with one line and exit code 130."""
    source = fixture_tree(tmp_path / "one") / "closed" / "AMD"
    root = tmp_path / "repo"
    for i in range(60):
        org = root / "closed" / f"Org{i:02d}"
        for path in source.rglob("*"):
            target = org / path.relative_to(source)
            if path.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(path, target)
    pane.type(_command("check", str(root), "--no-config", "--round", "5.1") + "; echo rc=$?")
    pane.wait_for(r"auditing logs", timeout=60)
    pane.keys("C-c")
    text = pane.wait_for(r"\nrc=\d+", timeout=60)
    assert "rc=130" in text, text
    after = text[text.index("check " + str(root)) :]
    assert "Traceback" not in after and "KeyboardInterrupt" not in after, after
    assert after.count("mlperf-audit: interrupted") == 1
    shown = [line for line in after.splitlines()[1:] if line.strip() and not line.startswith(("rc=", "bash-"))]
    assert shown == ["mlperf-audit: interrupted"], shown  # one line; the bar is gone
    # no worker is left behind
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-f", f"compliance check {root}"], capture_output=True, text=True)
    assert left.stdout.strip() == "", left.stdout
