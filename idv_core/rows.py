"""
One-row statements for a provider's hot paths (a webhook, a signal receiver), built once and then only run.

Building and compiling a queryset costs several times a one-row indexed statement on the database: on a
webhook that makes five of them, it is most of the request's own CPU. Each function here does what one ORM
call does, with the SQL built once per model, fields and database vendor (from the model's own table and
column names, so it follows the migrations), values adapted and results converted by the fields and the
connection's own operations, as the ORM does them:

- ``get_row(Model, key=value)``: ``Model.objects.get(key=value)`` for a unique key, None rather than
  ``DoesNotExist``; with ``for_update=True``, ``select_for_update()`` (in a transaction);
- ``row_exists(Model, a=1, b=2)``: ``Model.objects.filter(a=1, b=2).exists()``;
- ``insert_row(instance, ignore_conflicts=...)``: ``Model.objects.bulk_create([instance], ...)``;
- ``update_row(instance, ["a", "modified"])``: ``instance.save(update_fields=["a", "modified"])``.

Like ``bulk_create()`` and ``QuerySet.update()``, they send no model signals (``pre_save``, ``post_save``),
so they are for a provider's own models, whose changes nothing else listens to (not for a model with a
django-simple-history trail: it would miss the change). Values are compared for equality only (``None``,
which SQL never finds equal, is refused: the ORM's ``IS NULL`` is another query). The database is the one
the routers name (reads: ``db_for_read``; ``for_update`` and writes: ``db_for_write``), the default one
without routers.

tests/core/test_rows.py compares every function with its ORM call on SQLite, MariaDB and PostgreSQL.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.constants import OnConflict
from django.db.models.expressions import Col
from django.db.transaction import TransactionManagementError

__all__ = ["get_row", "insert_row", "row_exists", "update_row"]

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Column:
    """A column of a model's table, quoted for one connection, with the converters of the values read."""

    name: str
    expression: Col
    # Names of methods of connection.ops (found again on each connection) and the field's own converters.
    ops_converters: tuple[str, ...]
    field_converters: tuple[Callable[..., Any], ...]

    def convert(self, value: Any, connection: BaseDatabaseWrapper) -> Any:
        """A value read from this column as the ORM hands it over (a datetime, a bool, a JSON value...)."""
        for name in self.ops_converters:
            value = getattr(connection.ops, name)(value, self.expression, connection)
        for converter in self.field_converters:
            value = converter(value, self.expression, connection)
        return value


def column_of(connection: BaseDatabaseWrapper, field: Field) -> Column:
    """``field``'s column for ``connection``: its quoted name and the converters the ORM applies to it."""
    expression = field.get_col(field.model._meta.db_table)
    return Column(
        name=connection.ops.quote_name(field.column),
        expression=expression,
        ops_converters=tuple(c.__name__ for c in connection.ops.get_db_converters(expression)),
        field_converters=tuple(field.get_db_converters(connection)),
    )


def alias_for(model: type[Model], *, write: bool) -> str:
    """The database the ORM would read ``model`` from (or write it to): the routers', else the default."""
    # Without database routers (the LMS has none for these models) the ORM uses the default database.
    if not router.routers:
        return DEFAULT_DB_ALIAS
    return router.db_for_write(model) if write else router.db_for_read(model)


def _fields(model: type[Model], names: Iterable[str]) -> tuple[Field, ...]:
    if model._meta.parents:
        # A child of multi-table inheritance spreads its row over its parents' tables.
        raise ValueError(f"{model.__name__} inherits another model's table: use the ORM.")
    # get_field() knows a foreign key by its name and by its attname ("attempt" and "attempt_id"); "pk" is
    # the primary key's name, as in the ORM's lookups.
    meta = model._meta
    fields = tuple(meta.pk if name == "pk" else meta.get_field(name) for name in names)
    for field in fields:
        if not getattr(field, "concrete", False) or field.many_to_many:
            raise ValueError(f"{model.__name__}.{field.name} is not a column of its table.")
    return fields


def _equals(fields: tuple[Field, ...], values: Iterable[Any], connection: BaseDatabaseWrapper) -> list[Any]:
    adapted = []
    for field, value in zip(fields, values, strict=True):
        if value is None:
            raise ValueError(f"{field.name}=None: SQL finds no row equal to NULL; use the ORM's isnull.")
        if isinstance(value, Model) and field.is_relation:
            # A related instance stands for the key it is referred to by, as in the ORM's lookups.
            value = getattr(value, field.target_field.attname)
        adapted.append(field.get_db_prep_value(field.get_prep_value(value), connection, prepared=True))
    return adapted


@dataclass(frozen=True)
class _Select:
    select: str
    locking_select: str
    exists: str
    attnames: tuple[str, ...]
    columns: tuple[Column, ...]
    keys: tuple[Field, ...]


@functools.cache
def _select(model: type[Model], names: tuple[str, ...], vendor: str, alias: str) -> _Select:
    # Keyed by vendor (the alias only says which connection to read the quoting and converters from).
    if not names:
        raise ValueError(f"No key given: name the {model.__name__} fields to compare (e.g. pk=...).")
    connection = connections[alias]
    meta = model._meta
    keys = _fields(model, names)
    table = connection.ops.quote_name(meta.db_table)
    where = " AND ".join(f"{connection.ops.quote_name(field.column)} = %s" for field in keys)
    columns = tuple(column_of(connection, field) for field in meta.concrete_fields)
    # Two rows at most: one is the answer, a second one says the key was not unique.
    select = (
        f"SELECT {', '.join(c.name for c in columns)} FROM {table} WHERE {where} "  # noqa: S608 -- quoted
        f"{connection.ops.limit_offset_sql(0, 2)}"  # identifiers only; every value is a parameter
    )
    # SQLite has no row locks (it locks the database at the first write): the ORM omits FOR UPDATE there.
    lock = f" {connection.ops.for_update_sql()}" if connection.features.has_select_for_update else ""
    return _Select(
        select=select,
        locking_select=select + lock,
        exists=f"SELECT 1 FROM {table} WHERE {where} {connection.ops.limit_offset_sql(0, 1)}",  # noqa: S608
        attnames=tuple(field.attname for field in meta.concrete_fields),
        columns=columns,
        keys=keys,
    )


def get_row(model: type[M], *, for_update: bool = False, **equals: Any) -> M | None:
    """
    The row of ``model`` whose fields equal ``equals`` (a unique key), as an instance; None if there is none.

    ``for_update``: lock the row until the transaction ends (``select_for_update()``); only in a
    transaction (as the ORM, raises ``TransactionManagementError`` outside one). Raises
    ``model.MultipleObjectsReturned`` when two rows match (the key was not unique), ``ValueError`` for a
    field that is not a column or a ``None`` value.
    """
    alias = alias_for(model, write=for_update)
    connection = connections[alias]
    statement = _select(model, tuple(equals), connection.vendor, alias)
    if for_update and connection.features.has_select_for_update and connection.get_autocommit():
        # As the ORM refuses it: outside a transaction the lock would end with the statement.
        raise TransactionManagementError("get_row(for_update=True) cannot be used outside of a transaction.")
    with connection.cursor() as cursor:
        cursor.execute(
            statement.locking_select if for_update else statement.select,
            _equals(statement.keys, equals.values(), connection),
        )
        rows = cursor.fetchall()
    if not rows:
        return None
    if len(rows) > 1:
        raise model.MultipleObjectsReturned(f"More than one {model.__name__} has {', '.join(equals)} equal.")
    values = [c.convert(value, connection) for c, value in zip(statement.columns, rows[0], strict=True)]
    # What the ORM's iterator does with a row: an instance loaded from ``alias``, not being added.
    return model.from_db(alias, statement.attnames, values)


def row_exists(model: type[Model], **equals: Any) -> bool:
    """Whether a row of ``model`` has fields equal to ``equals`` (``filter(**equals).exists()``)."""
    alias = alias_for(model, write=False)
    connection = connections[alias]
    statement = _select(model, tuple(equals), connection.vendor, alias)
    with connection.cursor() as cursor:
        cursor.execute(statement.exists, _equals(statement.keys, equals.values(), connection))
        return cursor.fetchone() is not None


@dataclass(frozen=True)
class _Write:
    """An INSERT or UPDATE, and the fields whose values it takes, in order (an UPDATE's key last)."""

    sql: str
    fields: tuple[Field, ...]


@functools.cache
def _insert(model: type[Model], with_pk: bool, ignore_conflicts: bool, vendor: str, alias: str) -> _Write:
    connection = connections[alias]
    meta = model._meta
    fields = tuple(field for field in meta.concrete_fields if with_pk or field is not meta.auto_field)
    _fields(model, ())  # refuses a model whose row spreads over several tables
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    suffix = connection.ops.on_conflict_suffix_sql(fields, on_conflict, None, None)
    sql = (
        f"{connection.ops.insert_statement(on_conflict=on_conflict)} "
        f"{connection.ops.quote_name(meta.db_table)} "
        f"({', '.join(connection.ops.quote_name(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    return _Write(sql=f"{sql} {suffix}" if suffix else sql, fields=fields)


def insert_row(instance: Model, *, ignore_conflicts: bool = False) -> bool:
    """
    Insert ``instance`` as a new row (``bulk_create([instance], ignore_conflicts=...)``); return whether it
    was inserted (False only when ``ignore_conflicts`` kept an existing row with the same unique key).

    ``auto_now_add`` and ``auto_now`` fields are set on ``instance`` as the ORM sets them. As ``bulk_create``
    with ``ignore_conflicts``, an auto-increment primary key is not read back: ``instance.pk`` stays None.
    """
    model = type(instance)
    alias = alias_for(model, write=True)
    connection = connections[alias]
    meta = model._meta
    with_pk = meta.auto_field is None or instance.pk is not None
    statement = _insert(model, with_pk, ignore_conflicts, connection.vendor, alias)
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in statement.fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, values)
        return cursor.rowcount > 0


@functools.cache
def _update(model: type[Model], names: tuple[str, ...], vendor: str, alias: str) -> _Write:
    connection = connections[alias]
    meta = model._meta
    if not names:
        raise ValueError(f"No field given to write to the {model.__name__} row.")
    fields = _fields(model, names)
    for field in fields:
        if field.primary_key:
            raise ValueError(f"update_row() does not change the primary key ({model.__name__}.{field.name}).")
    assignments = ", ".join(f"{connection.ops.quote_name(field.column)} = %s" for field in fields)
    return _Write(
        sql=(
            f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {assignments} "  # noqa: S608 -- quoted
            f"WHERE {connection.ops.quote_name(meta.pk.column)} = %s"  # identifiers only
        ),
        fields=fields,
    )


def update_row(instance: Model, fields: Iterable[str]) -> bool:
    """
    Write ``fields`` of ``instance`` to its row (``instance.save(update_fields=fields)``); return whether the
    row was there.

    An ``auto_now`` field among ``fields`` (``modified``) is set to now on ``instance`` first, as ``save()``
    sets it.
    """
    if instance.pk is None:
        raise ValueError(f"update_row() needs a saved {type(instance).__name__} (its primary key is None).")
    model = type(instance)
    alias = alias_for(model, write=True)
    connection = connections[alias]
    statement = _update(model, tuple(fields), connection.vendor, alias)
    values = [
        field.get_db_prep_save(field.pre_save(instance, False), connection) for field in statement.fields
    ]
    values.append(model._meta.pk.get_db_prep_value(instance.pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, values)
        return cursor.rowcount > 0
