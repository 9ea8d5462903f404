"""Comparing a hand-written read with the ORM's: what a model instance holds, field by field."""

from __future__ import annotations

from django.db import models


def loaded_fields(instance: models.Model) -> dict[str, object]:
    """Every concrete field's value as loaded (foreign keys as their ids), by attribute name."""
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}
