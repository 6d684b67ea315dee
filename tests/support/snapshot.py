"""Snapshot comparison shared by the reporter tests.

``UPDATE_SNAPSHOTS=1 python -m pytest tests/reporters/`` rewrites
tests/reporters/snapshots/<name>.snap; review the diff before committing it.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest

SNAPSHOTS = Path(__file__).parents[1] / "reporters" / "snapshots"


def normalise(text: str) -> str:
    """The rulebook's sha256 changes with every edit of the round data: not part of a snapshot."""
    return re.sub(r"\b[0-9a-f]{64}\b", "<sha256>", text)


def compare_snapshot(name: str, text: str) -> None:
    text = normalise(text)
    path = SNAPSHOTS / (name if name.endswith(".snap") else f"{name}.snap")
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        return
    if not path.is_file():
        pytest.fail(f"no snapshot {path.name}: run the tests once with UPDATE_SNAPSHOTS=1 and review it")
    expected = path.read_bytes().decode("utf-8")
    if text != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"snapshots/{path.name}",
                tofile="rendered",
                n=2,
            )
        )
        pytest.fail(f"{path.name} differs from its snapshot (UPDATE_SNAPSHOTS=1 to accept):\n{diff[:6000]}")
