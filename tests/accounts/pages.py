"""What a person sees on an account page, read from the parsed HTML (never the raw string)."""

from __future__ import annotations

from django.http import HttpResponse

from tests.multiprocess.client import Element, parse_html


def document(response: HttpResponse) -> Element:
    return parse_html(response.content.decode())


def heading(response: HttpResponse) -> str:
    h1 = document(response).find("h1")
    return h1.text if h1 is not None else ""


def main_text(response: HttpResponse) -> str:
    main = document(response).find("main")
    return main.text if main is not None else ""


def form_errors(response: HttpResponse) -> list[str]:
    """Messages about the whole form, as shown above its fields."""
    return [el.text for el in document(response).find_all(cls="form-errors")]


def field_value(response: HttpResponse, name: str) -> str | None:
    field = document(response).find("input", name=name)
    return field.get("value") if field is not None else None


def signed_in(response: HttpResponse) -> bool:
    """The header offers "Log out" only to a signed-in reader."""
    nav = document(response).find("nav", cls="user-nav")
    return nav is not None and "Log out" in nav.text
