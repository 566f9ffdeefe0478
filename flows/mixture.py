"""Training mixtures as a Prefect flow: token counting mapped over input shards, one
selection task, routing mapped over input shards, one task per output shard on Dask."""

# No `from __future__ import annotations` here: Prefect builds each flow's parameter model
# from its signature, and a deployment's runner imports the module under another name, where
# string annotations ("CrawlConfig") cannot be resolved (scheduled runs failed validation).

import json

from prefect import flow, get_run_logger, task, unmapped

from flows._report import finish
from pipelines import mix
from pipelines.mix._spec import MixSpec
from curate.io._lock import holds_root


@task(retries=1, cache_policy=None, task_run_name="tokens {shard}")
def count_task(spec: MixSpec, source: int, shard: str) -> int:
    return int(mix.count_tokens(spec, spec.sources[source], shard).sum())


@task(cache_policy=None)
def plan_task(spec: MixSpec, out: str, counted: list[int]) -> dict:
    work = mix.output_folder(spec, out) / "_work"
    if (work / "plan.json").exists():
        return json.loads((work / "plan.json").read_text())
    return mix.plan_selection(spec, work)


@task(retries=1, cache_policy=None, task_run_name="route shard {index}")
def route_task(spec: MixSpec, out: str, plan: dict, index: int) -> int:
    return mix.route(spec, mix.output_folder(spec, out) / "_work", plan, index)


@task(retries=1, cache_policy=None, task_run_name="write bucket {bucket}")
def bucket_task(out: str, bucket: int, routed: list[int]) -> str:
    from pathlib import Path

    return mix.write_bucket(Path(out), Path(out) / "_work", bucket)


@flow(name="mix", log_prints=True)
@holds_root("mix", lambda spec, out=None, **kw: mix.output_folder(spec, out))
def mixture_flow(spec: MixSpec, out: str | None = None):
    """Build ``spec`` into ``out`` (or ``spec.out``); a finished build is returned as is."""
    folder = mix.output_folder(spec, out)
    done = mix.existing(spec, folder)
    if done:
        return finish("mix-summary", f"Mixture {folder} (already built)",
                      {"rows": done["rows"], "total_tokens": done["total_tokens"], "skipped": True})
    jobs = [(s, f) for s, src in enumerate(spec.sources) for f in mix.source_files(spec, src)]
    counted = [f.result() for f in count_task.map(unmapped(spec), [s for s, _ in jobs], [f for _, f in jobs])]
    plan = plan_task.submit(spec, str(folder), counted).result()
    routed = [f.result() for f in route_task.map(unmapped(spec), unmapped(str(folder)), unmapped(plan),
                                                 range(len(plan["inputs"])))]
    outputs = [f.result() for f in bucket_task.map(unmapped(str(folder)), range(plan["buckets"]),
                                                  unmapped(routed))]
    manifest = mix.finish(spec, folder, folder / "_work", plan, outputs)
    text = mix.format_manifest(manifest)
    get_run_logger().info("%s", text)
    return finish("mix-summary", f"Mixture {folder}", {"rows": manifest["rows"], "total_tokens": manifest["total_tokens"],
                                                      "sources": {s["name"]: s["tokens"] for s in manifest["sources"]}},
                  extra=["```", text, "```"])
