"""outpost-policyd against bad and hostile clients, no Postfix needed.

Each case gets a defined answer or a closed connection, and afterwards the
daemon still answers a well-formed request on a fresh connection.
"""

import resource
import socket
import time

import pytest

import outpost
from outpost import encode_request, rcpt_request, read_reply

POLICY_LINE_MAX = 4096
POLICY_ATTR_MAX = 128


@pytest.fixture
def pd(policyd_factory, mta_available):
    d = policyd_factory({"rate_limit_keys": "sender",
                         "rate_limit_default": "1000 msg/1h"})
    d.ctl("blocklist", "add", "dead@dest.example")
    return d


def connect(pd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(str(pd.socket))
    return s


def still_serving(pd):
    assert pd.alive()
    assert pd.request(rcpt_request("a@b.example", "dead@dest.example")) \
        .startswith("550 5.1.1 recipient hard-bounced on ")
    assert pd.request(rcpt_request("a@b.example", "ok@dest.example")) == "DUNNO"


def closed_without_reply(s):
    try:
        return s.recv(4096) == b""
    except ConnectionResetError:
        return True


def test_line_at_and_over_the_bound(pd):
    # At the bound (a whole line of POLICY_LINE_MAX bytes, newline
    # excluded) an unknown attribute is skipped.
    s = connect(pd)
    name = "x_padding="
    s.sendall((name + "a" * (POLICY_LINE_MAX - len(name)) + "\n").encode()
              + encode_request(rcpt_request("a@b.example", "ok@dest.example")))
    assert read_reply(s) == "DUNNO"
    s.close()
    # One byte over: the connection is closed, nothing answered.
    s = connect(pd)
    s.sendall((name + "a" * (POLICY_LINE_MAX + 1 - len(name)) + "\n").encode())
    assert closed_without_reply(s)
    s.close()
    assert pd.wait_log("line longer than 4096 bytes")
    still_serving(pd)


def test_no_blank_line_before_eof(pd):
    s = connect(pd)
    s.sendall(b"request=smtpd_access_policy\nprotocol_state=RCPT\n"
              b"recipient=dead@dest.example\n")
    s.shutdown(socket.SHUT_WR)
    assert closed_without_reply(s)
    s.close()
    assert pd.wait_log("closed the connection in the middle of a request")
    still_serving(pd)


def test_unknown_attributes_are_ignored(pd):
    req = rcpt_request("a@b.example", "dead@dest.example")
    req.update({f"future_attribute_{i}": "x" * 100 for i in range(50)})
    assert pd.request(req).startswith("550 5.1.1")


def test_attribute_count_bound(pd):
    req = {f"a{i}": "1" for i in range(POLICY_ATTR_MAX)}
    req["request"] = "smtpd_access_policy"          # POLICY_ATTR_MAX + 1
    s = connect(pd)
    s.sendall(encode_request(req))
    assert closed_without_reply(s)
    req = {f"a{i}": "1" for i in range(POLICY_ATTR_MAX - 1)}
    req["request"] = "smtpd_access_policy"          # at the bound
    assert pd.request(req) == "DUNNO"
    still_serving(pd)


def test_nul_bytes(pd):
    s = connect(pd)
    s.sendall(b"request=smtpd_access_policy\nrecipient=dead\x00@dest.example"
              b"\n\n")
    assert closed_without_reply(s)
    assert pd.wait_log("NUL byte in request")
    still_serving(pd)


def test_garbage_lines(pd):
    for junk in (b"no equals sign here\n\n", b"=empty name\n\n",
                 bytes(range(1, 256)) + b"\n\n"):
        s = connect(pd)
        s.sendall(junk)
        assert closed_without_reply(s)
        s.close()
    still_serving(pd)


def test_overlong_address(pd):
    s = connect(pd)
    s.sendall(encode_request(rcpt_request("a@b.example",
                                          "x" * 300 + "@dest.example")))
    assert closed_without_reply(s)
    still_serving(pd)


def pipelined(s, reqs):
    """Send reqs at once on socket s; their actions, in order."""
    s.sendall(b"".join(encode_request(r) for r in reqs))
    # The replies may arrive in one read: split them ourselves.
    data = b""
    while data.count(b"\n\n") < len(reqs):
        chunk = s.recv(65536)
        assert chunk, "connection closed"
        data += chunk
    replies = data.split(b"\n\n")[:len(reqs)]
    assert all(r.startswith(b"action=") for r in replies), replies
    return [r.split(b"\n")[0].decode()[len("action="):] for r in replies]


def test_pipelined_requests(pd):
    s = connect(pd)
    reqs = [rcpt_request("a@b.example", r) for r in
            ("dead@dest.example", "ok@dest.example", "dead@dest.example")]
    answers = pipelined(s, reqs)
    assert answers[0].startswith("550") and answers[1] == "DUNNO" \
        and answers[2].startswith("550")


def test_thousand_idle_connections(pd):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard), hard))
    idle = []
    try:
        for _ in range(1000):
            idle.append(connect(pd))
        # Half of them send half a request and stall.
        for s in idle[::2]:
            s.sendall(b"request=smtpd_access_policy\nprotocol_state=RC")
        start = time.monotonic()
        still_serving(pd)
        assert time.monotonic() - start < 5
    finally:
        for s in idle:
            s.close()
    still_serving(pd)


def test_disconnect_mid_request(pd):
    for cut in (1, 10, 40):
        s = connect(pd)
        s.sendall(encode_request(rcpt_request("a@b.example",
                                              "dead@dest.example"))[:cut])
        s.close()
    # Reset (RST) instead of FIN, with unread reply data pending.
    s = connect(pd)
    s.sendall(encode_request(rcpt_request("a@b.example", "dead@dest.example")))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00"
                 b"\x00\x00\x00\x00")
    s.close()
    still_serving(pd)


def test_idle_timeout(policyd_factory, mta_available):
    pd = policyd_factory({"policyd_max_idle": "1s"})
    s = connect(pd)
    time.sleep(2.5)
    assert closed_without_reply(s)
    s.close()


def test_sighup_keeps_connections(pd, tmp_path):
    """A reload happens between requests: a client connected before it is
    answered after it, under the new configuration."""
    s = connect(pd)
    s.sendall(encode_request(rcpt_request("a@b.example", "ok@dest.example")))
    assert read_reply(s) == "DUNNO"
    pd.write_config(rate_limit_default="1 msg/1h")
    pd.hup()
    assert pd.wait_log("configuration reloaded")
    data = rcpt_request("a@b.example", "ok@dest.example",
                        protocol_state="DATA", recipient_count="1")
    s.sendall(encode_request(data))
    assert read_reply(s) == "DUNNO"                 # counted: 1 of 1
    s.sendall(encode_request(data))
    assert read_reply(s).startswith("DEFER_IF_PERMIT 4.7.1 rate limit 1 msg/1h")
    s.close()


def test_blocklist_changes_while_serving(pd, tmp_path):
    """outpostctl writes while the daemon serves: a single add is refused
    at the next request (the daemon follows the journal), an import too
    (looked up directly while the daemon's filter is dropped), and both
    still after the filter has been rebuilt."""
    def answer(rcpt):
        return pd.request(rcpt_request("a@b.example", rcpt))

    assert pd.wait_log("blocklist filter: 0 keys")
    assert answer("one@dest.example") == "DUNNO"
    pd.ctl("blocklist", "add", "one@dest.example")
    assert answer("one@dest.example").startswith("550 5.1.1 ")
    bulk = tmp_path / "bulk"
    bulk.write_text("".join(f"bulk{i}@dest.example 5.1.1 user unknown\n"
                            for i in range(5000)))
    pd.ctl("blocklist", "import", str(bulk))
    assert answer("bulk4999@dest.example").startswith("550 5.1.1 ")
    assert pd.wait_log("blocklist changed in bulk")
    # Rebuilt once the blocklist has held still for a second: 5000
    # imported, dead@ and one@.
    assert pd.wait_log("blocklist filter: 5002 keys")
    for rcpt in ("bulk0@dest.example", "bulk2500@dest.example",
                 "one@dest.example", "dead@dest.example"):
        assert answer(rcpt).startswith("550 5.1.1 "), rcpt
    assert answer("bulk5000@dest.example") == "DUNNO"
    still_serving(pd)


def test_burst_then_silence_saved_within_a_second(pd):
    """kill -9 loses at most the last second, also when traffic stops
    right after a burst that changed many more counters than the loop
    copies for the writer in one turn (PD_RATE_FILL_STEP, 1024): with
    no request to turn the loop, the rest of the copy must not wait for
    later ticks."""
    n = 30000
    s = connect(pd)
    # A hundred pipelined, then their replies read: the daemon reads
    # nothing more from a client whose replies the socket cannot take.
    for start in range(0, n, 100):
        reqs = [rcpt_request(f"s{i}@burst.example", "ok@dest.example",
                             protocol_state="DATA", recipient_count="1")
                for i in range(start, min(start + 100, n))]
        assert pipelined(s, reqs) == ["DUNNO"] * len(reqs)
    s.close()
    # The tick after the last change starts a batch; the writer needs a
    # moment for it. 1.5 s is that second and the moment.
    time.sleep(1.5)
    pd.kill()

    def stored(i):
        r = pd.ctl("ratelimit", "show", f"sender:s{i}@burst.example",
                   check=False)
        return r.returncode == 0 and "(no counters stored)" not in r.stdout

    missing = [i for i in list(range(n - 10, n)) + [0, n // 2]
               if not stored(i)]
    assert missing == []
    out = pd.ctl("ratelimit", "show", f"sender:s{n - 1}@burst.example").stdout
    assert "1000 msg/1h: used 1.0 of 1000" in out
