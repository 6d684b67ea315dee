"""Generated documentation: the README's rule table.

``python -m compliance.docs`` rewrites the table between the markers in
README.md; a test fails when it is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

START = "<!-- rules-table:start -->"
END = "<!-- rules-table:end -->"


def rules_table() -> str:
    from compliance.registry import RULES, load_all

    load_all()
    lines = ["| code | name | severity | what it reports |", "|---|---|---|---|"]
    for code in sorted(RULES, key=lambda c: (_family_order(c), c)):
        rule = RULES[code]
        lines.append(f"| `{code}` | {rule.name} | {rule.severity.value} | {rule.summary} |")
    return "\n".join(lines)


_FAMILIES = ("LOG", "KEY", "HP", "QLT", "SUB", "SEQ", "SEED", "STR", "SYS", "RUN", "XCK", "SCR", "RCP", "HPB", "WAV")


def _family_order(code: str) -> int:
    prefix = code.rstrip("0123456789")
    return _FAMILIES.index(prefix) if prefix in _FAMILIES else len(_FAMILIES)


def readme_path() -> Path:
    return Path(__file__).resolve().parent.parent / "README.md"


def render_readme(text: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{rules_table()}\n{END}{tail}"


def main() -> int:
    path = readme_path()
    path.write_text(render_readme(path.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
