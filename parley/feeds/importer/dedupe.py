"""What makes two entries the same entry: their GUID, or their link once normalised (outlets and
aggregators add tracking parameters, fragments and trailing slashes to the same story)."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only say how a reader arrived, never which page they reach.
TRACKING_PREFIXES = ("utm_",)
TRACKING_NAMES = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid"})
DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_link(link: str) -> str:
    """The link as dedupe compares it: scheme and host lowercased, the default port, tracking
    parameters, the fragment and a trailing slash dropped; "" for anything but http(s)."""
    try:
        parts = urlsplit(link.strip())
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in DEFAULT_PORTS or not host:
        return ""
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = parts.path.rstrip("/") or "/"
    query = urlencode(
        [
            (name, value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
            if not name.lower().startswith(TRACKING_PREFIXES) and name.lower() not in TRACKING_NAMES
        ]
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def key(value: str) -> str | None:
    """A fixed-length key for a unique column (GUIDs and links can be long); None for none."""
    value = value.strip()
    return hashlib.sha256(value.encode()).hexdigest() if value else None


def guid_key(guid: str) -> str | None:
    return key(guid)


def link_key(link: str) -> str | None:
    return key(normalise_link(link))
