"""Sessions live in the database, never only in a cache: logging out, a password change or "log
out other sessions" deletes rows, and every worker reads the session row on each request, so an
ended session is ended everywhere on the next request, even while Redis is unreachable.

SESSION_ENGINE points here; each row also records its member so a member's sessions can be
found without decoding every session."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

from parley.core.prepared import PreparedQuery

if TYPE_CHECKING:
    from parley.accounts.models import MemberSession


@functools.cache
def _session_by_key() -> PreparedQuery[MemberSession, None]:
    """Read on every member's request: compiled once per process (core/prepared.py)."""
    model = SessionStore.get_model_class()
    return PreparedQuery(model, lambda v, shape: model.objects.filter(session_key=v["key"]))


class SessionStore(DatabaseSessionStore["MemberSession"]):
    @classmethod
    def get_model_class(cls) -> type[MemberSession]:
        # From the app registry, not an import: the model's module imports this one (the model
        # names this store as its own, `MemberSession.get_session_store_class`).
        return apps.get_model("accounts", "MemberSession")

    def _get_session_from_db(self) -> MemberSession | None:
        # Django's, with the expiry compared here rather than in SQL (a prepared query's
        # values are ints and strs): an expired row is no session.
        key = self.session_key
        session = _session_by_key().first(None, key=key) if key else None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session

    def create_model_instance(self, data: dict[str, Any]) -> MemberSession:
        instance = super().create_model_instance(data)
        member_id = data.get(SESSION_KEY)
        instance.member_id = int(member_id) if member_id is not None else None
        return instance
