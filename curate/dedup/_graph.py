"""Connected components of the duplicate graph, out of core, in DuckDB.

Iterative minimum-label propagation with pointer jumping: every node starts
with its own number as label; each round a node takes the smallest label among
itself and its neighbours, then the label of its label. Labels only decrease,
so the result is the smallest node of each component whatever the order of
work: identical across runs and worker counts. DuckDB spills joins and
aggregations to disk under its memory limit, so no step needs the graph in RAM.
"""

from __future__ import annotations

from typing import Callable

import duckdb


def components(con: duckdb.DuckDBPyConnection, edges: str, out: str = "labels",
               max_rounds: int = 100, log: Callable[[str], None] | None = None) -> int:
    """Create table ``out(node, label)`` for every node of the relation ``edges(node, peer)``.

    Returns the number of rounds. ``label`` is the smallest node of the component.
    """
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _e AS
        SELECT DISTINCT node AS a, peer AS b FROM ({edges}) WHERE node <> peer
        UNION SELECT DISTINCT peer AS a, node AS b FROM ({edges}) WHERE node <> peer""")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {out} AS SELECT a AS node, least(a, min(b)) AS label FROM _e GROUP BY a")
    rounds = 0
    while rounds < max_rounds:
        rounds += 1
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _step AS
            SELECT l.node, least(l.label, coalesce(n.label, l.label)) AS label
            FROM {out} l LEFT JOIN (
                SELECT e.a AS node, min(x.label) AS label FROM _e e JOIN {out} x ON x.node = e.b GROUP BY e.a
            ) n ON n.node = l.node""")
        # pointer jumping: adopt the label of one's label (halves path lengths each round)
        con.execute("""CREATE OR REPLACE TEMP TABLE _next AS
            SELECT s.node, least(s.label, coalesce(t.label, s.label)) AS label
            FROM _step s LEFT JOIN _step t ON t.node = s.label""")
        changed = con.execute(f"""SELECT count(*) FROM _next n JOIN {out} o USING (node)
                                  WHERE n.label <> o.label""").fetchall()[0][0]
        con.execute(f"DROP TABLE {out}")
        con.execute(f"ALTER TABLE _next RENAME TO {out}")
        if log:
            log(f"components round {rounds}: {changed} labels changed")
        if changed == 0:
            break
    for name in ("_e", "_step"):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    return rounds
