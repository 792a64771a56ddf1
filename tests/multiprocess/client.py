"""A plain-HTTP "browser" for tests against a real `parley serve`: the standard library only.

Each `Browser` is one person: its own cookie jar and User-Agent. Every request opens a new TCP
connection (urllib sends `Connection: close`; gunicorn's sync workers close after each response
anyway), so consecutive requests land on whichever worker accepts first. Pages are parsed into a
small element tree with `html.parser`; tests look at elements, never at raw strings.

Nothing here runs JavaScript: a visitor sees exactly what the server rendered.
"""

from __future__ import annotations

import copy
import http.cookiejar
import itertools
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from html.parser import HTMLParser
from typing import Any

# --- A small element tree -----------------------------------------------------------------------

VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)


class Element:
    """An HTML element: tag, attributes, children (elements and text)."""

    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None = None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Element | str] = []

    def __repr__(self) -> str:
        shown = " ".join(f'{k}="{v}"' for k, v in list(self.attrs.items())[:3])
        return f"<{self.tag}{' ' if shown else ''}{shown}>"

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def iter(self) -> Iterator[Element]:
        """This element and every element inside it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(
        self,
        tag: str | None = None,
        *,
        cls: str | None = None,
        id: str | None = None,  # noqa: A002 - the HTML attribute's name
        where: Callable[[Element], bool] | None = None,
        **attrs: str,
    ) -> list[Element]:
        found = []
        for el in self.iter():
            if el is self:
                continue
            if tag is not None and el.tag != tag:
                continue
            if cls is not None and cls not in el.classes:
                continue
            if id is not None and el.attrs.get("id") != id:
                continue
            if any(el.attrs.get(k.rstrip("_").replace("_", "-")) != v for k, v in attrs.items()):
                continue
            if where is not None and not where(el):
                continue
            found.append(el)
        return found

    def find(self, tag: str | None = None, **kwargs: Any) -> Element | None:
        found = self.find_all(tag, **kwargs)
        return found[0] if found else None

    def raw_text(self) -> str:
        return "".join(c if isinstance(c, str) else c.raw_text() for c in self.children)

    @property
    def text(self) -> str:
        """The text content with runs of whitespace collapsed, as a reader sees it."""
        return " ".join(self.raw_text().split())

    def ancestor(self, tag: str) -> Element | None:
        node = self.parent
        while node is not None and node.tag != tag:
            node = node.parent
        return node


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, {k: v if v is not None else "" for k, v in attrs}, self.stack[-1])
        self.stack[-1].children.append(el)
        if tag not in VOID_TAGS:
            self.stack.append(el)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, {k: v if v is not None else "" for k, v in attrs}, self.stack[-1])
        self.stack[-1].children.append(el)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return
        # A stray end tag: browsers ignore it, and so do we.

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


# --- Forms --------------------------------------------------------------------------------------


class Form:
    """A form as a browser would submit it: successful controls in document order, radio and
    select choices by their visible labels, submit buttons by their text."""

    def __init__(self, element: Element, page_url: str) -> None:
        self.element = element
        self.url = urllib.parse.urljoin(page_url, element.get("action") or page_url)
        self.method = (element.get("method") or "get").upper()
        self.values: dict[str, list[str]] = {}
        self.choices: dict[str, list[tuple[str, str]]] = {}  # name -> [(value, label)]
        self.buttons: list[Element] = []
        for el in element.iter():
            name = el.get("name")
            if el.tag == "button" or (el.tag == "input" and el.get("type") in ("submit", "image")):
                if (el.get("type") or "submit") == "submit":
                    self.buttons.append(el)
                continue
            if not name or "disabled" in el.attrs:
                continue
            if el.tag == "input":
                kind = (el.get("type") or "text").lower()
                if kind in ("checkbox", "radio"):
                    label = el.ancestor("label")
                    self.choices.setdefault(name, []).append(
                        (el.get("value", "on") or "on", label.text if label else "")
                    )
                    if "checked" in el.attrs:
                        self.values.setdefault(name, []).append(el.get("value", "on") or "on")
                    continue
                self.values.setdefault(name, []).append(el.get("value", "") or "")
            elif el.tag == "textarea":
                text = el.raw_text()
                self.values.setdefault(name, []).append(text[1:] if text[:1] == "\n" else text)
            elif el.tag == "select":
                options = el.find_all("option")
                self.choices[name] = [(o.get("value", o.text) or "", o.text) for o in options]
                chosen = [o for o in options if "selected" in o.attrs] or options[:1]
                self.values[name] = [o.get("value", o.text) or "" for o in chosen]

    def __repr__(self) -> str:
        return f"<Form {self.method} {self.url} fields={list(self.values)}>"

    def clone(self) -> Form:
        """The same form with its own values (one page, submitted several times)."""
        twin = copy.copy(self)
        twin.values = {name: list(values) for name, values in self.values.items()}
        return twin

    def __contains__(self, name: str) -> bool:
        return name in self.values or name in self.choices

    def __getitem__(self, name: str) -> str:
        return self.values[name][0]

    def __setitem__(self, name: str, value: str) -> None:
        self.values[name] = [str(value)]

    def names(self) -> list[str]:
        return list(dict.fromkeys([*self.values, *self.choices]))

    def remove(self, name: str) -> None:
        self.values.pop(name, None)

    def choose(self, name: str, label: str | None = None, *, value: str | None = None) -> None:
        """Pick a radio button or select option by its visible label (or its value)."""
        options = self.choices.get(name)
        if not options:
            raise KeyError(f"The form has no choice named {name!r}: {self.names()}")
        for option_value, option_label in options:
            if (value is not None and option_value == value) or (
                label is not None and option_label.strip() == label
            ):
                self.values[name] = [option_value]
                return
        raise KeyError(f"{name!r} offers no {label or value!r}; it offers {options}")

    def check(self, name: str, on: bool = True) -> None:
        options = self.choices.get(name)
        if not options:
            raise KeyError(f"The form has no checkbox named {name!r}")
        if on:
            self.values[name] = [options[0][0]]
        else:
            self.values.pop(name, None)

    def button(self, text: str | None = None) -> Element | None:
        for b in self.buttons:
            if text is None or b.text == text or b.get("value") == text:
                return b
        return None

    def button_texts(self) -> list[str]:
        return [b.text or b.get("value") or "" for b in self.buttons]

    def pairs(self, button: str | None = None) -> list[tuple[str, str]]:
        data = [(name, v) for name, values in self.values.items() for v in values]
        if button is not None:
            el = self.button(button)
            if el is None:
                raise KeyError(f"No button {button!r} in the form; it has {self.button_texts()}")
            if el.get("name"):
                data.append((el.get("name") or "", el.get("value", "") or ""))
        return data


# --- Responses ----------------------------------------------------------------------------------


@dataclass
class Page:
    url: str
    status: int
    headers: dict[str, str]
    body: str
    history: list[Page] = field(default_factory=list)
    elapsed: float = 0.0

    def __repr__(self) -> str:
        return f"<Page {self.status} {self.url}>"

    @cached_property
    def doc(self) -> Element:
        return parse_html(self.body)

    @property
    def location(self) -> str | None:
        """Where a redirect points, as an absolute URL."""
        loc = self.headers.get("location")
        return urllib.parse.urljoin(self.url, loc) if loc else None

    @property
    def path(self) -> str:
        return urllib.parse.urlsplit(self.url).path

    @property
    def is_redirect(self) -> bool:
        return 300 <= self.status < 400 and self.location is not None

    def forms(self) -> list[Form]:
        return [Form(el, self.url) for el in self.doc.find_all("form")]

    def form(
        self,
        *,
        action: str | None = None,
        button: str | None = None,
        cls: str | None = None,
        id: str | None = None,  # noqa: A002
        having: str | None = None,
    ) -> Form | None:
        """The first form matching every criterion given: its action ends with `action`, it has
        a submit button reading `button`, the CSS class `cls`, the id `id`, a field `having`."""
        for form in self.forms():
            el = form.element
            if action is not None and not urllib.parse.urlsplit(form.url).path.endswith(action):
                continue
            if button is not None and form.button(button) is None:
                continue
            if cls is not None and cls not in el.classes:
                continue
            if id is not None and el.get("id") != id:
                continue
            if having is not None and having not in form:
                continue
            return form
        return None

    def link(self, text: str | None = None, *, cls: str | None = None) -> str | None:
        """The absolute URL of the first link with this text (and/or class)."""
        for a in self.doc.find_all("a", cls=cls):
            if text is None or a.text == text:
                href = a.get("href")
                if href:
                    return urllib.parse.urljoin(self.url, href)
        return None

    def links(self) -> list[str]:
        """Every link on the page, as absolute URLs."""
        return [
            urllib.parse.urljoin(self.url, a.get("href") or "")
            for a in self.doc.find_all("a")
            if a.get("href")
        ]

    def text_of(self, tag: str | None = None, **kwargs: Any) -> str | None:
        el = self.doc.find(tag, **kwargs)
        return el.text if el is not None else None

    def describe(self) -> str:
        """A short account of the page for assertion messages."""
        title = self.text_of("title") or ""
        errors = " | ".join(
            el.text for el in self.doc.find_all(where=lambda e: e.get("role") == "alert")
        )
        loc = f" -> {self.location}" if self.is_redirect else ""
        return f"{self.status} {self.path}{loc} title={title!r}" + (
            f" alerts={errors!r}" if errors else ""
        )


class _NoRedirectsNoErrors(urllib.request.HTTPErrorProcessor):
    """Hand back every response as it came: redirects are followed (or not) by `Browser`,
    and 4xx/5xx are results to look at, not exceptions."""

    def http_response(self, request: Any, response: Any) -> Any:
        return response

    https_response = http_response


_counter = itertools.count(1)


class Browser:
    """One visitor: a cookie jar, a User-Agent, and no JavaScript."""

    def __init__(self, base_url: str, name: str = "", *, timeout: float = 20.0) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.name = name or f"browser{next(_counter)}"
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirectsNoErrors()
        )
        # Distinct per browser, so two guests are two visitors to presence (which tells guests
        # without a session apart by address and User-Agent), and readable in the access log.
        self.user_agent = f"Mozilla/5.0 (X11; Linux x86_64) parley-multiprocess/{self.name}"
        self.host = urllib.parse.urlsplit(self.base_url).hostname or ""

    def __repr__(self) -> str:
        return f"<Browser {self.name}>"

    def url(self, path: str) -> str:
        return urllib.parse.urljoin(self.base_url, path)

    # -- cookies --

    def cookie(self, name: str) -> str | None:
        for c in self.jar:
            if c.name == name:
                return c.value
        return None

    def set_cookie(self, name: str, value: str) -> None:
        self.jar.set_cookie(
            http.cookiejar.Cookie(
                version=0,
                name=name,
                value=value,
                port=None,
                port_specified=False,
                domain=self.host,
                domain_specified=False,
                domain_initial_dot=False,
                path="/",
                path_specified=True,
                secure=False,
                expires=None,
                discard=True,
                comment=None,
                comment_url=None,
                rest={"HttpOnly": ""},
            )
        )

    # -- requests --

    def request(
        self,
        method: str,
        path: str,
        data: list[tuple[str, str]] | dict[str, str] | None = None,
        *,
        follow: bool = True,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> Page:
        url = self.url(path)
        history: list[Page] = []
        for _ in range(10):
            page = self._one(method, url, data, headers or {}, timeout or self.timeout)
            if not (follow and page.is_redirect):
                page.history = history
                return page
            history.append(page)
            # 301/302/303 after a POST become a GET, as browsers do.
            method, data, url = "GET", None, page.location or url
        raise AssertionError(f"{self.name}: too many redirects from {path}: {history}")

    def _one(
        self,
        method: str,
        url: str,
        data: list[tuple[str, str]] | dict[str, str] | None,
        headers: dict[str, str],
        timeout: float,
    ) -> Page:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(url, data=body, method=method)  # noqa: S310 - http to our server
        req.add_header("User-Agent", self.user_agent)
        req.add_header("Accept", "text/html,application/xhtml+xml")
        for k, v in headers.items():
            req.add_header(k, v)
        started = time.monotonic()
        try:
            with self.opener.open(req, timeout=timeout) as response:
                raw = response.read()
                status = response.status
                got = {k.lower(): v for k, v in response.headers.items()}
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise AssertionError(
                f"{self.name}: {method} {url} got no answer within {timeout:.0f} s: {error!r}"
            ) from error
        return Page(
            url=url,
            status=status,
            headers=got,
            body=raw.decode("utf-8", "replace"),
            elapsed=time.monotonic() - started,
        )

    def get(self, path: str, *, follow: bool = True, **kwargs: Any) -> Page:
        return self.request("GET", path, follow=follow, **kwargs)

    def post(
        self,
        path: str,
        data: list[tuple[str, str]] | dict[str, str],
        *,
        follow: bool = True,
        **kwargs: Any,
    ) -> Page:
        return self.request("POST", path, data, follow=follow, **kwargs)

    def submit(
        self, form: Form, *, button: str | None = None, follow: bool = True, **kwargs: Any
    ) -> Page:
        pairs = form.pairs(button)
        if form.method == "GET":
            query = urllib.parse.urlencode(pairs)
            return self.get(f"{form.url.split('?')[0]}?{query}", follow=follow, **kwargs)
        return self.post(form.url, pairs, follow=follow, **kwargs)
