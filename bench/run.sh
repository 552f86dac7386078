#!/usr/bin/env bash
# Runs every comparison benchmark and prints the ratio table.
# Usage: bench/run.sh [go test -bench regexp] (default: all)
set -euo pipefail
cd "$(dirname "$0")"
pattern=${1:-.}
out=$(mktemp)
go test -run '^$' -bench "$pattern" -benchmem -count "${COUNT:-3}" ./... | tee "$out" >&2
go run ./cmd/ratio < "$out"
rm -f "$out"
