"""`pressplant serve`: the store's WSGI app under gunicorn, with threads for streaming downloads.

Embedded mode runs one process on 127.0.0.1; scale-out runs several behind nginx (docs/deploy.md).
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, application: Any, options: dict[str, Any]) -> None:
        self._application = application
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self._application


def serve(host: str, port: int, workers: int = 1, threads: int = 16) -> None:
    """Serve until interrupted. Threads let downloads stream while pages keep answering."""
    from pressplant.wsgi import application

    _Gunicorn(application, {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                            "worker_class": "gthread", "timeout": 0, "accesslog": "-",
                            "graceful_timeout": 5}).run()
