"""The `parley` command, called in-process."""

import os

import pytest

from parley import cli
from parley.accounts.models import Member


@pytest.mark.django_db
def test_createadmin_creates_a_superuser(capsys):
    code = cli.main(
        [
            "createadmin",
            "--username",
            "xavier",
            "--email",
            "x@example.org",
            "--password",
            "a-long-unguessable-passphrase",
        ]
    )
    assert code == 0
    member = Member.objects.get(username="xavier")
    assert member.is_superuser and member.is_staff
    assert member.check_password("a-long-unguessable-passphrase")
    assert "created" in capsys.readouterr().out


@pytest.mark.django_db
def test_createadmin_refuses_a_weak_password(capsys):
    code = cli.main(
        ["createadmin", "--username", "y", "--email", "y@example.org", "--password", "123"]
    )
    assert code == 1
    assert not Member.objects.filter(username="y").exists()
    assert "Could not create" in capsys.readouterr().err


@pytest.mark.django_db
def test_createadmin_prompts_for_missing_values(monkeypatch):
    answers = iter(["prompted", "prompted@example.org"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt: "another-long-passphrase")
    assert cli.main(["createadmin"]) == 0
    assert Member.objects.get(username="prompted").is_superuser


LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def production_jobs(settings):
    """The test settings run jobs inline, which `parley check` rightly refuses."""
    settings.HUEY = {**settings.HUEY, "immediate": False}


@pytest.mark.django_db
def test_check_passes_and_reports_database_cache_and_worker(capsys, production_jobs):
    assert cli.main(["check"]) == 0
    out = capsys.readouterr().out
    assert "Database (" in out and "reachable" in out
    assert "Cache (" in out and "working" in out
    assert "Job worker: none has run yet" in out


@pytest.mark.django_db
def test_check_says_when_the_job_worker_was_last_seen(capsys, production_jobs):
    from django.utils import timezone

    from parley.core.jobs import HEARTBEAT
    from parley.core.models import Stamp

    now = int(timezone.now().timestamp())
    Stamp.objects.update_or_create(name=HEARTBEAT, defaults={"value": now - 5})
    assert cli.main(["check"]) == 0
    assert "Job worker: running" in capsys.readouterr().out
    Stamp.objects.filter(name=HEARTBEAT).update(value=now - 600)
    assert cli.main(["check"]) == 0
    assert "Job worker: NOT seen for" in capsys.readouterr().out


@pytest.mark.django_db
def test_check_fails_on_a_per_process_cache_with_several_workers(capsys, settings, production_jobs):
    settings.CACHES = LOCAL_CACHE
    assert cli.main(["check", "--workers", "3"]) == 1
    out = capsys.readouterr().out
    assert "parley.E001" in out and "PARLEY_REDIS_URL" in out
    assert cli.main(["check", "--workers", "1"]) == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "engine",
    [
        "django.contrib.sessions.backends.cache",
        "django.contrib.sessions.backends.cached_db",
        "django.contrib.sessions.backends.signed_cookies",
    ],
)
def test_check_fails_on_sessions_a_logout_cannot_end(capsys, settings, production_jobs, engine):
    settings.SESSION_ENGINE = engine
    assert cli.main(["check"]) == 1
    assert "parley.E002" in capsys.readouterr().out


@pytest.mark.django_db
def test_check_fails_when_jobs_would_run_inside_requests(capsys):
    assert cli.main(["check"]) == 1  # the test settings' inline jobs
    assert "parley.E003" in capsys.readouterr().out


def test_serve_refuses_to_split_state_between_workers(monkeypatch, capsys, settings):
    settings.CACHES = LOCAL_CACHE
    monkeypatch.setenv("PARLEY_SECURE_COOKIES", "0")  # serve would set it for loopback
    monkeypatch.setattr(cli, "_call", lambda *a, **kw: pytest.fail("must not migrate"))
    monkeypatch.setattr(cli, "build_server", lambda **kw: pytest.fail("must not serve"))
    assert cli.main(["serve", "--port", "8765", "--workers", "3"]) == 2
    assert "PARLEY_REDIS_URL" in capsys.readouterr().err


@pytest.mark.django_db
def test_manage_passes_through_to_django(capsys):
    assert cli.main(["manage", "check"]) == 0
    assert "no issues" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("host", "bind"),
    [("127.0.0.1", "127.0.0.1:8123"), ("192.0.2.10", "192.0.2.10:8123"), ("::1", "[::1]:8123")],
)
def test_server_gets_bind_and_workers(host, bind):
    app = cli.build_server(host=host, port=8123, workers=3)
    assert app.cfg.bind == [bind]
    assert app.cfg.workers == 3


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("192.0.2.10", False),
        ("192.168.1.5", False),
        ("forum.example.org", False),
    ],
)
def test_is_loopback(host, loopback):
    assert cli.is_loopback(host) is loopback


class FakeServer:
    ran = False

    def run(self):
        FakeServer.ran = True


@pytest.mark.parametrize(
    ("host", "preset", "expected"),
    [
        ("127.0.0.1", None, "0"),  # plain-HTTP loopback: Secure cookies would never come back
        ("127.0.0.1", "1", "1"),  # an explicit choice is kept
        ("192.0.2.10", None, None),  # public: stays Secure (settings default)
    ],
)
def test_serve_migrates_collects_and_runs(monkeypatch, capsys, host, preset, expected):
    if preset is None:
        monkeypatch.delenv("PARLEY_SECURE_COOKIES", raising=False)
    else:
        monkeypatch.setenv("PARLEY_SECURE_COOKIES", preset)
    calls, built = [], {}
    monkeypatch.setattr(cli, "_call", lambda name, *a, **kw: calls.append(name))
    monkeypatch.setattr(cli, "build_server", lambda **kw: built.update(kw) or FakeServer())
    try:
        assert cli.main(["serve", "--host", host, "--port", "8765", "--workers", "2"]) == 0
        assert os.environ.get("PARLEY_SECURE_COOKIES") == expected
    finally:
        os.environ.pop("PARLEY_SECURE_COOKIES", None)
    assert calls == ["migrate", "collectstatic"]
    assert built == {"host": host, "port": 8765, "workers": 2}
    assert FakeServer.ran
    assert ("not marked Secure" in capsys.readouterr().out) is (expected == "0")
