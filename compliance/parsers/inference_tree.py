"""Walk an MLPerf Inference submission tree into an ``InferenceTree`` (no rule logic).

The walker finds submissions at any level of the official layout — a results
repository root (``closed/``, ``open/``, ``network/``), a division folder, or
one organisation's folder (``<org>/{systems,results,...}``) — and records the
scenario results (``results/<system>/<model>/<scenario>/``), the system files
and layout issues. Entry screening (hidden names, spaces, links, special
files, sizes) is the training walker's; links are never followed and nothing
is written.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from compliance.models.inference import InferenceOrg, InferenceTree, ScenarioFolder
from compliance.models.submission import SystemFile
from compliance.parsers import tree as base
from compliance.parsers.safefs import Entry, read_regular

DIVISIONS = ("closed", "open", "network")
ORG_PARTS = ("systems", "results", "compliance", "measurements", "code", "src", "documentation")
ORG_FILES = ("readme.md", "calibration.md", "model_mapping.json", "license.md", "license")
ORG_FILE_SUFFIXES = (".md", ".pdf", ".adoc", ".txt")
RESULTS_NOTES = ("_log.txt", ".md")  # files submitters keep in results/ (submission_checker_log.txt, notes)
# A published results repository adds a page per system to results/<system>/: summary.html and a
# README.md whose first line links to it ("See the HTML preview [here](...summary.html)"). They are
# the publication's files, not the submitter's; only the README's first line is read to tell.
PUBLICATION_PAGE = "summary.html"
PUBLICATION_README = "readme.md"
PUBLICATION_HEAD = 1024  # bytes of the README read for its first line
# Inside an organisation folder the submission rules only say content "should" stay in the layout's
# folders ("even when not enforced by submission support tools"), and the official checker accepts
# extra files, hidden files and links that stay in the tree: these kinds are kept apart from the
# layout errors (STR001, STR002, STR004) and reported as warnings by the inference rules.
EXTRA_ENTRY = "inference-extra-entry"
LINK_IN_TREE = "inference-link-in-tree"
_IN_ORG = {base.STRAY: EXTRA_ENTRY, base.HIDDEN: EXTRA_ENTRY, base.SYMLINK: LINK_IN_TREE, base.SYMLINK_BROKEN: LINK_IN_TREE, base.SYMLINK_LOOP: LINK_IN_TREE}


class _InferenceWalker(base._Walker):
    def __init__(self, root: str, display_root: str):
        super().__init__(root, display_root)
        self.tree = InferenceTree(root=display_root)  # type: ignore[assignment]

    def _divisions(self, names: dict[str, Entry]) -> list[Entry]:
        return [e for n, e in names.items() if n.lower() in DIVISIONS and e.is_dir(follow_symlinks=False)]

    def walk_inference(self) -> Iterator[InferenceOrg]:
        """Walk the tree into ``self.tree``, yielding each organisation once it is walked whole."""
        root = self.root
        # Listed unscreened: each entry is screened once, by the level that reads it.
        names = {e.name: e for e in self.listdir(root, top=True, screen=False)}
        own = os.path.basename(root.rstrip(os.sep))
        if "results" in names or "systems" in names:
            parent = os.path.basename(os.path.dirname(root.rstrip(os.sep)))
            division = parent.lower() if parent.lower() in DIVISIONS else ""
            yield self.org_folder(root, division, own)
        elif self._divisions(names):
            # A results repository: its own files (README, licence, the round's PDF, site
            # files) are not part of any submission; a folder beside the divisions is.
            for name, entry in names.items():
                if entry.is_file(follow_symlinks=False):
                    continue
                if not self.screen(entry):
                    continue
                if name.lower() not in DIVISIONS:
                    self.issue(base.STRAY, entry.path, "a results repository holds closed/, open/ and network/")
            for entry in self._divisions(names):
                yield from self.division_folder(entry.path, entry.name)
        elif own.lower() in DIVISIONS:
            yield from self.division_folder(root, own)
        else:
            names = {n: e for n, e in names.items() if self.screen(e)}
            found = False
            for entry in names.values():
                if not entry.is_dir(follow_symlinks=False):
                    continue
                inner = {e.name: e for e in self.listdir(entry.path)}
                if "results" in inner or "systems" in inner:
                    yield self.org_folder(entry.path, "", entry.name)
                    found = True
                elif self._divisions(inner):
                    for div in self._divisions(inner):
                        yield from self.division_folder(div.path, div.name)
                    found = True
            if not found:
                self.issue(base.NO_SUBMISSION, root, "no <division>/<org>/{systems,results} folders found")

    def division_folder(self, path: str, name: str) -> Iterator[InferenceOrg]:
        division = name.lower()
        if name != division:
            self.issue(base.CASE, path, f"'{name}' should be '{division}'")
        entries = self.listdir(path)
        if not entries:
            self.issue(base.EMPTY_FOLDER, path)
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                yield self.org_folder(entry.path, division, entry.name)
            else:
                self.issue(base.STRAY, entry.path, "a division folder holds one folder per organisation")

    def org_folder(self, path: str, division: str, org: str) -> InferenceOrg:
        record = InferenceOrg(division=division, org=org, path=self.show(path), real=path)
        self.tree.orgs.append(record)  # type: ignore[attr-defined]
        for entry in self.listdir(path):
            lowered = entry.name.lower()
            if entry.is_dir(follow_symlinks=False):
                if lowered in ORG_PARTS:
                    if entry.name != lowered:
                        self.issue(base.CASE, entry.path, f"'{entry.name}' should be '{lowered}'")
                    record.parts[lowered] = entry.path
                else:
                    self.issue(base.STRAY, entry.path, "an organisation folder holds systems/, results/, compliance/, measurements/ and code/ (src/ from 6.0)")
            else:
                record.files.append(entry.name)
                if lowered not in ORG_FILES and not lowered.endswith(ORG_FILE_SUFFIXES):
                    self.issue(base.STRAY, entry.path, "unexpected file in the organisation folder")
        if "systems" in record.parts:
            self.systems_folder(record)
        if "results" in record.parts:
            self.results_folder(record)
        for part in ("compliance", "measurements", "code", "src", "documentation"):
            if part in record.parts:
                self._walk_files(record.parts[part])
        return record

    def systems_folder(self, org: InferenceOrg) -> None:
        for entry in self.listdir(org.parts["systems"]):
            name = entry.name
            if entry.is_file(follow_symlinks=False) and name.endswith(".json"):
                system = name[: -len(".json")]
                org.systems[system] = SystemFile(self.show(entry.path), org.division, org.org, system, real_path=entry.path)
            elif not (entry.is_file(follow_symlinks=False) and name.endswith((".yaml", ".yml", ".md"))):
                self.issue(base.STRAY, entry.path, "systems/ holds one <system>.json per system (and <system>_power.yaml)")

    def results_folder(self, org: InferenceOrg) -> None:
        for system in self.listdir(org.parts["results"]):
            if not system.is_dir(follow_symlinks=False):
                if not system.name.lower().endswith(RESULTS_NOTES):  # submitters keep the checker's log here
                    self.issue(base.STRAY, system.path, "results/ holds one folder per system")
                continue
            org.result_systems.append(system.name)
            models = self.listdir(system.path)
            if not models:
                self.issue(base.EMPTY_FOLDER, system.path)
            published = self._publication_files(models)
            for model in models:
                if not model.is_dir(follow_symlinks=False):
                    if model.name not in published:
                        self.issue(base.STRAY, model.path, "a system's results folder holds one folder per model")
                    continue
                scenarios = self.listdir(model.path)
                if not any(s.is_dir(follow_symlinks=False) for s in scenarios):
                    org.empty_models.append((system.name, model.name, self.show(model.path)))
                for scenario in scenarios:
                    if not scenario.is_dir(follow_symlinks=False):
                        self.issue(base.STRAY, scenario.path, "a model's results folder holds one folder per scenario")
                        continue
                    self._walk_files(scenario.path)
                    org.scenarios.append(
                        ScenarioFolder(
                            division=org.division,
                            org=org.org,
                            system=system.name,
                            model=model.name,
                            scenario=scenario.name,
                            path=self.show(scenario.path),
                            real=scenario.path,
                            org_path=org.path,
                            org_real=org.real,
                        )
                    )


    @staticmethod
    def _publication_files(entries: list[Entry]) -> set[str]:
        """The names of the publication's page and its README in a system's results folder, if both are there."""
        files = {e.name.lower(): e for e in entries if e.is_file(follow_symlinks=False)}
        readme, page = files.get(PUBLICATION_README), files.get(PUBLICATION_PAGE)
        if readme is None or page is None:
            return set()
        try:
            head = read_regular(readme.path, PUBLICATION_HEAD)
        except OSError:
            return set()
        first = head.split(b"\n", 1)[0].decode("utf-8", "replace").strip().lower()
        if first.startswith("see the html preview") and first.rstrip(")").endswith(PUBLICATION_PAGE):
            return {readme.name, page.name}
        return set()


def walk_inference_tree(path: str, display: str | None = None) -> InferenceTree:
    """Read the layout under ``path`` (a folder). Never raises for bad input."""
    tree, orgs = stream_inference_tree(path, display)
    for _ in orgs:
        pass
    return tree


def stream_inference_tree(path: str, display: str | None = None) -> tuple[InferenceTree, Iterator[InferenceOrg]]:
    """``walk_inference_tree`` as it goes: the tree, and an iterator that walks it, yielding each
    organisation (in ``tree.orgs``, its systems and results read) once it is walked whole, so
    its results can be checked while the rest is walked. The tree is complete (its layout
    issues final) once the iterator is exhausted. Never raises for bad input."""
    real = os.path.realpath(path)
    walker = _InferenceWalker(real, display or path.rstrip(os.sep) or path)
    return walker.tree, _walked(walker, real)  # type: ignore[return-value]


def _walked(walker: _InferenceWalker, real: str) -> Iterator[InferenceOrg]:
    if not os.path.isdir(real):
        walker.issue(base.UNREADABLE, real, "not a folder")
        return
    yield from walker.walk_inference()
    tree = walker.tree
    tree.issues = [i for i in tree.issues if i.kind != base.EMPTY_FILE]
    orgs = tuple(org.path.rstrip("/") + "/" for org in tree.orgs)  # type: ignore[attr-defined]
    for issue in tree.issues:
        if issue.kind in _IN_ORG and issue.path.startswith(orgs):
            issue.kind = _IN_ORG[issue.kind]

