"""A tiny HTML tree for tests: pages and rendered posts are parsed, not searched as strings."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_VOID = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }
)


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """All text inside, as a browser would show it (tags removed, entities decoded)."""
        parts: list[str] = []
        stack: list[Node | str] = [self]
        while stack:  # iterative: rendered posts may nest deeply
            item = stack.pop()
            if isinstance(item, str):
                parts.append(item)
            else:
                stack.extend(reversed(item.children))
        return "".join(parts)

    @property
    def folded_text(self) -> str:
        """`text` with each run of white space folded to one space, and none at either end."""
        return " ".join(self.text.split())

    def descendants(self) -> list[Node]:
        found: list[Node] = []
        stack = [c for c in reversed(self.children) if isinstance(c, Node)]
        while stack:
            node = stack.pop()
            found.append(node)
            stack.extend(c for c in reversed(node.children) if isinstance(c, Node))
        return found

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def find_all(
        self, tag: str | None = None, *, cls: str | None = None, **attrs: str
    ) -> list[Node]:
        return [
            node
            for node in self.descendants()
            if (tag is None or node.tag == tag)
            and (cls is None or cls in node.classes)
            and all(node.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    def find(self, tag: str | None = None, *, cls: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, cls=cls, **attrs)
        assert found, f"no <{tag or '*'} class={cls!r} {attrs}> in the page"
        return found[0]

    def first(self, tag: str | None = None, *, cls: str | None = None, **attrs: str) -> Node | None:
        """Like `find`, but None when nothing matches (for tests that something is absent)."""
        found = self.find_all(tag, cls=cls, **attrs)
        return found[0] if found else None

    def one(self, tag: str | None = None, *, cls: str | None = None, **attrs: str) -> Node:
        """Like `find`, but asserts that exactly one element matches."""
        found = self.find_all(tag, cls=cls, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag or '*'} class={cls!r} {attrs}>, not one"
        return found[0]

    def following_text(self, node: Node) -> str:
        """The text right after `node` among its siblings (up to the next element)."""
        for parent in [self, *self.descendants()]:
            kids = parent.children
            for i, kid in enumerate(kids):
                if kid is node:
                    rest = kids[i + 1 : i + 2]
                    return rest[0] if rest and isinstance(rest[0], str) else ""
        raise AssertionError("node not in this tree")


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str | bytes) -> Node:
    builder = _Builder()
    builder.feed(html.decode() if isinstance(html, bytes) else html)
    builder.close()
    return builder.root
