#!/usr/bin/python3
"""check_layers.py — the architecture, checked: the folders of lib/ and src/ form layers, and no
file includes a file of a higher layer, nor takes part in an include circle.

The layers, lowest first, are listed in LAYERS: each a list of folders (relative to the
repository root) that sit on the same floor. A file may include files of its own folder, of its
own floor's other folders only where SAME_FLOOR allows it, and of any lower floor. A circle is a
chain of #include "…" lines between the project's own files that comes back to its start (a
header and its .c count as one unit: foo.c including foo.h is not a circle).

Run by ctest as arch.layers; prints every violation with the #include line that causes it.
  tests/arch/check_layers.py [ROOT]
"""
import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(__file__), "..", ".."))

# Lowest first. A folder not listed here is an error (every folder has a place).
LAYERS = [
    ["lib/util", "lib/pop3", "lib/ntlm", "lib/tlshello", "lib/fp"],
    ["src/base"],
    ["src/record"],
    ["src/targets", "src/engine", "src/output"],
    ["src/store"],
    ["src/report"],
    ["src/cli"],
]
# Folders of one floor that may use each other, one way only: (user, used).
SAME_FLOOR = set()

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources():
    for top in ("lib", "src"):
        for d, _, files in os.walk(os.path.join(ROOT, top)):
            for f in files:
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, f), ROOT)


def floor_of(folder):
    for i, floor in enumerate(LAYERS):
        if folder in floor:
            return i
    return None


def unit(path):
    return os.path.splitext(path)[0]


def main():
    files = sorted(sources())
    by_name = {}
    for f in files:
        by_name.setdefault(os.path.basename(f), []).append(f)
    problems = []
    edges = {}
    for f in files:
        folder = os.path.dirname(f)
        here = floor_of(folder)
        if here is None:
            problems.append(f"{f}: its folder {folder} is in no layer (tests/arch/check_layers.py)")
            continue
        text = open(os.path.join(ROOT, f), encoding="utf-8", errors="replace").read()
        for m in INCLUDE.finditer(text):
            name = m.group(1)
            local = os.path.normpath(os.path.join(folder, name))
            target = local if local in files else None
            if not target:
                cands = [c for c in by_name.get(os.path.basename(name), []) if c.endswith(name)]
                if len(cands) > 1:
                    problems.append(f"{f}: #include \"{name}\" matches {cands}")
                    continue
                target = cands[0] if cands else None
            if not target:
                continue  # a system or generated header
            tfolder = os.path.dirname(target)
            there = floor_of(tfolder)
            line = text.count("\n", 0, m.start()) + 1
            if there is not None and there > here:
                problems.append(f"{f}:{line}: #include \"{name}\" reaches up from {folder} "
                                f"(floor {here + 1}) to {tfolder} (floor {there + 1})")
            elif (there == here and tfolder != folder and
                  (folder, tfolder) not in SAME_FLOOR):
                problems.append(f"{f}:{line}: #include \"{name}\" reaches sideways from {folder} "
                                f"to {tfolder} on the same floor")
            if unit(target) != unit(f):
                edges.setdefault(unit(f), set()).add(unit(target))
    # Circles between units (a .c and its .h are one unit).
    state, stack = {}, []

    def visit(u):
        state[u] = 1
        stack.append(u)
        for v in sorted(edges.get(u, ())):
            if state.get(v) == 1:
                cyc = stack[stack.index(v):] + [v]
                problems.append("include circle: " + " -> ".join(cyc))
            elif v not in state:
                visit(v)
        stack.pop()
        state[u] = 2

    for u in sorted(edges):
        if u not in state:
            visit(u)
    for p in problems:
        print(p)
    print(f"check_layers: {len(files)} files, {sum(len(v) for v in edges.values())} includes "
          f"between units, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
