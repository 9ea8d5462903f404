"""Files an import put into storage, remembered so that an import that does not commit leaves none."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)


@dataclass
class StoredFiles:
    """Storage keys written by this import (new masters, a new cover); `delete_all` when it fails."""

    keys: list[str] = field(default_factory=list)

    def add(self, key: str) -> None:
        if key and key not in self.keys:
            self.keys.append(key)

    def delete_all(self) -> None:
        """Best effort: a key that cannot be deleted is logged, and the others are still deleted."""
        for key in self.keys:
            try:
                default_storage.delete(key)
            except OSError:
                logger.exception("ddex import: could not delete %s after a failed import", key)
        self.keys.clear()
