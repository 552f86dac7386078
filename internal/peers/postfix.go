package peers

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// masterCf is a minimal master.cf: nothing chrooted, no inet listener
// unless PostfixOptions.SMTPD asks for one.
const masterCf = `pickup    unix  n       -       n       60      1       pickup
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

// PostfixOptions configure StartPostfix.
type PostfixOptions struct {
	// RelayHost ("127.0.0.1:port") receives every message Postfix
	// accepts.
	RelayHost string
	// SMTPD, when true, runs an smtpd listener on a free loopback port
	// with STARTTLS offered (a self-signed certificate), accepting mail
	// from 127.0.0.0/8 for relaying.
	SMTPD bool
	// Main holds extra main.cf lines.
	Main string
}

// Postfix is a running throwaway Postfix instance.
type Postfix struct {
	Dir       string // the instance's root directory
	ConfigDir string // pass as -c to postfix and sendmail
	SMTPAddr  string // the smtpd listener, when PostfixOptions.SMTPD
}

// StartPostfix starts a Postfix instance, and stops it when the test ends.
func StartPostfix(t testing.TB, o *PostfixOptions) *Postfix {
	t.Helper()
	postfix := Require(t, "postfix")
	RequireRoot(t)
	p := &Postfix{Dir: TempDir(t, "yubin-postfix-")}
	p.ConfigDir = filepath.Join(p.Dir, "etc")
	for _, d := range []string{"etc", "queue", "data"} {
		if err := os.Mkdir(filepath.Join(p.Dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("chown", "postfix", filepath.Join(p.Dir, "data")).CombinedOutput(); err != nil {
		Missing(t, "postfix user: %v %s", err, out)
	}
	relayHost, relayPort, _ := strings.Cut(o.RelayHost, ":")
	main := fmt.Sprintf(`compatibility_level = 3.6
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
smtputf8_enable = yes
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
`, p.Dir, relayHost, relayPort)
	master := masterCf
	if o.SMTPD {
		cert, key := WriteCert(t, p.Dir)
		port := FreePort(t)
		p.SMTPAddr = "127.0.0.1:" + port
		master += p.SMTPAddr + " inet n - n - - smtpd\n"
		main += fmt.Sprintf("smtpd_tls_cert_file = %s\nsmtpd_tls_key_file = %s\nsmtpd_tls_security_level = may\n", cert, key)
	}
	main += o.Main
	for name, body := range map[string]string{"main.cf": main, "master.cf": master} {
		if err := os.WriteFile(filepath.Join(p.ConfigDir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command(postfix, "-c", p.ConfigDir, "start").CombinedOutput(); err != nil {
		t.Fatalf("postfix start: %v\n%s\n%s", err, out, p.Log())
	}
	t.Cleanup(func() {
		exec.Command(postfix, "-c", p.ConfigDir, "stop").Run()
		if t.Failed() {
			t.Logf("postfix maillog:\n%s", p.Log())
		}
	})
	if p.SMTPAddr != "" && !waitPort(t, p.SMTPAddr, 20*time.Second) {
		t.Fatalf("postfix smtpd did not start listening:\n%s", p.Log())
	}
	return p
}

// Log returns Postfix's log so far.
func (p *Postfix) Log() string {
	b, _ := os.ReadFile(filepath.Join(p.Dir, "maillog"))
	return string(b)
}
