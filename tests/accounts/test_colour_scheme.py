"""Light or dark pages: guests follow their device's setting (prefers-color-scheme), members
choose System, Light or Dark in their account settings. Read from the page's head: the dark
stylesheet is linked for the device's dark setting, always, or not at all."""

from __future__ import annotations

from django.test import TestCase

from parley.accounts import services
from parley.accounts.models import ColourScheme, Member
from tests.core.parsed import Node, parse
from tests.world import build_world

DARK_FOLLOWS_DEVICE = "(prefers-color-scheme: dark)"


def dark_stylesheets(page: Node) -> list[str | None]:
    """The media of each linked dark stylesheet (None: it always applies)."""
    head = page.find("head")
    return [
        link.attrs.get("media")
        for link in head.find_all("link", rel="stylesheet")
        if link.attrs["href"].endswith("/dark.css")
    ]


def declared_schemes(page: Node) -> str:
    return page.find("head").find("meta", name="color-scheme").attrs["content"]


class ColourSchemeTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def member(self) -> Member:
        return Member.objects.get(pk=self.w.member.pk)

    def save_prefs(self, **fields: str) -> object:
        return self.client.post("/account/", {"form": "prefs", "time_zone": "UTC", **fields})

    def test_guests_follow_the_device(self) -> None:
        page = parse(self.client.get("/").content)
        assert dark_stylesheets(page) == [DARK_FOLLOWS_DEVICE]
        assert declared_schemes(page) == "light dark"

    def test_members_start_on_system_and_the_account_page_offers_three_choices(self) -> None:
        self.client.force_login(self.w.member)
        page = parse(self.client.get("/account/").content)
        radios = page.find_all("input", type="radio", name="colour_scheme")
        labels = [page.find("label", for_=radio.attrs["id"]).text.strip() for radio in radios]
        assert labels == ["System", "Light", "Dark"]
        assert [r.attrs["value"] for r in radios if "checked" in r.attrs] == ["system"]
        assert dark_stylesheets(page) == [DARK_FOLLOWS_DEVICE]

    def test_a_member_chooses_dark_then_light_then_system(self) -> None:
        self.client.force_login(self.w.member)
        for choice, stylesheets, declared in (
            ("dark", [None], "dark"),
            ("light", [], "light"),
            ("system", [DARK_FOLLOWS_DEVICE], "light dark"),
        ):
            with self.subTest(choice=choice):
                response = self.save_prefs(colour_scheme=choice)
                assert response.status_code == 302  # type: ignore[attr-defined]
                assert self.member().colour_scheme == choice
                page = parse(self.client.get(self.w.long_thread.get_absolute_url()).content)
                assert dark_stylesheets(page) == stylesheets
                assert declared_schemes(page) == declared
                account = parse(self.client.get("/account/").content)
                checked = account.find("input", name="colour_scheme", checked="")
                assert checked.attrs["value"] == choice

    def test_an_unknown_choice_is_refused_and_a_missing_one_changes_nothing(self) -> None:
        self.client.force_login(self.w.member)
        self.save_prefs(colour_scheme="dark")
        response = self.save_prefs(colour_scheme="purple")
        assert response.status_code == 200  # type: ignore[attr-defined]
        errors = parse(response.content).find_all(cls="field-error")  # type: ignore[attr-defined]
        assert [e.text for e in errors] == [
            "Select a valid choice. purple is not one of the available choices."
        ]
        assert self.member().colour_scheme == ColourScheme.DARK
        self.save_prefs(time_zone="Europe/Paris")  # an older form without the choice
        assert self.member().colour_scheme == ColourScheme.DARK
        assert self.member().time_zone == "Europe/Paris"  # the rest of the form is saved

    def test_the_service_keeps_only_known_schemes(self) -> None:
        member = self.member()
        services.update_preferences(member=member, time_zone="UTC", colour_scheme="light")
        assert self.member().colour_scheme == "light"
        services.update_preferences(member=member, time_zone="UTC")
        assert self.member().colour_scheme == "light"
        with self.assertRaises(ValueError):
            services.update_preferences(member=member, time_zone="UTC", colour_scheme="sepia")
        assert self.member().colour_scheme == "light"
