package envelope

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// peer returns the path of an interop peer program, or skips the test when
// it is missing (a failure when YUBIN_INTEROP=require).
func peer(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("YUBIN_INTEROP") == "require" {
			t.Fatalf("interop peer %s missing: %v", name, err)
		}
		t.Skipf("interop peer %s missing", name)
	}
	return p
}

// The DSNs we build are read by Python's email package (an independent
// MIME and RFC 3464 reader) with the same structure and fields.
const pyDSN = `
import email, sys
from email import policy
m = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.compat32)
print(m.get_content_type(), m.get_param('report-type'), m['Auto-Submitted'])
for part in m.walk():
    ct = part.get_content_type()
    if ct in ('message/delivery-status', 'message/global-delivery-status'):
        blocks = part.get_payload()
        print('reporting', blocks[0]['Reporting-MTA'])
        for b in blocks[1:]:
            print('rcpt', b['Final-Recipient'], b['Action'], b['Status'])
    elif ct in ('text/rfc822-headers', 'message/rfc822'):
        print('original', ct)
`

func TestInteropPythonReadsOurDSN(t *testing.T) {
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		py = peer(t, "python3")
	}
	for _, ret := range []Ret{RetHdrs, RetFull} {
		o := testDSNOptions()
		o.Ret = ret
		msg, err := BuildDSN(o)
		require.NoError(t, err)
		cmd := exec.Command(py, "-c", pyDSN)
		cmd.Stdin = bytes.NewReader(msg)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		orig := "text/rfc822-headers"
		if ret == RetFull {
			orig = "message/rfc822"
		}
		want := strings.Join([]string{
			"multipart/report delivery-status auto-replied",
			"reporting dns; mx.sender.test",
			"rcpt rfc822; bob@rcpt.test failed 5.1.1",
			"rcpt rfc822; carol@rcpt.test delayed 4.4.1",
			"original " + orig,
		}, "\n") + "\n"
		require.Equal(t, want, string(out))
	}
}
