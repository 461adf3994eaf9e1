#!/bin/sh
# run.sh - table lookups: Outpost's answers against .ref files, and
#	   against Postfix's own "postmap -q"
#
# usage: tests/table/run.sh path/to/table_query
#
# It builds nothing. Build the driver with "make tests/table/table_query",
# or without make, from the top directory:
#	cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Icommon \
#	    -o tests/table/table_query tests/table/table_query.c common/*.c \
#	    -llmdb -lpthread
#
# A case is NAME.map (a table source) and NAME.in (keys, one per line).
# The table type is NAME up to the first "_": texthash, cidr, regexp or
# lmdb; for lmdb, "postmap lmdb:NAME.map" builds NAME.map.lmdb first. Per
# case:
#   - when NAME.ref exists, table_query's output for the keys, warnings
#     included, must equal it (a NAME with "_strict" in it is opened
#     with -s, TABLE_STRICT);
#   - each key's answer must equal Postfix's, "postmap -q KEY TYPE:NAME.map"
#     (exit 0: FOUND value; 1: NOTFOUND; a fatal error: ERROR), unless
#     NAME.nopostmap exists: it says why the answers differ on purpose.
# Cases run in a scratch directory, files mode 0644, names relative, so
# the warnings in .ref files do not depend on where the tree is.
# The last line is "N passed, N failed"; the exit status is 1 on a failure.
set -u
umask 022
PATH=$PATH:/usr/sbin:/usr/local/sbin	# postmap(1)

if [ $# != 1 ]; then
	echo "usage: $0 path/to/table_query" >&2
	exit 2
fi
case $1 in
/*)	driver=$1 ;;
*)	driver=$(pwd)/$1 ;;
esac
src=$(cd "$(dirname "$0")" && pwd)
passed=0
failed=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

if [ ! -x "$driver" ]; then
	fail "table_query: $driver is not an executable (build it first)"
	echo "$passed passed, $failed failed"
	exit 1
fi
have_postmap=yes
command -v postmap >/dev/null 2>&1 || have_postmap=

# postfix_answer KEY SPEC - Postfix's answer, in table_query's shape
postfix_answer() {
	value=$(postmap -q "$1" "$2" 2>"$tmp/postmap.err")
	case $? in
	0)	printf '%s: FOUND %s\n' "$1" "$value" ;;
	1)	if grep -a -q 'fatal:' "$tmp/postmap.err"; then
			printf '%s: ERROR\n' "$1"
		else
			printf '%s: NOTFOUND\n' "$1"
		fi ;;
	*)	printf '%s: ERROR\n' "$1" ;;
	esac
}

for map in "$src"/*.map; do
	name=$(basename "$map" .map)
	type=${name%%_*}
	spec=$type:$name.map
	if [ ! -f "$src/$name.in" ]; then
		fail "$name: no $name.in"
		continue
	fi
	if ! cp "$map" "$tmp/$name.map" || ! chmod 0644 "$tmp/$name.map"; then
		fail "$name: cannot copy $name.map"
		continue
	fi
	if [ "$type" = lmdb ]; then
		if [ -z "$have_postmap" ]; then
			fail "$name: postmap(1) not installed"
			continue
		fi
		if ! (cd "$tmp" && postmap "lmdb:$name.map") \
		    >"$tmp/build.err" 2>&1; then
			fail "$name: postmap lmdb:$name.map"
			sed 's/^/	/' "$tmp/build.err"
			continue
		fi
	fi

	# Outpost's answers and warnings against the .ref file.
	if [ -f "$src/$name.ref" ]; then
		case $name in
		*_strict*)	flags=-s ;;
		*)		flags= ;;
		esac
		(cd "$tmp" && "$driver" $flags "$spec") \
		    <"$src/$name.in" >"$tmp/$name.out" 2>&1
		if diff -u "$src/$name.ref" "$tmp/$name.out" >"$tmp/diff"; then
			pass "$name: $name.ref"
		else
			fail "$name: $name.ref"
			sed 's/^/	/' "$tmp/diff"
		fi
	fi

	# The same keys asked of Postfix.
	if [ -f "$src/$name.nopostmap" ]; then
		echo "SKIP $name: postmap -q: $(head -1 "$src/$name.nopostmap")"
		continue
	fi
	if [ -z "$have_postmap" ]; then
		fail "$name: postmap -q: postmap(1) not installed"
		continue
	fi
	(cd "$tmp" && "$driver" "$spec") <"$src/$name.in" 2>&1 |
	    grep -a -v '^table_query: ' >"$tmp/outpost"
	: >"$tmp/postfix"
	while IFS= read -r key || [ -n "$key" ]; do
		(cd "$tmp" && postfix_answer "$key" "$spec") >>"$tmp/postfix"
	done <"$src/$name.in"
	keys=$(wc -l <"$tmp/postfix")
	if diff -u "$tmp/postfix" "$tmp/outpost" >"$tmp/diff"; then
		pass "$name: postmap -q, $keys keys"
	else
		fail "$name: postmap -q: Outpost's answers differ (- Postfix," \
		    "+ Outpost)"
		sed -e '1,2d' -e 's/^/	/' "$tmp/diff"
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
