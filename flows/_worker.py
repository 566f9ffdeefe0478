"""Loaded by every Dask worker process the flows start (``distributed.worker.preload``).

Ctrl-C of ``curate run`` reaches the whole process group, the LocalCluster's worker processes
included. Left to them, each dies mid-task with pages of tracebacks while the flow is still
deciding what to do; the flow's process is the one that handles the interrupt (it ends the run,
closes the cluster and says in one line how far it got). What a killed task had staged is never
committed, so the rerun redoes exactly those inputs.
"""

from __future__ import annotations

import logging
import os
import signal
import threading


def dask_setup(worker) -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.environ.get("DASK_LOGGING__DISTRIBUTED") == "warning":   # not -v (curate/cli sets it)
        # a task cancelled because the flow ended the cluster (an interrupt) is not news
        logging.getLogger("distributed.worker.state_machine").setLevel(logging.ERROR)
