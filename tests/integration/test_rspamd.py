"""outpost-milter scoring with a real Rspamd, in a real Postfix.

One Rspamd serves the module (rspamd.py: contrib/rspamd's configuration,
offline, with a test rule and a DKIM key). Each test has its own Postfix,
SASL logins, smtp-sink and milter. A message is either at the sink, in
Postfix's hold queue, or refused to the client: every test says which.
"""

import email.utils
import http.server
import threading
import time

import pytest

import mta
import rspamd

USERS = {"alice": "alice-pw", "carol": "carol-pw"}
DEST = "user@dest.example"
ALICE = f"alice@{rspamd.DKIM_DOMAIN}"
CAROL = "carol@corp.example"


@pytest.fixture(scope="module")
def rspamd_srv(tmp_path_factory):
    assert rspamd.available(), "rspamd is not installed (tests/install-deps)"
    srv = rspamd.Rspamd(tmp_path_factory.mktemp("rspamd"))
    srv.configure()
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def make(tmp_path, milter_factory, postfix_factory, sink, rspamd_srv):
    """make(**milter_conf) -> (milter, postfix, sink)"""
    logins = tmp_path / "sender_login"
    logins.write_text(f"{ALICE} alice\n{CAROL} carol\n")
    settings = tmp_path / "rspamd_settings"
    settings.write_text("carol strict\n")

    def _make(**conf):
        mf = milter_factory({
            "sender_login_maps": f"texthash:{logins}",
            "rspamd_settings_maps": f"texthash:{settings}",
            "rspamd_url": rspamd_srv.url,
            "rspamd_timeout": "10s",
            **conf})
        params = mf.postfix_params()
        params["smtpd_recipient_restrictions"] = \
            "permit_sasl_authenticated, reject"
        pf = postfix_factory(main_cf=params, sasl_users=USERS)
        return mf, pf, sink
    return _make


def message(sender=ALICE, subject="quarterly figures", body="Hello.\r\n",
            extra=""):
    return (f"From: <{sender}>\r\nTo: <{DEST}>\r\nSubject: {subject}\r\n"
            f"Date: {email.utils.formatdate()}\r\n"
            f"Message-ID: <{time.time_ns()}@{rspamd.DKIM_DOMAIN}>\r\n"
            f"{extra}\r\n{body}").encode()


def send(pf, data, sender=ALICE, login="alice"):
    return pf.send(sender, [DEST], data, login=login,
                   password=USERS[login])


def gtube():
    return message(body=f"Test.\r\n{rspamd.GTUBE}\r\n")


def spammy():
    return message(subject=f"offer {rspamd.SPAMMY}")


def test_clean_message_scored_and_delivered(make):
    mf, pf, sink = make()
    r = send(pf, message())
    assert r.ok, r
    got = sink.wait_for(1)
    assert len(got) == 1 and got[0].mail_from == ALICE
    assert got[0].header("X-Spam-Score") is None
    assert mf.wait_log("rspamd: action=no action")
    assert mf.wait_log("login=alice symbols=")


def test_gtube_refused_with_rspamds_text(make):
    mf, pf, sink = make()
    r = send(pf, gtube())
    assert not r.ok
    assert (r.data.code, r.data.text) == (550, "5.7.1 Gtube pattern")
    assert mf.wait_log("rspamd: action=reject score=")
    assert mf.wait_log("reject: 5.7.1 Gtube pattern")
    time.sleep(0.5)
    assert sink.messages() == []


def test_add_header_range_held(make):
    mf, pf, sink = make()
    r = send(pf, spammy())
    assert r.ok, r
    assert mf.wait_log("rspamd: action=add header")
    held = pf.hold_queue()
    assert [m["queue_id"] for m in held] == [r.queue_id]
    assert sink.messages() == []
    assert mf.wait_log("hold: spam score 9.90, held for review")


def test_add_header_accepted_with_spam_headers(make):
    mf, pf, sink = make(spam_header_action="accept")
    # A score the client wrote itself does not survive.
    r = send(pf, message(subject=f"offer {rspamd.SPAMMY}",
                         extra="X-Spam-Score: -100\r\n"))
    assert r.ok, r
    got = sink.wait_for(1)
    assert len(got) == 1
    msg = got[0].message()
    assert msg.get_all("X-Spam-Score") == ["9.90 / 15.00"]
    assert "OUTPOST_TEST_SPAMMY(10.00)" in msg["X-Spam-Symbols"]
    assert pf.hold_queue() == []


def test_settings_id_from_rspamd_settings_maps(make):
    # carol -> Settings-ID strict (contrib/rspamd): reject at 9, so the
    # message alice had held is refused for carol.
    mf, pf, sink = make()
    r = send(pf, message(sender=CAROL, subject=f"offer {rspamd.SPAMMY}"),
             sender=CAROL, login="carol")
    assert not r.ok
    assert r.data.code == 550 and r.data.text.startswith("5.7.1 "), r.data
    assert mf.wait_log("rspamd: action=reject score=9.90/9.00 login=carol")


def test_dkim_signature_verifies(make, rspamd_srv):
    dkim = pytest.importorskip("dkim")
    mf, pf, sink = make()
    r = send(pf, message(body="Signed by Rspamd, verified here.\r\n"))
    assert r.ok, r
    got = sink.wait_for(1)
    assert len(got) == 1
    assert got[0].header("DKIM-Signature") is not None, got[0].data[:2000]
    raw = got[0].data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    want = f"{rspamd.DKIM_SELECTOR}._domainkey.{rspamd.DKIM_DOMAIN}."

    def dns(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        return rspamd_srv.dkim_txt() if name == want else None
    assert dkim.verify(raw, dnsfunc=dns)
    # One byte changed in the body, and the same signature fails.
    assert not dkim.verify(raw.replace(b"verified here", b"verified there"),
                           dnsfunc=dns)


def test_report_only_logs_and_delivers(make):
    mf, pf, sink = make(report_only="yes")
    r = send(pf, gtube())
    assert r.ok, r
    assert len(sink.wait_for(1)) == 1
    assert mf.wait_log("would reject: 5.7.1 Gtube pattern")


def test_oversized_message_not_scored(make):
    mf, pf, sink = make(rspamd_max_size="4096")
    body = "x" * 76 + "\r\n"
    r = send(pf, message(body=body * 200 + rspamd.GTUBE + "\r\n"))
    assert r.ok, r
    assert len(sink.wait_for(1)) == 1
    assert mf.wait_log("not scored: message larger than rspamd_max_size "
                       "(4096 bytes)")


def test_spooled_message_sent_whole(make):
    # Past rspamd_spool_threshold the message goes through a file: GTUBE
    # 8 KB into the body (past the threshold) is still seen. (Rspamd looks
    # for GTUBE only near the start of a large text part, so the bytes of
    # a large message are checked with the fake endpoint below.)
    mf, pf, sink = make(rspamd_spool_threshold="1024")
    filler = ("y" * 76 + "\r\n") * 100
    r = send(pf, message(body=filler + rspamd.GTUBE + "\r\n"))
    assert not r.ok and r.data.code == 550, r
    r = send(pf, message(body=filler))
    assert r.ok, r
    assert len(sink.wait_for(1)) == 1


def test_spooled_message_arrives_byte_for_byte(make):
    fake = FakeRspamd(body=b'{"action": "no action", "score": 0}')
    try:
        mf, pf, sink = make(rspamd_url=fake.url,
                            rspamd_spool_threshold="1024")
        filler = "".join(f"line {i:06d} " + "z" * 60 + "\r\n"
                         for i in range(4000))
        data = message(body=filler)
        r = send(pf, data)
        assert r.ok, r
        # Rspamd gets the message exactly as the client sent it.
        got = fake.bodies[-1]
        assert len(got) > 290000
        assert got == data
        assert fake.headers[-1]["User"] == "alice"
        assert fake.headers[-1]["From"] == ALICE
        assert fake.headers[-1]["Rcpt"] == DEST
        assert fake.headers[-1]["IP"] == "127.0.0.1"
        assert fake.headers[-1]["Queue-Id"] == r.queue_id
        assert len(sink.wait_for(1)) == 1
    finally:
        fake.close()


# --------------------------------------------------------------------------
# Faults: every message is either delivered or still with the client.


class FakeRspamd(http.server.ThreadingHTTPServer):
    """An HTTP endpoint on loopback that answers /checkv2 badly."""

    daemon_threads = True

    def __init__(self, status=200, body=b"{}", delay=0.0):
        self.status, self.body, self.delay = status, body, delay
        self.requests = 0
        self.bodies, self.headers = [], []
        super().__init__(("127.0.0.1", 0), _FakeHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def close(self):
        self.shutdown()
        self.server_close()


class _FakeHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.server.bodies.append(
            self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.server.headers.append(self.headers)
        self.server.requests += 1
        time.sleep(self.server.delay)
        self.send_response(self.server.status)
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("fault, log", [
    (dict(status=500, body=b"oops"), "HTTP status 500"),
    (dict(body=b"<html>not json</html>"), "reply is not JSON"),
    (dict(body=b'{"score": 1}'), "reply has no action"),
    (dict(body=b'{"action": "launch missiles"}'), "unknown action"),
    (dict(delay=3.0, body=b'{"action": "no action"}'),
     "no reply from http://127.0.0.1"),
])
def test_bad_endpoint_tempfails_or_accepts(make, fault, log):
    fake = FakeRspamd(**fault)
    try:
        mf, pf, sink = make(rspamd_url=fake.url, rspamd_timeout="1s")
        t0 = time.monotonic()
        r = send(pf, message())
        assert r.data is not None and r.data.code == 451, r
        assert r.data.text.startswith("4.7.1 message could not be scanned")
        assert time.monotonic() - t0 < 8
        assert mf.wait_log(log), mf.log_text()[-2000:]
        assert mf.wait_log("(1 failures since start)")
        # The same fault with rspamd_failure_action = accept: delivered.
        mf.write_config(rspamd_failure_action="accept")
        mf.hup()
        assert mf.wait_log("configuration reloaded", timeout=10)
        r = send(pf, message())
        assert r.ok, r
        assert len(sink.wait_for(1)) == 1
        assert mf.wait_log("accepted unscored")
        assert fake.requests == 2
        assert mf.alive()
    finally:
        fake.close()


def test_rspamd_stopped_then_back(make, rspamd_srv):
    mf, pf, sink = make()
    assert send(pf, message()).ok
    assert len(sink.wait_for(1)) == 1
    rspamd_srv.stop()
    try:
        # The kept-alive connection is dead and nothing listens.
        for _ in range(2):
            r = send(pf, message())
            assert r.data is not None and r.data.code == 451, r
        assert mf.wait_log("(2 failures since start)")
        # rspamd_failure_action = accept: delivered unscored.
        mf.write_config(rspamd_failure_action="accept")
        mf.hup()
        assert mf.wait_log("configuration reloaded", timeout=10)
        assert send(pf, message()).ok
        assert len(sink.wait_for(2)) == 2
        assert mf.wait_log("accepted unscored (3 failures since start)")
    finally:
        rspamd_srv.start()
    # Back without a milter restart: scored again.
    r = send(pf, gtube())
    assert not r.ok and r.data.code == 550, r
    assert send(pf, message()).ok
    assert len(sink.wait_for(3)) == 3
    # Scored: the one before the stop and the one after.
    assert mf.log_text().count("rspamd: action=no action") == 2
    assert mf.alive()


def test_scoring_off_with_empty_url(make):
    mf, pf, sink = make(rspamd_url="")
    r = send(pf, gtube())
    assert r.ok, r
    assert len(sink.wait_for(1)) == 1
    assert mf.wait_log("rspamd_url is empty: messages are not scored")
    assert "rspamd:" not in mf.log_text()
