"""Which module defines the rules of each code prefix (as ruff's ``codes.rs``).

A prefix names one module, so that from a code in a report one finds its rule without
searching: ``STR011`` is in ``compliance.rules.package.layout``. A module may hold more than
one prefix (``runs`` holds RUN, SCR and XCK: the run-set, scaling and cross-check rules share
their facts); a prefix never spans two modules. ``tests/unit/test_registry.py`` checks that every
code is defined in its prefix's module, and the rule docs link to that module.
"""

from __future__ import annotations

PREFIXES: dict[str, str] = {
    # common to every suite
    "INT": "compliance.registry",  # the tool's own failure
    "WAV": "compliance.rules.common.wav",
    "CFG": "compliance.rules.common.cfg",
    "LIM": "compliance.rules.common.lim",
    # a Training/HPC result log
    "LOG": "compliance.rules.training.log_rules",
    "KEY": "compliance.rules.training.keys",
    "HP": "compliance.rules.training.keys",
    "QLT": "compliance.rules.training.keys",
    "SUB": "compliance.rules.training.keys",
    "SEQ": "compliance.rules.training.sequence",
    "SEED": "compliance.rules.training.seed",
    # a Training/HPC submission tree
    "STR": "compliance.rules.package.layout",
    "SYS": "compliance.rules.package.systems",
    "RUN": "compliance.rules.package.runs",
    "SCR": "compliance.rules.package.runs",
    "XCK": "compliance.rules.package.runs",
    "RCP": "compliance.rules.package.rcp_rules",
    "HPB": "compliance.rules.package.borrowing",
    # a LoadGen run
    "LGL": "compliance.rules.inference.log_rules",
    "LGR": "compliance.rules.inference.results",
    "AUD": "compliance.rules.inference.results",
    "LAT": "compliance.rules.inference.latency",
    "PERF": "compliance.rules.inference.performance",
    "ACC": "compliance.rules.inference.accuracy",
    # an Inference submission tree
    "ITR": "compliance.rules.inference.results_layout",
    "IAC": "compliance.rules.inference.accuracy_targets",
    "ICT": "compliance.rules.inference.compliance_tests",
    "IMS": "compliance.rules.inference.measurements",
    "IBD": "compliance.rules.inference.builds",
    "IPW": "compliance.rules.inference.power",
    "ISY": "compliance.rules.inference.systems",
    "IEP": "compliance.rules.inference.endpoints",  # Inference 6.1 Endpoints (LoadGen++) results
    "LGS": "compliance.rules.inference.loadgen_settings",
    # MLPerf Mobile results
    "MOB": "compliance.rules.mobile.mob",
    # an MLPerf Tiny submission tree
    "TWN": "compliance.rules.tiny.windows",
    "TRS": "compliance.rules.tiny.summary",
    "TAC": "compliance.rules.tiny.accuracy",
    "TLY": "compliance.rules.tiny.layout",
    "TSY": "compliance.rules.tiny.systems",
}


def prefix_of(code: str) -> str:
    """``STR011`` -> ``STR``."""
    return code.rstrip("0123456789")


def module_of(code: str) -> str | None:
    """The module that defines the rule of ``code`` (None for a prefix not in the table)."""
    return PREFIXES.get(prefix_of(code))


def source_path(code: str) -> str | None:
    """The source file of the module of ``code``, relative to the repository (for the docs)."""
    module = module_of(code)
    return None if module is None else module.replace(".", "/") + ".py"
