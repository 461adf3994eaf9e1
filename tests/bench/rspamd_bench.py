#!/usr/bin/python3
"""rspamd_bench - outpost-milter scoring with Rspamd, beside Rspamd's own
milter mode, with the same Rspamd

SYNOPSIS
    tests/bench/rspamd_bench.py [-n messages] [-m smtp_messages]
        [-s smtp_sessions] [-l smtp_length] [-r rounds]

DESCRIPTION
    One Rspamd (tests/integration/rspamd.py: contrib/rspamd's
    configuration, offline) serves both arms: its normal worker answers
    outpost-milter's /checkv2, its proxy worker in milter mode
    (rspamd_proxy, milter = yes, self_scan) is Rspamd's own milter.

    (a) latency: rspamd_direct posts a 10 KB message (written by
    milter_drive -w) to /checkv2 n times over one kept-alive
    connection; milter_drive sends the same message n times to
    outpost-milter, on one milter connection, first with scoring off
    (rspamd_url empty), then on. The difference of the means is what
    outpost-milter adds per message over a direct /checkv2 call
    (target: under 1 ms).

    (b) end to end: two Postfix instances on 127.0.0.1, one with
    outpost-milter (scoring on), one with Rspamd's proxy as its milter,
    each relaying to its own smtp-sink and fed in turn by
        smtp-source -s SESSIONS -m MESSAGES -l LENGTH
    Prints per arm messages/s and how many arrived (target: outpost at
    least Rspamd's own milter mode).

    -n  messages for (a) (default 2000)
    -m  smtp-source messages per arm and round (default 1000)
    -s  smtp-source sessions (default 10)
    -l  smtp-source payload bytes (default 10240)
    -r  rounds of (b), arms alternating (default 2)

EXIT STATUS
    0 unless something could not start. Figures never decide pass or
    fail.

LIMITS
    Root (Postfix, Rspamd's user, outpost-milter drops privileges).
    Everything listens on 127.0.0.1 or in a temporary directory, is
    bounded in messages and time, and is stopped on exit.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT / "tests" / "integration"), str(HERE)]

import e2e       # noqa: E402
import mta       # noqa: E402
import rspamd    # noqa: E402

MILTER = ROOT / "milter" / "outpost-milter"


def figures(line):
    return dict(re.findall(r"(\w+)=([\d.]+)", line))


def start_milter(work, name, conf):
    sock = work / f"{name}.sock"
    cfg = work / f"{name}.conf"
    base = {"milter_listen": f"unix:{sock}",
            "state_directory": str(work / f"{name}-state"),
            "trusted_networks": f"cidr:{work / 'trusted'}",
            "sender_login_maps": f"texthash:{work / 'logins'}",
            "outpost_user": "outpost", "socket_group": "postfix"}
    base.update(conf)
    cfg.write_text("".join(f"{k} = {v}\n" for k, v in base.items()))
    p = subprocess.Popen([str(MILTER), "-c", str(cfg), "-f"],
                         stdout=open(work / f"{name}.log", "ab"),
                         stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while not sock.exists():
        if p.poll() is not None or time.monotonic() > deadline:
            raise mta.HarnessError(f"{name} did not start")
        time.sleep(0.05)
    return p, sock


def drive(sock, n, msgfile=None):
    argv = [str(HERE / "milter_drive"), "-s", f"unix:{sock}", "-n", str(n),
            "-k", str(n), "-z", "10240", "-l", "alice",
            "-f", "app@app.example", "-d", "300", "-q"]
    if msgfile:
        argv += ["-w", str(msgfile)]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=400)
    return out.stdout.strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("-m", type=int, default=1000)
    ap.add_argument("-s", type=int, default=10)
    ap.add_argument("-l", type=int, default=10240)
    ap.add_argument("-r", type=int, default=2)
    opt = ap.parse_args()
    subprocess.run(["make", "-s", "-C", str(HERE), "milter"], check=True)
    signal.signal(signal.SIGTERM, lambda s, f: sys.exit(128 + s))

    work = Path(tempfile.mkdtemp(prefix="rspamd_bench."))
    mta.make_traversable(work)
    (work / "trusted").write_text("127.0.0.0/8 any\n")
    (work / "logins").write_text("app@app.example alice\n")
    srv = rspamd.Rspamd(work / "rspamd")
    procs, postfixes, sinks = [], [], []
    try:
        srv.configure()
        srv.start()
        print(f"rspamd_bench: {os.uname().sysname} {os.uname().release}, "
              f"{os.cpu_count()} cpus, "
              f"{subprocess.run(['rspamd', '--version'], capture_output=True, text=True).stdout.split(chr(10))[0]}",
              flush=True)

        # (a) latency per message, one connection, one at a time.
        print(f"\n== (a) {opt.n} messages of 10 KB, one at a time, "
              "mean latency", flush=True)
        off, off_sock = start_milter(work, "milter-off", {"rspamd_url": ""})
        procs.append(off)
        on, on_sock = start_milter(work, "milter-on",
                                   {"rspamd_url": srv.url,
                                    "spam_header_action": "accept"})
        procs.append(on)
        msgfile = work / "message.eml"
        drive(on_sock, 50, msgfile)                 # warm up
        subprocess.run([str(HERE / "rspamd_direct"), "-u", srv.url, "-m",
                        str(msgfile), "-n", "50", "-q"], capture_output=True)
        direct = subprocess.run([str(HERE / "rspamd_direct"), "-u", srv.url,
                                 "-m", str(msgfile), "-n", str(opt.n), "-q"],
                                capture_output=True, text=True).stdout.strip()
        m_off = drive(off_sock, opt.n)
        m_on = drive(on_sock, opt.n)
        print(f"direct /checkv2      {direct}")
        print(f"milter, scoring off  {m_off}")
        print(f"milter, scoring on   {m_on}")
        d, f_on = figures(direct), figures(m_on)
        added = float(f_on["mean_us"]) - float(d["mean_us"])
        print(f"added by outpost-milter over a direct call: {added:.0f} us "
              f"mean per message (p50 {float(f_on['p50_us']) - float(d['p50_us']):.0f} us;"
              " target < 1000 us)", flush=True)

        # (b) end to end.
        print(f"\n== (b) smtp-source -s {opt.s} -m {opt.m} -l {opt.l} -> "
              f"Postfix -> smtp-sink, {opt.r} round(s)", flush=True)
        arms = [("outpost+rspamd", e2e.milter_params(f"unix:{on_sock}")),
                ("rspamd-milter", e2e.milter_params(
                    f"inet:127.0.0.1:{srv.proxy_port}"))]
        setup = e2e.start_arms(work, arms, postfixes, sinks)
        print(e2e.HEADER, flush=True)
        rates = {}
        for r in range(opt.r):
            order = setup[r % 2:] + setup[:r % 2]
            for name, pf, sink in order:
                rate = e2e.run_arm(name, pf, sink, opt.m, opt.s, opt.l)
                if rate is not None:
                    rates.setdefault(name, []).append(rate)
        if len(rates) == 2:
            a, b = max(rates["outpost+rspamd"]), max(rates["rspamd-milter"])
            print(f"outpost+rspamd / rspamd-milter: {100 * a / b:.0f}% "
                  "(injection rate, best round; target >= 100%)")
        for name, pf, sink in setup:
            for what in ("milter-reject", "milter-hold"):
                n = pf.maillog().count(what)
                if n:
                    print(f"{name}: {n} {what} lines in its maillog")
        scored = (work / "milter-on.log").read_text().count("rspamd: action=")
        print(f"outpost-milter scored {scored} messages in all")
    finally:
        e2e.stop_all(postfixes, sinks, procs)
        srv.stop()


if __name__ == "__main__":
    main()
