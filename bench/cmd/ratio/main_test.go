package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseAndWrite(t *testing.T) {
	in := `goos: linux
BenchmarkDecode/short/yubin-2     1000   100 ns/op   10.00 MB/s   16 B/op   1 allocs/op
BenchmarkDecode/short/stdlib-2    1000   250 ns/op    4.00 MB/s   64 B/op   3 allocs/op
BenchmarkDecode/short/yubin-2     1000   120 ns/op   10.00 MB/s   16 B/op   1 allocs/op
BenchmarkDecode/short/yubin-2     1000   110 ns/op   10.00 MB/s   16 B/op   1 allocs/op
PASS
`
	res, err := parse(strings.NewReader(in))
	require.NoError(t, err)
	require.Len(t, res, 2)
	require.Equal(t, "Decode/short", res[0].group)
	require.Equal(t, "yubin", res[0].impl)
	require.InDelta(t, 110, res[0].metrics["ns/op"], 1e-9)

	var b strings.Builder
	write(&b, res)
	require.Contains(t, b.String(), "| Decode/short | stdlib | 250 | 4.00 | 64 | 3 | 2.27× |")
	require.Contains(t, b.String(), "| Decode/short | yubin | 110 |")
}

func TestStripProcs(t *testing.T) {
	require.Equal(t, "A/b", stripProcs("A/b-8"))
	require.Equal(t, "A/b-x", stripProcs("A/b-x"))
	require.Equal(t, "A", stripProcs("A"))
}
