"""The one client-address rule: X-Forwarded-For counts only behind our own HTTPS proxy, and
then only its last entry (the one that proxy appended)."""

from __future__ import annotations

from django.http import HttpRequest
from django.test import RequestFactory, override_settings

from parley.activity.presence.visitors import identify
from parley.core.clients import client_ip

BEHIND_PROXY = override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
AGENT = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"


def request_from(remote: str | None, forwarded: str | None = None) -> HttpRequest:
    extra = {"HTTP_USER_AGENT": AGENT}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **extra)
    if remote is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remote
    return request


def test_without_our_proxy_the_header_is_whatever_the_client_sent() -> None:
    assert client_ip(request_from("10.0.0.1", "1.1.1.1, 198.51.100.7")) == "10.0.0.1"
    assert client_ip(request_from("10.0.0.1")) == "10.0.0.1"


def test_behind_our_proxy_the_last_entry_is_the_client() -> None:
    with BEHIND_PROXY:
        assert client_ip(request_from("10.0.0.1", "1.1.1.1, 198.51.100.7")) == "198.51.100.7"
        assert client_ip(request_from("10.0.0.1", " 198.51.100.7 ")) == "198.51.100.7"
        # No usable entry: the peer is all we know.
        assert client_ip(request_from("10.0.0.1")) == "10.0.0.1"
        assert client_ip(request_from("10.0.0.1", "1.1.1.1, ")) == "10.0.0.1"


def test_no_address_at_all_is_empty() -> None:
    assert client_ip(request_from(None)) == ""


def test_presence_tells_guests_apart_by_the_same_rule() -> None:
    def spoofing() -> HttpRequest:  # fresh requests: a request's visitor is worked out once
        return request_from("10.0.0.1", "203.0.113.5")

    def other_spoof() -> HttpRequest:
        return request_from("10.0.0.1", "192.0.2.77")

    assert identify(spoofing()).key == identify(other_spoof()).key  # the header is not trusted
    with BEHIND_PROXY:
        assert identify(spoofing()).key != identify(other_spoof()).key
