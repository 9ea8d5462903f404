"""Model instances from rows read by hand-written SQL, converted exactly as the ORM converts them.

The hottest reads (every purchase, every download) are written by hand: for a lookup by key, the ORM's
query building costs several times the database's answer. These helpers keep such a read honest: the
SELECT list comes from the model's own fields, and each value passes through the same converters the
ORM's compiler applies (SQLite returns dates, datetimes, decimals and JSON as text or floats).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import connection, models

_Model = TypeVar("_Model", bound=models.Model)


@cache
def columns_of(model: type[models.Model], alias: str | None = None) -> str:
    """The model's columns, in field order, as a SELECT list (for instance_from_row). Kept once made: the
    hand-written reads name them on every call."""
    table = alias or model._meta.db_table
    return ", ".join(f"{table}.{field.column}" for field in model._meta.concrete_fields)


def instance_from_row(model: type[_Model], values: Sequence[object]) -> _Model:
    """A model instance from its columns as read by hand, through the same converters as the ORM's.
    `values` are columns_of(model)'s."""
    converted = [value if value is None else _convert(value, converters)
                 for value, converters in zip(values, _converters(model, connection.vendor), strict=True)]
    return model.from_db(connection.alias, [field.attname for field in model._meta.concrete_fields], converted)


def read_one(model: type[_Model], sql: str, params: Sequence[Any]) -> _Model | None:
    """The instance in the first row `sql` answers (it selects columns_of(model)), or None without one."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else instance_from_row(model, row)


def read_all(model: type[_Model], sql: str, params: Sequence[Any]) -> list[_Model]:
    """An instance for every row `sql` answers (it selects columns_of(model))."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [instance_from_row(model, row) for row in cursor.fetchall()]


def instances_from_row(joined: Sequence[type[models.Model]], row: Sequence[object]) -> list[Any]:
    """One instance per model of `joined` from a row of their columns_of() side by side; None for a
    model whose columns are all NULL there (the far side of a LEFT JOIN that found nothing)."""
    loaded: list[Any] = []
    for model in joined:
        width = len(model._meta.concrete_fields)
        values, row = row[:width], row[width:]
        loaded.append(instance_from_row(model, values) if values[0] is not None else None)  # the id is NULL
    return loaded


def _convert(value: object, converters: Sequence[tuple[Callable[..., Any], Any]]) -> object:
    for converter, column in converters:
        value = converter(value, column, connection)
    return value


@cache
def _converters(model: type[models.Model], vendor: str) -> list[list[tuple[Callable[..., Any], Any]]]:
    """Each concrete field's converters on this database, as the ORM's compiler applies them."""
    found = []
    for field in model._meta.concrete_fields:
        column = field.get_col(model._meta.db_table)
        found.append([(converter, column) for converter in
                      connection.ops.get_db_converters(column) + field.get_db_converters(connection)])
    return found
