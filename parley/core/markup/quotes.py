"""BBCode tag pairing (block and inline), quote attribution and quote_source.

Pairing lives here (not in bbcode.py) because ``quote_source`` must strip and
escape quotes with exactly the same notion of "matched tag" the renderer uses;
otherwise a crafted body could close the reply's quote early.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from .sanitise import clean_control_chars

MAX_QUOTE_DEPTH: int = 3
MAX_AUTHOR_LEN = 100

# Alignment and indentation are blocks too when they open a line (bbcode.py decides), so
# that they may hold paragraphs, lists and quotes; elsewhere they are inline tags.
BLOCK_TAGS = ("quote", "spoiler", "list", "code", "center", "left", "right", "justify", "indent")
_BLOCK_NAMES = "|".join(BLOCK_TAGS)

# An opening tag's argument is either ``="quoted"`` (may contain "]", may be
# followed by phpBB-style ``post_id=1 user_id=2``) or a bare value up to "]".
# Runs are bounded and possessive: otherwise every "[quote=" on a long line
# without "]" would rescan the rest of the line (quadratic).
_ARG = (
    r"""(?:=(?P<arg>"[^"\n]{0,300}+"[^\]\n]{0,300}+"""
    r"""|'[^'\n]{0,300}+'[^\]\n]{0,300}+|[^\]\n]{0,300}+))?"""
)
BLOCK_TAG_RE = re.compile(
    rf"\[(?:/(?P<close>{_BLOCK_NAMES})|(?P<open>{_BLOCK_NAMES})" + _ARG + r")\]",
    re.IGNORECASE,
)
_CODE_CLOSE_RE = re.compile(r"(?<!\\)\[/code\]", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class BlockPair:
    name: str
    arg: str | None
    start: int  # "[" of the opening tag
    open_end: int  # just past the opening "]"
    close_start: int
    end: int  # just past the closing "]"


@dataclass(slots=True)
class BlockPairs:
    by_start: dict[int, BlockPair]
    starts: list[int]  # sorted keys of by_start, for per-line range lookups
    unpaired: list[tuple[int, int, str]]  # (start, end, name) of stray tags

    def first_in(self, lo: int, hi: int) -> Iterator[BlockPair]:
        """Pairs whose opening tag starts in [lo, hi), in source order.

        A generator: callers usually stop at the first hit, and building the
        whole list made a long line of sequential quotes quadratic.
        """
        starts = self.starts
        i = bisect_left(starts, lo)
        while i < len(starts) and starts[i] < hi:
            yield self.by_start[starts[i]]
            i += 1


def pair_block_tags(src: str) -> BlockPairs:
    """Match the BLOCK_TAGS in one linear pass.

    Each tag name has its own stack, so mismatched interleavings never produce
    overlapping output; [code] is raw (first [/code] closes it, nothing inside
    counts); a tag preceded by a backslash is escaped and ignored.
    """
    by_start: dict[int, BlockPair] = {}
    unpaired: list[tuple[int, int, str]] = []
    stacks: dict[str, list[re.Match[str]]] = {n: [] for n in BLOCK_TAGS}
    skip_to = 0
    code_close_exhausted = False
    for m in BLOCK_TAG_RE.finditer(src):
        s = m.start()
        if s < skip_to or (s and src[s - 1] == "\\"):
            continue
        close = m.group("close")
        if close is not None:
            name = close.lower()
            stack = stacks[name] if name != "code" else None
            if stack:
                o = stack.pop()
                by_start[o.start()] = BlockPair(
                    name, o.group("arg"), o.start(), o.end(), s, m.end()
                )
            else:
                unpaired.append((s, m.end(), name))
            continue
        name = m.group("open").lower()
        if name == "code":
            c = None if code_close_exhausted else _CODE_CLOSE_RE.search(src, m.end())
            if c is None:
                # No [/code] after here means none after any later [code]
                # either: remembering that keeps "[code]" * n linear.
                code_close_exhausted = True
                unpaired.append((s, m.end(), name))
                continue
            by_start[s] = BlockPair(name, m.group("arg"), s, m.end(), c.start(), c.end())
            skip_to = c.end()
            continue
        stacks[name].append(m)
    for stack in stacks.values():
        unpaired.extend((o.start(), o.end(), o.group("open").lower()) for o in stack)
    unpaired.sort()
    return BlockPairs(by_start, sorted(by_start), unpaired)


# --- attribution -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attribution:
    author: str
    post_id: int | None = None
    member_id: int | None = None


# XenForo: "name, post: 12, member: 3". Parsed from the right, so the *last*
# ", post:" wins and a display name containing ", post: 9" cannot redirect the
# link of a quote produced by quote_source. (Anchored tail searches rather than
# one lazy full-match regex, which backtracks quadratically on long input.)
_XF_MEMBER_RE = re.compile(r",\s*member:\s*([0-9]{1,18})\s*$")
_XF_POST_RE = re.compile(r",\s*post:\s*([0-9]{1,18})\s*$")
_PHPBB_KV_RE = re.compile(r"\b(post_id|user_id)=([0-9]{1,18})\b")
_VB_RE = re.compile(r";\s*([0-9]{1,18})\s*$")  # vBulletin "name;123"
_SPACES_RE = re.compile(r"\s+")


def clean_label(text: str, limit: int = MAX_AUTHOR_LEN) -> str:
    """One-line, control-free, length-capped text for names and titles."""
    return _SPACES_RE.sub(" ", clean_control_chars(text)).strip()[:limit]


def unquote_arg(arg: str) -> tuple[str, str]:
    """Split a tag argument into (value without quotes, trailing extras)."""
    arg = arg.strip()
    if arg[:1] in ('"', "'"):
        end = arg.find(arg[0], 1)
        if end != -1:
            return arg[1:end], arg[end + 1 :]
        return arg[1:], ""
    return arg, ""


def _positive(value: str | None) -> int | None:
    if value is None:
        return None
    n = int(value)
    return n if n > 0 else None


def parse_attribution(arg: str | None) -> Attribution | None:
    """Parse the ``=...`` part of a [quote] tag; None when there is no author."""
    if not arg:
        return None
    value, extras = unquote_arg(arg)
    name, post, member = value, None, None
    if m := _XF_MEMBER_RE.search(name):
        name, member = name[: m.start()], m.group(1)
    m = _XF_POST_RE.search(name) or (_VB_RE.search(name) if member is None else None)
    if m:
        name, post = name[: m.start()], m.group(1)
    kv = dict(_PHPBB_KV_RE.findall(extras))
    post = post or kv.get("post_id")
    member = member or kv.get("user_id")
    author = clean_label(name)
    if not author:
        return None
    return Attribution(author, _positive(post), _positive(member))


# --- quote_source ----------------------------------------------------------

_QUOTE_NAME_FIXES = str.maketrans({'"': "'", "[": "(", "]": ")"})
_BLANK_RUNS_RE = re.compile(r"\n{3,}")


def strip_quotes(source: str) -> str:
    """Remove matched [quote] blocks and escape stray quote/code tags.

    Escaping (a backslash before "[") keeps an unmatched ``[/quote]`` or
    ``[code]`` in the body from closing or swallowing the reply's own quote;
    markdown renders ``\\[`` as a plain "[".
    """
    pairs = pair_block_tags(source)
    cuts: list[tuple[int, int, str]] = []
    covered = -1
    for start in pairs.starts:
        p = pairs.by_start[start]
        if start < covered:
            continue  # nested inside a quote already being removed
        if p.name == "quote":
            cuts.append((p.start, p.end, ""))
            covered = p.end
        elif p.name == "code":
            covered = p.end  # stray tags inside code are literal anyway
    removed = [(a, b) for a, b, _ in cuts]  # ascending, non-overlapping
    removed_starts = [a for a, _ in removed]
    for s, _e, name in pairs.unpaired:
        i = bisect_right(removed_starts, s) - 1
        inside = i >= 0 and s < removed[i][1]
        if name in ("quote", "code") and not inside:
            cuts.append((s, s, "\\"))
    out: list[str] = []
    pos = 0
    for s, e, repl in sorted(cuts, key=lambda c: (c[0], c[1])):
        if s < pos:
            continue
        out.append(source[pos:s])
        out.append(repl)
        pos = e
    out.append(source[pos:])
    return _BLANK_RUNS_RE.sub("\n\n", "".join(out)).strip()


def quote_source(*, author_name: str, post_id: int, member_id: int | None, body_source: str) -> str:
    """BBCode for quoting a post in a reply, XenForo style (nested quotes dropped)."""
    name = clean_label(author_name).translate(_QUOTE_NAME_FIXES)
    parts = [name, f"post: {int(post_id)}"]
    if member_id is not None:
        parts.append(f"member: {int(member_id)}")
    body = strip_quotes(clean_control_chars(body_source))
    return f'[quote="{", ".join(parts)}"]\n{body}\n[/quote]\n'


# --- inline tag pairing ----------------------------------------------------

_INLINE_NAMES = (
    "url|img|code|email|media|color|size|font|center|left|right|justify|indent|user|b|i|u|s"
)
INLINE_TAG_RE = re.compile(
    rf"\[(?:/(?P<close>{_INLINE_NAMES})|(?P<open>{_INLINE_NAMES})"
    r"""(?:=(?P<arg>"[^"\n]{0,2048}+"|'[^'\n]{0,2048}+'|[^\]\n]{0,2048}+)"""
    r"""|\s+(?P<attrs>[^\]\n]{0,300}+))?)\]""",
    re.IGNORECASE,
)
_RAW_CLOSE = {
    n: re.compile(rf"(?<!\\)\[/{n}\]", re.IGNORECASE)
    for n in ("url", "img", "code", "email", "media")
}


@dataclass(frozen=True, slots=True)
class InlinePair:
    name: str
    arg: str | None
    attrs: str | None
    open_end: int
    close_start: int
    end: int


def pair_inline_tags(src: str) -> dict[int, InlinePair]:
    """Match inline tags in one pass; [code], [img], [media] and argument-less [url] /
    [email] are raw (their first closing tag ends them, nothing inside counts)."""
    pairs: dict[int, InlinePair] = {}
    stacks: dict[str, list[re.Match[str]]] = {}
    exhausted: set[str] = set()
    skip_to = 0
    for m in INLINE_TAG_RE.finditer(src):
        s = m.start()
        if s < skip_to or (s and src[s - 1] == "\\"):
            continue
        if (close := m.group("close")) is not None:
            if stack := stacks.get(close.lower()):
                o = stack.pop()
                pairs[o.start()] = InlinePair(
                    close.lower(), o.group("arg"), o.group("attrs"), o.end(), s, m.end()
                )
            continue
        name, arg = m.group("open").lower(), m.group("arg")
        if name in ("code", "img", "media") or (name in ("url", "email") and arg is None):
            if name in exhausted:
                continue
            c = _RAW_CLOSE[name].search(src, m.end())
            if c is None:
                exhausted.add(name)  # keeps "[img]" * n linear
                continue
            pairs[s] = InlinePair(name, arg, m.group("attrs"), m.end(), c.start(), c.end())
            skip_to = c.end()
            continue
        stacks.setdefault(name, []).append(m)
    return pairs
