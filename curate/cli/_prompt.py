"""Questions on the terminal (math recall's ``policy = "ask"``, ``curate math annotate -i``)."""

from __future__ import annotations

import sys


def prompt(n: int, todo: list[dict], by: str = "cli", stream=sys.stdin):
    """Ask about each candidate prefix on the terminal: y (math), n (not math), s (skip), q (stop asking)."""
    from curate.classify import Decision

    out = []
    for c in todo:
        print(f"{c['prefix']}: {c['pages']} pages, {c['collected']} collected ({c['collected_share']:.0%}), "
              f"mean score {c['mean_score']:.3f} -- math? [y/n/s/q] ", end="", flush=True)
        answer = (stream.readline() or "q").strip().lower()[:1]
        if answer == "q":
            break
        if answer in ("y", "n"):
            out.append(Decision(c["prefix"], answer == "y", by, n))
    return out
