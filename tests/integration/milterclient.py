"""milterclient - the MTA side of the milter protocol (version 6), as Postfix
speaks it, for feeding a milter directly in tests

SYNOPSIS
    c = MilterClient("/path/milter.sock")      # or ("127.0.0.1", port)
    c.negotiate()
    r = c.connect("client.example", "127.0.0.1", 4711,
                  macros={"j": "mta.example", "{daemon_name}": "smtpd"})
    r = c.helo("client.example")
    r = c.mail("<a@example.com>", macros={"i": "ABC123",
                                          "{auth_authen}": "alice"})
    r = c.rcpt("<b@example.net>")
    r = c.data()
    r = c.header("Subject", "hello")
    r = c.eoh()
    r = c.body(b"text\\r\\n")          # split into <= 65535-byte chunks
    r = c.eom(macros={"i": "ABC123"})
    print(r.action, r.code, r.dsn, r.text, r.modifications)
    c.abort(); c.close()               # close() sends QUIT

    res = send_message(path, "<a@example.com>", ["<b@example.net>"],
                       message_bytes, login="alice")
    res.stage, res.reply, res.ok, res.replies

DESCRIPTION
    One MilterClient is one milter connection, driven step by step. Each
    step sends Postfix's macros for that stage (SMFIC_MACRO, "D") when any
    are given, then the command, and returns the milter's Reply. A step the
    milter asked to skip at negotiation (SMFIP_NOHELO, ...) is not sent:
    its macros neither, and it returns Reply("skipped"), as Postfix does.

    Negotiation offers every action (SMFIF_ADDHDRS ... SMFIF_SETSYMLIST)
    and every "do not send step X" flag (SMFIP_NO*), but no "no reply"
    flags (SMFIP_NR_*): every step the milter takes gets a reply. So
    negotiate() fails on a milter that insists on an SMFIP_NR_* flag; pass
    protocol= to offer others (SMFIP_SKIP among them).

    A Reply's action is one of continue, reject, tempfail, accept, discard,
    skip (SMFIR_SKIP, only when SMFIP_SKIP was offered), replycode
    (SMFIR_REPLYCODE, "y": code, dsn and text parsed from
    "554 5.6.0 text"), or skipped (step not sent). eom() collects the
    modification actions that come before the final reply: add header
    "h", insert header "i", change header "m", add/delete recipient
    "+"/"2"/"-", change sender "e", replace body "b", quarantine "q"; each
    a Modification(kind, args).

    send_message() is one whole transaction, as Postfix would send it:
    header lines as name/value (the value without the one space after the
    colon, folded lines joined with "\\n", as Postfix sends them), the
    body with CRLF line ends, stopping at the first stage that does not
    continue (then ABORT, then QUIT). It returns a Result.

    Every read and write has a timeout (default 10 s per operation);
    a milter that does not answer raises MilterTimeout, one that closes
    the connection raises MilterClosed (both MilterError).

LIMITS
    Replies are read into memory and capped at MAX_REPLY bytes; a longer
    packet is a protocol error (MilterError), as in Postfix.
"""

import socket
import struct
import time
from dataclasses import dataclass, field

PROTOCOL_VERSION = 6

# Commands, MTA to milter (libmilter mfdef.h).
SMFIC_ABORT = b"A"
SMFIC_BODY = b"B"
SMFIC_CONNECT = b"C"
SMFIC_MACRO = b"D"
SMFIC_BODYEOB = b"E"
SMFIC_HELO = b"H"
SMFIC_QUIT_NC = b"K"
SMFIC_HEADER = b"L"
SMFIC_MAIL = b"M"
SMFIC_EOH = b"N"
SMFIC_OPTNEG = b"O"
SMFIC_QUIT = b"Q"
SMFIC_RCPT = b"R"
SMFIC_DATA = b"T"
SMFIC_UNKNOWN = b"U"

# Replies, milter to MTA.
SMFIR_ADDRCPT = b"+"
SMFIR_DELRCPT = b"-"
SMFIR_ADDRCPT_PAR = b"2"
SMFIR_SHUTDOWN = b"4"
SMFIR_ACCEPT = b"a"
SMFIR_REPLBODY = b"b"
SMFIR_CONTINUE = b"c"
SMFIR_DISCARD = b"d"
SMFIR_CHGFROM = b"e"
SMFIR_CONN_FAIL = b"f"
SMFIR_ADDHEADER = b"h"
SMFIR_INSHEADER = b"i"
SMFIR_SETSYMLIST = b"l"
SMFIR_CHGHEADER = b"m"
SMFIR_PROGRESS = b"p"
SMFIR_QUARANTINE = b"q"
SMFIR_REJECT = b"r"
SMFIR_SKIP = b"s"
SMFIR_TEMPFAIL = b"t"
SMFIR_REPLYCODE = b"y"

# Actions the MTA allows (SMFIF_*).
SMFIF_ADDHDRS = 0x01
SMFIF_CHGBODY = 0x02
SMFIF_ADDRCPT = 0x04
SMFIF_DELRCPT = 0x08
SMFIF_CHGHDRS = 0x10
SMFIF_QUARANTINE = 0x20
SMFIF_CHGFROM = 0x40
SMFIF_ADDRCPT_PAR = 0x80
SMFIF_SETSYMLIST = 0x100
ALL_ACTIONS = 0x1FF

# Protocol flags (SMFIP_*).
SMFIP_NOCONNECT = 0x01
SMFIP_NOHELO = 0x02
SMFIP_NOMAIL = 0x04
SMFIP_NORCPT = 0x08
SMFIP_NOBODY = 0x10
SMFIP_NOHDRS = 0x20
SMFIP_NOEOH = 0x40
SMFIP_NR_HDR = 0x80
SMFIP_NOUNKNOWN = 0x100
SMFIP_NODATA = 0x200
SMFIP_SKIP = 0x400
SMFIP_RCPT_REJ = 0x800
SMFIP_NR_CONN = 0x1000
SMFIP_NR_HELO = 0x2000
SMFIP_NR_MAIL = 0x4000
SMFIP_NR_RCPT = 0x8000
SMFIP_NR_DATA = 0x10000
SMFIP_NR_UNKN = 0x20000
SMFIP_NR_EOH = 0x40000
SMFIP_NR_BODY = 0x80000
SMFIP_HDR_LEADSPC = 0x100000

ALL_NO_STEPS = (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL |
                SMFIP_NORCPT | SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH |
                SMFIP_NOUNKNOWN | SMFIP_NODATA)
ALL_NO_REPLY = (SMFIP_NR_HDR | SMFIP_NR_CONN | SMFIP_NR_HELO |
                SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_DATA |
                SMFIP_NR_UNKN | SMFIP_NR_EOH | SMFIP_NR_BODY)

# Largest body chunk in one SMFIC_BODY (libmilter's MILTER_CHUNK_SIZE).
BODY_CHUNK = 65535
# Largest reply packet we accept (libmilter's default maximum is 64 KB of
# data; an SMFIR_REPLBODY chunk fits).
MAX_REPLY = 1 << 20
DEFAULT_TIMEOUT = 10.0

# The SMFIP_NO* flag that skips each step, by command.
_STEP_FLAG = {
    SMFIC_CONNECT: SMFIP_NOCONNECT, SMFIC_HELO: SMFIP_NOHELO,
    SMFIC_MAIL: SMFIP_NOMAIL, SMFIC_RCPT: SMFIP_NORCPT,
    SMFIC_DATA: SMFIP_NODATA, SMFIC_HEADER: SMFIP_NOHDRS,
    SMFIC_EOH: SMFIP_NOEOH, SMFIC_BODY: SMFIP_NOBODY,
    SMFIC_UNKNOWN: SMFIP_NOUNKNOWN,
}

_ACTIONS = {
    SMFIR_CONTINUE: "continue", SMFIR_REJECT: "reject",
    SMFIR_TEMPFAIL: "tempfail", SMFIR_ACCEPT: "accept",
    SMFIR_DISCARD: "discard", SMFIR_SKIP: "skip",
    SMFIR_REPLYCODE: "replycode", SMFIR_SHUTDOWN: "shutdown",
    SMFIR_CONN_FAIL: "connfail",
}

_MODIFICATIONS = {
    SMFIR_ADDHEADER: "addheader", SMFIR_INSHEADER: "insheader",
    SMFIR_CHGHEADER: "chgheader", SMFIR_ADDRCPT: "addrcpt",
    SMFIR_ADDRCPT_PAR: "addrcpt_par", SMFIR_DELRCPT: "delrcpt",
    SMFIR_CHGFROM: "chgfrom", SMFIR_REPLBODY: "replbody",
    SMFIR_QUARANTINE: "quarantine",
}


class MilterError(Exception):
    """The milter broke the protocol, or the connection broke."""


class MilterClosed(MilterError):
    """The milter closed the connection."""


class MilterTimeout(MilterError):
    """The milter did not answer in time."""


@dataclass
class Modification:
    """One end-of-message action. kind: addheader, insheader, chgheader,
    addrcpt, addrcpt_par, delrcpt, chgfrom, replbody, quarantine. args:
    decoded fields (str; index (int) first for insheader/chgheader;
    bytes for replbody)."""
    kind: str
    args: tuple

    @property
    def letter(self):
        for k, v in _MODIFICATIONS.items():
            if v == self.kind:
                return k.decode()
        return "?"


@dataclass
class Reply:
    """The milter's answer to one step.

    action  continue, reject, tempfail, accept, discard, skip, replycode,
            shutdown, connfail, or skipped (step not sent)
    code    SMTP code (int) of a replycode, 550/451 for plain reject or
            tempfail (what Postfix answers then), else None
    dsn     enhanced status code of a replycode ("5.6.0"), else None
    text    the reply text after code and dsn (replycode), else ""
    raw     the replycode text as sent ("554 5.6.0 ..."), else ""
    modifications   eom only: the actions that came before the reply
    """
    action: str
    code: int = None
    dsn: str = None
    text: str = ""
    raw: str = ""
    modifications: list = field(default_factory=list)

    @property
    def letter(self):
        """The reply's protocol letter ("c", "y", ...), or "" if skipped."""
        for k, v in _ACTIONS.items():
            if v == self.action:
                return k.decode()
        return ""

    @property
    def proceed(self):
        """True when the transaction goes on to the next step."""
        return self.action in ("continue", "skipped", "skip")

    @property
    def refused(self):
        """True for a permanent or temporary refusal (reject, tempfail, or
        a replycode with a 4xx/5xx code)."""
        return self.action in ("reject", "tempfail") or (
            self.action == "replycode" and self.code is not None and
            self.code >= 400)

    def headers_added(self):
        return [(m.args[0], m.args[1]) for m in self.modifications
                if m.kind == "addheader"]

    def __str__(self):
        if self.action == "replycode":
            return self.raw
        return self.action


def _cstr(s):
    """One NUL-terminated protocol string (str or bytes)."""
    if isinstance(s, str):
        s = s.encode("utf-8", errors="surrogateescape")
    return s + b"\0"


def _split_cstrs(data):
    """NUL-terminated strings of a packet, decoded (lossless for bytes
    via surrogateescape)."""
    parts = data.split(b"\0")
    if parts and parts[-1] == b"":
        parts.pop()
    return [p.decode("utf-8", errors="surrogateescape") for p in parts]


def _parse_replycode(text):
    """ "554 5.6.0 text" -> (554, "5.6.0", "text"); multi-line replies
    ("554-5.6.0 a\\r\\n554 5.6.0 b") keep their text lines joined by "\\n"."""
    lines = text.replace("\r\n", "\n").split("\n")
    code, dsn, texts = None, None, []
    for line in lines:
        head = line[:3]
        if head.isdigit():
            code = int(head)
            rest = line[4:] if len(line) > 3 else ""
        else:
            rest = line
        word, _, after = rest.partition(" ")
        if len(word) >= 5 and word[0] in "245" and word[1] == "." and \
                all(p.isdigit() for p in word.split(".")) and \
                word.count(".") == 2:
            dsn = dsn or word
            rest = after
        texts.append(rest)
    return code, dsn, "\n".join(texts)


class MilterClient:
    """One milter connection, driven like Postfix's milter8 client."""

    def __init__(self, address, timeout=DEFAULT_TIMEOUT,
                 connect_timeout=5.0):
        """address: a unix socket path (str or Path, "unix:" prefix
        allowed), or a (host, port) tuple for inet."""
        self.timeout = timeout
        self.actions = 0
        self.protocol = 0
        self.version = None
        self.symlists = {}          # stage (int) -> macro names the milter
        #                             asked for (SMFIR_SETSYMLIST)
        self.session = False        # connect() done and continued
        self.sock = None
        if isinstance(address, tuple):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        else:
            address = str(address)
            if address.startswith("unix:"):
                address = address[5:]
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(connect_timeout)
        try:
            s.connect(address)
        except OSError:
            s.close()
            raise
        s.settimeout(timeout)
        self.sock = s

    # -- packets -------------------------------------------------------

    def send_packet(self, cmd, data=b""):
        """One packet: 4-byte length (command byte + data), command,
        data."""
        if self.sock is None:
            raise MilterClosed("connection already closed")
        try:
            # read_packet() leaves what was left of its deadline; a send
            # gets the whole timeout (a bound on all of sendall()).
            self.sock.settimeout(self.timeout)
            self.sock.sendall(struct.pack("!I", len(data) + 1) + cmd + data)
        except socket.timeout as e:
            raise MilterTimeout(f"send {cmd!r}: timed out") from e
        except OSError as e:
            raise MilterClosed(f"send {cmd!r}: {e}") from e

    def _recv_exact(self, n, deadline):
        buf = bytearray()
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise MilterTimeout(f"no reply within {self.timeout}s")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(min(n - len(buf), 1 << 16))
            except socket.timeout as e:
                raise MilterTimeout(
                    f"no reply within {self.timeout}s") from e
            except OSError as e:
                raise MilterClosed(f"recv: {e}") from e
            if not chunk:
                raise MilterClosed("milter closed the connection")
            buf += chunk
        return bytes(buf)

    def read_packet(self, timeout=None):
        """(command letter bytes, data) of the next packet."""
        if self.sock is None:
            raise MilterClosed("connection already closed")
        deadline = time.monotonic() + (timeout or self.timeout)
        (n,) = struct.unpack("!I", self._recv_exact(4, deadline))
        if n < 1 or n > MAX_REPLY:
            raise MilterError(f"bad reply length {n}")
        pkt = self._recv_exact(n, deadline)
        return pkt[:1], pkt[1:]

    def read_reply(self, collect=False, timeout=None):
        """Read packets until a final reply; progress is skipped, and
        modification actions are collected when COLLECT (end of message)
        and a protocol error otherwise."""
        mods = []
        while True:
            cmd, data = self.read_packet(timeout)
            if cmd == SMFIR_PROGRESS:
                continue
            if cmd in _MODIFICATIONS:
                if not collect:
                    raise MilterError(f"modification {cmd!r} before "
                                      "end of message")
                mods.append(self._modification(cmd, data))
                continue
            if cmd not in _ACTIONS:
                raise MilterError(f"unknown reply {cmd!r}")
            r = Reply(_ACTIONS[cmd], modifications=mods)
            if cmd == SMFIR_REPLYCODE:
                raw = data.rstrip(b"\0").decode("utf-8", errors="replace")
                r.raw = raw
                r.code, r.dsn, r.text = _parse_replycode(raw)
            elif cmd == SMFIR_REJECT:
                r.code = 550
            elif cmd == SMFIR_TEMPFAIL:
                r.code = 451
            return r

    @staticmethod
    def _modification(cmd, data):
        kind = _MODIFICATIONS[cmd]
        if cmd in (SMFIR_CHGHEADER, SMFIR_INSHEADER):
            if len(data) < 4:
                raise MilterError(f"short {kind} packet")
            (index,) = struct.unpack("!I", data[:4])
            return Modification(kind, (index, *_split_cstrs(data[4:])))
        if cmd == SMFIR_REPLBODY:
            return Modification(kind, (data,))
        return Modification(kind, tuple(_split_cstrs(data)))

    # -- negotiation ---------------------------------------------------

    def negotiate(self, actions=ALL_ACTIONS, protocol=ALL_NO_STEPS,
                  version=PROTOCOL_VERSION):
        """SMFIC_OPTNEG; remembers what the milter chose. Returns
        (version, actions, protocol) of the milter's answer."""
        self.send_packet(SMFIC_OPTNEG,
                         struct.pack("!III", version, actions, protocol))
        cmd, data = self.read_packet()
        if cmd != SMFIC_OPTNEG or len(data) < 12:
            raise MilterError(f"bad negotiation reply {cmd!r}")
        v, a, p = struct.unpack("!III", data[:12])
        if a & ~actions:
            raise MilterError(f"milter wants actions 0x{a & ~actions:x} "
                              "that were not offered")
        if p & ~protocol:
            raise MilterError(f"milter wants protocol flags "
                              f"0x{p & ~protocol:x} that were not offered")
        # Optional macro lists: (uint32 stage, "names\0")...
        rest = data[12:]
        while len(rest) >= 5:
            (stage,) = struct.unpack("!I", rest[:4])
            names, _, rest = rest[4:].partition(b"\0")
            self.symlists[stage] = names.decode(errors="replace")
        self.version, self.actions, self.protocol = v, a, p
        return v, a, p

    def skips(self, cmd):
        """True when the milter asked not to get step CMD."""
        flag = _STEP_FLAG.get(cmd)
        return flag is not None and bool(self.protocol & flag)

    # -- steps ---------------------------------------------------------

    def macros(self, cmd, macros):
        """SMFIC_MACRO for the step CMD: {name: value}. Single-letter
        names go as is, longer ones should be braced ("{auth_authen}");
        unbraced long names are braced here, as Postfix does."""
        if not macros:
            return
        data = bytearray(cmd)
        for name, value in macros.items():
            if len(name) > 1 and not name.startswith("{"):
                name = "{" + name + "}"
            data += _cstr(name) + _cstr("" if value is None else value)
        self.send_packet(SMFIC_MACRO, bytes(data))

    def step(self, cmd, data=b"", macros=None, collect=False):
        """Macros, then command CMD with DATA, then its reply; a step the
        milter skips is not sent and returns Reply("skipped")."""
        if self.skips(cmd):
            return Reply("skipped")
        self.macros(cmd, macros)
        self.send_packet(cmd, data)
        return self.read_reply(collect=collect)

    def connect(self, hostname="localhost", addr="127.0.0.1", port=0,
                family=None, macros=None):
        """SMFIC_CONNECT. family: "4", "6", "L" (unix) or "U" (unknown);
        guessed from addr when None."""
        if family is None:
            family = "U" if addr is None else "6" if ":" in addr else "4"
        data = _cstr(hostname) + family.encode()
        if family != "U":
            data += struct.pack("!H", port) + _cstr(addr)
        r = self.step(SMFIC_CONNECT, data, macros)
        self.session = r.proceed
        return r

    def helo(self, name, macros=None):
        return self.step(SMFIC_HELO, _cstr(name), macros)

    def mail(self, sender, args=(), macros=None):
        """SMFIC_MAIL: sender as Postfix sends it ("<a@b>", "<>"), then
        ESMTP arguments ("SIZE=1000")."""
        data = _cstr(sender) + b"".join(_cstr(a) for a in args)
        return self.step(SMFIC_MAIL, data, macros)

    def rcpt(self, rcpt, args=(), macros=None):
        data = _cstr(rcpt) + b"".join(_cstr(a) for a in args)
        return self.step(SMFIC_RCPT, data, macros)

    def data(self, macros=None):
        return self.step(SMFIC_DATA, b"", macros)

    def unknown(self, command, macros=None):
        return self.step(SMFIC_UNKNOWN, _cstr(command), macros)

    def header(self, name, value, macros=None):
        return self.step(SMFIC_HEADER, _cstr(name) + _cstr(value), macros)

    def eoh(self, macros=None):
        return self.step(SMFIC_EOH, b"", macros)

    def body(self, data, macros=None):
        """The body in chunks of at most BODY_CHUNK bytes; the first reply
        that is not "continue" ends it (skip included), else the last
        chunk's reply. An empty body sends nothing (Reply("skipped"))."""
        if self.skips(SMFIC_BODY) or not data:
            return Reply("skipped")
        r = None
        for off in range(0, len(data), BODY_CHUNK):
            r = self.step(SMFIC_BODY, bytes(data[off:off + BODY_CHUNK]),
                          macros if off == 0 else None)
            if r.action != "continue":
                return r
        return r

    def eom(self, macros=None):
        """SMFIC_BODYEOB: the final reply, its modifications attached."""
        self.macros(SMFIC_BODYEOB, macros)
        self.send_packet(SMFIC_BODYEOB)
        return self.read_reply(collect=True)

    def abort(self):
        """SMFIC_ABORT: end this message; no reply."""
        self.send_packet(SMFIC_ABORT)

    def quit_nc(self):
        """SMFIC_QUIT_NC: end this SMTP session, keep the connection for
        the next one (no reply)."""
        self.send_packet(SMFIC_QUIT_NC)

    def close(self):
        """SMFIC_QUIT and close; never raises."""
        if self.sock is None:
            return
        try:
            self.send_packet(SMFIC_QUIT)
        except MilterError:
            pass
        try:
            self.sock.close()
        finally:
            self.sock = None

    def drop(self):
        """Close the socket without QUIT, as a crashed MTA would."""
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()
            self.sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --------------------------------------------------------------------------
# One transaction, as Postfix sends it


@dataclass
class Result:
    """What one send_message() transaction ended with.

    stage    "negotiate", "connect", "helo", "mail", "rcpt", "data",
             "header", "eoh", "body", "eom": the last step sent
    reply    that step's Reply (None when error is set)
    replies  [(stage, Reply)] for every step sent, in order
    error    a MilterError's text when the connection broke or timed out
    """
    stage: str = None
    reply: Reply = None
    replies: list = field(default_factory=list)
    error: str = None

    @property
    def ok(self):
        """The milter let the message through: the end-of-message reply
        is continue or accept (or accept came earlier)."""
        if self.reply is None:
            return False
        return (self.stage == "eom" and self.reply.action == "continue") or \
            self.reply.action == "accept"

    @property
    def code(self):
        return self.reply.code if self.reply else None

    @property
    def dsn(self):
        return self.reply.dsn if self.reply else None

    @property
    def text(self):
        return self.reply.text if self.reply else ""

    @property
    def modifications(self):
        return self.reply.modifications if self.reply else []

    def __str__(self):
        if self.error:
            return f"{self.stage}: error: {self.error}"
        return f"{self.stage}: {self.reply}"


def _header_name_ok(name):
    """An RFC 5322 field name: printable ASCII except colon and space."""
    return len(name) > 0 and all(33 <= c <= 126 and c != 58 for c in name)


def split_message(message):
    """bytes -> ([(name, value)], body), as Postfix's cleanup would see
    it: header lines up to the empty line or the first line that is not
    a header (that line starts the body); a folded line continues its
    header and is joined with "\\n"; the one space after the colon is
    not part of the value (Postfix strips it unless the milter asks for
    SMFIP_HDR_LEADSPC). Values are str (undecodable bytes kept through
    surrogateescape)."""
    headers = []
    pos = 0
    n = len(message)
    while pos < n:
        end = message.find(b"\n", pos)
        if end < 0:
            end = n
        line = message[pos:end]
        nxt = end + 1
        if line.endswith(b"\r"):
            line = line[:-1]
        if line == b"":
            pos = nxt
            break
        if line[:1] in (b" ", b"\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + "\n" +
                           line.decode("utf-8", errors="surrogateescape"))
            pos = nxt
            continue
        name, colon, value = line.partition(b":")
        name = name.rstrip(b" \t")
        if not colon or not _header_name_ok(name):
            break                   # not a header: the body starts here
        if value.startswith(b" "):
            value = value[1:]
        headers.append((name.decode("ascii"),
                        value.decode("utf-8", errors="surrogateescape")))
        pos = nxt
    return headers, message[pos:]


def to_crlf(data):
    """Every bare LF becomes CRLF (Postfix sends the body to milters with
    CRLF line ends); a bare CR stays."""
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def send_message(path, sender, rcpts, message, login=None,
                 client_addr="127.0.0.1", queue_id="ABC123",
                 helo="client.outpost.test", client_name="localhost",
                 timeout=DEFAULT_TIMEOUT, crlf=True, extra_macros=None,
                 client=None):
    """One transaction from connect to end of message; the Result.

    sender and rcpts are addresses with or without <>. login sets
    {auth_authen} (and {auth_type} PLAIN). The macros are those of
    contrib/postfix's milter_mail_macros plus Postfix's defaults for the
    other stages; extra_macros ({"connect"|"helo"|"mail"|"rcpt"|"data"|
    "eoh"|"eom": {name: value}}) adds to or overrides them per stage. With
    client= an already negotiated MilterClient is used (and left open,
    for several messages on one connection; its connect and HELO are sent
    once); otherwise a new connection is made and closed.
    """
    def angle(a):
        return a if a.startswith("<") else f"<{a}>"

    if isinstance(rcpts, str):
        rcpts = [rcpts]
    extra = extra_macros or {}

    def mac(stage, base):
        return dict(base, **extra.get(stage, {}))
    res = Result()
    own = client is None
    c = client
    try:
        if own:
            res.stage = "negotiate"
            c = MilterClient(path, timeout=timeout)
            c.negotiate()

        def run(stage, fn, *args, **kw):
            res.stage = stage
            r = fn(*args, **kw)
            res.reply = r
            res.replies.append((stage, r))
            return r.proceed

        if not c.session:
            conn_macros = mac("connect", {
                "j": "mta.outpost.test", "{daemon_name}": "smtpd",
                "v": "Postfix 3.7", "_": f"{client_name} [{client_addr}]",
                "{client_addr}": client_addr, "{client_name}": client_name})
            if not run("connect", c.connect, client_name, client_addr, 4711,
                       macros=conn_macros):
                return _end(c, res, own)
            if not run("helo", c.helo, helo, macros=mac("helo", {})):
                return _end(c, res, own)
        mail_macros = {"i": queue_id, "{mail_addr}": angle(sender)[1:-1],
                       "{client_addr}": client_addr,
                       "{daemon_name}": "smtpd"}
        if login is not None:
            mail_macros.update({"{auth_type}": "PLAIN",
                                "{auth_authen}": login})
        if not run("mail", c.mail, angle(sender),
                   macros=mac("mail", mail_macros)):
            return _end(c, res, own)
        for rcpt in rcpts:
            if not run("rcpt", c.rcpt, angle(rcpt), macros=mac("rcpt", {
                    "{rcpt_addr}": angle(rcpt)[1:-1], "i": queue_id})):
                return _end(c, res, own)
        if not run("data", c.data, macros=mac("data", {"i": queue_id})):
            return _end(c, res, own)
        headers, body = split_message(message)
        for name, value in headers:
            if not run("header", c.header, name, value):
                return _end(c, res, own)
        if not run("eoh", c.eoh, macros=mac("eoh", {"i": queue_id})):
            return _end(c, res, own)
        if crlf:
            body = to_crlf(body)
        r = None
        if body:
            res.stage = "body"
            r = c.body(body)
            res.reply = r
            res.replies.append(("body", r))
        if r is not None and not r.proceed:
            return _end(c, res, own)
        run("eom", c.eom, macros=mac("eom", {"i": queue_id}))
        if own:
            c.close()
        return res
    except MilterError as e:
        res.error = f"{type(e).__name__}: {e}"
        res.reply = None
        if own and c is not None:
            c.drop()
        return res
    except OSError as e:
        res.error = f"connect: {e}"
        res.reply = None
        return res


def _end(c, res, own):
    """A step before end of message did not continue: ABORT as Postfix
    does, then QUIT (own connection only)."""
    try:
        c.abort()
    except MilterError:
        pass
    if own:
        c.close()
    return res
