"""Replying, starting threads, quoting, editing and deleting, and what bad input does."""

from __future__ import annotations

from django.test import Client, TestCase

from parley.accounts.models import Member
from parley.forums import services
from parley.forums.models import BODY_MAX_CHARS, Forum, Post, Thread
from parley.forums.services.structure import make_locked, make_sticky
from tests.world import build_world


class ReplyTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.thread = cls.w.short_thread
        cls.reply_url = f"/threads/{cls.thread.slug}.{cls.thread.pk}/reply"

    def setUp(self) -> None:
        self.client.force_login(self.w.member)

    def _counts(self) -> tuple[int, int, int]:
        thread = Thread.objects.get(pk=self.thread.pk)
        return (
            thread.reply_count,
            Forum.objects.get(pk=self.thread.forum_id).post_count,
            Member.objects.get(pk=self.w.member.pk).message_count,
        )

    def test_reply_lands_on_its_post_and_updates_counters(self) -> None:
        before = self._counts()
        response = self.client.post(
            self.reply_url, {"body": "Green, always.", "client_token": "abc1"}
        )
        post = Post.objects.get(thread=self.thread, body_source="Green, always.")
        self.assertRedirects(response, f"/posts/{post.pk}/", fetch_redirect_response=False)
        self.assertEqual(post.position, 2)
        self.assertEqual(self._counts(), (before[0] + 1, before[1] + 1, before[2] + 1))
        thread = Thread.objects.get(pk=self.thread.pk)
        self.assertEqual(thread.last_post_id, post.pk)
        page = self.client.get(self.thread.get_absolute_url()).content.decode()
        self.assertIn("Green, always.", page)
        self.assertIn("#2</a>", page)

    def test_double_submit_creates_one_post(self) -> None:
        data = {"body": "Only once please", "client_token": "tok123"}
        self.client.post(self.reply_url, data)
        self.client.post(self.reply_url, data)
        self.assertEqual(Post.objects.filter(body_source="Only once please").count(), 1)

    def test_empty_body_is_refused_with_a_message(self) -> None:
        before = Post.objects.count()
        response = self.client.post(self.reply_url, {"body": "   \n "})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Please enter a message.")
        self.assertEqual(Post.objects.count(), before)

    def test_over_long_body_keeps_the_typed_text(self) -> None:
        body = "word " * (BODY_MAX_CHARS // 5 + 10)
        response = self.client.post(self.reply_url, {"body": body})
        self.assertContains(response, "the limit is 50,000")
        self.assertContains(response, "word word word")
        self.assertFalse(Post.objects.filter(body_source__startswith="word word").exists())

    def test_control_characters_are_removed(self) -> None:
        self.client.post(self.reply_url, {"body": "bell\x07 and null\x00 gone"})
        post = Post.objects.filter(thread=self.thread).order_by("-id").first()
        self.assertEqual(post.body_source, "bell and null gone")

    def test_script_is_inert(self) -> None:
        self.client.post(
            self.reply_url,
            {"body": '<script>alert("x")</script> [url=javascript:alert(1)]go[/url]'},
        )
        page = self.client.get(self.thread.get_absolute_url()).content.decode()
        self.assertNotIn('<script>alert("x")', page)
        self.assertIn("&lt;script&gt;", page)
        self.assertNotIn('href="javascript:', page)

    def test_preview_renders_without_posting(self) -> None:
        before = Post.objects.count()
        response = self.client.post(self.reply_url, {"body": "**bold idea**", "preview": "1"})
        self.assertContains(response, "<strong>bold idea</strong>")
        self.assertContains(response, "**bold idea**")  # still in the editor
        self.assertEqual(Post.objects.count(), before)

    def test_quotes_prefill_the_reply(self) -> None:
        first = Post.objects.get(thread=self.w.long_thread, position=3)
        second = Post.objects.get(thread=self.w.long_thread, position=4)
        url = f"{self.w.long_thread.reply_url()}?quote={first.pk}&quote={second.pk}"
        html = self.client.get(url).content.decode()
        self.assertIn(f"post: {first.pk}, member: {first.author_id}", html)
        self.assertIn(f"post: {second.pk}, member: {second.author_id}", html)
        response = self.client.get(f"/posts/{first.pk}/quote")
        self.assertEqual(response.status_code, 200)
        self.assertIn('[quote="Bob', response.content.decode())

    def test_reply_with_quote_links_to_quoted_post(self) -> None:
        quoted = Post.objects.get(thread=self.w.long_thread, position=3)
        body = services_quote(quoted) + "I disagree."
        self.client.post(
            f"/threads/{self.w.long_thread.slug}.{self.w.long_thread.pk}/reply", {"body": body}
        )
        post = Post.objects.get(thread=self.w.long_thread, body_source__endswith="I disagree.")
        self.assertIn(f'href="/posts/{quoted.pk}/"', post.body_html)
        self.assertIn("Bob said:", post.body_html)

    def test_locked_thread_refuses_replies(self) -> None:
        t = self.w.locked_thread
        response = self.client.post(f"/threads/{t.slug}.{t.pk}/reply", {"body": "let me in"})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Post.objects.filter(body_source="let me in").exists())

    def test_guest_is_sent_to_log_in(self) -> None:
        response = Client().post(self.reply_url, {"body": "anon"})
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login/", response["Location"])
        self.assertFalse(Post.objects.filter(body_source="anon").exists())

    def test_csrf_is_enforced(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.w.member)
        response = client.post(self.reply_url, {"body": "forged"})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Post.objects.filter(body_source="forged").exists())


def services_quote(post: Post) -> str:
    from parley.core.markup import quote_source

    return quote_source(
        author_name=post.author_name,
        post_id=post.pk,
        member_id=post.author_id,
        body_source=post.body_source,
    )


class NewThreadTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.url = f"/forums/{cls.w.news.slug}.{cls.w.news.pk}/post-thread"

    def setUp(self) -> None:
        self.client.force_login(self.w.other)

    def test_start_a_news_thread_with_prefix_and_source(self) -> None:
        threads_before = Forum.objects.get(pk=self.w.news.pk).thread_count
        response = self.client.post(
            self.url,
            {
                "title": "Ferry strike called off",
                "prefix": self.w.breaking.pk,
                "body": "Unions and the port agreed overnight.",
                "source_name": "Harbour Herald",
                "source_url": "https://example.com/ferry",
                "client_token": "t1",
            },
        )
        thread = Thread.objects.get(title="Ferry strike called off")
        self.assertRedirects(response, thread.get_absolute_url())
        self.assertEqual((thread.reply_count, thread.last_position), (0, 1))
        news = Forum.objects.get(pk=self.w.news.pk)
        self.assertEqual(news.thread_count, threads_before + 1)
        html = self.client.get(thread.get_absolute_url()).content.decode()
        self.assertIn("Harbour Herald", html)
        self.assertIn("Breaking news", html)

    def test_empty_title_keeps_the_body(self) -> None:
        response = self.client.post(self.url, {"title": "", "body": "My carefully typed story"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Please enter a title of at least 3 characters.")
        self.assertContains(response, "My carefully typed story")
        self.assertFalse(Thread.objects.filter(forum=self.w.news, title="").exists())

    def test_over_long_title_is_refused(self) -> None:
        response = self.client.post(self.url, {"title": "x" * 160, "body": "body"})
        self.assertContains(response, "Please keep the title under 150 characters")

    def test_bad_source_link_is_refused(self) -> None:
        response = self.client.post(
            self.url,
            {
                "title": "Valid",
                "body": "b",
                "source_name": "X",
                "source_url": "javascript:alert(1)",
            },
        )
        self.assertContains(response, "Enter a valid URL.")
        self.assertFalse(Thread.objects.filter(title="Valid").exists())

    def test_a_source_link_the_service_refuses_is_shown_under_the_link_field(self) -> None:
        from html.parser import HTMLParser

        class FieldErrors(HTMLParser):
            """Error texts inside the field block that holds the source link input."""

            def __init__(self) -> None:
                super().__init__()
                self.depth, self.errors, self.in_error, self.value = 0, [], False, None

            def handle_starttag(self, tag, attrs) -> None:  # type: ignore[no-untyped-def]
                a = dict(attrs)
                if tag == "input" and a.get("name") == "source_url":
                    self.value = a.get("value")
                if tag == "p" and "field-error" in (a.get("class") or ""):
                    self.in_error = True

            def handle_endtag(self, tag: str) -> None:
                self.in_error = False if tag == "p" else self.in_error

            def handle_data(self, data: str) -> None:
                if self.in_error:
                    self.errors.append(data.strip())

        response = self.client.post(
            self.url,
            {"title": "Ftp", "body": "b", "source_name": "X", "source_url": "ftp://example.org/a"},
        )
        self.assertEqual(response.status_code, 200)
        parser = FieldErrors()
        parser.feed(response.content.decode())
        self.assertIn(
            "The source link must be a web address starting with http:// or https://.",
            parser.errors,
        )
        self.assertEqual(parser.value, "ftp://example.org/a")  # kept as typed
        self.assertFalse(Thread.objects.filter(title="Ftp").exists())

    def test_guest_sees_no_post_thread_button(self) -> None:
        html = Client().get(self.w.news.get_absolute_url()).content.decode()
        self.assertNotIn("post-thread", html)


class EditDeleteTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def _own_reply(self) -> Post:
        return services.reply_to_thread(
            actor=self.w.member, thread=self.w.short_thread, body="Typo hre"
        )

    def test_edit_own_post_shows_last_edited(self) -> None:
        post = self._own_reply()
        self.client.force_login(self.w.member)
        response = self.client.post(
            f"/posts/{post.pk}/edit", {"body": "Typo here", "edit_count": 0}
        )
        self.assertEqual(response.status_code, 302)
        post.refresh_from_db()
        self.assertEqual((post.body_source, post.edit_count), ("Typo here", 1))
        self.assertIsNotNone(post.edited_at)
        html = self.client.get(self.w.short_thread.get_absolute_url()).content.decode()
        self.assertIn("Last edited", html)

    def test_editing_someone_elses_post_is_refused(self) -> None:
        post = self._own_reply()
        self.client.force_login(self.w.other)
        response = self.client.post(f"/posts/{post.pk}/edit", {"body": "hijacked", "edit_count": 0})
        self.assertEqual(response.status_code, 403)
        post.refresh_from_db()
        self.assertEqual(post.body_source, "Typo hre")

    def test_stale_editor_gets_a_conflict_not_an_overwrite(self) -> None:
        post = self._own_reply()
        services.edit_post(
            actor=self.w.member, post=post, body="Edited in another tab", base_edit_count=0
        )
        self.client.force_login(self.w.member)
        response = self.client.post(
            f"/posts/{post.pk}/edit", {"body": "My stale version", "edit_count": 0}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "This post was changed while you were editing it")
        self.assertContains(response, "Edited in another tab")
        self.assertContains(response, "My stale version")
        post.refresh_from_db()
        self.assertEqual(post.body_source, "Edited in another tab")

    def test_first_post_edit_can_change_the_title(self) -> None:
        t = self.w.short_thread
        self.client.force_login(self.w.other)
        self.client.post(
            f"/posts/{t.first_post_id}/edit",
            {"title": "Favourite tea, ranked", "body": "Green or black?", "edit_count": 0},
        )
        self.assertEqual(Thread.objects.get(pk=t.pk).title, "Favourite tea, ranked")

    def test_delete_own_reply_keeps_positions_and_counters_right(self) -> None:
        t = self.w.long_thread
        victim = Post.objects.get(thread=t, position=10)
        self.assertEqual(victim.author_id, self.w.member.pk)
        before_member = Member.objects.get(pk=self.w.member.pk).message_count
        before_forum = Forum.objects.get(pk=t.forum_id).post_count
        self.client.force_login(self.w.member)
        response = self.client.post(f"/posts/{victim.pk}/delete")
        self.assertEqual(response.status_code, 302)
        t.refresh_from_db()
        self.assertEqual(t.reply_count, 43)
        self.assertEqual(t.last_position, 44)
        visible = list(
            Post.objects.filter(thread=t, is_deleted=False)
            .order_by("position")
            .values_list("position", flat=True)
        )
        self.assertEqual(visible, list(range(1, 45)))
        self.assertEqual(Member.objects.get(pk=self.w.member.pk).message_count, before_member - 1)
        self.assertEqual(Forum.objects.get(pk=t.forum_id).post_count, before_forum - 1)
        html = self.client.get(t.get_absolute_url()).content.decode()
        self.assertNotIn("Reply number 10<", html)
        self.assertEqual(self.client.get(f"/posts/{victim.pk}/").status_code, 404)

    def test_deleting_someone_elses_post_is_refused(self) -> None:
        victim = Post.objects.get(thread=self.w.long_thread, position=3)
        self.client.force_login(self.w.member)
        self.assertEqual(self.client.post(f"/posts/{victim.pk}/delete").status_code, 403)
        self.assertFalse(Post.objects.get(pk=victim.pk).is_deleted)

    def test_deleting_the_last_post_moves_last_post_back(self) -> None:
        post = self._own_reply()
        services.delete_post(actor=self.w.member, post=post)
        t = Thread.objects.get(pk=self.w.short_thread.pk)
        self.assertEqual(t.last_post_id, t.first_post_id)
        self.assertEqual(t.reply_count, 0)


def _reason(title: str) -> int:
    from parley.moderation.models import ReportReason

    return ReportReason.objects.get(title=title).pk


class ReportTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def test_member_reports_a_post(self) -> None:
        post = Post.objects.get(thread=self.w.long_thread, position=3)
        self.client.force_login(self.w.member)
        response = self.client.post(
            f"/posts/{post.pk}/report",
            {"reason": _reason("Off-topic"), "message": "rude"},
            follow=True,
        )
        self.assertContains(response, "Thank you for reporting this post")
        self.assertEqual(post.reports.get().entries.get().message, "rude")

    def test_reason_is_required(self) -> None:
        post = Post.objects.get(thread=self.w.long_thread, position=3)
        self.client.force_login(self.w.member)
        response = self.client.post(f"/posts/{post.pk}/report", {"message": "keep me"})
        self.assertContains(response, "Please choose the rule this post breaks.")
        self.assertContains(response, "keep me")

    def test_guest_cannot_report(self) -> None:
        post = Post.objects.get(thread=self.w.long_thread, position=3)
        response = self.client.post(
            f"/posts/{post.pk}/report", {"reason": _reason("Something else")}
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(post.reports.exists())


class RerenderTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def test_posts_from_an_older_renderer_are_rendered_again(self) -> None:
        from io import StringIO

        from django.core.management import call_command

        from parley.core.markup import RENDERER_VERSION

        post = Post.objects.get(thread=self.w.short_thread, position=1)
        Post.objects.filter(pk=post.pk).update(body_html="<p>stale</p>", renderer_version=0)
        out = StringIO()
        call_command("rerender_posts", stdout=out)
        post.refresh_from_db()
        self.assertEqual(post.body_html.strip(), "<p>Green or black?</p>")
        self.assertEqual(post.renderer_version, RENDERER_VERSION)
        self.assertIn("Re-rendered 1 post(s).", out.getvalue())


class DemoStateTests(TestCase):
    """The demo's sticky and locked threads come from these two services."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def test_make_sticky_and_make_locked_store_only_their_flag(self) -> None:
        thread = self.w.short_thread
        make_sticky(thread)
        stored = Thread.objects.get(pk=thread.pk)
        self.assertEqual((stored.is_sticky, stored.is_locked), (True, False))
        make_locked(Thread.objects.get(pk=thread.pk))
        stored = Thread.objects.get(pk=thread.pk)
        self.assertEqual((stored.is_sticky, stored.is_locked), (True, True))
