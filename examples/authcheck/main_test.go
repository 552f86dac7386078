package main

import (
	"bytes"
	"crypto/ed25519"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/dkim"
)

var buildTool = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "authcheck-*")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "authcheck")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", &exec.Error{Name: "go build", Err: &buildErr{string(out)}}
	}
	return bin, nil
})

type buildErr struct{ s string }

func (e *buildErr) Error() string { return e.s }

func tool(t *testing.T, stdin string, args ...string) (string, int) {
	t.Helper()
	bin, err := buildTool()
	require.NoError(t, err)
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String() + e.String(), ee.ExitCode()
	}
	require.NoError(t, err)
	return o.String(), 0
}

// dnsServer answers TXT queries from txt (one full record per entry, split
// into 255-byte strings) on loopback UDP, NXDOMAIN for unknown names.
func dnsServer(t *testing.T, txt map[string][]string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		q := r.Question[0]
		recs, ok := txt[strings.ToLower(strings.TrimSuffix(q.Name, "."))]
		if !ok {
			m.Rcode = dns.RcodeNameError
		} else if q.Qtype == dns.TypeTXT {
			for _, rec := range recs {
				m.Answer = append(m.Answer, &dns.TXT{
					Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60},
					Txt: dkim.SplitTXT(rec),
				})
			}
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

const body = "To: ann@example.net\r\nSubject: lunch\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n" +
	"Message-ID: <1@example.com>\r\n\r\nNoon?\r\n"

func TestAuthcheck(t *testing.T) {
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32))
	rec, err := dkim.FormatKeyRecord(key.Public())
	require.NoError(t, err)
	addr := dnsServer(t, map[string][]string{
		"example.com":                 {"v=spf1 ip4:192.0.2.1 -all"},
		"sel._domainkey.example.com":  {rec},
		"_dmarc.example.com":          {"v=DMARC1; p=reject; rua=mailto:dmarc@example.com"},
		"nodmarc.example":             {"v=spf1 ip4:192.0.2.1 -all"},
		"_dmarc.two.example":          {"v=DMARC1; p=reject", "v=DMARC1; p=none"},
		"two.example":                 {"v=spf1 ip4:192.0.2.1 -all"},
		"_dmarc.quarantine.example":   {"v=DMARC1; p=quarantine"},
		"quarantine.example":          {"v=spf1 -all"},
		"mail.example.com":            {"v=spf1 ip4:192.0.2.1 -all"},
		"_dmarc.mail.example.com.bad": {"x"},
	})
	sign := func(msg string) string {
		f, err := dkim.Sign(strings.NewReader(msg), &dkim.SignOptions{Domain: "example.com", Selector: "sel", Key: key})
		require.NoError(t, err)
		return f + msg
	}
	args := func(ip, sender string) []string {
		return []string{"-ip", ip, "-helo", "mail.example.com", "-sender", sender, "-dns", addr, "-authserv-id", "mx.test"}
	}
	tests := []struct {
		name, msg, ip, sender string
		want                  string
	}{
		{"all pass", sign("From: joe@example.com\r\n" + body), "192.0.2.1", "joe@example.com",
			"Authentication-Results: mx.test; spf=pass smtp.mailfrom=joe@example.com; dkim=pass header.d=example.com header.s=sel header.a=ed25519-sha256 header.b=%s; " +
				"dmarc=pass (p=REJECT dis=NONE) header.from=example.com\ndmarc-policy: reject\ndmarc-disposition: none\n"},
		{"spf only, relaxed", "From: joe@example.com\r\n" + body, "192.0.2.1", "bounce@mail.example.com",
			"Authentication-Results: mx.test; spf=pass smtp.mailfrom=bounce@mail.example.com; dkim=none; " +
				"dmarc=pass (p=REJECT dis=NONE) header.from=example.com\ndmarc-policy: reject\ndmarc-disposition: none\n"},
		{"spoofed", "From: joe@example.com\r\n" + body, "198.51.100.9", "joe@example.com",
			"Authentication-Results: mx.test; spf=fail smtp.mailfrom=joe@example.com; dkim=none; " +
				`dmarc=fail (p=REJECT dis=REJECT) reason="neither SPF nor DKIM is aligned and passing" header.from=example.com` +
				"\ndmarc-policy: reject\ndmarc-disposition: reject\n"},
		{"tampered", strings.Replace(sign("From: joe@example.com\r\n"+body), "Noon", "Never", 1), "198.51.100.9", "",
			"Authentication-Results: mx.test; spf=fail smtp.helo=mail.example.com; " +
				`dkim=fail reason="body hash did not verify" header.d=example.com header.s=sel header.a=ed25519-sha256 header.b=%s; ` +
				`dmarc=fail (p=REJECT dis=REJECT) reason="neither SPF nor DKIM is aligned and passing" header.from=example.com` +
				"\ndmarc-policy: reject\ndmarc-disposition: reject\n"},
		{"no dmarc record", "From: a@nodmarc.example\r\n" + body, "192.0.2.1", "a@nodmarc.example",
			"Authentication-Results: mx.test; spf=pass smtp.mailfrom=a@nodmarc.example; dkim=none; " +
				`dmarc=none reason="no policy published" header.from=nodmarc.example` + "\ndmarc-policy: none\ndmarc-disposition: none\n"},
		{"two dmarc records", "From: a@two.example\r\n" + body, "192.0.2.1", "a@two.example",
			"Authentication-Results: mx.test; spf=pass smtp.mailfrom=a@two.example; dkim=none; " +
				`dmarc=none reason="no usable policy: more than one record at _dmarc.two.example" header.from=two.example` + "\ndmarc-policy: none\ndmarc-disposition: none\n"},
		{"two From fields", strings.Replace(sign("From: joe@example.com\r\n"+body), "From: joe@example.com\r\n", "From: joe@example.com\r\nFrom: eve@evil.example\r\n", 1), "192.0.2.1", "joe@example.com",
			"Authentication-Results: mx.test; spf=pass smtp.mailfrom=joe@example.com; " +
				`dkim=permerror reason="message has more than one From field" header.d=example.com header.s=sel header.a=ed25519-sha256 header.b=%s; ` +
				`dmarc=fail reason="From does not name exactly one author" header.from=example.com` + "\ndmarc-policy: reject\ndmarc-disposition: reject\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, code := tool(t, tt.msg, args(tt.ip, tt.sender)...)
			require.Equal(t, 0, code, out)
			want := tt.want
			if strings.Contains(want, "%s") {
				i := strings.Index(tt.msg, " b=")
				want = strings.Replace(want, "%s", strings.ReplaceAll(tt.msg[i+3:i+11], "\r\n", ""), 1)
			}
			require.Equal(t, want, out)
		})
	}
}

func TestUsage(t *testing.T) {
	_, code := tool(t, "", "-h")
	require.Equal(t, 0, code)
	for _, a := range [][]string{
		{}, {"-ip", "nope", "-helo", "x"}, {"-ip", "192.0.2.1"}, {"-ip", "192.0.2.1", "-helo", "x", "extra"},
		{"-ip", "192.0.2.1", "-helo", "x", "-discovery", "dns"}, {"-bogus"},
	} {
		_, code := tool(t, "", a...)
		require.Equal(t, 2, code, a)
	}
}
