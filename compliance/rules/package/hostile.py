"""STR: what a hostile tree or archive holds — links that leave or loop, names that are
not UTF-8, nesting past the depth limit, archive members that are duplicated, links,
devices, or past the archive limits (bombs). The tree walker and the archive reader
refuse these (nothing is followed, opened or unpacked); these rules report them."""

from __future__ import annotations

from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.parsers import archive as a
from compliance.parsers import tree as t
from compliance.parsers.safefs import MAX_DEPTH
from compliance.registry import Rule, checker, define
from compliance.rules.package.context import PackageContext
from compliance.rules.package.layout import LAYOUT_SUITES, STR004, STR008, STR009

_REF = "MLPerf submission rules, 'Results directory structure'; mlperf-audit's hostile-input guarantees (README, 'Hostile input')."
_LIMITS = a.DEFAULT_LIMITS

STR014 = define(
    "STR014",
    "nesting-too-deep",
    Severity.ERROR,
    f"A folder (or archive member) is nested more than {MAX_DEPTH} levels deep; it was not read.",
    f"""
## What it checks
The depth of every folder below the checked folder, and of every archive
member's name, against a limit of {MAX_DEPTH} levels ({_LIMITS.max_depth} for
archive members). What lies deeper is not read.

## Why it matters
Real submissions are less than 15 levels deep. A tree nested thousands deep
is built to exhaust a checker (Python's own folder walk fails past about
1000 levels); mlperf-audit stops at the limit and reports it.

## Example
`closed/ACME/benchmarks/bert/implementations/a/a/a/…` 2000 folders deep.

## How to fix
Flatten the folder structure; remove generated or copied trees.

## Rule reference
{_REF}
""",
    suites=LAYOUT_SUITES,
)

STR015 = define(
    "STR015",
    "name-not-utf8",
    Severity.ERROR,
    "A file or folder name is not valid UTF-8 (it is shown with \\x escapes).",
    f"""
## What it checks
That every name in the tree (and every archive member's name) is valid UTF-8.

## Why it matters
Names that are not UTF-8 break the results tables, the web pages and every
tool that prints them; they are also a way to hide a file from a reviewer.
mlperf-audit shows the undecodable bytes as `\\xNN` escapes and reads on.

## Example
`closed/ACME/results/sys\\xe9A/` written by a tool using Latin-1.

## How to fix
Rename with ASCII (or UTF-8) names.

## Rule reference
{_REF}
""",
    suites=LAYOUT_SUITES,
)

STR016 = define(
    "STR016",
    "archive-member-duplicate",
    Severity.ERROR,
    "An archive holds the same name twice (or a file where a folder is); only the first was unpacked.",
    f"""
## What it checks
That each member name of a submission archive occurs once, and that no member
is a file where another member needs a folder.

## Why it matters
Which copy an unpacking tool keeps differs between tools (tar keeps the
last, others the first), so a reviewer and the results pipeline could see
different files under one name.

## Example
Two `closed/ACME/results/sysA/bert/result_0.txt` members in one tar file
(`tar rf` appended a second copy).

## How to fix
Re-create the archive from the submission folder (`tar czf sub.tar.gz closed/`).

## Rule reference
{_REF}
""",
    suites=LAYOUT_SUITES,
)

STR017 = define(
    "STR017",
    "archive-limit-exceeded",
    Severity.ERROR,
    "An archive goes past a limit no real submission reaches (entries, bytes, bytes per file, compression ratio): reading stopped.",
    f"""
## What it checks
While a submission archive is read: the number of entries (at most
{_LIMITS.max_members:,}), the bytes it unpacks to (at most
{_LIMITS.max_total_bytes >> 30} GiB in all and {_LIMITS.max_member_bytes >> 30} GiB for one
file), and its compression ratio (at most {_LIMITS.max_ratio:.0f} to 1 once
{_LIMITS.ratio_floor_bytes >> 20} MiB are unpacked). At the first limit passed,
reading stops; what was read before is still checked.

## Why it matters
An archive bomb (a few kB that unpack to terabytes, or millions of empty
entries) would fill the disk or memory of the machine that checks it.

## Example
A 45 kB `submission.zip` holding a 4.5 PB file of zeros.

## How to fix
Submit the real submission tree; remove core dumps, data sets and checkpoints.

## Rule reference
{_REF}
""",
    suites=LAYOUT_SUITES,
)

STR019 = define(
    "STR019",
    "settings-in-tree-not-read",
    Severity.INFO,
    "The checked tree or archive holds mlperf-audit settings (mlperf-audit.toml or [tool.mlperf-audit]) that were not read.",
    f"""
## What it checks
Settings files at the top of the checked folder or archive (and one folder
below it): `mlperf-audit.toml`, or a `pyproject.toml` with a
`[tool.mlperf-audit]` table, that this check did not use. The finding says
what the file would set.

## Why it matters
Settings come from the working directory's repository only, never from a
checked folder elsewhere or from inside an archive: a submission must not
choose which of its own errors count. The note shows a reviewer what the
submitter's own CI ignored or waived.

## Example
`closed/ACME/mlperf-audit.toml: it sets ignore = SEQ, KEY; not read: settings
come from the working directory's repository only`

## How to fix
Nothing to fix in the submission; when the settings are meant for its CI, run
the check from that repository.

## Rule reference
mlperf-audit's settings trust (README, "For the review committee").
""",
    suites=LAYOUT_SUITES,
)

_KIND: dict[str, tuple[Rule, str, str]] = {
    t.SETTINGS_NOT_READ: (STR019, "settings file not read", "settings from the working directory's repository only"),
    t.SYMLINK_OUTSIDE: (STR004, "symbolic link leaving the tree", "regular files and folders only; nothing outside the tree"),
    t.SYMLINK_LOOP: (STR004, "symbolic link loop", "regular files and folders only"),
    t.TOO_DEEP: (STR014, "nested too deeply", f"at most {MAX_DEPTH} folder levels"),
    t.NAME_NOT_UTF8: (STR015, "name is not UTF-8", "UTF-8 names"),
    a.UNSAFE_NAME: (STR009, "archive member not unpacked", "relative names inside the archive"),
    a.UNWRITABLE: (STR009, "archive member not unpacked", "members that can be unpacked"),
    a.LINK: (STR004, "archive member is a link (not unpacked)", "regular files and folders only"),
    a.LINK_OUTSIDE: (STR004, "archive member is a link leaving the archive (not unpacked)", "regular files and folders only; nothing outside the archive"),
    a.SPECIAL: (STR008, "archive member is not a regular file (not unpacked)", "regular files and folders only"),
    a.DAMAGED: (STR008, "archive damaged", "an archive that reads to its end"),
    a.TOO_DEEP: (STR014, "archive member nested too deeply (not unpacked)", f"at most {_LIMITS.max_depth} levels in a member's name"),
    a.DUPLICATE: (STR016, "archive member duplicated (not unpacked)", "each name once"),
    a.LIMIT: (STR017, "archive limit passed", "an archive within the limits of a real submission"),
}


@checker("tree", STR014, STR015, STR016, STR017, STR019)
def hostile_entries(ctx: PackageContext) -> Iterator[Finding]:
    for issue in ctx.tree.issues:
        known = _KIND.get(issue.kind)
        if known is None:
            continue  # the layout rules report the other kinds
        rule, message, required = known
        detail = f": {issue.detail}" if issue.detail else ""
        yield ctx.finding(
            rule,
            f"{message}{detail}",
            path=issue.path,
            subject=ctx.tree.root,
            observed=issue.path,
            required=required,
        )
