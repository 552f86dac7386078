// Command ratio reads `go test -bench` output on stdin and prints a Markdown
// table that compares Yubin with the peer libraries.
//
// Benchmarks are grouped by name: a benchmark named BenchmarkX/Case/impl puts
// implementation impl in group X/Case. Within each group the implementation
// named "yubin" is the baseline, and the ratio column is the peer's ns/op
// divided by Yubin's, so a ratio above 1 means Yubin is faster. When a
// benchmark ran several times (-count), the median ns/op is used.
//
// Usage:
//
//	go test -run '^$' -bench . -benchmem ./... | go run ./cmd/ratio
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

type sample struct {
	metrics map[string][]float64 // unit -> values, one per run
}

type result struct {
	group, impl string
	metrics     map[string]float64 // unit -> median
}

func main() {
	results, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ratio:", err)
		os.Exit(1)
	}
	write(os.Stdout, results)
}

// parse reads benchmark lines and returns one result per benchmark name, in
// the order in which they first appeared.
func parse(r io.Reader) ([]result, error) {
	samples := map[string]*sample{}
	var order []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := stripProcs(strings.TrimPrefix(f[0], "Benchmark"))
		s := samples[name]
		if s == nil {
			s = &sample{metrics: map[string][]float64{}}
			samples[name] = s
			order = append(order, name)
		}
		// f[1] is the iteration count; then value/unit pairs.
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			s.metrics[f[i+1]] = append(s.metrics[f[i+1]], v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	out := make([]result, 0, len(order))
	for _, name := range order {
		group, impl := name, ""
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			group, impl = name[:i], name[i+1:]
		}
		res := result{group: group, impl: impl, metrics: map[string]float64{}}
		for unit, vs := range samples[name].metrics {
			res.metrics[unit] = median(vs)
		}
		out = append(out, res)
	}
	return out, nil
}

// stripProcs removes the -N GOMAXPROCS suffix that go test appends.
func stripProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}

func median(vs []float64) float64 {
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// write prints the Markdown table.
func write(w io.Writer, results []result) {
	base := map[string]float64{}
	for _, r := range results {
		if r.impl == "yubin" {
			base[r.group] = r.metrics["ns/op"]
		}
	}
	fmt.Fprintln(w, "| benchmark | impl | ns/op | MB/s | B/op | allocs/op | vs yubin |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|")
	for _, r := range results {
		ratio := "—"
		if b, ok := base[r.group]; ok && b > 0 && r.impl != "yubin" {
			ratio = fmt.Sprintf("%.2f×", r.metrics["ns/op"]/b)
		} else if r.impl == "yubin" {
			ratio = "1.00×"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", r.group, r.impl,
			num(r.metrics, "ns/op"), num(r.metrics, "MB/s"), num(r.metrics, "B/op"),
			num(r.metrics, "allocs/op"), ratio)
	}
}

func num(m map[string]float64, unit string) string {
	v, ok := m[unit]
	if !ok {
		return ""
	}
	if v >= 100 || (unit != "MB/s" && v == float64(int64(v))) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
