"""BBCode (XenForo/phpBB/vBulletin flavoured) as markdown-it-py parser rules.

Block tags ([quote] [spoiler] [list] [code]) are a block rule: the opening tag
must be the first thing on a line or follow plain inline text (then the text
becomes its own paragraph); the closing tag may be anywhere. Alignment and
[indent] are blocks when they open a line, inline elsewhere. Inline tags
([b] [i] [u] [s] [url] [img] [code] [email], and extras.py's [color] [size]
[user] [media]; [font] keeps only its text) are an inline rule. Tags are
matched up front in one linear pass per source string (per-name stacks), so
only matched pairs ever become elements, unmatched tags stay literal text, and
output is always well nested.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.paragraph import paragraph as paragraph_rule
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from .extras import BLOCK_STYLE_TAGS, block_class, media_link, member_href, span_class
from .quotes import (
    MAX_QUOTE_DEPTH,
    Attribution,
    BlockPair,
    BlockPairs,
    InlinePair,
    clean_label,
    pair_block_tags,
    pair_inline_tags,
    parse_attribution,
    unquote_arg,
)
from .sanitise import is_safe_image, is_safe_link

# Total [quote]/[spoiler]/[list] nesting. Sub-parses recurse, so this bounds
# Python stack use; deeper spoilers/lists stay literal, deeper quotes elide.
MAX_BB_NESTING = 6
# Inline tags inside each other ([b], [color=], [url=] ...). Each level is a
# nested tokenize call, and [font] (or a [color] with a refused colour) pushes
# no token, so markdown-it's own maxNesting never sees it: without this bound,
# a few hundred of them overflow the Python stack. Deeper tags stay literal text.
MAX_INLINE_NESTING = 20
POST_URL = "/posts/{}/"

_ENV_QUOTES = "parley_quote_depth"
_ENV_NEST = "parley_bb_nesting"
_ENV_INLINE = "parley_bb_inline_depth"
# Set in env when some nesting limit made the renderer show part of a post
# other than as written (literal tags, flattened text). Read by nesting_problem.
ENV_TOO_DEEP = "parley_too_deep"

# --------------------------------------------------------------------------
# Block rule
# --------------------------------------------------------------------------


def _block_pairs(state: StateBlock) -> BlockPairs:
    # Cached on the state: markdown blockquotes/lists re-enter the same state.
    pairs: BlockPairs | None = getattr(state, "_parley_pairs", None)
    if pairs is None:
        pairs = pair_block_tags(state.src)
        state._parley_pairs = pairs  # type: ignore[attr-defined]
    return pairs


def _close_line(state: StateBlock, pair: BlockPair, line: int, end_line: int) -> int | None:
    """Line holding the closing tag, if it lies inside the current container.

    eMarks is ascending, so this is a binary search; lines in between that
    are less indented than a list item are treated like lazy continuation.
    """
    ln = bisect_left(state.eMarks, pair.end, line, end_line)
    if ln >= end_line or pair.close_start < state.bMarks[ln]:
        return None
    return ln


def _next_block(
    state: StateBlock,
    pairs: BlockPairs,
    line: int,
    pos: int,
    end_line: int,
    mid_line_ok: bool = True,
) -> tuple[BlockPair, int] | None:
    """First usable block tag on `line` at or after `pos`, with its close line."""
    env = state.env
    for pair in pairs.first_in(pos, state.eMarks[line]):
        prefix = state.src[pos : pair.start]
        mid_line = bool(prefix.strip())
        if mid_line and (not mid_line_ok or "`" in prefix):
            return None  # (a backtick means the tag may sit inside a code span)
        if pair.name in BLOCK_STYLE_TAGS:
            # Inside a line, with a refused argument or too deep: left to the inline rule,
            # which shows it as well as it can (a span; literal tags across paragraphs).
            if mid_line or env.get(_ENV_NEST, 0) >= MAX_BB_NESTING or _style_class(pair) is None:
                continue
        elif pair.name in ("spoiler", "list") and env.get(_ENV_NEST, 0) >= MAX_BB_NESTING:
            env[ENV_TOO_DEEP] = True
            continue
        close_line = _close_line(state, pair, line, end_line)
        if close_line is None:
            continue
        if mid_line and pair.name == "code" and close_line == line:
            continue  # one-line [code] inside text is inline code
        return pair, close_line
    return None


def _line_head(state: StateBlock, line: int, stop: int) -> str:
    """Text of `line` from its content start (container indent removed) to `stop`."""
    start = state.bMarks[line]
    limit = min(start + max(state.blkIndent, 0), stop)
    while start < limit and state.src[start] in " \t":
        start += 1
    return state.src[start:stop]


def _body(state: StateBlock, pair: BlockPair, line: int, close_line: int) -> str:
    src = state.src
    if line == close_line:
        return src[pair.open_end : pair.close_start]
    return (
        src[pair.open_end : state.eMarks[line]]
        + "\n"
        + state.getLines(line + 1, close_line, state.blkIndent, True)
        + _line_head(state, close_line, pair.close_start)
    )


def _subparse(state: StateBlock, text: str, quote_inc: int = 0) -> None:
    """Block-parse `text` into state.tokens one level deeper.

    A fresh StateBlock (rather than remapping lines) copes with content that
    starts/ends mid-line; carrying `level` keeps markdown-it's maxNesting
    limit effective across sub-parses.
    """
    env = state.env
    saved = env.get(_ENV_QUOTES, 0), env.get(_ENV_NEST, 0)
    env[_ENV_QUOTES] = saved[0] + quote_inc
    env[_ENV_NEST] = saved[1] + 1
    try:
        sub = StateBlock(text, state.md, env, state.tokens)
        sub.level = state.level
        state.md.block.tokenize(sub, 0, sub.lineMax)
    finally:
        env[_ENV_QUOTES], env[_ENV_NEST] = saved


def _push_paragraph(state: StateBlock, text: str, line: int) -> None:
    token = state.push("paragraph_open", "p", 1)
    token.map = [line, line + 1]
    token = state.push("inline", "", 0)
    token.content = text
    token.map = [line, line + 1]
    token.children = []
    state.push("paragraph_close", "p", -1)


_LANG_RE = re.compile(r"[A-Za-z0-9_+#.\-]{1,32}")
_ITEM_RE = re.compile(r"(?<!\\)\[\*\]")
_ITEM_CLOSE_RE = re.compile(r"\s*\[/\*\]\s*$")


def _emit_code(state: StateBlock, pair: BlockPair, body: str, line_map: list[int]) -> None:
    lang = unquote_arg(pair.arg)[0].strip() if pair.arg else ""
    if body.startswith("\n"):
        body = body[1:]
    if body and not body.endswith("\n"):
        body += "\n"
    token = state.push("fence", "code", 0)
    token.info = lang if _LANG_RE.fullmatch(lang) else ""
    token.content = body
    token.markup = "[code]"
    token.map = line_map


def _emit_quote(state: StateBlock, pair: BlockPair, body: str, line_map: list[int]) -> None:
    env = state.env
    if env.get(_ENV_QUOTES, 0) >= MAX_QUOTE_DEPTH or env.get(_ENV_NEST, 0) >= MAX_BB_NESTING:
        token = state.push("bbquote_omitted", "div", 0)
        token.map = line_map
        return
    token = state.push("bbquote_open", "blockquote", 1)
    token.meta = {"attribution": parse_attribution(pair.arg)}
    token.markup = "[quote]"
    token.map = line_map
    _subparse(state, body, quote_inc=1)
    state.push("bbquote_close", "blockquote", -1)


def _emit_spoiler(state: StateBlock, pair: BlockPair, body: str, line_map: list[int]) -> None:
    token = state.push("bbspoiler_open", "details", 1)
    token.meta = {"title": clean_label(unquote_arg(pair.arg)[0]) if pair.arg else ""}
    token.map = line_map
    _subparse(state, body)
    state.push("bbspoiler_close", "details", -1)


def _split_items(body: str) -> list[str]:
    """Split a [list] body at its own [*] markers (not those of nested lists)."""
    pairs = pair_block_tags(body)
    spans: list[tuple[int, int]] = []  # outermost nested block spans
    for start in pairs.starts:
        if not spans or start >= spans[-1][1]:
            spans.append((start, pairs.by_start[start].end))
    span_starts = [s for s, _ in spans]
    marks = []
    for m in _ITEM_RE.finditer(body):
        i = bisect_right(span_starts, m.start()) - 1
        if i < 0 or m.start() >= spans[i][1]:
            marks.append(m)
    if not marks:
        return [body.strip()] if body.strip() else []
    items = [body[: marks[0].start()].strip()] if body[: marks[0].start()].strip() else []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(body)
        items.append(_ITEM_CLOSE_RE.sub("", body[m.end() : end]).strip())
    return items


def _emit_list(state: StateBlock, pair: BlockPair, body: str, line_map: list[int]) -> None:
    arg = unquote_arg(pair.arg)[0].strip() if pair.arg else ""
    number = re.fullmatch(r"[0-9]{1,9}", arg)  # not str.isdigit: "²" passes that
    ordered = number is not None or arg in ("a", "A", "i", "I")
    kind, tag = ("ordered_list", "ol") if ordered else ("bullet_list", "ul")
    token = state.push(f"{kind}_open", tag, 1)
    token.markup = "[list]"
    token.map = line_map
    if number and int(arg) > 1:
        token.attrs = {"start": str(int(arg))}
    for item in _split_items(body):
        state.push("list_item_open", "li", 1)
        first, level = len(state.tokens), state.level
        _subparse(state, item)
        if "\n\n" not in item:  # tight item: no <p> wrapper, like markdown
            for t in state.tokens[first:]:
                if t.level == level and t.type in ("paragraph_open", "paragraph_close"):
                    t.hidden = True
        state.push("list_item_close", "li", -1)
    state.push(f"{kind}_close", tag, -1)


def _tag_value(arg: str | None) -> str | None:
    """A tag's argument without its quotes; "" (which no vocabulary accepts) when words
    follow the quoted value, as in [color="red" onclick=...]."""
    if arg is None:
        return None
    value, extras = unquote_arg(arg)
    return "" if extras.strip() else value


def _style_class(pair: BlockPair) -> str | None:
    return block_class(pair.name, _tag_value(pair.arg))


def _emit_styled(state: StateBlock, pair: BlockPair, body: str, line_map: list[int]) -> None:
    token = state.push("bb_block_open", "div", 1)
    token.attrs = {"class": str(_style_class(pair))}
    token.map = line_map
    _subparse(state, body)
    state.push("bb_block_close", "div", -1)


_EMITTERS = {"code": _emit_code, "quote": _emit_quote, "spoiler": _emit_spoiler, "list": _emit_list}
_EMITTERS.update(dict.fromkeys(BLOCK_STYLE_TAGS, _emit_styled))


def bbcode_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False  # indented code block wins, as for any markdown block
    src = state.src
    pos = state.bMarks[start_line] + state.tShift[start_line]
    if src.find("[", pos, state.eMarks[start_line]) == -1:
        return False
    pairs = _block_pairs(state)
    # As a terminator, a tag after text on the line may only end a paragraph;
    # tables (which borrow blockquote's terminators), lazy blockquote lines and
    # list items are only interrupted by a tag at the start of a line.
    mid_line_ok = not silent or state.parentType == "paragraph"
    found = _next_block(state, pairs, start_line, pos, end_line, mid_line_ok)
    if found is None:
        return False
    if silent:
        return True

    line = start_line
    # Several blocks may follow each other on one line; loop instead of
    # recursing so "[quote]a[/quote]" * 10000 cannot exhaust the stack.
    while found is not None:
        pair, close_line = found
        prefix = src[pos : pair.start].strip()
        if prefix:
            _push_paragraph(state, prefix, line)
        body = _body(state, pair, line, close_line)
        _EMITTERS[pair.name](state, pair, body, [line, close_line + 1])
        line, pos = close_line, pair.end
        found = _next_block(state, pairs, line, pos, end_line)

    rest = src[pos : state.eMarks[line]]
    if rest.strip():
        # Hand the tail of the closing line (and its lazy continuation lines)
        # to the stock paragraph rule by moving that line's start marker.
        state.bMarks[line] = pos
        state.tShift[line] = len(rest) - len(rest.lstrip(" \t"))
        state.sCount[line] = state.blkIndent
        paragraph_rule(state, line, end_line, False)
    else:
        state.line = line + 1
    return True


# --------------------------------------------------------------------------
# Inline rule
# --------------------------------------------------------------------------

_FORMAT = {"b": "strong", "i": "em", "u": "u", "s": "s"}
_SPAN_TAGS = BLOCK_STYLE_TAGS | {"color", "size"}
_ALT_RE = re.compile(r"""\balt=(?:"([^"]*)"|'([^']*)'|(\S+))""", re.IGNORECASE)
_DOMAIN_RE = re.compile(r"[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+(?:[/?#:]|$)")
_EMAIL_RE = re.compile(r"[^\s@<>\"'()\[\]\\,;:]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")


def _link_href(md: MarkdownIt, url: str) -> str | None:
    url = url.strip()
    if _DOMAIN_RE.match(url) and not url.lower().startswith(("http:", "https:", "mailto:")):
        url = "http://" + url  # [url]www.example.com[/url], common in old posts
    try:
        href = md.normalizeLink(url)
    except Exception:  # noqa: BLE001 - malformed URL text is just not a link
        return None
    return href if is_safe_link(href) else None


def _is_web_link(href: str | None) -> bool:
    return href is not None and href.lower().startswith(("http://", "https://"))


def _inner(state: StateInline, start: int, end: int) -> None:
    """Tokenize src[start:end] in place (as markdown-it's link rule does)."""
    env = state.env
    old_max = state.posMax
    state.pos, state.posMax = start, end
    env[_ENV_INLINE] = env.get(_ENV_INLINE, 0) + 1
    try:
        state.md.inline.tokenize(state)
    finally:
        env[_ENV_INLINE] -= 1
    state.posMax = old_max


def _push_link(
    state: StateInline, href: str, text: str | None, pair: InlinePair, cls: str | None = None
) -> None:
    token = state.push("link_open", "a", 1)
    token.attrs = {"href": href} if cls is None else {"href": href, "class": cls}
    token.markup = "bbcode"
    if text is not None:
        state.push("text", "", 0).content = text
    else:
        state.linkLevel += 1  # no nested links / linkify inside the label
        _inner(state, pair.open_end, pair.close_start)
        state.linkLevel -= 1
    state.push("link_close", "a", -1).markup = "bbcode"


def bbcode_inline(state: StateInline, silent: bool) -> bool:
    # Silent mode (used only while scanning markdown link labels) declines, so
    # "[see [b]this[/b]](url)" still counts brackets like plain text.
    if silent or state.src[state.pos] != "[":
        return False
    pairs: dict[int, InlinePair] | None = getattr(state, "_parley_pairs", None)
    if pairs is None:
        pairs = pair_inline_tags(state.src)
        state._parley_pairs = pairs  # type: ignore[attr-defined]
    pair = pairs.get(state.pos)
    if pair is None or pair.end > state.posMax:
        return False
    if state.env.get(_ENV_INLINE, 0) >= MAX_INLINE_NESTING:
        state.env[ENV_TOO_DEEP] = True
        return False  # too deep: the tag stays literal text, like markdown past maxNesting
    name = pair.name
    raw = state.src[pair.open_end : pair.close_start]

    if name in _FORMAT:
        state.push(f"bb_{name}_open", _FORMAT[name], 1).markup = f"[{name}]"
        _inner(state, pair.open_end, pair.close_start)
        state.push(f"bb_{name}_close", _FORMAT[name], -1).markup = f"[/{name}]"
    elif name in _SPAN_TAGS:
        value = _tag_value(pair.arg)
        if pair.attrs is None and (cls := span_class(name, value)) is not None:
            state.push("bb_span_open", "span", 1).attrs = {"class": cls}
            _inner(state, pair.open_end, pair.close_start)
            state.push("bb_span_close", "span", -1)
        else:  # a colour, size... outside the vocabulary: the text stays, unformatted
            _inner(state, pair.open_end, pair.close_start)
    elif name == "user":
        value = _tag_value(pair.arg)
        href = member_href(value) if state.linkLevel == 0 and pair.attrs is None else None
        if href is None:
            _inner(state, pair.open_end, pair.close_start)  # no usable id: the name alone
        elif not raw.strip():
            return False  # nothing to click: the tag stays visible as typed
        else:
            _push_link(state, href, None, pair)
    elif name == "media":
        provider = _tag_value(pair.arg)
        media = media_link(provider, raw) if state.linkLevel == 0 else None
        if media is not None:
            _push_link(state, media.href, media.label, pair, cls="bb-media")
        elif (
            provider is None
            and state.linkLevel == 0
            and _is_web_link(href := _link_href(state.md, raw))
        ):
            _push_link(state, str(href), raw.strip(), pair)  # another site: an ordinary link
        else:
            return False  # unknown provider or id: the tag stays visible as typed
    elif name == "font":
        _inner(state, pair.open_end, pair.close_start)
    elif name == "code":
        token = state.push("code_inline", "code", 0)
        token.content = raw
        token.markup = "[code]"
    elif name == "img":
        src = _link_href(state.md, raw)
        if src is None or not is_safe_image(src):
            return False
        alt = ""
        if pair.attrs and (m := _ALT_RE.search(pair.attrs)):
            alt = clean_label(next(g for g in m.groups() if g is not None), 300)
        token = state.push("image", "img", 0)
        token.attrs = {"src": src, "alt": ""}
        token.meta = {"alt": alt}
        token.children = []
        token.markup = "[img]"
    elif name == "email":
        addr = (unquote_arg(pair.arg)[0] if pair.arg else raw).strip()
        if state.linkLevel > 0 or not _EMAIL_RE.fullmatch(addr):
            return False
        _push_link(
            state, state.md.normalizeLink("mailto:" + addr), raw if pair.arg is None else None, pair
        )
    else:  # url
        target = unquote_arg(pair.arg)[0] if pair.arg is not None else raw
        href = None if state.linkLevel > 0 else _link_href(state.md, target)
        if href is None:
            if pair.arg is None:
                return False  # bad bare URL: leave the whole thing as text
            _inner(state, pair.open_end, pair.close_start)  # keep the label
        elif pair.arg is None or not raw.strip():
            _push_link(state, href, (raw if pair.arg is None else target).strip(), pair)
        else:
            _push_link(state, href, None, pair)
    state.pos = pair.end
    return True


# --------------------------------------------------------------------------
# Rendering of custom tokens
# --------------------------------------------------------------------------


def _render_quote_open(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    attribution: Attribution | None = tokens[idx].meta.get("attribution")
    if attribution is None:
        return '<blockquote class="bbquote"><div class="bbquote-body">\n'
    name = escapeHtml(attribution.author)
    out = [f'<blockquote class="bbquote" data-author="{name}"']
    if attribution.member_id:
        out.append(f' data-member="{attribution.member_id}"')
    out.append('><div class="bbquote-head">')
    if attribution.post_id:
        out.append(f'<a href="{POST_URL.format(attribution.post_id)}">{name} said:</a>')
    else:
        out.append(f"{name} said:")
    out.append('</div><div class="bbquote-body">\n')
    return "".join(out)


def _render_spoiler_open(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    title = tokens[idx].meta.get("title") or ""
    label = f"Spoiler: {escapeHtml(title)}" if title else "Spoiler"
    return f'<details class="spoiler"><summary>{label}</summary>\n'


def bbcode_plugin(md: MarkdownIt) -> None:
    """Install the BBCode rules and renderers on `md`."""
    md.block.ruler.before(
        "lheading",
        "bbcode_block",
        bbcode_block,
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )
    md.inline.ruler.before("link", "bbcode_inline", bbcode_inline)
    md.add_render_rule("bbquote_open", _render_quote_open)
    md.add_render_rule("bbquote_close", lambda *a: "</div></blockquote>\n")
    md.add_render_rule(
        "bbquote_omitted", lambda *a: '<div class="bbquote-omitted">[\u2026]</div>\n'
    )
    md.add_render_rule("bbspoiler_open", _render_spoiler_open)
    md.add_render_rule("bbspoiler_close", lambda *a: "</details>\n")
