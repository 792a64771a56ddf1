"""The demo board: built through the services, counters consistent, loaded once only."""

import re
from datetime import timedelta

import pytest
from django.db.models import Count, Q
from django.test import TestCase
from django.utils import timezone

from parley.accounts.models import Member
from parley.demo import DemoResult, load_demo, parse_script
from parley.feeds.models import ImportedEntry
from parley.forums.models import Category, Forum, Post, Prefix, Thread

pytestmark = pytest.mark.django_db

POST_LINK = re.compile(r"/posts/(\d+)/")


def test_admin_password_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("PARLEY_ADMIN_PASSWORD", "harbour-lights-at-dusk-42")
    result = load_demo()
    assert result.admin_password == "harbour-lights-at-dusk-42"
    assert Member.objects.get(username="admin").check_password("harbour-lights-at-dusk-42")


def test_scripts_parse_into_posts_and_reject_forward_quotes():
    posts = parse_script("@H\nFirst line\nwrapped.\n\n- item one\n- item two\n\n@T >0\nReply.\n")
    assert [(p.author, p.quotes) for p in posts] == [("H", None), ("T", 0)]
    assert posts[0].body == "First line wrapped.\n\n- item one\n- item two"
    with pytest.raises(ValueError, match="comes later"):
        parse_script("@H\nFirst.\n\n@T >1\nQuoting the future.\n")


class LoadedDemoTests(TestCase):
    """The demo is loaded once for these (each test's changes are rolled back)."""

    demo: DemoResult

    @classmethod
    def setUpTestData(cls) -> None:
        result = load_demo(now=timezone.now())
        assert result is not None
        cls.demo = result

    def test_breaking_news_thread_has_a_source_and_spans_three_pages(self) -> None:
        thread = Thread.objects.get(prefix__title="Breaking news", pk=self.demo.breaking_thread.pk)
        assert thread.source_name
        assert thread.source_url.startswith("https://") and "example." in thread.source_url
        visible = Post.objects.filter(thread=thread, is_deleted=False)
        assert visible.count() >= 41
        assert thread.reply_count == visible.count() - 1
        assert list(visible.values_list("position", flat=True)) == list(
            range(1, visible.count() + 1)
        )

    def test_breaking_thread_is_recent_and_replies_follow_in_time(self) -> None:
        now = timezone.now()
        times = list(
            Post.objects.filter(thread=self.demo.breaking_thread).values_list(
                "created_at", flat=True
            )
        )
        assert timedelta(minutes=100) < now - times[0] < timedelta(minutes=140)
        assert times == sorted(times) and len(set(times)) == len(times)
        assert timedelta(0) < now - times[-1] < timedelta(minutes=15)

    def test_quotes_link_to_earlier_posts_in_the_same_thread(self) -> None:
        quoting = 0
        for post in Post.objects.filter(thread=self.demo.breaking_thread):
            ids = {int(i) for i in POST_LINK.findall(post.body_html)}
            if ids:
                quoting += 1
                quoted = Post.objects.filter(
                    pk__in=ids, thread=post.thread, position__lt=post.position
                )
                assert quoted.count() == len(ids)
        assert quoting >= 10

    def test_board_structure_prefixes_and_flags(self) -> None:
        assert set(Category.objects.values_list("title", flat=True)) == {"World news", "Off-topic"}
        assert Forum.objects.filter(parent__isnull=False).exists()
        assert set(Prefix.objects.values_list("title", "colour")) == {
            ("Breaking news", "red"),
            ("Analysis", "blue"),
            ("Opinion", "orange"),
            ("Rumour", "grey"),
        }
        assert Thread.objects.get(title="Posting guidelines").is_sticky
        assert Thread.objects.filter(is_locked=True).count() == 1
        assert 7 <= Thread.objects.count() <= 11
        assert Thread.objects.count() == self.demo.thread_count
        assert Post.objects.count() == self.demo.post_count
        admin = Member.objects.get(username=self.demo.admin_username)
        assert admin.is_superuser and admin.is_staff
        assert admin.check_password(self.demo.admin_password)
        joined = sorted(Member.objects.values_list("date_joined", flat=True))
        assert joined[-1] - joined[0] > timedelta(days=3 * 365)
        assert len(set(Member.objects.values_list("time_zone", flat=True))) >= 6

    def test_markup_variety_survives_rendering(self) -> None:
        html = "".join(Post.objects.values_list("body_html", flat=True))
        for fragment in ("<strong>", "<ul>", "<ol>", "<a ", "<code", "<blockquote"):
            assert fragment in html
        assert "spoiler" in html

    def test_denormalised_counters_match_rows(self) -> None:
        for member in Member.objects.annotate(
            visible=Count(
                "posts", filter=Q(posts__is_deleted=False, posts__thread__is_deleted=False)
            )
        ):
            assert member.message_count == member.visible
        for forum in Forum.objects.all():
            threads = Thread.objects.filter(forum=forum, is_deleted=False)
            assert forum.thread_count == threads.count()
            assert (
                forum.post_count
                == Post.objects.filter(thread__in=threads, is_deleted=False).count()
            )
        for thread in Thread.objects.all():
            last = thread.posts.order_by("-position").first()
            assert thread.last_post_id == last.pk and thread.last_post_at == last.created_at

    def test_second_load_returns_none_and_writes_nothing(self) -> None:
        counts = (Member.objects.count(), Thread.objects.count(), Post.objects.count())
        assert load_demo() is None
        assert (Member.objects.count(), Thread.objects.count(), Post.objects.count()) == counts

    def test_content_is_deterministic(self) -> None:
        first = list(Post.objects.order_by("pk").values_list("author_name", "body_source"))
        Thread.objects.all().delete()
        Member.objects.all().delete()
        Forum.objects.all().delete()
        Category.objects.all().delete()
        Prefix.objects.all().delete()
        ImportedEntry.objects.all().delete()  # the importer's memory, or the stories are skipped
        load_demo()
        again = list(Post.objects.order_by("pk").values_list("author_name", "body_source"))
        ids = re.compile(r"\d+")  # row ids differ between loads; the words must not
        assert [(a, ids.sub("#", b)) for a, b in first] == [(a, ids.sub("#", b)) for a, b in again]
