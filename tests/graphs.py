"""A reference graph algorithm for tests, independent of curate's own code."""

from __future__ import annotations

import sys


def strong_components(nodes, edges: dict) -> dict:
    """Strongly connected components of a directed graph (Tarjan): node -> the id (a member) of
    its component. ``edges``: node -> the nodes it points at."""
    index, low, comp, stack, on = {}, {}, {}, [], set()

    def visit(v) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            while True:
                w = stack.pop()
                on.discard(w)
                comp[w] = v
                if w == v:
                    break

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in nodes:
        if v not in index:
            visit(v)
    return comp
