"""Walk a Training/HPC submission tree into a ``SubmissionTree`` (no rule logic).

The walker finds submissions at any level of the official layout — a results
repository root (``closed/``, ``open/``), a division folder, or one
organisation's folder (``<org>/{systems,results,benchmarks}``) — and records
what it sees: result sets, system files, implementation folders, and layout
issues (hidden entries, symlinks, names with spaces, oversized or empty files,
stray entries). It never follows a symlink, never writes anything, and opens
no file except a settings file at the top of the tree (read as data, to say
what it would set: it is reported, not used). Hostile trees are issues too: links that leave the tree or
loop, pipes and devices, unreadable entries, names that are not UTF-8 (shown
with ``\\xNN`` escapes), folders nested deeper than ``MAX_DEPTH``, and more
than ``MAX_ENTRIES`` entries.
"""

from __future__ import annotations

import errno
import os
import re
import stat

from compliance.models.submission import LayoutIssue, ResultSet, SubmissionTree, SystemFile
from compliance.parsers.safefs import MAX_DEPTH, Entry, is_utf8, kind_of, relative, scandir, shown, why_unreadable

DIVISIONS = ("closed", "open")
SCALES = ("strong", "weak")
ORG_PARTS = ("systems", "results", "benchmarks")
# A result log: the rules name it result_<i>.txt; the official tools read every
# result_*.txt (some submitters name them result_<timestamp>_<i>.txt).
RESULT_FILE = re.compile(r"^result_.*\.txt$")
PARAMS_FILE = "package_checker_params"  # bypass flags for the package checker (rules, 'RCPs')
ALLOWED_IN_BENCHMARK = ("scaling.json", PARAMS_FILE)
POWER_FOLDER = "power"  # optional power logs: power/result_<i>/node_<j>.txt, sw_<k>.txt
PRUNED_FOLDER = "pruned_results"  # HPC throughput: logs of pruned instances (weak/<benchmark>/pruned_results/)
ORG_FILES = ("readme.md", "license.md", "license", "package_checker.log", "repo_checker.log", "summary.json", PARAMS_FILE)
SYSTEM_RESULT_FILES = (PARAMS_FILE, "privateid.json")  # results/<system>/ files the official tools read
MAX_FILE_BYTES = 50 * 1000 * 1000  # the official repo checker's 50 MB limit
MAX_ENTRIES = 200_000  # a hostile tree cannot make the walk unbounded
# Files a results repository keeps next to its division folders; at the top of
# the checked folder they are the repository's, not a submission's.
REPOSITORY_FILES = ("README.md", "LICENSE", "LICENSE.md", "mlperf-audit.toml", "pyproject.toml", "waivers.toml")
SETTINGS_FILES = ("mlperf-audit.toml", "pyproject.toml")  # reported when met in a checked tree and not in use

# Layout issue kinds (the STR rules map them to codes).
HIDDEN = "hidden"
SPACES = "spaces"
SYMLINK = "symlink"
SYMLINK_OUTSIDE = "symlink-outside"
SYMLINK_LOOP = "symlink-loop"
SYMLINK_BROKEN = "symlink-broken"  # inside the tree, to nothing that exists
OVERSIZED = "oversized"
EMPTY_FILE = "empty-file"
EMPTY_FOLDER = "empty-folder"
STRAY = "stray"
EXTRA = "extra"  # outside the layout the submission rules describe, ignored by the official tools
CASE = "case"
SPECIAL = "special-file"
UNREADABLE = "unreadable"
TOO_MANY = "too-many-entries"
NO_SUBMISSION = "no-submission"
TOO_DEEP = "too-deep"
NAME_NOT_UTF8 = "name-not-utf8"
SETTINGS_NOT_READ = "settings-not-read"


class _Walker:
    def __init__(self, root: str, display_root: str):
        self.root = root
        self.display_root = display_root
        self.tree = SubmissionTree(root=display_root)
        self.entries = 0
        self.settings_seen: set[str] = set()  # settings files met in the tree (reported once)

    # -- helpers ---------------------------------------------------------------

    def show(self, real: str) -> str:
        rel = relative(real, self.root)
        if rel == ".":
            return self.display_root
        return shown(os.path.join(self.display_root, rel))

    def issue(self, kind: str, real: str, detail: str = "") -> None:
        self.tree.issues.append(LayoutIssue(kind, self.show(real), detail))

    def listdir(self, real: str, top: bool = False, screen: bool = True) -> list[Entry]:
        """The entries of a folder, sorted; ``screen`` reports their naming and type problems
        (and drops the ones not to look into). A folder is screened once, where it is read."""
        depth = 0 if real == self.root else relative(real, self.root).count(os.sep) + 1
        if depth > MAX_DEPTH:
            self.issue(TOO_DEEP, real, f"more than {MAX_DEPTH} folder levels below the checked folder; not read")
            return []
        try:
            entries = scandir(real)  # never through a link, in name order
        except OSError as err:
            self.issue(UNREADABLE, real, why_unreadable(err))
            return []
        self.entries += len(entries)
        if self.entries > MAX_ENTRIES:
            self.issue(TOO_MANY, real, f"more than {MAX_ENTRIES} entries; the rest was not read")
            return []
        kept = []
        for entry in entries:
            if depth <= 1 and entry.name in SETTINGS_FILES and entry.is_file():
                self.settings_file(entry)
            if top and (entry.name.startswith(".") or entry.name in REPOSITORY_FILES):
                continue  # the results repository's own files (.git, .github, ...): not part of any submission
            if not screen or self.screen(entry):
                kept.append(entry)
        return kept

    def settings_file(self, entry: Entry) -> None:
        """A settings file in the checked tree (or archive) that this check does not use is reported
        with what it would set: settings come from the working directory's repository only."""
        from compliance.config import unread

        if entry.path in self.settings_seen:
            return  # a folder may be listed twice (looked into, then screened)
        self.settings_seen.add(entry.path)
        why = unread(entry.path)
        if why is not None:
            self.issue(SETTINGS_NOT_READ, entry.path, why)

    def screen(self, entry: Entry) -> bool:
        """Report naming/type problems of one entry; return whether to look inside it."""
        name = entry.name
        if not is_utf8(name):
            self.issue(NAME_NOT_UTF8, entry.path, "the name is not valid UTF-8 (shown with \\x escapes)")
        if name.startswith("."):
            self.issue(HIDDEN, entry.path)
            return False
        if " " in name or "\t" in name:
            self.issue(SPACES, entry.path)
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError as err:
            self.issue(UNREADABLE, entry.path, why_unreadable(err))
            return False
        if stat.S_ISLNK(info.st_mode):
            self.link(entry.path)
            return False
        if stat.S_ISDIR(info.st_mode):
            if not os.access(entry.path, os.R_OK | os.X_OK):
                self.issue(UNREADABLE, entry.path, "the folder cannot be read (permissions)")
                return False
            return True
        if not stat.S_ISREG(info.st_mode):
            self.issue(SPECIAL, entry.path, f"{kind_of(info.st_mode)}, not a regular file or folder; not opened")
            return False
        if not os.access(entry.path, os.R_OK):
            self.issue(UNREADABLE, entry.path, "the file cannot be read (permissions)")
        if info.st_size > MAX_FILE_BYTES:
            self.issue(OVERSIZED, entry.path, f"{info.st_size / 1e6:.1f} MB")
        elif info.st_size == 0:
            self.issue(EMPTY_FILE, entry.path)  # the training walker drops these: see walk_tree()
        return True

    def link(self, path: str) -> None:
        """Report a symbolic link (never followed): where it points, and whether it loops or leaves the tree."""
        try:
            target = shown(os.readlink(path))
        except OSError as err:
            target = f"? ({why_unreadable(err)})"
        try:
            os.stat(path)
        except OSError as err:
            if err.errno == errno.ELOOP:
                self.issue(SYMLINK_LOOP, path, f"-> {target} (a loop of links)")
                return
        resolved = os.path.realpath(path)
        if resolved != self.root and not resolved.startswith(self.root.rstrip(os.sep) + os.sep):
            self.issue(SYMLINK_OUTSIDE, path, f"-> {target} (outside the tree)")
            return
        if not os.path.lexists(resolved):
            self.issue(SYMLINK_BROKEN, path, f"-> {target} (broken: nothing there)")
            return
        self.issue(SYMLINK, path, f"-> {target}")

    # -- levels ------------------------------------------------------------------

    def walk(self) -> SubmissionTree:
        root = self.root
        names = {e.name: e for e in self.listdir(root, top=True, screen=False)}
        if self._is_org(names):
            self.org(root, division=self._division_of(root), org=os.path.basename(root.rstrip(os.sep)))
        elif self._division_folders(names):
            self._screen_repository(names)
            for entry in self._division_folders(names):
                self.division(entry.path, entry.name)
        elif os.path.basename(root.rstrip(os.sep)).lower() in DIVISIONS:
            self.division(root, os.path.basename(root.rstrip(os.sep)))
        else:
            # maybe one more level down (an archive's top folder, a round folder, a results
            # repository of organisation folders ...)
            found = False
            for entry in self._screen_repository(names):
                if entry.is_dir(follow_symlinks=False):
                    inner = {e.name: e for e in self.listdir(entry.path, screen=False)}
                    if self._is_org(inner):
                        self.org(entry.path, division=None, org=entry.name)
                        found = True
                    elif self._division_folders(inner):
                        for div in self._division_folders(inner):
                            self.division(div.path, div.name)
                        found = True
            if not found:
                self.issue(NO_SUBMISSION, root, "no <division>/<org>/{systems,results} folders found")
        return self.tree

    def _screen_repository(self, names: dict[str, Entry]) -> list[Entry]:
        """The top of a results repository: its regular files (README, PDFs ...) are the
        repository's, not a submission's; folders, links and special files are screened."""
        kept = []
        for entry in names.values():
            try:
                regular = entry.is_file(follow_symlinks=False)
            except OSError:
                regular = False
            if regular or self.screen(entry):
                kept.append(entry)
        return kept

    @staticmethod
    def _is_org(names: dict[str, Entry]) -> bool:
        return "results" in names or "systems" in names

    @staticmethod
    def _division_folders(names: dict[str, Entry]) -> list[Entry]:
        return [e for n, e in names.items() if n.lower() in DIVISIONS and e.is_dir(follow_symlinks=False)]

    def _division_of(self, org_path: str) -> str | None:
        parent = os.path.basename(os.path.dirname(os.path.abspath(org_path)))
        if parent.lower() in DIVISIONS:
            if parent != parent.lower():
                self.issue(CASE, os.path.dirname(os.path.abspath(org_path)), f"'{parent}' should be '{parent.lower()}'")
            return parent.lower()
        return None

    def division(self, path: str, name: str) -> None:
        division = name.lower()
        if name != division:
            self.issue(CASE, path, f"'{name}' should be '{division}'")
        entries = self.listdir(path)
        if not entries:
            self.issue(EMPTY_FOLDER, path)
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                self.org(entry.path, division, entry.name)
            else:
                self.issue(EXTRA, entry.path, "a division folder holds one folder per organisation")

    def org(self, path: str, division: str | None, org: str) -> None:
        division = division or ""
        for entry in self.listdir(path):
            lowered = entry.name.lower()
            if lowered in ORG_PARTS and entry.is_dir(follow_symlinks=False):
                if entry.name != lowered:
                    self.issue(CASE, entry.path, f"'{entry.name}' should be '{lowered}'")
                getattr(self, lowered)(entry.path, division, org)
            elif entry.is_dir(follow_symlinks=False):
                self.issue(EXTRA, entry.path, "an organisation folder holds systems/, results/ and benchmarks/")
            elif lowered == PARAMS_FILE:
                self.tree.params_files.append(entry.path)
            elif lowered not in ORG_FILES:
                self.issue(EXTRA, entry.path, "unexpected file in the organisation folder")

    def systems(self, path: str, division: str, org: str) -> None:
        for entry in self.listdir(path):
            if entry.is_file(follow_symlinks=False) and entry.name.endswith(".json"):
                name = entry.name[: -len(".json")]
                self.tree.systems.append(SystemFile(self.show(entry.path), division, org, name, real_path=entry.path))
            else:
                self.issue(EXTRA, entry.path, "systems/ holds one <system>.json per system")

    def benchmarks(self, path: str, division: str, org: str) -> None:
        names = []
        for entry in self.listdir(path):
            if entry.is_dir(follow_symlinks=False):
                names.append(entry.name)
                self._walk_files(entry.path, report_empty=False)  # code trees hold empty folders and files
        self.tree.implementations[(division, org)] = names

    def _walk_files(self, path: str, report_empty: bool = True) -> None:
        """Screen every entry below a folder (names, sizes, links)."""
        stack = [path]
        while stack:
            current = stack.pop()
            entries = self.listdir(current)
            if not entries and report_empty:
                self.issue(EMPTY_FOLDER, current)
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)

    def results(self, path: str, division: str, org: str) -> None:
        for system in self.listdir(path):
            if not system.is_dir(follow_symlinks=False):
                self.issue(EXTRA, system.path, "results/ holds one folder per system")
                continue
            children = self.listdir(system.path)
            if not children:
                self.issue(EMPTY_FOLDER, system.path)
            for child in children:
                if not child.is_dir(follow_symlinks=False):
                    if child.name == PARAMS_FILE:
                        self.tree.params_files.append(child.path)
                    elif child.name not in SYSTEM_RESULT_FILES:
                        self.issue(EXTRA, child.path, "a system's results folder holds one folder per benchmark")
                elif child.name in SCALES:
                    for bench in self.listdir(child.path):
                        if bench.is_dir(follow_symlinks=False):
                            self.result_set(bench.path, division, org, system.name, bench.name, child.name)
                        else:
                            self.issue(EXTRA, bench.path, f"{child.name}/ holds one folder per benchmark")
                else:
                    self.result_set(child.path, division, org, system.name, child.name, None)

    def result_set(self, path: str, division: str, org: str, system: str, benchmark: str, scale: str | None) -> None:
        result = ResultSet(self.show(path), division, org, system, benchmark, scale, real_path=path)
        entries = self.listdir(path)
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name == POWER_FOLDER or (entry.name == PRUNED_FOLDER and scale == "weak"):
                    self._walk_files(entry.path)
                else:
                    self.issue(EXTRA, entry.path, "a benchmark folder holds result_<i>.txt files (and power/)")
                continue
            if RESULT_FILE.match(entry.name):
                result.logs.append(self.show(entry.path))
                result.real_logs.append(entry.path)
            elif entry.name == "scaling.json":
                result.scaling_path = entry.path
            elif entry.name == PARAMS_FILE:
                result.other_files.append(self.show(entry.path))
                self.tree.params_files.append(entry.path)
            else:
                result.other_files.append(self.show(entry.path))
                self.issue(EXTRA, entry.path, "not a result_<i>.txt file")
        order = sorted(range(len(result.logs)), key=lambda i: _natural(os.path.basename(result.logs[i])))
        result.logs = [result.logs[i] for i in order]
        result.real_logs = [result.real_logs[i] for i in order]
        if not entries:
            self.issue(EMPTY_FOLDER, path, "no result files")
        self.tree.result_sets.append(result)


def _natural(name: str) -> list[object]:
    """Sort key: result_2.txt before result_10.txt."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def walk_tree(path: str, display: str | None = None) -> SubmissionTree:
    """Read the layout under ``path`` (a folder). Never raises for bad input."""
    real = os.path.realpath(path)
    walker = _Walker(real, shown(display or path.rstrip(os.sep) or path))
    if not os.path.isdir(real):
        walker.issue(UNREADABLE, real, "not a folder")
        return walker.tree
    tree = walker.walk()
    # An empty file is no finding of its own: code trees hold empty __init__.py, and an
    # empty log, system description or scaling.json is reported by the rule reading it.
    tree.issues = [i for i in tree.issues if i.kind != EMPTY_FILE]
    return tree
