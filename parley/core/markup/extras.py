"""The BBCode boards coming from XenForo (or vBulletin, phpBB) use beyond the basics -- [color],
[size], [center] [left] [right] [justify], [indent], [user] and [media] -- each reduced to a
fixed vocabulary.

No argument a member types reaches the HTML: a colour, size, alignment or indent becomes one
of the class names below (the sanitiser allows exactly these), a member id becomes a digits-only
profile path, and a video becomes its provider's canonical address rebuilt from a strictly
matched id. The Content-Security-Policy forbids inline styles (style-src 'self'), so colours and
sizes are classes, never style attributes; it allows no frames, and an embedded player would
tell the provider who reads the post, so media is a plain link to the provider. Arguments
outside the vocabulary return None: the caller keeps the text and drops the formatting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

# --- colours ----------------------------------------------------------------
# vBulletin's colour picker (named colours, carried over by every importer) plus the other
# CSS names people type by hand. Each is a class, bb-color-<name>; parley.css gives it its
# CSS value and dark.css a lighter one where that would be unreadable on dark panels.
PALETTE: dict[str, str] = {
    "black": "#000000", "sienna": "#a0522d", "darkolivegreen": "#556b2f",
    "darkgreen": "#006400", "darkslateblue": "#483d8b", "navy": "#000080",
    "indigo": "#4b0082", "darkslategray": "#2f4f4f", "darkred": "#8b0000",
    "darkorange": "#ff8c00", "olive": "#808000", "green": "#008000", "teal": "#008080",
    "blue": "#0000ff", "slategray": "#708090", "dimgray": "#696969", "red": "#ff0000",
    "sandybrown": "#f4a460", "yellowgreen": "#9acd32", "seagreen": "#2e8b57",
    "mediumturquoise": "#48d1cc", "royalblue": "#4169e1", "purple": "#800080",
    "gray": "#808080", "magenta": "#ff00ff", "orange": "#ffa500", "yellow": "#ffff00",
    "lime": "#00ff00", "cyan": "#00ffff", "deepskyblue": "#00bfff", "darkorchid": "#9932cc",
    "silver": "#c0c0c0", "pink": "#ffc0cb", "wheat": "#f5deb3", "lemonchiffon": "#fffacd",
    "palegreen": "#98fb98", "paleturquoise": "#afeeee", "lightblue": "#add8e6",
    "plum": "#dda0dd", "white": "#ffffff", "maroon": "#800000", "brown": "#a52a2a",
    "crimson": "#dc143c", "firebrick": "#b22222", "orangered": "#ff4500", "tomato": "#ff6347",
    "coral": "#ff7f50", "salmon": "#fa8072", "gold": "#ffd700", "goldenrod": "#daa520",
    "khaki": "#f0e68c", "chocolate": "#d2691e", "tan": "#d2b48c", "limegreen": "#32cd32",
    "forestgreen": "#228b22", "lightgreen": "#90ee90", "darkcyan": "#008b8b",
    "turquoise": "#40e0d0", "skyblue": "#87ceeb", "steelblue": "#4682b4",
    "dodgerblue": "#1e90ff", "cornflowerblue": "#6495ed", "mediumblue": "#0000cd",
    "darkblue": "#00008b", "midnightblue": "#191970", "slateblue": "#6a5acd",
    "blueviolet": "#8a2be2", "darkviolet": "#9400d3", "violet": "#ee82ee", "orchid": "#da70d6",
    "hotpink": "#ff69b4", "deeppink": "#ff1493", "darkgray": "#a9a9a9", "lightgray": "#d3d3d3",
}  # fmt: skip
_COLOUR_ALIASES = {
    "aqua": "cyan", "fuchsia": "magenta", "grey": "gray", "darkgrey": "darkgray",
    "dimgrey": "dimgray", "lightgrey": "lightgray", "slategrey": "slategray",
    "darkslategrey": "darkslategray",
}  # fmt: skip
_HEX_RE = re.compile(r"#([0-9a-f]{3}|[0-9a-f]{6})")
# XenForo 2's editor writes [COLOR=rgb(184, 49, 47)].
_RGB_RE = re.compile(r"rgb\(\s*([0-9]{1,3})\s*,\s*([0-9]{1,3})\s*,\s*([0-9]{1,3})\s*\)")

RGB = tuple[int, int, int]


def _rgb(hex_value: str) -> RGB:
    h = hex_value.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


_PALETTE_RGB = {name: _rgb(value) for name, value in PALETTE.items()}


def _distance(a: RGB, b: RGB) -> float:
    """Squared "redmean" distance: plain RGB distance weighted the way eyes weigh channels."""
    r_mean = (a[0] + b[0]) / 2
    dr, dg, db = a[0] - b[0], a[1] - b[1], a[2] - b[2]
    return (2 + r_mean / 256) * dr * dr + 4 * dg * dg + (2 + (255 - r_mean) / 256) * db * db


def nearest_colour(rgb: RGB) -> str:
    """The palette colour closest to `rgb` (the first listed, on a tie)."""
    return min(_PALETTE_RGB, key=lambda name: _distance(_PALETTE_RGB[name], rgb))


def colour_class(value: str | None) -> str | None:
    """bb-color-<name> for a palette name, or the palette colour nearest to a #rgb, #rrggbb or
    rgb(r, g, b) value; None for anything else."""
    if value is None:
        return None
    value = value.strip().lower()
    name = _COLOUR_ALIASES.get(value, value)
    if name in PALETTE:
        return f"bb-color-{name}"
    if m := _HEX_RE.fullmatch(value):
        return f"bb-color-{nearest_colour(_rgb(m.group(1)))}"
    if (m := _RGB_RE.fullmatch(value)) and all(int(c) <= 255 for c in m.groups()):
        r, g, b = (int(c) for c in m.groups())
        return f"bb-color-{nearest_colour((r, g, b))}"
    return None


# --- sizes ------------------------------------------------------------------
# XenForo's seven steps and the pixel size each one stands for; its editor also writes
# [SIZE=22px], which goes to the nearest step.
SIZE_PX: dict[int, int] = {1: 9, 2: 10, 3: 12, 4: 15, 5: 18, 6: 22, 7: 26}
_SIZE_RE = re.compile(r"([1-7])|([1-9][0-9]{0,2})px")


def size_class(value: str | None) -> str | None:
    """bb-size-1 ... bb-size-7 for a step or a pixel size (1-999px); None for anything else."""
    if value is None or not (m := _SIZE_RE.fullmatch(value.strip().lower())):
        return None
    if m.group(1):
        step = int(m.group(1))
    else:
        px = int(m.group(2))
        step = min(SIZE_PX, key=lambda s: (abs(SIZE_PX[s] - px), s))
    return f"bb-size-{step}"


# --- alignment and indentation ------------------------------------------------
ALIGN_TAGS = frozenset({"center", "left", "right", "justify"})
BLOCK_STYLE_TAGS = ALIGN_TAGS | {"indent"}
MAX_INDENT = 3  # [indent=5] indents as far as [indent=3]: deeper only squeezes the text on phones
_INDENT_RE = re.compile(r"[0-9]{1,2}")


def block_class(name: str, value: str | None) -> str | None:
    """bb-align-<side> for an alignment tag without argument, bb-indent-1..3 for [indent] or
    [indent=N] (N from 1, at most 3 levels); None otherwise."""
    if name in ALIGN_TAGS:
        return f"bb-align-{name}" if value is None else None
    if name != "indent":
        return None
    if value is None:
        return "bb-indent-1"
    value = value.strip()
    if not _INDENT_RE.fullmatch(value) or int(value) < 1:
        return None
    return f"bb-indent-{min(int(value), MAX_INDENT)}"


def span_class(name: str, value: str | None) -> str | None:
    """The class an inline [color], [size], alignment or [indent] tag becomes, if any."""
    if name == "color":
        return colour_class(value)
    if name == "size":
        return size_class(value)
    return block_class(name, value)


# --- members --------------------------------------------------------------------
MEMBER_URL = "/members/{}/"  # the profile answers a missing slug with its canonical address
_MEMBER_ID_RE = re.compile(r"[0-9]{1,18}")


def member_href(value: str | None) -> str | None:
    """The profile path for [user=ID], or None unless ID is a positive number."""
    if value is None or not _MEMBER_ID_RE.fullmatch(value := value.strip()) or int(value) < 1:
        return None
    return MEMBER_URL.format(int(value))


# --- media --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Provider:
    label: str
    id_re: re.Pattern[str]
    url: str  # canonical watch address, "{}" for the id


PROVIDERS: dict[str, Provider] = {
    "youtube": Provider(
        "YouTube", re.compile(r"[A-Za-z0-9_-]{11}"), "https://www.youtube.com/watch?v={}"
    ),
    "vimeo": Provider("Vimeo", re.compile(r"[0-9]{1,12}"), "https://vimeo.com/{}"),
    "dailymotion": Provider(
        "Dailymotion", re.compile(r"[A-Za-z0-9]{5,12}"), "https://www.dailymotion.com/video/{}"
    ),
}
# XenForo stores a YouTube start time after the id: [MEDIA=youtube]dQw4w9WgXcQ:43[/MEDIA].
_START_RE = re.compile(r"([0-9]{1,6})s?")
_PATH_IDS: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    "youtube.com": [("youtube", re.compile(r"/(?:embed|shorts|live|v)/([^/]+)/?"))],
    "youtube-nocookie.com": [("youtube", re.compile(r"/embed/([^/]+)/?"))],
    "youtu.be": [("youtube", re.compile(r"/([^/]+)/?"))],
    "vimeo.com": [("vimeo", re.compile(r"/(?:channels/[\w-]+/|groups/[\w-]+/videos/)?([0-9]+)/?"))],
    "player.vimeo.com": [("vimeo", re.compile(r"/video/([0-9]+)/?"))],
    "dailymotion.com": [("dailymotion", re.compile(r"/video/([A-Za-z0-9]+)(?:_[^/]*)?/?"))],
    "dai.ly": [("dailymotion", re.compile(r"/([A-Za-z0-9]+)/?"))],
}


@dataclass(frozen=True, slots=True)
class MediaLink:
    href: str
    label: str


def _link(provider_name: str, video_id: str, start: str | None = None) -> MediaLink | None:
    provider = PROVIDERS[provider_name]
    if not provider.id_re.fullmatch(video_id):
        return None
    href = provider.url.format(video_id)
    if start and provider_name == "youtube" and (m := _START_RE.fullmatch(start)):
        href += f"&t={int(m.group(1))}s"
    return MediaLink(href, f"Video on {provider.label}: {href}")


def _from_url(url: str) -> MediaLink | None:
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    for prefix in ("www.", "m.", "music."):
        host = host.removeprefix(prefix)
    query = parse_qs(parts.query)
    start = query.get("t", [None])[0]
    if host == "youtube.com" and parts.path == "/watch":
        return _link("youtube", query.get("v", [""])[0], start)
    for provider_name, path_re in _PATH_IDS.get(host, []):
        if m := path_re.fullmatch(parts.path):
            return _link(provider_name, m.group(1), start)
    return None


def media_link(provider: str | None, body: str) -> MediaLink | None:
    """The link for [media=provider]id[/media] (XenForo's form) or [media]address[/media],
    for the providers above only; None for anything else."""
    body = body.strip()
    if provider is None:
        return _from_url(body)
    provider = provider.strip().lower()
    if provider not in PROVIDERS:
        return None
    video_id, _, start = body.partition(":")
    found = _link(provider, video_id, start or None)
    if found is None and (found := _from_url(body)) is not None:
        return found if found.href.startswith(PROVIDERS[provider].url.format("")) else None
    return found


# --- the sanitiser's vocabulary -------------------------------------------------
SPAN_CLASSES = frozenset(
    {f"bb-color-{name}" for name in PALETTE}
    | {f"bb-size-{step}" for step in SIZE_PX}
    | {f"bb-align-{name}" for name in ALIGN_TAGS}
    | {f"bb-indent-{n}" for n in range(1, MAX_INDENT + 1)}
)
DIV_CLASSES = frozenset(
    {f"bb-align-{name}" for name in ALIGN_TAGS}
    | {f"bb-indent-{n}" for n in range(1, MAX_INDENT + 1)}
)
LINK_CLASSES = frozenset({"bb-media"})
