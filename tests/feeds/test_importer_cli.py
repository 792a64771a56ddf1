"""`parley feeds add|list|fetch`: what an administrator types, what they read back, and clear
refusals (a message and exit status 1, never a traceback)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from parley import cli
from parley.accounts.models import Member
from parley.feeds.models import NewsFeed
from parley.forums.models import Thread
from tests.feeds.importer_server import RSS2, FeedServer, feed_server, serve

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with feed_server() as fs:
        fs.route("/gazette.xml", serve(RSS2))
        fs.route("/broken.xml", serve("oops", status=500))
        yield fs


@pytest.fixture
def world(server: FeedServer):
    from tests.world import build_world

    with server.allowed():
        yield build_world()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["feeds", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_add_list_and_fetch(capsys, world, server: FeedServer) -> None:
    url = server.url("/gazette.xml")
    code, out, err = run(
        capsys,
        "add",
        url,
        "--forum",
        str(world.news.pk),
        "--prefix",
        "breaking news",
        "--interval",
        "15",
    )
    assert (code, err) == (0, "")
    feed = NewsFeed.objects.get()
    assert out.startswith(f"Feed {feed.pk} added: {url} -> Breaking news, posted by Newsroom")
    assert (feed.prefix, feed.interval_minutes, feed.member.username) == (
        world.breaking,
        15,
        "Newsroom",
    )

    code, out, _ = run(capsys, "fetch", str(feed.pk))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == (
        f"Feed {feed.pk} (The Carrowmere Gazette): 2 posted, 0 added to existing stories, "
        "0 skipped."
    )
    ferry = Thread.objects.get(title__startswith="Ferry crews")
    assert f"  posted: {ferry.title} ({ferry.get_absolute_url()})" in lines

    code, out, _ = run(capsys, "fetch", "--all")
    assert code == 0
    assert (
        "  skipped: Ferry crews walk out, halting all Carrowmere crossings: already imported "
        "(same GUID or link)" in out.splitlines()
    )

    code, out, _ = run(capsys, "list")
    first, second = out.splitlines()[:2]
    assert first == (
        f"{feed.pk}\t{url}\tactive\tforum {world.news.pk} (Breaking news)\tby Newsroom\t"
        "every 15 min\t2 imported"
    )
    assert second.startswith("\tlast fetch ") and second.endswith(
        "0 posted, 0 added to existing stories, 2 skipped."
    )


def test_a_named_member_and_a_failing_fetch(capsys, world, server: FeedServer) -> None:
    code, _, _ = run(
        capsys, "add", server.url("/broken.xml"), "--forum", str(world.news.pk), "--member", "alice"
    )
    feed = NewsFeed.objects.get()
    assert code == 0 and feed.member == world.member
    code, out, _ = run(capsys, "fetch", str(feed.pk))
    assert code == 1
    assert out == f"Feed {feed.pk} ({feed.url}): Failed: The server answered HTTP 500.\n"
    _, out, _ = run(capsys, "list")
    assert "\tlast error " in out and out.rstrip().endswith("The server answered HTTP 500.")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["add", "https://x.example.com/rss", "--forum", "99999"],
            "There is no forum with id 99999 (see the admin's forum list).",
        ),
        (
            ["add", "https://x.example.com/rss", "--forum", "{news}", "--prefix", "Gossip"],
            "There is no prefix called 'Gossip' (there are: Breaking news).",
        ),
        (
            ["add", "https://x.example.com/rss", "--forum", "{news}", "--member", "nobody"],
            "No account is called 'nobody'.",
        ),
        (
            ["add", "ftp://x.example.com/rss", "--forum", "{news}"],
            "URL: The feed address must be a web address starting with http:// or https://.",
        ),
        (
            ["add", "https://x.example.com/rss", "--forum", "{news}", "--interval", "1"],
            "--interval: Fetch every 5 to 10,080 minutes.",
        ),
        (["fetch"], "Name one FEED_ID, or --all for every active feed."),
        (["fetch", "4242"], "There is no feed with id 4242 (see `parley feeds list`)."),
    ],
)
def test_refusals_are_messages(capsys, world, argv: list[str], message: str) -> None:
    argv = [a.replace("{news}", str(world.news.pk)) for a in argv]
    code, out, err = run(capsys, *argv)
    assert (code, out) == (1, "")
    assert err == f"error: {message}\n"
    assert not NewsFeed.objects.exists()


def test_an_empty_list_says_how_to_add_one(capsys, world) -> None:
    assert run(capsys, "list") == (
        0,
        "No feeds yet. Add one with `parley feeds add URL --forum FORUM_ID`.\n",
        "",
    )
    assert not Member.objects.filter(username="Newsroom").exists()
