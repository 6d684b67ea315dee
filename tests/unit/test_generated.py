"""Generated files that are committed must match what the code generates."""

from __future__ import annotations

from compliance.schema import render, schema_path


def test_report_schema_is_up_to_date() -> None:
    committed = schema_path().read_text(encoding="utf-8")
    assert committed == render(), "schemas/report.schema.json is stale: run `python -m compliance.schema`"


def test_readme_rule_table_is_up_to_date() -> None:
    from compliance.docs import readme_path, render_readme

    text = readme_path().read_text(encoding="utf-8")
    assert text == render_readme(text), "README rule table is stale: run `python -m compliance.docs`"


def test_rule_docs_are_up_to_date() -> None:
    from compliance.docs import docs_dir, rule_pages

    pages = rule_pages()
    present = {p.name for p in docs_dir().glob("*.md")}
    assert present == set(pages), "docs/rules/ is stale: run `python -m compliance.docs`"
    for name, text in pages.items():
        assert (docs_dir() / name).read_text(encoding="utf-8") == text, f"docs/rules/{name} is stale"


def test_ci_runs_the_readme_test_command() -> None:
    from tests.support.paths import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = ci.strip().splitlines()[-1]
    assert command in readme


def test_ci_runs_exactly_the_readme_test_command() -> None:
    """The README promises that `.ci/run` runs its test command, nothing else."""
    import re
    from pathlib import Path

    root = Path(__file__).parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    block = re.search(r"exactly what `\.ci/run` runs\):\n\n```\n(.+?)\n```", readme)
    assert block, "the README's test command is not where the README says it is"
    ci = [line for line in (root / ".ci" / "run").read_text(encoding="utf-8").splitlines() if line and not line.startswith(("#", "set ", "cd "))]
    assert ci == [block.group(1)]
