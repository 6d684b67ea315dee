"""What a check is asked to do (``AuditOptions``) and the error for a check that cannot run.

Kept free of imports from the rest of the package, so every layer can use it.
"""

from __future__ import annotations

from compliance.records import field, recordclass

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable

    Progress = Callable[[int], Callable[[int], None] | None]

DEFAULT_MAX_FILE_BYTES = 8 << 30  # 8 GiB: beyond this a log is reported, not read


class UsageError(ValueError):
    """The command cannot run: bad options, or nothing to check (exit code 2; from Python, a
    ``ValueError``)."""


@recordclass
class AuditOptions:
    suite: str | None = None
    round: str | None = None
    select: list[str] | None = None
    ignore: list[str] | None = None
    max_file_bytes: int | None = DEFAULT_MAX_FILE_BYTES
    notes: list[str] = field(default_factory=list)
    rcp_bypass: bool = False
    waivers: str | None = None  # a waiver file (TOML)
    baseline: str | None = None  # an earlier JSON report: only findings not in it fail
    benchmark: str | None = None  # inference: the model of the LoadGen runs (else from their path)
    scenario: str | None = None  # inference: the scenario of the LoadGen runs (else from their path)
    progress: Progress | None = None  # a callable(total) -> callable(advance) for a progress display, or None
    debug: bool = False  # tracebacks of the tool's own failures (INT001) in the report
    round_from: str = "given"  # where ``round`` came from: "given" (--round) or "settings" (a settings file)
    suite_from: str = "given"  # likewise for ``suite``
    settings_file: str | None = None  # the repository's settings file in use (compliance.config)
    from_settings: tuple[str, ...] = ()  # the options above whose value came from that file
    strict_config: bool = False  # the repository's settings must not silence or waive an error (CFG001)
