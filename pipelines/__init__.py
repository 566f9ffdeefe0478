"""Runnable jobs: each module composes library stages and has a frozen config.

What flows and the command line use of the machinery is listed in ``__all__``: the steps a job
is declared with, the loop that drives them, and the summary formatting."""

from pipelines._common import format_value, ignore_interrupts
from pipelines._job import Job, Param
from pipelines._steps import PROGRESS, Hook, Map, Single, Stage, Steps, context, drive, execute

__all__ = ["Hook", "Job", "Map", "PROGRESS", "Param", "Single", "Stage", "Steps", "context", "drive", "execute",
           "format_value", "ignore_interrupts"]
