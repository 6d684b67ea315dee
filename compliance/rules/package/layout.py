"""STR: the submission tree's folders and names, and what a hostile tree or archive holds.

The hostile part: links that leave or loop, names that are
not UTF-8, nesting past the depth limit, archive members that are duplicated, links,
devices, or past the archive limits (bombs). The tree walker and the archive reader
refuse these (nothing is followed, opened or unpacked); these rules report them."""

from __future__ import annotations

import re
from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.models.roles import SubjectRole
from compliance.models.submission import LayoutIssue
from compliance.parsers import archive as a
from compliance.parsers import tree as t
from compliance.parsers.safefs import MAX_DEPTH
from compliance.records import recordclass
from compliance.registry import Rule, checker, define, doc_page
from compliance.rules.package.context import PackageContext

LAYOUT_SUITES = ("training", "hpc", "inference", "automotive")  # the layout rules also check inference(-format) trees
_REF = "MLPerf submission rules, 'Results directory structure'; mlperf_logging repo_checker and package_checker."
_RECREATE_ARCHIVE = "Re-create the archive from the submission folder (`tar czf sub.tar.gz closed/`)."  # how to fix a bad archive

STR001 = define(
    "STR001",
    "unexpected-entry",
    Severity.ERROR,
    "A file or folder is where the submission layout has no place for it.",
    f"""
## What it checks
That the tree follows the official layout: `<division>/<org>/systems/<system>.json`,
`<division>/<org>/results/<system>/<benchmark>/result_N.txt` (HPC:
`results/<system>/<strong|weak>/<benchmark>/`), `<division>/<org>/benchmarks/...`.
A `scaling.json` in a benchmark folder is allowed.

## Why it matters
The review tools and the results tables only read what is where they expect
it; a stray file is at best ignored, at worst a result that never gets reviewed.

## Example
`closed/ACME/results/sysA/llama31_8b/notes.txt`, or `closed/ACME/logs/`.

## How to fix
Move the file where the layout expects it, or remove it.

## Rule reference
{_REF}
""",
    suites=LAYOUT_SUITES,
)

STR002 = define(
    "STR002",
    "hidden-entry",
    Severity.ERROR,
    "A hidden file or folder (name starting with '.') is in the submission.",
    f"""
## What it checks
Names starting with a dot anywhere in the tree: one finding per organisation
folder, with the count and the first names (all of them, up to 20, in the
evidence).

## Why it matters
Hidden files (`.DS_Store`, `.git`, editor backups) are not part of a
submission; the official repository checker rejects them. In a round that
had no repository checker (round data `repo_checker = false`: HPC 1.0, whose
tools predate it) the rules are silent and this is a warning.

## Example
`closed/ACME/results/.DS_Store`

## How to fix
Move them out of the organisation's folder before submitting (they are listed
by `find closed/ACME -mindepth 1 -name '.*'`, which changes nothing); the
results repository's own `.git` at its top is not part of any submission.

## Rule reference
{_REF}
""",
    suites=LAYOUT_SUITES,
)

STR003 = define(
    "STR003",
    "name-has-spaces",
    Severity.ERROR,
    "A file or folder name contains a space.",
    f"""
## What it checks
Spaces (or tabs) in any name in the tree.

## Why it matters
The results tables and scripts split paths on spaces; the official
repository checker rejects such names (a warning in a round without that
checker, round data `repo_checker = false`).

## Example
`closed/ACME/results/sys A/`

## How to fix
Rename with `_` or `-`.

## Rule reference
{_REF}
""",
    suites=LAYOUT_SUITES,
)

STR004 = define(
    "STR004",
    "symlink-in-submission",
    Severity.ERROR,
    "A symbolic link is in the submission (it is not followed).",
    f"""
## What it checks
Symbolic links anywhere in the tree. A link leaving the tree, a loop and a
broken link (pointing to nothing) are errors: the official repository checker
rejects broken links (a warning in a round without that checker). A link that
resolves to an entry inside the tree is a warning naming its target: the
official checker accepts it, but mlperf-audit does not follow it, so what it
points to is not checked through the link.

## Why it matters
A link is not content: once the tree is copied or archived it breaks, and a
link outside the tree could expose or substitute files. mlperf-audit never
follows links.

## Example
`closed/ACME/results/sysA/bert/result_0.txt -> /home/me/run7.log`

## How to fix
Replace the link with the file itself.

## Rule reference
{_REF}
""",
    suites=LAYOUT_SUITES,
)

STR005 = define(
    "STR005",
    "file-too-large",
    Severity.ERROR,
    "A file is larger than 50 MB.",
    f"""
## What it checks
File sizes against the 50 MB limit of the results repositories.

## Why it matters
The results repositories do not accept files over 50 MB.

## Example
A 120 MB `result_0.txt` full of debug output.

## How to fix
Remove debug output from the log, or split implementation data out.

## Rule reference
{_REF}
""",
    suites=LAYOUT_SUITES,
)

STR006 = define(
    "STR006",
    "empty-entry",
    Severity.ERROR,
    "A file or folder is empty (for example a benchmark folder without results).",
    f"""
## What it checks
Empty files and empty folders, in particular benchmark folders with no
`result_N.txt`.

## Why it matters
An empty benchmark folder claims a result that is not there (the official
package checker crashes on it).

## Example
`closed/ACME/results/sysA/ssd/` with nothing inside.

## How to fix
Add the run logs, or remove the folder.

## Rule reference
{_REF}
""",
    suites=LAYOUT_SUITES,
)

STR007 = define(
    "STR007",
    "name-case-wrong",
    Severity.ERROR,
    "A layout folder has the wrong case (e.g. 'Closed' instead of 'closed').",
    f"""
## What it checks
The fixed folder names of the layout (`closed`, `open`, `systems`, `results`,
`benchmarks`) are lower case.

## Why it matters
Tools on case-sensitive file systems do not find `Closed/` or `Results/`.
mlperf-audit reads the folder anyway so that the rest is checked.

## Example
`Closed/ACME/results/...`

## How to fix
Rename the folder in lower case.

## Rule reference
{_REF}
""",
    suites=LAYOUT_SUITES,
)

STR008 = define(
    "STR008",
    "entry-unreadable",
    Severity.ERROR,
    "An entry cannot be read (permissions, a device or pipe, or a tree too large to walk).",
    f"""
## What it checks
That every entry is a readable regular file or folder.

## Why it matters
What cannot be read cannot be reviewed.

## Example
A named pipe `result_0.txt`, or a folder without read permission.

## How to fix
Replace it with a regular, readable file.

## Rule reference
{_REF}
""",
    suites=LAYOUT_SUITES,
)

STR009 = define(
    "STR009",
    "archive-member-refused",
    Severity.ERROR,
    "An archive member was not unpacked (absolute or '..' path, link, device, or size limit).",
    f"""
## What it checks
Each member of a submission archive: only regular files and folders with
relative names inside the archive are read.

## Why it matters
Such members would write outside the submission when unpacked (a classic
archive attack) or are not content at all.

## Example
A tar member named `../../etc/cron.d/job`.

## How to fix
{_RECREATE_ARCHIVE}

## Rule reference
{_REF}
""",
    suites=LAYOUT_SUITES,
)

@recordclass(frozen=True)
class _Pairing:
    """One direction of pairing `results/<system>/` with `systems/<system>.json` (STR010, STR011).

    The doc's sections, and the finding's texts (``{system}`` is the system's name).
    """

    checks: str
    why: str
    example: str
    fix: str
    message: str
    observed: str
    required: str


_PAIRINGS = {
    "STR010": _Pairing(
        "Every `results/<system>/` has a matching `systems/<system>.json`.",
        "The system description is what the published table shows for the result.",
        "`results/sysA/` but only `systems/sysB.json`.",
        "Add the system description, or fix the folder name.",
        "results for system '{system}' but no systems/{system}.json",
        "results/{system}/",
        "systems/{system}.json",
    ),
    "STR011": _Pairing(
        "Every `systems/<system>.json` has a `results/<system>/` folder.",
        "Usually a renamed results folder: the results then lack their system.",
        "`systems/sysB.json` with no `results/sysB/`.",
        "Remove the unused description, or fix the folder name.",
        "systems/{system}.json has no results/{system}/ folder",
        "no results/{system}/",
        "results/{system}/",
    ),
}


def _pairing_doc(code: str) -> str:
    texts = _PAIRINGS[code]
    return doc_page(texts.checks, texts.why, texts.example, texts.fix, _REF)


def _unpaired(ctx: PackageContext, rule: Rule, system: str, path: str) -> Iterator[Finding]:
    """STR010 / STR011: ``system``'s results or description, at ``path``, without the other."""
    texts = _PAIRINGS[rule.code]
    yield ctx.finding(
        rule,
        texts.message.format(system=system),
        path=path,
        subject=ctx.tree.root,
        observed=texts.observed.format(system=system),
        required=texts.required.format(system=system),
    )


STR010 = define(
    "STR010",
    "result-without-system",
    Severity.ERROR,
    "A results folder names a system that has no systems/<system>.json.",
    _pairing_doc("STR010"),
)

STR011 = define(
    "STR011",
    "system-without-results",
    Severity.WARNING,
    "A system description has no results.",
    _pairing_doc("STR011"),
)

STR012 = define(
    "STR012",
    "unknown-benchmark-folder",
    Severity.ERROR,
    "A benchmark folder is not named after a benchmark of the round.",
    f"""
## What it checks
`results/<system>/<benchmark>/` names a benchmark of the round.

## Why it matters
The official package checker skips unknown names with a warning, so such
results are silently never reviewed.

## Example
`results/sysA/llama3_8b/` (the benchmark is `llama31_8b`).

## How to fix
Rename the folder to the benchmark's official name; check `--round`.

## Rule reference
{_REF}
""",
)

STR013 = define(
    "STR013",
    "no-submission-found",
    Severity.ERROR,
    "No <division>/<org>/{systems,results} structure was found where one was expected.",
    f"""
## What it checks
That the tree (or archive) holds at least one submission.

## Why it matters
An archive that unpacks to the wrong level is an easy mistake to upload.

## Example
An archive whose top folder is `submission/` with the logs loose inside.

## How to fix
Arrange the files as `<division>/<org>/...`.

## Rule reference
{_REF}
""",
    suites=LAYOUT_SUITES,
)

STR018 = define(
    "STR018",
    "entry-outside-training-layout",
    Severity.WARNING,
    "A file or folder of a training or HPC submission is where the layout the rules describe has no place for it.",
    """
## What it checks
Entries the Training/HPC layout does not describe: a file next to the
`result_<i>.txt` logs (a launch script, communication benchmarks), a folder
in an organisation folder other than `systems/`, `results/` and
`benchmarks/`, a file in `systems/` that is not a system description.
Known files are not reported: `scaling.json`, `package_checker_params` (in
the organisation, system and benchmark folders), `power/` folders (optional
power logs), HPC `pruned_results/` (pruned Throughput instances),
`results/<system>/privateid.json`, and the repository's own files at its top.
One finding per organisation folder, with the count and the first entries.

## Why it matters
The review tools and results tables only read what is where they expect it.
The submission rules say content "should" follow the structure and the
official tools ignore such entries (the package checker warns about extra
files in a benchmark folder), so this is a warning: check that nothing that
belongs in the submission is misplaced.

## Example
`ACME/results/sysA/llama31_8b/config_sysA.sh`, or `ACME/benchmark/`.

## How to fix
Move the file where the layout expects it (code under `benchmarks/`), or
remove it.

## Rule reference
MLPerf submission rules, "Directory structure" (Training and HPC); mlperf_logging package_checker.
""",
    suites=("training", "hpc"),
)

_RUN_FOLDER = re.compile(r"/results/[^/]+/[^/]+/[^/]+/(performance(/run_\d+)?|accuracy)$")
_KIND = {
    t.STRAY: STR001,
    t.EXTRA: STR018,
    t.HIDDEN: STR002,
    t.SPACES: STR003,
    t.SYMLINK: STR004,
    t.SYMLINK_BROKEN: STR004,
    t.OVERSIZED: STR005,
    t.EMPTY_FILE: STR006,
    t.EMPTY_FOLDER: STR006,
    t.CASE: STR007,
    t.UNREADABLE: STR008,
    t.SPECIAL: STR008,
    t.TOO_MANY: STR008,
    "archive-member": STR009,
    t.NO_SUBMISSION: STR013,
}
_MESSAGES = {
    t.STRAY: "unexpected entry",
    t.EXTRA: "not part of the layout",
    t.HIDDEN: "hidden entry",
    t.SPACES: "the name contains a space",
    t.SYMLINK: "symbolic link inside the tree, not followed",
    t.SYMLINK_BROKEN: "broken symbolic link",
    t.OVERSIZED: "file over 50 MB",
    t.EMPTY_FILE: "empty file",
    t.EMPTY_FOLDER: "empty folder",
    t.CASE: "wrong case",
    t.UNREADABLE: "cannot be read",
    t.SPECIAL: "not a regular file",
    t.TOO_MANY: "too many entries",
    "archive-member": "archive member not unpacked",
    t.NO_SUBMISSION: "no submission found",
}


_REQUIRED = {
    t.STRAY: "<division>/<org>/{systems,results,benchmarks}/... as the layout defines",
    t.EXTRA: "<org>/{systems,results,benchmarks}/... as the submission rules' directory structure describes",
    t.HIDDEN: "no names starting with '.'",
    t.SPACES: "names without spaces",
    t.SYMLINK: "regular files and folders only (the training repo_checker rejects broken links only)",
    t.SYMLINK_BROKEN: "no broken links (the training repo_checker rejects them)",
    t.OVERSIZED: "files of at most 50 MB",
    t.EMPTY_FILE: "no empty files",
    t.EMPTY_FOLDER: "no empty folders",
    t.CASE: "lower-case layout folder names",
    t.UNREADABLE: "readable regular files and folders",
    t.SPECIAL: "regular files and folders only",
    t.TOO_MANY: f"at most {t.MAX_ENTRIES} entries",
    "archive-member": "relative names inside the archive; regular files and folders only",
    t.NO_SUBMISSION: "<division>/<org>/results/<system>/<benchmark>/result_N.txt",
}


@checker(SubjectRole.TREE, STR001, STR002, STR003, STR004, STR005, STR006, STR007, STR008, STR009, STR013, STR018)
def layout(ctx: PackageContext) -> Iterator[Finding]:
    grouped: dict[tuple[str, str], list[LayoutIssue]] = {}
    for issue in ctx.tree.issues:
        rule = _KIND.get(issue.kind)
        if rule is None:
            continue  # a hostile-input kind: hostile_entries below reports it
        if issue.kind in _GROUPED:
            grouped.setdefault((issue.kind, _org_folder(issue.path)), []).append(issue)
            continue
        if issue.kind == t.EMPTY_FOLDER and _RUN_FOLDER.search(issue.path.replace("\\", "/")):
            continue  # an inference result's empty run folder is its missing run (ITR004), once
        detail = f": {issue.detail}" if issue.detail else ""
        yield ctx.finding(
            rule,
            f"{_MESSAGES[issue.kind]}{detail}",
            path=issue.path,
            subject=ctx.tree.root,
            observed=issue.path,  # shown as the entry's name (compliance.registry)
            required=_REQUIRED[issue.kind],
            severity=_severity(ctx, rule, issue.kind),
        )


    for (kind, org), issues in grouped.items():
        yield _group(ctx, kind, org, issues)


# Kinds reported once per organisation folder, with the count and the first entries: a code
# tree's .DS_Store files or a benchmark folder's stray logs are one cause, not one per file.
_GROUPED = (t.HIDDEN, t.EXTRA)
_GROUP_NAMED = 3
_ORG_FOLDER = re.compile(r"^(.*?)[/\\](?:benchmarks|results|systems)(?:[/\\]|$)")


def _org_folder(path: str) -> str:
    """The organisation folder an entry is in (the folder holding benchmarks/, results/,
    systems/), else the entry's own folder."""
    match = _ORG_FOLDER.match(path)
    return match.group(1) if match else path.rsplit("/", 1)[0]


def _group(ctx: PackageContext, kind: str, org: str, issues: list[LayoutIssue]) -> Finding:
    rule = _KIND[kind]
    first = issues[0]
    detail = f": {first.detail}" if first.detail else ""
    if len(issues) == 1:
        message = f"{_MESSAGES[kind]}{detail}"
    else:
        names = ", ".join(_inside(org, i.path) for i in issues[:_GROUP_NAMED])
        more = f" and {len(issues) - _GROUP_NAMED} more" if len(issues) > _GROUP_NAMED else ""
        message = f"{len(issues)} entries in {_inside(ctx.tree.root, org)}: {_MESSAGES[kind]} ({names}{more})"
    found: Finding = ctx.finding(
        rule,
        message,
        path=first.path,
        subject=ctx.tree.root,
        observed=first.path,
        required=_REQUIRED[kind],
        severity=_severity(ctx, rule, kind),
        evidence={"entries": len(issues), "listed": "; ".join(i.path for i in issues[:20])},
    )
    return found


def _inside(folder: str, path: str) -> str:
    """A path as named inside a folder (the organisation's, or the checked tree's)."""
    prefix = folder.rstrip("/") + "/"
    return path[len(prefix) :] if path.startswith(prefix) else path


def _severity(ctx: PackageContext, rule: Rule, kind: str) -> Severity | None:
    """A rule's severity where the round's tools did not reject the entry: a link that
    resolves inside the tree (the repo_checker fails broken links only) is a warning."""
    if kind == t.SYMLINK:
        return Severity.WARNING
    if kind in _HYGIENE and not getattr(ctx.book, "repo_checker", True):
        return Severity.WARNING  # a round before the repository checker: the rules are silent
    return None


_HYGIENE = (t.HIDDEN, t.SPACES, t.SYMLINK_BROKEN)  # what the official repo_checker rejects


@checker(SubjectRole.TREE, STR010, STR011, STR012)
def systems_and_benchmarks(ctx: PackageContext) -> Iterator[Finding]:
    with_results = {(r.division, r.org, r.system) for r in ctx.tree.result_sets}
    seen_missing: set[tuple[str, str, str]] = set()
    for facts in ctx.sets:
        result = facts.result
        key = (result.division, result.org, result.system)
        if facts.system is None and key not in seen_missing:
            seen_missing.add(key)
            yield from _unpaired(ctx, STR010, result.system, result.path)
        if result.benchmark not in ctx.book.benchmarks:
            from compliance.rules.training.context import close_matches

            close = close_matches(result.benchmark, sorted(ctx.book.benchmarks), cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            yield ctx.finding(
                STR012,
                f"'{result.benchmark}' is not a {ctx.book.suite} {ctx.book.round} benchmark{hint}",
                path=result.path,
                subject=ctx.tree.root,
                observed=result.benchmark,
                required="one of " + ", ".join(sorted(ctx.book.benchmarks)),
            )
    for system in ctx.tree.systems:
        if (system.division, system.org, system.name) not in with_results:
            yield from _unpaired(ctx, STR011, system.name, system.path)


# -- what a hostile tree or archive holds --------------------------------------------

_HOSTILE_REF = "MLPerf submission rules, 'Results directory structure'; mlperf-audit's hostile-input guarantees (README, 'Hostile input')."
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
{_HOSTILE_REF}
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
{_HOSTILE_REF}
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
{_RECREATE_ARCHIVE}

## Rule reference
{_HOSTILE_REF}
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
{_HOSTILE_REF}
""",
    suites=LAYOUT_SUITES,
)

STR019 = define(
    "STR019",
    "settings-in-tree-not-read",
    Severity.INFO,
    "The checked tree or archive holds mlperf-audit settings (mlperf-audit.toml or [tool.mlperf-audit]) that were not read.",
    """
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

_HOSTILE_KIND: dict[str, tuple[Rule, str, str]] = {
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


@checker(SubjectRole.TREE, STR014, STR015, STR016, STR017, STR019)
def hostile_entries(ctx: PackageContext) -> Iterator[Finding]:
    for issue in ctx.tree.issues:
        known = _HOSTILE_KIND.get(issue.kind)
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
