"""The kinds of input: the table the command line reads agrees with the modules it names."""

from __future__ import annotations

from importlib import import_module

from compliance import kinds
from compliance.cli import _parser as build_parser


def test_every_kind_in_the_table_is_the_module_it_names() -> None:
    for module, name, suites, claims in kinds.TABLE:
        kind = import_module(module).KIND
        assert kind.name == name and kind.suites == suites
        assert (kind.claim is not None) == claims, module
        assert kinds.get(name) is kind


def test_suite_choices_are_the_suites_of_the_kinds() -> None:
    parser = build_parser()
    check = next(a for a in parser._subparsers._group_actions[0].choices["check"]._actions if a.dest == "suite")  # type: ignore[union-attr]
    assert tuple(check.choices) == kinds.suites()
    assert {"training", "hpc", "inference"} <= set(kinds.ALL_SUITES)
