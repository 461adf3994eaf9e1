"""Fixtures for the tests that run a real Postfix on loopback (see mta.py).

    sink             an SmtpSink, started; every Postfix relays to it
    postfix_factory  postfix_factory(main_cf=..., sasl_users=..., ...) makes
                     and starts a Postfix instance under tmp_path; all of
                     them are stopped at teardown, whatever the outcome
    tools            paths of the programs built at the repository root

Postfix's master(8) must start as root; as another user these tests skip.
A missing Postfix or SASL program is a failure, not a skip: the test
command installs them (postfix, sasl2-bin, libsasl2-modules).
"""

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

import mta
import outpost

REPO_ROOT = Path(__file__).resolve().parents[2]

# Lines of each instance's maillog shown when a test fails.
MAILLOG_TAIL = 80


@dataclass(frozen=True)
class Tools:
    """Where the build puts Outpost's programs. They may not be built yet;
    a test that needs one checks for it itself."""
    root: Path
    policyd: Path
    outpostctl: Path
    milter: Path


@pytest.fixture(scope="session")
def tools():
    return Tools(root=REPO_ROOT,
                 policyd=REPO_ROOT / "policyd" / "outpost-policyd",
                 outpostctl=REPO_ROOT / "policyd" / "outpostctl",
                 milter=REPO_ROOT / "milter" / "outpost-milter")


@pytest.fixture(scope="session")
def mta_available():
    """Skip unless root; fail if Postfix or its tools are missing."""
    if os.geteuid() != 0:
        pytest.skip("Postfix integration tests must run as root")
    missing = mta.missing_programs()
    if missing:
        pytest.fail("not installed: " + ", ".join(missing) +
                    " (Debian packages postfix, sasl2-bin, libsasl2-modules)")


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the test item, so that fixtures can
    tell at teardown whether the test failed."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _failed(request):
    rep = getattr(request.node, "rep_call", None)
    return rep is None or rep.failed


@pytest.fixture
def sink(tmp_path, mta_available):
    s = mta.SmtpSink(tmp_path / "sink")
    s.start()
    try:
        yield s
    finally:
        s.stop()


_RELAY_TO_SINK = object()


@pytest.fixture
def postfix_factory(request, tmp_path, sink, mta_available):
    """Return make(main_cf=None, sasl_users=None, relay_to=<the sink>,
    master_cf=(), start=True) -> mta.Postfix.

    Each instance gets its own directory under tmp_path. relay_to=None makes
    an instance that delivers nothing (mail stays in its queue).
    """
    made = []

    def make(main_cf=None, sasl_users=None, relay_to=_RELAY_TO_SINK,
             master_cf=(), start=True):
        if relay_to is _RELAY_TO_SINK:
            relay_to = sink
        pf = mta.Postfix(tmp_path / f"postfix{len(made)}", main_cf=main_cf,
                         sasl_users=sasl_users, relay_to=relay_to,
                         master_cf=master_cf)
        made.append(pf)
        if start:
            pf.start()
        return pf

    try:
        yield make
    finally:
        # On failure, show each instance's log tail in the report (captured
        # teardown output is printed with the failure).
        if _failed(request):
            for pf in made:
                tail = pf.maillog().splitlines()[-MAILLOG_TAIL:]
                print(f"--- {pf.maillog_path} (last {len(tail)} lines)")
                print("\n".join(tail))
        errors = []
        for pf in reversed(made):
            try:
                pf.stop()
            except Exception as e:  # keep stopping the others
                errors.append(f"{pf.workdir}: {e}")
        if errors:
            raise mta.HarnessError("stop failed: " + "; ".join(errors))


def _daemon_factory(kind, tmp_path, tools):
    """make(conf=None, start=True) -> kind; all are stopped at teardown,
    and a daemon that died on its own is a failure."""
    made = []

    def make(conf=None, start=True):
        pd = kind(tools, tmp_path / f"{kind.name}{len(made)}", conf)
        made.append(pd)
        if start:
            pd.start()
        return pd
    return make, made


@pytest.fixture
def policyd_factory(tmp_path, tools):
    """Return make(conf=None, start=True) -> outpost.Policyd."""
    yield from _stop_all(*_daemon_factory(outpost.Policyd, tmp_path, tools))


@pytest.fixture
def milter_factory(tmp_path, tools):
    """Return make(conf=None, start=True) -> outpost.Milter."""
    yield from _stop_all(*_daemon_factory(outpost.Milter, tmp_path, tools))


def _stop_all(make, made):
    try:
        yield make
    finally:
        dead = [pd for pd in made
                if pd.proc is not None and pd.proc.poll() is not None]
        for pd in made:
            pd.stop()
        for pd in dead:
            print(pd.log_text()[-4000:])
        if dead:
            raise mta.HarnessError(", ".join(str(pd.program().name) for pd in dead)
                                   + " died during the test")
