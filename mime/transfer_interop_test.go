package mime

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// python3 returns the path of the interop peer, skipping the test when it is
// missing unless YUBIN_INTEROP=require.
func python3(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		if os.Getenv("YUBIN_INTEROP") == "require" {
			t.Fatalf("python3 required: %v", err)
		}
		t.Skip("python3 not installed")
	}
	return p
}

// The Python email package parses a message written by our multipart
// writer, base64 and quoted-printable encoders (text and binary mode), and
// decodes every part to the bytes we encoded.
const pyWalk = `
import sys, email, hashlib
from email import policy
msg = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.compat32)
for part in msg.walk():
    if part.is_multipart():
        continue
    data = part.get_payload(decode=True)
    print(part.get_content_type(), hashlib.sha256(data).hexdigest(), len(msg.defects) + len(part.defects))
`

func TestInteropPythonEmail(t *testing.T) {
	py := python3(t)
	text := []byte(strings.Repeat("Grüße aus Köln = 100% \r\nFrom the team.\r\n.\r\n", 30) + "trailing blank ")
	bin := make([]byte, 5000)
	for i := range bin {
		bin[i] = byte(i*37 + i>>3)
	}
	var msg bytes.Buffer
	mw := NewMultipartWriter(&msg, nil)
	msg.Reset()
	msg.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"" + mw.Boundary() + "\"\r\n\r\n")
	type part struct {
		header string
		data   []byte
		enc    func(io.Writer) io.WriteCloser
	}
	parts := []part{
		{"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n", text,
			func(w io.Writer) io.WriteCloser { return NewQPEncoder(w, nil) }},
		{"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n", bin,
			func(w io.Writer) io.WriteCloser { return NewBase64Encoder(w) }},
		{"Content-Type: application/x-binary-qp\r\nContent-Transfer-Encoding: quoted-printable\r\n", bin,
			func(w io.Writer) io.WriteCloser { return NewQPEncoder(w, &QPOptions{Binary: true}) }},
	}
	var want strings.Builder
	for _, p := range parts {
		w, err := mw.CreatePart([]byte(p.header))
		require.NoError(t, err)
		e := p.enc(w)
		_, err = e.Write(p.data)
		require.NoError(t, err)
		require.NoError(t, e.Close())
		sum := sha256.Sum256(p.data)
		ct := strings.TrimPrefix(strings.SplitN(p.header, ";", 2)[0], "Content-Type: ")
		want.WriteString(strings.TrimSpace(strings.SplitN(ct, "\r\n", 2)[0]) + " " + hex.EncodeToString(sum[:]) + " 0\n")
	}
	require.NoError(t, mw.Close())

	cmd := exec.Command(py, "-c", pyWalk)
	cmd.Stdin = bytes.NewReader(msg.Bytes())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	require.Equal(t, want.String(), string(out))
}

// Python's quoted-printable and base64 encoders produce input that our
// decoders read without warnings.
func TestInteropPythonEncoders(t *testing.T) {
	py := python3(t)
	const script = `
import sys, binascii, base64
data = sys.stdin.buffer.read()
sys.stdout.buffer.write(binascii.b2a_qp(data, istext=False) + b"\n--\n" + base64.encodebytes(data))
`
	in := bytes.Repeat([]byte("caf\xc3\xa9 = \t\x00\xff\r\nline\n"), 200)
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	require.NoError(t, err)
	qpPart, b64Part, ok := bytes.Cut(out, []byte("\n--\n"))
	require.True(t, ok)
	d := NewQPDecoder(bytes.NewReader(qpPart))
	got, err := io.ReadAll(d)
	require.NoError(t, err)
	require.Equal(t, in, got)
	require.Nil(t, d.Warnings())
	b := NewBase64Decoder(bytes.NewReader(b64Part))
	got, err = io.ReadAll(b)
	require.NoError(t, err)
	require.Equal(t, in, got)
	require.Nil(t, b.Warnings())
}
