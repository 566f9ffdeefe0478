"""The job registry: every job once, under one name, for the command line, the flows and the docs.

Each entry is a job's :class:`~pipelines._job.Job` (its config class, its steps, its storage
policy), declared in the job's own module beside its steps. ``curate <job>``, ``python -m
pipelines <job>``, ``curate run|serve <job>`` (the Prefect flow of ``flows``) and the pages
under ``docs/`` are generated from these objects. Adding a job: one line here.
"""

from __future__ import annotations

from curate.errors import FatalError
from curate.io import RootPolicy
from pipelines import arxiv, code, crawl, decontaminate, dedup, filter, ingest, math_corpus, math_recall, math_score, mix
from pipelines._job import Job

__all__ = ["JOBS", "Job", "get", "markdown_table", "root_policy"]

JOBS: dict[str, Job] = {job.name: job for job in (
    ingest.JOB,
    crawl.JOB,
    dedup.JOB,
    decontaminate.JOB,
    code.JOB,
    arxiv.JOB,
    filter.JOB,
    mix.JOB,
    math_recall.JOB,
    math_score.JOB,
    math_corpus.JOB,
)}


def root_policy(name: str) -> RootPolicy:
    """The registry's root policy of job ``name``."""
    return get(name).root_policy


def get(name: str) -> Job:
    """The job called ``name``; a one-line error listing the jobs otherwise."""
    try:
        return JOBS[name]
    except KeyError:
        raise FatalError(f"unknown job {name!r}; jobs: {', '.join(JOBS)}") from None


def markdown_table() -> str:
    """The jobs as a markdown table (the README's, checked by a test)."""
    lines = ["| job | what it does |", "| --- | --- |"]
    lines += [f"| [`{job.name}`](docs/{job.name}.md) | {job.summary} |" for job in JOBS.values()]
    return "\n".join(lines)
