"""Single-row writes whose SQL is built once per process: for the hottest write path (a reply),
where Django building an INSERT or UPDATE costs several times what the database spends on it.

`insert(obj, fields)` is `obj.save()` of a new row, and `update(model, pk, values=…, add=…)` is
`Model.objects.filter(pk=pk).update(a=…, b=F("b") + n)`, with the same values on the wire:
each value goes through its field's `get_db_prep_save`, as the ORM sends it (timezone-aware
datetimes, booleans, foreign keys by id). The SQL goes through `connection.cursor()`, so query
capture, connection execute wrappers (the guest page cache's write watcher) and the debug log
see it. On the database the router picks for writes. No model signals are sent and no
`save()` override runs: use these only for models that have neither."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Field, Model
from django.db.models.sql import InsertQuery

from parley.core.db import column, concrete_field

# (alias, model, field names) → (SQL, fields, whether it returns the primary key)
_inserts: dict[
    tuple[str, type[Model], tuple[str, ...]], tuple[str, tuple[Field[Any, Any], ...], bool]
] = {}
# (alias, model, value names, add names) → SQL
_updates: dict[tuple[str, type[Model], tuple[str, ...], tuple[str, ...]], str] = {}


def insert(obj: Model, fields: Sequence[str]) -> None:
    """INSERT `obj` as a new row with these fields (the others take their database defaults,
    so name every field that has none); sets its primary key and state as `save()` does."""
    model = type(obj)
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    key = (alias, model, tuple(fields))
    compiled = _inserts.get(key)
    if compiled is None:
        columns = tuple(concrete_field(model, name) for name in fields)
        query = InsertQuery(model)
        query.insert_values(columns, [obj])
        compiler = query.get_compiler(using=alias)
        returns = bool(connection.features.can_return_columns_from_insert)
        compiler.returning_fields = [model._meta.pk] if returns else None
        ((sql, _params),) = compiler.as_sql()
        compiled = _inserts.setdefault(key, (sql, columns, returns))
    sql, columns, returns = compiled
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in columns]
    pk_field = concrete_field(model, "pk")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returns:
            pk = cursor.fetchone()[0]
        else:
            pk = connection.ops.last_insert_id(cursor, model._meta.db_table, str(pk_field.column))
    obj.pk = pk_field.to_python(pk)
    obj._state.adding = False
    obj._state.db = alias


def update(
    model: type[Model],
    pk: int,
    *,
    values: Mapping[str, Any] | None = None,
    add: Mapping[str, int] | None = None,
) -> int:
    """UPDATE one row by primary key: columns to `values`, numbers `add`ed to columns (in the
    database, as `F(name) + n`: concurrent additions are never lost). Returns the number of
    rows changed (0 or 1)."""
    values, add = values or {}, add or {}
    alias = router.db_for_write(model)
    connection = connections[alias]
    key = (alias, model, tuple(values), tuple(add))
    sql = _updates.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        assignments = [f"{quote(column(model, name))} = %s" for name in values]
        for name in add:
            counter = quote(column(model, name))
            assignments.append(f"{counter} = {counter} + %s")
        if not assignments:
            raise ValueError("Nothing to update.")
        table = quote(model._meta.db_table)
        pk_column = quote(column(model, "pk"))
        statement = f"UPDATE {table} SET {', '.join(assignments)} WHERE {pk_column} = %s"  # noqa: S608 - names from the model
        sql = _updates.setdefault(key, statement)
    params = [
        concrete_field(model, name).get_db_prep_save(v, connection) for name, v in values.items()
    ]
    params += [int(n) for n in add.values()]
    params.append(concrete_field(model, "pk").get_db_prep_save(pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)
