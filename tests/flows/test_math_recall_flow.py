"""The math recall flow on a real Dask LocalCluster, pausing for a person's decisions."""

from __future__ import annotations

import threading
import time

import duckdb

from tests.pipelines import math_corpus
from tests.pipelines.test_math_recall import _config


def _resume_when_paused(decisions: dict, seen: list, stop: threading.Event) -> None:
    from prefect import resume_flow_run
    from prefect.client.orchestration import get_client

    while not stop.is_set():
        with get_client(sync_client=True) as client:
            paused = [r for r in client.read_flow_runs() if r.state and r.state.is_paused()]
        for run in paused:
            seen.append(run.id)
            resume_flow_run(run.id, run_input=decisions)
            return
        time.sleep(0.5)


def test_flow_pauses_for_prefix_decisions_and_recalls_them(prefect_api, shared, tmp_path):
    from flows._runner import task_runner
    from flows.jobs import math_recall_flow

    groups = math_corpus.build(shared, tmp_path)
    # a fixed threshold: this test is about pausing and resuming (quality: tests/pipelines, benchmarks)
    config = _config(shared, tmp_path, policy="ask", max_rounds=2, threshold=0.8)
    seen: list = []
    stop = threading.Event()
    helper = threading.Thread(target=_resume_when_paused, daemon=True, args=(
        {"accept": ["forum.test/questions"], "reject": ["forum.test/users"], "by": "tester"}, seen, stop))
    helper.start()
    try:
        result = math_recall_flow.with_options(task_runner=task_runner(workers=2))(config, pause_timeout=300)
    finally:
        stop.set()
    assert len(seen) == 1                                   # paused once: after round 1 (round 2 is the last)
    notes = (tmp_path / "out" / "annotations.yaml").read_text()
    assert "forum.test/questions" in notes and "tester" in notes
    assert [r["round"] for r in result["rounds"]] == [1, 2]
    con = duckdb.connect()
    sel2 = {r[0] for r in con.execute(f"SELECT id FROM '{config.out}/round-2/math_selected/*.parquet'").fetchall()}
    assert len(set(groups["gsm_questions"]) & sel2) >= 15
    scored = con.execute(f"SELECT count(*), count(DISTINCT source_shard) FROM "
                         f"'{config.out}/round-2/math_scores/*.parquet'").fetchone()
    assert scored == (len([i for g in groups.values() for i in g]), 3)


def test_math_score_flow_matches_the_pipeline(prefect_api, shared, tmp_path):
    from flows._runner import task_runner
    from flows.jobs import math_score_flow
    from pipelines.math_recall import run
    from pipelines.math_score import MathScoreConfig
    from pipelines.math_score import run as score

    math_corpus.build(shared, tmp_path)
    recall = _config(shared, tmp_path, max_rounds=1)
    run(recall)
    model = str(tmp_path / "out" / "round-1" / "model.bin")
    flowed = MathScoreConfig(model=model, inputs=(str(tmp_path / "pages"),), out=str(tmp_path / "flow"))
    result = math_score_flow.with_options(task_runner=task_runner(workers=2))(flowed)
    plain = score(MathScoreConfig(model=model, inputs=flowed.inputs, out=str(tmp_path / "plain")))
    assert result["selected"] == plain.selected > 0 and result["pages"] == plain.pages
    con = duckdb.connect()
    ids = [{r[0] for r in con.execute(f"SELECT id FROM '{tmp_path}/{d}/math_selected/*.parquet'").fetchall()}
           for d in ("flow", "plain")]
    assert ids[0] == ids[1]
