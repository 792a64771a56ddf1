"""What the admin tests share: a superuser's client that submits admin forms as a browser would
(every field the page shows, with the test's changes on top), and the stamp bookkeeping that
makes "the change reaches the member's next request" testable inside a test transaction."""

from __future__ import annotations

from collections.abc import Mapping
from html.parser import HTMLParser

from django.test import Client

from parley.core import stamps

Value = str | list[str]


class _FormFields(HTMLParser):
    """The name/value pairs a browser would submit from the admin page's `<model>_form`:
    checked boxes only, selected options (the first one of a single select with none
    selected), textareas, and nothing disabled."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pairs: list[tuple[str, str]] = []
        self.in_form = False
        self.select: tuple[str, bool] | None = None  # (name, multiple)
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id", "").endswith("_form"):  # not the logout form
            self.in_form = True
        if not self.in_form or "disabled" in a:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.pairs.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self.select, self.options = (name, "multiple" in a), []
        elif tag == "option" and self.select:
            self.options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self.textarea, self.text = name, ""

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False
        elif tag == "select" and self.select:
            name, multiple = self.select
            chosen = [value for value, selected in self.options if selected]
            if not chosen and not multiple and self.options:
                chosen = [self.options[0][0]]
            self.pairs += [(name, value) for value in chosen]
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.pairs.append((self.textarea, self.text.removeprefix("\n")))
            self.textarea = None


def form_data(html: str) -> dict[str, Value]:
    parser = _FormFields()
    parser.feed(html)
    data: dict[str, Value] = {}
    for name, value in parser.pairs:
        if name in data:
            current = data[name]
            data[name] = [*current, value] if isinstance(current, list) else [current, value]
        else:
            data[name] = value
    return data


def submit(client: Client, url: str, changes: Mapping[str, Value | None]) -> object:
    """Open an admin form, change some fields (None: leave the field out, as an unticked box
    is) and save it. Returns the response."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    data = form_data(page.content.decode())
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    data["_save"] = "Save"
    return client.post(url, data)


def bulk_delete(client: Client, changelist: str, pks: list[int]) -> object:
    """The changelist's "Delete selected" action, confirmed."""
    return client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [str(pk) for pk in pks], "post": "yes"},
    )


def tables_cached_as_committed() -> None:
    """A test's writes are never committed, so a connection that bumped a stamp caches no
    permission table until the test ends. Treat what exists now as committed: from here on
    tables are cached again, and only a new bump makes a request build them afresh."""
    stamps.forget_uncommitted_bump()
