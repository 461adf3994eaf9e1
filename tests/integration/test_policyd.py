"""outpost-policyd plugged into a real Postfix on loopback.

Postfix relays to smtp-sink; outpost-policyd is called with
check_policy_service at RCPT and DATA, as contrib/postfix describes.
"""

import subprocess
import time

import pytest

import outpost

SENDER = "app@sender.example"


def send_n(pf, n, sender=SENDER, rcpts=("user@dest.example",)):
    return [pf.send(sender, list(rcpts)) for _ in range(n)]


def test_blocklisted_recipient_refused(postfix_factory, policyd_factory, sink):
    pd = policyd_factory()
    pd.ctl("blocklist", "add", "dead@dest.example", "--status", "5.1.1",
           "--reason", "user unknown")
    pf = postfix_factory(main_cf=pd.postfix_params())
    r = pf.send(SENDER, ["dead@dest.example", "alive@dest.example"])
    refused = r.refused["dead@dest.example"]
    assert refused.code == 550
    # Postfix puts "<rcpt>: Recipient address rejected: " before the
    # policy service's text.
    assert refused.text.startswith("5.1.1 <dead@dest.example>: Recipient "
                                   "address rejected: recipient "
                                   "hard-bounced on ")
    assert "(5.1.1 user unknown); see outpostctl(8)" in refused.text
    assert r.accepted == ["alive@dest.example"]
    assert r.ok
    got = sink.wait_for(1)
    assert len(got) == 1
    assert got[0].rcpts == ["alive@dest.example"]
    assert pd.wait_log("reject: recipient dead@dest.example on the blocklist")


def test_domain_entry_blocks_every_address(postfix_factory, policyd_factory):
    pd = policyd_factory()
    pd.ctl("blocklist", "add", "@gone.example")
    pf = postfix_factory(main_cf=pd.postfix_params())
    r = pf.send(SENDER, ["a@gone.example", "b+tag@gone.example",
                         "c@dest.example"])
    assert sorted(r.refused) == ["a@gone.example", "b+tag@gone.example"]
    assert r.accepted == ["c@dest.example"]


def test_burst_deferred_first_n_arrive(postfix_factory, policyd_factory, sink):
    pd = policyd_factory({"rate_limit_keys": "sender",
                          "rate_limit_default": "3 msg/1h"})
    pf = postfix_factory(main_cf=pd.postfix_params())
    results = send_n(pf, 4)
    assert [r.ok for r in results] == [True, True, True, False]
    last = results[3]
    # Deferred at RCPT already: there is no room for one more message.
    reply = last.refused["user@dest.example"]
    assert reply.code == 450
    assert reply.text.startswith(
        "4.7.1 <user@dest.example>: Recipient address rejected: rate limit "
        "3 msg/1h for sender app@sender.example reached; try again in ")
    assert len(sink.wait_for(3)) == 3
    time.sleep(0.5)
    assert len(sink.messages()) == 3
    assert pd.wait_log("defer: rate limit 3 msg/1h for sender="
                       "app@sender.example reached, frees in")
    # Another sender is not affected.
    assert pf.send("other@sender.example", ["user@dest.example"]).ok


def test_recipients_counted_at_data(postfix_factory, policyd_factory, sink):
    """Refused recipients are not counted: only recipient_count at DATA."""
    pd = policyd_factory({"rate_limit_keys": "sender",
                          "rate_limit_default": "100 msg/1h, 4 rcpt/1h"})
    pd.ctl("blocklist", "add", "dead@dest.example")
    pf = postfix_factory(main_cf=pd.postfix_params())
    # 3 recipients offered, 1 refused by the blocklist: 2 counted.
    r = pf.send(SENDER, ["a@dest.example", "dead@dest.example",
                         "b@dest.example"])
    assert r.ok and len(r.accepted) == 2
    # 2 more fit exactly (at the bound) ...
    assert pf.send(SENDER, ["c@dest.example", "d@dest.example"]).ok
    # ... and the 5th recipient does not.
    r = pf.send(SENDER, ["e@dest.example"])
    assert not r.ok
    assert sink.wait_for(2) and len(sink.messages()) == 2


def test_data_stage_deferral(postfix_factory, policyd_factory, sink):
    """A message whose recipients overflow the limit is deferred at DATA,
    and counts nowhere; one with more recipients than the limit allows at
    all is refused for good."""
    pd = policyd_factory({"rate_limit_keys": "sender",
                          "rate_limit_default": "5 rcpt/1h"})
    pf = postfix_factory(main_cf=pd.postfix_params())
    three = ["a@dest.example", "b@dest.example", "c@dest.example"]
    assert pf.send(SENDER, three).ok
    r = pf.send(SENDER, three)              # 6 > 5: each RCPT fits alone
    assert r.data is not None and r.data.code == 450
    assert r.data.text.startswith("4.7.1 <DATA>: Data command rejected: "
                                  "rate limit 5 rcpt/1h for sender "
                                  "app@sender.example reached; try again in ")
    # Not counted: two recipients still fit (at the bound).
    assert pf.send(SENDER, three[:2]).ok
    assert len(sink.wait_for(2)) == 2
    # Six recipients can never fit in 5 rcpt/1h: 550, not a deferral.
    other = "other@sender.example"
    r = pf.send(other, [f"r{i}@dest.example" for i in range(6)])
    assert r.data.code == 550
    assert "message has 6 recipients, more than rate limit 5 rcpt/1h " \
        "allows" in r.data.text


def test_counters_survive_restart(postfix_factory, policyd_factory):
    pd = policyd_factory({"rate_limit_keys": "sender",
                          "rate_limit_default": "3 msg/1h"})
    pf = postfix_factory(main_cf=pd.postfix_params())
    assert all(r.ok for r in send_n(pf, 2))
    assert pd.stop() == 0          # SIGTERM: counters saved exactly
    pd.start()
    results = send_n(pf, 2)
    assert [r.ok for r in results] == [True, False]
    # kill -9 loses at most the last second: wait for a flush first.
    time.sleep(1.5)
    pd.kill()
    pd.start()
    assert not pf.send(SENDER, ["user@dest.example"]).ok
    out = pd.ctl("ratelimit", "show", f"sender:{SENDER}").stdout
    assert "3 msg/1h" in out


def test_sighup_picks_up_edited_table(postfix_factory, policyd_factory,
                                      tmp_path):
    limits = tmp_path / "rate_limits"
    limits.write_text(f"{SENDER}  1 msg/1h\n")
    pd = policyd_factory({"rate_limit_keys": "sender",
                          "rate_limit_default": "100 msg/1h",
                          "rate_limit_maps": f"texthash:{limits}"})
    pf = postfix_factory(main_cf=pd.postfix_params())
    assert [r.ok for r in send_n(pf, 2)] == [True, False]
    limits.write_text(f"{SENDER}  3 msg/1h\n")
    pd.hup()
    assert pd.wait_log("configuration reloaded")
    assert [r.ok for r in send_n(pf, 3)] == [True, True, False]
    # A broken table on reload: logged, the old one stays in force.
    pd.write_config(rate_limit_maps=f"texthash:{tmp_path}/missing")
    pd.hup()
    assert pd.wait_log("reload failed, keeping the old configuration")
    assert not pf.send(SENDER, ["user@dest.example"]).ok
    assert pd.alive()


def test_postmap_lmdb_table(postfix_factory, policyd_factory, tmp_path):
    """rate_limit_maps as the lmdb: file that Postfix's own postmap builds,
    with an action per entry and @domain lookup in access(5) order."""
    src = tmp_path / "rate_limits"
    src.write_text("@sender.example  1 msg/1h action=reject\n"
                   "vip@sender.example  unlimited\n")
    subprocess.run(["postmap", f"lmdb:{src}"], check=True)
    pd = policyd_factory({"rate_limit_keys": "sender",
                          "rate_limit_default": "100 msg/1h",
                          "rate_limit_maps": f"lmdb:{src}"})
    pf = postfix_factory(main_cf=pd.postfix_params())
    assert [r.ok for r in send_n(pf, 2)] == [True, False]
    r = pf.send(SENDER, ["user@dest.example"])
    assert r.refused["user@dest.example"].code == 550
    assert "Recipient address rejected: rate limit 1 msg/1h" in \
        r.refused["user@dest.example"].text
    assert all(r.ok for r in send_n(pf, 5, sender="vip@sender.example"))


def test_report_only(postfix_factory, policyd_factory, sink):
    pd = policyd_factory({"rate_limit_keys": "sender",
                          "rate_limit_default": "1 msg/1h",
                          "report_only": "yes"})
    pd.ctl("blocklist", "add", "dead@dest.example")
    pf = postfix_factory(main_cf=pd.postfix_params())
    assert all(r.ok for r in send_n(pf, 2))
    assert pf.send(SENDER, ["dead@dest.example"]).ok
    assert len(sink.wait_for(3)) == 3
    assert pd.wait_log("would defer: rate limit 1 msg/1h")
    assert pd.wait_log("would reject: recipient dead@dest.example")
