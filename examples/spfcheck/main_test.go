package main

import (
	"bytes"
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/dnsmock"
)

func buildTool(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "spfcheck")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	return bin
}

func startDNS(t *testing.T) string {
	t.Helper()
	r := &dnsmock.Resolver{
		TXT: map[string][]string{
			"pass.example":     {"v=spf1 ip4:192.0.2.0/24 -all"},
			"fail.example":     {"v=spf1 -all exp=why.fail.example"},
			"why.fail.example": {"%{i} is not allowed to send for %{d}"},
			"bare.example":     {"v=spf1 -all"},
			"soft.example":     {"v=spf1 ~all"},
			"neutral.example":  {"v=spf1 ?all"},
			"broken.example":   {"v=spf1 bogus"},
			"v6.example":       {"v=spf1 ip6:2001:db8::/32 -all"},
			"helo.example":     {"v=spf1 a -all"},
			"inc.example":      {"v=spf1 include:slow.example -all"},
		},
		A:       map[string][]string{"helo.example": {"198.51.100.5"}},
		MX:      map[string][]*net.MX{"nospf.example": {{Host: "mx.nospf.example", Pref: 1}}},
		Timeout: []string{"slow.example"},
	}
	srv, err := dnsmock.NewServer(r, 0)
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	return srv.Addr
}

func TestSpfcheck(t *testing.T) {
	bin := buildTool(t)
	addr := startDNS(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"pass", []string{"-ip", "192.0.2.7", "-helo", "mail.pass.example", "-sender", "a@pass.example"}, "pass\n"},
		{"fail with explanation", []string{"-ip", "203.0.113.1", "-helo", "x.example", "-sender", "a@fail.example"}, "fail\nexplanation: 203.0.113.1 is not allowed to send for fail.example\n"},
		{"fail without explanation", []string{"-ip", "203.0.113.1", "-helo", "x.example", "-sender", "a@bare.example"}, "fail\n"},
		{"softfail", []string{"-ip", "203.0.113.1", "-helo", "x.example", "-sender", "<a@soft.example>"}, "softfail\n"},
		{"neutral", []string{"-ip", "203.0.113.1", "-helo", "x.example", "-sender", "a@neutral.example"}, "neutral\n"},
		{"none", []string{"-ip", "203.0.113.1", "-helo", "x.example", "-sender", "a@nospf.example"}, "none\n"},
		{"none nxdomain", []string{"-ip", "203.0.113.1", "-helo", "x.example", "-sender", "a@nosuch.example"}, "none\n"},
		{"permerror", []string{"-ip", "203.0.113.1", "-helo", "x.example", "-sender", "a@broken.example"}, "permerror\n"},
		{"ipv6", []string{"-ip", "2001:db8::25", "-helo", "x.example", "-sender", "a@v6.example"}, "pass\n"},
		{"null sender checks helo", []string{"-ip", "198.51.100.5", "-helo", "helo.example", "-sender", ""}, "pass\n"},
		{"null sender brackets", []string{"-ip", "198.51.100.6", "-helo", "helo.example", "-sender", "<>"}, "fail\n"},
		{"timeout", []string{"-ip", "203.0.113.1", "-helo", "x.example", "-sender", "a@slow.example", "-timeout", "300ms"}, "temperror\n"},
		{"timeout in include", []string{"-ip", "203.0.113.1", "-helo", "x.example", "-sender", "a@inc.example", "-timeout", "300ms"}, "temperror\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(bin, append(tc.args, "-dns", addr)...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			require.NoError(t, cmd.Run(), stderr.String())
			require.Equal(t, tc.want, stdout.String())
		})
	}
}

func TestSpfcheckUnreachableDNS(t *testing.T) {
	bin := buildTool(t)
	// A closed loopback UDP port: every query fails.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := pc.LocalAddr().String()
	pc.Close()
	start := time.Now()
	out, err := exec.Command(bin, "-ip", "192.0.2.1", "-helo", "h.example", "-sender", "a@b.example", "-dns", addr, "-timeout", "500ms").Output()
	require.NoError(t, err)
	require.Equal(t, "temperror\n", string(out))
	require.Less(t, time.Since(start), time.Minute) // bounded, not a timing assertion
}

func TestSpfcheckVerbose(t *testing.T) {
	var stdout, stderr bytes.Buffer
	addr := startDNS(t)
	code := run([]string{"-ip", "192.0.2.7", "-helo", "h.example", "-sender", "a@pass.example", "-dns", addr, "-v", "-receiver", "mx.example"}, &stdout, &stderr)
	require.Equal(t, 0, code)
	require.Equal(t, "pass\n", stdout.String())
	require.Contains(t, stderr.String(), "Received-SPF: pass (mx.example: domain of a@pass.example designates 192.0.2.7 as permitted sender)")
	require.Contains(t, stderr.String(), "dns-queries: 1")
}

func TestSpfcheckUsage(t *testing.T) {
	bin := buildTool(t)
	for _, args := range [][]string{
		{},
		{"-helo", "h.example", "-sender", "a@b.example"},
		{"-ip", "not-an-ip", "-helo", "h.example"},
		{"-ip", "192.0.2.1"},
		{"-ip", "192.0.2.1", "-helo", "h", "-timeout", "0s"},
		{"-ip", "192.0.2.1", "-helo", "h", "-dns", "bad host"},
		{"-ip", "192.0.2.1", "-helo", "h", "extra"},
		{"-nosuchflag"},
	} {
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		require.True(t, errors.As(err, &ee), "%v", args)
		require.Equal(t, 2, ee.ExitCode(), "%v", args)
		require.Empty(t, stdout.String())
		require.True(t, strings.Contains(stderr.String(), "usage: spfcheck"), "%v", args)
	}
	out, err := exec.Command(bin, "-h").CombinedOutput()
	require.NoError(t, err)
	require.Contains(t, string(out), "-timeout")
}
