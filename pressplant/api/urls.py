"""Mounted by the project's urls.py at api/v1/ (one include line, so the interfaces stay apart)."""

from django.urls import path

from pressplant.api.app import api

urlpatterns = [path("", api.urls)]
