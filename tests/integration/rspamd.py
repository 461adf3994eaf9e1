"""A real Rspamd on loopback, for the scoring tests and the benchmark.

Rspamd runs from Debian's own configuration tree with LOCAL_CONFDIR
pointing at a private directory: contrib/rspamd/local.d (the outbound
configuration Outpost ships) is copied there, then override.d adds what
a test machine needs: workers on free loopback ports, a log file, no DNS
and no network maps (no lookup ever leaves the machine; every DNS query
goes to a closed loopback port and fails at once), no Redis, and two
test rules:

  OUTPOST_TEST_SPAMMY   a Subject containing "outpost-test-spammy"
                        scores 10: the "add header" range (6 to 15).
  Settings-ID strict    (contrib's) lowers reject to 9, so the same
                        message is refused under it.

dkim_signing signs for DKIM_DOMAIN with selector DKIM_SELECTOR and a key
made by the test (openssl).
"""

import os
import pwd
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import mta

ROOT = Path(__file__).resolve().parents[2]
CONTRIB = ROOT / "contrib" / "rspamd" / "local.d"
RSPAMD_USER = "_rspamd"
START_TIMEOUT = 60.0
DKIM_DOMAIN = "signed.test"
DKIM_SELECTOR = "s1"
SPAMMY = "outpost-test-spammy"
GTUBE = ("XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL"
         "*C.34X")

# Modules that look things up on the network or need Redis.
OFFLINE = ["fuzzy_check", "rbl", "phishing", "asn", "spf", "dmarc",
           "arc", "neural", "ratelimit", "greylist", "replies", "emails",
           "mx_check", "url_reputation", "history_redis", "reputation",
           "rspamd_update", "url_redirector", "dcc", "bimi", "p0f",
           "metadata_exporter", "clickhouse", "elastic", "spamtrap"]


def available():
    return shutil.which("rspamd") is not None and _user_exists()


def _user_exists():
    try:
        pwd.getpwnam(RSPAMD_USER)
        return True
    except KeyError:
        return False


class Rspamd:
    def __init__(self, workdir):
        self.dir = Path(workdir).resolve()
        self.port = None            # the normal worker: /checkv2
        self.proxy_port = None      # rspamd_proxy in milter mode
        self.controller_port = None
        self.proc = None
        self.log_path = self.dir / "rspamd.log"
        self.key = self.dir / "dkim" / f"{DKIM_DOMAIN}.{DKIM_SELECTOR}.key"
        self.public_key_b64 = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def _write(self, rel, text):
        path = self.dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def configure(self):
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        shutil.copytree(CONTRIB, self.dir / "local.d")
        self.port = self.port or mta.free_port()
        self.proxy_port = self.proxy_port or mta.free_port()
        self.controller_port = self.controller_port or mta.free_port()
        ov = "override.d/"
        self._write(ov + "worker-normal.inc",
                    f'bind_socket = "127.0.0.1:{self.port}";\ncount = 1;\n')
        self._write(ov + "worker-controller.inc",
                    f'bind_socket = "127.0.0.1:{self.controller_port}";\n'
                    'count = 1;\n')
        # Rspamd's own milter mode, for the benchmark's other arm.
        self._write(ov + "worker-proxy.inc",
                    f'bind_socket = "127.0.0.1:{self.proxy_port}";\n'
                    'count = 1;\nmilter = yes;\ntimeout = 120s;\n'
                    'upstream "local" { default = yes; self_scan = yes; }\n')
        self._write(ov + "logging.inc",
                    'type = "file";\n'
                    f'filename = "{self.log_path}";\nlevel = "notice";\n')
        self._write(ov + "options.inc",
                    'dns { nameserver = ["127.0.0.1:9"]; timeout = 0.1s; '
                    'retransmits = 1; }\ndisable_hyperscan = true;\n'
                    'check_all_filters = false;\n')
        for m in OFFLINE:
            self._write(f"{ov}{m}.conf", "enabled = false;\n")
        self._write(ov + "classifier-bayes.conf", "enabled = false;\n")
        self._write("spammy.map", f"/{SPAMMY}/i\n")
        self._write(ov + "multimap.conf",
                    "OUTPOST_TEST_SPAMMY {\n  type = \"header\";\n"
                    "  header = \"Subject\";\n  regexp = true;\n"
                    f"  map = \"{self.dir / 'spammy.map'}\";\n"
                    "  score = 10.0;\n}\n")
        self._write(ov + "dkim_signing.conf",
                    "sign_authenticated = true;\nsign_local = false;\n"
                    "use_domain = \"header\";\n"
                    "allow_username_mismatch = true;\n"
                    f"path = \"{self.dir}/dkim/$domain.$selector.key\";\n"
                    f"selector = \"{DKIM_SELECTOR}\";\n")
        self._make_key()
        for d in ("db", "run"):
            (self.dir / d).mkdir(exist_ok=True)
        pw = pwd.getpwnam(RSPAMD_USER)
        for path in [self.dir, *self.dir.rglob("*")]:
            os.chown(path, pw.pw_uid, pw.pw_gid)
        mta.make_traversable(self.dir)

    def _make_key(self):
        self.key.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA",
                        "-pkeyopt", "rsa_keygen_bits:2048",
                        "-out", str(self.key)], check=True,
                       capture_output=True)
        der = subprocess.run(["openssl", "pkey", "-in", str(self.key),
                              "-pubout", "-outform", "DER"], check=True,
                             capture_output=True).stdout
        import base64
        self.public_key_b64 = base64.b64encode(der).decode()

    def dkim_txt(self):
        """The DNS TXT record that publishes the signing key."""
        return f"v=DKIM1; k=rsa; p={self.public_key_b64}".encode()

    def start(self):
        if self.proc is None and not (self.dir / "local.d").exists():
            self.configure()
        self.log = open(self.dir / "rspamd.stderr", "ab")
        self.proc = subprocess.Popen(
            ["rspamd", "-f", "-u", RSPAMD_USER, "-g", RSPAMD_USER,
             "-c", "/etc/rspamd/rspamd.conf",
             "--var", f"LOCAL_CONFDIR={self.dir}",
             "--var", f"DBDIR={self.dir / 'db'}",
             "--var", f"RUNDIR={self.dir / 'run'}",
             "--var", f"LOGDIR={self.dir}"],
            stdout=self.log, stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise mta.HarnessError("rspamd exited: " + self.log_text())
            if self.ping() and (self.proxy_port is None or
                                mta.port_listening(self.proxy_port)):
                return self
            time.sleep(0.1)
        raise mta.HarnessError("rspamd did not answer: " + self.log_text())

    def ping(self):
        try:
            with urllib.request.urlopen(f"{self.url}/ping", timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    def check(self, message, **headers):
        """A direct /checkv2 call: the parsed JSON reply."""
        import json
        req = urllib.request.Request(f"{self.url}/checkv2", data=message,
                                     headers=headers, method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None
        self.log.close()
        # Workers outlive a killed main process for a moment.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and mta.port_listening(self.port):
            time.sleep(0.1)

    def log_text(self):
        text = ""
        for name in ("rspamd.stderr", "rspamd.log"):
            try:
                text += (self.dir / name).read_text(errors="replace")[-3000:]
            except FileNotFoundError:
                pass
        return text
