"""`pressplant serve`: the store's WSGI app under gunicorn, with threads for streaming downloads.

Embedded mode runs one process on 127.0.0.1; scale-out runs several behind nginx (docs/deploy.md).
With several worker processes, the Prometheus counters go to files in one directory that every worker
writes and any worker reads, so /metrics counts the whole server whichever worker answers it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from gunicorn.app.base import BaseApplication

from pressplant.operations.metrics import forget_process, multiprocess_dir, use_multiprocess_dir


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, application: Any, options: dict[str, Any]) -> None:
        self._application = application
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:
            # Newer gunicorn opens a control socket at one fixed path in the user's home: a second store on
            # the same host (or a test beside a running store) would take it over. Nothing here uses it.
            self.cfg.set("control_socket_disable", True)

    def load(self) -> Any:
        return self._application


def serve(host: str, port: int, workers: int = 1, threads: int = 16) -> None:
    """Serve until interrupted. Threads let downloads stream while pages keep answering."""
    options: dict[str, Any] = {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                               "worker_class": "gthread", "timeout": 0, "accesslog": "-", "graceful_timeout": 5}
    if workers > 1 and multiprocess_dir() is None:
        use_multiprocess_dir(_fresh_metrics_dir(port))
    if multiprocess_dir() is not None:
        options["child_exit"] = _child_exit
    from pressplant.wsgi import application

    _Gunicorn(application, options).run()


def _fresh_metrics_dir(port: int) -> Path:
    """$PRESSPLANT_HOME/metrics/<port>, emptied: an earlier run's counts are not this run's, and two
    servers on one home (an old and a new release side by side) each keep their own."""
    path = Path(settings.HOME) / "metrics" / str(port)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def _child_exit(server: Any, worker: Any) -> None:
    """gunicorn's hook, in the master, when a worker process has exited."""
    forget_process(worker.pid)
