"""SQLite tuning lives in settings (`init_command`, IMMEDIATE transactions, busy timeout); this
module is imported at start-up so the guarantee is visible in one place and checked."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.db.models import Field, Model


@checks.register(checks.Tags.database)
def check_sqlite_concurrency(
    app_configs: object = None, **kwargs: object
) -> list[checks.CheckMessage]:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != settings.SQLITE_ENGINE:
        return []
    options = db.get("OPTIONS", {})
    if options.get("transaction_mode") != "IMMEDIATE" or "journal_mode=WAL" not in options.get(
        "init_command", ""
    ):
        return [
            checks.Warning(
                "SQLite is not opened for concurrent writers (WAL + IMMEDIATE transactions).",
                id="parley.W001",
            )
        ]
    return []


def concrete_field(model: type[Model], field_name: str) -> Field[Any, Any]:
    """A model's field that is a column ("pk": its primary key), or ValueError."""
    field = model._meta.pk if field_name == "pk" else model._meta.get_field(field_name)
    if not isinstance(field, Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{field_name} is not a column")
    return field


def column(model: type[Model], field_name: str) -> str:
    """The database column of a model's concrete field ("pk": its primary key), for SQL written
    by hand; not quoted."""
    return str(concrete_field(model, field_name).column)
