"""`/robots.txt` and `/favicon.ico` answer, as every crawler and browser expects of a site."""

from __future__ import annotations

from django.test import TestCase


class SiteFilesTests(TestCase):
    def test_robots_txt_keeps_crawlers_out_of_private_and_staff_pages(self) -> None:
        response = self.client.get("/robots.txt")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/plain; charset=utf-8")
        lines = response.content.decode().splitlines()
        self.assertEqual(lines[0], "User-agent: *")
        disallowed = {line.removeprefix("Disallow: ") for line in lines[1:]}
        for private in ("/account/", "/admin/", "/reports/", "/moderation/", "/login/"):
            self.assertIn(private, disallowed)
        # Forums, threads and member profiles are what a search engine should find.
        for public in ("/forums/", "/threads/", "/members/", "/"):
            self.assertNotIn(public, disallowed)
        self.assertIn("max-age=86400", response["Cache-Control"])

    def test_favicon_ico_leads_to_the_boards_icon(self) -> None:
        response = self.client.get("/favicon.ico")
        self.assertEqual(response.status_code, 301)
        icon = self.client.get(response["Location"])
        self.assertEqual(icon.status_code, 200)
        self.assertIn("<svg", b"".join(icon.streaming_content).decode())

    def test_only_reading_is_allowed(self) -> None:
        self.assertEqual(self.client.post("/robots.txt").status_code, 405)
        self.assertEqual(self.client.head("/robots.txt").status_code, 200)
