"""Post rendering: source text -> sanitised HTML, plus plain-text excerpts."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from .bbcode import ENV_TOO_DEEP, bbcode_plugin
from .sanitise import clean_control_chars, is_safe_image, is_safe_link, sanitise_html

# Bump whenever the HTML produced for the same source changes, so stored
# posts rendered by an older version can be found and re-rendered.
# 2: bounded nesting (deep content flattened, not dropped); link text that
#    names another host than the link's own shows the real one.
# 3: XenForo's [color] [size] [center] [left] [right] [justify] [indent] [user]
#    and [media] are shown (extras.py), where they used to keep only their text.
RENDERER_VERSION: int = 3

# markdown-it's own bound on nested blocks (quotes, lists) and inline tokens
# (links, emphasis, [b]...). It protects the Python stack; past it, markdown-it
# would drop the rest of a block, so _guard_nesting flattens that to text.
MAX_NESTING = 20
TOO_DEEP_MESSAGE = (
    "Your message nests quotes, lists or formatting too deeply to be shown as written. "
    "Please remove some of the nesting."
)

# Posts sit under the page's <h1> (thread title), so "#" becomes <h2> etc.
_HEADING_SHIFT = {f"h{n}": f"h{min(n + 1, 6)}" for n in range(1, 7)}
_ALIGN_RE = re.compile(r"text-align:\s*(left|center|right)")


def _tidy_inline(children: list[Token]) -> None:
    """Turn unsafe or nested links into plain spans.

    Markdown keeps a link with ``href=""`` when validateLink rejects it; a
    span is clearer and keeps every <a> in the output pointing somewhere safe.
    Nested anchors (markdown link inside [url=]) are flattened the same way.
    """
    stack: list[bool] = []
    for tok in children:
        if tok.type == "link_open":
            ok = not any(stack) and is_safe_link(str(tok.attrGet("href") or ""))
            stack.append(ok)
            if not ok:
                tok.type, tok.tag, tok.attrs = "parley_nolink_open", "span", {}
        elif tok.type == "link_close" and stack and not stack.pop():
            tok.type, tok.tag = "parley_nolink_close", "span"


# --- autolinks --------------------------------------------------------------
# GFM-style "extended autolinks" (http(s)://, www., bare e-mail), done as one
# regex pass over finished text tokens. linkify-it-py and the mdit gfm_autolink
# plugin both rescan the rest of the text at every ":"/"@", which made
# 40 kB of "a:" take many seconds; this stays linear. Matches may only start
# after whitespace or "(" -- characters that cannot occur inside a match, so
# the regex never rescans a run.
_AUTOLINK_RE = re.compile(
    r"(?<![^\s(])(?:(?P<url>(?:https?://|www\.)[^\s<>\"]+)"
    r"|(?P<email>[A-Za-z0-9.+_-]+@[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+))",
    re.IGNORECASE,
)
_ENTITY_RE = re.compile(r"&[A-Za-z0-9]+;")
_TRAILING_PUNCT = "?!.,:*_~'"


def _trim_url(url: str) -> str:
    """GFM trailing rules: drop end punctuation, unbalanced ")" and "&x;".

    Works on an end index with running paren counts so that a URL ending in
    thousands of ")" or "&a;" is still trimmed in linear time.
    """
    end, opens, closes = len(url), url.count("("), url.count(")")
    while end:
        ch = url[end - 1]
        if ch in _TRAILING_PUNCT:
            end -= 1
        elif ch == ")" and closes > opens:
            end, closes = end - 1, closes - 1
        elif (
            ch == ";"
            and (amp := url.rfind("&", 0, end)) != -1
            and _ENTITY_RE.fullmatch(url, amp, end)
        ):
            end = amp
        else:
            break
    return url[:end]


def _autolink_target(m: re.Match[str]) -> tuple[str, str] | None:
    """(link text, href) for a regex hit, or None if it is not a real link."""
    if m.group("email"):
        text = m.group("email").rstrip(".")
        if text[-1] in "-_":
            return None
        return text, "mailto:" + text
    text = _trim_url(m.group("url"))
    rest = text.split("://", 1)[1] if "://" in text else text
    host = re.split(r"[/?#:]", rest, maxsplit=1)[0]
    # A real domain: dotted, and no "_" in its last two labels (GFM rule).
    if (
        "." not in host
        or "_" in ".".join(host.split(".")[-2:])
        or not host.replace(".", "").replace("-", "").replace("_", "").isalnum()
    ):
        return None
    return text, text if "://" in text else "http://" + text


def _autolink(state: StateCore, children: list[Token]) -> list[Token]:
    out: list[Token] = []
    depth = 0  # inside an existing link: leave its text alone
    md = state.md
    for tok in children:
        if tok.type == "link_open":
            depth += 1
        elif tok.type == "link_close":
            depth -= 1
        if tok.type != "text" or depth > 0 or not _AUTOLINK_RE.search(tok.content):
            out.append(tok)
            continue
        text, pos = tok.content, 0
        for m in _AUTOLINK_RE.finditer(text):
            target = _autolink_target(m)
            if target is None:
                continue
            label, href = target
            href = md.normalizeLink(href)
            if not md.validateLink(href):
                continue
            if m.start() > pos:
                out.append(_text(text[pos : m.start()], tok.level))
            link = Token(
                "link_open",
                "a",
                1,
                attrs={"href": href},
                level=tok.level,
                markup="autolink",
                info="auto",
            )
            out.extend(
                (
                    link,
                    _text(label, tok.level + 1),
                    Token("link_close", "a", -1, level=tok.level, markup="autolink", info="auto"),
                )
            )
            pos = m.start() + len(label)
        if pos < len(text):
            out.append(_text(text[pos:], tok.level))
    return out


def _text(content: str, level: int) -> Token:
    return Token("text", "", 0, content=content, level=level)


# --- link text that looks like another URL --------------------------------
# "[https://bank.example](https://evil.example)" shows one address and opens
# another. Link text that is unmistakably an address (a scheme, "www.", an
# e-mail address) and names another host than the link is replaced by the
# real address; text that merely looks like a domain ("paypal.com", but also
# "Node.js") or has an address among other words ("log in at https://bank.example")
# keeps its words and gets the real host beside it in brackets.
_SCHEME_TEXT_RE = re.compile(r"(?:[a-z][a-z0-9+.\-]*://|www[.\u3002\uff0e\uff61])\S+", re.I)
_SCHEME_WORD_RE = re.compile(
    r"(?<![^\s(\[])(?:[a-z][a-z0-9+.\-]*://|www[.\u3002\uff0e\uff61])[^\s<>\"()\[\]]+", re.I
)
_EMAIL_TEXT_RE = re.compile(r"(?:mailto:)?([^\s@<>()\[\]]+@[^\s@<>()\[\]]+)", re.I)
_DOT = "[.\u3002\uff0e\uff61]"  # the dots browsers accept between host labels
_DOMAIN_TEXT_RE = re.compile(  # "name.tld" or an IPv4 address, maybe with a port and a path
    rf"(?:(?:[^\W_](?:[\w-]*[^\W_])?{_DOT})+[^\W\d_]{{2,63}}{_DOT}?|[0-9]{{1,3}}(?:\.[0-9]{{1,3}}){{3}})"
    r"(?::[0-9]{1,5})?(?:[/?#]\S*)?"
)
_HOST_END_RE = re.compile(r"[/\\?#]")
_URL_SCHEME_RE = re.compile(r"[a-z][a-z0-9+.\-]*:", re.I)
_LINK_TEXT_TYPES = frozenset({"text", "code_inline", "softbreak", "hardbreak"})


def _host(url: str, *, drop_www: bool = True) -> str | None:
    """The host a browser would contact for `url` (without "www." unless told),
    or None for relative and mailto links. Parsed the way browsers do: "\\" ends the host,
    the host follows the last "@", percent-escapes in it are decoded."""
    m = _URL_SCHEME_RE.match(url)
    if m is None or m.group().lower() == "mailto:":
        return None
    rest = url[m.end() :].lstrip("/\\")
    authority = _HOST_END_RE.split(rest, maxsplit=1)[0]
    host = unquote(authority.rpartition("@")[2]).lower()
    host = host[: host.index("]") + 1] if host.startswith("[") and "]" in host else host
    host = host.rsplit(":", 1)[0] if not host.startswith("[") else host
    host = host.rstrip(".")
    return (host.removeprefix("www.") if drop_www else host) or None


def _mail_address(url: str) -> str | None:
    if url[:7].lower() != "mailto:":
        return None
    return unquote(url[7:]).split("?", 1)[0].strip().lower()


def _names_target(md: MarkdownIt, text: str, href: str) -> bool:
    """Does link text `text` (which looks like an address) name where `href` goes?"""
    email = _EMAIL_TEXT_RE.fullmatch(text)
    if email and not _SCHEME_TEXT_RE.fullmatch(text):
        address = _mail_address(md.normalizeLink("mailto:" + email.group(1)))
        return address is not None and address == _mail_address(href)
    url = text if _URL_SCHEME_RE.match(text) and "://" in text else "http://" + text
    try:
        text_host = _host(md.normalizeLink(url))
    except Exception:  # noqa: BLE001 - text that does not parse names nothing
        return False
    return text_host is not None and text_host == _host(href)


def _real_target(href: str) -> str:
    """How the link's real destination is shown: its host, else the address itself."""
    return _mail_address(href) or _host(href, drop_www=False) or href


def _honest_links(md: MarkdownIt, children: list[Token]) -> list[Token]:
    out: list[Token] = []
    i = 0
    while i < len(children):
        tok = children[i]
        out.append(tok)
        i += 1
        if tok.type != "link_open" or tok.markup == "autolink":
            continue
        close = next((j for j in range(i, len(children)) if children[j].type == "link_close"), None)
        if close is None:
            continue
        inner = children[i:close]
        href = str(tok.attrGet("href") or "")
        # The words a reader sees (an image shows no address; formatting adds none).
        text = "".join(
            " " if "break" in t.type else t.content for t in inner if t.type in _LINK_TEXT_TYPES
        ).strip()
        explicit = bool(_SCHEME_TEXT_RE.fullmatch(text) or _EMAIL_TEXT_RE.fullmatch(text))
        if explicit or _DOMAIN_TEXT_RE.fullmatch(text):
            if _names_target(md, text, href):
                continue
        elif all(
            _names_target(md, _trim_url(m.group()), href) for m in _SCHEME_WORD_RE.finditer(text)
        ):
            continue  # plain words, or words whose addresses all name the link's host
        if explicit:  # an address that is not this link's: show the real one instead
            out.append(_text(_mail_address(href) or href, tok.level + 1))
            out.append(children[close])
            i = close + 1
        else:  # a domain-like name, or an address among words: say where it really goes
            out.extend(children[i : close + 1])
            out.append(_text(f" ({_real_target(href)})", tok.level))
            i = close + 1
    return out


def _tidy(state: StateCore) -> None:
    """Final token pass: autolinks, heading levels, table alignment, link safety."""
    for tok in state.tokens:
        if tok.type in ("heading_open", "heading_close"):
            tok.tag = _HEADING_SHIFT.get(tok.tag, tok.tag)
        elif tok.type in ("th_open", "td_open") and tok.attrs:
            m = _ALIGN_RE.search(str(tok.attrGet("style") or ""))
            tok.attrs = {"align": m.group(1)} if m else {}
        elif tok.type == "inline" and tok.children:
            tok.children = _autolink(state, tok.children)
            _tidy_inline(tok.children)
            tok.children = _honest_links(state.md, tok.children)


# --- nesting ----------------------------------------------------------------


def _flatten_block(state: StateBlock, start_line: int, end_line: int) -> None:
    """Past MAX_NESTING, the rest of the container becomes one paragraph of its
    text (markdown-it would drop it), and the post is marked as too deep."""
    line = state.skipEmptyLines(start_line)
    stop = line
    while stop < end_line and (state.isEmpty(stop) or state.sCount[stop] >= state.blkIndent):
        stop += 1
    state.line = stop
    text = state.getLines(line, stop, state.blkIndent, False).strip() if line < stop else ""
    if not text:
        return
    state.env[ENV_TOO_DEEP] = True
    token = state.push("paragraph_open", "p", 1)
    token.map = [line, stop]
    token = state.push("inline", "", 0)
    token.content = text
    token.map = [line, stop]
    token.children = []
    state.push("paragraph_close", "p", -1)


def _guard_nesting(md: MarkdownIt) -> None:
    """Every nested block parse (markdown quotes and lists, BBCode blocks) and
    every nested inline parse (links, emphasis, BBCode tags) goes through these
    two wrappers. With bbcode.MAX_INLINE_NESTING (tags that push no token) they
    bound the recursion of any input, and nothing past the bound is silently
    lost: deeper blocks are flattened to text, deeper inline markup stays
    literal (markdown-it's own behaviour), and env records that it happened."""
    md.options["maxNesting"] = MAX_NESTING
    tokenize_block, tokenize_inline = md.block.tokenize, md.inline.tokenize

    # Named as in the method it replaces, so that it stands in for it exactly.
    def block(state: StateBlock, startLine: int, endLine: int) -> None:
        if state.level >= MAX_NESTING:
            _flatten_block(state, startLine, endLine)
        else:
            tokenize_block(state, startLine, endLine)

    def inline(state: StateInline) -> None:
        if state.level >= MAX_NESTING and state.pos < state.posMax:
            state.env[ENV_TOO_DEEP] = True
        tokenize_inline(state)

    md.block.tokenize = block  # type: ignore[method-assign]
    md.inline.tokenize = inline  # type: ignore[method-assign]


def _render_image(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    if token.children:
        alt = self.renderInlineAsText(token.children, options, env)
    else:
        alt = str(token.meta.get("alt", ""))
    src = str(token.attrGet("src") or "")
    if not is_safe_image(src):
        return escapeHtml(alt)  # unusable image: keep its description only
    title = token.attrGet("title")
    title_attr = f' title="{escapeHtml(str(title))}"' if title else ""
    return (
        f'<img src="{escapeHtml(src)}" alt="{escapeHtml(alt)}"{title_attr}'
        ' loading="lazy" decoding="async">'
    )


def _build() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = is_safe_link  # type: ignore[method-assign]  # stricter than stock
    bbcode_plugin(md)
    md.add_render_rule("image", _render_image)
    md.core.ruler.push("parley_tidy", _tidy)
    _guard_nesting(md)
    return md


_MD = _build()


def render_post(source: str) -> str:
    """Render post source (markdown + BBCode) to HTML that is safe to mark_safe."""
    text = clean_control_chars(source or "")
    env: dict[str, object] = {}
    html = _MD.renderer.render(_MD.parse(text, env), _MD.options, env)
    return sanitise_html(html)


def nesting_problem(source: str) -> str | None:
    """What a member should be told if their post nests deeper than the renderer
    shows as written (render_post would still render it, flattened), else None.
    Quotes nested past MAX_QUOTE_DEPTH are not a problem: eliding them is the
    intended way of quoting a quote."""
    env: dict[str, object] = {}
    _MD.parse(clean_control_chars(source or ""), env)
    return TOO_DEEP_MESSAGE if env.get(ENV_TOO_DEEP) else None


# --------------------------------------------------------------------------
# Plain text
# --------------------------------------------------------------------------

_BLOCKY = frozenset(
    {"p", "br", "div", "li", "tr", "td", "th", "pre", "h2", "h3", "h4", "h5", "h6", "hr", "summary"}
)
_WS_RE = re.compile(r"\s+")


class _TextExtractor(HTMLParser):
    """Collects visible text, skipping quoted posts and spoiler bodies (an
    excerpt of a reply should not show someone else's words or spoil)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0  # depth inside <blockquote>
        self._details = 0  # depth inside <details>
        self._summary = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "blockquote":
            self._skip += 1
        elif tag == "details":
            self._details += 1
        elif tag == "summary":
            self._summary += 1
        if tag in _BLOCKY:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "blockquote":
            self._skip = max(0, self._skip - 1)
        elif tag == "details":
            self._details = max(0, self._details - 1)
        elif tag == "summary":
            self._summary = max(0, self._summary - 1)
        if tag in _BLOCKY:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self._skip or (self._details and not self._summary):
            return
        self.parts.append(data)


def _truncate(text: str, length: int) -> str:
    if len(text) <= length:
        return text
    if length <= 1:
        return "\u2026"[:length]
    cut = text[: length - 1]
    space = cut.rfind(" ")
    if space > length // 2:  # prefer a word boundary unless it loses too much
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "\u2026"


def plain_text(html: str, length: int | None = None) -> str:
    """Visible text of *rendered* post HTML, whitespace collapsed.

    Quotes and spoiler bodies are left out. With `length`, the result is cut
    at a word boundary to at most `length` characters (ending in "…").
    """
    parser = _TextExtractor()
    parser.feed(html or "")
    parser.close()
    text = clean_control_chars(_WS_RE.sub(" ", "".join(parser.parts))).strip()
    return _truncate(text, length) if length is not None else text


def excerpt(source: str, length: int = 200) -> str:
    """Short plain-text summary of post *source*, e.g. for listings or meta tags."""
    return plain_text(render_post(source), length)
