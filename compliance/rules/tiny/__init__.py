"""Rules for MLPerf Tiny: one result (``tiny_result``) and the whole submission (``tiny_submission``).
One module per code prefix: TWN windows, TRS results files, TAC accuracy, TLY layout, TSY systems."""

from compliance.rules.tiny import accuracy, layout, summary, systems, windows  # noqa: F401
