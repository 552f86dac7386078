package envelope

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/mime"
)

type wantRcpt struct {
	rcpt, action, status, remote, diag string
}

func TestParseDSNFiles(t *testing.T) {
	tests := []struct {
		file      string
		reporting string
		report    bool
		global    bool
		human     string // substring of HumanText
		original  string // substring of Original
		hdrsOnly  bool
		rcpts     []wantRcpt
		warn      mime.WarningCode // a warning that must be present, or ""
	}{
		{"postfix.eml", "dns; mx.sender.test", true, false, "This is the mail system", "Message-Id: <m1@sender.test>", true, []wantRcpt{
			{"nobody@rcpt.test", "failed", "5.1.1", "dns; mx.rcpt.test", "smtp; 550 5.1.1 <nobody@rcpt.test>: Recipient address rejected: User unknown"},
			{"full@rcpt.test", "delayed", "4.2.2", "dns; mx.rcpt.test", "smtp; 452 4.2.2 Mailbox full"},
		}, ""},
		{"exim.eml", "dns; mx.sender.test", true, false, "could not be delivered", "Body.", false, []wantRcpt{
			{"gone@rcpt.test", "failed", "5.0.0", "dns; mx.rcpt.test", "smtp; 550 5.2.1 Mailbox disabled"},
		}, ""},
		{"sendmail.eml", "dns; mx.sender.test", true, false, "permanent fatal errors", "To: nohost@nx.rcpt.test", false, []wantRcpt{
			{"nohost@nx.rcpt.test", "failed", "5.1.2", "dns; nx.rcpt.test", "smtp; 550 Host unknown"},
		}, ""},
		{"exchange.eml", "dns; EXCH01.corp.test", true, false, "couldn\u2019t be delivered", "see attached", false, []wantRcpt{
			{"bob@corp.test", "failed", "5.2.2", "", "smtp; 554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException"},
		}, ""},
		{"gmail.eml", "dns; googlemail.test", true, false, "Address not found", "Message-ID: <m5@gmail.test>", false, []wantRcpt{
			{"nosuch@rcpt.test", "failed", "5.1.1", "dns; mx.rcpt.test. (192.0.2.27, the server for the domain rcpt.test.)", "smtp; 550-5.1.1 The email account that you tried to reach does not exist."},
		}, ""},
		{"global.eml", "dns; mx.sender.test", true, true, "用户@例子.测试", "Subject: grüße", true, []wantRcpt{
			{"用户@例子.测试", "failed", "5.1.1", "", "smtp; 550 5.1.1 用户 unknown"},
		}, ""},
		{"mixed.eml", "", false, false, "delivery problems", "", false, []wantRcpt{
			{"lost@rcpt.test", "failed", "5.0.0", "192.0.2.28", "smtp; 550 Unknown user lost@rcpt.test"},
		}, WarnNotReport},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "dsn", tt.file))
			require.NoError(t, err)
			defer f.Close()
			d, err := ParseDSN(f, nil)
			var ws mime.Warnings
			if err != nil {
				require.ErrorAs(t, err, &ws)
			}
			if tt.warn != "" {
				require.True(t, ws.Has(tt.warn), "warnings: %v", ws)
			}
			require.NotNil(t, d)
			require.Equal(t, tt.reporting, d.ReportingMTA.String())
			require.Equal(t, tt.report, d.Report)
			require.Equal(t, tt.global, d.Global)
			require.Contains(t, d.HumanText, tt.human)
			require.Contains(t, string(d.Original), tt.original)
			require.Equal(t, tt.hdrsOnly, d.HeadersOnly)
			require.Len(t, d.Recipients, len(tt.rcpts))
			for i, w := range tt.rcpts {
				r := d.Recipients[i]
				require.Equal(t, w.rcpt, r.Recipient())
				require.Equal(t, w.action, string(r.Action))
				require.Equal(t, w.status, r.Status.String())
				require.Equal(t, w.remote, r.RemoteMTA.String())
				require.Equal(t, w.diag, r.DiagnosticCode.String())
			}
		})
	}
}

func TestParseDSNDetails(t *testing.T) {
	f, err := os.Open("testdata/dsn/postfix.eml")
	require.NoError(t, err)
	defer f.Close()
	d, err := ParseDSN(f, nil)
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 11, 24, 10, 0, 3, 0, time.UTC), d.ArrivalDate.UTC())
	require.Equal(t, "rfc822", d.Recipients[0].FinalRecipient.Type)
	require.Equal(t, "rfc822; nobody@rcpt.test", d.Recipients[0].OriginalRecipient.String())
	require.Equal(t, time.Date(2026, 11, 28, 10, 0, 3, 0, time.UTC), d.Recipients[1].WillRetryUntil.UTC())
	require.Equal(t, "X-Postfix-Queue-ID", d.MessageFields[1].Name)
	require.True(t, d.Recipients[0].Status.IsPermanent())
	require.True(t, d.Recipients[1].Status.IsTemporary())
	require.Equal(t, "mx.rcpt.test", d.Recipients[0].RemoteMTA.Host())
	for in, want := range map[string]string{
		"mx.rcpt.test. (192.0.2.27, the server for the domain rcpt.test.)": "mx.rcpt.test",
		"[192.0.2.1]": "192.0.2.1", "": "", "a.test extra": "a.test",
	} {
		require.Equal(t, want, TypedValue{Type: "dns", Value: in}.Host())
	}

	f2, err := os.Open("testdata/dsn/global.eml")
	require.NoError(t, err)
	defer f2.Close()
	g, err := ParseDSN(f2, nil)
	require.NoError(t, err)
	require.Equal(t, "用户@例子.测试", g.Recipients[0].OriginalRecipient.Value)
}

func TestParseDSNNotDSN(t *testing.T) {
	for _, in := range []string{
		"", "\r\n", "Subject: x\r\n\r\nbody\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n",
		// A status part without any per-recipient block.
		"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n--b--\r\n",
		// A DSN forwarded as an attachment is not itself a DSN.
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=c\r\n\r\n--c\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; a@b\r\nAction: failed\r\nStatus: 5.0.0\r\n--c--\r\n--b--\r\n",
	} {
		_, err := ParseDSN(strings.NewReader(in), nil)
		require.ErrorIs(t, err, ErrNotDSN, in)
	}
	b, err := os.ReadFile("testdata/dsn/not-dsn.eml")
	require.NoError(t, err)
	_, err = ParseDSN(bytes.NewReader(b), nil)
	require.ErrorIs(t, err, ErrNotDSN)
}

func TestParseDSNQuirks(t *testing.T) {
	mk := func(status string) string {
		return "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n" + status + "\r\n--b--\r\n"
	}
	tests := []struct {
		name, status string
		rcpts        []string // "rcpt action status"
		warn         mime.WarningCode
	}{
		{"status from diagnostic", "Reporting-MTA: dns; x\r\n\r\nFinal-Recipient: rfc822; a@b.test\r\nAction: failed\r\nDiagnostic-Code: smtp; 550 5.7.1 denied\r\n", []string{"a@b.test failed 5.7.1"}, WarnMissingField},
		{"status from action", "Final-Recipient: rfc822; a@b.test\r\nAction: delayed\r\n", []string{"a@b.test delayed 4.0.0"}, WarnMissingField},
		{"action from status", "Final-Recipient: rfc822; a@b.test\r\nStatus: 5.1.1\r\n", []string{"a@b.test failed 5.1.1"}, WarnMissingField},
		{"status with comment", "Final-Recipient: rfc822; a@b.test\r\nAction: Failed (permanent)\r\nStatus: 5.1.1 (bad destination mailbox)\r\n", []string{"a@b.test failed 5.1.1"}, ""},
		{"expired", "Final-Recipient: rfc822; a@b.test\r\nAction: expired\r\n", []string{"a@b.test failed 5.4.7"}, WarnBadValue},
		{"no blank lines", "Reporting-MTA: dns; x\r\nFinal-Recipient: rfc822; a@b.test\r\nAction: failed\r\nStatus: 5.0.0\r\nFinal-Recipient: rfc822; c@d.test\r\nAction: delivered\r\nStatus: 2.0.0\r\n", []string{"a@b.test failed 5.0.0", "c@d.test delivered 2.0.0"}, ""},
		{"no type", "Final-Recipient: <a@b.test>\r\nAction: failed\r\nStatus: 5.0.0\r\n", []string{"a@b.test failed 5.0.0"}, ""},
		{"junk lines", "Reporting-MTA: dns; x\r\nthis is not a field\r\n\r\nFinal-Recipient: rfc822; a@b.test\r\nAction: relayed\r\nStatus: 2.0.0\r\n\r\n\r\nX-Trailer: y\r\n", []string{"a@b.test relayed 2.0.0"}, WarnFieldSyntax},
		{"bad date", "Arrival-Date: yesterday\r\n\r\nFinal-Recipient: rfc822; a@b.test\r\nAction: failed\r\nStatus: 5.0.0\r\n", []string{"a@b.test failed 5.0.0"}, WarnBadValue},
		{"bad status", "Final-Recipient: rfc822; a@b.test\r\nAction: failed\r\nStatus: bogus\r\n", []string{"a@b.test failed 5.0.0"}, WarnBadValue},
		{"lf only", strings.ReplaceAll("Final-Recipient: rfc822; a@b.test\r\nAction: failed\r\nStatus: 5.0.0\r\n", "\r\n", "\n"), []string{"a@b.test failed 5.0.0"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDSN(strings.NewReader(mk(tt.status)), nil)
			var ws mime.Warnings
			if err != nil {
				require.ErrorAs(t, err, &ws)
			}
			if tt.warn != "" {
				require.True(t, ws.Has(tt.warn), "%v", ws)
			}
			var got []string
			for _, r := range d.Recipients {
				got = append(got, r.Recipient()+" "+string(r.Action)+" "+r.Status.String())
			}
			require.Equal(t, tt.rcpts, got)
		})
	}
}

func TestParseDSNLimits(t *testing.T) {
	// Many recipients hit MaxRecipients; many parts hit MaxParts; deep
	// nesting hits MaxDepth; nothing panics or grows without bound.
	var b strings.Builder
	b.WriteString("Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n")
	for i := 0; i < 50; i++ {
		b.WriteString("\r\nFinal-Recipient: rfc822; a@b.test\r\nAction: failed\r\nStatus: 5.0.0\r\n")
	}
	b.WriteString("--b--\r\n")
	d, err := ParseDSN(strings.NewReader(b.String()), &ReportOptions{MaxRecipients: 10})
	var ws mime.Warnings
	require.ErrorAs(t, err, &ws)
	require.True(t, ws.Has(WarnLimit))
	require.Len(t, d.Recipients, 10)

	b.Reset()
	b.WriteString("Content-Type: multipart/mixed; boundary=b\r\n\r\n")
	for i := 0; i < 100000; i++ {
		b.WriteString("--b\r\n\r\n")
	}
	_, err = ParseDSN(strings.NewReader(b.String()), nil)
	require.ErrorIs(t, err, ErrNotDSN)

	b.Reset()
	for i := 0; i < 5000; i++ {
		b.WriteString("Content-Type: multipart/mixed; boundary=b" + strconv.Itoa(i) + "\r\n\r\n--b" + strconv.Itoa(i) + "\r\n")
	}
	_, err = ParseDSN(strings.NewReader(b.String()), nil)
	require.ErrorIs(t, err, ErrNotDSN)

	f, err := os.ReadFile("testdata/dsn/postfix.eml")
	require.NoError(t, err)
	d, err = ParseDSN(bytes.NewReader(f), &ReportOptions{MaxBytes: int64(bytes.Index(f, []byte("Content-Description: Undelivered")))})
	require.ErrorAs(t, err, &ws)
	require.True(t, ws.Has(WarnTruncated))
	require.Len(t, d.Recipients, 2)
	require.Nil(t, d.Original)
	_, err = ParseDSN(iotestErr{}, nil)
	require.Error(t, err)
	require.False(t, errors.Is(err, ErrNotDSN))
}

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, errors.New("read failed") }

func FuzzParseDSN(f *testing.F) {
	for _, name := range []string{"postfix.eml", "exim.eml", "mixed.eml"} {
		b, err := os.ReadFile(filepath.Join("testdata", "dsn", name))
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: x\r\n--b--"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDSN(bytes.NewReader(b), &ReportOptions{MaxParts: 20, MaxDepth: 4})
		if err != nil && d == nil {
			return
		}
		if len(d.Recipients) == 0 {
			t.Fatal("DSN without recipients")
		}
		// A DSN rebuilt from what was parsed parses again to the same
		// recipients (round trip parse, build, parse).
		o := &BuildDSNOptions{ReportingMTA: "mx.test", To: Path{Local: "a", Domain: "b.test"}, Date: testDate}
		for _, r := range d.Recipients {
			if checkDSNRecipient(r) == nil && !strings.HasPrefix(r.FinalRecipient.Value, "<") {
				o.Recipients = append(o.Recipients, r)
			}
		}
		if len(o.Recipients) == 0 {
			return
		}
		msg, err := BuildDSN(o)
		if err != nil {
			t.Fatal(err)
		}
		d2, err := ParseDSN(bytes.NewReader(msg), nil)
		if d2 == nil {
			t.Fatalf("rebuilt DSN does not parse: %v\n%s", err, msg)
		}
		if len(d2.Recipients) != len(o.Recipients) {
			t.Fatalf("recipients %d -> %d\n%s", len(o.Recipients), len(d2.Recipients), msg)
		}
		for i, r := range o.Recipients {
			r2 := d2.Recipients[i]
			if norm(r.Recipient()) != norm(r2.Recipient()) || r.Action != r2.Action || r.Status != r2.Status {
				t.Fatalf("recipient %d: %+v -> %+v", i, r, r2)
			}
		}
	})
}

func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestBuildDSNRefusesControlCharacters(t *testing.T) {
	_, err := BuildDSN(&BuildDSNOptions{ReportingMTA: "mx.test", To: Path{Local: "a", Domain: "b.test"},
		Recipients: []DSNRecipient{{FinalRecipient: TypedValue{Type: "rfc822", Value: "x\x00y@c.test"},
			Action: ActionFailed, Status: StatusCode{Class: 5, Subject: 1, Detail: 1}}}})
	require.Error(t, err)
}
