#!/bin/sh
#
# policy_bench.sh - policy daemon throughput and latency, against the floor
# SYNOPSIS	tests/bench/policy_bench.sh [-d seconds] [-c "1 16 64"]
#		    [-l "policy_load options"]
# DESCRIPTION	Builds policy_load and dunno_server (make -C tests/bench),
#		starts dunno_server on a unix socket in a temporary directory,
#		runs policy_load against it once per connection count, then
#		does the same for outpost-policyd if run_outpost() finds one
#		(see ENVIRONMENT). Prints each policy_load result as it comes,
#		then a table: requests per second, latency percentiles in
#		microseconds, errors, the server's CPU use during the run,
#		and its peak RSS (VmHWM) after its runs.
#		-d	seconds per run, 1..60 (default 5)
#		-c	connection counts (default "1 16 64")
#		-l	extra policy_load options (default "-m": RCPT and DATA
#			requests alternate, as with Postfix's
#			smtpd_data_restrictions; add -a for SASL logins)
# ENVIRONMENT	BENCH_SECONDS, BENCH_CONNS, BENCH_LOAD_ARGS: as -d, -c, -l.
#		OUTPOST_POLICYD	the outpost-policyd binary to measure
#		OUTPOST_CONF	its outpost.conf
#		OUTPOST_SERVICE	where that config makes it listen, as
#				unix:PATH or inet:127.0.0.1:PORT
# EXIT STATUS	0, unless a tool could not be built or a server not
#		started. Figures never decide pass or fail.
# BUGS		Client and server share the machine: on 2 cores the
#		figures are those of both together.

set -eu

here=$(cd "$(dirname "$0")" && pwd)
load="$here/policy_load"
seconds=${BENCH_SECONDS:-5}
conns=${BENCH_CONNS:-"1 16 64"}
load_args=${BENCH_LOAD_ARGS:--m}

usage() {
	echo "usage: $0 [-d seconds] [-c \"1 16 64\"] [-l \"policy_load options\"]" >&2
	exit 2
}

while getopts d:c:l:h opt; do
	case $opt in
	d) seconds=$OPTARG ;;
	c) conns=$OPTARG ;;
	l) load_args=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage

tmp=
pids=
# shellcheck disable=SC2317 # run by the trap
cleanup() {
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

# field KEY LINE - the value of KEY=value in a policy_load line
field() {
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# bench_server NAME SERVICE PID - the runs, rows into $tmp/table
bench_server() {
	hz=$(getconf CLK_TCK)
	for c in $conns; do
		echo "== $1, $c connections, ${seconds}s: policy_load" \
		    "-s $2 -c $c -d $seconds $load_args"
		t0=$(cpu_ticks "$3")
		# Errors are figures too: keep going.
		# shellcheck disable=SC2086
		out=$("$load" -s "$2" -c "$c" -d "$seconds" $load_args) || true
		t1=$(cpu_ticks "$3")
		echo "$out"
		line=$(echo "$out" | sed -n 1p)
		acts=$(echo "$out" | sed -n 's/^actions //p')
		secs=$(field seconds "$line")
		cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$secs" \
		    'BEGIN { if (s > 0) printf "%.0f", 100 * (b - a) / hz / s;
			else print "-" }')
		printf '%-8s %5s %9s %9s %9s %9s %9s %7s %5s%%  %s\n' "$1" "$c" \
		    "$(field rps "$line")" "$(field p50_us "$line")" \
		    "$(field p99_us "$line")" "$(field p999_us "$line")" \
		    "$(field max_us "$line")" "$(field errors "$line")" \
		    "$cpu" "$acts" >>"$tmp/table"
	done
	printf '%s: VmHWM %s kB, VmRSS %s kB after its runs\n' "$1" \
	    "$(status_kb "$3" VmHWM)" "$(status_kb "$3" VmRSS)" >>"$tmp/rss"
}

# run_dunno - the floor: what the protocol and policy_load cost alone
run_dunno() {
	service="unix:$tmp/dunno.sock"
	start_server dunno "$here/dunno_server" -s "$service"
	pid=$server_pid
	wait_ready dunno "$service" "$pid" || return 1
	bench_server dunno "$service" "$pid"
	stop_server "$pid"
}

# ---------------------------------------------------------------------
# run_outpost - the same runs against outpost-policyd
#
# Needs OUTPOST_POLICYD (the binary), OUTPOST_CONF (its outpost.conf) and
# OUTPOST_SERVICE (the address that config makes it listen on, as
# unix:PATH or inet:127.0.0.1:PORT; this script cannot know the name of
# that parameter). Started in the foreground as
#	$OUTPOST_POLICYD -c $OUTPOST_CONF -f
# with its output in the temporary directory, shown if it fails to start.
# Without the three, the outpost runs are skipped with a message.
# ---------------------------------------------------------------------
run_outpost() {
	if [ -z "${OUTPOST_POLICYD:-}" ] || [ -z "${OUTPOST_CONF:-}" ] \
	    || [ -z "${OUTPOST_SERVICE:-}" ]; then
		echo "== outpost-policyd: skipped: set OUTPOST_POLICYD," \
		    "OUTPOST_CONF and OUTPOST_SERVICE to measure it"
		return 0
	fi
	if [ ! -x "$OUTPOST_POLICYD" ]; then
		echo "== outpost-policyd: skipped: $OUTPOST_POLICYD is not" \
		    "an executable"
		return 0
	fi
	if [ ! -r "$OUTPOST_CONF" ]; then
		echo "== outpost-policyd: skipped: cannot read $OUTPOST_CONF"
		return 0
	fi
	start_server outpost "$OUTPOST_POLICYD" -c "$OUTPOST_CONF" -f
	pid=$server_pid
	wait_ready outpost "$OUTPOST_SERVICE" "$pid" || return 1
	bench_server outpost "$OUTPOST_SERVICE" "$pid"
	stop_server "$pid"
}

${MAKE:-make} -s -C "$here" >&2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/policy_bench.XXXXXX")
: >"$tmp/table"
: >"$tmp/rss"

echo "policy_bench: $(uname -sr), $(nproc) cpus, ${seconds}s per run," \
    "policy_load options: ${load_args:-(none)}"
status=0
run_dunno || status=1
run_outpost || status=1

echo
printf '%-8s %5s %9s %9s %9s %9s %9s %7s %6s  %s\n' server conns rps \
    p50_us p99_us p999_us max_us errors srvcpu actions
cat "$tmp/table"
cat "$tmp/rss"
exit $status
