"""How counts and names read in messages: a noun in the number its count asks for, the verb
that goes with it, the article before a name, and a size in the unit that fits it.

Rules, readers and reporters all write sentences; these few words are the same for each.
"""

from __future__ import annotations


def plural(count: int, word: str) -> str:
    """``1 error``, ``2 errors``, ``1 entry``, ``3 entries``."""
    if count == 1:
        return f"{count:,} {word}"
    return f"{count:,} {word[:-1] + 'ies' if word.endswith('y') else word + 's'}"


def are(count: int) -> str:
    """The verb after ``count`` things: ``1 ... is``, ``2 ... are``."""
    return "is" if count == 1 else "are"


def article(word: str) -> str:
    """``a Server``, ``an Offline``, ``an AccuracyOnly``: a name with the article it reads with."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def size(count: int) -> str:
    """A number of bytes in the unit that fits it: ``512 bytes``, ``8.0 KiB``, ``16.0 MiB``."""
    if count >= 1 << 20:
        return f"{count / (1 << 20):.1f} MiB"
    if count >= 1 << 10:
        return f"{count / (1 << 10):.1f} KiB"
    return f"{count} bytes"
