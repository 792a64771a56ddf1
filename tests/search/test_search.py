"""/search/: ranking, phrases and prefixes, each filter, pagination under the cap, what the
page says, and pinned query counts. Runs on SQLite (FTS5) and PostgreSQL (tsvector) alike."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parley.search import queries
from tests.core.parsed import parse
from tests.search.support import SearchTestCase


class RankingTests(SearchTestCase):
    def test_a_title_match_ranks_above_a_body_match(self) -> None:
        found = self.found(q="lighthouse")
        self.assertEqual(found, self.ids("lighthouse_title", "lighthouse_body"))

    def test_relevance_ranks_the_newest_matches_of_the_window(self) -> None:
        # The title match is older than the body match: a window of one keeps the newer only.
        with mock.patch.object(queries, "RANK_WINDOW", 1):
            self.assertEqual(self.found(q="lighthouse"), self.ids("lighthouse_body"))
        with mock.patch.object(queries, "RANK_WINDOW", 2):
            found = self.found(q="lighthouse")
        self.assertEqual(found, self.ids("lighthouse_title", "lighthouse_body"))

    def test_more_mentions_rank_higher(self) -> None:
        self.assertEqual(self.found(q="kelp"), self.ids("kelp_thrice", "kelp_once"))

    def test_every_word_must_match(self) -> None:
        self.assertEqual(self.found(q="kelp crab"), self.ids("kelp_once"))

    def test_newest_first_orders_by_post_time(self) -> None:
        found = self.found(q="teapot", order="newest")
        self.assertEqual(found, self.ids("teapot_now", "teapot_bob", "teapot_alice"))

    def test_words_match_their_other_forms(self) -> None:
        self.assertEqual(
            sorted(self.found(q="cormorants")), sorted(self.ids("cormorant", "cormorants"))
        )


class PhraseAndPrefixTests(SearchTestCase):
    def test_a_phrase_matches_the_words_in_order_only(self) -> None:
        self.assertEqual(self.found(q='"amber tide"'), self.ids("amber_phrase"))
        self.assertEqual(
            sorted(self.found(q="amber tide")), sorted(self.ids("amber_phrase", "amber_apart"))
        )

    def test_a_prefix_matches_every_word_it_starts(self) -> None:
        self.assertEqual(
            sorted(self.found(q="corm*")), sorted(self.ids("cormorant", "cormorants", "cormac"))
        )
        self.assertEqual(self.found(q="cormac*"), self.ids("cormac"))

    def test_an_unbalanced_quote_searches_the_words(self) -> None:
        self.assertEqual(self.found(q='"kelp crab'), self.ids("kelp_once"))

    def test_diacritics_and_punctuation_fold_alike(self) -> None:
        cafe = self.ids("cafe")
        self.assertEqual(self.found(q="cafe"), cafe)
        self.assertEqual(self.found(q="CAFÉ umlaut"), cafe)
        self.assertEqual(self.found(q="example"), cafe)

    def test_matched_words_are_marked(self) -> None:
        page = self.search(q="kelp")
        self.assertEqual(page.marks(), ["Kelp", "kelp", "kelp", "Kelp"])
        page = self.search(q="corm*")
        self.assertIn("cormorants", page.marks())

    def test_a_title_match_is_marked_in_the_title(self) -> None:
        result = self.search(q="lighthouse").results[0]
        title = result.find("a", cls="search-link")
        self.assertEqual([m.text for m in title.find_all("mark")], ["Lighthouse"])


class FilterTests(SearchTestCase):
    def test_a_forum_includes_its_sub_forums(self) -> None:
        w = self.board.w
        self.assertEqual(
            sorted(self.found(q="zephyr", forum=w.news.pk)),
            sorted(self.ids("zephyr_news", "zephyr_desk")),
        )
        self.assertEqual(self.found(q="zephyr", forum=self.board.desk.pk), self.ids("zephyr_desk"))
        self.assertEqual(self.found(q="zephyr", forum=w.lounge.pk), self.ids("zephyr_lounge"))

    def test_a_forum_the_reader_cannot_see_is_not_a_choice(self) -> None:
        page = self.search(q="zephyr", forum=self.board.private.pk)
        self.assertEqual(page.results, [])
        self.assertEqual(len(page.errors()), 1)
        options = [o.attrs["value"] for o in page.root.find_all("option")]
        self.assertNotIn(str(self.board.private.pk), options)
        self.assertIn(str(self.board.desk.pk), options)

    def test_member(self) -> None:
        self.assertEqual(self.found(q="teapot", member="Bob"), self.ids("teapot_bob"))
        self.assertEqual(self.found(q="teapot", member="bob"), self.ids("teapot_bob"))
        page = self.search(q="teapot", member="Nobody Here")
        self.assertEqual(page.errors(), ["No member is called that."])
        self.assertEqual(page.results, [])

    def test_date_range(self) -> None:
        today = timezone.localdate()
        found = self.found(q="teapot", date_from=today - timedelta(days=5), order="newest")
        self.assertEqual(found, self.ids("teapot_now", "teapot_bob"))
        found = self.found(q="teapot", date_to=today - timedelta(days=5))
        self.assertEqual(found, self.ids("teapot_alice"))
        found = self.found(
            q="teapot", date_from=today - timedelta(days=4), date_to=today - timedelta(days=2)
        )
        self.assertEqual(found, self.ids("teapot_bob"))
        found = self.found(q="teapot", date_from=today, date_to=today)
        self.assertEqual(found, self.ids("teapot_now"))

    def test_bad_dates_are_refused_with_a_message(self) -> None:
        today = timezone.localdate()
        page = self.search(q="teapot", date_from=today, date_to=today - timedelta(days=1))
        self.assertEqual(page.errors(), ["This date is before the “from” date."])
        for junk in ("2024-13-45", "yesterday", "0001-01-01", "9999-12-31", "1" * 40):
            page = self.search(q="teapot", date_to=junk)
            self.assertEqual(len(page.errors()), 1, junk)
            self.assertEqual(page.results, [])

    def test_titles_only(self) -> None:
        self.assertEqual(self.found(q="gazebo", titles_only="on"), self.ids("gazebo_title"))

    def test_threads_only_keeps_first_posts(self) -> None:
        self.assertEqual(
            sorted(self.found(q="gazebo", threads_only="on")),
            sorted(self.ids("gazebo_title", "gazebo_first")),
        )
        self.assertEqual(
            sorted(self.found(q="gazebo")),
            sorted(self.ids("gazebo_title", "gazebo_first", "gazebo_reply")),
        )

    def test_the_form_keeps_what_was_asked(self) -> None:
        page = self.search(q='"amber tide" kelp*', member="Bob", titles_only="on", order="newest")
        values = {
            i.attrs.get("name"): i.attrs.get("value")
            for i in page.root.find_all("input")
            if i.attrs.get("type") not in ("checkbox", "radio")
        }
        self.assertEqual(values["q"], '"amber tide" kelp*')
        self.assertEqual(values["member"], "Bob")
        checked = {
            (i.attrs["name"], i.attrs.get("value"))
            for i in page.root.find_all("input")
            if "checked" in i.attrs
        }
        self.assertIn(("titles_only", ""), {(n, "") for n, _ in checked if n == "titles_only"})
        self.assertIn(("order", "newest"), checked)

    def test_the_chosen_forum_stays_chosen(self) -> None:
        page = self.search(q="zephyr", forum=self.board.desk.pk)
        chosen = [o.attrs["value"] for o in page.root.find_all("option") if "selected" in o.attrs]
        self.assertEqual(chosen, [str(self.board.desk.pk)])
        select = page.root.one("select")
        self.assertEqual((select.attrs.get("name"), select.attrs.get("id")), ("forum", "id_forum"))


class QuotesTests(SearchTestCase):
    def test_quoted_text_does_not_make_the_quoter_match(self) -> None:
        self.assertEqual(self.found(q="walrusquote"), self.ids("walrus"))


class PageTests(SearchTestCase):
    def test_an_empty_search_shows_the_form_only(self) -> None:
        for params in ({}, {"q": ""}, {"q": "   "}):
            page = self.search(**params)
            self.assertIsNotNone(page.root.first("form", cls="search-form"))
            self.assertIsNone(page.root.first("section", cls="search-results"))

    def test_results_link_to_their_posts(self) -> None:
        page = self.search(q="kelp")
        self.assertEqual(page.heading, "2 results")
        response = self.guest.get(f"/posts/{page.post_ids[0]}/")
        self.assertEqual(response.status_code, 302)
        self.assertIn(f"#post-{page.post_ids[0]}", response["Location"])

    def test_no_results_says_so(self) -> None:
        page = self.search(q="xylophonequartz")
        self.assertEqual(page.heading, "No results")
        empty = page.root.find("p", cls="empty")
        self.assertEqual(empty.text, "No posts match your search.")

    def test_only_common_words_says_so(self) -> None:
        page = self.search(q="the of and")
        self.assertIsNone(page.root.first("section", cls="search-results"))
        self.assertEqual(
            page.notes(),
            [
                "Common words were ignored: the, of, and.",
                "Your search has no words to look for: use letters or digits.",
            ],
        )

    def test_a_long_search_is_cut_and_says_so(self) -> None:
        page = self.search(q="kelp " * 2000)
        self.assertEqual(page.notes(), ["Only the first 200 characters of your search were used."])
        self.assertEqual(page.post_ids, self.ids("kelp_thrice", "kelp_once"))

    def test_hostile_text_is_printed_as_text(self) -> None:
        page = self.search(q='<script>alert(1)</script> "kelp')
        self.assertTrue(all(s.attrs.get("src") for s in page.root.find_all("script")))
        box = page.root.first("input")
        search_box = next(i for i in page.root.find_all("input") if i.attrs.get("id") == "id_q")
        self.assertEqual(search_box.attrs["value"], '<script>alert(1)</script> "kelp')
        self.assertIsNotNone(box)

    def test_results_come_in_pages(self) -> None:
        first = self.search(q="reply number")
        self.assertEqual(first.heading, "44 results")
        self.assertEqual(len(first.results), queries.RESULTS_PER_PAGE)
        nav = first.root.find("nav", cls="pagenav")
        self.assertEqual(
            [a.attrs["href"] for a in nav.find_all("a")],
            ["?q=reply+number&page=2", "?q=reply+number&page=3", "?q=reply+number&page=2"],
        )
        pages = [first] + [self.search(q="reply number", page=n) for n in (2, 3)]
        self.assertEqual([len(p.results) for p in pages], [20, 20, 4])
        seen = [pk for p in pages for pk in p.post_ids]
        self.assertEqual(len(set(seen)), 44)
        for junk in ("4", "99999", "0", "-1", "x", "1" * 30):
            self.assertEqual(len(self.search(q="reply number", page=junk).results) > 0, True)

    def test_the_cap_says_so(self) -> None:
        with (
            mock.patch.object(queries, "RESULTS_CAP", 2),
            mock.patch.object(queries, "RESULTS_PER_PAGE", 1),
        ):
            pages = [self.search(q="teapot", order="newest", page=n) for n in (1, 2, 3)]
            under = self.search(q="kelp")
        self.assertEqual(pages[0].heading, "2+ results")
        capped = pages[0].root.find("p", cls="search-capped")
        self.assertEqual(
            capped.text,
            "Only the 2 best matches are shown. Add words or filters to narrow the search.",
        )
        self.assertEqual(
            [p.post_ids for p in pages],
            [self.ids("teapot_now"), self.ids("teapot_bob"), self.ids("teapot_bob")],
        )
        self.assertEqual(under.heading, "2 results")
        self.assertIsNone(under.root.first("p", cls="search-capped"))

    def test_the_header_box_is_on_every_page(self) -> None:
        w = self.board.w
        member = self.client_for(w.member)
        for client, url in (
            (self.guest, "/"),
            (member, "/"),
            (self.guest, w.long_thread.get_absolute_url()),
        ):
            root = parse(client.get(url).content.decode())
            form = next(f for f in root.find_all("form") if f.attrs.get("role") == "search")
            self.assertEqual(form.attrs["action"], "/search/")
            self.assertEqual(form.attrs.get("method"), "get")
            self.assertEqual([i.attrs["name"] for i in form.find_all("input")], ["q"])


class QueryCountTests(SearchTestCase):
    def count(self, **params: str) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries_run:
            page = self.search(**params)
        return len(queries_run), len(page.results)

    def test_a_search_costs_the_same_whatever_it_finds(self) -> None:
        one, found_one = self.count(q="walrusquote")
        many, found_many = self.count(q="reply number")
        none, found_none = self.count(q="xylophonequartz")
        self.assertEqual(found_one, 1)
        self.assertEqual(found_many, queries.RESULTS_PER_PAGE)
        self.assertEqual(found_none, 0)
        self.assertEqual(one, many)
        self.assertEqual(none, many - 1)  # no page of posts to load
        # The stamps, the forum list, the matches and the page's posts.
        self.assertEqual(many, 4)

    def test_a_member_searching_costs_the_same_whatever_is_found(self) -> None:
        client = self.client_for(self.board.w.member)

        def count(q: str) -> int:
            with CaptureQueriesContext(connection) as queries_run:
                self.search(client, q=q)
            return len(queries_run)

        self.assertEqual(count("walrusquote"), count("reply number"))

    def test_filters_add_at_most_the_member_lookup(self) -> None:
        plain, _ = self.count(q="teapot")
        filtered, found = self.count(
            q="teapot", member="Bob", forum=str(self.board.w.lounge.pk), date_from="2000-01-01"
        )
        self.assertEqual(found, 1)
        self.assertEqual(filtered, plain + 1)
