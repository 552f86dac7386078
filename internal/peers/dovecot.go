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

// DovecotOptions configure StartDovecot.
type DovecotOptions struct {
	// Users maps user names to plaintext passwords (test accounts).
	Users map[string]string
	// RelayHost ("127.0.0.1:port") is where the submission service relays
	// the messages it accepts.
	RelayHost string
	// Mechanisms is the auth_mechanisms setting. Default:
	// "plain login cram-md5 scram-sha-1 scram-sha-256".
	Mechanisms string
}

// Dovecot is a running throwaway Dovecot instance with its submission
// service (RFC 6409) on a loopback port, STARTTLS with a self-signed
// certificate, and plaintext authentication only after TLS.
type Dovecot struct {
	Dir            string
	SubmissionAddr string
}

// StartDovecot starts Dovecot, and stops it when the test ends.
func StartDovecot(t testing.TB, o *DovecotOptions) *Dovecot {
	t.Helper()
	bin := Require(t, "dovecot")
	RequireRoot(t)
	if _, err := os.Stat("/usr/lib/dovecot/submission"); err != nil {
		Missing(t, "the dovecot submission service (Debian package dovecot-submissiond)")
	}
	d := &Dovecot{Dir: TempDir(t, "yubin-dovecot-")}
	cert, key := WriteCert(t, d.Dir)
	port := FreePort(t)
	d.SubmissionAddr = "127.0.0.1:" + port
	var passwd strings.Builder
	for u, p := range o.Users {
		fmt.Fprintf(&passwd, "%s:{PLAIN}%s::::::\n", u, p)
	}
	if err := os.WriteFile(filepath.Join(d.Dir, "passwd"), []byte(passwd.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// The submission process runs as nobody and wants a mail home.
	home := filepath.Join(d.Dir, "home")
	if err := os.Mkdir(home, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(home, 0o777)
	mechs := o.Mechanisms
	if mechs == "" {
		mechs = "plain login cram-md5 scram-sha-1 scram-sha-256"
	}
	relayHost, relayPort, _ := strings.Cut(o.RelayHost, ":")
	dh := ""
	if _, err := os.Stat("/usr/share/dovecot/dh.pem"); err == nil {
		dh = "ssl_dh = </usr/share/dovecot/dh.pem\n"
	}
	conf := fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
protocols = submission
listen = 127.0.0.1
hostname = dovecot.test
ssl = required
ssl_cert = <%[2]s
ssl_key = <%[3]s
%[4]sdisable_plaintext_auth = yes
auth_mechanisms = %[5]s
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/passwd
}
mail_location = maildir:%[1]s/home/%%u/Maildir
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=%[1]s/home/%%u
}
submission_relay_host = %[6]s
submission_relay_port = %[7]s
submission_relay_ssl = no
service submission-login {
  inet_listener submission {
    address = 127.0.0.1
    port = %[8]s
  }
}
`, d.Dir, cert, key, dh, mechs, relayHost, relayPort, port)
	cfg := filepath.Join(d.Dir, "dovecot.conf")
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-F", "-c", cfg)
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(d.Dir, "dovecot.log"))
			t.Logf("dovecot output:\n%s\nlog:\n%s", out, b)
		}
	})
	if !waitPort(t, d.SubmissionAddr, 20*time.Second) {
		b, _ := os.ReadFile(filepath.Join(d.Dir, "dovecot.log"))
		t.Fatalf("dovecot did not start listening:\n%s\n%s", out, b)
	}
	return d
}
