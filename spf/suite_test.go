package spf

import (
	"context"
	"net"
	"net/netip"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/dnsmock"
)

// The openspf RFC 7208 test suite (pyspf test/rfc7208-tests.yml, BSD-style
// licence), read from the shared corpora. The YAML is parsed by the small
// reader below, which knows just the subset the suite uses.

const suitePath = "../../shared/corpora/spf/rfc7208-tests.yml"

type suiteTest struct {
	name, helo, host, mailfrom, explanation string
	results                                 []string
}

type suiteRecord struct {
	typ    string   // SPF, TXT, A, AAAA, MX, PTR, CNAME, TIMEOUT
	values []string // scalar or flow sequence items
}

type suiteDoc struct {
	description string
	tests       []suiteTest
	zone        map[string][]suiteRecord
	zoneOrder   []string
}

func loadSuite(t *testing.T) []suiteDoc {
	t.Helper()
	data, err := os.ReadFile(suitePath)
	if os.IsNotExist(err) {
		t.Skip("openspf suite not present at " + suitePath)
	}
	require.NoError(t, err)
	var docs []suiteDoc
	for _, part := range strings.Split(string(data), "\n---\n") {
		d := parseSuiteDoc(t, part)
		if len(d.tests) > 0 {
			docs = append(docs, d)
		}
	}
	return docs
}

func indentOf(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }

func parseSuiteDoc(t *testing.T, text string) suiteDoc {
	d := suiteDoc{zone: map[string][]suiteRecord{}}
	lines := strings.Split(text, "\n")
	section := ""
	var cur *suiteTest
	domain := ""
	for i := 0; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], " \r")
		trimmed := strings.TrimSpace(l)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		ind := indentOf(l)
		key, val, _ := strings.Cut(trimmed, ":")
		if strings.HasPrefix(trimmed, "- ") {
			key = ""
		}
		switch {
		case ind == 0:
			section = key
			if key == "description" {
				d.description = strings.TrimSpace(val)
			}
			if key != "tests" && key != "zonedata" {
				i = skipBlock(lines, i, 0)
			}
		case section == "tests" && ind == 2:
			d.tests = append(d.tests, suiteTest{name: key})
			cur = &d.tests[len(d.tests)-1]
		case section == "tests" && ind == 4:
			val = strings.TrimSpace(val)
			if val == ">-" || val == "|" || val == "|-" || val == ">" {
				i = skipBlock(lines, i, 4)
				continue
			}
			switch key {
			case "helo":
				cur.helo = scalar(t, val)
			case "host":
				cur.host = scalar(t, val)
			case "mailfrom":
				cur.mailfrom = scalar(t, val)
			case "explanation":
				cur.explanation = scalar(t, val)
			case "result":
				cur.results = items(t, val)
			}
			i = skipBlock(lines, i, 4)
		case section == "zonedata" && ind == 2:
			domain = strings.ToLower(scalar(t, strings.TrimSuffix(trimmed, ":")))
			d.zoneOrder = append(d.zoneOrder, domain)
		case section == "zonedata" && ind == 4 && strings.HasPrefix(trimmed, "- "):
			item := strings.TrimPrefix(trimmed, "- ")
			typ, v, ok := strings.Cut(item, ":")
			r := suiteRecord{typ: typ}
			if ok {
				r.values = items(t, strings.TrimSpace(v))
			}
			d.zone[domain] = append(d.zone[domain], r)
		}
	}
	return d
}

// skipBlock skips continuation lines indented more than ind.
func skipBlock(lines []string, i, ind int) int {
	for i+1 < len(lines) {
		n := strings.TrimRight(lines[i+1], " \r")
		if strings.TrimSpace(n) != "" && indentOf(n) <= ind {
			break
		}
		i++
	}
	return i
}

// items parses a flow sequence "[a, 'b', "c"]" or a single scalar.
func items(t *testing.T, v string) []string {
	if !strings.HasPrefix(v, "[") {
		return []string{scalar(t, v)}
	}
	v = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(v, "["), "]"))
	var out []string
	for v != "" {
		var item string
		switch v[0] {
		case '"', '\'':
			end := closingQuote(v)
			item, v = v[:end+1], v[end+1:]
		default:
			j := strings.IndexByte(v, ',')
			if j < 0 {
				j = len(v)
			}
			item, v = v[:j], v[j:]
		}
		out = append(out, scalar(t, strings.TrimSpace(item)))
		v = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ","))
	}
	return out
}

func closingQuote(v string) int {
	q := v[0]
	for i := 1; i < len(v); i++ {
		switch {
		case q == '"' && v[i] == '\\':
			i++
		case q == '\'' && v[i] == '\'' && i+1 < len(v) && v[i+1] == '\'':
			i++
		case v[i] == q:
			return i
		}
	}
	return len(v) - 1
}

// scalar decodes a plain, single-quoted or double-quoted YAML scalar.
func scalar(t *testing.T, v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	switch v[0] {
	case '\'':
		return strings.ReplaceAll(v[1:len(v)-1], "''", "'")
	case '"':
		var b strings.Builder
		s := v[1 : len(v)-1]
		for i := 0; i < len(s); i++ {
			if s[i] != '\\' {
				b.WriteByte(s[i])
				continue
			}
			i++
			switch s[i] {
			case 'x':
				n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
				require.NoError(t, err)
				b.WriteByte(byte(n))
				i += 2
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case '0':
				b.WriteByte(0)
			default:
				b.WriteByte(s[i])
			}
		}
		return b.String()
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	return v
}

// mockFromZone builds the resolver: SPF-type data is served as TXT when a
// name has no TXT of its own (RFC 7208 dropped type SPF); TIMEOUT makes
// every type without data at that name time out; "TXT: NONE" means no TXT.
func mockFromZone(t *testing.T, d suiteDoc) *dnsmock.Resolver {
	r := &dnsmock.Resolver{
		TXT: map[string][]string{}, MX: map[string][]*net.MX{}, A: map[string][]string{},
		AAAA: map[string][]string{}, PTR: map[string][]string{}, CNAME: map[string]string{},
	}
	for _, name := range d.zoneOrder {
		recs := d.zone[name]
		has := map[string]bool{}
		var spf []string
		timeout, hasTXT := false, false
		for _, rec := range recs {
			switch rec.typ {
			case "TIMEOUT":
				timeout = true
			case "SPF":
				spf = append(spf, strings.Join(rec.values, ""))
			case "TXT":
				hasTXT = true
				if len(rec.values) == 1 && rec.values[0] == "NONE" {
					continue
				}
				r.TXT[name] = append(r.TXT[name], strings.Join(rec.values, ""))
				has["TXT"] = true
			case "A", "AAAA", "PTR":
				m := map[string]map[string][]string{"A": r.A, "AAAA": r.AAAA, "PTR": r.PTR}[rec.typ]
				m[name] = append(m[name], rec.values...)
				has[rec.typ] = true
			case "MX":
				require.Len(t, rec.values, 2)
				pref, err := strconv.Atoi(rec.values[0])
				require.NoError(t, err)
				r.MX[name] = append(r.MX[name], &net.MX{Host: rec.values[1], Pref: uint16(pref)})
				has["MX"] = true
			case "CNAME":
				r.CNAME[name] = rec.values[0]
			default:
				t.Fatalf("unknown record type %q at %s", rec.typ, name)
			}
		}
		if !hasTXT && len(spf) > 0 {
			r.TXT[name] = spf
			has["TXT"] = true
		}
		if _, ok := r.TXT[name]; !ok && !timeout {
			r.TXT[name] = nil // the name exists
		}
		if timeout {
			for _, typ := range []string{"TXT", "A", "AAAA", "MX", "PTR"} {
				if !has[typ] {
					r.Timeout = append(r.Timeout, typ+" "+name)
				}
			}
		}
	}
	return r
}

func TestOpenSPFSuite(t *testing.T) {
	docs := loadSuite(t)
	total := 0
	for _, d := range docs {
		r := mockFromZone(t, d)
		sort.Slice(d.tests, func(i, j int) bool { return d.tests[i].name < d.tests[j].name })
		for _, tc := range d.tests {
			total++
			t.Run(d.description+"/"+tc.name, func(t *testing.T) {
				host := tc.host
				if host == "" {
					host = "1.2.3.4" // one test omits host; its record ends in -all
				}
				ip, err := netip.ParseAddr(host)
				require.NoError(t, err)
				c := NewChecker(&Options{Resolver: r, Receiver: "receiver.example"})
				o := c.CheckMailFrom(context.Background(), ip, tc.helo, tc.mailfrom)
				require.True(t, slices.Contains(tc.results, string(o.Result)),
					"want %v, got %s (mech %q, err %v)", tc.results, o.Result, o.Mechanism, o.Err)
				switch tc.explanation {
				case "":
				case "DEFAULT":
					require.Empty(t, o.Explanation)
				case "cafe:babe::1 is queried as 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.E.B.A.B.E.F.A.C.ip6.arpa":
					// The suite (pyspf) writes the nibbles in upper
					// case; the example of RFC 7208 section 7.4 has
					// them in lower case, as we do. DNS compares
					// names case-insensitively.
					require.True(t, strings.EqualFold(tc.explanation, o.Explanation), o.Explanation)
				default:
					require.Equal(t, tc.explanation, o.Explanation)
				}
			})
		}
	}
	require.Equal(t, 203, total, "every test of the suite ran")
}
