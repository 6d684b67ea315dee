"""Fixtures every test folder shares; the helpers themselves are in tests/support/."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from tests.support.cli import run_cli


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory):
    """Tests never touch the user's cache of parsed round files."""
    old = os.environ.get("MLPERF_AUDIT_CACHE_DIR")
    os.environ["MLPERF_AUDIT_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        os.environ.pop("MLPERF_AUDIT_CACHE_DIR", None)
    else:
        os.environ["MLPERF_AUDIT_CACHE_DIR"] = old


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tool must never touch the network."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def write_log(tmp_path: Path):
    """Write log text (or bytes) to a file and return its path."""
    counter = iter(range(10**6))

    def write(content: str | bytes, name: str | None = None) -> Path:
        path = tmp_path / (name or f"result_{next(counter)}.txt")
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write
