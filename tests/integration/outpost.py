"""outpost - run Outpost's own programs for integration tests

SYNOPSIS
    pd = Policyd(tools, workdir, {"rate_limit_default": "3 msg/1h"})
    pd.start()
    pf = postfix_factory(main_cf=pd.postfix_params())
    pd.ctl("blocklist", "add", "dead@example.net")
    pd.hup(); pd.stop(); pd.kill()

DESCRIPTION
    Policyd writes an outpost.conf under its work directory (state in
    workdir/state, socket workdir/policy.sock), starts outpost-policyd in
    the foreground with its log on stderr (kept in workdir/policyd.log) and
    waits until the socket answers. outpost_user is "outpost", as in
    production: the daemon drops root, and the socket gets group postfix
    so that Postfix's smtpd can connect.
"""

import os
import pwd
import signal
import socket
import subprocess
import time
from pathlib import Path

import mta

START_TIMEOUT = 10.0


def ensure_outpost_user():
    """The unprivileged user the daemons run as (the test command also
    creates it; this keeps a single pytest run self-sufficient)."""
    try:
        pwd.getpwnam("outpost")
    except KeyError:
        subprocess.run(["useradd", "--system", "--home-dir", "/var/lib/outpost",
                        "--shell", "/usr/sbin/nologin", "outpost"], check=True)


def policy_request(path, attrs, timeout=5.0):
    """Send one policy request over the unix socket PATH; the reply's
    action (text after "action="), or None when the server closed."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(path))
        s.sendall(encode_request(attrs))
        return read_reply(s)


def encode_request(attrs):
    lines = [f"{k}={v}" for k, v in attrs.items()]
    return ("\n".join(lines) + "\n\n").encode()


def read_reply(s):
    """Read one "action=...\\n\\n" reply; None on EOF before it."""
    data = b""
    while not data.endswith(b"\n\n"):
        chunk = s.recv(4096)
        if not chunk:
            return None
        data += chunk
    line = data.decode().split("\n")[0]
    assert line.startswith("action="), line
    return line[len("action="):]


def rcpt_request(sender, recipient, **extra):
    """A request shaped like Postfix's at RCPT TO."""
    req = {
        "request": "smtpd_access_policy", "protocol_state": "RCPT",
        "protocol_name": "ESMTP", "client_address": "127.0.0.1",
        "client_name": "localhost", "helo_name": "client.outpost.test",
        "sender": sender, "recipient": recipient, "recipient_count": "0",
        "queue_id": "", "instance": "1.2.3", "size": "0",
        "sasl_method": "", "sasl_username": "",
    }
    req.update(extra)
    return req


class Daemon:
    """An Outpost daemon in the foreground, its own config and state."""
    name = None             # "policyd", "milter"

    def __init__(self, tools, workdir, conf=None):
        ensure_outpost_user()
        self.tools = tools
        self.workdir = Path(workdir).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        mta.make_traversable(self.workdir)
        self.socket = self.workdir / f"{self.name}.sock"
        self.state = self.workdir / "state"
        self.config = self.workdir / "outpost.conf"
        self.log_path = self.workdir / f"{self.name}.log"
        self.conf = {
            "state_directory": str(self.state),
            "policyd_listen": f"unix:{self.workdir / 'policyd.sock'}",
            "milter_listen": f"unix:{self.workdir / 'milter.sock'}",
            "outpost_user": "outpost",
            "socket_group": "postfix",
            # The milter scores with Rspamd only in the tests that start
            # one and say where it is.
            "rspamd_url": "",
        }
        self.conf.update(conf or {})
        self.proc = None
        self.write_config()

    def write_config(self, **changes):
        self.conf.update(changes)
        self.config.write_text("".join(f"{k} = {v}\n"
                                       for k, v in self.conf.items()))

    def program(self):
        raise NotImplementedError

    def ready(self):
        raise NotImplementedError

    def start(self):
        prog = self.program()
        assert prog.exists(), f"{prog} is not built"
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(prog), "-c", str(self.config), "-f"],
                                     stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise mta.HarnessError(f"{prog.name} exited: " +
                                       self.log_text()[-2000:])
            try:
                if self.ready():
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise mta.HarnessError(f"{prog.name} did not answer: " +
                               self.log_text()[-2000:])


    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def hup(self):
        self.proc.send_signal(signal.SIGHUP)

    def stop(self, timeout=10.0):
        """SIGTERM: counters are saved, then the daemon exits (status)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc, self.proc = self.proc.returncode, None
        self.log.close()
        return rc

    def kill(self):
        """SIGKILL: whatever was not flushed is lost."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            self.log.close()

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, needle, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.log_text():
                return True
            time.sleep(0.05)
        return False

    def ctl(self, *args, check=True, input=None):
        """Run outpostctl with this daemon's configuration."""
        proc = subprocess.run([str(self.tools.outpostctl), "-c",
                               str(self.config), *args], input=input,
                              capture_output=True, text=True, timeout=60)
        if check and proc.returncode != 0:
            raise mta.HarnessError(f"outpostctl {' '.join(args)}: exit "
                                   f"{proc.returncode}: {proc.stderr}")
        return proc


class Policyd(Daemon):
    name = "policyd"

    def program(self):
        return self.tools.policyd

    def ready(self):
        return policy_request(self.socket, {"request": "junk"}) is not None

    def request(self, attrs):
        return policy_request(self.socket, attrs)

    def postfix_params(self):
        """main.cf lines that plug this daemon into Postfix."""
        svc = f"check_policy_service unix:{self.socket}"
        return {
            "smtpd_recipient_restrictions":
                f"{svc}, permit_sasl_authenticated, permit_mynetworks, "
                "reject_unauth_destination",
            "smtpd_data_restrictions": svc,
            "smtpd_policy_service_timeout": "10s",
        }


class Milter(Daemon):
    name = "milter"

    def program(self):
        return self.tools.milter

    def ready(self):
        if not self.socket.exists():
            return False
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            s.connect(str(self.socket))
        return True

    def postfix_params(self):
        """main.cf lines that plug this milter into Postfix, as
        contrib/postfix documents them."""
        return {
            "smtpd_milters": f"unix:{self.socket}",
            "milter_default_action": "tempfail",
            "milter_mail_macros": "i {auth_type} {auth_authen} {auth_author} "
                                  "{mail_addr} {client_addr} {daemon_name}",
            "milter_protocol": "6",
        }
