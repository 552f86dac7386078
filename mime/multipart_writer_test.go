package mime

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMultipartWriter(t *testing.T) {
	var b bytes.Buffer
	mw := NewMultipartWriter(&b, &MultipartWriterOptions{Boundary: "frontier", Preamble: []byte("This is a message with multiple parts in MIME format.")})
	require.Equal(t, "frontier", mw.Boundary())
	w, err := mw.CreatePart([]byte("Content-Type: text/plain\r\n"))
	require.NoError(t, err)
	_, err = io.WriteString(w, "This is the body of the message.")
	require.NoError(t, err)
	w, err = mw.CreatePart([]byte("Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"))
	require.NoError(t, err)
	_, err = io.WriteString(w, "PGh0bWw+Cg==")
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	require.NoError(t, mw.Close(), "second Close")
	want := "This is a message with multiple parts in MIME format.\r\n" +
		"--frontier\r\nContent-Type: text/plain\r\n\r\nThis is the body of the message.\r\n" +
		"--frontier\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nPGh0bWw+Cg==\r\n" +
		"--frontier--\r\n"
	require.Equal(t, want, b.String())
	_, err = mw.CreatePart(nil)
	require.ErrorIs(t, err, ErrWriterClosed)

	// The stdlib reads what we write.
	r := multipart.NewReader(strings.NewReader(want), "frontier")
	p, err := r.NextPart()
	require.NoError(t, err)
	require.Equal(t, "text/plain", p.Header.Get("Content-Type"))
	body, _ := io.ReadAll(p)
	require.Equal(t, "This is the body of the message.", string(body))
}

func TestMultipartWriterRandomBoundary(t *testing.T) {
	a := NewMultipartWriter(io.Discard, nil).Boundary()
	b := NewMultipartWriter(io.Discard, nil).Boundary()
	require.NotEqual(t, a, b)
	require.True(t, strings.HasPrefix(a, "=_"))
	require.Len(t, a, 34)
	require.NoError(t, validBoundary(a))
}

func TestMultipartWriterErrors(t *testing.T) {
	for _, h := range []string{"A: 1", "A: 1\n", "A: 1\r\n\r\n", "A: 1\rB: 2\r\n", "\r\n", "A: 1\r\n\r\nB: 2\r\n"} {
		_, err := NewMultipartWriter(io.Discard, nil).CreatePart([]byte(h))
		require.ErrorIs(t, err, ErrInvalidPartHeader, "%q", h)
	}
	for _, bnd := range []string{strings.Repeat("x", 71), "a\r\nb", "ends in space ", "a@b"} {
		mw := NewMultipartWriter(io.Discard, &MultipartWriterOptions{Boundary: bnd})
		_, err := mw.CreatePart(nil)
		var be *BoundaryError
		require.ErrorAs(t, err, &be, bnd)
	}
	require.ErrorIs(t, NewMultipartWriter(io.Discard, nil).Close(), ErrNoParts)

	// A body containing the delimiter is refused, also across writes.
	for _, chunks := range [][]string{{"--b"}, {"x\r\n--b\r\n"}, {"x\r\n-", "-", "b"}, {"ok\n", "--bcd"}} {
		mw := NewMultipartWriter(io.Discard, &MultipartWriterOptions{Boundary: "b"})
		w, err := mw.CreatePart(nil)
		require.NoError(t, err)
		for _, c := range chunks {
			if _, err = io.WriteString(w, c); err != nil {
				break
			}
		}
		require.ErrorIs(t, err, ErrBoundaryInBody, "%q", chunks)
		require.ErrorIs(t, mw.Close(), ErrBoundaryInBody)
	}
	mw := NewMultipartWriter(io.Discard, &MultipartWriterOptions{Boundary: "b"})
	w, _ := mw.CreatePart(nil)
	_, err := io.WriteString(w, "a--b\r\n -b\r\n--c")
	require.NoError(t, err)

	boom := errors.New("boom")
	mw = NewMultipartWriter(failWriter{boom}, nil)
	_, err = mw.CreatePart(nil)
	require.ErrorIs(t, err, boom)
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

func TestMultipartWriteReadRoundTrip(t *testing.T) {
	var b bytes.Buffer
	mw := NewMultipartWriter(&b, nil)
	bodies := []string{"", "one line", "two\r\nlines\r\n", strings.Repeat("long ", 10000)}
	for i, body := range bodies {
		w, err := mw.CreatePart([]byte("X-Index: " + string(rune('0'+i)) + "\r\n"))
		require.NoError(t, err)
		_, err = io.WriteString(w, body)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	res := readMultipart(t, bytes.NewReader(b.Bytes()), mw.Boundary(), nil, false)
	require.NoError(t, res.err)
	require.Nil(t, res.mr.Warnings())
	require.Len(t, res.parts, len(bodies))
	for i, p := range res.parts {
		require.Equal(t, bodies[i], p.Body)
	}
	require.Equal(t, b.String(), res.rebuild())
}

// FuzzMultipartWriteRead writes parts cut from the fuzz input with our
// writer and reads them back: the bodies, headers and the raw bytes must
// survive exactly (or the writer refuses a body holding the boundary).
func FuzzMultipartWriteRead(f *testing.F) {
	f.Add([]byte("one|two\r\n|"), "b")
	f.Add([]byte("--b|\r\n--b\r\n|x"), "b")
	f.Add([]byte("|||"), "")
	f.Fuzz(func(t *testing.T, in []byte, boundary string) {
		var out bytes.Buffer
		mw := NewMultipartWriter(&out, &MultipartWriterOptions{Boundary: boundary})
		bodies := bytes.Split(in, []byte("|"))
		for i, body := range bodies {
			w, err := mw.CreatePart([]byte("X-Part: " + string(rune('a'+i%26)) + "\r\n"))
			if err != nil {
				return // an invalid boundary
			}
			if _, err := w.Write(body); err != nil {
				if !errors.Is(err, ErrBoundaryInBody) {
					t.Fatal(err)
				}
				return
			}
		}
		if err := mw.Close(); err != nil {
			t.Fatal(err)
		}
		res := readMultipart(t, bytes.NewReader(out.Bytes()), mw.Boundary(), nil, false)
		if res.err != nil || res.mr.Warnings() != nil {
			t.Fatalf("%v %v", res.err, res.mr.Warnings())
		}
		if len(res.parts) != len(bodies) {
			t.Fatalf("%d parts, want %d", len(res.parts), len(bodies))
		}
		for i, p := range res.parts {
			if p.Body != string(bodies[i]) {
				t.Fatalf("part %d: %q, want %q", i, p.Body, bodies[i])
			}
		}
		if res.rebuild() != out.String() {
			t.Fatal("raw round trip")
		}
	})
}
