"""The `parley` command: serve, demo, seed, migrate, migrate-data, createadmin, reindex, check, and
`manage` for the rest."""

from __future__ import annotations

import argparse
import errno
import getpass
import ipaddress
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from parley.core import datadir
from parley.feeds.importer.arguments import feeds_arguments

DEFAULT_SETTINGS = "parley.settings"
WORKER_STOP_SECONDS = 30.0  # above the consumer's own graceful shutdown timeout


def _django() -> None:
    # Settings only read the data directory and its secret key; first use creates them here.
    datadir.prepare()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    # Django loads only when a command needs it (`parley --help` stays instant).
    import django

    django.setup()


def _call(name: str, *args: str, **options: Any) -> None:
    # Django loads only when a command needs it (see _django).
    from django.core.management import call_command

    call_command(name, *args, **options)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def port_in_use(host: str, port: int) -> bool:
    """Whether another program already listens on host:port (checked by binding it, as the
    server is about to; other bind errors are left for the server to report)."""
    address = host.strip("[]")
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            probe.bind((address, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def refuse_busy_port(host: str, port: int) -> bool:
    """Say so, and how to pick another port, when the port is taken; True if it was."""
    if not port_in_use(host, port):
        return False
    print(
        f"error: port {port} on {host} is already in use (is Parley already running?).\n"
        f"       Serve on another port: make demo PORT={port + 1}, or parley serve --port "
        f"{port + 1}",
        file=sys.stderr,
    )
    return True


def command_name() -> str:
    """How the user ran us, for commands we suggest (`.venv/bin/parley` from `make demo`)."""
    invoked = sys.argv[0] if sys.argv and sys.argv[0].endswith("parley") else "parley"
    return os.path.relpath(invoked) if os.path.isabs(invoked) else invoked


def default_workers() -> int:
    # Sync workers: two per core plus one, capped so a big machine doesn't exhaust the database.
    return min(2 * (os.cpu_count() or 1) + 1, 8)


def build_server(*, host: str, port: int, workers: int) -> Any:
    """A gunicorn application serving parley.wsgi in-process (no config file, no argv parsing)."""
    # gunicorn only for `serve`.
    from gunicorn.app.base import BaseApplication

    bind_host = f"[{host.strip('[]')}]" if ":" in host else host

    class ParleyServer(BaseApplication):
        def __init__(self, options: dict[str, Any]) -> None:
            self.options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                if key in self.cfg.settings:  # older gunicorns lack some settings
                    self.cfg.set(key, value)

        def load(self) -> Any:
            # In each worker, as gunicorn loads an app: after the fork.
            from parley.wsgi import application

            return application

    return ParleyServer(
        {
            "bind": [f"{bind_host}:{port}"],
            "workers": workers,
            "accesslog": "-",
            "timeout": 60,
            # gunicorn >= 25 opens a control socket at one per-user path, which a second
            # instance (a test server, another checkout) would fight over; nothing here uses it.
            "control_socket_disable": True,
            # A worker leaving (restart, reload, max requests) hands on its buffered view
            # counts and visits first; see parley/core/flusher.py.
            "worker_exit": "parley.core.flusher.worker_exit",
        }
    )


def cmd_serve(args: argparse.Namespace) -> int:
    # Must happen before Django reads settings: browsers drop Secure cookies over plain HTTP,
    # which loopback serving is, so logging in would silently fail.
    if is_loopback(args.host) and "PARLEY_SECURE_COOKIES" not in os.environ:
        os.environ["PARLEY_SECURE_COOKIES"] = "0"
        print("Note: serving plain HTTP on loopback, so cookies are not marked Secure.")
    if refuse_busy_port(args.host, args.port):
        return 2
    _heed_sigint()  # before the worker starts: it inherits what we ignore
    _django()
    # Imported here, after _django(): parley's modules need the app registry.
    from django.db import connections

    from parley.core.checks import shared_state_errors

    # Refuse to start workers that would each believe something different (E003, jobs run
    # inline, is only the test settings' choice and splits nothing).
    errors = [e for e in shared_state_errors(args.workers) if e.id != "parley.E003"]
    for error in errors:
        print(f"error: {error.msg}\n       {error.hint}", file=sys.stderr)
    if errors:
        return 2
    _call("migrate", interactive=False, verbosity=0)
    _call("collectstatic", interactive=False, verbosity=0)
    connections.close_all()  # workers fork; each must open its own database connection
    worker = None if args.no_worker else start_worker()
    print(f"Parley is serving at http://{args.host}:{args.port}/ (Ctrl+C to stop)", flush=True)
    try:
        build_server(host=args.host, port=args.port, workers=args.workers).run()
    finally:  # gunicorn leaves by SystemExit on SIGTERM/SIGINT, or by an error
        if worker is not None:
            stop_worker(worker)
    return 0


def _jobs_run_inline() -> bool:
    # Django loads only when a command needs it (see _django).
    from django.conf import settings

    return bool(settings.HUEY.get("immediate"))


def start_worker() -> subprocess.Popen[bytes] | None:
    """`parley worker` as a child process with this process's settings and environment; None
    when tasks run inline (test settings), since such a consumer would have nothing to do."""
    # Django loads only when a command needs it (see _django).
    from django.conf import settings

    if _jobs_run_inline():
        return None
    env = {
        **os.environ,  # PARLEY_*, DJANGO_SETTINGS_MODULE (set by _django), cookie choice
        "PARLEY_DATA_DIR": str(settings.DATA_DIR),  # a relative default must not move
    }
    command = [sys.executable, "-m", "parley.cli", "worker", "--parent-pid", str(os.getpid())]
    # Its own session: Ctrl+C reaches only this process, which stops the worker exactly once
    # (a second SIGINT would cut huey's graceful shutdown short).
    return subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603


def stop_worker(worker: subprocess.Popen[bytes], timeout: float = WORKER_STOP_SECONDS) -> None:
    if worker.poll() is not None:
        return
    worker.send_signal(signal.SIGINT)  # huey's graceful stop: the running jobs finish
    try:
        worker.wait(timeout)
    except subprocess.TimeoutExpired:
        print(f"The job worker did not stop within {timeout:.0f} s: killed it.", file=sys.stderr)
        worker.kill()
        worker.wait()


def cmd_worker(args: argparse.Namespace) -> int:
    _django()
    if _jobs_run_inline():
        print("HUEY runs tasks inline (immediate) in these settings: no queue to consume.")
        return 1
    if args.parent_pid:
        _exit_with_parent(args.parent_pid)
    # run_huey gives the "huey" logger its own handler; the root one would print every line twice.
    logging.getLogger("huey").propagate = False
    options: dict[str, Any] = {"verbose": None if args.verbose else False}  # False: warnings up
    if args.threads:
        options["workers"] = args.threads
    _call("run_huey", **options)
    return 0


def _exit_with_parent(parent_pid: int) -> None:
    """Stop gracefully once the `parley serve` that started us is gone, even if it was killed
    without a chance to stop us (its pid then no longer is our parent)."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1)
        # SIGINT is the consumer's graceful stop. Repeated, because one sent before the
        # consumer has installed its handler (the serve died while we were starting) is
        # handled by Python's default instead, or lost if it was ignored.
        while True:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(30)  # a second one cuts a graceful stop short: give tasks time

    _heed_sigint()  # or the stop above would never arrive
    threading.Thread(target=watch, name="parley-parent-watch", daemon=True).start()


def _heed_sigint() -> None:
    """A shell without job control starts background commands with SIGINT ignored, and child
    processes inherit that. SIGINT is how `parley serve` stops its worker gracefully, so both
    take it back: the serve before it starts the worker (a worker still starting would otherwise
    drop the stop and be killed 30 s later), the worker for its own parent watch."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def cmd_demo(args: argparse.Namespace) -> int:
    # `make demo` serves right after: a busy port is reported before anything is created, so
    # the one-time admin password is printed only when the board will really be served.
    if args.port is not None and refuse_busy_port(args.host, args.port):
        return 2
    _django()
    # Imported here, after _django(): parley's modules need the app registry.
    from django.core.exceptions import ValidationError

    from parley.demo import load_demo

    _call("migrate", interactive=False, verbosity=0)
    try:
        result = load_demo(stdout=sys.stdout)
    except ValidationError as exc:
        print("Could not create the demo accounts: " + " ".join(exc.messages), file=sys.stderr)
        return 1
    reset = f"{command_name()} createadmin --reset-password"
    site = f"http://{args.host}:{args.port}" if args.port is not None else ""
    if result is None:
        print(
            "The board already has threads, so no demo content was loaded (delete the data "
            "directory to start over).\n"
            f"Forgot the admin password? {reset} admin"
        )
    else:
        if result.admin_password is None:
            print(f"Log in as your existing '{result.admin_username}' account.")
        else:
            print(f"Admin login: {result.admin_username} / {result.admin_password}")
            print(f"  (shown once; to set a new one: {reset} {result.admin_username})")
        print(
            f"Demo members ({', '.join(result.member_names)}) share the password "
            f"{result.member_password}"
        )
    print(f"Administration: the Admin link in the header, or {site}/admin/")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    _django()
    # Imported here, after _django(): parley's modules need the app registry.
    from parley.seed import BoardNotEmpty, ProgressLine, check_sizes, seed_board

    sizes = {
        "members": args.members,
        "threads": args.threads,
        "posts": args.posts,
        "long_thread": args.long_thread,
    }
    try:
        check_sizes(**sizes)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _call("migrate", interactive=False, verbosity=0)
    try:
        result = seed_board(**sizes, seed=args.seed, force=args.force, progress=ProgressLine())
    except BoardNotEmpty:
        print(
            "The board already has threads, so nothing was seeded. Seed into a fresh data "
            "directory (or database), or add --force to add the seeded board beside them.",
            file=sys.stderr,
        )
        return 1
    print(
        f"Seeded {result.members:,} members, {result.threads:,} threads and {result.posts:,} "
        f"posts in {result.seconds:.0f} s. Seeded members share the password "
        f"{result.member_password}"
    )
    if result.long_thread is not None:
        print(f"The long thread: {result.long_thread.get_absolute_url()}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    _django()
    _call("migrate", interactive=False)
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    _django()
    _call("reindex", batch_size=args.batch_size)
    return 0


def cmd_migrate_data(args: argparse.Namespace) -> int:
    _django()
    # Imported here, after _django(): parley's modules need the app registry.
    from parley.migrate_data import CannotMigrate, run

    try:
        copied = run(
            source=args.source,
            target=args.target,
            sessions=not args.no_sessions,
            batch_rows=max(1, args.batch_size),
        )
    except CannotMigrate as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"Copied {sum(copied.tables.values()):,} rows in {len(copied.tables)} tables and "
        f"indexed {copied.indexed_posts:,} posts. Point PARLEY_DATABASE_URL at the target."
    )
    return 0


def cmd_createadmin(args: argparse.Namespace) -> int:
    _django()
    if args.reset_password:
        return reset_password(args.reset_password, args.password)
    # Imported here, after _django(): parley's modules need the app registry.
    from django.core.exceptions import ValidationError

    from parley.accounts.services import register_member

    username = args.username or input("Username: ").strip()
    email = args.email or input("Email address: ").strip()
    password = args.password
    if not password:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password (again): ") != password:
            print("The passwords don't match.", file=sys.stderr)
            return 1
    try:
        member = register_member(
            username=username, email=email, password=password, is_staff=True, is_superuser=True
        )
    except ValidationError as exc:
        print("Could not create the administrator: " + " ".join(exc.messages), file=sys.stderr)
        return 1
    print(f"Administrator '{member.username}' created.")
    return 0


def reset_password(username: str, password: str | None) -> int:
    """Give an existing account a new password (a generated one is printed); every session it
    had ends. For an administrator who lost theirs: no email needed."""
    # Imported here, after _django(): parley's modules need the app registry.
    from django.core.exceptions import ValidationError

    from parley.accounts.models import Member
    from parley.accounts.services import set_member_password

    try:
        member = Member.objects.get_by_natural_key(username)
    except Member.DoesNotExist:
        print(f"No account is called '{username}'.", file=sys.stderr)
        return 1
    new_password = password or secrets.token_urlsafe(12)
    try:
        set_member_password(member=member, password=new_password)
    except ValidationError as exc:
        print("Could not set that password: " + " ".join(exc.messages), file=sys.stderr)
        return 1
    if password:
        print(f"The password of '{member.username}' was changed.")
    else:
        print(f"New password for '{member.username}': {new_password}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    _django()
    # Imported here, after _django(): parley's modules need the app registry.
    from django.conf import settings
    from django.core import checks
    from django.core.cache import cache
    from django.db import DEFAULT_DB_ALIAS, connection
    from django.db.migrations.executor import MigrationExecutor

    from parley.core.checks import shared_state_errors

    messages = checks.run_checks(include_deployment_checks=True)
    # The deployment checks assume several workers; `--workers` states how many there will be.
    messages = [m for m in messages if m.id != "parley.E001"]
    messages += shared_state_errors(args.workers)
    errors = [m for m in messages if m.is_serious()]
    warnings = [m for m in messages if not m.is_serious() and not m.is_silenced()]
    for message in errors + warnings:
        print(f"  {message.id}: {str(message.msg).split('. ')[0].rstrip('.')}")
        if message.hint and message.id is not None and message.id.startswith("parley."):
            print(f"      {message.hint}")
    print(
        f"System checks (with deployment checks): {len(errors)} errors, {len(warnings)} warnings."
    )
    ok = not errors
    engine = settings.DATABASES[DEFAULT_DB_ALIAS]["ENGINE"].rsplit(".", 1)[-1]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        print(f"Database ({engine}): reachable, {len(pending)} migrations not yet applied.")
    except Exception as exc:  # any driver error means the same thing here: not usable
        print(f"Database ({engine}): NOT reachable: {exc}")
        return 1
    try:
        cache.set("parley:check", "ok", 10)
        cache_ok = cache.get("parley:check") == "ok"
    except Exception as exc:  # e.g. Redis refusing connections
        print(f"Cache: NOT reachable: {exc}")
        cache_ok = False
    else:
        print(
            f"Cache ({settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}): "
            f"{'working' if cache_ok else 'NOT storing values'}."
        )
    if not pending:
        print(_worker_status())
    return 0 if ok and cache_ok else 1


def _worker_status() -> str:
    """Whether a job worker (`parley worker`, or the one `parley serve` starts) is running."""
    # Imported here, after _django(): parley's modules need the app registry.
    from django.utils import timezone

    from parley.core.jobs import HEARTBEAT_STALE_SECONDS, last_worker_heartbeat

    seen = last_worker_heartbeat()
    if seen is None:
        return (
            "Job worker: none has run yet. Background jobs (upkeep, alerts) wait until one "
            "does: `parley serve` starts one, or run `parley worker`."
        )
    ago = int((timezone.now() - seen).total_seconds())
    if ago > HEARTBEAT_STALE_SECONDS:
        return (
            f"Job worker: NOT seen for {ago} s. Background jobs are waiting: is `parley worker` "
            "(or `parley serve`) running?"
        )
    return f"Job worker: running (last seen {max(ago, 0)} s ago)."


def cmd_feeds(args: argparse.Namespace) -> int:
    _django()
    # Imported here, after _django(): parley's modules need the app registry.
    from parley.feeds.importer import commands

    _call("migrate", interactive=False, verbosity=0)
    return commands.run(args)


def cmd_manage(argv: Sequence[str]) -> int:
    datadir.prepare()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    # Django loads only after the settings module is chosen above.
    from django.core.management import execute_from_command_line

    execute_from_command_line(["parley manage", *argv])
    return 0


def cmd_bench(argv: Sequence[str]) -> int:
    # Django loads only when a command needs it (`parley --help` stays instant); the bench
    # parses its own options and sets up Django itself.
    from parley.bench import main as bench_main

    return bench_main(list(argv))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parley", description="Run and manage a Parley forum.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the production web server (gunicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=default_workers())
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="don't start a job worker (run `parley worker` elsewhere)",
    )
    serve.set_defaults(func=cmd_serve)
    worker = sub.add_parser("worker", help="run the background job worker (huey consumer)")
    worker.add_argument("--threads", type=int, help="jobs run at once (default 2)")
    worker.add_argument("--verbose", action="store_true", help="log every job, not only failures")
    worker.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)
    worker.set_defaults(func=cmd_worker)
    demo = sub.add_parser("demo", help="migrate and load demo content into an empty board")
    demo.add_argument("--host", default="127.0.0.1", help="where `serve` will listen next")
    demo.add_argument(
        "--port", type=int, help="refuse at once if this port is taken (what `make demo` serves on)"
    )
    demo.set_defaults(func=cmd_demo)
    seed = sub.add_parser(
        "seed", help="migrate and write a large invented board in bulk (load tests, benchmarks)"
    )
    seed.add_argument("--members", type=int, required=True)
    seed.add_argument("--threads", type=int, required=True)
    seed.add_argument("--posts", type=int, required=True, help="posts in all, first posts included")
    seed.add_argument("--long-thread", type=int, metavar="N", help="one thread of N posts")
    seed.add_argument("--seed", type=int, default=1, help="random seed: same seed, same board")
    seed.add_argument(
        "--force",
        action="store_true",
        help="seed even if the board has threads (new members, forums and threads beside them)",
    )
    seed.set_defaults(func=cmd_seed)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    move = sub.add_parser(
        "migrate-data", help="copy the whole board from SQLite into an empty PostgreSQL database"
    )
    move.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="SQLITE_PATH_OR_URL",
        help="the board's SQLite file (var/parley.sqlite3) or a database URL; only read",
    )
    move.add_argument(
        "--to",
        dest="target",
        required=True,
        metavar="POSTGRES_URL",
        help="an empty PostgreSQL database (migrated first if need be)",
    )
    move.add_argument(
        "--no-sessions", action="store_true", help="leave sessions out (everyone logs in again)"
    )
    move.add_argument(
        "--batch-size", type=int, default=2000, help="rows copied at a time (default 2000)"
    )
    move.set_defaults(func=cmd_migrate_data)
    admin = sub.add_parser("createadmin", help="create an administrator account")
    admin.add_argument("--username")
    admin.add_argument("--email")
    admin.add_argument("--password", help="prompted for (without echo) if omitted")
    admin.add_argument(
        "--reset-password",
        metavar="USERNAME",
        help="give this existing account a new password (printed, unless --password is given)",
    )
    admin.set_defaults(func=cmd_createadmin)
    reindex = sub.add_parser("reindex", help="rebuild the search index from the posts")
    reindex.add_argument(
        "--batch-size", type=int, default=1000, help="posts per transaction (default 1000)"
    )
    reindex.set_defaults(func=cmd_reindex)
    check = sub.add_parser("check", help="configuration, database, cache and job worker health")
    check.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="how many web workers will serve (a per-process cache is refused for more than 1)",
    )
    check.set_defaults(func=cmd_check)
    feeds = sub.add_parser("feeds", help="news feeds: add, list, fetch now")
    feeds_arguments(feeds)
    feeds.set_defaults(func=cmd_feeds)
    sub.add_parser(
        "bench",
        help="seed a board, start the server and measure its pages under load (--help)",
        add_help=False,
    )
    sub.add_parser("manage", help="run any Django management command", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["manage"]:
        return cmd_manage(argv[1:])
    if argv[:1] == ["bench"]:
        return cmd_bench(argv[1:])
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
