"""Helpers shared by the fidelity harnesses (any suite): copies, commands, caches, tables.

A fidelity run compares mlperf-audit with the official tools on a whole
published results repository (materialised by ``materialise.py``). The
official tools write into the tree they check, so they only ever see private
copies; their outputs are cached so that re-running ours is fast.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def absent_paths(root: Path) -> list[str]:
    """The files a snapshot lacks (``.absent.tsv`` written by materialise.py), relative to ``root``."""
    listing = root / ".absent.tsv"
    if not listing.is_file():
        return []
    rows = listing.read_text(encoding="utf-8").splitlines()[1:]
    return [row.split("\t", 1)[0] for row in rows if row.strip()]


def fingerprint(folder: Path, skip_top: Sequence[str] = ()) -> str:
    """A cheap identity of a folder's content: every file's relative path, size and mtime."""
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(folder):
        rel = os.path.relpath(dirpath, folder)
        if rel == ".":
            dirnames[:] = [d for d in dirnames if d not in skip_top]
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            info = os.lstat(path)
            digest.update(f"{os.path.join(rel, name)}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def private_copy(src: Path, dest: Path, skip_top: Sequence[str] = (), remove: Iterable[str] = ()) -> Path:
    """A fresh copy of ``src`` at ``dest`` (links copied as links), without ``skip_top`` folders.

    ``remove`` names folders (relative to ``src``) that are deleted from the copy.
    """
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)

    def ignore(folder: str, names: list[str]) -> list[str]:
        return [n for n in names if n in skip_top] if Path(folder) == src else []

    shutil.copytree(src, dest, symlinks=True, ignore=ignore)
    for rel in remove:
        target = dest / rel
        if target.is_dir():
            shutil.rmtree(target)
    return dest


def run_command(cmd: Sequence[str], cwd: Path, stdout: Path, stderr: Path, timeout: float = 3600) -> dict:
    """Run ``cmd`` in ``cwd``, its output into two files; return what happened (never raises)."""
    started = time.monotonic()
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        try:
            proc = subprocess.run(list(cmd), cwd=cwd, stdout=out, stderr=err, timeout=timeout, env=env, check=False)
            code: int | str = proc.returncode
        except subprocess.TimeoutExpired:
            code = "timeout"
    return {"cmd": list(cmd), "cwd": str(cwd), "returncode": code, "seconds": round(time.monotonic() - started, 1)}


def cached(meta_path: Path, key: dict) -> bool:
    """Whether the outputs next to ``meta_path`` were made for ``key`` (same inputs, same tool)."""
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return meta.get("key") == key


def save_meta(meta_path: Path, key: dict, runs: dict) -> None:
    meta_path.write_text(json.dumps({"key": key, "runs": runs}, indent=2) + "\n", encoding="utf-8")


def package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "absent"


def ours(target: Path, suite: str, round_name: str, out: Path, python: str = sys.executable) -> dict:
    """Run mlperf-audit on ``target`` (JSON report to ``out``) and return the report."""
    cmd = [python, "-m", "compliance", "check", str(target), "--suite", suite, "--round", round_name,
           "--format", "json", "--output", str(out), "--no-config"]
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=env, check=False)
    if proc.returncode not in (0, 1) or not out.is_file():
        raise RuntimeError(f"mlperf-audit exited {proc.returncode} on {target}:\n{proc.stderr[-4000:]}")
    return json.loads(out.read_text(encoding="utf-8"))


def write_tsv(path: Path, columns: Sequence[str], rows: Iterable[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value).replace("\t", " ").replace("\n", " | ")


def md_table(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(_cell(v).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines)
