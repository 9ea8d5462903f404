"""Where Pressplant keeps its state: one folder, PRESSPLANT_HOME."""

from __future__ import annotations

import os
from pathlib import Path


def pressplant_home() -> Path:
    """PRESSPLANT_HOME, or ~/.local/share/pressplant (XDG_DATA_HOME respected)."""
    if home := os.environ.get("PRESSPLANT_HOME"):
        return Path(home).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "pressplant"
