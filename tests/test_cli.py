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


# --- First run: a busy port, a lost admin password -------------------------------------------


@pytest.fixture
def busy_port():
    """A port another program listens on."""
    import socket

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    yield listener.getsockname()[1]
    listener.close()


def test_port_in_use_tells_a_taken_port_from_a_free_one(busy_port):
    import socket

    assert cli.port_in_use("127.0.0.1", busy_port)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    assert not cli.port_in_use("127.0.0.1", free)


def test_serve_on_a_taken_port_says_so_and_how_to_pick_another(busy_port, capsys, monkeypatch):
    monkeypatch.setattr(cli, "_django", lambda: pytest.fail("must stop before starting Django"))
    assert cli.main(["serve", "--port", str(busy_port)]) == 2
    err = capsys.readouterr().err
    assert f"port {busy_port} on 127.0.0.1 is already in use" in err
    assert f"make demo PORT={busy_port + 1}" in err
    assert f"parley serve --port {busy_port + 1}" in err


@pytest.mark.django_db
def test_demo_on_a_taken_port_creates_nothing(busy_port, capsys):
    assert cli.main(["demo", "--port", str(busy_port)]) == 2
    assert "already in use" in capsys.readouterr().err
    assert not Member.objects.exists()


@pytest.mark.django_db
def test_demo_prints_the_login_once_and_how_to_reset_it(capsys, monkeypatch):
    monkeypatch.setattr(cli.sys, "argv", [".venv/bin/parley", "demo"])
    monkeypatch.setenv("PARLEY_ADMIN_PASSWORD", "demo-admin-passphrase-123")
    assert cli.main(["demo", "--port", "0"]) == 0
    first = capsys.readouterr().out
    assert "Admin login: admin / demo-admin-passphrase-123" in first
    assert ".venv/bin/parley createadmin --reset-password admin" in first
    assert "Administration: the Admin link in the header, or http://127.0.0.1:0/admin/" in first
    assert cli.main(["demo"]) == 0
    again = capsys.readouterr().out
    assert "demo-admin-passphrase-123" not in again
    assert "Forgot the admin password? .venv/bin/parley createadmin --reset-password admin" in again


@pytest.mark.django_db
def test_reset_password_prints_a_new_one_that_logs_in(capsys, client):
    from parley.accounts.services import register_member

    admin = register_member(
        username="Chief",
        email="chief@example.org",
        password="the-old-passphrase-1",
        is_staff=True,
        is_superuser=True,
    )
    client.force_login(admin)
    assert cli.main(["createadmin", "--reset-password", "chief"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("New password for 'Chief': ")
    new_password = out.split(": ", 1)[1].strip()
    admin.refresh_from_db()
    assert admin.check_password(new_password) and not admin.check_password("the-old-passphrase-1")
    assert client.get("/account/").status_code == 302  # the old session ended


@pytest.mark.django_db
def test_reset_password_with_a_chosen_one_and_its_refusals(capsys):
    from parley.accounts.services import register_member

    member = register_member(
        username="Dora", email="dora@example.org", password="the-old-passphrase-2"
    )
    chosen = "a-chosen-long-passphrase"
    assert cli.main(["createadmin", "--reset-password", "Dora", "--password", chosen]) == 0
    assert capsys.readouterr().out == "The password of 'Dora' was changed.\n"
    member.refresh_from_db()
    assert member.check_password(chosen)
    assert cli.main(["createadmin", "--reset-password", "Dora", "--password", "123"]) == 1
    assert capsys.readouterr().err.startswith("Could not set that password: ")
    member.refresh_from_db()
    assert member.check_password(chosen)
    assert cli.main(["createadmin", "--reset-password", "nobody"]) == 1
    assert capsys.readouterr().err == "No account is called 'nobody'.\n"
