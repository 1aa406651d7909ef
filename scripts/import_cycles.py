"""Fail if modules of a package import each other in a circle, TYPE_CHECKING imports included.

import-linter's contracts hold the direction between layers; inside a layer whose members
may import each other, and between modules no contract names, nothing else stops two
modules from depending on each other (the SDK's config, retries, serdes and batch modules
once did, through imports made only for type checking). This builds the import graph
with grimp (installed with import-linter), prints each group of modules that reach each
other and how many distinct cycles run through them, and exits 1 if there is any.

Usage: import_cycles.py [PACKAGE ...]   (default: perdure._sdk)
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Set

import grimp

_COUNT_LIMIT = 100_000  # elementary cycles grow exponentially; past this, "at least"


def _graph(package: str) -> dict[str, set[str]]:
    root = package.split(".")[0]
    graph = grimp.build_graph(root, cache_dir=None)
    inside = {m for m in graph.modules if m == package or m.startswith(package + ".")}
    return {
        m: {n for n in graph.find_modules_directly_imported_by(m) if n in inside and n != m}
        for m in inside
    }


def strongly_connected(edges: Mapping[str, Set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of two or more modules that reach each
    other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(edges[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return groups


def count_cycles(edges: Mapping[str, Set[str]], group: list[str]) -> int:
    """Distinct elementary cycles inside `group`, each counted once (from its least
    module), up to `_COUNT_LIMIT`."""
    members = set(group)
    total = 0
    for start in group:
        path = {start}
        work: list[Iterator[str]] = [iter(sorted(edges[start] & members))]
        trail = [start]
        while work:
            for nxt in work[-1]:
                if nxt < start:
                    continue
                if nxt == start:
                    total += 1
                    if total >= _COUNT_LIMIT:
                        return total
                elif nxt not in path:
                    path.add(nxt)
                    trail.append(nxt)
                    work.append(iter(sorted(edges[nxt] & members)))
                    break
            else:
                work.pop()
                path.discard(trail.pop())
    return total


def main(packages: list[str]) -> int:
    found = False
    for package in packages:
        edges = _graph(package)
        groups = strongly_connected(edges)
        cycles = sum(count_cycles(edges, g) for g in groups)
        print(
            f"{package}: {len(edges)} modules, {len(groups)} import cycle groups, {cycles} cycles"
        )
        for group in groups:
            print("  " + " <-> ".join(group))
        found = found or bool(groups)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["perdure._sdk"]))
