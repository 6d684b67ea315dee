"""The rule registry's invariants: stable, documented, tested codes."""

from __future__ import annotations

from collections import defaultdict

from compliance.models.findings import INTERNAL_ERROR
from compliance.registry import CHECKERS, CODE_PATTERN, DOC_HEADINGS, NAME_PATTERN, RULES, TOMBSTONES, load_all
from tests.rules.test_rule_cases import CASES

load_all()


def test_codes_and_names_are_well_formed_and_unique() -> None:
    names = [rule.name for rule in RULES.values()]
    assert len(names) == len(set(names)), "two rules share a name"
    for code, rule in RULES.items():
        assert CODE_PATTERN.match(code) and rule.code == code
        assert NAME_PATTERN.match(rule.name)
        assert code not in TOMBSTONES


def test_each_code_is_defined_in_the_module_its_prefix_names() -> None:
    """A code's prefix names one module (compliance.rules.codes): from a code in a report to its
    rule without searching; a prefix never spans two modules."""
    from compliance.rules.codes import PREFIXES, module_of, prefix_of

    misplaced = {code: rule.module for code, rule in RULES.items() if rule.module != module_of(code)}
    assert not misplaced, f"codes defined outside their prefix's module (compliance/rules/codes.py): {misplaced}"
    assert {prefix_of(code) for code in RULES} == set(PREFIXES), "a prefix in the table without rules, or rules without one"


def test_each_rule_page_links_to_its_source_and_cases() -> None:
    from compliance.docs import rule_page
    from tests.support.paths import ROOT

    for code, rule in RULES.items():
        page = rule_page(code)
        source = rule.module.replace(".", "/") + ".py"
        assert f"(../../{source})" in page and (ROOT / source).is_file(), code
        assert f"(../../tests/rules/cases/{code}.yaml)" in page, code


def test_every_rule_is_documented_with_the_fixed_headings() -> None:
    for code, rule in RULES.items():
        sections = rule.sections()
        missing = [h for h in DOC_HEADINGS if not sections.get(h)]
        assert not missing, f"{code} docs lack: {missing}"
        assert rule.summary.endswith("."), code


def test_every_rule_is_emitted_by_a_checker() -> None:
    emitted = {code for checker in CHECKERS for code in checker.codes}
    emitted.add(INTERNAL_ERROR)  # emitted by registry.run_checkers when a checker raises
    emitted.add("LIM001")  # emitted where a reader stops at a bound (compliance.limits)
    emitted.add("CFG001")  # emitted by the engine after the audit (compliance.config.account)
    emitted.update(("WAV001", "WAV002"))  # emitted where the waivers are applied (compliance.waivers, by settle)
    assert emitted == set(RULES)


def test_every_rule_has_pass_and_fail_cases() -> None:
    kinds: dict[str, set[str]] = defaultdict(set)
    for code, case in CASES:
        kinds[code].add("pass" if case["expect"] == "pass" else "fail")  # fail, warning, info or waived
    for code in RULES:
        assert kinds[code] >= {"pass", "fail"}, f"{code} needs a pass case and a fail/warning case"
    unknown = set(kinds) - set(RULES)
    assert not unknown, f"case files for unknown codes: {unknown}"


def test_a_renamed_code_still_names_its_rule() -> None:
    """SEED003 became PERF006 (the SEED prefix is the training log rules'): `rule SEED003`, a
    waiver or --select naming the old code, and an old report's findings all mean the new one."""
    from compliance.baseline import finding_key
    from compliance.registry import REDIRECTS, RULES, load_all, resolve_code
    from tests.support.cli import run_cli

    load_all()
    assert REDIRECTS["SEED003"] == "PERF006" and "SEED003" not in RULES and resolve_code("SEED003") == "PERF006"
    assert "PERF006" in run_cli("rule", "SEED003").out
    old = {"code": "SEED003", "location": {"path": "a", "key": None}, "subject": "a"}
    assert finding_key(old)[0] == "PERF006"
