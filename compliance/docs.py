"""Generated documentation: the README's rule table, its sample output, and docs/rules/<CODE>.md.

``python -m compliance.docs`` rewrites the blocks between the markers in
README.md (the rule table from the registry; each sample output from a real
run of the command it shows, in 100 columns without colour) and one page per
rule under docs/rules/ (from each rule's documentation in the registry); a
test fails when any is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

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


def rule_page(code: str) -> str:
    """One rule's documentation page (Markdown)."""
    from compliance.registry import RULES, load_all

    load_all()
    rule = RULES[code]
    lines = [
        f"# {rule.code}: {rule.name}",
        "",
        rule.summary,
        "",
        "| | |",
        "|---|---|",
        f"| Severity | {rule.severity.value} |",
        f"| Suites | {', '.join(rule.suites)} |",
        f"| Divisions | {', '.join(rule.divisions)} |",
        f"| Rounds | {rule.since or 'all'}{' to ' + rule.until if rule.until else ''} |",
    ]
    if rule.deliberate_difference:
        lines.append(f"| Differs from the official checker | {rule.deliberate_difference} |")
    source = rule.module.replace(".", "/") + ".py"
    lines.append(f"| Source | [{source}](../../{source}) |")
    cases = f"tests/rules/cases/{rule.code}.yaml"
    if (docs_dir().parent.parent / cases).is_file():
        lines.append(f"| Cases | [{cases}](../../{cases}) |")
    lines += ["", rule.doc.strip(), ""]
    return "\n".join(lines)


def docs_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "docs" / "rules"


def rule_pages() -> dict[str, str]:
    from compliance.registry import RULES, load_all

    load_all()
    pages = {f"{code}.md": rule_page(code) for code in sorted(RULES)}
    index = ["# Rules", "", "Generated from the rule registry by `python -m compliance.docs`.", "", rules_table(), ""]
    pages["README.md"] = "\n".join(index)
    return pages


def readme_path() -> Path:
    return Path(__file__).resolve().parent.parent / "README.md"


SAMPLES = {  # marker name: the command whose real output the README shows
    "sample-text": ["check", "examples/training/broken/result_0.txt", "--round", "5.1"],
    "sample-concise": ["check", "examples/training/broken/result_0.txt", "--round", "5.1", "-q"],
}


def sample_output(argv: list[str]) -> str:
    """``$ mlperf-audit ARGS`` and what it prints, run here from the repository's root, as a
    person in a 100-column terminal without colour sees it."""
    import contextlib
    import io
    import os

    from compliance.cli import main

    out = io.StringIO()
    saved_cwd, saved_env = os.getcwd(), {k: os.environ.get(k) for k in ("COLUMNS", "NO_COLOR")}
    os.environ.update(COLUMNS="100", NO_COLOR="1")
    try:
        os.chdir(readme_path().parent)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            main(argv)
    finally:
        os.chdir(saved_cwd)
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return f"```\n$ mlperf-audit {' '.join(argv)}\n{out.getvalue().rstrip()}\n```"


def _fill(text: str, name: str, body: str) -> str:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    head, found, rest = text.partition(start)
    if not found:
        return text
    _, _, tail = rest.partition(end)
    return f"{head}{start}\n{body}\n{end}{tail}"


def render_readme(text: str) -> str:
    text = _fill(text, "rules-table", rules_table())
    for name, argv in SAMPLES.items():
        text = _fill(text, name, sample_output(argv))
    return text


def main() -> int:
    path = readme_path()
    path.write_text(render_readme(path.read_text(encoding="utf-8")), encoding="utf-8")
    folder = docs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    pages = rule_pages()
    for stale in folder.glob("*.md"):
        if stale.name not in pages:
            stale.unlink()
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    print(f"wrote {path} and {len(pages)} pages in {folder}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
