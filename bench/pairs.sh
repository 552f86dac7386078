#!/usr/bin/env bash
# Measures one case as floor÷Yubin (or peer÷Yubin) in interleaved pairs:
# each pair runs the two implementations one after the other for one
# -benchtime, swapping which goes first from pair to pair, so that a
# machine that drifts (other load, clock changes) weighs on both alike.
# Prints each pair's ratio, then their median and quartiles.
# Usage: bench/pairs.sh DIR CASE [PAIRS] [OTHER]
#   bench/pairs.sh dkim DKIMVerify/4KB-rsa2048 60          # floor÷yubin
#   bench/pairs.sh dkim DKIMVerify/4KB-rsa2048 20 gomsgauth
set -euo pipefail
cd "$(dirname "$0")"
dir=$1 name=$2 pairs=${3:-30} other=${4:-floor}
bin=$(mktemp) out=$(mktemp)
trap 'rm -f "$bin" "$out"' EXIT
go test -c -o "$bin" "./$dir"
run() { # impl -> ns/op
	(cd "$dir" && "$bin" -test.run '^$' -test.bench "^Benchmark${name%%/*}\$/^${name#*/}\$/^$1\$" \
		-test.benchtime "${BENCHTIME:-1s}") | awk '/^Benchmark/ { print $3 }'
}
for i in $(seq "$pairs"); do
	if ((i % 2)); then y=$(run yubin); o=$(run "$other"); else o=$(run "$other"); y=$(run yubin); fi
	if [[ -z $y || -z $o ]]; then
		echo "pairs.sh: no result for $dir $name (yubin or $other)" >&2
		exit 1
	fi
	echo "$i yubin $y $other $o $(awk -v o="$o" -v y="$y" 'BEGIN { printf "%.4f", o / y }')"
done | tee "$out"
awk '{ print $6 }' "$out" | sort -n | awk -v other="$other" '
	function at(q) { # the q-quantile, interpolated
		x = 1 + q * (NR - 1); i = int(x)
		return i < NR ? r[i] + (x - i) * (r[i + 1] - r[i]) : r[NR]
	}
	{ r[NR] = $1 }
	END { printf "%d pairs, %s÷yubin: median %.4f, quartiles %.4f and %.4f\n", NR, other, at(0.5), at(0.25), at(0.75) }'
