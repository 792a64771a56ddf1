"""Character cleaning, URL policy and the final nh3 allow-list.

Everything here is the last line of defence: the renderer already only emits
what it means to, but stored HTML is later shown with ``mark_safe``, so the
output of :func:`sanitise_html` is what actually has to be inert.
"""

from __future__ import annotations

import re

import nh3

from .extras import DIV_CLASSES, LINK_CLASSES, SPAN_CLASSES

# C0 controls except \t and \n, DEL, C1 controls, bidi embeddings/overrides and
# isolates (Trojan-source style spoofing), and lone surrogates (which would make
# the Rust sanitiser fail to encode the string).
_CONTROL_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)

# Browsers drop ASCII tab/newline anywhere in a URL and trim C0/space at the
# ends, so a URL is judged with every whitespace/control character removed.
_URL_JUNK_RE = re.compile(r"[\x00-\x20\x7f-\x9f\s]+")
_SCHEME_RE = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")

LINK_SCHEMES = frozenset({"http", "https", "mailto"})
IMAGE_SCHEMES = frozenset({"http", "https"})


def clean_control_chars(text: str) -> str:
    """Normalise newlines and strip control/bidi-override characters.

    Keeps ``\\n`` and ``\\t``; ``\\r\\n`` and lone ``\\r`` become ``\\n``.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_RE.sub("", text)


def _scheme(url: str) -> str | None:
    m = _SCHEME_RE.match(url)
    return m.group(1).lower() if m else None


def is_safe_link(url: str) -> bool:
    """True for http(s)/mailto URLs and site-relative paths ("/x", not "//x")."""
    u = _URL_JUNK_RE.sub("", url)
    if not u:
        return False
    scheme = _scheme(u)
    if scheme is not None:
        return scheme in LINK_SCHEMES
    # "//host" and "/\host" are protocol-relative in browsers: off-site and
    # scheme-inheriting, so only single-slash paths count as relative.
    return u[0] == "/" and (len(u) == 1 or u[1] not in "/\\")


def is_safe_image(url: str) -> bool:
    """True only for absolute http(s) image URLs with a host."""
    u = _URL_JUNK_RE.sub("", url)
    scheme = _scheme(u)
    if scheme not in IMAGE_SCHEMES:
        return False
    rest = u[len(scheme) + 1 :]
    return rest.startswith("//") and len(rest) > 2 and rest[2] not in "/\\"


# --- nh3 allow-list -------------------------------------------------------

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "strong", "em", "u", "s", "del", "a", "img", "blockquote",
        "div", "code", "pre", "ul", "ol", "li", "table", "thead", "tbody", "tr",
        "th", "td", "h2", "h3", "h4", "h5", "h6", "hr", "details", "summary",
        "span",
    }
)  # fmt: skip

_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title"},
    "blockquote": {"class", "data-author", "data-member"},
    "div": {"class"},
    "code": {"class"},
    "details": {"class"},
    "ol": {"start"},
    "span": {"class"},
}

_ALIGN = {"align": {"left", "center", "right"}}

# Fixed class vocabulary per tag; <code> additionally accepts language-*. The BBCode extras'
# colours, sizes, alignments, indents and media links are listed one by one in extras.py.
_CLASSES: dict[str, frozenset[str]] = {
    "blockquote": frozenset({"bbquote"}),
    "div": frozenset({"bbquote-head", "bbquote-body", "bbquote-omitted"}) | DIV_CLASSES,
    "details": frozenset({"spoiler"}),
    "code": frozenset(),
    "span": SPAN_CLASSES,
    "a": LINK_CLASSES,
}
_LANG_CLASS_RE = re.compile(r"language-[A-Za-z0-9_+#.\-]{1,32}")
_DIGITS_RE = re.compile(r"[0-9]{1,9}")


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    """Value-level checks nh3's name allow-list cannot express."""
    if attr == "class":
        allowed = _CLASSES.get(tag, frozenset())
        kept = [
            c
            for c in value.split()
            if c in allowed or (tag == "code" and _LANG_CLASS_RE.fullmatch(c))
        ]
        return " ".join(kept) or None
    if attr == "href":
        return value if is_safe_link(value) else None
    if attr == "src":
        return value if is_safe_image(value) else None
    if attr in ("data-member", "start"):
        return value if _DIGITS_RE.fullmatch(value) else None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes=_ATTRIBUTES,
    attribute_filter=_attribute_filter,
    tag_attribute_values={"th": _ALIGN, "td": _ALIGN},
    set_tag_attribute_values={"img": {"loading": "lazy", "decoding": "async"}},
    url_schemes=set(LINK_SCHEMES),
    link_rel="nofollow ugc noopener",
    strip_comments=True,
)


def sanitise_html(html: str) -> str:
    """Run renderer output through the allow-list and strip stray controls.

    Control/bidi characters can re-appear after markdown decodes entities such
    as ``&#x202e;``, so they are removed again from the final HTML (removing
    characters cannot create markup: every ``<`` in text is already escaped).
    """
    return clean_control_chars(_CLEANER.clean(html))
