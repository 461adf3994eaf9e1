#!/bin/sh
#
# ingest_bench.sh - bounce ingestion: log lines/s and bounce messages/s
# SYNOPSIS	tests/bench/ingest_bench.sh [-n lines] [-m messages]
# DESCRIPTION	Builds outpostctl, then in a temporary directory:
#		- repeats the log corpus (tests/data/bounces/maillog) up to
#		  at least -n lines (default 1000000) and times one
#		  "outpostctl ingest log" of the whole file into a fresh
#		  state (every bounced line is classified; the hard ones
#		  go to the blocklist, the others to the counters);
#		- names the message corpus (tests/data/bounces/*.eml) over
#		  and over, -m file arguments in all (default 20000), and
#		  times one "outpostctl bounce classify --json" of them
#		  (read, MIME walk, DSN/ARF/text parsing, classification,
#		  JSON out).
#		Prints lines/s and messages/s, best of three runs each.
# EXIT STATUS	0, unless the build or a run fails. Figures never decide
#		pass or fail.
# BUGS		Wall-clock time on a shared machine: other work on it
#		lowers the figures.

set -eu
cd "$(dirname "$0")/../.."

lines=1000000
msgs=20000
while getopts n:m: opt; do
	case $opt in
	n)	lines=$OPTARG ;;
	m)	msgs=$OPTARG ;;
	*)	echo "usage: $0 [-n lines] [-m messages]" >&2; exit 64 ;;
	esac
done

make -s policyd/outpostctl
ctl=$(pwd)/policyd/outpostctl
corpus=$(pwd)/tests/data/bounces
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# now - seconds since the epoch, with nanoseconds
now() { date +%s.%N; }

# The log: the corpus repeated to at least $lines lines.
per=$(wc -l <"$corpus/maillog")
reps=$(( (lines + per - 1) / per ))
awk -v n="$reps" '{ a[NR] = $0 } END { for (i = 0; i < n; i++)
	for (j = 1; j <= NR; j++) print a[j] }' "$corpus/maillog" >"$tmp/maillog"
total=$(wc -l <"$tmp/maillog")

best_lps=0
for run in 1 2 3; do
	rm -rf "$tmp/state"
	printf 'state_directory = %s\noutpost_user =\n' "$tmp/state" \
	    >"$tmp/outpost.conf"
	t0=$(now)
	"$ctl" -c "$tmp/outpost.conf" ingest log "$tmp/maillog" \
	    >"$tmp/ingest.out" 2>"$tmp/ingest.err"
	t1=$(now)
	lps=$(echo "$total $t0 $t1" | awk '{ printf "%d", $1 / ($3 - $2) }')
	echo "ingest log, run $run: $total lines in" \
	    "$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }') s:" \
	    "$lps lines/s ($(cat "$tmp/ingest.out"))"
	[ "$lps" -gt "$best_lps" ] && best_lps=$lps
done

# The messages: the corpus named over and over.
ls "$corpus"/*.eml >"$tmp/one"
per=$(wc -l <"$tmp/one")
: >"$tmp/files"
n=0
while [ $n -lt "$msgs" ]; do
	cat "$tmp/one" >>"$tmp/files"
	n=$((n + per))
done
best_mps=0
for run in 1 2 3; do
	t0=$(now)
	xargs "$ctl" -c "$tmp/outpost.conf" bounce classify --json \
	    <"$tmp/files" >"$tmp/classify.out" 2>/dev/null
	t1=$(now)
	got=$(wc -l <"$tmp/classify.out")
	mps=$(echo "$got $t0 $t1" | awk '{ printf "%d", $1 / ($3 - $2) }')
	echo "bounce classify, run $run: $got messages in" \
	    "$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }') s: $mps msg/s"
	[ "$mps" -gt "$best_mps" ] && best_mps=$mps
done

echo
echo "| what | input | best of 3 |"
echo "|---|---|---|"
echo "| ingest log | $total lines | $best_lps lines/s |"
echo "| bounce classify | $got messages | $best_mps msg/s |"
