package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/require"
)

// buildTool compiles the command once per test binary.
var buildTool = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "dkim-tool-*")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "dkim")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", &buildError{string(out)}
	}
	return bin, nil
})

type buildError struct{ out string }

func (e *buildError) Error() string { return "go build: " + e.out }

func tool(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	bin, err := buildTool()
	require.NoError(t, err)
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	}
	require.NoError(t, err)
	return o.String(), e.String(), 0
}

// dnsServer serves TXT records on a loopback UDP port with miekg/dns: one
// record per name, given as its character-strings.
func dnsServer(t *testing.T, txt map[string][]string) (string, func(name string, parts []string)) {
	t.Helper()
	var mu sync.Mutex
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	mux := dns.NewServeMux()
	mux.HandleFunc(".", func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		q := r.Question[0]
		mu.Lock()
		recs, ok := txt[strings.ToLower(strings.TrimSuffix(q.Name, "."))]
		mu.Unlock()
		if !ok {
			m.Rcode = dns.RcodeNameError
		} else if q.Qtype == dns.TypeTXT {
			m.Answer = append(m.Answer, &dns.TXT{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60},
				Txt: recs,
			})
		}
		w.WriteMsg(m)
	})
	srv := &dns.Server{PacketConn: pc, Handler: mux}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	set := func(name string, parts []string) {
		mu.Lock()
		defer mu.Unlock()
		txt[name] = parts
	}
	return pc.LocalAddr().String(), set
}

var zoneRE = regexp.MustCompile(`^(\S+)\. IN TXT ((?:"[^"]*" ?)+)\n$`)

// parseZoneLine turns keygen's output into a name and its strings.
func parseZoneLine(t *testing.T, line string) (string, []string) {
	t.Helper()
	m := zoneRE.FindStringSubmatch(line)
	require.NotNil(t, m, "keygen output %q", line)
	var parts []string
	for _, p := range regexp.MustCompile(`"([^"]*)"`).FindAllStringSubmatch(m[2], -1) {
		require.LessOrEqual(t, len(p[1]), 255)
		parts = append(parts, p[1])
	}
	return m[1], parts
}

const msg = "From: Joe <joe@example.com>\r\nTo: ann@example.net\r\nSubject: tool test\r\n" +
	"Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nHello,\r\nthis is the body.\r\n"

func TestKeygenSignVerify(t *testing.T) {
	dir := t.TempDir()
	txt := map[string][]string{}
	addr, set := dnsServer(t, txt)
	for _, algo := range []string{"rsa", "ed25519"} {
		t.Run(algo, func(t *testing.T) {
			key := filepath.Join(dir, algo+".pem")
			out, stderr, code := tool(t, "", "keygen", "-algo", algo, "-domain", "example.com", "-selector", algo, "-out", key)
			require.Equal(t, 0, code, stderr)
			name, parts := parseZoneLine(t, out)
			require.Equal(t, algo+"._domainkey.example.com", name)
			set(name, parts)

			for _, c := range []string{"relaxed/relaxed", "simple/simple", "simple/relaxed", "relaxed/simple"} {
				signed, stderr, code := tool(t, msg, "sign", "-domain", "example.com", "-selector", algo, "-key", key, "-c", c)
				require.Equal(t, 0, code, stderr)
				require.True(t, strings.HasPrefix(signed, "DKIM-Signature: "))
				require.True(t, strings.HasSuffix(signed, msg))

				out, stderr, code = tool(t, signed, "verify", "-dns", addr)
				require.Equal(t, 0, code, stderr)
				require.Equal(t, "pass d=example.com s="+algo+"\n", out)

				out, _, code = tool(t, strings.Replace(signed, "the body", "a body", 1), "verify", "-dns", addr)
				require.Equal(t, 0, code)
				require.Equal(t, "fail d=example.com s="+algo+" body hash did not verify\n", out)
			}
		})
	}
}

func TestSignKeepsUnixLineEndings(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "k.pem")
	out, _, code := tool(t, "", "keygen", "-algo", "ed25519", "-domain", "example.com", "-selector", "s", "-out", key)
	require.Equal(t, 0, code)
	name, parts := parseZoneLine(t, out)
	addr, _ := dnsServer(t, map[string][]string{name: parts})
	lf := strings.ReplaceAll(msg, "\r\n", "\n")
	signed, _, code := tool(t, lf, "sign", "-domain", "example.com", "-selector", "s", "-key", key, "-headers", "from,to,subject")
	require.Equal(t, 0, code)
	require.NotContains(t, signed, "\r")
	require.Contains(t, signed, "h=from:to:subject;")
	out, _, _ = tool(t, signed, "verify", "-dns", addr)
	require.Equal(t, "pass d=example.com s=s\n", out)
}

func TestVerifyNoneAndErrors(t *testing.T) {
	addr, _ := dnsServer(t, map[string][]string{})
	out, _, code := tool(t, msg, "verify", "-dns", addr)
	require.Equal(t, 0, code)
	require.Equal(t, "none\n", out)

	// No key published: permerror.
	signed := "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=gone; h=from; bh=AAAA; b=AAAA\r\n" + msg
	out, _, code = tool(t, signed, "verify", "-dns", addr)
	require.Equal(t, 0, code)
	require.Equal(t, "permerror d=example.com s=gone no key record at gone._domainkey.example.com\n", out)

	// rsa-sha1 is refused by default.
	signed = "DKIM-Signature: v=1; a=rsa-sha1; d=example.com; s=old; h=from; bh=AAAA; b=AAAA\r\n" + msg
	out, _, _ = tool(t, signed, "verify", "-dns", addr)
	require.Equal(t, "policy d=example.com s=old rsa-sha1 not accepted (RFC 8301)\n", out)
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"sign", "-h"}, {"verify", "-h"}, {"keygen", "-h"}} {
		_, _, code := tool(t, "", args...)
		require.Equal(t, 0, code, args)
	}
	for _, args := range [][]string{
		{}, {"bogus"}, {"sign"}, {"keygen", "-algo", "dsa", "-domain", "d", "-selector", "s", "-out", "x"},
		{"verify", "-nosuchflag"}, {"keygen", "-algo", "rsa", "-bits", "512", "-domain", "d", "-selector", "s", "-out", "x"},
	} {
		_, _, code := tool(t, "", args...)
		require.Equal(t, 2, code, args)
	}
	_, _, code := tool(t, msg, "sign", "-domain", "example.com", "-selector", "s", "-key", "/nonexistent.pem")
	require.Equal(t, 1, code)
}
