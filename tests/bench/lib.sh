# lib.sh - process helpers the benchmark scripts share; sourced, not run.
#
# The caller sets $tmp (a directory for server logs) and $pids (the
# servers it started, for its EXIT trap), and $load (policy_load) for
# wait_ready.

# stop_server PID - SIGTERM, then SIGKILL after 5 s; only our own children
stop_server() {
	kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null || true; return 0; }
	kill -TERM "$1" 2>/dev/null || true
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	# Reaped: the number may go to another process; forget it.
	pids=$(for p in $pids; do [ "$p" = "$1" ] || echo "$p"; done)
}

# start_server NAME COMMAND... - start in the background; sets $server_pid
start_server() {
	name=$1
	shift
	"$@" >"$tmp/$name.log" 2>&1 &
	server_pid=$!
	pids="$pids $server_pid"
}

# wait_ready NAME SERVICE PID - until one policy request is answered, 10 s
wait_ready() {
	i=0
	while [ $i -lt 100 ]; do
		if ! kill -0 "$3" 2>/dev/null; then
			echo "$1: exited before it answered; its output:" >&2
			tail -20 "$tmp/$1.log" >&2
			return 1
		fi
		if "$load" -s "$2" -c 1 -n 1 >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "$1: no answer on $2 after 10 s; its output:" >&2
	tail -20 "$tmp/$1.log" >&2
	return 1
}

# cpu_ticks PID - user + system clock ticks used so far
cpu_ticks() {
	# Fields after the ")" that ends the command name: utime is 12th.
	{ sed 's/.*) //' "/proc/$1/stat" 2>/dev/null || echo; } |
	    awk '{ print $12 + $13 }'
}

# status_kb PID FIELD - a "FIELD: N kB" line of /proc/PID/status, or "?"
status_kb() {
	v=$(awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" \
	    2>/dev/null) || true
	echo "${v:-?}"
}
