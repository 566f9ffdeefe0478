"""A local Prefect server on 127.0.0.1, its state under PREFECT_HOME (default ./.curate/prefect).

Schedules fire only on a real server, and Dask worker processes must share one
API (in ephemeral mode each would start its own). ``curate server start``
runs ``prefect server start`` in the background on any port, with its UI told that port (the UI
asks ``/ui-settings`` where the API is: Prefect answers 4200 unless told); ``status`` and ``stop``
find it from any folder without ``--port`` (each server started is registered by port in the
user's cache). Export the printed ``PREFECT_API_URL`` in shells that run flows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

DEFAULT_PORT = 4200


def default_home() -> Path:
    """Where a server keeps its database: $CURATE_PREFECT_HOME, else $PREFECT_HOME (Prefect's own
    setting, honoured by every command), else ./.curate/prefect."""
    chosen = os.environ.get("CURATE_PREFECT_HOME") or os.environ.get("PREFECT_HOME") or ".curate/prefect"
    return Path(chosen).expanduser().resolve()


HOME = default_home()
QUIET = {  # dependencies.md: no network here, and first start needs time for migrations
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


def _servers() -> Path:
    return Path(os.environ.get("CURATE_CACHE", Path.home() / ".cache" / "curate")) / "servers"


def _registry(port: int) -> Path:
    """Where a running server is found from any folder: its home, by port (per user)."""
    return _servers() / f"{port}"


def running() -> list[tuple[int, Path]]:
    """(port, home) of every server curate started that still answers, by port."""
    found = []
    for entry in sorted(_servers().glob("*"), key=lambda p: p.name):
        if entry.name.isdigit() and healthy(api_url(int(entry.name))):
            found.append((int(entry.name), Path(entry.read_text())))
    return found


def find_port(home: Path | None = None, anywhere: bool = True) -> int | None:
    """The port of the server started from ``home`` (default: this folder's), else (``anywhere``)
    of the only one running; None when that does not say."""
    home = home or default_home()
    mark = home / "server.port"
    if mark.exists() and mark.read_text().strip().isdigit():
        return int(mark.read_text())
    if not anywhere:
        return None
    live = running()
    return live[0][0] if len(live) == 1 else None


def api_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/api"


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def start(port: int = DEFAULT_PORT, home: Path | None = None, wait: float = 120.0, ui: bool = True) -> str:
    """Start the server unless it runs; returns its API URL once healthy."""
    home = home or default_home()
    url = api_url(port)
    if healthy(url):
        return url
    # The server has no authentication: it binds to 127.0.0.1 only, and its state (prefect.db:
    # flow parameters, artifacts) is readable by its user only (umask 077, home 0700).
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)
    env = {**os.environ, **QUIET, "PREFECT_HOME": str(home), "PREFECT_SERVER_UI_ENABLED": str(ui).lower(),
           # the UI's page asks /ui-settings for the API: without these it says port 4200
           "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port),
           "PREFECT_UI_API_URL": url, "PREFECT_UI_URL": url[:-len("/api")]}
    env.pop("PREFECT_API_URL", None)
    log = open(home / "server.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, umask=0o077)
    (home / "server.pid").write_text(str(proc.pid))
    (home / "server.port").write_text(str(port))
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


def home_of(port: int, home: Path | None = None) -> Path:
    """The home of the server on ``port``: the one recorded when it started (``curate server stop``
    and ``status`` work from any folder), else ``home`` (default: this folder's)."""
    home = home or default_home()
    recorded = _registry(port)
    if recorded.exists():
        return Path(recorded.read_text())
    return home


def stop(home: Path | None = None, port: int | None = None) -> bool:
    """Stop the server of ``home`` or on ``port`` (found as :func:`find_port` says when neither)."""
    if port is None:
        port = find_port(home, anywhere=False)   # never another folder's server by guess
        if port is None:
            return False
    home = home_of(port, home) if home is None else home
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
    (home / "server.port").unlink(missing_ok=True)
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
