"""Reading a hostile file system: open only regular files, never through a link, never recursively.

Every parser opens what it reads through ``open_regular``: a named pipe (FIFO)
would block the reader forever and a device may do anything when opened, so
the path is checked before it is opened, opened non-blocking, and checked
again on the open file (it may have been swapped in between).

**Checked folders are confined.** While a folder is being checked (``with
confined(folder):``, set up once per check by the engine), every path below it
is opened one component at a time from that folder (``openat`` with
``O_NOFOLLOW``): a symbolic link anywhere on the way — ``performance/`` or
``TEST01/`` linked to a folder elsewhere, at any depth — is refused with
``NotRegularFile`` as if the file were not there, so nothing outside the
checked folder is ever read or listed through it (the tree walker reports the
link as a finding). ``open_regular``, ``read_regular``, ``lstat``,
``is_folder``, ``scandir`` and ``walk`` all go through this; readers must not
call ``open``, ``os.stat``, ``os.scandir`` or ``os.path.isdir`` on paths of a
checked folder themselves. The folder itself may be reached through a link
(it is what the user named); outside any confined folder (a log named on the
command line) a link is followed only when the caller says so.

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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from compliance.records import field, recordclass
TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import BinaryIO, Callable

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


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# openat(2) and fstatat(2): a path is walked from its confined folder one component at a time.
_AT = bool(_NOFOLLOW) and os.open in os.supports_dir_fd and os.stat in os.supports_dir_fd and os.scandir in os.supports_fd

_ROOTS: list[str] = []  # the folders being checked (absolute, as named and resolved)


@contextmanager
def confined(*folders: str | os.PathLike[str]) -> Iterator[None]:
    """While inside, nothing below ``folders`` is read, listed or stat-ed through a symbolic link."""
    added = []
    for folder in folders:
        named = os.path.abspath(os.fspath(folder))
        added += [named, os.path.realpath(named)]
    _ROOTS.extend(added)
    try:
        yield
    finally:
        for root in added:
            _ROOTS.remove(root)
        _forget_folders()


def confined_roots() -> tuple[str, ...]:
    """The folders confined now (to confine the same in a worker process: ``confine_roots``)."""
    return tuple(_ROOTS)


def confine_roots(roots: Iterable[str]) -> None:
    """Confine ``roots`` for the rest of this process (a process pool's initializer)."""
    _ROOTS.extend(root for root in roots if root not in _ROOTS)


def _beneath(path: str | os.PathLike[str]) -> tuple[str, list[str]] | None:
    """``(confined folder, names below it)`` for a path in a confined folder (the innermost one), else None."""
    if not _ROOTS:
        return None
    full = os.fspath(path)
    if not full.startswith(os.sep) or f"{os.sep}." in full or os.sep * 2 in full or full.endswith(os.sep):
        full = os.path.abspath(full)  # relative, or '..', '.', '//' in it: resolved by name (never through the OS)
    for root, prefix in _ordered_roots():  # the innermost first
        if full.startswith(prefix):
            return root, [part for part in full[len(prefix) :].split(os.sep) if part]
        if full == root:
            return root, []
    return None


_ORDERED: list[tuple[tuple[str, ...], list[tuple[str, str]]]] = []


def _ordered_roots() -> list[tuple[str, str]]:
    """The confined folders, longest first, each with its prefix (``root/``)."""
    key = tuple(_ROOTS)
    if not _ORDERED or _ORDERED[0][0] != key:
        _ORDERED[:] = [(key, [(root, root.rstrip(os.sep) + os.sep) for root in sorted(set(key), key=len, reverse=True)])]
    return _ORDERED[0][1]


def _link_refused(name: str) -> NotRegularFile:
    return NotRegularFile(errno.ELOOP, f"{shown(name)!r} on the way is a symbolic link (not followed), not a regular file")


def _open_folder_at(parent: int, name: str) -> int:
    """Open the folder ``name`` in the open folder ``parent`` without following a link."""
    try:
        return os.open(name, _DIR_FLAGS | _NOFOLLOW, dir_fd=parent)
    except OSError as err:
        if err.errno in (errno.ENOTDIR, errno.ELOOP):
            try:
                is_link = stat.S_ISLNK(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode)
            except OSError:
                is_link = False
            if is_link:
                raise _link_refused(name) from None
        raise


_FOLDERS: dict[str, int] = {}  # open descriptors of folders in confined folders, by path, least recently used first
MAX_OPEN_FOLDERS = 256


def _forget_folders() -> None:
    for fd in _FOLDERS.values():
        try:
            os.close(fd)
        except OSError:
            pass
    _FOLDERS.clear()


def _keep_folder(key: str, fd: int) -> None:
    """Keep a folder's descriptor; past ``MAX_OPEN_FOLDERS`` the least recently used one is closed."""
    if len(_FOLDERS) >= MAX_OPEN_FOLDERS:
        oldest = next(iter(_FOLDERS))
        try:
            os.close(_FOLDERS.pop(oldest))
        except OSError:
            pass
    _FOLDERS[key] = fd


def _folder_at(root: str, names: list[str]) -> int:
    """An open descriptor of the folder ``root/names...``, every folder on the way opened without
    following a link (``root`` itself is what the user named and may be reached through one).

    Descriptors are kept (at most ``MAX_OPEN_FOLDERS``, the least recently used closed first, all
    of them when the confinement ends), so the next path in the same folder costs no walk and one
    in a sibling folder opens only that folder; the caller must not close them (a descriptor is
    used at once, before another is asked for). A folder replaced while it is checked keeps being
    read through the descriptor opened first, never through a link.
    """
    key = f"{root}{os.sep}{os.sep.join(names)}" if names else root
    found = _FOLDERS.pop(key, None)
    if found is not None:
        _FOLDERS[key] = found  # now the most recently used
        return found
    keys = [root]
    for name in names:
        keys.append(f"{keys[-1]}{os.sep}{name}")
    depth = len(names) - 1
    while depth >= 0 and keys[depth] not in _FOLDERS:
        depth -= 1
    if depth < 0:
        fd = os.open(root, _DIR_FLAGS)
        _keep_folder(root, fd)
        depth = 0
    else:
        fd = _FOLDERS.pop(keys[depth])
        _FOLDERS[keys[depth]] = fd  # the ancestors a walk comes back to stay kept
    for level in range(depth, len(names)):
        inner = _open_folder_at(fd, names[level])
        _keep_folder(keys[level + 1], inner)
        fd = inner
    return fd


def _no_link_on_the_way(root: str, names: list[str]) -> None:
    """Without openat (Windows): refuse when a folder on the way is a link (checked, then used)."""
    current = root
    for name in names:
        current = os.path.join(current, name)
        if stat.S_ISLNK(os.lstat(current).st_mode):
            raise _link_refused(name)


def lstat(path: str | os.PathLike[str], *, follow_links: bool = False) -> os.stat_result:
    """``os.lstat`` (``os.stat`` with ``follow_links``) that never passes a link below a confined folder.

    In a confined folder a link on the way raises ``NotRegularFile``; the last name is never followed
    (the confined folder itself is).
    """
    place = _beneath(path)
    if place is None:
        return os.stat(path) if follow_links else os.lstat(path)
    root, names = place
    if not names:
        return os.stat(root)
    if not _AT:
        _no_link_on_the_way(root, names[:-1])
        return os.lstat(os.path.join(root, *names))
    return os.stat(names[-1], dir_fd=_folder_at(root, names[:-1]), follow_symlinks=False)


def is_folder(path: str | os.PathLike[str], *, follow_links: bool = False) -> bool:
    """Whether ``path`` is a folder (a link to one only with ``follow_links``, and never in a confined folder)."""
    try:
        return stat.S_ISDIR(lstat(path, follow_links=follow_links).st_mode)
    except (OSError, ValueError):
        return False


def _checked_open(opener: Callable[[int], int], info: os.stat_result) -> BinaryIO:
    """Open with ``opener(flags)`` what ``info`` says is a regular file; check again on the open file."""
    if not stat.S_ISREG(info.st_mode):
        what = kind_of(info.st_mode)
        if stat.S_ISLNK(info.st_mode):
            what += " (not followed)"
        raise NotRegularFile(errno.EINVAL, f"{what}, not a regular file")
    fd = opener(_READ_FLAGS)
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
            raise NotRegularFile(errno.EINVAL, "the file changed while it was opened; not read")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def open_regular(path: str | os.PathLike[str], *, follow_links: bool = False) -> BinaryIO:
    """Open a regular file for reading in binary mode, never anything else.

    Raises ``NotRegularFile`` (an ``OSError``) for a folder, pipe, device or
    socket, and for a symbolic link unless ``follow_links`` (never in a confined
    folder, where a link on the way is refused too); other ``OSError`` as
    ``open`` does. A pipe or device is never opened.
    """
    place = _beneath(path)
    if place is not None and place[1] and _AT:
        root, names = place
        parent, name = _folder_at(root, names[:-1]), names[-1]
        info = os.stat(name, dir_fd=parent, follow_symlinks=False)
        return _checked_open(lambda flags: os.open(name, flags | _NOFOLLOW, dir_fd=parent), info)
    if place is not None:
        follow_links = False
        if place[1]:
            _no_link_on_the_way(place[0], place[1][:-1])
    info = os.stat(path) if follow_links else os.lstat(path)
    try:
        return _checked_open(lambda flags: os.open(path, flags if follow_links else flags | _NOFOLLOW), info)
    except OSError as err:
        if err.errno == errno.ELOOP and not follow_links:
            raise NotRegularFile(errno.ELOOP, "a symbolic link (not followed), not a regular file") from None
        raise


def read_regular(path: str | os.PathLike[str], limit: int, *, follow_links: bool = False) -> bytes:
    """At most ``limit + 1`` bytes of a regular file (so a caller can tell it is over ``limit``)."""
    with open_regular(path, follow_links=follow_links) as stream:
        return read_upto(stream, os.fstat(stream.fileno()).st_size, limit)


def read_upto(stream: BinaryIO, size: int, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of an open file whose size was ``size``: ``read(n)`` makes an
    n-byte buffer first, so the read asks for the size (and one byte more, to see the file grew)."""
    want = min(size, limit) + 1
    data: bytes = stream.read(want)
    if len(data) == want and want <= limit:  # it grew since: read on up to the limit
        data += stream.read(limit + 1 - want)
    return data


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


def relative(path: str, top: str) -> str:
    """``os.path.relpath(path, top)`` for a path a walk of ``top`` made (``top``, then entry names
    joined with the separator), without normalising both again for every folder; any other path
    goes to ``os.path.relpath``."""
    prefix = top if top.endswith(os.sep) else top + os.sep
    if path.startswith(prefix) and len(path) > len(prefix):
        return path[len(prefix) :]
    return os.path.relpath(path, top)


def shown(path: str) -> str:
    """A path as it can be printed: bytes that are not UTF-8 become ``\\xNN`` escapes."""
    if is_utf8(path):
        return path
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class Entry:
    """One name in a folder listing, with its ``lstat`` taken when the folder was listed.

    Answers like ``os.DirEntry`` (``name``, ``path``, ``stat``, ``is_dir``,
    ``is_file``, ``is_symlink``) but never follows a link, whatever
    ``follow_symlinks`` says: a link is a link.
    """

    __slots__ = ("name", "path", "_info", "_error")

    def __init__(self, name: str, path: str, info: os.stat_result | None, error: OSError | None = None):
        self.name = name
        self.path = path
        self._info = info
        self._error = error

    def stat(self, *, follow_symlinks: bool = False) -> os.stat_result:
        if self._info is None:
            raise self._error or FileNotFoundError(errno.ENOENT, "vanished while the folder was listed")
        return self._info

    def _mode_is(self, test: Callable[[int], bool]) -> bool:
        return self._info is not None and test(self._info.st_mode)

    def is_dir(self, *, follow_symlinks: bool = False) -> bool:
        return self._mode_is(stat.S_ISDIR)

    def is_file(self, *, follow_symlinks: bool = False) -> bool:
        return self._mode_is(stat.S_ISREG)

    def is_symlink(self) -> bool:
        return self._mode_is(stat.S_ISLNK)

    def __repr__(self) -> str:
        return f"<Entry {self.name!r}>"


def _entries(listing: Iterator[os.DirEntry[str]], folder: str) -> list[Entry]:
    found = []
    base = folder if folder.endswith(os.sep) else folder + os.sep
    for item in listing:
        name = item.name
        try:
            found.append(Entry(name, base + name, item.stat(follow_symlinks=False)))
        except OSError as err:
            found.append(Entry(name, base + name, None, err))
    found.sort(key=lambda e: e.name)
    return found


def scandir(path: str | os.PathLike[str]) -> list[Entry]:
    """A folder's entries in name order, each with its ``lstat``; in a confined folder the folder is
    reached without passing a link (a link on the way, or ``path`` itself a link, raises ``NotRegularFile``)."""
    folder = os.fspath(path)
    place = _beneath(folder)
    if place is None or not _AT:
        if place is not None and place[1]:
            _no_link_on_the_way(place[0], place[1])
        with os.scandir(folder) as listing:
            return _entries(listing, folder)
    root, names = place
    # The listed folder gets a descriptor of its own: a kept one shares its read position with every
    # process forked since (a pool's workers), and reading a folder moves it.
    fd = _open_folder_at(_folder_at(root, names[:-1]), names[-1]) if names else os.open(root, _DIR_FLAGS)
    try:
        with os.scandir(fd) as listing:
            return _entries(listing, folder)
    finally:
        os.close(fd)


@recordclass(slots=True)
class Folder:
    """One folder of a walk: its path, depth (0 for the top) and entries in name order."""

    path: str
    depth: int
    folders: list[Entry] = field(default_factory=list)  # real folders (not links)
    others: list[Entry] = field(default_factory=list)  # files, links, pipes, devices ...


@recordclass(slots=True)
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
            entries = scandir(path)
        except OSError as err:
            limits.unreadable.append((path, why_unreadable(err)))
            continue
        seen += len(entries)
        if seen > max_entries:
            limits.truncated = True
            return
        folder = Folder(path, depth)
        for entry in entries:
            (folder.folders if entry.is_dir() else folder.others).append(entry)
        yield folder
        stack.extend((entry.path, depth + 1) for entry in reversed(folder.folders))
