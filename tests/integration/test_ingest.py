"""Bounces and complaints into the blocklist: outpostctl ingest.

A real Postfix relays to a second SMTP server on loopback (RefusingMX,
below: Postfix's smtp-sink cannot refuse one recipient and not another)
that refuses one recipient with 550 5.1.1 and another with 550 5.7.1
"listed at a blocklist". "outpostctl ingest log -f" follows Postfix's
real log; outpost-policyd then refuses the dead recipient at RCPT. A DSN
and an ARF report go through a pipe(8) transport into "outpostctl ingest
message", as contrib/postfix describes. The follower's rotation and
resume, and bad input, run on files the test writes.
"""

import os
import signal
import socketserver
import subprocess
import threading
import time
from pathlib import Path

import pytest

import mta

SENDER = "app@sender.example"
DATA = Path(__file__).resolve().parents[1] / "data" / "bounces"

REFUSE = {
    "dead@dest.example":
        "550 5.1.1 <dead@dest.example>: Recipient address rejected: "
        "User unknown",
    "listed@dest.example": "550 5.7.1 blocked, listed at a blocklist",
}


class _MXHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for Postfix's smtp client."""

    def reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self):
        self.reply("220 mx.dest.example ESMTP")
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            cmd = line.decode(errors="replace").strip()
            verb = cmd.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 mx.dest.example")
            elif verb == "RCPT":
                addr = cmd[cmd.find("<") + 1:cmd.rfind(">")].lower()
                self.reply(REFUSE.get(addr, "250 2.1.5 Ok"))
            elif verb == "DATA":
                self.reply("354 go ahead")
                while self.rfile.readline(65536) not in (b".\r\n", b""):
                    pass
                self.reply("250 2.0.0 Ok: queued")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Bye")
                return
            else:                   # MAIL, RSET, NOOP
                self.reply("250 2.0.0 Ok")


class RefusingMX(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__((mta.LOOPBACK, 0), _MXHandler)
        self.port = self.server_address[1]
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.shutdown()
        self.server_close()


@pytest.fixture
def mx():
    server = RefusingMX()
    try:
        yield server
    finally:
        server.stop()


def wait_blocked(pd, address, timeout=30.0):
    """Poll "blocklist show" until ADDRESS is on the blocklist."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pd.ctl("blocklist", "show", address, check=False).returncode == 0:
            return True
        time.sleep(0.2)
    return False


def follower(pd, log):
    return subprocess.Popen([str(pd.tools.outpostctl), "-c", str(pd.config),
                             "ingest", "log", "-f", str(log)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    return proc.returncode, out, err


def test_log_follow_blocks_hard_not_policy(postfix_factory, policyd_factory,
                                           mx):
    pd = policyd_factory()
    pf = postfix_factory(main_cf=pd.postfix_params(),
                         relay_to=(mta.LOOPBACK, mx.port))
    ing = follower(pd, pf.maillog_path)
    try:
        r = pf.send(SENDER, ["dead@dest.example", "listed@dest.example",
                             "alive@dest.example"])
        assert r.ok and len(r.accepted) == 3
        assert pf.wait_log(r"to=<listed@dest\.example>.*status=bounced",
                           timeout=30)
        assert wait_blocked(pd, "dead@dest.example")
    finally:
        rc, out, err = stop(ing)
    assert rc == 0, err
    assert "0 over 8192 bytes" in out
    # Whatever the follower had not read yet, a run from its saved
    # position reads now; then every line of that delivery is counted.
    pd.ctl("ingest", "log", str(pf.maillog_path))
    # The listed one is the relay's problem, not the address's.
    assert pd.ctl("blocklist", "show", "listed@dest.example",
                  check=False).returncode == 1
    assert pd.ctl("blocklist", "show", "alive@dest.example",
                  check=False).returncode == 1
    show = pd.ctl("blocklist", "show", "dead@dest.example").stdout
    assert "5.1.1" in show and "source:     log" in show
    # The next message to the dead address is refused at RCPT.
    r = pf.send(SENDER, ["dead@dest.example", "alive@dest.example"])
    assert r.refused["dead@dest.example"].code == 550
    assert "5.1.1" in r.refused["dead@dest.example"].text
    assert r.accepted == ["alive@dest.example"]
    report = pd.ctl("report").stdout
    assert "hard 1 " in report
    policy = report.split("destination domains by policy")[1]
    assert "dest.example" in policy.split("senders by hard bounces")[0]
    assert SENDER in report.split("senders by hard bounces")[1]


def _pipe_postfix(postfix_factory, pd, tmp_path, mx):
    """A Postfix that delivers bounces.outpost.test to ingest message."""
    transport = tmp_path / "transport"
    transport.write_text("bounces.outpost.test outpost-bounce:\n")
    main_cf = dict(pd.postfix_params())
    main_cf.update({"transport_maps": f"texthash:{transport}",
                    "outpost-bounce_destination_recipient_limit": "1"})
    master = [f"outpost-bounce unix - n n - - pipe flags=q user=outpost "
              f"argv={pd.tools.outpostctl} -c {pd.config} ingest message"]
    return postfix_factory(main_cf=main_cf, master_cf=master,
                           relay_to=(mta.LOOPBACK, mx.port))


def test_pipe_dsn_and_arf(postfix_factory, policyd_factory, mx, tmp_path):
    pd = policyd_factory()
    os.chmod(pd.config, 0o644)
    pf = _pipe_postfix(postfix_factory, pd, tmp_path, mx)
    dsn = (DATA / "01-postfix-user-unknown.eml").read_text().replace(
        "dead@dest.example", "async@dest.example")
    r = pf.send("", ["bounce@bounces.outpost.test"], data=dsn)
    assert r.ok, r
    assert pf.wait_log(r"to=<bounce@bounces\.outpost\.test>.*relay="
                       r"outpost-bounce.*status=sent", timeout=30)
    assert wait_blocked(pd, "async@dest.example")
    r = pf.send(SENDER, ["async@dest.example"])
    assert r.refused["async@dest.example"].code == 550
    # A complaint blocks the recipient for the sender domain only.
    arf = (DATA / "48-arf-abuse.eml").read_text()
    r = pf.send("", ["fbl@bounces.outpost.test"], data=arf)
    assert r.ok
    assert wait_blocked(pd, "angry@isp.example>sender.example")
    r = pf.send("news@sender.example", ["angry@isp.example"])
    assert r.refused["angry@isp.example"].code == 550
    assert "complained" in r.refused["angry@isp.example"].text
    r = pf.send("news@other.example", ["angry@isp.example"])
    assert r.accepted == ["angry@isp.example"]
    # An auto-reply is ignored, and delivered (exit 0), not retried.
    auto = (DATA / "54-auto-submitted.eml").read_text()
    r = pf.send("", ["bounce@bounces.outpost.test"], data=auto)
    assert r.ok
    assert pf.wait_log(r"relay=outpost-bounce.*status=sent", count=3,
                       timeout=30)
    assert pd.ctl("blocklist", "show", "bob@dest.example",
                  check=False).returncode == 1


def test_message_bad_input(policyd_factory, tmp_path):
    """Nothing crashes, nothing is half-written: exit 0 and no entry."""
    pd = policyd_factory(start=False)
    big = bytearray((DATA / "01-postfix-user-unknown.eml").read_bytes())
    big += b"x" * (50 * 1024 * 1024)
    cases = {
        "50 MB": bytes(big),
        "garbage": bytes((i * 7919 + 13) % 256 for i in range(1 << 16)),
        "truncated": (DATA / "63-truncated-before-rcpt.eml").read_bytes(),
        "no recipients": (DATA / "65-dsn-no-recipients.eml").read_bytes(),
        "empty": b"",
    }
    for name, data in cases.items():
        proc = subprocess.run([str(pd.tools.outpostctl), "-c",
                               str(pd.config), "ingest", "message"],
                              input=data, capture_output=True, timeout=60)
        assert proc.returncode == 0, (name, proc.stderr)
        assert b"ingest message: " in proc.stderr, name
    # The 50 MB bounce: its report comes first and counts.
    assert pd.ctl("blocklist", "list").stdout.split() [0] == \
        "dead@dest.example"
    assert len(pd.ctl("blocklist", "list").stdout.splitlines()) == 1


def test_log_long_line_and_garbage(policyd_factory, tmp_path):
    pd = policyd_factory(start=False)
    log = tmp_path / "maillog"
    good = ("Nov 23 10:00:01 mta postfix/smtp[1]: ABC: to=<after@d.example>,"
            " relay=x, dsn=5.1.1, status=bounced (host x[1.2.3.4] said: 550"
            " 5.1.1 no such user (in reply to RCPT TO command))\n")
    garbage = bytes(b for b in range(256) if b != 10) * 20
    log.write_bytes(b"x" * (1024 * 1024) + b" status=bounced\n" +
                    garbage + b"\n" + good.encode())
    mta.make_traversable(tmp_path)
    proc = pd.ctl("ingest", "log", str(log))
    # The 1 MB line is skipped (not counted), the garbage read as nothing.
    assert "2 lines, 1 hard" in proc.stdout
    assert "1 over 8192 bytes" in proc.stdout
    assert "a line over 8192 bytes at offset 0: skipped" in proc.stderr
    assert wait_blocked(pd, "after@d.example", timeout=1)


def _padded(rcpt, length):
    """A hard-bounce log line of exactly LENGTH bytes, newline not
    counted (the relay= field takes the padding)."""
    head = (f"Nov 23 10:00:01 mta postfix/smtp[1]: ABC: to=<{rcpt}>, "
            "relay=")
    tail = (", dsn=5.1.1, status=bounced (host x[1.2.3.4] said: 550 5.1.1 "
            "no such user (in reply to RCPT TO command))")
    return head + "x" * (length - len(head) - len(tail)) + tail + "\n"


def test_log_line_bound(policyd_factory, tmp_path):
    """A line of BOUNCE_LINE_MAX (8192) bytes is read, one more is not."""
    pd = policyd_factory(start=False)
    log = tmp_path / "maillog"
    log.write_text(_padded("at@d.example", 8192) +
                   _padded("over@d.example", 8193))
    mta.make_traversable(tmp_path)
    proc = pd.ctl("ingest", "log", str(log))
    assert "1 lines, 1 hard" in proc.stdout
    assert "1 over 8192 bytes" in proc.stdout
    assert wait_blocked(pd, "at@d.example", timeout=1)
    assert pd.ctl("blocklist", "show", "over@d.example",
                  check=False).returncode == 1


def _line(n):
    return (f"Nov 23 10:00:{n % 60:02d} mta postfix/smtp[1]: Q{n}: "
            f"to=<r{n}@d.example>, relay=x, dsn=5.1.1, status=bounced "
            f"(host x[1.2.3.4] said: 550 5.1.1 unknown user (in reply to "
            f"RCPT TO command))\n")


def _append(path, text):
    with open(path, "a") as f:
        f.write(text)


def test_follow_rotation_and_resume(policyd_factory, tmp_path):
    pd = policyd_factory(start=False)
    mta.make_traversable(tmp_path)
    log = tmp_path / "maillog"
    log.write_text(_line(1))
    os.chmod(tmp_path, 0o755)
    ing = follower(pd, log)
    try:
        assert wait_blocked(pd, "r1@d.example")
        # Rotation by rename: the old file gets one more line, then the
        # new file appears.
        os.rename(log, tmp_path / "maillog.1")
        _append(tmp_path / "maillog.1", _line(2))
        log.write_text(_line(3))
        os.chmod(log, 0o644)
        assert wait_blocked(pd, "r2@d.example")
        assert wait_blocked(pd, "r3@d.example")
        # Rotation by copytruncate.
        (tmp_path / "maillog.2").write_bytes(log.read_bytes())
        with open(log, "r+") as f:
            f.truncate(0)
        time.sleep(1)
        _append(log, _line(4))
        assert wait_blocked(pd, "r4@d.example")
    finally:
        rc, out, err = stop(ing)
    assert rc == 0, err
    # Written while nobody follows: the next run reads just that.
    _append(log, _line(5) + _line(6))
    proc = pd.ctl("ingest", "log", str(log))
    assert "2 lines, 2 hard" in proc.stdout, proc.stdout
    for n in range(1, 7):
        show = pd.ctl("blocklist", "show", f"r{n}@d.example").stdout
        assert "count:      1\n" in show, show
    # Nothing left: a third run reads nothing.
    assert "0 lines" in pd.ctl("ingest", "log", str(log)).stdout
