"""Unpack a submission archive safely into a private temporary folder.

Only regular files and folders are unpacked. Absolute names, ``..`` parts,
links, devices and anything past the size and count limits are refused and
reported; nothing is ever written outside the temporary folder, and the
archive itself is only read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

# tarfile, zipfile, shutil and tempfile are imported when an archive is met:
# the command line starts faster without them.

from compliance.discover import ARCHIVE_SUFFIXES, is_archive  # noqa: E402,F401  (re-exported)
MAX_MEMBERS = 200_000
MAX_TOTAL_BYTES = 20 * 1000**3  # 20 GB unpacked, a guard against archive bombs
CHUNK = 1 << 20


@dataclass
class Unpacked:
    folder: str  # the temporary folder holding the archive's content
    problems: list[tuple[str, str]] = field(default_factory=list)  # (member name, why it was refused)
    error: str | None = None  # the archive could not be read at all

    def cleanup(self) -> None:
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)


def _safe_name(name: str) -> str | None:
    """The member's relative path, or None when it would escape the folder."""
    cleaned = name.replace("\\", "/")
    if cleaned.startswith("/") or (len(cleaned) > 1 and cleaned[1] == ":"):
        return None
    parts = [p for p in cleaned.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        return None
    return os.path.join(*parts)


def _copy(source: Any, target: str, budget: list[int]) -> bool:
    with open(target, "wb") as out:
        while True:
            chunk = source.read(CHUNK)
            if not chunk:
                return True
            budget[0] -= len(chunk)
            if budget[0] < 0:
                return False
            out.write(chunk)


def unpack(path: str) -> Unpacked:
    """Unpack ``path`` (tar, tar.gz/bz2/xz or zip). Never raises for bad input."""
    import tarfile
    import tempfile
    import zipfile

    folder = tempfile.mkdtemp(prefix="mlperf-audit-")
    result = Unpacked(folder)
    budget = [MAX_TOTAL_BYTES]
    try:
        if path.lower().endswith(".zip"):
            _unzip(path, result, budget)
        else:
            _untar(path, result, budget)
    except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError, ValueError) as err:
        result.error = f"the archive cannot be read: {err}"
    return result


def _place(result: Unpacked, name: str) -> str | None:
    rel = _safe_name(name)
    if rel is None:
        result.problems.append((name, "the name would write outside the submission (absolute or '..')"))
        return None
    target = os.path.join(result.folder, rel)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    return target


def _untar(path: str, result: Unpacked, budget: list[int]) -> None:
    import tarfile

    with tarfile.open(path, "r:*") as archive:
        for count, member in enumerate(archive):
            if count >= MAX_MEMBERS:
                result.problems.append((member.name, f"more than {MAX_MEMBERS} entries; the rest was not read"))
                break
            if member.issym() or member.islnk():
                result.problems.append((member.name, f"a link (to {member.linkname}); links are not unpacked"))
                continue
            if member.isdir():
                target = _place(result, member.name)
                if target is not None:
                    os.makedirs(target, exist_ok=True)
                continue
            if not member.isfile():
                result.problems.append((member.name, "not a regular file (device, pipe ...)"))
                continue
            target = _place(result, member.name)
            if target is None:
                continue
            source = archive.extractfile(member)
            if source is None:
                continue
            if not _copy(source, target, budget):
                result.problems.append((member.name, "the archive unpacks to more than 20 GB; the rest was not read"))
                break


def _unzip(path: str, result: Unpacked, budget: list[int]) -> None:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        for count, info in enumerate(archive.infolist()):
            if count >= MAX_MEMBERS:
                result.problems.append((info.filename, f"more than {MAX_MEMBERS} entries; the rest was not read"))
                break
            mode = (info.external_attr >> 16) & 0o170000
            if mode == 0o120000:
                result.problems.append((info.filename, "a link; links are not unpacked"))
                continue
            target = _place(result, info.filename)
            if target is None:
                continue
            if info.is_dir():
                os.makedirs(target, exist_ok=True)
                continue
            with archive.open(info) as source:
                if not _copy(source, target, budget):
                    result.problems.append((info.filename, "the archive unpacks to more than 20 GB; the rest was not read"))
                    break
