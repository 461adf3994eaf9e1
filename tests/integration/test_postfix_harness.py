"""Smoke tests for the Postfix harness itself (mta.py, conftest.py).

They pin what the Outpost tests rely on: mail goes through a private
Postfix to smtp-sink unchanged, per-recipient refusals are reported while
the other recipients are delivered, SASL logins reach Postfix under the
exact name, and a policy service on an absolute unix: path is consulted.
"""

import os
import socket
import threading

# A complete message, so that Postfix adds nothing but its Received: header.
MESSAGE = (b"From: Sender <sender@example.com>\r\n"
           b"To: <one@example.net>, <two@example.net>\r\n"
           b"Subject: harness smoke test\r\n"
           b"Date: Mon, 02 Jan 2023 10:00:00 +0000\r\n"
           b"Message-ID: <smoke-1@example.com>\r\n"
           b"MIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=us-ascii\r\n"
           b"\r\n"
           b"First line.\r\n"
           b".A line that starts with a dot (dot-stuffed on the wire).\r\n"
           b"\r\n"
           b"Last line.\r\n")


def test_message_arrives_intact(postfix_factory, sink):
    pf = postfix_factory()
    r = pf.send("sender@example.com", ["one@example.net", "two@example.net"],
                data=MESSAGE)
    assert r.ok, r
    assert r.accepted == ["one@example.net", "two@example.net"]
    assert r.queue_id

    msgs = sink.wait_for(1)
    assert len(msgs) == 1
    m = msgs[0]
    assert m.mail_from == "sender@example.com"
    assert m.rcpts == ["one@example.net", "two@example.net"]
    assert m.client_addr == "127.0.0.1"
    # The sink stores LF line ends; Postfix only prepended its Received:.
    sent = MESSAGE.replace(b"\r\n", b"\n")
    assert m.data.endswith(sent)
    added = m.data[:-len(sent)]
    assert added.startswith(b"Received: from client.outpost.test")
    assert r.queue_id.encode() in added
    assert m.header("Message-ID") == "<smoke-1@example.com>"
    assert pf.wait_queue_empty(10), pf.queue()


def test_one_recipient_refused_others_delivered(postfix_factory, sink,
                                                tmp_path):
    access = tmp_path / "rcpt_access"
    access.write_text("blocked@example.net  550 5.1.1 Mailbox unavailable\n")
    pf = postfix_factory(main_cf={
        "smtpd_recipient_restrictions": [
            f"check_recipient_access texthash:{access}",
            "permit_mynetworks", "reject"],
    })
    rcpts = ["first@example.net", "blocked@example.net", "last@example.net"]
    r = pf.send("sender@example.com", rcpts)

    assert r.mail.code == 250
    assert list(r.refused) == ["blocked@example.net"]
    refusal = str(r.refused["blocked@example.net"])
    assert refusal.startswith("550 5.1.1 <blocked@example.net>"), refusal
    assert "Mailbox unavailable" in refusal
    assert r.accepted == ["first@example.net", "last@example.net"]
    assert r.ok, r

    msgs = sink.wait_for(1)
    assert len(msgs) == 1
    assert msgs[0].mail_from == "sender@example.com"
    assert msgs[0].rcpts == ["first@example.net", "last@example.net"]
    # The queue ID exists once the first recipient is accepted.
    assert pf.wait_log(rf"{r.queue_id}: reject: RCPT from \S+: 550 5\.1\.1 "
                       r"<blocked@example\.net>")


def test_sasl_login(postfix_factory, sink):
    # Empty mynetworks: only an authenticated client may relay.
    pf = postfix_factory(sasl_users={"alice": "pw", "bob": "secret"},
                         main_cf={"mynetworks": ""})

    anon = pf.send("alice@example.com", ["rcpt@example.net"])
    assert anon.auth is None
    assert anon.rcpt["rcpt@example.net"].code in (454, 554), anon
    assert not anon.ok

    bad = pf.send("alice@example.com", ["rcpt@example.net"],
                  login="alice", password="wrong")
    assert bad.auth.code == 535, bad
    assert bad.mail is None and not bad.ok

    good = pf.send("alice@example.com", ["rcpt@example.net"],
                   login="alice", password="pw")
    assert good.auth.code == 235, good
    assert good.ok, good

    msgs = sink.wait_for(1)
    assert len(msgs) == 1
    assert msgs[0].rcpts == ["rcpt@example.net"]
    # The login as Postfix sees it: no realm appended.
    assert pf.wait_log(rf"(?m){good.queue_id}: client=\S+, "
                       r"sasl_method=PLAIN, sasl_username=alice$")


def _policy_server(path, reject_rcpt):
    """A minimal Postfix policy service on unix socket PATH: reject
    REJECT_RCPT, DUNNO for the rest; smtpd may send several requests over
    one connection. Returns (listening socket, list of requests seen)."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(str(path))
    os.chmod(path, 0o666)           # smtpd connects as the postfix user
    srv.listen(8)
    srv.settimeout(30)
    seen = []

    def serve_conn(conn):
        with conn, conn.makefile("rb") as f:
            attrs = {}
            for line in f:
                line = line.rstrip(b"\n").decode()
                if line:
                    name, _, value = line.partition("=")
                    attrs[name] = value
                    continue
                seen.append(attrs)
                if attrs.get("recipient") == reject_rcpt:
                    action = "550 5.7.1 Blocked by test policy"
                else:
                    action = "DUNNO"
                conn.sendall(f"action={action}\n\n".encode())
                attrs = {}

    def loop():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=serve_conn, args=(conn,),
                             daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    return srv, seen


def test_policy_service_on_absolute_unix_socket(postfix_factory, sink,
                                                tmp_path):
    # Nothing is chrooted, so unix:/absolute/path outside the queue
    # directory is reachable by smtpd.
    sock = tmp_path / "policy.sock"
    srv, seen = _policy_server(sock, "denied@example.net")
    try:
        pf = postfix_factory(main_cf={
            "smtpd_recipient_restrictions": [
                f"check_policy_service unix:{sock}",
                "permit_mynetworks", "reject"],
        })
        r = pf.send("sender@example.com",
                    ["allowed@example.net", "denied@example.net"])
        assert str(r.refused["denied@example.net"]).startswith(
            "550 5.7.1 <denied@example.net>"), r
        assert r.accepted == ["allowed@example.net"]
        assert r.ok, r
        assert [a["recipient"] for a in seen] == [
            "allowed@example.net", "denied@example.net"]
        assert seen[0]["request"] == "smtpd_access_policy"
        assert seen[0]["client_address"] == "127.0.0.1"
        assert sink.wait_for(1)[0].rcpts == ["allowed@example.net"]
    finally:
        srv.close()


def test_two_instances_at_once(postfix_factory, sink):
    a = postfix_factory()
    b = postfix_factory()
    assert a.port != b.port
    assert a.master_pid() != b.master_pid()
    ra = a.send("a@example.com", ["x@example.net"])
    rb = b.send("b@example.com", ["y@example.net"])
    assert ra.ok and rb.ok
    msgs = sink.wait_for(2)
    assert sorted(m.mail_from for m in msgs) == ["a@example.com",
                                                 "b@example.com"]
    # Each instance logs only its own traffic.
    assert ra.queue_id in a.maillog() and ra.queue_id not in b.maillog()
