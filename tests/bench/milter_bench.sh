#!/bin/sh
#
# milter_bench.sh - outpost-milter throughput: the milter protocol alone,
#		    and end to end through Postfix, against the floor
# SYNOPSIS	tests/bench/milter_bench.sh [-p a|b|ab] [-n messages]
#		    [-N messages_1mb] [-c "1 4"] [-R repeats]
#		    [-m smtp_messages] [-s smtp_sessions] [-l smtp_length]
#		    [-r rounds]
# DESCRIPTION	(a) milter protocol: milter_drive speaks the milter protocol
#		to the milter over its unix socket, as Postfix does (one
#		milter connection per message), for 10 KB and 1 MB messages
#		with 0 and 3 base64 PDF attachments, one connection at a
#		time and with -c connections at once. First against
#		milter_passthrough (a libmilter milter that decides
#		nothing: the floor of the protocol), then against
#		outpost-milter. Besides milter_drive's figures, the
#		milter's own CPU time over the run (from /proc/PID/stat)
#		gives CPU microseconds per message and MB of message
#		handled per CPU second. Each run is repeated -R times and
#		the table shows the run with the median msg/s (every run's
#		own line is printed as it comes).
#		(b) end to end: three Postfix instances on 127.0.0.1 (no
#		milter; milter_passthrough; outpost-milter), each relaying
#		to its own smtp-sink, each fed in turn by
#		    smtp-source -s SESSIONS -m MESSAGES -l LENGTH
#		    -f app@app.example -t user@dest.example 127.0.0.1:PORT
#		Prints per arm the injection rate (messages over
#		smtp-source's wall time), the delivery rate (messages over
#		the time until the last one reached the sink), and how many
#		arrived. A figure whose messages did not all arrive is
#		marked "(does not count)". Uses tests/integration/mta.py
#		and tests/bench/e2e.py (an inline Python helper).
#		-p	which parts to run: a, b or ab (default ab)
#		-n	messages per 10 KB milter_drive run (default 2000)
#		-N	messages per 1 MB milter_drive run (default 200)
#		-c	milter_drive connection counts (default "1 4")
#		-R	repeats of each milter_drive run (default 3)
#		-m	smtp-source messages per arm and round (default 2000)
#		-s	smtp-source parallel sessions (default 10)
#		-l	smtp-source payload bytes (default 10240)
#		-r	rounds of (b); arms alternate order (default 1)
# ENVIRONMENT	OUTPOST_MILTER	the outpost-milter binary (default
#				milter/outpost-milter in this tree)
# EXIT STATUS	0, unless a tool could not be built or a server not
#		started. Figures never decide pass or fail.
# LIMITS	Must run as root (Postfix's master, and outpost-milter drops
#		privileges to the "outpost" user, created if missing, as
#		tests/install-deps does). Everything listens on 127.0.0.1 or
#		in a temporary directory; every run is bounded in messages
#		and time (milter_drive -d 120, smtp-source under timeout
#		300 s, delivery waited for at most 300 s); everything
#		started is stopped on exit, signals included.
# BUGS		Client, Postfix and milter share the machine: on 2 cores
#		the figures are those of all of them together.

set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
drive="$here/milter_drive"
passthrough="$here/milter_passthrough"
outpost=${OUTPOST_MILTER:-$root/milter/outpost-milter}
parts=ab
n10k=2000
n1m=200
conns="1 4"
repeats=3
smtp_messages=2000
smtp_sessions=10
smtp_length=10240
rounds=1

usage() {
	echo "usage: $0 [-p a|b|ab] [-n messages] [-N messages_1mb]" \
	    "[-c \"1 4\"] [-R repeats] [-m smtp_messages] [-s sessions]" \
	    "[-l length]" \
	    "[-r rounds]" >&2
	exit 2
}

# num VALUE MIN MAX - VALUE if it is a number in range, else usage
num() {
	case $1 in
	'' | *[!0-9]*) usage ;;
	esac
	if [ "$1" -lt "$2" ] || [ "$1" -gt "$3" ]; then
		usage
	fi
	echo "$1"
}

while getopts p:n:N:c:R:m:s:l:r:h opt; do
	case $opt in
	p) case $OPTARG in a | b | ab) parts=$OPTARG ;; *) usage ;; esac ;;
	n) n10k=$(num "$OPTARG" 1 1000000) ;;
	N) n1m=$(num "$OPTARG" 1 100000) ;;
	c) conns=$OPTARG
	   for c in $conns; do num "$c" 1 256 >/dev/null; done ;;
	R) repeats=$(num "$OPTARG" 1 21) ;;
	m) smtp_messages=$(num "$OPTARG" 1 100000) ;;
	s) smtp_sessions=$(num "$OPTARG" 1 100) ;;
	l) smtp_length=$(num "$OPTARG" 1 10485760) ;;
	r) rounds=$(num "$OPTARG" 1 10) ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage

tmp=
pids=
helper=
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	[ -z "$helper" ] || stop_server "$helper"
	for pid in $pids; do
		stop_server "$pid"
	done
	[ -z "$tmp" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# stop_server, start_server, wait_ready, cpu_ticks, status_kb
# shellcheck source=lib.sh
. "$here/lib.sh"

# wait_socket NAME PATH PID - until PATH is a socket, for 10 s
wait_socket() {
	i=0
	while [ $i -lt 100 ]; do
		if ! kill -0 "$3" 2>/dev/null; then
			echo "$1: exited before it listened; its output:" >&2
			tail -20 "$tmp/$1.log" >&2
			return 1
		fi
		[ -S "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "$1: no socket $2 after 10 s; its output:" >&2
	tail -20 "$tmp/$1.log" >&2
	return 1
}

# field KEY LINE - the value of KEY=value in a milter_drive line
field() {
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# drive_matrix NAME SOCKET PID - milter_drive runs, rows into $tmp/table
drive_matrix() {
	hz=$(getconf CLK_TCK)
	for c in $conns; do
		for size in 10240 1048576; do
			for att in 0 3; do
				n=$n10k
				[ "$size" -lt 1048576 ] || n=$n1m
				: >"$tmp/rows"
				r=0
				while [ $r -lt "$repeats" ]; do
					drive_one "$1" "$2" "$3" "$c" "$size" \
					    "$att" "$n"
					r=$((r + 1))
				done
				median_row >>"$tmp/table"
			done
		done
	done
}

drive_one() {
	echo "== $1: milter_drive -s unix:$2 -n $7 -c $4 -z $5 -a $6 -d 120"
	t0=$(cpu_ticks "$3")
	# Refusals and errors are figures too: keep going.
	line=$("$drive" -s "unix:$2" -n "$7" -c "$4" -z "$5" -a "$6" \
	    -d 120 2>>"$tmp/drive.err") || true
	t1=$(cpu_ticks "$3")
	echo "$line"
	[ -n "$line" ] || { echo "(no output; see below)"; \
	    tail -3 "$tmp/drive.err"; return 0; }
	done_=$(field messages "$line")
	acc=$(field accepted "$line")
	bytes=$(field bytes "$line")
	note=""
	[ "$acc" = "$7" ] || note="(does not count: $acc of $7 accepted)"
	awk -v a="$t0" -v b="$t1" -v hz="$hz" -v n="$done_" -v by="$bytes" \
	    'BEGIN { cpu = (b - a) / hz;
		if (n > 0) printf "%.0f ", cpu * 1e6 / n; else printf "- ";
		if (cpu > 0) printf "%.0f\n", n * by / cpu / 1e6;
		else print "-" }' >"$tmp/cpu"
	read -r cpu_us mb_cpu <"$tmp/cpu"
	printf '%-12s %8s %3s %5s %6s %9s %9s %8s %8s %8s %9s %9s  %s\n' \
	    "$1" "$5" "$6" "$4" "$done_" "$(field msg_per_s "$line")" \
	    "$(field us_per_msg "$line")" "$(field p50_us "$line")" \
	    "$(field p99_us "$line")" "$(field mb_per_s "$line")" \
	    "$cpu_us" "$mb_cpu" "$note" >>"$tmp/rows"
}

# median_row - of the repeats in $tmp/rows, the one with the median msg/s;
# marked if any repeat did not count
median_row() {
	row=$(sort -k6,6g "$tmp/rows" | sed -n "$(( (repeats + 1) / 2 ))p")
	if grep -q "does not count" "$tmp/rows" &&
	    ! echo "$row" | grep -q "does not count"; then
		row="$row (a repeat did not count)"
	fi
	echo "$row"
}

# write_outpost_conf DIR - outpost.conf and tables for the benchmark
write_outpost_conf() {
	printf 'alice@corp.example   alice\n' >"$1/sender_login"
	printf '127.0.0.0/8   app.example\n' >"$1/trusted_networks"
	cat >"$1/outpost.conf" <<EOF
state_directory = $1/state
milter_listen = unix:$1/outpost.sock
outpost_user = outpost
socket_group = postfix
sender_login_maps = texthash:$1/sender_login
trusted_networks = cidr:$1/trusted_networks
# The milter's own checks only; rspamd_bench.py measures the scoring.
rspamd_url =
EOF
}

# part_a - milter_drive against the pass-through milter and outpost-milter
part_a() {
	echo "== (a) milter protocol: milter_drive -> milter, unix socket," \
	    "a milter connection per message"
	: >"$tmp/table"
	start_server passthrough "$passthrough" -p "unix:$tmp/pt.sock"
	pid=$server_pid
	wait_socket passthrough "$tmp/pt.sock" "$pid" || return 1
	drive_matrix passthrough "$tmp/pt.sock" "$pid"
	stop_server "$pid"

	if [ ! -x "$outpost" ]; then
		echo "== outpost-milter: skipped: $outpost is not built"
	else
		mkdir -p "$tmp/outpost"
		write_outpost_conf "$tmp/outpost"
		start_server outpost "$outpost" -c "$tmp/outpost/outpost.conf" -f
		pid=$server_pid
		wait_socket outpost "$tmp/outpost/outpost.sock" "$pid" ||
		    return 1
		drive_matrix outpost-milter "$tmp/outpost/outpost.sock" "$pid"
		echo "outpost-milter: VmHWM $(awk '$1 == "VmHWM:" { print $2 }' \
		    "/proc/$pid/status") kB after its runs" >"$tmp/rss"
		stop_server "$pid"
	fi
	echo
	printf '%-12s %8s %3s %5s %6s %9s %9s %8s %8s %8s %9s %9s\n' milter \
	    size att conns msgs msg/s us/msg p50_us p99_us MB/s cpu_us/msg \
	    MB/cpu_s
	cat "$tmp/table"
	[ ! -f "$tmp/rss" ] || cat "$tmp/rss"
	echo "(us/msg: wall time per message of the whole run; cpu_us/msg" \
	    "and MB/cpu_s: the milter process's own CPU time)"
}

# part_b - smtp-source -> Postfix (3 arms) -> smtp-sink
part_b() {
	echo
	echo "== (b) end to end: smtp-source -s $smtp_sessions" \
	    "-m $smtp_messages -l $smtp_length -> Postfix -> smtp-sink," \
	    "$rounds round(s)"
	if [ ! -x "$outpost" ]; then
		echo "== outpost-milter arm: skipped: $outpost is not built"
	fi
	mkdir -p "$tmp/e2e"
	write_outpost_conf "$tmp/e2e"
	# Inline helper: the harness is Python (tests/integration/mta.py).
	PYTHONPATH="$root/tests/integration:$here${PYTHONPATH:+:$PYTHONPATH}" \
	    python3 - "$tmp/e2e" "$passthrough" "$outpost" "$smtp_messages" \
	    "$smtp_sessions" "$smtp_length" "$rounds" <<'PY' &
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import e2e
import mta

work, passthrough, outpost_bin = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
messages, sessions, length, rounds = map(int, sys.argv[4:8])

def stop(signum, frame):
    raise SystemExit(128 + signum)

signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGHUP, stop)

procs, postfixes, sinks = [], [], []

def start_milter(argv, sock, log):
    p = subprocess.Popen(argv, stdout=open(log, "ab"),
                         stderr=subprocess.STDOUT)
    procs.append(p)
    deadline = time.monotonic() + 10
    while not sock.exists():
        if p.poll() is not None or time.monotonic() > deadline:
            raise mta.HarnessError(f"{argv[0]} did not start; see {log}")
        time.sleep(0.05)

def run_arm(name, pf, sink):
    return e2e.run_arm(name, pf, sink, messages, sessions, length)

try:
    mta.make_traversable(work)
    arms = [("no-milter", {})]
    pt_sock = work / "pt.sock"
    start_milter([passthrough, "-p", f"unix:{pt_sock}"], pt_sock,
                 work / "passthrough.log")
    arms.append(("passthrough", e2e.milter_params(f"unix:{pt_sock}")))
    if os.access(outpost_bin, os.X_OK):
        op_sock = work / "outpost.sock"
        start_milter([outpost_bin, "-c", str(work / "outpost.conf"), "-f"],
                     op_sock, work / "outpost-milter.log")
        arms.append(("outpost", e2e.milter_params(f"unix:{op_sock}")))
    setup = e2e.start_arms(work, arms, postfixes, sinks)
    print(e2e.HEADER, flush=True)
    rates = {}
    for r in range(rounds):
        order = setup[r % len(setup):] + setup[:r % len(setup)]
        for name, pf, sink in order:
            rate = run_arm(name, pf, sink)
            if rate is not None:
                rates.setdefault(name, []).append(rate)
    best = {k: max(v) for k, v in rates.items()}
    if "passthrough" in best and "no-milter" in best:
        print(f"passthrough / no-milter: "
              f"{100 * best['passthrough'] / best['no-milter']:.0f}% "
              "(injection rate, best round)")
    if "outpost" in best and "passthrough" in best:
        print(f"outpost / passthrough:   "
              f"{100 * best['outpost'] / best['passthrough']:.0f}% "
              "(injection rate, best round; target >= 90%)")
    for name, pf, sink in setup:
        rejects = pf.maillog().count("milter-reject")
        if rejects:
            print(f"{name}: {rejects} milter-reject lines in its maillog")
finally:
    e2e.stop_all(postfixes, sinks, procs)
PY
	helper=$!
	status_b=0
	wait "$helper" || status_b=$?
	helper=
	return $status_b
}

if [ "$(id -u)" != 0 ]; then
	echo "milter_bench: must run as root (Postfix, and outpost-milter" \
	    "drops privileges)" >&2
	exit 1
fi
getent passwd outpost >/dev/null ||
    useradd --system --home-dir /var/lib/outpost --shell /usr/sbin/nologin \
	outpost
${MAKE:-make} -s -C "$here" milter >&2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/milter_bench.XXXXXX")
chmod 711 "$tmp"

echo "milter_bench: $(uname -sr), $(nproc) cpus, $(postconf -h mail_version \
    2>/dev/null | sed 's/^/Postfix /'), outpost-milter: $outpost"
status=0
case $parts in *a*) part_a || status=1 ;; esac
case $parts in *b*) part_b || status=1 ;; esac
exit $status
