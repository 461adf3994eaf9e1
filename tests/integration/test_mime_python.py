"""Cross-check the MIME corpus (tests/data/mime) against Python's email package.

For every .eml file, Python's reading (email.message_from_bytes with
email.policy.default, walk(), get_filename(), the Content-Type name, and a
plain regex for uuencode begin lines in decoded text parts) must give the
names in tests/data/mime/EXPECTED, written the same way, except for the
files in DIFFERENCES: there our parser and Python disagree on purpose, each
for the reason given, and the test checks that they still disagree (an entry
that stops being a difference must be removed, so the list cannot rot).

Our own parser's answers come from tests/unit/mime_names (built by
`make tests/unit/mime_names`); without it the test that runs it skips.
Nothing here needs root, Postfix or the network.
"""

import email
import email.policy
import email.utils
import re
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS = REPO_ROOT / "tests" / "data" / "mime"
DRIVER = REPO_ROOT / "tests" / "unit" / "mime_names"

BOUND_REASON = ("a bound (depth, header bytes, parts, name length): Python's "
                "parser has none and reads on")

# file -> why our parser deliberately differs from Python's email package
DIFFERENCES = {
    # Bounds: Python reads any size and depth.
    "depth_over_bound.eml": BOUND_REASON,
    "depth_rfc822_over_bound.eml": BOUND_REASON,
    "header_over_bound.eml": BOUND_REASON,
    "filename_over_bound.eml": BOUND_REASON,
    "uuencode_long_name.eml": BOUND_REASON,
    "conflicting_ctype.eml":
        "Content-Type headers that disagree (text/plain, multipart/mixed) "
        "are refused: readers that take the first see text, those that "
        "take the last (Postfix) see parts; Python takes the first",
    # Duplicated headers and parameters: Python reads the first only.
    "duplicate_ctype.eml":
        "two Content-Type headers: we report the names of both, Python "
        "reads the first",
    "duplicate_ctype_noname.eml":
        "two Content-Type headers: we report every non-text type, Python "
        "the first",
    "duplicate_disposition.eml":
        "two Content-Disposition headers: we report both filenames, Python "
        "the first",
    "duplicate_param.eml":
        "filename= twice in one header: we report both, Python the first",
    "rfc2231_and_plain.eml":
        "filename= and filename*= disagree: we report both readings, "
        "Python the plain one",
    "unquoted_space_name.eml":
        "name=annual report.pdf (unquoted, with a space): the codec reads "
        "up to the \";\" as most readers do, Python stops at the space",
    # Encodings RFC 2045 forbids on multipart and message parts.
    "encoded_multipart_base64.eml":
        "a base64-encoded multipart: we decode it (as Outlook and "
        "Thunderbird do), Python parses the encoded text and finds nothing",
    "encoded_multipart_qp.eml":
        "a quoted-printable multipart: we decode it, Python reads the "
        "raw =2E",
    "encoded_rfc822_base64.eml":
        "a base64-encoded message/rfc822: we decode and parse the message, "
        "Python parses the encoded text and finds nothing",
    "boundary_encoded_word.eml":
        "boundary=\"=?utf-8?q?zz?=\": Python (policy.default) decodes it to "
        "zz and finds no delimiter; the raw value delimits the parts, as "
        "Postfix reads it: we try both",
    "header_case.eml":
        "\"content-TYPE :\" (white space before the colon): Python ends the "
        "header there, Postfix and we take it as a header",
    "nul_in_name.eml":
        "a NUL in a name (filename*=...%00) is reported as DEL, which the "
        "policy refuses; Python keeps the NUL",
    "trailing_dots_spaces.eml":
        "get_filename() strips white space; we keep the name's bytes (the "
        "policy trims them to find the extension)",
    "x_uuencode_cte.eml":
        "a non-text part with Content-Transfer-Encoding: x-uuencode: we "
        "report the begin line's name, Python decodes it silently",
}

UU_BEGIN = re.compile(
    rb"^begin(?:-base64)?[ \t]+[0-7]{3,4}[ \t]+([^ \t\r\n][^\n]*?)\r?$", re.M)

INVISIBLE = set(range(0x200B, 0x2010)) | set(range(0x202A, 0x202F)) | \
    set(range(0x2060, 0x2065)) | set(range(0x2066, 0x206A)) | \
    {0x061C, 0x180E, 0xFEFF, 0x00AD}


def escape(name):
    """A name as EXPECTED writes it (see tests/unit/mime_names.c)."""
    out = []
    for i, ch in enumerate(name):
        cp = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "|" or cp < 0x20 or cp == 0x7F or \
                (ch == " " and (i == 0 or i == len(name) - 1)):
            out.append("\\x%02x" % cp)
        elif 0xDC80 <= cp <= 0xDCFF:        # a byte that is not UTF-8
            out.append("\\x%02x" % (cp - 0xDC00))
        elif cp in INVISIBLE:
            out.append("\\u{%04x}" % cp)
        else:
            out.append(ch)
    return "".join(out)


def param(part, name, header):
    """A parameter as Python decodes it (RFC 2231 and, with
    policy.default, RFC 2047 inside the value), or None."""
    value = part.get_param(name, None, header)
    if value is None:
        return None
    return email.utils.collapse_rfc2231_value(value)


def python_names(data):
    """Python's reading of one message, in the EXPECTED format."""
    msg = email.message_from_bytes(data, policy=email.policy.default)
    out = []
    for part in msg.walk():
        names = []
        filename = part.get_filename()
        ctname = param(part, "name", "content-type")
        for n in (filename, ctname):
            if n and n not in names:
                names.append(n)
        ctype = part.get_content_type()
        if ctype.startswith("text/") and not part.is_multipart():
            payload = part.get_payload(decode=True) or b""
            for m in UU_BEGIN.finditer(payload):
                n = m.group(1).decode("utf-8", "surrogateescape")
                if n not in names:
                    names.append(n)
        out.extend(escape(n) for n in names)
        if not names and not ctype.startswith(("text/", "multipart/",
                                               "message/")):
            out.append("[%s]" % ctype)
    return " | ".join(out) if out else "-"


def expected():
    """EXPECTED as a dict: file -> names line."""
    want = {}
    for line in (CORPUS / "EXPECTED").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, names = line.partition(": ")
        want[name] = names
    return want


EXPECTED = expected()
FILES = sorted(p.name for p in CORPUS.glob("*.eml"))


def test_corpus_is_complete():
    assert len(FILES) >= 40
    assert sorted(EXPECTED) == FILES, "EXPECTED and the .eml files differ"
    for name in DIFFERENCES:
        assert name in EXPECTED, f"DIFFERENCES names unknown file {name}"


@pytest.mark.parametrize("name", FILES)
def test_python_agrees(name):
    got = python_names((CORPUS / name).read_bytes())
    want = EXPECTED[name]
    if name in DIFFERENCES:
        assert got != want, (
            f"{name}: listed in DIFFERENCES ({DIFFERENCES[name]}) but Python "
            f"now agrees ({got!r}): remove the entry")
    else:
        assert got == want, f"{name}: Python got {got!r}, EXPECTED {want!r}"


def test_our_parser_agrees():
    if not DRIVER.exists():
        pytest.skip(f"{DRIVER.relative_to(REPO_ROOT)} is not built "
                    "(make tests/unit/mime_names)")
    for flags in ([], ["-1"]):
        run = subprocess.run([str(DRIVER)] + flags +
                             [str(CORPUS / f) for f in FILES],
                             capture_output=True, check=True)
        lines = run.stdout.decode("utf-8", "surrogateescape").splitlines()
        got = dict(line.partition(": ")[::2] for line in lines)
        bad = [f"{f}: got {got.get(f)!r}, want {EXPECTED[f]!r}"
               for f in FILES if got.get(f) != EXPECTED[f]]
        assert not bad, "\n".join(bad)
