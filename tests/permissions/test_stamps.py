"""Permission changes reach every worker on the next request: tables are cached per process and
in the shared cache, keyed by a stamp each request reads from the database."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import TestCase, override_settings

from parley.core import stamps
from parley.core.models import Stamp
from parley.forums.models import Forum
from parley.moderation.discipline import services as discipline
from parley.permissions import grants
from parley.permissions.guardian import perms_for
from parley.permissions.services import add_forum_moderator
from tests.world import build_world, make_member

DEAD_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def another_worker_bumps() -> None:
    """What a change made in another process looks like from here: the stamp row moves and
    nothing in this process is told."""
    Stamp.objects.filter(name=stamps.PERMS).update(value=Stamp.objects.get(name="perms").value + 1)


class StampTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def setUp(self) -> None:
        stamps.forget_uncommitted_bump()

    def test_a_ban_made_elsewhere_reaches_a_worker_holding_the_old_table(self) -> None:
        self.assertIsNone(perms_for(self.w.member).ban)  # now cached here
        with connection.cursor() as cursor:  # another worker's ban, committed behind our back
            cursor.execute(
                "INSERT INTO moderation_ban (member_id, banned_by_id, reason, created_at)"
                " VALUES (%s, %s, 'Spam', CURRENT_TIMESTAMP)",
                [self.w.member.pk, self.w.admin.pk],
            )
        self.assertIsNone(perms_for(self.w.member).ban)  # same stamp: cached
        another_worker_bumps()
        self.assertIsNotNone(perms_for(self.w.member).ban)

    def test_cached_tables_cost_one_query_per_request(self) -> None:
        perms_for(self.w.member)
        with self.assertNumQueries(1):  # the stamp
            perms = perms_for(self.w.member)
        self.assertTrue(perms.is_member)

    @override_settings(CACHES=DEAD_CACHE)
    def test_bans_hold_when_the_shared_cache_drops_every_write(self) -> None:
        perms_for(self.w.member)
        discipline.ban_member(actor=self.w.admin, member=self.w.member, reason="Flooding")
        self.assertIsNotNone(perms_for(self.w.member).ban)
        discipline.lift_ban(actor=self.w.admin, member=self.w.member)
        self.assertIsNone(perms_for(self.w.member).ban)

    def test_the_stamp_moves_inside_the_changing_transaction(self) -> None:
        before = grants.version()
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            discipline.ban_member(actor=self.w.admin, member=self.w.other, reason="Rude")
        self.assertEqual(grants.version(), before + 1)
        self.assertEqual(callbacks, [])  # nothing left for after commit, which could be lost


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_no_cached_table_behind() -> None:
    w = build_world()
    keeper = make_member("Keeper")
    perms_for(w.member)
    with pytest.raises(RuntimeError), transaction.atomic():
        discipline.ban_member(actor=w.admin, member=w.member, reason="Mistake")
        assert perms_for(w.member).ban is not None  # seen inside its transaction
        raise RuntimeError("rolled back")
    assert perms_for(w.member).ban is None
    # A different change now takes the stamp to the number the rolled-back ban had used.
    before = grants.version()
    add_forum_moderator(member=keeper, forum=Forum.objects.get(pk=w.lounge.pk))
    assert grants.version() == before + 1
    assert perms_for(w.member).ban is None
