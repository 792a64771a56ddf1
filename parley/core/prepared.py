"""Prepared queries: an ORM query whose SQL is compiled once per process, then run with new values.

Django compiles a queryset's SQL afresh each time it is evaluated. For a small query by key (a
thread page's thread, its page of posts) compiling costs several times what running it does.
A `PreparedQuery` builds its queryset with stand-in values, compiles it once per database alias
and per *shape* (a key the caller gives when the SQL's text varies, e.g. with who reads), and
from then on runs that SQL with the caller's values put where the stand-ins were.

What stays as with the ORM:
- the database is the router's choice (`router.db_for_read`, read replicas included; or
  `db_for_write` for a write path's reads), asked on every run as a queryset asks when it is
  evaluated;
- a `select_for_update()` query locks its rows, and runs only inside a transaction;
- the SQL goes through `connection.cursor()`, so query capture (`CaptureQueriesContext`,
  `django_assert_num_queries`), connection execute wrappers and the debug log all see it;
- rows become instances as `ModelIterable` makes them: `Model.from_db` (so `_state.db` is the
  alias and `_state.adding` False), the backend's and the fields' converters (timezone-aware
  datetimes, booleans on SQLite), `select_related` objects attached, annotations set;
- a filter that can match nothing (`pk__in=[]`) runs no query and gives no rows.

How values find their place: the queryset is built and compiled twice, with two sets of
sentinels (distinctive ints that fit every integer column, Django's range checks included, or
distinctive strings). Each sentinel must appear exactly once among the compiled parameters, at
the same place in both, every other parameter must be the same in both, and so must the SQL
text. Anything else fails loudly when first compiled (`PreparationError`): a value the
queryset never uses, uses twice or transforms (`__contains` wraps it in %), writes into the SQL
itself (a slice's LIMIT: make it part of the shape), or one that decides the SQL's shape; and
so does a constant that differs between the two builds (`timezone.now()` would be frozen).
The one change kept is a subclass of the value's own type: on PostgreSQL Django passes an int
compared with an integer column as psycopg's `Int4(value)`, and each run's value is wrapped
alike. Values are ints (within 64 bits) or strs; each later run must give the same names with
the same types. Django drops a filter whose int lies beyond its column's range (no query);
here the database compares it, so callers keep values in range (PostgreSQL refuses an `Int4`
beyond it).

Threads: compiled state is immutable once made and published with one dict operation; two
threads compiling the same key at once both compile, and one result is kept. Converters that
are methods of the compiling connection's `ops` are bound afresh to the running connection's
(Django's connections are per thread); Django's other converters keep no connection."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=Model)
S = TypeVar("S", bound=Hashable)

Value = int | str
# Two sets of stand-ins, far from the small numbers queries write as constants, inside every
# integer column's range (PositiveSmallIntegerField's is 0..32767 on PostgreSQL; beyond it
# Django drops the whole filter at compile time).
_INT_FIRST, _INT_SECOND, _INT_STEP = 28_001, 30_001, 7
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1  # what a signed 64-bit column holds
MAX_VALUES = 250  # keeps both int sentinel sets apart and below 32767
MAX_SHAPES = 32  # per prepared query: more means a value has crept into the shape key


class PreparationError(Exception):
    """The queryset cannot be prepared as asked (raised when it is first compiled)."""


def _sentinel(kind: type, index: int, name: str, second: bool) -> Value:
    if kind is int:
        return (_INT_SECOND if second else _INT_FIRST) + _INT_STEP * index
    return f"\x1eprepared:{name}:{'b' if second else 'a'}\x1e"


def _is(value: object, sentinel: Value) -> bool:
    """The sentinel, as is or in a subclass of its type (on PostgreSQL Django hands psycopg an
    int of an integer column as `Int4(value)`); never a bool, though True == 1."""
    return isinstance(value, type(sentinel)) and not isinstance(value, bool) and value == sentinel


class _Sentinels(dict[str, Value]):
    """What a build function reads its values from: reading one the caller did not give fails."""

    def __missing__(self, name: str) -> Value:
        raise PreparationError(
            f"The query reads the value {name!r}, which the caller did not give."
        )


@dataclass(frozen=True)
class _Compiled:
    """One shape's SQL on one alias, and how its rows become instances. Read-only."""

    names: Mapping[str, type]  # each value's name and type, as first given
    empty: bool  # the filter can match nothing: no query
    locks: bool = False  # select_for_update(): only inside a transaction
    sql: str = ""
    params: tuple[Any, ...] = ()  # the constants; a value's slot holds its first sentinel
    # (value name, index in params, the type the compiler wrapped it in, if not its own)
    slots: tuple[tuple[str, int, type | None], ...] = ()
    model: type[Model] | None = None  # possibly a deferred-fields class, as Django makes it
    init_list: tuple[str, ...] = ()
    model_cols: slice | None = None  # the base model's columns
    populators: tuple[Any, ...] = ()  # Django's RelatedPopulators (read-only once built)
    annotations: tuple[tuple[str, int], ...] = ()
    # (column, converters, expression); a converter is (function, bind to the connection's ops)
    converters: tuple[tuple[int, tuple[tuple[Callable[..., Any], bool], ...], Any], ...] = ()
    trim_to: int | None = None  # columns past this are extra ORDER BY columns

    def instances(self, alias: str, rows: list[tuple[Any, ...]]) -> Iterator[Model]:
        assert self.model is not None and self.model_cols is not None
        connection = connections[alias]
        ops = connection.ops
        converters = [
            (col, [f.__get__(ops) if bound else f for f, bound in convs], expression)
            for col, convs, expression in self.converters
        ]
        from_db, init_list, cols = self.model.from_db, self.init_list, self.model_cols
        for raw in rows:
            row: Any = raw if self.trim_to is None else raw[: self.trim_to]
            if converters:
                row = list(row)
                for col, convs, expression in converters:
                    value = row[col]
                    for convert in convs:
                        value = convert(value, expression, connection)
                    row[col] = value
            obj = from_db(alias, init_list, row[cols])
            for populator in self.populators:
                populator.populate(row, obj)
            for attr, col in self.annotations:
                setattr(obj, attr, row[col])
            yield obj


class PreparedQuery(Generic[M, S]):
    """A query by key whose SQL is compiled once per process, alias and shape.

    `build(values, shape)` returns the queryset for `shape`, reading each value from `values`
    (the same for every call: it runs only when a shape is first compiled on an alias, with
    stand-ins). `shape` names everything that changes the SQL's text, from a small set: who
    reads, a LIMIT, a list's length. Values change only the parameters.

        THREAD = PreparedQuery(Thread, lambda v, shape: Thread.objects.filter(pk=v["id"]))
        thread = THREAD.first(None, id=thread_id)
    """

    def __init__(
        self,
        model: type[M],
        build: Callable[[Mapping[str, Any], S], QuerySet[M]],
        *,
        for_write: bool = False,
    ) -> None:
        """`for_write`: the query runs where writes go (`router.db_for_write`) and may lock its
        rows (`select_for_update()`), for a write path's reads inside its transaction."""
        self.model = model
        self.build = build
        self.for_write = for_write
        self._compiled: dict[tuple[str, S], _Compiled] = {}

    def fetch(self, shape: S, /, **values: Value) -> list[M]:
        """The rows for these values, as instances (one query, or none for an empty filter)."""
        alias = (router.db_for_write if self.for_write else router.db_for_read)(self.model)
        compiled = self._compiled.get((alias, shape))
        if compiled is None:
            compiled = self._compile(alias, shape, values)
        if compiled.names.keys() != values.keys():
            raise PreparationError(
                f"Shape {shape!r} takes the values {sorted(compiled.names)}, not {sorted(values)}."
            )
        for name, kind in compiled.names.items():
            value = values[name]
            if type(value) is not kind:
                raise TypeError(f"{name!r} was prepared as {kind.__name__}: {value!r}")
            if kind is int and not _INT_MIN <= value <= _INT_MAX:  # type: ignore[operator]
                # SQLite's driver would raise OverflowError (the ORM drops such a filter).
                raise ValueError(f"{name!r}: {value} is beyond a 64-bit column's range.")
        if compiled.empty:
            return []
        if compiled.locks and connections[alias].get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = list(compiled.params)
        for name, index, wrap in compiled.slots:
            params[index] = values[name] if wrap is None else wrap(values[name])
        with connections[alias].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return list(compiled.instances(alias, rows))  # type: ignore[arg-type]

    def first(self, shape: S, /, **values: Value) -> M | None:
        """The first row's instance, or None (for a query by a unique key)."""
        rows = self.fetch(shape, **values)
        return rows[0] if rows else None

    def shapes(self) -> list[tuple[str, S]]:
        """The (alias, shape) keys compiled so far in this process."""
        return list(self._compiled)

    # --- Compiling --------------------------------------------------------------------------

    def _compile(self, alias: str, shape: S, values: Mapping[str, Value]) -> _Compiled:
        if len({s for _, s in self._compiled} | {shape}) > MAX_SHAPES:
            raise PreparationError(
                f"More than {MAX_SHAPES} shapes of one prepared query: is a value in the shape?"
            )
        if len(values) > MAX_VALUES:
            raise PreparationError(f"At most {MAX_VALUES} values.")
        names: dict[str, type] = {}
        for name, value in values.items():
            if type(value) not in (int, str):
                raise TypeError(f"{name!r}: a prepared value is an int or a str, not {value!r}")
            names[name] = type(value)
        first = _Sentinels(
            {name: _sentinel(kind, i, name, False) for i, (name, kind) in enumerate(names.items())}
        )
        second = _Sentinels(
            {name: _sentinel(kind, i, name, True) for i, (name, kind) in enumerate(names.items())}
        )
        compiler_a, sql_a, params_a = self._as_sql(alias, first, shape)
        _, sql_b, params_b = self._as_sql(alias, second, shape)
        if (sql_a is None) != (sql_b is None) or sql_a != sql_b:
            raise PreparationError(
                "The values change the SQL itself (one is written into it, as a slice's LIMIT "
                "is, or decides the query's shape): make it part of the shape."
            )
        if sql_a is None:
            compiled = _Compiled(names=names, empty=True)
        else:
            slots = _slots(first, second, params_a, params_b)
            compiled = self._layout(compiler_a, alias, names, sql_a, params_a, slots)
            if compiler_a.query.select_for_update:
                compiled = dataclasses.replace(compiled, locks=True)
        return self._compiled.setdefault((alias, shape), compiled)

    def _as_sql(
        self, alias: str, values: _Sentinels, shape: S
    ) -> tuple[Any, str | None, tuple[Any, ...]]:
        """The compiler, SQL and parameters of the queryset built with these values (no SQL when
        its filter can match nothing, as Django runs no query then)."""
        qs = self.build(values, shape)
        if not isinstance(qs, QuerySet) or qs.model is not self.model:
            raise PreparationError(f"The build must return a queryset of {self.model.__name__}.")
        if qs._iterable_class is not ModelIterable:
            raise PreparationError("Only querysets of model instances (no values(), no raw).")
        state = vars(qs)  # private to Django, and not in its type stubs
        if state["_prefetch_related_lookups"] or state["_known_related_objects"]:
            raise PreparationError("prefetch_related and related managers' querysets: not here.")
        if state["_db"] is not None:
            raise PreparationError("using(): the router chooses here.")
        if state["_for_write"] and not self.for_write:
            raise PreparationError("select_for_update() needs PreparedQuery(..., for_write=True).")
        compiler = qs.query.get_compiler(using=alias)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return compiler, None, ()
        if not sql:
            return compiler, None, ()
        return compiler, sql, tuple(params)

    def _layout(
        self,
        compiler: Any,
        alias: str,
        names: Mapping[str, type],
        sql: str,
        params: tuple[Any, ...],
        slots: tuple[tuple[str, int, type | None], ...],
    ) -> _Compiled:
        """How ModelIterable turns this compiler's rows into instances, worked out once."""
        select, klass_info = compiler.select, compiler.klass_info
        fields = [s[0] for s in select[: compiler.col_count]]
        if compiler.has_composite_fields(fields):
            raise PreparationError("Composite primary keys are not supported.")
        ops = compiler.connection.ops
        converters = []
        for col, (convs, expression) in compiler.get_converters(fields).items():
            unbound = tuple(
                (c.__func__, True) if getattr(c, "__self__", None) is ops else (c, False)
                for c in convs
            )
            converters.append((col, unbound, expression))
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        return _Compiled(
            names=names,
            empty=False,
            sql=sql,
            params=params,
            slots=slots,
            model=klass_info["model"],
            init_list=tuple(f[0].target.attname for f in select[start:end]),
            model_cols=slice(start, end),
            # The stubs follow a later Django, which added an argument.
            populators=tuple(get_related_populators(klass_info, select, alias)),  # type: ignore[call-arg]
            annotations=tuple((compiler.annotation_col_map or {}).items()),
            converters=tuple(converters),
            trim_to=compiler.col_count if compiler.has_extra_select else None,
        )


def _slots(
    first: Mapping[str, Value],
    second: Mapping[str, Value],
    params_a: tuple[Any, ...],
    params_b: tuple[Any, ...],
) -> tuple[tuple[str, int, type | None], ...]:
    """Where each value goes among the parameters: its sentinel exactly once, at the same index
    and in the same type in both compilations, and every other parameter unchanged between
    them. A value the compiler wrapped in a subclass of its type (psycopg's `Int4`) is wrapped
    alike when run."""
    if len(params_a) != len(params_b):
        raise PreparationError("The values change how many parameters the SQL takes.")
    slots = []
    for name, sentinel in first.items():
        found = [i for i, p in enumerate(params_a) if _is(p, sentinel)]
        if len(found) != 1:
            raise PreparationError(
                f"The value {name!r} appears {len(found)} times among the compiled parameters, "
                "not once (unused, used twice, or transformed on the way: a lookup that wraps "
                "or converts it cannot be prepared)."
            )
        index = found[0]
        wrap = type(params_a[index])
        if not _is(params_b[index], second[name]) or type(params_b[index]) is not wrap:
            raise PreparationError(f"The value {name!r} does not reach the SQL unchanged.")
        slots.append((name, index, None if wrap is type(first[name]) else wrap))
    taken = {index for _, index, _ in slots}
    for i, (a, b) in enumerate(zip(params_a, params_b, strict=True)):
        if i not in taken and not (type(a) is type(b) and a == b):
            raise PreparationError(
                f"Parameter {i} depends on a value without being that value ({a!r}, {b!r})."
            )
    return tuple(sorted(slots, key=itemgetter(1)))
