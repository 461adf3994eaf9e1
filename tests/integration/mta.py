"""mta - real Postfix and smtp-sink instances on loopback for integration tests

SYNOPSIS
    sink = SmtpSink(workdir / "sink"); sink.start()
    pf = Postfix(workdir / "pf", main_cf={...}, relay_to=sink); pf.start()
    r = pf.send("a@example.com", ["b@example.net"])
    msgs = sink.wait_for(1)
    pf.stop(); sink.stop()

DESCRIPTION
    Postfix runs as a private instance: its own config_directory,
    queue_directory and data_directory under the work directory, smtpd on a
    free loopback port, every message relayed to [127.0.0.1]:<sink port>.
    Nothing under /etc/postfix is read or changed, so several instances can
    run side by side and next to a system Postfix on port 25.

    smtp-sink(1) stands in for the Internet: it accepts everything and dumps
    each transaction to its own file, which SmtpSink parses back into the
    envelope and the message as delivered.

    Everything is bounded in time; stop() is safe to call more than once and
    after a failed start().

LIMITS
    Must run as root: the Postfix master(8) and smtp-sink's "-u" need it.
    The work directory, and every directory above it, must be searchable by
    the postfix user (smtpd reads the SASL files and connects to policy and
    milter sockets there; smtp-sink writes its dumps there after dropping
    privileges). make_traversable() sees to that.
"""

import email
import email.policy
import email.utils
import json
import os
import pwd
import re
import shutil
import signal
import smtplib
import socket
import stat
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = "127.0.0.1"
MAIL_OWNER = "postfix"


def _find_program(name, fallbacks):
    """Absolute path of a Postfix or Cyrus SASL program, or None."""
    found = shutil.which(name)
    if found:
        return found
    for path in fallbacks:
        if os.access(path, os.X_OK):
            return path
    return None


POSTFIX = _find_program("postfix", ["/usr/sbin/postfix"])
POSTCONF = _find_program("postconf", ["/usr/sbin/postconf"])
POSTQUEUE = _find_program("postqueue", ["/usr/sbin/postqueue"])
POSTSUPER = _find_program("postsuper", ["/usr/sbin/postsuper"])
POSTCAT = _find_program("postcat", ["/usr/sbin/postcat"])
SMTP_SINK = _find_program("smtp-sink", ["/usr/sbin/smtp-sink",
                                        "/usr/lib/postfix/sbin/smtp-sink"])
SASLPASSWD2 = _find_program("saslpasswd2", ["/usr/sbin/saslpasswd2"])

# Upper bound for any single Postfix command (start, stop, postqueue, ...).
COMMAND_TIMEOUT = 30


class HarnessError(Exception):
    """The harness could not set up or drive an MTA (not a test verdict)."""


def missing_programs():
    """Names of required programs that are not installed (empty: all there)."""
    progs = {"postfix": POSTFIX, "postconf": POSTCONF,
             "postqueue": POSTQUEUE, "postsuper": POSTSUPER,
             "smtp-sink": SMTP_SINK, "saslpasswd2": SASLPASSWD2}
    return [name for name, path in progs.items() if path is None]


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now.

    The port is released before it is returned, so another process could
    take it in between; on a test machine that race is rare enough.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def port_listening(port, host=LOOPBACK):
    """True if a TCP socket listens on host:port (read from /proc/net/tcp,
    so that checking leaves no "lost connection" line in any log)."""
    want = "{:08X}:{:04X}".format(
        int.from_bytes(socket.inet_aton(host), "little"), port)
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                fields = line.split()
                # fields[1] is local address:port, fields[3] the state;
                # 0A is TCP_LISTEN. A wildcard listener also serves host.
                if fields[3] == "0A" and fields[1] in (
                        want, "00000000:{:04X}".format(port)):
                    return True
    except FileNotFoundError:
        # Not Linux: fall back to connecting.
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            return False
    return False


def wait_port(port, timeout=10.0, host=LOOPBACK):
    """Poll until something listens on host:port; False on timeout."""
    deadline = time.monotonic() + timeout
    while not port_listening(port, host):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def make_traversable(path):
    """Let the postfix user reach PATH: add o+x on it and on its parents.

    Temporary directories (pytest's among them) are created mode 0700, and
    unprivileged Postfix daemons and smtp-sink could not even look up a file
    below them. Only the search bit is added, never read or write, and only
    on directories owned by us.
    """
    path = Path(path).resolve()
    uid = os.geteuid()
    for d in [path, *path.parents]:
        st = d.stat()
        if st.st_uid == uid and not st.st_mode & stat.S_IXOTH:
            os.chmod(d, stat.S_IMODE(st.st_mode) | stat.S_IXOTH)


def _run(argv, timeout=COMMAND_TIMEOUT, check=True, input=None, env=None):
    """Run a command, capture its output, raise HarnessError on failure."""
    try:
        proc = subprocess.run(argv, input=input, capture_output=True,
                              timeout=timeout, env=env)
    except subprocess.TimeoutExpired as e:
        raise HarnessError(f"{argv[0]}: timed out after {timeout}s") from e
    if check and proc.returncode != 0:
        raise HarnessError(
            f"{' '.join(map(str, argv))}: exit {proc.returncode}: "
            f"{proc.stderr.decode(errors='replace').strip()}")
    return proc


def _clean_env():
    """Our environment without MAIL_CONFIG, which would override "-c"."""
    env = dict(os.environ)
    env.pop("MAIL_CONFIG", None)
    env.pop("MAIL_DEBUG", None)
    return env


# --------------------------------------------------------------------------
# smtp-sink


@dataclass
class SinkMessage:
    """One transaction as smtp-sink received it.

    data is the message header and body as received, with LF line endings
    (smtp-sink writes LF and undoes dot-stuffing); it includes the Received:
    and other headers Postfix added on the way.
    """
    path: str
    client_addr: str
    helo: str
    mail_from: str
    rcpts: list
    data: bytes
    mail_args: str = ""             # full MAIL FROM arguments (SIZE=, ...)
    rcpt_args: list = field(default_factory=list)

    def message(self):
        """data parsed as an email.message.EmailMessage."""
        return email.message_from_bytes(self.data, policy=email.policy.default)

    def header(self, name):
        """First value of header NAME (str), or None."""
        return self.message().get(name)


_ANGLE_ADDR = re.compile(rb"^\s*(?:(?:FROM|TO):)?\s*<([^>]*)>", re.I)


def _path_of(args):
    """The <address> in MAIL/RCPT arguments, without brackets (str)."""
    m = _ANGLE_ADDR.match(args)
    addr = m.group(1) if m else args.split(None, 1)[0] if args else b""
    return addr.decode("utf-8", errors="replace")


def parse_sink_dump(path):
    """Parse one smtp-sink "-d" dump file into a SinkMessage.

    Layout (smtp-sink(1), DUMP FILE FORMAT): X-Client-Addr, X-Client-Proto,
    X-Helo-Args, X-Mail-Args, one X-Rcpt-Args per RCPT, a three-line
    Received: header of smtp-sink's own, the message as received, and one
    empty line.
    """
    raw = Path(path).read_bytes()
    lines = raw.split(b"\n")
    info = {"X-Client-Addr": b"", "X-Helo-Args": b"", "X-Mail-Args": b""}
    rcpt_args = []
    i = 0
    while i < len(lines) and not lines[i].startswith(b"Received: "):
        name, _, value = lines[i].partition(b": ")
        name = name.decode("ascii", errors="replace")
        if name == "X-Rcpt-Args":
            rcpt_args.append(value)
        else:
            info[name] = value
        i += 1
    if i == len(lines):
        raise HarnessError(f"{path}: no Received: line from smtp-sink")
    # Skip smtp-sink's Received: and its two continuation lines.
    i += 1
    while i < len(lines) and lines[i][:1] in (b"\t", b" "):
        i += 1
    data = b"\n".join(lines[i:])
    # smtp-sink appends one empty line after the message.
    if data.endswith(b"\n"):
        data = data[:-1]
    mail_args = info["X-Mail-Args"]
    return SinkMessage(
        path=str(path),
        client_addr=info["X-Client-Addr"].decode(errors="replace"),
        helo=info["X-Helo-Args"].decode(errors="replace"),
        mail_from=_path_of(mail_args),
        rcpts=[_path_of(a) for a in rcpt_args],
        data=data,
        mail_args=mail_args.decode(errors="replace"),
        rcpt_args=[a.decode(errors="replace") for a in rcpt_args])


class SmtpSink:
    """smtp-sink on 127.0.0.1:<port>, one dump file per transaction."""

    def __init__(self, workdir, port=None, extra_args=()):
        self.workdir = Path(workdir).resolve()
        self.port = port or free_port()
        self.dump_dir = self.workdir / "messages"
        self.log_path = self.workdir / "smtp-sink.log"
        self.extra_args = list(extra_args)
        self.proc = None
        self._log = None

    @property
    def relayhost(self):
        """This sink as a Postfix relayhost value."""
        return f"[{LOOPBACK}]:{self.port}"

    def start(self, timeout=10.0):
        if SMTP_SINK is None:
            raise HarnessError("smtp-sink not found (Debian package postfix)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.dump_dir.mkdir(exist_ok=True)
        make_traversable(self.workdir)
        # smtp-sink drops to the postfix user before it writes dumps.
        pw = pwd.getpwnam(MAIL_OWNER)
        os.chown(self.dump_dir, pw.pw_uid, pw.pw_gid)
        # "-d TEMPLATE" writes one file per transaction, named by expanding
        # TEMPLATE with strftime(3) and appending a random hex number; the
        # timestamp prefix keeps a directory listing roughly in order.
        argv = [SMTP_SINK, "-u", MAIL_OWNER,
                "-d", f"{self.dump_dir}/%Y%m%d%H%M%S.",
                "-h", "sink.outpost.test", *self.extra_args,
                f"{LOOPBACK}:{self.port}", "100"]
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=self._log)
        if not wait_port(self.port, timeout):
            self.stop()
            raise HarnessError(f"smtp-sink did not listen on port {self.port}"
                               f" within {timeout}s; see {self.log_path}")
        return self

    def stop(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def _open_files(self):
        """Dump files smtp-sink still holds open (transactions in progress)."""
        if self.proc is None:
            return set()
        fd_dir = f"/proc/{self.proc.pid}/fd"
        held = set()
        try:
            for fd in os.listdir(fd_dir):
                try:
                    held.add(os.readlink(f"{fd_dir}/{fd}"))
                except OSError:
                    pass
        except OSError:
            pass
        return held

    def messages(self):
        """Completed transactions so far, oldest first (list of SinkMessage).

        smtp-sink creates a dump file at MAIL FROM and closes it after the
        end of DATA (an aborted transaction's file is removed), so a file it
        no longer holds open is complete.
        """
        held = self._open_files()
        done = []
        for p in self.dump_dir.iterdir():
            if str(p) in held or not p.is_file():
                continue
            try:
                done.append((p.stat().st_mtime_ns, p.name, p))
            except FileNotFoundError:
                pass
        return [parse_sink_dump(p) for _, _, p in sorted(done)]

    def wait_for(self, n, timeout=10.0):
        """Poll until at least N messages arrived or TIMEOUT seconds passed;
        return messages() either way (the caller asserts on the count)."""
        deadline = time.monotonic() + timeout
        while True:
            msgs = self.messages()
            if len(msgs) >= n or time.monotonic() >= deadline:
                return msgs
            time.sleep(0.1)

    def clear(self):
        """Forget the messages received so far."""
        for p in self.dump_dir.iterdir():
            if str(p) not in self._open_files():
                p.unlink(missing_ok=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# --------------------------------------------------------------------------
# SMTP client


@dataclass
class Reply:
    """One SMTP reply; str() gives "550 5.1.1 <x>: ..." for easy asserts."""
    code: int
    text: str

    def __str__(self):
        return f"{self.code} {self.text}"

    @property
    def ok(self):
        return 200 <= self.code < 400


@dataclass
class SendResult:
    """What the server said at each stage of one SMTP session.

    A stage that was never reached is None. rcpt maps every recipient to its
    reply; accepted and refused split them. error is set when the session
    broke off (disconnect, timeout) rather than ended with a reply.
    """
    banner: Reply = None
    auth: Reply = None
    mail: Reply = None
    rcpt: dict = field(default_factory=dict)
    data: Reply = None
    error: str = None

    @property
    def accepted(self):
        return [a for a, r in self.rcpt.items() if r.ok]

    @property
    def refused(self):
        return {a: r for a, r in self.rcpt.items() if not r.ok}

    @property
    def ok(self):
        """True when the message was queued for at least one recipient."""
        return self.data is not None and self.data.code == 250

    @property
    def queue_id(self):
        """Postfix queue ID from "250 2.0.0 Ok: queued as ID", or None."""
        if self.data is None:
            return None
        m = re.search(r"queued as (\S+)", self.data.text)
        return m.group(1) if m else None


def _reply(code, msg):
    if isinstance(msg, bytes):
        msg = msg.decode("utf-8", errors="replace")
    return Reply(int(code), msg.replace("\n", " ").strip())


def default_message(mail_from, rcpts, subject="outpost integration test"):
    """A small well-formed message (bytes, CRLF) from MAIL_FROM to RCPTS."""
    msgid = f"<{time.time_ns()}.{os.getpid()}@outpost.test>"
    return ("From: <{}>\r\nTo: {}\r\nSubject: {}\r\nMessage-ID: {}\r\n"
            "Date: {}\r\n\r\nThis is a test message.\r\n").format(
                mail_from, ", ".join(f"<{r}>" for r in rcpts), subject, msgid,
                email.utils.formatdate(localtime=False)).encode()


def smtp_send(host, port, mail_from, rcpts, data=None, login=None,
              password=None, helo="client.outpost.test", timeout=10.0):
    """One SMTP session: EHLO, [AUTH], MAIL, RCPT..., [DATA], QUIT.

    Never raises for an SMTP-level refusal: every reply is recorded in the
    returned SendResult. DATA is sent only if some recipient was accepted.
    data may be bytes or str; None sends default_message().
    """
    if isinstance(rcpts, str):
        rcpts = [rcpts]
    if data is None:
        data = default_message(mail_from, rcpts)
    elif isinstance(data, str):
        data = data.encode("utf-8")
    res = SendResult()
    smtp = smtplib.SMTP(timeout=timeout)
    try:
        res.banner = _reply(*smtp.connect(host, port))
        if not res.banner.ok:
            return res
        code, msg = smtp.ehlo(helo)
        if code != 250:
            return res
        if login is not None:
            try:
                res.auth = _reply(*smtp.login(login, password or ""))
            except smtplib.SMTPAuthenticationError as e:
                res.auth = _reply(e.smtp_code, e.smtp_error)
                return res
            except smtplib.SMTPNotSupportedError:
                res.auth = Reply(0, "AUTH not offered by the server")
                return res
        res.mail = _reply(*smtp.mail(mail_from))
        if not res.mail.ok:
            smtp.rset()
            return res
        for rcpt in rcpts:
            res.rcpt[rcpt] = _reply(*smtp.rcpt(rcpt))
        if not res.accepted:
            smtp.rset()
            return res
        try:
            res.data = _reply(*smtp.data(data))
        except smtplib.SMTPDataError as e:
            res.data = _reply(e.smtp_code, e.smtp_error)
        return res
    except smtplib.SMTPConnectError as e:
        res.banner = _reply(e.smtp_code, e.smtp_error)
        return res
    except (smtplib.SMTPServerDisconnected, OSError) as e:
        res.error = f"{type(e).__name__}: {e}"
        return res
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


# --------------------------------------------------------------------------
# Postfix

# Loopback-only, fast-retrying, unchrooted defaults; main_cf overrides them.
_MAIN_CF_DEFAULTS = {
    "compatibility_level": "3.6",
    "myhostname": "mta.outpost.test",
    "mydomain": "outpost.test",
    "myorigin": "$myhostname",
    # Loopback only, never another address; IPv4 only so a relay target or
    # client is never ::1 by surprise.
    "inet_interfaces": LOOPBACK,
    "inet_protocols": "ipv4",
    "mynetworks": "127.0.0.0/8",
    # Nothing is local: every recipient goes to the relayhost (the sink).
    "mydestination": "",
    "relay_domains": "",
    "local_recipient_maps": "",
    "alias_maps": "",
    "alias_database": "",
    "biff": "no",
    "append_dot_mydomain": "no",
    "smtputf8_enable": "no",
    # No DNS at all: the relayhost is a bracketed IP address.
    "smtp_dns_support_level": "disabled",
    "smtp_host_lookup": "native",
    "smtpd_peername_lookup": "no",
    # Short timers so that tests never wait on Postfix's production pacing.
    "queue_run_delay": "1s",
    "minimal_backoff_time": "1s",
    "maximal_backoff_time": "2s",
    "delay_warning_time": "0h",
    "in_flow_delay": "0s",
    "smtpd_error_sleep_time": "0s",
    "smtpd_soft_error_limit": "100",
    "smtpd_hard_error_limit": "200",
    "smtp_connect_timeout": "5s",
    "smtp_helo_timeout": "10s",
    "smtp_data_done_timeout": "20s",
    "smtpd_timeout": "30s",
    "milter_connect_timeout": "5s",
    "milter_command_timeout": "10s",
    "milter_content_timeout": "20s",
    "smtp_connection_cache_on_demand": "no",
    # No TLS anywhere: SASL PLAIN/LOGIN in clear on loopback is intended.
    "smtpd_tls_security_level": "none",
    "smtp_tls_security_level": "none",
    "smtpd_tls_auth_only": "no",
}

# Same services as Debian's master.cf, but with chroot "n" everywhere:
# chrooted smtpd/cleanup would resolve unix:/abs/path policy and milter
# sockets (and SASL files) inside the queue directory, and a chroot needs
# copies of /etc files that a throwaway instance should not maintain.
_MASTER_CF_SERVICES = """\
pickup     unix  n       -       n       60      1       pickup
cleanup    unix  n       -       n       -       0       cleanup
qmgr       unix  n       -       n       300     1       qmgr
rewrite    unix  -       -       n       -       -       trivial-rewrite
bounce     unix  -       -       n       -       0       bounce
defer      unix  -       -       n       -       0       bounce
trace      unix  -       -       n       -       0       bounce
verify     unix  -       -       n       -       1       verify
flush      unix  n       -       n       1000?   0       flush
proxymap   unix  -       -       n       -       -       proxymap
proxywrite unix  -       -       n       -       1       proxymap
smtp       unix  -       -       n       -       -       smtp
relay      unix  -       -       n       -       -       smtp
showq      unix  n       -       n       -       -       showq
error      unix  -       -       n       -       -       error
retry      unix  -       -       n       -       -       error
discard    unix  -       -       n       -       -       discard
anvil      unix  -       -       n       -       1       anvil
scache     unix  -       -       n       -       1       scache
postlog    unix-dgram n  -       n       -       1       postlogd
"""


def _cf_value(value):
    """Render a main.cf value: lists joined with ", ", bools as yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


class Postfix:
    """A private Postfix instance under WORKDIR, smtpd on 127.0.0.1:port.

    main_cf     parameters added to or overriding the defaults above, e.g.
                {"smtpd_recipient_restrictions":
                    "check_policy_service unix:/abs/path/policy.sock, ..."}.
                Policy and milter sockets may be absolute unix: paths
                anywhere the postfix user can reach (nothing is chrooted);
                a relative unix: path is relative to the queue directory.
    sasl_users  {"alice": "pw", ...}: enable Cyrus SASL AUTH (PLAIN, LOGIN)
                against a private sasldb.
    relay_to    where all mail goes: an SmtpSink, a (host, port) tuple or a
                relayhost string. None: nothing is delivered, mail stays
                deferred in the queue (default_transport = retry).
    master_cf   extra master.cf lines (e.g. a second smtpd with -o options).
    """

    def __init__(self, workdir, main_cf=None, sasl_users=None, relay_to=None,
                 master_cf=()):
        self.workdir = Path(workdir).resolve()
        self.config_dir = self.workdir / "etc"
        self.queue_dir = self.workdir / "spool"
        self.data_dir = self.workdir / "data"
        # Debian's Postfix reads smtpd.conf from $config_directory/sasl and
        # ignores cyrus_sasl_config_path; upstream Postfix reads that
        # parameter. Using the same directory for both suits either.
        self.sasl_dir = self.config_dir / "sasl"
        self.sasldb = self.sasl_dir / "sasldb2"
        self.maillog_path = self.workdir / "maillog"
        self.port = free_port()
        self.host = LOOPBACK
        self.sasl_users = dict(sasl_users) if sasl_users else None
        self.master_cf_extra = list(master_cf)
        self.main_cf = dict(main_cf or {})
        self._relay = self._relayhost(relay_to)
        self.running = False

    @staticmethod
    def _relayhost(relay_to):
        if relay_to is None or isinstance(relay_to, str):
            return relay_to
        if isinstance(relay_to, SmtpSink):
            return relay_to.relayhost
        host, port = relay_to
        return f"[{host}]:{port}"

    # -- configuration -----------------------------------------------------

    def main_cf_params(self):
        """The full main.cf parameter dict that start() writes."""
        params = dict(_MAIN_CF_DEFAULTS)
        params.update({
            "config_directory": str(self.config_dir),
            "queue_directory": str(self.queue_dir),
            "data_directory": str(self.data_dir),
            # Logging goes to our own file through postlogd (needs the
            # postlog service in master.cf), not to syslog. Postfix only
            # accepts a maillog_file under maillog_file_prefixes.
            "maillog_file": str(self.maillog_path),
            "maillog_file_prefixes": str(self.workdir),
            # A distinct log tag tells instances apart in the system log
            # should anything still go there.
            "syslog_name": f"postfix-test-{self.port}",
        })
        if self._relay is not None:
            params["relayhost"] = self._relay
        else:
            params["default_transport"] = "retry:no relay in this test"
            params["relay_transport"] = "retry:no relay in this test"
        if self.sasl_users is not None:
            params.update({
                "smtpd_sasl_auth_enable": "yes",
                "smtpd_sasl_type": "cyrus",
                "smtpd_sasl_path": "smtpd",
                "cyrus_sasl_config_path": str(self.sasl_dir),
                # Empty, so that Cyrus does not append a realm: the login
                # Postfix sees ({auth_authen}, sasl_username=) is exactly
                # what the client sent. See _setup_sasl() for the sasldb.
                "smtpd_sasl_local_domain": "",
                "smtpd_sasl_security_options": "noanonymous",
            })
        params.update({k: _cf_value(v) for k, v in self.main_cf.items()})
        return params

    def _write_config(self):
        self.config_dir.mkdir(parents=True, exist_ok=True)
        lines = ["# generated by tests/integration/mta.py"]
        for name, value in self.main_cf_params().items():
            lines.append(f"{name} = {value}")
        (self.config_dir / "main.cf").write_text("\n".join(lines) + "\n")
        master = [
            "# generated by tests/integration/mta.py (chroot off: see there)",
            f"{LOOPBACK}:{self.port} inet n - n - - smtpd",
            _MASTER_CF_SERVICES.rstrip("\n"),
            *self.master_cf_extra,
        ]
        (self.config_dir / "master.cf").write_text("\n".join(master) + "\n")

    def configure(self, params):
        """Add or override main.cf parameters and rewrite main.cf; call
        reload() afterwards if the instance is running."""
        self.main_cf.update(params)
        self._write_config()

    def _setup_sasl(self):
        if SASLPASSWD2 is None:
            raise HarnessError("saslpasswd2 not found (Debian package "
                               "sasl2-bin)")
        self.sasl_dir.mkdir(parents=True, exist_ok=True)
        (self.sasl_dir / "smtpd.conf").write_text(
            "pwcheck_method: auxprop\n"
            "auxprop_plugin: sasldb\n"
            f"sasldb_path: {self.sasldb}\n"
            "mech_list: PLAIN LOGIN\n")
        self.sasldb.unlink(missing_ok=True)
        # sasldb keys users as user@realm. smtpd hands Cyrus $myhostname as
        # the server name and, with smtpd_sasl_local_domain empty, no user
        # realm, so a login without "@" is looked up in realm $myhostname
        # while Postfix still sees (and logs) the bare login name.
        realm = self.main_cf_params()["myhostname"]
        for user, password in self.sasl_users.items():
            _run([SASLPASSWD2, "-f", str(self.sasldb), "-u", realm,
                  "-c", "-p", user], input=password.encode())
        # smtpd runs as the postfix user and must read the database.
        pw = pwd.getpwnam(MAIL_OWNER)
        os.chown(self.sasldb, 0, pw.pw_gid)
        os.chmod(self.sasldb, 0o640)

    # -- control -----------------------------------------------------------

    def postfix_cmd(self, *args, timeout=COMMAND_TIMEOUT, check=True):
        """Run "postfix -c CONFIG_DIR ARGS..." (as root, which lets "-c"
        name a directory that /etc/postfix/main.cf does not list in
        alternate_config_directories)."""
        return _run([POSTFIX, "-c", str(self.config_dir), *args],
                    timeout=timeout, check=check, env=_clean_env())

    def start(self, timeout=20.0):
        missing = missing_programs()
        if missing:
            raise HarnessError(f"not installed: {', '.join(missing)}")
        self.workdir.mkdir(parents=True, exist_ok=True)
        make_traversable(self.workdir)
        for d in (self.queue_dir, self.data_dir):
            d.mkdir(exist_ok=True)
        # As postfix-files(5) wants them: the queue directory owned by root,
        # the data directory (master.lock, caches) by the mail owner, 0700.
        os.chown(self.queue_dir, 0, 0)
        os.chmod(self.queue_dir, 0o755)
        pw = pwd.getpwnam(MAIL_OWNER)
        os.chown(self.data_dir, pw.pw_uid, pw.pw_gid)
        os.chmod(self.data_dir, 0o700)
        self._write_config()
        if self.sasl_users is not None:
            self._setup_sasl()
        self.running = True
        try:
            self.postfix_cmd("start", timeout=timeout)
        except HarnessError as e:
            self.stop()
            raise HarnessError(f"{e}\n--- maillog ---\n{self.maillog()}")
        if not wait_port(self.port, timeout):
            self.stop()
            raise HarnessError(f"smtpd not listening on port {self.port} "
                               f"within {timeout}s\n{self.maillog()}")
        return self

    def master_pid(self):
        """PID of this instance's master(8), or None."""
        try:
            pid = int((self.queue_dir / "pid" / "master.pid").read_text())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def _leftover_pids(self):
        """Processes whose working directory is our queue directory: master
        and its daemons chdir there, nothing else on the machine does."""
        pids = []
        qdir = str(self.queue_dir)
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                cwd = os.readlink(f"/proc/{entry}/cwd")
            except OSError:
                continue
            if cwd == qdir or cwd.startswith(qdir + "/"):
                pids.append(int(entry))
        return pids

    def stop(self, timeout=10.0):
        """Stop the instance and kill anything of it left; idempotent."""
        if not self.running:
            return
        master = self.master_pid()
        if master is not None:
            self.postfix_cmd("stop", timeout=timeout, check=False)
            deadline = time.monotonic() + timeout
            while self.master_pid() is not None and \
                    time.monotonic() < deadline:
                time.sleep(0.05)
        # Daemons exit once the master is gone; anything slower is killed.
        deadline = time.monotonic() + 2
        while True:
            pids = self._leftover_pids()
            if not pids:
                break
            sig = signal.SIGKILL if time.monotonic() >= deadline \
                else signal.SIGTERM
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)
        self.running = False

    def reload(self, timeout=10.0):
        """Rewrite the config files, "postfix reload", and wait until the
        master has logged the reload. Daemons already running finish their
        current session with the old settings."""
        self._write_config()
        before = self.maillog().count("reload -- version")
        self.postfix_cmd("reload", timeout=timeout)
        if not self.wait_log(r"reload -- version", timeout, count=before + 1):
            raise HarnessError("postfix reload not logged within "
                               f"{timeout}s")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- SMTP --------------------------------------------------------------

    def send(self, mail_from, rcpts, data=None, login=None, password=None,
             helo="client.outpost.test", timeout=10.0, port=None):
        """Send one message to this instance's smtpd; see smtp_send()."""
        return smtp_send(self.host, port or self.port, mail_from, rcpts,
                         data=data, login=login, password=password, helo=helo,
                         timeout=timeout)

    # -- queue and log -----------------------------------------------------

    def queue(self):
        """All queued messages: "postqueue -j" output as a list of dicts
        (queue_name, queue_id, sender, recipients[{address,
        delay_reason}], ...)."""
        proc = _run([POSTQUEUE, "-c", str(self.config_dir), "-j"],
                    env=_clean_env())
        return [json.loads(line) for line in proc.stdout.splitlines()
                if line.strip()]

    def hold_queue(self):
        """Queued messages that are on hold."""
        return [m for m in self.queue() if m.get("queue_name") == "hold"]

    def wait_queue_empty(self, timeout=10.0):
        """Poll until the queue is empty; True, or False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.queue():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)

    def flush(self):
        """"postqueue -f": retry deferred mail now."""
        _run([POSTQUEUE, "-c", str(self.config_dir), "-f"], env=_clean_env())

    def postsuper(self, *args):
        """Run "postsuper -c CONFIG_DIR ARGS..." (e.g. "-H", "ALL")."""
        return _run([POSTSUPER, "-c", str(self.config_dir), *args],
                    env=_clean_env())

    def postcat(self, queue_id):
        """Envelope, header and body of a queued message, as text."""
        proc = _run([POSTCAT, "-c", str(self.config_dir), "-q", queue_id],
                    env=_clean_env())
        return proc.stdout.decode("utf-8", errors="replace")

    def maillog(self):
        """The instance's log so far (text; empty before the first line)."""
        try:
            return self.maillog_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, pattern, timeout=10.0, count=1):
        """Poll the maillog until regex PATTERN matched COUNT times; the last
        match object, or None on timeout. postlogd writes asynchronously, so
        a line may appear shortly after the SMTP reply that caused it."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            matches = list(rx.finditer(self.maillog()))
            if len(matches) >= count:
                return matches[count - 1]
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.1)
