"""One real Prefect server per test session, shared by the flow process and Dask workers.

Settings go into the environment before Prefect is imported (this conftest is
imported before the flow test modules), so the Dask worker processes inherit
the same API URL.
"""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import pytest

_HOME = Path(tempfile.mkdtemp(prefix="curate-prefect-"))
with socket.socket() as _s:
    _s.bind(("127.0.0.1", 0))
    _PORT = _s.getsockname()[1]
os.environ.update({
    "PREFECT_HOME": str(_HOME),
    "PREFECT_API_URL": f"http://127.0.0.1:{_PORT}/api",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # runs log to the server as deployed (tests read their lines back); the UI is served, on
    # this non-default port, for the browser test
    "PREFECT_LOGGING_TO_API_ENABLED": "true",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    # the real scheduler service, looking for due schedules every 10 s instead of 60 s, so that
    # an every-minute cron fires within the scheduled-run test's 3 minutes on a loaded machine
    "PREFECT_API_SERVICES_SCHEDULER_LOOP_SECONDS": "10",
})


@pytest.fixture(scope="session")
def prefect_api():
    from flows import server

    url = server.start(port=_PORT, home=_HOME, wait=180, ui=True)
    yield url
    server.stop(_HOME)
