"""dnszone - a real DNS server on loopback, in a network namespace of its own

SYNOPSIS
    zone = Zone(workdir, {"s1._domainkey.example.test": [["v=DKIM1; p=", key]]},
                servfail=["servfail.test"], timeout=["timeout.test"])
    results = zone.run([[outpostctl, "-c", conf, "domain", "verify", "x.test"]])
    results[0].rc, results[0].out, results[0].err

DESCRIPTION
    run() starts, inside "unshare --mount --net" (a private loopback and a
    private mount table), dnsmasq(8) serving the zone's TXT records with
    authority (names under "test" without records are NXDOMAIN), binds a
    resolv.conf naming 127.0.0.1 over /etc/resolv.conf, runs the commands
    one after the other, and stops it all. Nothing outside the namespace
    sees that server or that resolv.conf.

    Names under a servfail domain are forwarded to a small stub that
    answers every query with SERVFAIL; names under a timeout domain to a
    port where nothing answers. resolv.conf says "timeout:1 attempts:1",
    so libspf2's lookups give up after a second too.

    Each record is a list of strings: DNS carries them as separate
    character-strings, as a long DKIM key is published.

LIMITS
    Must run as root (unshare, mount, port 53).
"""

import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SERVFAIL_PORT = 5399
DEAD_PORT = 5398
RUN_TIMEOUT = 120

# Answers every query with SERVFAIL (rcode 2), the question echoed.
_STUB = r'''
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
open(sys.argv[2], "w").close()
while True:
    q, peer = s.recvfrom(4096)
    if len(q) >= 12:
        s.sendto(q[:2] + bytes([0x80 | (q[2] & 0x01), 0x82]) + q[4:6] +
                 bytes(6) + q[12:], peer)
'''


@dataclass
class Result:
    rc: int
    out: str
    err: str


def _txt_arg(strings):
    """--txt-record value: the strings comma separated (on the command
    line dnsmasq takes no quotes, so a string holds no comma)."""
    for s in strings:
        assert "," not in s and '"' not in s and "\\" not in s, s
    return ",".join(strings)


class Zone:
    def __init__(self, workdir, records, servfail=(), timeout=()):
        self.workdir = Path(workdir).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.records = dict(records)
        self.servfail = list(servfail)
        self.timeout = list(timeout)

    def _write(self):
        w = self.workdir
        lines = ["no-resolv", "no-hosts", "listen-address=127.0.0.1",
                 "bind-interfaces", "port=53", f"pid-file={w}/dnsmasq.pid",
                 "local=/test/"]
        lines += [f"server=/{d}/127.0.0.1#{SERVFAIL_PORT}"
                  for d in self.servfail]
        lines += [f"server=/{d}/127.0.0.1#{DEAD_PORT}" for d in self.timeout]
        (w / "dnsmasq.conf").write_text("\n".join(lines) + "\n")
        (w / "resolv.conf").write_text(
            "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
        (w / "servfail.py").write_text(_STUB)

    def run(self, commands):
        """Run each argv of commands in the namespace; a Result each."""
        self._write()
        w = self.workdir
        q = shlex.quote
        ready = w / "servfail.ready"
        ready.unlink(missing_ok=True)
        script = [
            "set -u",
            "ip link set lo up",
            f"mount --bind {q(str(w / 'resolv.conf'))} /etc/resolv.conf",
            f"{q(sys.executable)} {q(str(w / 'servfail.py'))} "
            f"{SERVFAIL_PORT} {q(str(ready))} & stub=$!",
            f"trap 'kill $stub; kill $(cat {q(str(w / 'dnsmasq.pid'))})' EXIT",
            # Records on the command line: a config file line is limited
            # to about 1 KB, a record here is up to 5 KB.
            " ".join(["dnsmasq", q(f"--conf-file={w / 'dnsmasq.conf'}")] +
                     [q(f"--txt-record={name},{_txt_arg(strings)}")
                      for name, recs in self.records.items()
                      for strings in recs]) + " || exit 99",
            f"while [ ! -e {q(str(ready))} ]; do sleep 0.05; done",
        ]
        for i, argv in enumerate(commands):
            script.append(f"{' '.join(q(str(a)) for a in argv)} "
                          f">{q(str(w / f'out.{i}'))} "
                          f"2>{q(str(w / f'err.{i}'))}; "
                          f"echo $? >{q(str(w / f'rc.{i}'))}")
        proc = subprocess.run(["unshare", "--mount", "--net", "sh", "-c",
                               "\n".join(script)], capture_output=True,
                              text=True, timeout=RUN_TIMEOUT)
        assert proc.returncode == 0, \
            f"namespace run failed ({proc.returncode}): {proc.stderr}"
        return [Result(int((w / f"rc.{i}").read_text()),
                       (w / f"out.{i}").read_text(),
                       (w / f"err.{i}").read_text())
                for i in range(len(commands))]
