"""outpostctl test-message: the milter's checks on stored messages.

Runs on the MIME corpus with the same configuration shape the milter
uses; no daemon, no Postfix.
"""

import json
import subprocess
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "data" / "mime"


@pytest.fixture
def ctl(tmp_path, tools):
    logins = tmp_path / "sender_login"
    logins.write_text("alice@example.com  alice\n")
    trusted = tmp_path / "trusted"
    trusted.write_text("192.0.2.0/24  example.com\n")
    conf = tmp_path / "outpost.conf"
    conf.write_text(f"state_directory = {tmp_path}/state\n"
                    f"outpost_user =\n"
                    f"sender_login_maps = texthash:{logins}\n"
                    f"trusted_networks = cidr:{trusted}\n")

    def run(*args):
        return subprocess.run([str(tools.outpostctl), "-c", str(conf),
                               "test-message", *args], capture_output=True,
                              text=True, timeout=60)
    return run


def records(proc):
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_allowed_pdf(ctl):
    p = ctl("--login", "alice", "--json", str(CORPUS / "plain_attachment.eml"))
    assert p.returncode == 0, p.stderr
    [r] = records(p)
    assert r == {"file": str(CORPUS / "plain_attachment.eml"),
                 "verdict": "accept", "reason": "",
                 "attachments": [{"name": "report.pdf", "extension": "pdf",
                                  "allowed": True}]}


def test_renamed_exe_and_rlo(ctl):
    files = [CORPUS / "rfc2231_continuation.eml", CORPUS / "rlo_rfc2231.eml",
             CORPUS / "uuencode_in_base64_text.eml",
             CORPUS / "nested_rfc822_3levels.eml"]
    p = ctl("--login", "alice", "--json", *map(str, files))
    assert p.returncode == 1
    got = records(p)
    assert [r["file"] for r in got] == list(map(str, files))
    for r in got:
        assert r["verdict"] == "reject", r
        assert r["reason"].startswith("5.7.1 attachment"), r
        assert any(not a["allowed"] for a in r["attachments"]), r
    rlo = got[1]
    assert "control characters" in rlo["reason"]
    assert "\u202e" in rlo["attachments"][0]["name"]


def test_sender_login_verdict(ctl):
    f = str(CORPUS / "plain_attachment.eml")
    p = ctl("--login", "bob", "--json", f)
    assert p.returncode == 1
    [r] = records(p)
    assert r["verdict"] == "reject"
    assert r["reason"] == ("5.7.1 <alice@example.com>: envelope sender not "
                           "owned by login bob")
    # No login: trusted_networks decides for the client address.
    assert ctl("--client", "192.0.2.7", "--json", f).returncode == 0
    p = ctl("--client", "198.51.100.1", "--json", f)
    assert records(p)[0]["reason"] == ("5.7.1 client 198.51.100.1 did not "
                                       "authenticate and is not in "
                                       "trusted_networks")


def test_bound_and_text_output(ctl):
    p = ctl("--login", "alice", str(CORPUS / "depth_over_bound.eml"))
    assert p.returncode == 1
    assert ": reject" in p.stdout
    assert "554 5.6.0 message refused: MIME nesting deeper than 16 levels" \
        in p.stdout


def test_unreadable_file(ctl, tmp_path):
    p = ctl(str(tmp_path / "missing.eml"))
    assert p.returncode == 66
    assert "missing.eml" in p.stderr


def test_every_from_header_and_raw_names(ctl, tmp_path):
    """A second From: is checked as the milter checks it; a name that is
    not UTF-8 still appears in the JSON, with U+FFFD for the bad bytes."""
    f = tmp_path / "two_from.eml"
    f.write_bytes(b"From: <alice@example.com>\r\nFrom: <ceo@bank.example>\r\n"
                  b"Subject: x\r\nMIME-Version: 1.0\r\n"
                  b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                  b"--b\r\nContent-Type: application/pdf\r\n"
                  b"Content-Disposition: attachment; "
                  b"filename=\"r\xe9sum\xe9.exe\"\r\n\r\nx\r\n--b--\r\n")
    p = ctl("--login", "alice", "--json", str(f))
    [r] = records(p)
    assert r["reason"] == ("5.7.1 <ceo@bank.example>: header From not owned "
                           "by login alice")
    assert r["attachments"] == [{"name": "r\ufffdsum\ufffd.exe",
                                 "extension": "exe", "allowed": False}]
