package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// postfixMaster is a minimal master.cf: no inet listener, nothing chrooted.
const postfixMaster = `pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
postlog   unix-dgram n  -       n       -       1       postlogd
`

// TestInteropPostfix runs a throwaway Postfix instance (its own config,
// queue and data directories) whose relayhost is our SMTP listener, injects
// mail with its sendmail, and checks that it lands in the Maildir.
func TestInteropPostfix(t *testing.T) {
	postfix := peer(t, "postfix")
	sendmail := peer(t, "sendmail")
	if os.Geteuid() != 0 {
		if os.Getenv("YUBIN_INTEROP") == "require" {
			t.Fatal("the Postfix interop test needs root to start a Postfix master")
		}
		t.Skip("the Postfix interop test needs root to start a Postfix master")
	}
	in := start(t, "-user", "alice:pw")
	dir, err := os.MkdirTemp("", "yubin-postfix-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755)) // postfix daemons run as user postfix
	for _, d := range []string{"etc", "queue", "data"} {
		require.NoError(t, os.Mkdir(filepath.Join(dir, d), 0o755))
	}
	chown := exec.Command("chown", "postfix", filepath.Join(dir, "data"))
	if out, err := chown.CombinedOutput(); err != nil {
		t.Skipf("cannot prepare the Postfix data directory: %v %s", err, out)
	}
	mainCf := fmt.Sprintf(`compatibility_level = 3.6
queue_directory = %[1]s/queue
data_directory = %[1]s/data
maillog_file = %[1]s/maillog
maillog_file_prefixes = %[1]s
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.test
mydomain = postfix.test
myorigin = postfix.test
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relayhost = [%[2]s]:%[3]s
smtp_tls_security_level = may
smtp_tls_loglevel = 1
smtputf8_enable = yes
inet_interfaces = loopback-only
inet_protocols = ipv4
`, dir, strings.Split(in.addrs["smtp"], ":")[0], strings.Split(in.addrs["smtp"], ":")[1])
	require.NoError(t, os.WriteFile(filepath.Join(dir, "etc", "main.cf"), []byte(mainCf), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "etc", "master.cf"), []byte(postfixMaster), 0o644))
	cfg := filepath.Join(dir, "etc")
	out, err := exec.Command(postfix, "-c", cfg, "start").CombinedOutput()
	require.NoError(t, err, "postfix start: %s", out)
	t.Cleanup(func() {
		exec.Command(postfix, "-c", cfg, "stop").Run()
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "maillog"))
			t.Logf("postfix maillog:\n%s", log)
		}
	})
	bodies := []string{"Subject: via postfix 1\n\nhello\n.dot line\n", "Subject: via postfix 2\nContent-Type: text/plain; charset=utf-8\n\nGrüße\n"}
	for _, b := range bodies {
		cmd := exec.Command(sendmail, "-C", cfg, "-f", "sender@example.org", "alice@example.test")
		cmd.Stdin = strings.NewReader(b)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "sendmail: %s", out)
	}
	var msgs []string
	require.Eventually(t, func() bool {
		msgs = in.messages(t, "alice")
		return len(msgs) == 2
	}, 60*time.Second, 100*time.Millisecond)
	all := strings.Join(msgs, "\n")
	require.Contains(t, all, "Return-Path: <sender@example.org>\r\n")
	require.Contains(t, all, "Subject: via postfix 1\r\n")
	require.Contains(t, all, "\r\n\r\nhello\r\n.dot line\r\n")
	require.Contains(t, all, "\r\n\r\nGrüße\r\n")
	require.Contains(t, all, "Received: from postfix.test ([127.0.0.1])\r\n\t(using TLS")
	log, _ := os.ReadFile(filepath.Join(dir, "maillog"))
	require.Contains(t, string(log), "status=sent (250 2.0.0 OK: message accepted)")
}
