"""Unpack a submission archive safely into a private temporary folder.

Only regular files and folders are unpacked, and only into a folder made for
this one check (``tempfile.mkdtemp``, readable by its owner only). Everything
else is refused and reported as a problem with its own kind, and nothing is
ever written outside that folder; the archive itself is only read:

- names that are absolute, have a drive or ``..`` parts (``unsafe-name``);
- symbolic and hard links, whether they point inside the archive
  (``link``) or outside it (``link-outside``);
- devices, pipes and sockets (``special``);
- a name met a second time, or a file where a folder is (``duplicate``);
- names nested deeper than the path-depth limit (``too-deep``);
- anything past the limits on member count, total bytes, bytes per file, or
  compression ratio (``limit``): an archive bomb. Reading stops there, since
  skipping a compressed member means decompressing it;
- a tar header announcing more than ``archive-header-bytes``
  (``compliance.limits``) of PAX extended header or GNU long name, or a GNU
  sparse map (``limit``): refused from its 512-byte header, before tarfile
  reads (and allocates) what it announces.

The limits are ``ArchiveLimits`` (``DEFAULT_LIMITS``); none is near a real
submission.
"""

from __future__ import annotations

import os
import posixpath
from typing import Any, Iterator

# tarfile, zipfile, shutil and tempfile are imported when an archive is met:
# the command line starts faster without them.

from compliance.discover import ARCHIVE_SUFFIXES, is_archive  # noqa: E402,F401  (re-exported)
from compliance.parsers.safefs import shown
from compliance.records import field, recordclass

CHUNK = 1 << 20

# Problem kinds (the package rules map them to codes).
UNSAFE_NAME = "archive-unsafe-name"
LINK = "archive-link"
LINK_OUTSIDE = "archive-link-outside"
SPECIAL = "archive-special"
DUPLICATE = "archive-duplicate"
TOO_DEEP = "archive-too-deep"
LIMIT = "archive-limit"
DAMAGED = "archive-damaged"
UNWRITABLE = "archive-unwritable"


@recordclass(frozen=True, slots=True)
class ArchiveLimits:
    """Bounds on what one archive may unpack to; past any of them reading stops (a bomb)."""

    max_members: int = 200_000  # entries (files, folders, links ...)
    max_total_bytes: int = 16 << 30  # 16 GiB unpacked in all
    max_member_bytes: int = 4 << 30  # 4 GiB for one file
    max_ratio: float = 200.0  # unpacked bytes per compressed byte ...
    ratio_floor_bytes: int = 64 << 20  # ... checked once this much (64 MiB) is unpacked
    max_depth: int = 32  # folder levels in a member's name


DEFAULT_LIMITS = ArchiveLimits()
# Kept for callers of the earlier module constants.
MAX_MEMBERS = DEFAULT_LIMITS.max_members
MAX_TOTAL_BYTES = DEFAULT_LIMITS.max_total_bytes


@recordclass(frozen=True, slots=True)
class ArchiveProblem:
    """One member that was not unpacked, and why. Iterates as ``(name, why)`` like the
    earlier ``(name, why)`` pairs, so ``for name, why in unpacked.problems`` still reads it."""

    kind: str
    name: str  # the member's name, printable (bytes that are not UTF-8 escaped)
    why: str

    def __iter__(self) -> Iterator[str]:
        return iter((self.name, self.why))


@recordclass
class Unpacked:
    folder: str  # the temporary folder holding the archive's content
    problems: list[ArchiveProblem] = field(default_factory=list)
    error: str | None = None  # the archive could not be read at all

    def refuse(self, kind: str, name: str, why: str) -> None:
        self.problems.append(ArchiveProblem(kind, shown(name), why))

    def cleanup(self) -> None:
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)


class _Stop(Exception):
    """A limit was passed: stop reading the archive."""


def _parts(name: str) -> list[str] | None:
    """The member's path parts, or None when it would escape the folder."""
    cleaned = name.replace("\\", "/")
    if cleaned.startswith("/") or (len(cleaned) > 1 and cleaned[1] == ":"):
        return None
    parts = [p for p in cleaned.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        return None
    return parts


def _escapes(member_name: str, target: str, relative_to_member: bool) -> bool:
    """Whether a link target leaves the archive (a symbolic link resolves from its member's folder,
    a hard link from the archive's top)."""
    target = target.replace("\\", "/")
    if target.startswith("/") or (len(target) > 1 and target[1] == ":"):
        return True
    base = posixpath.dirname(member_name.replace("\\", "/")) if relative_to_member else ""
    depth = 0
    for part in f"{base}/{target}".split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False


class _Writer:
    """Places members in the private folder and keeps the budget; raises _Stop past a limit."""

    def __init__(self, result: Unpacked, limits: ArchiveLimits, compressed_size: int):
        self.result = result
        self.limits = limits
        self.compressed = max(compressed_size, 1)
        self.total = 0  # bytes unpacked (or declared by members) so far
        self.members = 0
        self.last = ""  # the last member's name, to say where damage was met
        self.files: set[str] = set()
        self.folders: set[str] = set()

    def count(self, name: str) -> None:
        self.members += 1
        self.last = name
        if self.members > self.limits.max_members:
            self.stop(name, f"more than {self.limits.max_members} entries in the archive")

    def stop(self, name: str, why: str) -> None:
        self.result.refuse(LIMIT, name, f"{why}: an archive bomb? The rest was not read")
        raise _Stop

    def target(self, name: str, folder: bool = False) -> str | None:
        """Where a member goes, or None (with a problem) when it must not be written."""
        parts = _parts(name)
        if parts is None:
            self.result.refuse(UNSAFE_NAME, name, "the name would write outside the submission (absolute or '..')")
            return None
        if len(parts) > self.limits.max_depth:
            self.result.refuse(TOO_DEEP, name, f"nested {len(parts)} levels deep (limit {self.limits.max_depth})")
            return None
        rel = "/".join(parts)
        if folder:
            if rel in self.files:
                self.result.refuse(DUPLICATE, name, "a folder with the name of a file already unpacked")
                return None
            self.folders.add(rel)
        else:
            if rel in self.files or rel in self.folders:
                self.result.refuse(DUPLICATE, name, "the name occurs more than once in the archive; the first was kept")
                return None
            clash = next(("/".join(parts[:i]) for i in range(1, len(parts)) if "/".join(parts[:i]) in self.files), None)
            if clash is not None:
                self.result.refuse(DUPLICATE, name, f"its folder {clash!r} is a file in the archive")
                return None
            self.files.add(rel)
        for i in range(1, len(parts)):
            self.folders.add("/".join(parts[:i]))
        return os.path.join(self.result.folder, *parts)

    def declare(self, name: str, size: int, compressed: int | None = None) -> None:
        """Check a member's declared size before it is read."""
        limits = self.limits
        if size > limits.max_member_bytes:
            self.stop(name, f"one file unpacks to {size:,} bytes (limit {limits.max_member_bytes:,})")
        if self.total + size > limits.max_total_bytes:
            self.stop(name, f"the archive unpacks to more than {limits.max_total_bytes:,} bytes")
        if compressed is not None and size > limits.ratio_floor_bytes and size / max(compressed, 1) > limits.max_ratio:
            self.stop(name, f"one file compresses {size / max(compressed, 1):,.0f} to 1 (limit {limits.max_ratio:,.0f})")

    def copy(self, name: str, source: Any, target: str) -> None:
        limits = self.limits
        written = 0
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "xb") as out:
                while True:
                    chunk = source.read(CHUNK)
                    if not chunk:
                        return
                    written += len(chunk)
                    self.total += len(chunk)
                    if written > limits.max_member_bytes:
                        self.stop(name, f"one file unpacks to more than {limits.max_member_bytes:,} bytes")
                    if self.total > limits.max_total_bytes:
                        self.stop(name, f"the archive unpacks to more than {limits.max_total_bytes:,} bytes")
                    if self.total > limits.ratio_floor_bytes and self.total / self.compressed > limits.max_ratio:
                        self.stop(
                            name,
                            f"the archive unpacks to {self.total / self.compressed:,.0f} times its size "
                            f"(limit {limits.max_ratio:,.0f})",
                        )
                    out.write(chunk)
        except (OSError, ValueError) as err:
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            self.result.refuse(UNWRITABLE, name, f"cannot be unpacked: {reason}")

    def folder(self, name: str) -> None:
        target = self.target(name, folder=True)
        if target is None:
            return
        try:
            os.makedirs(target, exist_ok=True)
        except (OSError, ValueError) as err:
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            self.result.refuse(UNWRITABLE, name, f"cannot be unpacked: {reason}")


def unpack(path: str, limits: ArchiveLimits | None = None) -> Unpacked:
    """Unpack ``path`` (tar, tar.gz/bz2/xz or zip) into a new private temporary folder.

    Never raises for bad input. ``error`` is set when nothing of the archive can
    be read; a member refused, or damage after some members were read, is a
    problem and the rest is still checked.
    """
    import tempfile

    limits = limits or DEFAULT_LIMITS
    folder = tempfile.mkdtemp(prefix="mlperf-audit-")
    result = Unpacked(folder)
    try:
        size = os.path.getsize(path)
    except OSError as err:
        result.error = f"the archive cannot be read: {err.strerror or err}"
        return result
    writer = _Writer(result, limits, size)
    reader = _unzip if path.lower().endswith(".zip") else _untar
    try:
        reader(path, writer)
    except _Stop:
        pass
    except Exception as err:  # noqa: BLE001 - tarfile, zipfile, zlib, lzma, bz2 raise many kinds on damage
        if writer.members == 0:
            result.error = f"the archive cannot be read: {err or type(err).__name__}"
        else:
            result.refuse(
                DAMAGED,
                writer.last,
                f"the archive is damaged at or after this member (entry {writer.members}): "
                f"{err or type(err).__name__}; the rest was not read",
            )
    return result


class _HeaderRefused(Exception):
    """A tar member's header is past a bound (or a form whose size is unbounded): reading stops."""


_TARINFO: list[type] = []


def _bounded_tarinfo() -> type:
    """A ``tarfile.TarInfo`` that checks each member's 512-byte header before tarfile reads what it
    announces: a PAX extended header or a GNU long name/link is at most ``archive-header-bytes``
    (``compliance.limits``), all of them together at most 64 times that, and GNU sparse maps (which
    tarfile reads without bound) are refused. tarfile never allocates an oversized header."""
    if _TARINFO:
        return _TARINFO[0]
    import tarfile

    from compliance.limits import get, reached

    extended = (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE, tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK)

    class BoundedTarInfo(tarfile.TarInfo):
        def _proc_member(self, archive: Any) -> Any:
            if self.type in extended:
                most = get("archive-header-bytes")
                spent = getattr(archive, "mlperf_header_bytes", 0) + self.size
                archive.mlperf_header_bytes = spent
                if self.size > most:
                    raise _HeaderRefused(f"an extended header (PAX or GNU long name) of {self.size:,} bytes: {reached('archive-header-bytes')}")
                if spent > 64 * most:
                    raise _HeaderRefused(f"extended headers of {spent:,} bytes in all (64 times the archive-header-bytes limit); {reached('archive-header-bytes')}")
            if self.type == tarfile.GNUTYPE_SPARSE:
                raise _HeaderRefused("a GNU sparse member (tarfile reads its map without bound); submissions hold none")
            return super()._proc_member(archive)  # type: ignore[misc]  # tarfile's own hook, not in its stubs

        def _proc_gnusparse_10(self, *args: Any) -> Any:
            raise _HeaderRefused("a PAX sparse member (its map is read without bound); submissions hold none")

    _TARINFO.append(BoundedTarInfo)
    return BoundedTarInfo


def _untar(path: str, writer: _Writer) -> None:
    import tarfile

    result = writer.result
    with tarfile.open(path, "r:*", tarinfo=_bounded_tarinfo()) as archive:
        while True:
            try:
                member = archive.next()
            except _HeaderRefused as refused:
                writer.stop(writer.last or path, str(refused))
            if member is None:
                return
            archive.members.clear()  # type: ignore[attr-defined]  # tarfile keeps every member header otherwise
            name = member.name
            writer.count(name)
            if member.issym() or member.islnk():
                kind = "symbolic" if member.issym() else "hard"
                outside = _escapes(name, member.linkname, relative_to_member=member.issym())
                result.refuse(
                    LINK_OUTSIDE if outside else LINK,
                    name,
                    f"a {kind} link to {shown(member.linkname)!r}"
                    + (" outside the archive" if outside else "")
                    + "; links are not unpacked",
                )
                continue
            if member.isdir():
                writer.folder(name)
                continue
            if not member.isfile():
                what = "a named pipe (FIFO)" if member.isfifo() else "a device" if member.isdev() else "not a regular file"
                result.refuse(SPECIAL, name, f"{what}; only regular files and folders are unpacked")
                continue
            writer.declare(name, member.size)
            target = writer.target(name)
            if target is None:
                continue
            source = archive.extractfile(member)
            if source is not None:
                writer.copy(name, source, target)


def _zip_entry_count(path: str) -> int | None:
    """The entry count the zip's end record declares (read before zipfile loads the whole directory)."""
    import struct

    with open(path, "rb") as stream:
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        tail_size = min(size, (1 << 16) + 22)
        stream.seek(size - tail_size)
        tail = stream.read(tail_size)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or at + 22 > len(tail):
            return None
        count = struct.unpack_from("<H", tail, at + 10)[0]
        if count != 0xFFFF or at < 20 or tail[at - 20 : at - 16] != b"PK\x06\x07":
            return int(count)
        offset = struct.unpack_from("<Q", tail, at - 12)[0]  # the zip64 end record
        if offset + 40 > size:
            return None
        stream.seek(offset)
        record = stream.read(40)
        if record[:4] != b"PK\x06\x06":
            return None
        return int(struct.unpack_from("<Q", record, 32)[0])


_ZIP_SPECIAL = {0o010000: "a named pipe (FIFO)", 0o020000: "a device", 0o060000: "a device", 0o140000: "a socket"}


def _unzip(path: str, writer: _Writer) -> None:
    import zipfile

    result = writer.result
    declared = _zip_entry_count(path)
    if declared is not None and declared > writer.limits.max_members:
        writer.stop(path, f"the archive declares {declared:,} entries (limit {writer.limits.max_members:,})")
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = info.filename
            writer.count(name)
            mode = (info.external_attr >> 16) & 0o170000 if info.create_system == 3 else 0
            if mode == 0o120000:
                try:
                    with archive.open(info) as source:
                        link = source.read(4096).decode("utf-8", "replace")
                    outside = _escapes(name, link, relative_to_member=True)
                except (RuntimeError, NotImplementedError, zipfile.BadZipFile, OSError):
                    link, outside = "(unreadable)", True
                result.refuse(
                    LINK_OUTSIDE if outside else LINK,
                    name,
                    f"a symbolic link to {link!r}" + (" outside the archive" if outside else "") + "; links are not unpacked",
                )
                continue
            if mode in _ZIP_SPECIAL:
                result.refuse(SPECIAL, name, f"{_ZIP_SPECIAL[mode]}; only regular files and folders are unpacked")
                continue
            if info.is_dir():
                writer.folder(name)
                continue
            writer.declare(name, info.file_size, info.compress_size)
            target = writer.target(name)
            if target is None:
                continue
            try:
                with archive.open(info) as source:
                    writer.copy(name, source, target)
            except (RuntimeError, NotImplementedError, zipfile.BadZipFile) as err:  # encrypted, unknown method, bad CRC
                result.refuse(UNWRITABLE, name, f"cannot be unpacked: {err}")


def archive_issues(unpacked: Unpacked, display: str) -> list[Any]:
    """The archive's problems as layout issues of the tree (``display`` is the archive as shown)."""
    from compliance.models.submission import LayoutIssue

    return [LayoutIssue(problem.kind, f"{display}/{problem.name}", problem.why) for problem in unpacked.problems]
