"""Dependency ordering of a repository's files (DeepSeek-Coder, Algorithm 1).

Edges run from a dependency to its dependant (B -> A when A depends on B). The
file with the smallest current in-degree is emitted next (zero when the graph is
acyclic, more inside a cycle: cycles are tolerated), then its dependants'
in-degrees drop by one; see :func:`order` for how cycles are confined. Ties are
broken by a seeded hash of the path, so the order is deterministic for a seed.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import defaultdict


def _tiebreak(path: str, seed: int) -> bytes:
    return hashlib.blake2b(f"{seed}\0{path}".encode(), digest_size=8).digest()


def components(paths: list[str], deps: dict[str, set[str]]) -> list[list[str]]:
    """Connected components of the undirected dependency graph, each sorted, ordered by first path."""
    parent = {p: p for p in paths}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, targets in deps.items():
        for b in targets:
            if a in parent and b in parent:
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = defaultdict(list)
    for p in sorted(paths):
        groups[find(p)].append(p)
    return sorted(groups.values(), key=lambda g: g[0])


def strongly_connected(nodes: list[str], edges: dict[str, list[str]]) -> dict[str, int]:
    """Node -> strongly connected component number (iterative Tarjan: no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    comp: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(edges.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(edges.get(w, ()))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp[w] = index[v]
                    if w == v:
                        break
    return comp


def _min_indegree_order(paths: list[str], deps: dict[str, set[str]], seed: int) -> list[str]:
    """Algorithm 1 proper: repeatedly emit the file of smallest current in-degree."""
    members = set(paths)
    indegree = {p: 0 for p in paths}
    dependants: dict[str, list[str]] = defaultdict(list)
    for a in paths:
        for b in deps.get(a, ()):
            if b in members and b != a:
                indegree[a] += 1
                dependants[b].append(a)
    heap = [(d, _tiebreak(p, seed), p) for p, d in indegree.items()]
    heapq.heapify(heap)
    done: set[str] = set()
    out = []
    while heap:
        d, _, p = heapq.heappop(heap)
        if p in done or d != indegree[p]:
            continue                                       # a stale entry: the in-degree dropped since
        done.add(p)
        out.append(p)
        for a in dependants[p]:
            if a not in done:
                indegree[a] -= 1
                heapq.heappush(heap, (indegree[a], _tiebreak(a, seed), a))
    return out


def order(paths: list[str], deps: dict[str, set[str]], seed: int = 0) -> list[str]:
    """Dependencies before dependants, except inside cycles.

    Algorithm 1 picks the smallest in-degree even when it is not zero, which can
    put a file before a dependency that merely sits downstream of a cycle. Here
    the choice is made per strongly connected component: components are emitted
    in dependency order (ties by seeded hash), and inside a cyclic component
    Algorithm 1 runs on its own edges. On an acyclic graph this is Algorithm 1.
    """
    members = set(paths)
    edges = {a: sorted(b for b in deps.get(a, ()) if b in members and b != a) for a in sorted(paths)}
    scc = strongly_connected(sorted(paths), edges)
    groups: dict[int, list[str]] = defaultdict(list)
    for p in sorted(paths):
        groups[scc[p]].append(p)
    waiting = {c: 0 for c in groups}                       # dependency components not yet emitted
    users: dict[int, set[int]] = defaultdict(set)
    for a, targets in edges.items():
        for b in targets:
            if scc[a] != scc[b] and scc[a] not in users[scc[b]]:
                users[scc[b]].add(scc[a])
                waiting[scc[a]] += 1
    key = {c: min(_tiebreak(p, seed) for p in g) for c, g in groups.items()}
    ready = [(key[c], c) for c, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    out: list[str] = []
    while ready:
        _, c = heapq.heappop(ready)
        group = groups[c]
        out += group if len(group) == 1 else _min_indegree_order(group, deps, seed)
        for user in users[c]:
            waiting[user] -= 1
            if waiting[user] == 0:
                heapq.heappush(ready, (key[user], user))
    return out


def violations(ordered: list[str], deps: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(file, dependency) pairs where the dependency comes later (only possible inside cycles)."""
    pos = {p: i for i, p in enumerate(ordered)}
    return [(a, b) for a in ordered for b in deps.get(a, ()) if b in pos and pos[b] > pos[a]]
