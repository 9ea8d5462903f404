"""Test-wide setup: every test run keeps its state in a throwaway PRESSPLANT_HOME."""

from __future__ import annotations

import os
import tempfile

# Before Django's settings are imported: they read PRESSPLANT_HOME once.
os.environ.setdefault("PRESSPLANT_HOME", tempfile.mkdtemp(prefix="pressplant-test-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pressplant.settings")

import django

django.setup()
