"""Reading a hostile file system: open only regular files, walk without links or recursion.

Every parser opens what it reads through ``open_regular``: a named pipe (FIFO)
would block the reader forever and a device may do anything when opened, so
the path is checked before it is opened, opened non-blocking, and checked
again on the open file (it may have been swapped in between). A symbolic link
is followed only when the caller says so (a path the user named); inside a
checked folder nothing follows a link.

``walk`` lists a folder tree top-down in name order like ``os.walk``, but
without recursion (Python 3.11's ``os.walk`` fails past about 1000 levels),
without following links, and only down to ``max_depth`` levels and
``max_entries`` entries. ``shown`` makes a path printable when its name is not
valid UTF-8 (the bytes are written as ``\\xff`` escapes).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

MAX_DEPTH = 32  # folder levels below a checked folder; real submissions have under 15
MAX_ENTRIES = 200_000  # entries a walk lists before it stops


class NotRegularFile(OSError):
    """The path is a folder, pipe, device, socket, or a link not to be followed."""


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def open_regular(path: str | os.PathLike[str], *, follow_links: bool = False) -> BinaryIO:
    """Open a regular file for reading in binary mode, never anything else.

    Raises ``NotRegularFile`` (an ``OSError``) for a folder, pipe, device or
    socket, and for a symbolic link unless ``follow_links``; other ``OSError``
    as ``open`` does. A pipe or device is never opened.
    """
    info = os.stat(path) if follow_links else os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        what = kind_of(info.st_mode)
        if stat.S_ISLNK(info.st_mode):
            what += " (not followed)"
        raise NotRegularFile(errno.EINVAL, f"{what}, not a regular file")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    if not follow_links:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        if err.errno == errno.ELOOP and not follow_links:
            raise NotRegularFile(errno.ELOOP, "a symbolic link (not followed), not a regular file") from None
        raise
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
            raise NotRegularFile(errno.EINVAL, "the file changed while it was opened; not read")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | os.PathLike[str], limit: int, *, follow_links: bool = False) -> bytes:
    """At most ``limit + 1`` bytes of a regular file (so a caller can tell it is over ``limit``)."""
    with open_regular(path, follow_links=follow_links) as stream:
        return stream.read(limit + 1)


def why_unreadable(err: OSError) -> str:
    """An OSError in words, without the path (paths in messages make reports differ between copies)."""
    return err.strerror or str(err)


def is_utf8(name: str) -> bool:
    """Whether a file name (as the OS gives it, undecodable bytes as surrogates) is valid UTF-8."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown(path: str) -> str:
    """A path as it can be printed: bytes that are not UTF-8 become ``\\xNN`` escapes."""
    if is_utf8(path):
        return path
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass(slots=True)
class Folder:
    """One folder of a walk: its path, depth (0 for the top) and entries in name order."""

    path: str
    depth: int
    folders: list[os.DirEntry[str]] = field(default_factory=list)  # real folders (not links)
    others: list[os.DirEntry[str]] = field(default_factory=list)  # files, links, pipes, devices ...


@dataclass(slots=True)
class WalkLimits:
    """What a walk met and did not enter: folders past ``max_depth``, or past ``max_entries``."""

    too_deep: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (folder, why)
    truncated: bool = False


def walk(
    top: str, *, max_depth: int = MAX_DEPTH, max_entries: int = MAX_ENTRIES, limits: WalkLimits | None = None
) -> Iterator[Folder]:
    """Yield ``top`` and every folder below it, top-down, in name order; never follows a link.

    A folder deeper than ``max_depth`` below ``top`` is not listed (its path
    goes to ``limits.too_deep``); an unreadable one goes to
    ``limits.unreadable``; after ``max_entries`` entries the walk stops
    (``limits.truncated``).
    """
    limits = limits if limits is not None else WalkLimits()
    stack = [(top, 0)]
    seen = 0
    while stack:
        path, depth = stack.pop()
        if depth > max_depth:
            limits.too_deep.append(path)
            continue
        try:
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as err:
            limits.unreadable.append((path, why_unreadable(err)))
            continue
        seen += len(entries)
        if seen > max_entries:
            limits.truncated = True
            return
        folder = Folder(path, depth)
        for entry in entries:
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_folder = False
            (folder.folders if is_folder else folder.others).append(entry)
        yield folder
        stack.extend((entry.path, depth + 1) for entry in reversed(folder.folders))
