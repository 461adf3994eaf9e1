"""Sending domains: "outpostctl domain verify" against a real DNS server
(dnsmasq on loopback, in a network namespace, see dnszone.py), and
sender_domain_policy = verified in a real Postfix + outpost-milter.

The relay sends from 192.0.2.25 (outbound_addresses). The zone holds a
good domain (RSA key split over DNS strings, SPF pass, DMARC reject), an
Ed25519 one without DMARC, one whose DKIM record holds another key, one
whose SPF excludes the relay, one with no records at all, and the bad
inputs: a revoked key, a 4 KB+ record, broken base64, base64 that is no
key, SERVFAIL and a server that never answers.
"""

import base64
import json
import subprocess

import pytest

import dnszone
import mta

RELAY_IP = "192.0.2.25"
DEST = "user@dest.example"


def _openssl(*args):
    return subprocess.run(["openssl", *args], check=True,
                          capture_output=True).stdout


def _keys(d):
    """Private keys and their p= values."""
    keys = {}
    for name, alg in (("rsa", ["-algorithm", "RSA", "-pkeyopt",
                               "rsa_keygen_bits:2048"]),
                      ("other", ["-algorithm", "RSA", "-pkeyopt",
                                 "rsa_keygen_bits:1024"]),
                      ("ed", ["-algorithm", "ED25519"])):
        path = d / f"{name}.pem"
        _openssl("genpkey", *alg, "-out", str(path))
        der = _openssl("pkey", "-in", str(path), "-pubout", "-outform", "DER")
        if name == "ed":
            der = der[-32:]             # RFC 8463: the raw key
        keys[name] = (path, base64.b64encode(der).decode())
    return keys


def _split(s, n=200):
    return [s[i:i + n] for i in range(0, len(s), n)]


def _zone_records(keys):
    rsa, other, ed = keys["rsa"][1], keys["other"][1], keys["ed"][1]
    good_spf = [["v=spf1 ip4:192.0.2.0/24 -all"]]
    return {
        # good: the key in several strings, as a 2048-bit key must be
        "s1._domainkey.good.test": [["v=DKIM1; k=rsa; ", "p="] + _split(rsa)],
        "good.test": good_spf,
        "_dmarc.good.test": [["v=DMARC1; p=reject; adkim=s; "
                              "rua=mailto:d@good.test"]],
        "ed._domainkey.ed.test": [[f"v=DKIM1; k=ed25519; p={ed}"]],
        "ed.test": [["v=spf1 ip4:192.0.2.25 ~all"]],
        "s1._domainkey.otherkey.test": [["v=DKIM1; p="] + _split(other)],
        "otherkey.test": good_spf,
        "s1._domainkey.spfexcl.test": [["v=DKIM1; p="] + _split(rsa)],
        "spfexcl.test": [["v=spf1 ip4:198.51.100.0/24 -all"]],
        "_dmarc.spfexcl.test": [["v=DMARC1; p=quarantine"]],
        "s1._domainkey.revoked.test": [["v=DKIM1; k=rsa; p="]],
        "revoked.test": good_spf,
        # 20 strings of 250 bytes: 5000 bytes, past the 4096 bound
        "s1._domainkey.big.test": [["v=DKIM1; p="] + ["A" * 250] * 20],
        "big.test": good_spf,
        "s1._domainkey.b64.test": [["v=DKIM1; p=MIIBIjANBg!!kqhkiG9w0B"]],
        "b64.test": good_spf,
        "s1._domainkey.garbage.test": [
            ["v=DKIM1; p=" + base64.b64encode(b"garbage, not a key " * 8)
             .decode()]],
        "garbage.test": good_spf,
        # not in dkim_key_maps: --selector and --key say it
        "s9._domainkey.opts.test": [["v=DKIM1; p="] + _split(rsa)],
        "opts.test": good_spf,
    }


DOMAINS = ["good.test", "ed.test", "otherkey.test", "spfexcl.test",
           "norecords.test", "revoked.test", "big.test", "b64.test",
           "garbage.test", "servfail.test", "timeout.test"]


@pytest.fixture(scope="module")
def world(tmp_path_factory, tools):
    """Keys, key table, config, a zone, and one namespace run that
    verifies every domain (text and --json) and lists them."""
    import os
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespace, port 53)")
    d = tmp_path_factory.mktemp("domain")
    mta.make_traversable(d)
    keys = _keys(d)
    table = d / "dkim_keys"
    rsa = keys["rsa"][0]
    lines = [f"{dom} s1:{rsa}" for dom in DOMAINS if dom != "ed.test"]
    lines.append(f"ed.test ed.test:ed:{keys['ed'][0]}")   # OpenDKIM form
    table.write_text("\n".join(lines) + "\n")
    conf = d / "outpost.conf"
    state = d / "state"
    conf.write_text(f"state_directory = {state}\noutpost_user = outpost\n"
                    f"outbound_addresses = {RELAY_IP}\n"
                    f"dkim_key_maps = texthash:{table}\n"
                    "domain_dns_timeout = 1s\n")
    zone = dnszone.Zone(d / "zone", _zone_records(keys),
                        servfail=["servfail.test"], timeout=["timeout.test"])
    ctl = [str(tools.outpostctl), "-c", str(conf)]
    cmds = [ctl + ["domain", "verify", dom] for dom in DOMAINS]
    cmds.append(ctl + ["domain", "verify", "--json", "good.test"])
    cmds.append(ctl + ["domain", "verify", "--json", "spfexcl.test"])
    cmds.append(ctl + ["domain", "verify", "opts.test"])
    cmds.append(ctl + ["domain", "verify", "--selector", "s9", "--key",
                       str(rsa), "opts.test"])
    cmds.append(ctl + ["domain", "list"])
    res = zone.run(cmds)
    return {"dir": d, "keys": keys, "table": table, "conf": conf,
            "state": state, "zone": zone, "ctl": ctl,
            "verify": dict(zip(DOMAINS, res)), "json": res[-5:-3],
            "opts": res[-3:-1], "list": res[-1]}


# domain, exit status, lines that must be in the report
VERDICTS = [
    ("good.test", 0, ["good.test: verified",
                      "dkim   pass      s1._domainkey.good.test: rsa 2048 bits, "
                      "matches",
                      f"spf    pass      good.test for {RELAY_IP}: pass, "
                      "decided by ip4:192.0.2.0/24",
                      "dmarc  pass      p=reject sp=reject adkim=s aspf=r "
                      "pct=100"]),
    # a missing DMARC record is a warning only
    ("ed.test", 0, ["ed.test: verified",
                    "dkim   pass      ed._domainkey.ed.test: ed25519, matches",
                    f"spf    pass      ed.test for {RELAY_IP}: pass, "
                    "decided by ip4:192.0.2.25",
                    "dmarc  warn      no DMARC record at _dmarc.ed.test"]),
    ("otherkey.test", 1, ["otherkey.test: unverified",
                          "dkim   fail      s1._domainkey.otherkey.test: p= "
                          "holds another key (rsa 1024 bits)"]),
    ("spfexcl.test", 1, ["spfexcl.test: unverified",
                         "dkim   pass",
                         f"spf    fail      spfexcl.test for {RELAY_IP}: fail, "
                         "decided by -all",
                         "dmarc  pass      p=quarantine"]),
    ("norecords.test", 1, ["norecords.test: unverified",
                           "dkim   fail      no DKIM record at "
                           "s1._domainkey.norecords.test (NXDOMAIN)",
                           f"spf    fail      norecords.test for {RELAY_IP}: "
                           "none",
                           "dmarc  warn      no DMARC record at "
                           "_dmarc.norecords.test"]),
    ("revoked.test", 1, ["dkim   fail      s1._domainkey.revoked.test: key "
                         "revoked (empty p=)"]),
    ("big.test", 1, ["dkim   fail      s1._domainkey.big.test: TXT record "
                     "longer than 4096 bytes"]),
    ("b64.test", 1, ["dkim   fail      s1._domainkey.b64.test: p= is not "
                     "valid base64 (character 0x21)"]),
    ("garbage.test", 1, ["dkim   fail      s1._domainkey.garbage.test: p= is "
                         "not a public key"]),
    ("servfail.test", 75, ["servfail.test: unverified, DNS failed for now",
                           "dkim   temperror s1._domainkey.servfail.test: DNS "
                           "server failure (SERVFAIL)",
                           f"spf    temperror servfail.test for {RELAY_IP}: "
                           "temperror"]),
    ("timeout.test", 75, ["timeout.test: unverified, DNS failed for now",
                          "dkim   temperror s1._domainkey.timeout.test: no DNS "
                          "answer within 2s (timeout)",
                          "dmarc  temperror _dmarc.timeout.test: no DNS answer"]),
]


@pytest.mark.parametrize("domain, status, lines", VERDICTS,
                         ids=[v[0] for v in VERDICTS])
def test_verify_verdict(world, domain, status, lines):
    r = world["verify"][domain]
    assert r.rc == status, (r.out, r.err)
    for line in lines:
        assert line in r.out, (line, r.out)
    if status != 0:
        assert ": verified" not in r.out


def test_verify_json(world):
    good, bad = (json.loads(r.out) for r in world["json"])
    assert good["domain"] == "good.test" and good["verified"] is True
    assert good["state"] == "verified" and good["selector"] == "s1"
    assert [c["check"] for c in good["checks"]] == ["dkim", "spf", "dmarc"]
    assert all(c["result"] == "pass" for c in good["checks"])
    assert bad["verified"] is False
    spf = [c for c in bad["checks"] if c["check"] == "spf"][0]
    assert spf["result"] == "fail" and "decided by -all" in spf["detail"]


def test_list(world):
    r = world["list"]
    assert r.rc == 0, r.err
    rows = {line.split()[0]: line.split()[1] for line in r.out.splitlines()}
    assert rows == {d: "verified" if d in ("good.test", "ed.test",
                                          "opts.test")
                    else "unverified" for d in DOMAINS + ["opts.test"]}


def test_selector_and_key_options(world):
    without, given = world["opts"]
    assert without.rc == 1
    assert "dkim   fail      no selector: dkim_key_maps has no entry for " \
        "opts.test and --selector was not given" in without.out
    assert given.rc == 0, given.out + given.err
    assert "dkim   pass      s9._domainkey.opts.test: rsa 2048 bits, " \
        f"matches {world['keys']['rsa'][0]}" in given.out


def test_usage(world):
    for args in (["domain"], ["domain", "verify"],
                 ["domain", "verify", "--all", "x.test"],
                 ["domain", "verify", "bad_name!.test"],
                 ["domain", "frob"]):
        r = subprocess.run(world["ctl"] + args, capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 64, (args, r.stderr)


def test_verify_all_falls_back(tmp_path, world):
    """verify --all: a domain whose DNS broke becomes unverified, logged."""
    conf = tmp_path / "outpost.conf"
    conf.write_text(world["conf"].read_text().replace(
        str(world["state"]), str(tmp_path / "state")))
    mta.make_traversable(tmp_path)
    ctl = [world["ctl"][0], "-c", str(conf)]
    records = dict(world["zone"].records)
    good = dnszone.Zone(tmp_path / "zone1", records)
    r, = good.run([ctl + ["domain", "verify", "good.test"]])
    assert r.rc == 0, r.out + r.err
    # The DKIM record now holds another key.
    records["s1._domainkey.good.test"] = \
        [["v=DKIM1; p="] + _split(world["keys"]["other"][1])]
    broken = dnszone.Zone(tmp_path / "zone2", records)
    r, lst = broken.run([ctl + ["domain", "verify", "--all"],
                         ctl + ["domain", "list", "--json"]])
    assert r.rc == 1, r.out + r.err
    assert "good.test: unverified" in r.out
    assert "domain good.test: was verified, now unverified: dkim: fail: " \
        "s1._domainkey.good.test: p= holds another key" in r.err
    row = json.loads(lst.out)
    assert row["domain"] == "good.test" and row["state"] == "unverified"
    assert "p= holds another key" in row["evidence"]


def _message(from_addr):
    return (f"From: <{from_addr}>\r\nTo: <{DEST}>\r\nSubject: domain\r\n"
            f"Message-ID: <{from_addr}.1@outpost.test>\r\n\r\nHello.\r\n"
            ).encode()


def test_test_message(world, tmp_path):
    """outpostctl test-message applies sender_domain_policy too."""
    conf = tmp_path / "outpost.conf"
    conf.write_text(world["conf"].read_text() +
                    "sender_domain_policy = verified\n"
                    f"trusted_networks = cidr:{tmp_path / 'trusted'}\n")
    (tmp_path / "trusted").write_text("127.0.0.0/8 any\n")
    for dom, verdict in (("good.test", "accept"),
                         ("otherkey.test", "reject"),
                         ("never.test", "reject")):
        msg = tmp_path / f"{dom}.eml"
        msg.write_bytes(_message(f"a@{dom}"))
        r = subprocess.run(world["ctl"][:1] + ["-c", str(conf),
                                                "test-message", "--json",
                                                str(msg)],
                           capture_output=True, text=True, timeout=30)
        got = json.loads(r.stdout)
        assert got["verdict"] == verdict, (dom, r.stdout, r.stderr)
        if verdict == "reject":
            assert got["reason"] == (f"5.7.1 sender domain {dom} is not "
                                     "verified for this relay (outpostctl "
                                     "domain verify)")


@pytest.fixture
def relay(world, tmp_path, milter_factory, postfix_factory):
    trusted = tmp_path / "trusted_networks"
    trusted.write_text("127.0.0.0/8   any\n")

    def make(**conf):
        mf = milter_factory({
            "state_directory": str(world["state"]),
            "trusted_networks": f"cidr:{trusted}",
            "sender_domain_policy": "verified",
            **conf,
        })
        params = mf.postfix_params()
        params["smtpd_recipient_restrictions"] = "permit_mynetworks, reject"
        return mf, postfix_factory(main_cf=params)
    return make


def test_milter_verified_only(relay, sink):
    mf, pf = relay()
    r = pf.send("a@good.test", [DEST], _message("a@good.test"))
    assert r.ok, r
    for dom in ("otherkey.test", "spfexcl.test", "norecords.test",
                "timeout.test", "never.test"):
        r = pf.send(f"a@{dom}", [DEST], _message(f"a@{dom}"))
        assert not r.ok, (dom, r)
        assert str(r.data) == (f"550 5.7.1 sender domain {dom} is not "
                               "verified for this relay (outpostctl domain "
                               "verify)"), dom
    got = sink.wait_for(1)
    assert [m.mail_from for m in got] == ["a@good.test"]
    assert mf.wait_log("reject: 5.7.1 sender domain never.test is not "
                       "verified")


def test_milter_report_only(relay, sink):
    mf, pf = relay(report_only="yes")
    r = pf.send("a@otherkey.test", [DEST], _message("a@otherkey.test"))
    assert r.ok, r
    assert len(sink.wait_for(1)) == 1
    assert mf.wait_log("would reject: 5.7.1 sender domain otherkey.test is "
                       "not verified for this relay")
