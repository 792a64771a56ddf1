"""Refuse requests that declare a character set other than UTF-8, before anything reads them.

Django 5.2 raises BadRequest when an `application/x-www-form-urlencoded` body declares another
charset (`; charset=utf-7`, even the alias `utf8`), but its 400 handler is CSRF-protected and
reads request.POST again, which raises again: the member gets a 500. A multipart body in such a
charset is decoded in it (UTF-7 turns "+ADw-" into "<"), and so is the query string. Browsers
send UTF-8 and never another charset, so anything else is answered here with a plain 400.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

UTF8_ONLY_MESSAGE = (
    "This request declares the character set {charset!r}. Parley only accepts UTF-8: "
    "please send the form again from the page (your browser does this by default)."
)


class RequireUtf8Middleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # content_params comes from the Content-Type header alone: reading it reads no body.
        # (A bare HttpRequest, built by hand rather than by a handler, leaves it None.)
        charset = (request.content_params or {}).get("charset")
        if charset is not None and charset.lower() != "utf-8":
            return HttpResponseBadRequest(
                UTF8_ONLY_MESSAGE.format(charset=charset[:40]),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
