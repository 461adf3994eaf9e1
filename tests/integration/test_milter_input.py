"""outpost-milter against bad and hostile input, fed directly over the milter
protocol (milterclient.py speaks the MTA side, as Postfix does); no Postfix.

Every case gets a defined reply: a message beyond a MIME bound is refused
with 554 5.6.0 and a text that names the bound; garbage gets a well-formed
verdict; a client that drops mid-message leaves nothing behind. After each
case the milter is still running and still accepts a good message from a
trusted client on a fresh connection. Each bound is also tested exactly at
the bound (passes) and one over (refused), with small limits.
"""

import base64
import signal
import os
import random
import re
import socket
import struct
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import milterclient as mc

TRUSTED_SENDER = "app@app.example"      # trusted_networks: 127.0.0.0/8
LOGIN_SENDER = "alice@corp.example"     # sender_login_maps: alice
DEST = "user@dest.example"

# Defaults of the bounds (common/params.c); the reply names the value.
DEFAULT_DEPTH = 16
DEFAULT_HEADER = 65536
DEFAULT_PARTS = 1000

# Small limits for the at-the-bound tests.
SMALL = {"mime_max_depth": 4, "mime_max_header_size": 1024,
         "mime_max_parts": 10, "mime_max_filename_length": 16}

# Words a bound's reply must contain (besides the number).
BOUND_WORDS = {
    "depth": r"nest|deep|depth",
    "header": r"header",
    "parts": r"part",
    "filename": r"file ?name|name",
}


@pytest.fixture
def tables(tmp_path):
    logins = tmp_path / "sender_login"
    logins.write_text("alice@corp.example   alice\n")
    trusted = tmp_path / "trusted_networks"
    trusted.write_text("127.0.0.0/8   app.example\n")
    return {"sender_login_maps": f"texthash:{logins}",
            "trusted_networks": f"cidr:{trusted}"}


@pytest.fixture
def milter(milter_factory, tables, mta_available):
    """The milter with default bounds."""
    return milter_factory(dict(tables))


@pytest.fixture
def small(milter_factory, tables, mta_available):
    """The milter with SMALL bounds."""
    return milter_factory(dict(tables, **{k: str(v)
                                          for k, v in SMALL.items()}))


# --------------------------------------------------------------------------
# Messages


def headers(sender=TRUSTED_SENDER, extra=""):
    return (f"From: <{sender}>\r\nTo: <{DEST}>\r\nSubject: input test\r\n"
            "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
            f"Message-ID: <{time.time_ns()}@outpost.test>\r\n{extra}")


def good_message(sender=TRUSTED_SENDER):
    return (headers(sender) + "\r\nHello.\r\n").encode()


def mime_message(body, ctype, sender=TRUSTED_SENDER, extra=""):
    """A message whose top-level Content-Type is CTYPE, body BODY (str or
    bytes)."""
    head = headers(sender, extra + f"MIME-Version: 1.0\r\nContent-Type: "
                   f"{ctype}\r\n") + "\r\n"
    if isinstance(body, str):
        body = body.encode()
    return head.encode() + body


def nested(depth, leaf="Content-Type: text/plain\r\n\r\nhello\r\n"):
    """A message with DEPTH multipart containers nested in one another
    (the top-level body is the first), a text leaf innermost: its leaf
    sits at nesting depth DEPTH."""
    assert depth >= 1
    opens, closes = [], []
    for i in range(1, depth):
        opens.append(f"--b{i - 1}\r\nContent-Type: multipart/mixed; "
                     f"boundary=\"b{i}\"\r\n\r\n")
        closes.append(f"--b{i}--\r\n")
    body = "".join(opens) + f"--b{depth - 1}\r\n" + leaf + \
        "".join(reversed(closes)) + "--b0--\r\n"
    return mime_message(body, 'multipart/mixed; boundary="b0"')


def many_parts(n):
    """A multipart/mixed message with N text leaves."""
    part = "--p\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    return mime_message(part * n + "--p--\r\n",
                        'multipart/mixed; boundary="p"')


def attachment(name, payload=b"%PDF-1.4\n%%EOF\n", sender=TRUSTED_SENDER):
    """A multipart/mixed message with one base64 attachment named NAME."""
    b64 = base64.encodebytes(payload).decode().replace("\n", "\r\n")
    body = ("--a\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
            f"--a\r\nContent-Type: application/pdf\r\n"
            f"Content-Disposition: attachment; filename=\"{name}\"\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{b64}--a--\r\n")
    return mime_message(body, 'multipart/mixed; boundary="a"', sender)


def filler_lines(total, width=100, prefix="X-Filler"):
    """Header lines "X-Filler-NNNNNNN: xxx...\\r\\n" of WIDTH bytes each,
    about TOTAL bytes in all."""
    lines = []
    n = 0
    i = 0
    while n < total:
        head = f"{prefix}-{i:07d}: "
        line = head + "x" * (width - len(head) - 2) + "\r\n"
        lines.append(line)
        n += len(line)
        i += 1
    return "".join(lines)


def header_size(block):
    """A header block's size as mime_max_header_size counts it: each line
    end (CRLF or LF) is one byte; the empty line that ends the block is
    not part of it."""
    return len(block) - block.count("\r\n")


def header_block(size, name="X-Pad"):
    """CRLF header lines whose size (header_size()) is exactly SIZE:
    filler lines of 100 bytes and one last line that makes up the rest."""
    assert size >= 40
    lines = []
    left = size
    i = 0
    while left > 200:
        head = f"{name}-{i:05d}: "
        lines.append(head + "x" * (100 - len(head) - 1) + "\r\n")
        left -= 100
        i += 1
    head = f"{name}-{i:05d}: "
    lines.append(head + "y" * (left - len(head) - 1) + "\r\n")
    block = "".join(lines)
    assert header_size(block) == size
    return block


# --------------------------------------------------------------------------
# Sending and checking


def send(mf, message, sender=TRUSTED_SENDER, login=None, **kw):
    return mc.send_message(mf.socket, sender, [DEST], message, login=login,
                           **kw)


def assert_accepted(res):
    assert res.error is None, res
    assert res.ok, f"{res}: {res.reply and res.reply.raw}"


def assert_bound(res, bound, value):
    """Refused with 554 5.6.0, the text naming the bound and its value."""
    assert res.error is None, res
    assert res.reply.action == "replycode", res
    assert (res.code, res.dsn) == (554, "5.6.0"), res.reply.raw
    assert re.search(BOUND_WORDS[bound], res.text, re.I), res.reply.raw
    assert re.search(rf"\b{value}\b", res.text), res.reply.raw


def assert_defined(res):
    """A well-formed verdict: accepted, or refused with a 4xx/5xx reply;
    never a broken connection or a timeout."""
    assert res.error is None, res
    if res.ok:
        return
    assert res.reply.refused, res
    if res.reply.action == "replycode":
        assert re.match(r"[45]\d\d$", str(res.code)), res.reply.raw
        assert res.dsn and res.dsn[0] == str(res.code)[0], res.reply.raw


def still_serving(mf):
    """The milter runs and accepts a good message from a trusted client
    on a fresh connection."""
    assert mf.alive(), mf.log_text()[-2000:]
    assert_accepted(send(mf, good_message()))


def milter_fds(mf):
    return len(os.listdir(f"/proc/{mf.proc.pid}/fd"))


def fd_table(mf):
    """What the milter's descriptors point at, for a failure message."""
    d = f"/proc/{mf.proc.pid}/fd"
    out = []
    for fd in sorted(os.listdir(d), key=int):
        try:
            out.append(f"{fd} -> {os.readlink(os.path.join(d, fd))}")
        except OSError:
            pass
    return "; ".join(out)


def wait_fds(mf, want, timeout=5.0):
    """Poll until the milter holds at most WANT descriptors; the count."""
    deadline = time.monotonic() + timeout
    while True:
        n = milter_fds(mf)
        if n <= want or time.monotonic() >= deadline:
            return n
        time.sleep(0.05)


# --------------------------------------------------------------------------
# Sanity: the client and the tables


def test_good_messages_accepted(milter):
    assert_accepted(send(milter, good_message()))
    assert_accepted(send(milter, good_message(LOGIN_SENDER),
                         sender=LOGIN_SENDER, login="alice"))
    assert_accepted(send(milter, attachment("report.pdf")))
    res = send(milter, good_message(LOGIN_SENDER), sender=LOGIN_SENDER,
               login="bob")
    assert (res.stage, res.code, res.dsn) == ("mail", 550, "5.7.1"), res
    assert res.text == ("<alice@corp.example>: envelope sender not owned "
                        "by login bob")
    still_serving(milter)


# --------------------------------------------------------------------------
# Hostile sizes


def test_10mb_of_headers(milter):
    # Many header lines, 10 MB in all: refused once the header block
    # passes mime_max_header_size, long before the end.
    msg = (headers() + filler_lines(10 << 20) + "\r\nbody\r\n").encode()
    t0 = time.monotonic()
    res = send(milter, msg)
    assert_bound(res, "header", DEFAULT_HEADER)
    assert res.stage in ("header", "eoh"), res
    assert time.monotonic() - t0 < 20
    still_serving(milter)


def test_10mb_of_headers_in_a_part(milter):
    # The same inside a MIME part: the bound is per part.
    body = ("--h\r\nContent-Type: text/plain\r\n" + filler_lines(10 << 20) +
            "\r\ntext\r\n--h--\r\n")
    res = send(milter, mime_message(body, 'multipart/mixed; boundary="h"'))
    assert_bound(res, "header", DEFAULT_HEADER)
    assert res.stage in ("body", "eom"), res
    still_serving(milter)


def test_1000_deep_multipart(milter):
    res = send(milter, nested(1000))
    assert_bound(res, "depth", DEFAULT_DEPTH)
    assert res.stage in ("body", "eom"), res
    still_serving(milter)


def test_1000_deep_message_rfc822(milter):
    # Nesting through message/rfc822 counts as well.
    inner = b"From: <a@app.example>\r\nSubject: x\r\n\r\nhello\r\n"
    for _ in range(1000):
        inner = (b"From: <a@app.example>\r\nMIME-Version: 1.0\r\n"
                 b"Content-Type: message/rfc822\r\n\r\n" + inner)
    res = send(milter, mime_message(inner[inner.index(b"\r\n\r\n") + 4:],
                                    "message/rfc822"))
    assert_bound(res, "depth", DEFAULT_DEPTH)
    still_serving(milter)


def test_100000_parts(milter):
    t0 = time.monotonic()
    res = send(milter, many_parts(100_000))
    assert_bound(res, "parts", DEFAULT_PARTS)
    assert res.stage in ("body", "eom"), res
    assert time.monotonic() - t0 < 20
    still_serving(milter)


# --------------------------------------------------------------------------
# Garbage


def test_body_of_nuls(milter):
    # 1 MB of NULs is an odd text body, not a bound: a defined verdict.
    res = send(milter, (headers() + "\r\n").encode() + b"\0" * (1 << 20))
    assert_defined(res)
    assert res.stage == "eom", res
    # NULs inside a MIME part too.
    res = send(milter, mime_message(
        b"--n\r\nContent-Type: text/plain\r\n\r\n" + b"\0" * (1 << 20) +
        b"\r\n--n--\r\n", 'multipart/mixed; boundary="n"'))
    assert_defined(res)
    still_serving(milter)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_binary_garbage(milter, seed):
    rnd = random.Random(seed)
    garbage = bytes(rnd.getrandbits(8) for _ in range(1 << 18)) * 8
    # Garbage as a multipart body, as a whole message (no header at all),
    # and as a multipart body with boundary lines and headers mixed in.
    res = send(milter, mime_message(garbage, 'multipart/mixed; '
                                    'boundary="=_outpost_garbage_boundary"'))
    assert_defined(res)
    res = send(milter, garbage, crlf=False)
    assert_defined(res)
    chunks = [garbage[i:i + 4096] for i in range(0, len(garbage), 4096)]
    body = b"".join(b"--g\r\nContent-Type: application/pdf; name=\"" +
                    c[:30].replace(b'"', b"") + b"\"\r\n\r\n" + c + b"\r\n"
                    for c in chunks[:200]) + b"--g--\r\n"
    res = send(milter, mime_message(body, 'multipart/mixed; boundary="g"'))
    assert_defined(res)
    still_serving(milter)


def test_client_drops_mid_body(milter):
    # The baseline is taken once a message has gone through: libmilter
    # opens its worker pool's pipe only after the socket is listening,
    # so a count taken at start-up can miss it.
    still_serving(milter)
    baseline = milter_fds(milter)
    before = fd_table(milter)
    body = b"x" * 70000
    for how in ("between packets", "inside a packet", "before eom",
                "after negotiate"):
        c = mc.MilterClient(milter.socket)
        c.negotiate()
        if how != "after negotiate":
            assert c.connect("client", "127.0.0.1", 4711).proceed
            assert c.mail(f"<{TRUSTED_SENDER}>",
                          macros={"i": "DROP1", "{client_addr}":
                                  "127.0.0.1"}).proceed
            # An MTA sends RCPT before the message (libmilter ignores a
            # header that comes straight after MAIL).
            assert c.rcpt(f"<{DEST}>").proceed
            for name, value in mc.split_message(good_message())[0]:
                assert c.header(name, value).proceed
            assert c.eoh().proceed
            if how == "inside a packet":
                # A body packet announced as 65536 bytes, 1000 sent.
                c.sock.sendall(struct.pack("!I", 65536) + b"B" +
                               b"y" * 1000)
            else:
                assert c.body(body).proceed
        c.drop()
    # The same, twenty times over, then no descriptor is left behind.
    for i in range(20):
        c = mc.MilterClient(milter.socket)
        c.negotiate()
        c.connect("client", "127.0.0.1", 4711)
        c.mail(f"<{TRUSTED_SENDER}>", macros={"i": f"DROP{i}"})
        c.rcpt(f"<{DEST}>")
        c.eoh()
        c.body(body)
        c.drop()
    still_serving(milter)
    assert wait_fds(milter, baseline) <= baseline, (fd_table(milter),
                                                   before)


def test_garbage_packets(milter):
    # Not the milter protocol at all: the milter closes the connection
    # (or answers nothing), and goes on serving others.
    for junk in (b"GET / HTTP/1.0\r\n\r\n",
                 struct.pack("!I", 0xFFFFFFF0) + b"B",
                 struct.pack("!I", 0) * 4,
                 struct.pack("!I", 5) + b"Zjunk",
                 bytes(random.Random(9).getrandbits(8) for _ in range(5000))):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(str(milter.socket))
            try:
                s.sendall(junk)
                s.shutdown(socket.SHUT_WR)
                while s.recv(4096):
                    pass
            except (ConnectionResetError, BrokenPipeError):
                pass
    still_serving(milter)


# --------------------------------------------------------------------------
# Concurrency


def test_20_concurrent_connections(milter):
    exe = attachment("setup.pdf.exe")
    cases = [
        ("good trusted", lambda: send(milter, good_message()), "ok"),
        ("good login", lambda: send(milter, good_message(LOGIN_SENDER),
                                    sender=LOGIN_SENDER, login="alice"), "ok"),
        ("pdf", lambda: send(milter, attachment("report.pdf")), "ok"),
        ("wrong login", lambda: send(milter, good_message(LOGIN_SENDER),
                                     sender=LOGIN_SENDER, login="mallory"),
         (550, "5.7.1")),
        ("exe", lambda: send(milter, exe), (550, "5.7.1")),
        ("deep", lambda: send(milter, nested(1000)), (554, "5.6.0")),
        ("parts", lambda: send(milter, many_parts(20_000)), (554, "5.6.0")),
        ("headers", lambda: send(milter, (headers() + filler_lines(1 << 20)
                                          + "\r\nx\r\n").encode()),
         (554, "5.6.0")),
        ("nuls", lambda: send(milter, (headers() + "\r\n").encode() +
                              b"\0" * 300000), "defined"),
        ("drop", lambda: _drop_mid_body(milter), "dropped"),
    ]
    jobs = [cases[i % len(cases)] for i in range(20)]
    start = threading.Barrier(len(jobs), timeout=10)

    def run(job):
        start.wait()
        return job[0], job[1](), job[2]

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(run, jobs, timeout=60))
    for name, res, want in results:
        if want == "ok":
            assert_accepted(res)
        elif want == "defined":
            assert_defined(res)
        elif want == "dropped":
            assert res is None
        else:
            assert res.error is None, (name, res)
            assert (res.code, res.dsn) == want, (name, res.reply.raw)
    still_serving(milter)


def _drop_mid_body(milter):
    c = mc.MilterClient(milter.socket)
    c.negotiate()
    c.connect("client", "127.0.0.1", 4711)
    c.mail(f"<{TRUSTED_SENDER}>", macros={"i": "DROPC"})
    c.rcpt(f"<{DEST}>")
    c.eoh()
    c.body(b"z" * 100000)
    c.drop()
    return None


# --------------------------------------------------------------------------
# Each bound exactly, with small limits


def test_depth_at_bound(small):
    depth = SMALL["mime_max_depth"]
    assert_accepted(send(small, nested(depth)))
    assert_bound(send(small, nested(depth + 1)), "depth", depth)
    still_serving(small)


def test_parts_at_bound(small):
    parts = SMALL["mime_max_parts"]
    assert_accepted(send(small, many_parts(parts)))
    assert_bound(send(small, many_parts(parts + 1)), "parts", parts)
    still_serving(small)


def test_top_header_at_bound(small):
    # The top-level header block, as header_size() counts it.
    size = SMALL["mime_max_header_size"]
    base = headers()
    msg = base + header_block(size - header_size(base))
    assert_accepted(send(small, (msg + "\r\nhello\r\n").encode()))
    msg = base + header_block(size + 1 - header_size(base))
    assert_bound(send(small, (msg + "\r\nhello\r\n").encode()), "header",
                 size)
    still_serving(small)


def test_part_header_at_bound(small):
    # A part's header block, as header_size() counts it.
    size = SMALL["mime_max_header_size"]

    def msg(n):
        ctype = "Content-Type: text/plain\r\n"
        return mime_message("--h\r\n" + ctype +
                            header_block(n - header_size(ctype))
                            + "\r\ntext\r\n--h--\r\n",
                            'multipart/mixed; boundary="h"')
    assert_accepted(send(small, msg(size)))
    assert_bound(send(small, msg(size + 1)), "header", size)
    still_serving(small)


def test_filename_at_bound(small):
    length = SMALL["mime_max_filename_length"]
    name = "n" * (length - 4) + ".pdf"
    assert len(name.encode()) == length
    assert_accepted(send(small, attachment(name)))
    assert_bound(send(small, attachment("n" + name)), "filename", length)
    still_serving(small)


def test_sighup_reloads_in_place(milter_factory, tmp_path, mta_available):
    """SIGHUP: an edited table takes effect without a restart and without
    dropping a connection; a broken one is logged and the old one stays."""
    logins = tmp_path / "reload_logins"
    logins.write_text("alice@corp.example   alice\n")
    m = milter_factory({"sender_login_maps": f"texthash:{logins}"})
    msg = (b"From: <bob@corp.example>\r\nTo: <user@dest.example>\r\n"
           b"Subject: reload\r\n\r\nhi\r\n")
    sock = str(m.socket)

    def as_alice():
        return mc.send_message(sock, "bob@corp.example", [DEST], msg,
                               login="alice")

    r = as_alice()
    assert r.code == 550 and "not owned by login alice" in r.text
    client = mc.MilterClient(sock)          # held open across the reload
    client.negotiate()
    logins.write_text("alice@corp.example   alice\n"
                      "bob@corp.example     alice\n")
    m.hup()
    assert m.wait_log("configuration reloaded")
    assert as_alice().ok
    r = mc.send_message(sock, "bob@corp.example", [DEST], msg,
                        login="alice", client=client)
    assert r.ok, r
    client.close()
    # A broken table: the reload fails as a whole, the old one serves on.
    m.write_config(sender_login_maps=f"texthash:{tmp_path}/missing")
    m.hup()
    assert m.wait_log("reload failed, keeping the old configuration")
    assert as_alice().ok
    assert m.alive()


def test_sigterm_finishes_open_messages(milter_factory, tables, mta_available):
    """SIGTERM: no new connections, but a message in progress is answered
    before the milter exits."""
    m = milter_factory(tables)
    c = mc.MilterClient(str(m.socket))
    c.negotiate()
    c.connect("localhost", "127.0.0.1", 25,
              macros={"{client_addr}": "127.0.0.1"})
    assert c.mail(f"<{TRUSTED_SENDER}>", macros={"i": "TERM1"}).action == \
        "continue"
    c.rcpt(f"<{DEST}>")
    c.header("From", f"<{TRUSTED_SENDER}>")
    c.eoh()
    m.proc.send_signal(signal.SIGTERM)
    assert m.wait_log("no new connections; finishing the open ones")
    c.body(b"still here\r\n")
    r = c.eom(macros={"i": "TERM1"})
    assert r.action == "continue", r
    c.close()
    m.proc.wait(timeout=20)
    assert m.stop() == 0                # exited by itself, status 0
    assert "TERM1: accept" in m.log_text()
    assert "still open" not in m.log_text()
