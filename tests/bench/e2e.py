"""End-to-end arms for the milter benchmarks: smtp-source -> Postfix ->
smtp-sink, timed, with the count of what arrived.

Used by rspamd_bench.py and milter_bench.sh (with tests/integration on
PYTHONPATH for mta.py).
"""

import subprocess
import sys
import time

import mta

SMTP_SOURCE = mta._find_program("smtp-source", ["/usr/sbin/smtp-source"])
SOURCE_TIMEOUT = 300        # seconds for one smtp-source run
DELIVERY_TIMEOUT = 300      # seconds for the queue to drain after it
SENDER, RCPT = "app@app.example", "user@dest.example"
HEADER = (f"{'arm':<14} {'sent':>6} {'arrived':>7} {'inject/s':>10} "
          f"{'deliver/s':>10} {'inject_s':>8} {'total_s':>8}")


def milter_params(milter):
    """main.cf lines for one milter ("unix:PATH" or "inet:HOST:PORT")."""
    return {"smtpd_milters": milter,
            "milter_default_action": "tempfail",
            "milter_protocol": "6",
            "milter_mail_macros": "i {auth_type} {auth_authen} "
                                  "{auth_author} {mail_addr} "
                                  "{client_addr} {daemon_name}"}


def arrived(sink):
    """Transactions smtp-sink has finished (dump files it has closed)."""
    held = sink._open_files()
    return sum(1 for p in sink.dump_dir.iterdir() if str(p) not in held)


def source(pf, messages, sessions, length, timeout=SOURCE_TIMEOUT):
    """smtp-source into Postfix; its error lines."""
    argv = [SMTP_SOURCE, "-s", str(sessions), "-m", str(messages),
            "-l", str(length), "-f", SENDER, "-t", RCPT,
            f"{mta.LOOPBACK}:{pf.port}"]
    try:
        src = subprocess.run(argv, capture_output=True, timeout=timeout)
        return src.stderr.decode(errors="replace").strip().splitlines()
    except subprocess.TimeoutExpired:
        return [f"smtp-source timed out after {timeout}s"]


def run_arm(name, pf, sink, messages, sessions, length):
    """One timed run; prints a HEADER row. Returns the injection rate, or
    None when not every message arrived (the figure does not count)."""
    before = arrived(sink)
    t0 = time.monotonic()
    errors = source(pf, messages, sessions, length)
    t1 = time.monotonic()
    deadline = t1 + DELIVERY_TIMEOUT
    while arrived(sink) - before < messages and time.monotonic() < deadline:
        if not pf.queue() and arrived(sink) - before < messages:
            time.sleep(0.5)         # the last ones may be in flight
            if not pf.queue():
                break
        time.sleep(0.05)
    t2 = time.monotonic()
    got = arrived(sink) - before
    note = "" if got == messages else "(does not count: not all arrived)"
    print(f"{name:<14} {messages:>6} {got:>7} {messages / (t1 - t0):>10.1f} "
          f"{got / (t2 - t0):>10.1f} {t1 - t0:>8.2f} {t2 - t0:>8.2f}  {note}",
          flush=True)
    for line in errors[:3]:
        print(f"    smtp-source: {line}", flush=True)
    return messages / (t1 - t0) if got == messages else None


def warm_up(pf):
    source(pf, 20, 2, 1000, timeout=60)
    pf.wait_queue_empty(30)


def start_arms(work, arms, postfixes, sinks):
    """A started smtp-sink and Postfix per (name, main.cf params), each
    warmed up (processes forked, caches filled); [(name, pf, sink)].
    What is started goes in postfixes and sinks, for stop_all()."""
    setup = []
    for name, params in arms:
        sink = mta.SmtpSink(work / f"sink-{name}")
        sinks.append(sink)
        sink.start()
        pf = mta.Postfix(work / f"postfix-{name}", main_cf=params,
                         relay_to=sink)
        postfixes.append(pf)
        pf.start()
        setup.append((name, pf, sink))
    for name, pf, sink in setup:
        warm_up(pf)
    return setup


def stop_all(postfixes, sinks, procs):
    """Stop what a benchmark started, each whatever the others do."""
    for pf in postfixes:
        try:
            pf.stop()
        except Exception as e:          # keep stopping the others
            print(f"stop {pf.workdir}: {e}", file=sys.stderr)
    for s in sinks:
        s.stop()
    for p in procs:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(40)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
