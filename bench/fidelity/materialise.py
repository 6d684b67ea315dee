"""Write the newest commit of a bare git snapshot into a folder, file by file.

A snapshot from the search tool's ``fetch`` verb lacks files of 4 MiB and more
(and Git LFS content); ``git archive`` stops at the first absent blob (whose
size ``git ls-tree -l`` prints as ``BAD``: listed as -1). This
writes every blob that is present, lists the absent ones in
``<dest>/.absent.tsv`` (path, size in bytes) and never writes outside
``<dest>``. Symbolic links in the snapshot are written as links only when they
stay inside the tree (they are listed otherwise).

    python bench/fidelity/materialise.py /work/.mirror/mlcommons+training_results_v5.1/repo /tmp/fid/training-5.1
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path


def _tree(git_dir: str, rev: str) -> list[tuple[str, str, str, int, str]]:
    out = subprocess.run(
        ["git", "--git-dir", git_dir, "ls-tree", "-r", "-l", "-z", rev],
        check=True,
        capture_output=True,
    ).stdout
    rows = []
    for item in out.split(b"\0"):
        if not item:
            continue
        meta, path = item.split(b"\t", 1)
        mode, kind, sha, size = meta.split()
        rows.append((mode.decode(), kind.decode(), sha.decode(),
                     int(size) if size.isdigit() else -1, os.fsdecode(path)))
    return rows


def _present(git_dir: str, shas: list[str]) -> set[str]:
    proc = subprocess.run(
        ["git", "--git-dir", git_dir, "cat-file", "--batch-check"],
        input="\n".join(shas).encode() + b"\n",
        check=True,
        capture_output=True,
    )
    have = set()
    for line in proc.stdout.decode().splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1] != "missing":
            have.add(parts[0])
    return have


def materialise(git_dir: str, dest: Path, rev: str = "HEAD", under: str = "") -> dict[str, int]:
    dest = dest.resolve()
    dest.mkdir(parents=True, exist_ok=True)
    rows = [r for r in _tree(git_dir, rev) if r[1] == "blob" and r[4].startswith(under)]
    have = _present(git_dir, [r[2] for r in rows])
    absent: list[tuple[str, int]] = []
    wanted = [r for r in rows if r[2] in have]
    absent = [(r[4], r[3]) for r in rows if r[2] not in have]
    # Read all present blobs in one git process.
    proc = subprocess.Popen(
        ["git", "--git-dir", git_dir, "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdin and proc.stdout
    written = 0
    for mode, _kind, sha, _size, path in wanted:
        proc.stdin.write(sha.encode() + b"\n")
        proc.stdin.flush()
        header = proc.stdout.readline().split()
        size = int(header[2])
        data = proc.stdout.read(size)
        proc.stdout.read(1)
        target = (dest / path).resolve()
        if dest not in target.parents:
            absent.append((path, size))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if mode == "120000":
            link = os.fsdecode(data)
            resolved = (target.parent / link).resolve()
            if dest in resolved.parents or resolved == dest:
                if not target.exists():
                    os.symlink(link, target)
            else:
                absent.append((path, size))
            continue
        target.write_bytes(data)
        if mode == "100755":
            target.chmod(0o755)
        written += 1
    proc.stdin.close()
    proc.wait()
    with open(dest / ".absent.tsv", "w", encoding="utf-8") as fh:
        fh.write("path\tbytes\n")
        for path, size in sorted(absent):
            fh.write(f"{path}\t{size}\n")
    return {"written": written, "absent": len(absent)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("git_dir")
    ap.add_argument("dest", type=Path)
    ap.add_argument("--rev", default="HEAD")
    ap.add_argument("--under", default="", help="only paths starting with this prefix")
    args = ap.parse_args(argv)
    counts = materialise(args.git_dir, args.dest, args.rev, args.under)
    print(f"{args.dest}: {counts['written']} files written, {counts['absent']} absent "
          f"(listed in {args.dest}/.absent.tsv)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
