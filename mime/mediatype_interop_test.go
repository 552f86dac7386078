package mime

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// python returns the path of python3 or skips the test (fails with
// YUBIN_INTEROP=require). Debian package: python3.
func python(t *testing.T) string {
	t.Helper()
	const py = "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		if os.Getenv("YUBIN_INTEROP") == "require" {
			t.Fatal("YUBIN_INTEROP=require but /usr/bin/python3 is missing")
		}
		t.Skip("python3 not installed")
	}
	return py
}

// runPython runs a script with args and decodes its JSON output.
func runPython(t *testing.T, script string, out any, args ...string) {
	t.Helper()
	cmd := exec.Command(python(t), append([]string{"-c", script}, args...)...)
	b, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		t.Fatalf("python: %v\n%s", err, ee.Stderr)
	}
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, out), string(b))
}

var interopNames = []string{
	"report.pdf",
	"résumé final.pdf",
	"日本語のとても長いファイル名です。本当に長いファイル名になります.pdf",
	`quote " and backslash \ in name.txt`,
	strings.Repeat("long ascii name ", 8) + ".txt",
	"Ελληνικά και русский.doc",
}

// TestPythonReadsOurParams: Python's email package (policy.default) reads
// the Content-Disposition we write, folded, with or without the legacy
// RFC 2047 duplicate.
func TestPythonReadsOurParams(t *testing.T) {
	var fields, wants []string
	for _, legacy := range []bool{false, true} {
		for _, cs := range []string{"", "iso-2022-jp"} {
			for _, n := range interopNames {
				d := Disposition{Type: "attachment", Params: Params{{Name: "filename", Value: n, Charset: cs}}}
				fields = append(fields, d.Format(&FormatOptions{Fold: true, Column: 21, Legacy2047: legacy}))
				wants = append(wants, n)
			}
		}
	}
	const script = `
import sys, json, email, email.policy
out = []
for f in sys.argv[1:]:
    m = email.message_from_string("Content-Disposition: " + f + "\r\n\r\n", policy=email.policy.default)
    out.append(m.get_filename())
print(json.dumps(out))
`
	var got []string
	runPython(t, script, &got, fields...)
	for i, f := range fields {
		require.Equal(t, wants[i], got[i], f)
	}
}

// TestWeReadPythonParams: we read what Python's email package writes,
// RFC 2231 continuations included.
func TestWeReadPythonParams(t *testing.T) {
	const script = `
import sys, json
from email.message import EmailMessage
out = []
for n in sys.argv[1:]:
    m = EmailMessage()
    m.add_header("Content-Disposition", "attachment", filename=n)
    m.add_header("Content-Type", "application/octet-stream", name=n)
    out.append(m.as_string())
print(json.dumps(out))
`
	var msgs []string
	runPython(t, script, &msgs, interopNames...)
	for i, msg := range msgs {
		fields := unfoldFields(msg)
		d, err := ParseDisposition(fields["content-disposition"])
		require.NoError(t, err, msg)
		require.Equal(t, interopNames[i], d.Filename(), msg)
		mt, err := ParseMediaType(fields["content-type"])
		require.NoError(t, err, msg)
		name, _ := mt.Params.Get("name")
		require.Equal(t, interopNames[i], name, msg)
	}
}

// TestEncodedWordsWithPython: each side decodes the other's encoded words,
// in UTF-8 and ISO-2022-JP.
func TestEncodedWordsWithPython(t *testing.T) {
	subjects := []string{
		"Re: café au lait",
		"日本語の件名です。長い件名を分割します。さらに長くします。もっと長く。",
		"mixed ASCII words and 한국어 and Ελληνικά",
		"=?not an encoded word?=",
	}
	const encScript = `
import sys, json
from email.header import Header
cs = sys.argv[1]
print(json.dumps([Header(s, cs).encode() for s in sys.argv[2:]]))
`
	const decScript = `
import sys, json
from email.header import decode_header, make_header
print(json.dumps([str(make_header(decode_header(s))) for s in sys.argv[1:]]))
`
	for _, cs := range []string{"utf-8", "iso-2022-jp"} {
		var theirs []string
		subs := subjects
		if cs == "iso-2022-jp" {
			subs = subjects[1:2]
		}
		runPython(t, encScript, &theirs, append([]string{cs}, subs...)...)
		for i, enc := range theirs {
			got, err := DecodeHeader(enc)
			require.NoError(t, err, enc)
			require.Equal(t, subs[i], got, enc)
		}
		var ours []string
		for _, s := range subs {
			ours = append(ours, (&WordEncoder{Charset: cs}).Encode(s))
		}
		var back []string
		runPython(t, decScript, &back, ours...)
		for i := range ours {
			require.Equal(t, subs[i], back[i], ours[i])
		}
	}
}

// unfoldFields returns the header fields of msg by lower-case name,
// unfolded.
func unfoldFields(msg string) map[string]string {
	head, _, _ := strings.Cut(strings.ReplaceAll(msg, "\r\n", "\n"), "\n\n")
	out := map[string]string{}
	var name string
	for _, line := range strings.Split(head, "\n") {
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			out[name] += line
			continue
		}
		k, v, _ := strings.Cut(line, ":")
		name = strings.ToLower(k)
		out[name] = strings.TrimLeft(v, " ")
	}
	return out
}
