"""The arguments of `parley feeds`, importable before Django is set up (`parley --help`)."""

from __future__ import annotations

import argparse

NEWSROOM = "Newsroom"  # the posting member `parley feeds add` and the demo default to


def feeds_arguments(feeds: argparse.ArgumentParser) -> None:
    sub = feeds.add_subparsers(dest="feeds_command", required=True, metavar="ACTION")
    add = sub.add_parser("add", help="register a feed")
    add.add_argument("url", help="the feed's http:// or https:// address")
    add.add_argument("--forum", type=int, required=True, metavar="FORUM_ID", help="post here")
    add.add_argument("--prefix", metavar="NAME", help="thread prefix, e.g. 'Breaking news'")
    add.add_argument(
        "--member",
        metavar="USERNAME",
        help=f"posting member (default: {NEWSROOM}, created if missing)",
    )
    add.add_argument(
        "--interval",
        type=int,
        default=30,
        metavar="MINUTES",
        help="fetch every this many minutes (default 30)",
    )
    add.add_argument(
        "--source-name", default="", help="source shown on stories (default: the feed's title)"
    )
    add.add_argument(
        "--chars", type=int, default=0, metavar="N", help="post the first N characters (0: all)"
    )
    add.add_argument("--inactive", action="store_true", help="register it without fetching")
    sub.add_parser("list", help="list the feeds and how their last fetch went")
    fetch = sub.add_parser("fetch", help="fetch and import now, saying what was posted and why")
    fetch.add_argument("feed_id", nargs="?", type=int, metavar="FEED_ID")
    fetch.add_argument("--all", action="store_true", help="every active feed")
