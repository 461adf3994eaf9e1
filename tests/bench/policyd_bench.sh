#!/bin/sh
#
# policyd_bench.sh - the outpost-policyd benchmark of issue 2, reproducible
# SYNOPSIS	tests/bench/policyd_bench.sh [-d seconds] [-c "1 16 64"]
#		    [-n rounds] [-b entries] [-u senders] [-r recipients]
#		    [-L limits] [-k]
# DESCRIPTION	Builds outpost-policyd and outpostctl (make at the top) and
#		policy_load and dunno_server (make -C tests/bench), then, in
#		a temporary directory:
#		1. writes an outpost.conf: state_directory and a unix socket
#		   policyd_listen there, outpost_user "outpost" when that user
#		   exists (else empty), socket_group empty, rate_limit_keys
#		   sasl_username and sender, rate_limit_default 1000000 msg/1h
#		   (nothing is deferred: every request takes the full check);
#		2. generates a blocklist of -b entries named as policy_load
#		   names recipients, rcpt%u@dest%u.example for %u in
#		   0..entries-1, and times "outpostctl blocklist import" of
#		   it. policy_load draws recipients from 0..recipients-1, so
#		   entries/recipients of the RCPT requests (10% by default)
#		   are on the blocklist and answered 550;
#		3. starts dunno_server (the floor) and outpost-policyd -f and,
#		   for each connection count, runs policy_load -u senders -a -m
#		   (RCPT then DATA per message, SASL logins) for -d seconds
#		   against the floor, then against outpost-policyd: the two
#		   alternate, so both see the same machine load; with -n,
#		   that many rounds of the pair per connection count;
#		4. prints a table: requests/s of each, their ratio, p50, p99
#		   and p99.9 latency in microseconds, the servers' CPU use, a
#		   row per round, and with -n the medians over rounds; then
#		   outpost-policyd's VmHWM and VmRSS after its runs (from
#		   /proc/PID/status; RssFile, the part of it that is the
#		   mapped LMDB file, and RssAnon, the daemon's own memory),
#		   the import time and the state size;
#		5. unless -L "", restarts outpost-policyd on a copy of the state
#		   as it was after the import, with rate_limit_default set to
#		   the -L limits, tight enough that a share of the messages is
#		   deferred within the runs, and runs the same loads against it
#		   alone (compare with the floor rows of step 4).
#		Everything listens on unix sockets in the temporary directory,
#		every run is bounded, and an EXIT trap stops the servers and
#		removes the directory.
#		-d	seconds per run, 1..60 (default 10)
#		-c	connection counts (default "1 16 64")
#		-n	rounds of floor-then-outpost per count, 1..20
#			(default 1); on a shared machine the floor itself
#			varies from minute to minute: compare within a round
#		-b	blocklist entries (default 1000000)
#		-u	distinct senders (default 100000)
#		-r	distinct recipients (default 10 x entries)
#		-L	rate_limit_default of the deferring run (default
#			"3 msg/1h, 50 msg/1d, 100 rcpt/1d"); "" skips that run
#		-k	keep the temporary directory (its path is printed)
# OUTPUT	The policy_load lines as they come, then the tables. Rows of
#		the main table start with "row", for scripts:
#		row conns floor_rps outpost_rps ratio floor_p50 floor_p99
#		    floor_p999 outpost_p50 outpost_p99 outpost_p999
#		    floor_cpu% outpost_cpu% outpost_errors
#		and, with -n, rows of medians over the rounds:
#		median conns floor_rps outpost_rps ratio floor_p99
#		    outpost_p99 p99_ratio (ratio and p99_ratio are the
#		    medians of each round's own)
# EXIT STATUS	0, unless something could not be built, imported or
#		started. Figures never decide pass or fail.
# BUGS		Client and servers share the machine: on 2 cores the
#		figures are those of policy_load and the server together.
#		Run it on an idle machine; it prints the load average.

set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
load="$here/policy_load"
dunno="$here/dunno_server"
policyd="$top/policyd/outpost-policyd"
ctl="$top/policyd/outpostctl"

seconds=10
conns="1 16 64"
rounds=1
entries=1000000
senders=100000
rcpts=
tight="3 msg/1h, 50 msg/1d, 100 rcpt/1d"
keep=0

usage() {
	echo "usage: $0 [-d seconds] [-c \"1 16 64\"] [-n rounds]" \
	    "[-b entries] [-u senders] [-r recipients] [-L limits] [-k]" >&2
	exit 2
}

# num VALUE MIN MAX OPT - VALUE, a decimal in [MIN, MAX], or a usage error
num() {
	case $1 in
	'' | *[!0-9]*) echo "-$4 $1: expected a number" >&2; usage ;;
	esac
	if [ ${#1} -gt 10 ] || [ "$1" -lt "$2" ] || [ "$1" -gt "$3" ]; then
		echo "-$4 $1: expected $2..$3" >&2
		usage
	fi
	echo "$1"
}

while getopts d:c:n:b:u:r:L:kh opt; do
	case $opt in
	d) seconds=$(num "$OPTARG" 1 60 d) ;;
	c) conns=$OPTARG ;;
	n) rounds=$(num "$OPTARG" 1 20 n) ;;
	b) entries=$(num "$OPTARG" 1 10000000 b) ;;
	u) senders=$(num "$OPTARG" 1 10000000 u) ;;
	r) rcpts=$(num "$OPTARG" 1 4000000000 r) ;;
	L) tight=$OPTARG ;;
	k) keep=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
for c in $conns; do
	num "$c" 1 1024 c >/dev/null
done
[ -n "$rcpts" ] || rcpts=$((entries * 10))

tmp=
pids=
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	for pid in $pids; do
		stop_server "$pid"
	done
	if [ -n "$tmp" ]; then
		if [ "$keep" = 1 ]; then
			echo "policyd_bench: kept $tmp" >&2
		else
			rm -rf "$tmp"
		fi
	fi
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

# now - seconds since the epoch, to the millisecond
now() {
	date +%s.%N | cut -c1-14
}

# load1 - the 1-minute load average
load1() {
	cut -d' ' -f1 /proc/loadavg
}

# measure NAME SERVICE PID CONNS - one policy_load run; sets r_rps, r_p50,
#	r_p99, r_p999, r_cpu, r_err, r_acts
measure() {
	hz=$(getconf CLK_TCK)
	echo "== $1, $4 connections, ${seconds}s, load $(load1): policy_load" \
	    "-s $2 -c $4 -d $seconds -u $senders -r $rcpts -a -m"
	t0=$(cpu_ticks "$3")
	# Errors are figures too: keep going.
	out=$("$load" -s "$2" -c "$4" -d "$seconds" -u "$senders" \
	    -r "$rcpts" -a -m) || true
	t1=$(cpu_ticks "$3")
	echo "$out"
	line=$(echo "$out" | sed -n 1p)
	r_acts=$(echo "$out" | sed -n 's/^actions //p')
	secs=$(field seconds "$line")
	r_cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="${secs:-0}" \
	    'BEGIN { if (s > 0) printf "%.0f", 100 * (b - a) / hz / s;
		else print "-" }')
	r_rps=$(field rps "$line")
	r_p50=$(field p50_us "$line")
	r_p99=$(field p99_us "$line")
	r_p999=$(field p999_us "$line")
	r_err=$(field errors "$line")
	: "${r_rps:=0}" "${r_p50:=-}" "${r_p99:=-}" "${r_p999:=-}" \
	    "${r_err:=-}"
}

# write_conf FILE STATE LIMITS - an outpost.conf for the benchmark
write_conf() {
	user=
	if id outpost >/dev/null 2>&1; then
		user=outpost
	fi
	cat >"$1" <<EOF
# written by tests/bench/policyd_bench.sh
state_directory = $2
policyd_listen = unix:$tmp/policy.sock
outpost_user = $user
socket_group =
rate_limit_keys = sasl_username, sender
rate_limit_default = $3
EOF
	chmod 0644 "$1"
}

# outpost_up NAME CONF - start outpost-policyd; sets $opid
outpost_up() {
	start_server "$1" "$policyd" -c "$2" -f
	opid=$server_pid
	wait_ready "$1" "unix:$tmp/policy.sock" "$opid"
}

# state_size DIR - "N kB on disk (data.mdb M bytes)"
state_size() {
	kb=$(du -sk "$1" | cut -f1)
	sz=$(stat -c %s "$1/data.mdb" 2>/dev/null || echo "?")
	echo "$kb kB on disk (data.mdb size $sz bytes)"
}

echo "policyd_bench: building" >&2
${MAKE:-make} -s -C "$top" policyd/outpost-policyd policyd/outpostctl >&2
${MAKE:-make} -s -C "$here" >&2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/policyd_bench.XXXXXX")
# outpost-policyd drops to outpost_user: it must reach the state and socket.
chmod 0711 "$tmp"
conf="$tmp/outpost.conf"
write_conf "$conf" "$tmp/state" "1000000 msg/1h"
floor_svc="unix:$tmp/dunno.sock"
outpost_svc="unix:$tmp/policy.sock"

echo "policyd_bench: $(uname -sr), $(nproc) cpus," \
    "$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | sed -n 1p)," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "policyd_bench: ${seconds}s per run, $rounds round(s), connections: $conns," \
    "$senders senders, $entries blocklist entries of $rcpts recipients"

# The blocklist, named as policy_load names recipients.
awk -v n="$entries" 'BEGIN {
	for (i = 0; i < n; i++)
		printf "rcpt%u@dest%u.example 5.1.1 550 5.1.1 user unknown\n",
		    i, i
}' >"$tmp/blocklist"
chmod 0644 "$tmp/blocklist"
t0=$(now)
if ! timeout 300 "$ctl" -c "$conf" blocklist import "$tmp/blocklist" \
    >"$tmp/import.log" 2>&1; then
	echo "policyd_bench: blocklist import failed:" >&2
	tail -20 "$tmp/import.log" >&2
	exit 1
fi
t1=$(now)
import_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
echo "== import: $(tail -1 "$tmp/import.log") in ${import_s} s"
import_size=$(state_size "$tmp/state")
echo "== state after import: $import_size"
# For the deferring run: the state as it is now, without counters.
if [ -n "$tight" ]; then
	cp -a "$tmp/state" "$tmp/state2"
fi

start_server floor "$dunno" -s "$floor_svc" -q
fpid=$server_pid
wait_ready floor "$floor_svc" "$fpid"
outpost_up outpost "$conf"

: >"$tmp/table"
for c in $conns; do
	round=0
	while [ "$round" -lt "$rounds" ]; do
		round=$((round + 1))
		measure floor "$floor_svc" "$fpid" "$c"
		f_rps=$r_rps f_p50=$r_p50 f_p99=$r_p99 f_p999=$r_p999
		f_cpu=$r_cpu
		echo "$c $f_rps" >>"$tmp/floor_rps"
		measure outpost "$outpost_svc" "$opid" "$c"
		ratio=$(awk -v a="$r_rps" -v b="$f_rps" \
		    'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
		echo "row $c $f_rps $r_rps $ratio $f_p50 $f_p99 $f_p999" \
		    "$r_p50 $r_p99 $r_p999 $f_cpu $r_cpu $r_err" >>"$tmp/table"
		echo "$c $r_acts" >>"$tmp/actions"
	done
done
hwm=$(status_kb "$opid" VmHWM)
rss=$(status_kb "$opid" VmRSS)
anon=$(status_kb "$opid" RssAnon)
file=$(status_kb "$opid" RssFile)
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
stop_server "$opid"
run_size=$(state_size "$tmp/state")

if [ -n "$tight" ]; then
	conf2="$tmp/outpost-tight.conf"
	write_conf "$conf2" "$tmp/state2" "$tight"
	outpost_up tight "$conf2"
	: >"$tmp/table2"
	for c in $conns; do
		measure tight "$outpost_svc" "$opid" "$c"
		f_rps=$(awk -v c="$c" '$1 == c { print $2 }' "$tmp/floor_rps" \
		    | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
		ratio=$(awk -v a="$r_rps" -v b="$f_rps" \
		    'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
		printf '%5s %9s %6s %9s %9s %9s %7s %5s%%  %s\n' "$c" \
		    "$r_rps" "$ratio" "$r_p50" "$r_p99" "$r_p999" "$r_err" \
		    "$r_cpu" "$r_acts" >>"$tmp/table2"
	done
	hwm2=$(status_kb "$opid" VmHWM)
	anon2=$(status_kb "$opid" RssAnon)
	stop_server "$opid"
fi
stop_server "$fpid"

echo
echo "outpost-policyd against the floor (dunno_server); latency in us;" \
    "cpu = the server's CPU use"
printf '%5s %9s %9s %6s  %-24s %-24s %5s %5s %6s\n' conns floor_rps \
    outpost_rps ratio "floor p50/p99/p99.9" "outpost p50/p99/p99.9" \
    f_cpu o_cpu errors
while read -r _ c frps orps ratio fp50 fp99 fp999 op50 op99 op999 fcpu \
    ocpu oerr; do
	printf '%5s %9s %9s %6s  %-24s %-24s %4s%% %4s%% %6s\n' "$c" \
	    "$frps" "$orps" "$ratio" "$fp50/$fp99/$fp999" \
	    "$op50/$op99/$op999" "$fcpu" "$ocpu" "$oerr"
done <"$tmp/table"
echo
echo "outpost-policyd answers:"
sed 's/^/  conns=/' "$tmp/actions"
echo
echo "blocklist import of $entries entries: ${import_s} s"
echo "outpost-policyd after its runs: VmHWM $hwm kB, VmRSS $rss kB" \
    "(RssAnon $anon kB, RssFile $file kB: the LMDB map)"
echo "state after the import: $import_size"
echo "state after the runs:   $run_size"
echo "outpost-policyd log: $(wc -l <"$tmp/outpost.log") lines"
echo "load average at the end: $load_end"
if [ -n "$tight" ]; then
	echo
	echo "outpost-policyd with rate_limit_default = $tight" \
	    "(ratio: to the floor above)"
	printf '%5s %9s %6s %9s %9s %9s %7s %6s  %s\n' conns rps ratio \
	    p50_us p99_us p999_us errors cpu actions
	cat "$tmp/table2"
	echo "VmHWM $hwm2 kB, RssAnon $anon2 kB after these runs"
fi
if [ "$rounds" -gt 1 ]; then
	echo
	echo "medians over $rounds rounds (ratio, p99_ratio: of each round's own)"
	# median(LIST): the middle value (the lower of the two middle ones)
	awk '
	function median(s,   v, n, i, j, t) {
		n = split(s, v, " ")
		for (i = 2; i <= n; i++) {
			t = v[i] + 0
			for (j = i - 1; j >= 1 && v[j] + 0 > t; j--)
				v[j + 1] = v[j]
			v[j + 1] = t
		}
		return v[int((n + 1) / 2)]
	}
	$1 == "row" {
		c = $2
		if (!(c in fr)) order[++nc] = c
		fr[c] = fr[c] " " $3; or[c] = or[c] " " $4
		ra[c] = ra[c] " " $5; fp[c] = fp[c] " " $7
		op[c] = op[c] " " $10
		pr[c] = pr[c] " " ($7 > 0 ? sprintf("%.2f", $10 / $7) : 0)
	}
	END {
		printf "%5s %9s %9s %6s %9s %9s %9s\n", "conns", "floor_rps",
		    "outp_rps", "ratio", "floor_p99", "outp_p99", "p99_ratio"
		for (i = 1; i <= nc; i++) {
			c = order[i]
			printf "%5s %9s %9s %6s %9s %9s %9s\n", c, median(fr[c]),
			    median(or[c]), median(ra[c]), median(fp[c]),
			    median(op[c]), median(pr[c])
			m[i] = sprintf("median %s %s %s %s %s %s %s", c,
			    median(fr[c]), median(or[c]), median(ra[c]),
			    median(fp[c]), median(op[c]), median(pr[c]))
		}
		for (i = 1; i <= nc; i++) print m[i] > "/dev/stderr"
	}' "$tmp/table" 2>"$tmp/medians"
fi
echo
cat "$tmp/table"
[ "$rounds" -gt 1 ] && cat "$tmp/medians"
exit 0
