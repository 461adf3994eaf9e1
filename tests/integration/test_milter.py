"""outpost-milter in a real Postfix on loopback, with real SASL logins.

Postfix (Cyrus SASL, private sasldb) hands every message to the milter;
accepted mail arrives at smtp-sink.
"""

import base64
import email.utils

import pytest

import mta

USERS = {"alice": "alice-pw", "bob": "bob-pw"}
DEST = "user@dest.example"


@pytest.fixture
def setup(tmp_path, milter_factory, postfix_factory, sink):
    logins = tmp_path / "sender_login"
    logins.write_text("alice@corp.example   alice\n"
                      "bob@corp.example     bob\n"
                      "@shared.example      alice, bob\n")
    trusted = tmp_path / "trusted_networks"
    trusted.write_text("127.0.0.0/8   app.example, notify.example\n")
    mf = milter_factory({
        "sender_login_maps": f"texthash:{logins}",
        "trusted_networks": f"cidr:{trusted}",
        "recipient_delimiter": "+",
    })
    params = mf.postfix_params()
    # No mynetworks relay: a client must authenticate or be refused by
    # Postfix; the milter's trusted_networks decides for the rest.
    params["smtpd_recipient_restrictions"] = \
        "permit_sasl_authenticated, permit_mynetworks, reject"
    pf = postfix_factory(main_cf=params, sasl_users=USERS)
    return mf, pf, sink


def message(sender, rcpt=DEST, extra_headers="", body="Hello.\r\n",
            from_header=None):
    return (f"From: {from_header or '<' + sender + '>'}\r\n"
            f"To: <{rcpt}>\r\nSubject: test\r\n"
            f"Date: {email.utils.formatdate()}\r\n"
            f"Message-ID: <{id(body)}.{len(body)}@outpost.test>\r\n"
            f"{extra_headers}\r\n{body}").encode()


def test_own_address_delivered(setup):
    mf, pf, sink = setup
    r = pf.send("alice@corp.example", [DEST], message("alice@corp.example"),
                login="alice", password="alice-pw")
    assert r.ok, r
    got = sink.wait_for(1)
    assert len(got) == 1 and got[0].mail_from == "alice@corp.example"
    assert mf.wait_log("accept: from=<alice@corp.example> login=alice")


def test_extension_and_shared_domain(setup):
    mf, pf, sink = setup
    for sender in ("alice+news@corp.example", "anyone@shared.example"):
        r = pf.send(sender, [DEST], message(sender), login="alice",
                    password="alice-pw")
        assert r.ok, (sender, r)
    assert len(sink.wait_for(2)) == 2


def test_envelope_of_someone_else_refused(setup):
    mf, pf, sink = setup
    r = pf.send("bob@corp.example", [DEST], message("bob@corp.example"),
                login="alice", password="alice-pw")
    assert not r.ok
    assert str(r.mail) == ("550 5.7.1 <bob@corp.example>: envelope sender "
                           "not owned by login alice")
    assert mf.wait_log("reject: 5.7.1 <bob@corp.example>: envelope sender "
                       "not owned by login alice")


@pytest.mark.parametrize("from_header, refused", [
    ("<ceo@bank.example>", "ceo@bank.example"),
    ("Alice <alice@corp.example>, CEO <ceo@bank.example>", "ceo@bank.example"),
    ("friends: alice@corp.example, ceo@bank.example;", "ceo@bank.example"),
    ("alice@corp.example (Alice), <Bob@Corp.Example>", "bob@corp.example"),
])
def test_header_from_of_someone_else_refused(setup, from_header, refused):
    mf, pf, sink = setup
    r = pf.send("alice@corp.example", [DEST],
                message("alice@corp.example", from_header=from_header),
                login="alice", password="alice-pw")
    assert not r.ok
    assert r.data.code == 550
    assert r.data.text.lower() == \
        f"5.7.1 <{refused}>: header from not owned by login alice"


@pytest.mark.parametrize("from_header", [
    "=?utf-8?q?ceo=40bank=2Eexample?= <alice@corp.example>",
    '"alice@corp.example, ceo@bank.example" <alice@corp.example>',
    "alice@corp.example (ceo@bank.example)",
])
def test_display_name_pretending_refused(setup, from_header):
    mf, pf, sink = setup
    r = pf.send("alice@corp.example", [DEST], message(
        "alice@corp.example", from_header=from_header),
        login="alice", password="alice-pw")
    assert not r.ok and r.data.code == 550
    assert r.data.text == ("5.7.1 <ceo@bank.example>: display name in header "
                           "From not owned by login alice")


def test_empty_from_refused(setup):
    mf, pf, sink = setup
    r = pf.send("alice@corp.example", [DEST], message(
        "alice@corp.example", from_header="undisclosed-senders:;"),
        login="alice", password="alice-pw")
    assert not r.ok
    assert r.data.text == "5.7.1 header From: names no mailbox"


def test_sender_header_checked(setup):
    mf, pf, sink = setup
    r = pf.send("alice@corp.example", [DEST], message(
        "alice@corp.example", extra_headers="Sender: <bob@corp.example>\r\n"),
        login="alice", password="alice-pw")
    assert not r.ok
    assert r.data.text == ("5.7.1 <bob@corp.example>: header Sender not owned "
                           "by login alice")


def test_trusted_network_only_its_domains(setup):
    mf, pf, sink = setup
    assert pf.send("app@app.example", [DEST], message("app@app.example")).ok
    r = pf.send("alice@corp.example", [DEST], message("alice@corp.example"))
    assert not r.ok
    assert str(r.mail) == ("550 5.7.1 <alice@corp.example>: envelope sender "
                           "domain not allowed for unauthenticated client "
                           "127.0.0.1")
    r = pf.send("app@app.example", [DEST], message(
        "app@app.example", from_header="<ceo@bank.example>"))
    assert not r.ok and r.data.code == 550
    assert len(sink.wait_for(1)) == 1


def _mime(parts):
    """A multipart/mixed message from alice with the given raw parts."""
    boundary = "=_outpost_test_boundary"
    body = "This is a multi-part message.\r\n"
    for p in parts:
        body += f"--{boundary}\r\n{p}\r\n"
    body += f"--{boundary}--\r\n"
    return message("alice@corp.example", extra_headers=(
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
        f"boundary=\"{boundary}\"\r\n"), body=body)


EXE = base64.b64encode(b"MZ\x90\x00" + b"\x00" * 60).decode()


def _part(headers, payload=EXE):
    return headers + "Content-Transfer-Encoding: base64\r\n\r\n" + payload + \
        "\r\n"


EXE_TRICKS = {
    "plain": _part('Content-Type: application/octet-stream\r\n'
                   'Content-Disposition: attachment; filename="invoice.exe"\r\n'),
    "double": _part('Content-Type: application/pdf\r\n'
                    'Content-Disposition: attachment; '
                    'filename="invoice.pdf.exe"\r\n'),
    "name only": _part('Content-Type: application/pdf; name="scan.EXE"\r\n'),
    "trailing dots": _part('Content-Type: application/pdf\r\n'
                           'Content-Disposition: attachment; '
                           'filename="invoice.exe. . "\r\n'),
    "rfc2231": _part("Content-Type: application/pdf\r\n"
                     "Content-Disposition: attachment;\r\n"
                     " filename*0=\"invoice.pd\";\r\n"
                     " filename*1=\"f.ex\";\r\n filename*2=\"e\"\r\n"),
    "rfc2231 charset": _part("Content-Type: application/pdf\r\n"
                             "Content-Disposition: attachment; "
                             "filename*=utf-8''invoice%2Epdf%2Eexe\r\n"),
    "rfc2047": _part("Content-Type: application/pdf\r\n"
                     "Content-Disposition: attachment; "
                     "filename=\"=?utf-8?B?aW52b2ljZS5wZGYuZXhl?=\"\r\n"),
    "rlo": _part("Content-Type: application/pdf\r\n"
                 "Content-Disposition: attachment; "
                 "filename*=utf-8''invoice%E2%80%AEfdp.exe\r\n"),
    "exe type no name": _part("Content-Type: application/x-msdownload\r\n"),
    "nested message": ("Content-Type: message/rfc822\r\n\r\n"
                       "From: <alice@corp.example>\r\nSubject: fwd\r\n"
                       "MIME-Version: 1.0\r\n"
                       "Content-Type: multipart/mixed; boundary=inner\r\n\r\n"
                       "--inner\r\nContent-Type: text/plain\r\n\r\nsee\r\n"
                       "--inner\r\n" +
                       _part('Content-Type: application/octet-stream; '
                             'name="tool.exe"\r\n') + "--inner--\r\n"),
    "uuencode": ("Content-Type: text/plain\r\n\r\nHere it is:\r\n\r\n"
                 "begin 644 setup.exe\r\nM35J0\r\n`\r\nend\r\n"),
}


@pytest.mark.parametrize("trick", sorted(EXE_TRICKS))
def test_exe_in_every_disguise_refused(setup, trick):
    mf, pf, sink = setup
    r = pf.send("alice@corp.example", [DEST],
                _mime(["Content-Type: text/plain\r\n\r\nsee attached\r\n",
                       EXE_TRICKS[trick]]),
                login="alice", password="alice-pw")
    assert not r.ok, trick
    assert r.data.code == 550, r.data
    assert r.data.text.startswith("5.7.1 attachment"), r.data.text
    assert "for sender alice@corp.example" in r.data.text or \
        "control characters" in r.data.text


def test_allowed_pdf_arrives_intact(setup):
    mf, pf, sink = setup
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
    payload = base64.encodebytes(pdf).decode().replace("\n", "\r\n")
    r = pf.send("alice@corp.example", [DEST], _mime([
        "Content-Type: text/plain\r\n\r\nthe report\r\n",
        _part('Content-Type: application/pdf\r\n'
              'Content-Disposition: attachment; filename="report.pdf"\r\n',
              payload)]), login="alice", password="alice-pw")
    assert r.ok, r
    got = sink.wait_for(1)
    assert len(got) == 1
    parts = [p for p in got[0].message().walk()
             if p.get_filename() == "report.pdf"]
    assert len(parts) == 1 and parts[0].get_payload(decode=True) == pdf
    assert mf.wait_log("attachments=1")


def test_report_only(tmp_path, milter_factory, postfix_factory, sink):
    logins = tmp_path / "sender_login"
    logins.write_text("alice@corp.example alice\n")
    mf = milter_factory({"sender_login_maps": f"texthash:{logins}",
                         "report_only": "yes"})
    pf = postfix_factory(main_cf=dict(mf.postfix_params(),
                                      smtpd_recipient_restrictions=
                                      "permit_sasl_authenticated, reject"),
                         sasl_users=USERS)
    r = pf.send("bob@corp.example", [DEST], _mime([EXE_TRICKS["double"]]),
                login="alice", password="alice-pw")
    assert r.ok, r
    assert len(sink.wait_for(1)) == 1
    assert mf.wait_log("would reject: 5.7.1 <bob@corp.example>: envelope "
                       "sender not owned by login alice")
