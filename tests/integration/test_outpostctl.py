"""outpostctl: the blocklist, rate-limit and config commands, end to end.

Each test runs the built policyd/outpostctl with its own outpost.conf in
tmp_path (state_directory there, outpost_user empty so nothing changes
owner), and checks output, messages and exit statuses. The exit
statuses are those listed in policyd/outpostctl.c: 0 done, 1 not found
or config check failed, 64 usage, 65 import skipped lines, 66 unreadable
input, 75 state unavailable, 78 config does not load.

OUTPOSTCTL=/path/to/outpostctl runs another build of the program.
"""

import dataclasses
import json
import os
import pwd
import re
import subprocess
import time
from pathlib import Path

import pytest

import mta
import outpost

EX_NOTFOUND = 1
EX_USAGE = 64
EX_DATAERR = 65
EX_NOINPUT = 66
EX_CONFIG = 78

DATE = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


@pytest.fixture
def tools(tools):
    """The session's tools, with OUTPOSTCTL honoured."""
    if os.environ.get("OUTPOSTCTL"):
        return dataclasses.replace(tools,
                                   outpostctl=Path(os.environ["OUTPOSTCTL"]))
    return tools


class Ctl:
    """outpostctl with a private configuration and state."""

    def __init__(self, tools, workdir, conf=None):
        self.prog = tools.outpostctl
        assert self.prog.exists(), f"{self.prog} is not built"
        self.workdir = Path(workdir)
        self.state = self.workdir / "state"
        self.config = self.workdir / "outpost.conf"
        self.conf = {"state_directory": str(self.state), "outpost_user": ""}
        self.conf.update(conf or {})
        self.write_config()

    def write_config(self, text=None):
        if text is None:
            text = "".join(f"{k} = {v}\n" for k, v in self.conf.items())
        self.config.write_text(text)

    def __call__(self, *args, input=None, env=None, config=True):
        argv = [str(self.prog)]
        if config:
            argv += ["-c", str(self.config)]
        full_env = dict(os.environ)
        full_env.update(env or {})
        return subprocess.run(argv + list(args), input=input, text=True,
                              capture_output=True, timeout=60, env=full_env)

    def ok(self, *args, **kw):
        proc = self(*args, **kw)
        assert proc.returncode == 0, \
            f"outpostctl {' '.join(args)}: exit {proc.returncode}: " \
            f"{proc.stderr}"
        return proc

    def entries(self):
        """blocklist list --json, as dicts by address."""
        out = self.ok("blocklist", "list", "--json").stdout
        rows = [json.loads(line) for line in out.splitlines()]
        return {r["address"]: r for r in rows}


@pytest.fixture
def ctl(tools, tmp_path):
    return Ctl(tools, tmp_path)


def test_add_show_list(ctl):
    p = ctl.ok("blocklist", "add", "Dead@Dest.Example", "--status", "5.1.1",
               "--reason", "user unknown")
    assert p.stdout == "dead@dest.example: added (5.1.1 user unknown)\n"
    p = ctl.ok("blocklist", "add", "dead@dest.example", "--status", "5.2.1",
               "--reason", "mailbox disabled")
    assert "updated" in p.stdout
    ctl.ok("blocklist", "add", "@gone.example")

    lines = ctl.ok("blocklist", "list").stdout.splitlines()
    assert len(lines) == 2
    assert re.fullmatch(rf"@gone\.example 5\.1\.1 manual {DATE} {DATE} 1 "
                        r"never", lines[0]), lines[0]
    m = re.fullmatch(rf"dead@dest\.example 5\.2\.1 manual ({DATE}) ({DATE}) "
                     r"2 never mailbox disabled", lines[1])
    assert m, lines[1]

    show = ctl.ok("blocklist", "show", "DEAD@dest.example").stdout
    assert "address:    dead@dest.example\n" in show
    assert "status:     5.2.1\n" in show
    assert "text:       mailbox disabled\n" in show
    assert "count:      2\n" in show
    assert "expires:    never\n" in show
    assert "in force:   yes\n" in show
    history = show.split("history:\n")[1].splitlines()
    assert len(history) == 2
    assert re.match(rf"  {DATE} add +by \S+ \(manual, 5\.1\.1 user unknown\)$",
                    history[0]), history[0]
    assert " update by " in history[1]


def test_list_json(ctl):
    ctl.ok("blocklist", "add", "a@x.example", "--reason", "r1")
    ctl.ok("blocklist", "add", "b@x.example", "--status", "5.1.10",
           "--expires", "2h")
    out = ctl.ok("blocklist", "list", "--json").stdout.splitlines()
    assert len(out) == 2
    a, b = (json.loads(line) for line in out)
    assert set(a) == {"address", "status", "text", "source", "first_seen",
                      "last_seen", "count", "expires", "who"}
    assert (a["address"], a["status"], a["text"], a["source"], a["count"],
            a["expires"]) == ("a@x.example", "5.1.1", "r1", "manual", 1, 0)
    assert a["first_seen"] == a["last_seen"] > 1_600_000_000
    assert b["status"] == "5.1.10"
    assert 7100 <= b["expires"] - b["last_seen"] <= 7200
    assert ctl.ok("blocklist", "export", "--json").stdout.splitlines() == out


def test_remove_keeps_audit_trail(ctl):
    ctl.ok("blocklist", "add", "gone@x.example", "--reason", "bounced")
    p = ctl.ok("blocklist", "remove", "Gone@x.example", "--reason",
               "mailbox restored")
    assert p.stdout == "gone@x.example: removed\n"
    assert ctl.entries() == {}

    p = ctl("blocklist", "remove", "gone@x.example")
    assert p.returncode == EX_NOTFOUND
    assert "gone@x.example: not on the blocklist" in p.stderr

    show = ctl.ok("blocklist", "show", "gone@x.example").stdout
    assert "gone@x.example (not on the blocklist)" in show
    history = show.split("history:\n")[1].splitlines()
    assert [h.split()[1] for h in history] == ["add", "remove"]
    assert history[1].endswith(": mailbox restored")

    # Re-added: a new entry, and the trail goes on.
    ctl.ok("blocklist", "add", "gone@x.example")
    assert ctl.entries()["gone@x.example"]["count"] == 1
    show = ctl.ok("blocklist", "show", "gone@x.example").stdout
    assert [h.split()[1] for h in show.split("history:\n")[1].splitlines()] \
        == ["add", "remove", "add"]

    p = ctl("blocklist", "show", "never@x.example")
    assert p.returncode == EX_NOTFOUND
    assert p.stdout == ""
    assert "never@x.example: not on the blocklist and no history" in p.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="SUDO_USER counts for root only")
def test_audit_names_sudo_user(ctl):
    ctl.ok("blocklist", "add", "a@x.example", env={"SUDO_USER": "carol"})
    assert ctl.entries()["a@x.example"]["who"] == "carol"
    show = ctl.ok("blocklist", "show", "a@x.example").stdout
    assert " add    by carol " in show


@pytest.mark.skipif(os.geteuid() != 0, reason="changing owner needs root")
def test_state_belongs_to_outpost_user(tools, tmp_path):
    """As root, the state is made and left usable by outpost_user."""
    outpost.ensure_outpost_user()
    mta.make_traversable(tmp_path)
    ctl = Ctl(tools, tmp_path, {"outpost_user": "outpost"})
    p = ctl.ok("blocklist", "add", "a@x.example")
    assert p.stderr == ""
    uid = pwd.getpwnam("outpost").pw_uid
    assert ctl.state.stat().st_uid == uid
    for f in ctl.state.iterdir():
        assert f.stat().st_uid == uid, f
    assert list(ctl.entries()) == ["a@x.example"]

    # No such user: one warning, and the state stays root's.
    (tmp_path / "r").mkdir()
    other = Ctl(tools, tmp_path / "r", {"outpost_user": "no-such-user-x"})
    p = other.ok("blocklist", "add", "a@x.example")
    assert p.stderr.count("outpost_user no-such-user-x does not exist") == 1
    assert other.state.stat().st_uid == 0


def test_import_skips_bad_lines(ctl, tmp_path):
    src = tmp_path / "bounces.txt"
    src.write_text("# hard bounces\n"
                   "a@x.example\n"
                   "B@X.example 5.1.2   host unknown\n"
                   "\n"
                   "not-an-address\n"
                   "c@x.example 4.2.2 mailbox full\n"
                   "   # indented comment\n"
                   "<d@x.example>\t5.1.1\tangle brackets\n"
                   "e@x.example 5.1.1 " + "t" * 600 + "\n"
                   "@y.example 5.1.1 whole domain\n")
    p = ctl("blocklist", "import", str(src))
    assert p.returncode == EX_DATAERR, p.stderr
    assert p.stdout == f"{src}: imported 4 addresses, skipped 3 bad lines\n"
    warnings = p.stderr.splitlines()
    assert len(warnings) == 3, p.stderr
    assert warnings[0].startswith(f"outpostctl: warning: {src}, line 5: ")
    assert f"{src}, line 6: not a permanent DSN status" in warnings[1]
    assert f"{src}, line 9: text longer than 511 bytes" in warnings[2]
    got = ctl.entries()
    assert sorted(got) == ["@y.example", "a@x.example", "b@x.example",
                           "d@x.example"]
    assert (got["b@x.example"]["status"], got["b@x.example"]["text"]) == \
        ("5.1.2", "host unknown")
    assert got["a@x.example"]["source"] == "import"
    assert got["a@x.example"]["status"] == "5.1.1"
    assert got["d@x.example"]["text"] == "angle brackets"


def test_import_stdin_and_errors(ctl, tmp_path):
    p = ctl.ok("blocklist", "import", "-", input="a@x.example\nb@x.example\n")
    assert p.stdout == "stdin: imported 2 addresses\n"
    assert sorted(ctl.entries()) == ["a@x.example", "b@x.example"]
    p = ctl("blocklist", "import", str(tmp_path / "missing.txt"))
    assert p.returncode == EX_NOINPUT
    assert "missing.txt: No such file or directory" in p.stderr
    # Only bad lines: nothing to write, still reported.
    p = ctl("blocklist", "import", "-", input="junk\n")
    assert p.returncode == EX_DATAERR
    assert "stdin, line 1:" in p.stderr


def test_export_import_roundtrip(ctl, tools, tmp_path):
    ctl.ok("blocklist", "add", "a@x.example", "--reason", "user unknown")
    ctl.ok("blocklist", "add", "b@x.example", "--status", "5.2.1",
           "--reason", "mailbox  disabled (two spaces)")
    ctl.ok("blocklist", "add", "b@x.example", "--status", "5.2.1",
           "--reason", "mailbox  disabled (two spaces)")
    ctl.ok("blocklist", "add", "@y.example")
    text = ctl.ok("blocklist", "export").stdout
    assert text.startswith("# outpostctl blocklist export")
    jsn = ctl.ok("blocklist", "export", "--json").stdout
    before = ctl.entries()

    # The text form: addresses, statuses and texts come back.
    (tmp_path / "t").mkdir()
    other = Ctl(tools, tmp_path / "t")
    (tmp_path / "export.txt").write_text(text)
    p = other.ok("blocklist", "import", str(tmp_path / "export.txt"))
    assert "imported 3 addresses" in p.stdout
    after = other.entries()
    assert {a: (e["status"], e["text"]) for a, e in after.items()} == \
        {a: (e["status"], e["text"]) for a, e in before.items()}
    assert other.ok("blocklist", "export").stdout.splitlines()[1:] == \
        text.splitlines()[1:]

    # The JSON form: every field but who comes back.
    (tmp_path / "j").mkdir()
    third = Ctl(tools, tmp_path / "j")
    third.ok("blocklist", "import", "-", input=jsn)
    keep = ("status", "text", "source", "first_seen", "last_seen", "count",
            "expires")
    assert {a: [e[k] for k in keep] for a, e in third.entries().items()} == \
        {a: [e[k] for k in keep] for a, e in before.items()}


def test_expires_and_expire(ctl):
    ctl.ok("blocklist", "add", "a@x.example", "--expires", "1h")
    line = ctl.ok("blocklist", "list").stdout
    assert not line.rstrip().endswith("never")
    p = ctl("blocklist", "add", "a@x.example", "--expires", "soon")
    assert p.returncode == EX_USAGE
    assert "--expires soon" in p.stderr
    assert ctl.ok("blocklist", "expire").stdout == "removed 0 expired entries\n"


def test_usage_errors(ctl):
    for args in [(), ("-h",), ("frobnicate",), ("blocklist",),
                 ("blocklist", "add"), ("blocklist", "add", "a@x", "b@x"),
                 ("blocklist", "add", "a@x.example", "--bogus"),
                 ("blocklist", "add", "a@x.example", "--reason"),
                 ("blocklist", "list", "--reason", "x"),
                 ("blocklist", "frob"), ("ratelimit",),
                 ("ratelimit", "show"), ("ratelimit", "top", "0"),
                 ("config", "-x")]:
        p = ctl(*args)
        assert p.returncode == EX_USAGE, (args, p.returncode, p.stderr)
        assert "usage: outpostctl" in p.stderr or "outpostctl:" in p.stderr
        assert p.stdout == ""
    p = ctl()
    assert "usage: outpostctl [-c config_file] command" in p.stderr
    p = ctl("frobnicate")
    assert 'outpostctl: unknown command "frobnicate"' in p.stderr
    for bad in ["user", "a b@x.example", "a@", "@"]:
        p = ctl("blocklist", "add", bad)
        assert p.returncode == EX_USAGE
        assert "not a mail address or @domain" in p.stderr
    p = ctl("blocklist", "add", "a@x.example", "--status", "4.1.1")
    assert p.returncode == EX_USAGE
    assert "not a permanent DSN status" in p.stderr
    assert not ctl.state.exists(), "usage errors must not create state"


def test_config_print(ctl):
    ctl.write_config(f"state_directory = {ctl.state}\n"
                     "outpost_user =\n"
                     "recipient_delimiter = +\n"
                     "rate_limit_default = 10 msg/1h, 100 msg/1d\n")
    p = ctl.ok("config", "-n")
    assert p.stdout == (f"state_directory = {ctl.state}\n"
                        "outpost_user = \n"
                        "recipient_delimiter = +\n"
                        "rate_limit_default = 10 msg/1h, 100 msg/1d\n")
    full = ctl.ok("config").stdout
    assert "blocklist_expiry = 0\n" in full
    assert "recipient_delimiter = +\n" in full
    assert "rate_limit_action = defer\n" in full
    # A missing -c file is an error; the default path may be missing.
    p = ctl("-c", str(ctl.workdir / "nope.conf"), "config", config=False)
    assert p.returncode == EX_CONFIG
    assert "nope.conf" in p.stderr


def test_config_check(ctl, tmp_path):
    nets = tmp_path / "trusted.cidr"
    nets.write_text("127.0.0.0/8 example.com\n"
                    "# comment\n"
                    "10.0.0.0/33 example.org\n")
    nets.chmod(0o644)
    ctl.write_config(f"state_directory = {ctl.state}\n"
                     "outpost_user =\n"
                     f"trusted_networks = cidr:{nets}\n")
    p = ctl("config", "check")
    assert p.returncode == 1
    assert p.stdout == ""
    assert f"{nets}, line 3:" in p.stderr
    assert f"{ctl.config}, line 3: trusted_networks" in p.stderr
    # The same file loads for the other commands: there a bad line is
    # only a warning.
    p = ctl.ok("blocklist", "list")
    assert f"{nets}, line 3:" in p.stderr

    nets.write_text("127.0.0.0/8 example.com\n")
    p = ctl.ok("config", "check")
    assert p.stdout == "outpostctl: config OK\n"

    ctl.write_config(f"state_directory = {ctl.state}\n"
                     "outpost_user =\n"
                     "\n"
                     "rate_limit_default = 100 mails/1h\n")
    p = ctl("config", "check")
    assert p.returncode == 1
    assert f"{ctl.config}, line 4: rate_limit_default = 100 mails/1h: " \
        "unknown unit" in p.stderr

    ctl.write_config(f"state_directory = {ctl.state}\n"
                     "outpost_user =\n"
                     "rate_limit_action = drop\n")
    p = ctl("config", "check")
    assert p.returncode == 1
    assert f"{ctl.config}, line 3: rate_limit_action = drop" in p.stderr

    ctl.write_config(f"state_directory = {ctl.state}\n"
                     "blocklist_expiry = 3651d\n")
    p = ctl("config", "check")
    assert p.returncode == 1
    assert f"{ctl.config}, line 2: blocklist_expiry" in p.stderr
    p = ctl("blocklist", "list")
    assert p.returncode == EX_CONFIG


def test_ratelimit_without_counters(ctl):
    p = ctl("ratelimit", "show", "alice")
    assert p.returncode == EX_NOTFOUND
    assert "no counters stored for alice under any type" in p.stderr
    p = ctl("ratelimit", "show", "sasl_username:alice")
    assert p.returncode == EX_NOTFOUND
    assert p.stdout.startswith("sasl_username:alice (may lag the daemon by "
                               "up to 1s)\n")
    assert "  200 msg/1h: used 0.0 of 200\n" in p.stdout
    assert "(no counters stored)" in p.stdout
    p = ctl.ok("ratelimit", "reset", "sender:bob@x.example")
    assert p.stdout.startswith("sender:bob@x.example: counters reset")
    assert ctl("ratelimit", "reset", "bob").returncode == EX_NOTFOUND
    p = ctl.ok("ratelimit", "top")
    assert p.stdout == "keys closest to a limit (may lag the daemon by up " \
        "to 1s)\n"


def _data(pd, login, rcpts=1):
    """One message at DATA from login, as Postfix asks."""
    return pd.request(outpost.rcpt_request(
        "app@sender.example", "", protocol_state="DATA",
        sasl_username=login, recipient_count=str(rcpts), queue_id="Q1"))


@pytest.mark.skipif(os.geteuid() != 0,
                    reason="outpost-policyd drops root to outpost_user")
def test_ratelimit_with_daemon(policyd_factory):
    pd = policyd_factory({"rate_limit_keys": "sasl_username",
                          "rate_limit_default": "2 msg/1h, 10 rcpt/1d"})
    assert _data(pd, "alice", 3) == "DUNNO"
    assert _data(pd, "alice", 2) == "DUNNO"
    assert _data(pd, "bob") == "DUNNO"
    assert _data(pd, "alice").startswith("DEFER_IF_PERMIT 4.7.1")

    def show():
        return pd.ctl("ratelimit", "show", "alice", check=False)

    # Counters reach the state within a second.
    for _ in range(40):
        p = show()
        if p.returncode == 0 and "used 2.0 of 2" in p.stdout:
            break
        time.sleep(0.1)
    assert p.returncode == 0, p.stderr
    assert "  2 msg/1h: used 2.0 of 2, full: frees in " in p.stdout
    assert "  10 rcpt/1d: used 5.0 of 10\n" in p.stdout

    top = pd.ctl("ratelimit", "top", "5").stdout.splitlines()
    assert top[0].endswith("(may lag the daemon by up to 1s)")
    assert top[1].split()[:2] == ["100.0%", "sasl_username:alice"]
    assert top[2].split()[:2] == ["50.0%", "sasl_username:bob"]

    pd.ctl("ratelimit", "reset", "sasl_username:alice")
    for _ in range(40):
        if _data(pd, "alice") == "DUNNO":
            break
        time.sleep(0.1)
    else:
        pytest.fail("reset did not reach the daemon")
