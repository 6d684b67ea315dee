"""What the kinds that check a whole submission tree share: the folder to walk (an archive not
yet unpacked is unpacked into a private folder, removed afterwards) and the check of a part of
the tree in its context (``scope``). Not a kind itself: ``TABLE`` does not name it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from compliance.models.report import Report
from compliance.options import UsageError
from compliance.discover import is_archive
from compliance.parsers.archive import Unpacked, unpack

Tree = TypeVar("Tree")


@contextmanager
def tree_folder(path: str, unpacked: Unpacked | None, shown_root: str) -> Iterator[tuple[str, str, Unpacked | None]]:
    """(the folder to walk, how the tree is shown, the unpacked archive or None) for ``path``:
    an archive is unpacked here unless ``unpacked`` is that archive already unpacked."""
    own = None
    try:
        if unpacked is None and is_archive(path):
            unpacked = own = unpack(path)
            if unpacked.error:
                raise UsageError(f"{path}: {unpacked.error}")
            shown_root += "!"
        yield (unpacked.folder if unpacked is not None else path), shown_root, unpacked
    finally:
        if own is not None:
            own.cleanup()


def check_in_scope(
    tree: Tree, scope: str | None, shown_root: str, narrow: Callable[[Tree, str], str | None], check: Callable[[Tree], Report]
) -> Report:
    """``check(tree)``; with a ``scope`` (the part of the tree asked for, as shown), the tree is
    narrowed to it first (``narrow`` may widen the scope, and returns it) and so is the report."""
    if scope is None:
        return check(tree)
    from compliance.scope import narrow_report

    scope = narrow(tree, scope) or scope
    report = check(tree)
    narrow_report(report, scope, shown_root)
    return report
