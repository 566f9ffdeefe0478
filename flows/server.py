"""A local Prefect server on 127.0.0.1 with a project-local PREFECT_HOME.

Schedules fire only on a real server, and Dask worker processes must share one
API (in ephemeral mode each would start its own). ``curate server start``
runs ``prefect server start`` in the background; ``status`` and ``stop`` use
its pid file. Export the printed ``PREFECT_API_URL`` in shells that run flows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HOME = Path(os.environ.get("CURATE_PREFECT_HOME", ".curate/prefect")).resolve()
QUIET = {  # dependencies.md: no network here, and first start needs time for migrations
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


def _registry(port: int) -> Path:
    """Where a running server is found from any folder: its home, by port (per user)."""
    base = Path(os.environ.get("CURATE_CACHE", Path.home() / ".cache" / "curate"))
    return base / "servers" / f"{port}"


def api_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/api"


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def start(port: int = 4200, home: Path = HOME, wait: float = 120.0, ui: bool = True) -> str:
    """Start the server unless it runs; returns its API URL once healthy."""
    url = api_url(port)
    if healthy(url):
        return url
    # The server has no authentication: it binds to 127.0.0.1 only, and its state (prefect.db:
    # flow parameters, artifacts) is readable by its user only (umask 077, home 0700).
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)
    env = {**os.environ, **QUIET, "PREFECT_HOME": str(home), "PREFECT_SERVER_UI_ENABLED": str(ui).lower()}
    env.pop("PREFECT_API_URL", None)
    log = open(home / "server.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, umask=0o077)
    (home / "server.pid").write_text(str(proc.pid))
    _registry(port).parent.mkdir(parents=True, exist_ok=True)
    _registry(port).write_text(str(home))
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prefect server exited ({proc.returncode}); see {home / 'server.log'}")
        if healthy(url):
            return url
        time.sleep(0.5)
    stop(home, port)
    raise RuntimeError(f"prefect server not healthy after {wait:.0f}s; see {home / 'server.log'}")


def home_of(port: int, home: Path = HOME) -> Path:
    """The home of the server on ``port``: this folder's, else the one recorded when it started
    (``curate server stop`` and ``status`` work from any folder)."""
    if (home / "server.pid").exists():
        return home
    recorded = _registry(port)
    return Path(recorded.read_text()) if recorded.exists() else home


def stop(home: Path = HOME, port: int = 4200) -> bool:
    home = home_of(port, home)
    pid_file = home / "server.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text())
    try:
        os.killpg(pid, signal.SIGTERM)
        for _ in range(50):
            if not _alive(pid):
                break
            time.sleep(0.2)
        else:
            os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    pid_file.unlink(missing_ok=True)
    if _registry(port).exists() and Path(_registry(port).read_text()) == home:
        _registry(port).unlink(missing_ok=True)
    return True


def _alive(pid: int) -> bool:
    """True while ``pid`` runs; reaps it when it is our own child (else it stays a zombie)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:  # not our child: started by an earlier `curate server start`
        try:
            os.kill(pid, 0)
            return True
        except ProcessLookupError:
            return False
