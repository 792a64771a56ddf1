"""The posting workload driven by wrk (Debian's `wrk`, a load generator in C) when it is
installed: the asyncio client spends about as long building and reading a reply as a worker
spends serving it, on the same two cores, so with it the bench measured its own client as much
as the server. wrk sends the same requests as the browser's reply form (each member's session
cookie and CSRF token, a new client token and text each time) from a Lua script, and reports
what every answer was, its latency percentiles and the server's own times (Server-Timing).

Without wrk the bench uses its asyncio client (`load._reply`) and says so."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from parley.bench.load import Tally
from parley.bench.shared import HOST, BenchError

# The script's only inputs are its first lines (`local config = …`); the rest never changes.
SCRIPT = r"""
local path, members, run = config.path, config.members, config.run
local threads, next_id = {}, 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  sent, counts, durations = 0, {}, {}
end

function request()
  sent = sent + 1
  local member = members[(sent + id) % #members + 1]
  local body = "csrfmiddlewaretoken=" .. member.token
    .. "&client_token=" .. run .. "t" .. id .. "n" .. sent
    .. "&body=Bench+reply+" .. sent .. "+from+wrk+thread+" .. id .. "%3A+the+load+was+fine."
  return wrk.format("POST", path, {
    ["Cookie"] = member.cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
  local timing = headers["Server-Timing"] or headers["server-timing"]
  if timing then
    local ms = timing:match("app;dur=([%d%.]+)")
    if ms then durations[#durations + 1] = tonumber(ms) end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write("PARLEY seconds ", summary.duration / 1e6, "\n")
  io.write("PARLEY errors ", e.connect + e.read + e.write + e.timeout, "\n")
  io.write("PARLEY p50_us ", latency:percentile(50), "\n")
  io.write("PARLEY p99_us ", latency:percentile(99), "\n")
  for _, thread in ipairs(threads) do
    io.write("PARLEY sent ", thread:get("sent"), "\n")
    for status, n in pairs(thread:get("counts")) do
      io.write("PARLEY status ", status, " ", n, "\n")
    end
    for _, ms in ipairs(thread:get("durations")) do
      io.write("PARLEY server_ms ", ms, "\n")
    end
  end
end
"""

_LINE = re.compile(r"^PARLEY (\w+) (.+)$", re.MULTILINE)


def available() -> bool:
    return shutil.which("wrk") is not None


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string of ASCII is a Lua string literal too


def drive_replies(
    *,
    port: int,
    reply_path: str,
    members: Sequence[tuple[str, str]],  # (Cookie header, the form's CSRF token) per member
    seconds: float,
    concurrency: int,
    work_dir: Path,
) -> Tally:
    """Members reply for `seconds` over `concurrency` connections; what the answers were."""
    if not members:
        raise BenchError("No members to reply as.")
    entries = ", ".join(
        f"{{cookie = {_lua_string(cookie)}, token = {_lua_string(token)}}}"
        for cookie, token in members
    )
    config = (
        f"config = {{path = {_lua_string(reply_path)}, run = {_lua_string(secrets.token_hex(6))},"
        f" members = {{{entries}}}}}\n"
    )
    script = work_dir / "bench-replies.lua"
    script.write_text(config + SCRIPT, encoding="ascii")
    argv = ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--latency"]
    argv += ["-s", str(script), f"http://{HOST}:{port}{reply_path}"]
    done = subprocess.run(  # noqa: S603 - wrk from PATH, our own arguments
        argv, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}):\n{done.stderr or done.stdout}")
    # Kept beside the server's log: every answer's server time, for a closer look at a run.
    (work_dir / "bench-replies.out").write_text(done.stdout, encoding="utf-8")
    return _tally(done.stdout)


def _tally(output: str) -> Tally:
    tally = Tally()
    percentiles: dict[str, float] = {}
    sent = 0
    for name, value in _LINE.findall(output):
        if name == "seconds":
            tally.seconds = float(value)
        elif name == "errors":
            tally.errors = int(float(value))
        elif name in ("p50_us", "p99_us"):
            percentiles[name] = float(value) / 1e6
        elif name == "status":
            status, n = (int(float(v)) for v in value.split())
            tally.statuses[status] = tally.statuses.get(status, 0) + n
        elif name == "server_ms":
            tally.server_ms.append(float(value))
        elif name == "sent":
            sent += int(float(value))
    if not tally.seconds:
        raise BenchError(f"wrk said nothing the bench understands:\n{output}")
    tally.replies = tally.statuses.get(302, 0)
    tally.refused = sum(n for status, n in tally.statuses.items() if status != 302)
    tally.percentiles = (percentiles.get("p50_us", 0.0), percentiles.get("p99_us", 0.0))
    # wrk stops with a request in flight on each connection: the server may still write those.
    tally.in_flight = max(0, sent - sum(tally.statuses.values()) - tally.errors)
    return tally
