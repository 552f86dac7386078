package message

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/mime"
)

// walkAll walks msg to the end, reading every leaf body, and returns the
// number of entities and the error that stopped it (nil at EOF).
func walkAll(msg io.Reader, opts *WalkOptions) (int, error) {
	n := 0
	err := Walk(msg, opts, func(e *Entity) error {
		n++
		if b := e.Body(); b != nil {
			_, err := io.Copy(io.Discard, b)
			return err
		}
		return nil
	})
	return n, err
}

// withGuard runs f; a hang is caught by the go test timeout, and a
// quadratic walk would not finish within it.
func withGuard(t *testing.T, f func()) {
	t.Helper()
	f()
}

func TestHostileMIME(t *testing.T) {
	var le *mime.LimitError
	t.Run("million empty parts", func(t *testing.T) {
		msg := "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + strings.Repeat("--b\r\n\r\n", 1000000) + "--b--\r\n"
		withGuard(t, func() {
			n, err := walkAll(strings.NewReader(msg), nil)
			require.ErrorAs(t, err, &le)
			require.Equal(t, 10000, n)
		})
	})
	t.Run("nesting 10000 deep", func(t *testing.T) {
		var b strings.Builder
		for i := 0; i < 10000; i++ {
			b.WriteString("Content-Type: multipart/mixed; boundary=b" + itoa(i) + "\r\n\r\n--b" + itoa(i) + "\r\n")
		}
		withGuard(t, func() {
			_, err := walkAll(strings.NewReader(b.String()), nil)
			require.ErrorAs(t, err, &le)
			require.Equal(t, "MaxDepth", le.Limit)
		})
	})
	t.Run("nested message/rfc822", func(t *testing.T) {
		msg := strings.Repeat("Content-Type: message/rfc822\r\n\r\n", 1000) + "body"
		withGuard(t, func() {
			_, err := walkAll(strings.NewReader(msg), nil)
			require.ErrorAs(t, err, &le)
		})
	})
	boundaries := map[string]string{
		"5000-char boundary": strings.Repeat("x", 5000),
		"empty boundary":     `""`,
		"prefix boundary":    "a",
	}
	for name, bnd := range boundaries {
		t.Run(name, func(t *testing.T) {
			msg := "Content-Type: multipart/mixed; boundary=" + bnd + "\r\n\r\n--" + strings.Trim(bnd, `"`) +
				"\r\nContent-Type: multipart/mixed; boundary=ab\r\n\r\n--ab\r\n\r\ninner\r\n--ab--\r\n--" + strings.Trim(bnd, `"`) + "--\r\n"
			withGuard(t, func() {
				_, err := walkAll(strings.NewReader(msg), nil)
				if err != nil {
					require.ErrorAs(t, err, &le)
				}
			})
		})
	}
	t.Run("missing final boundary", func(t *testing.T) {
		root, err := ReadStructure(strings.NewReader("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nbody"), nil)
		require.NoError(t, err)
		require.True(t, root.Warnings.Has(mime.WarnMultipartNoCloseDelimiter))
		require.Len(t, root.Children, 1)
		require.Equal(t, int64(4), root.Children[0].DecodedSize)
	})
	t.Run("header bomb", func(t *testing.T) {
		msg := strings.Repeat("X: y\r\n", 100000) + "\r\nbody"
		withGuard(t, func() {
			_, err := walkAll(strings.NewReader(msg), nil)
			require.ErrorAs(t, err, &le)
		})
		msg = "Subject: " + strings.Repeat("a\r\n ", 10<<20/4) + "\r\n\r\nbody"
		withGuard(t, func() {
			_, err := walkAll(strings.NewReader(msg), nil)
			require.ErrorAs(t, err, &le)
		})
	})
	t.Run("broken encodings", func(t *testing.T) {
		for _, body := range []string{"====", "!!!!", "QUJD\r\n=", "=E", "=\r"} {
			for _, cte := range []string{"base64", "quoted-printable", "x-uuencode"} {
				msg := "Content-Type: text/plain; charset=bogus\r\nContent-Transfer-Encoding: " + cte + "\r\n\r\n" + body
				_, err := walkAll(strings.NewReader(msg), nil)
				require.NoError(t, err)
			}
		}
	})
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[n:])
		}
	}
}

// TestWalkBoundedMemory walks a 60 MB message with large attachments while
// the body is generated on the fly; the walker never holds a whole part.
func TestWalkBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("large input")
	}
	const parts, size = 6, 10 << 20
	r := newBigMessage(parts, size)
	n := 0
	var total int64
	err := Walk(r, nil, func(e *Entity) error {
		n++
		if e.IsLeaf() {
			m, err := io.Copy(io.Discard, e.Body())
			total += m
			return err
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, parts+1, n)
	require.Greater(t, total, int64(parts*size*7/10))
}

// newBigMessage streams a multipart message with parts base64 attachments
// of about size bytes each, without holding it in memory.
func newBigMessage(parts, size int) io.Reader {
	line := []byte(strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldY", 3)[:76] + "\r\n")
	var rs []io.Reader
	rs = append(rs, strings.NewReader("From: a@x\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"))
	for i := 0; i < parts; i++ {
		rs = append(rs, strings.NewReader("--B\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"))
		rs = append(rs, &repeatReader{line: line, n: size / len(line)})
	}
	rs = append(rs, strings.NewReader("--B--\r\n"))
	return io.MultiReader(rs...)
}

type repeatReader struct {
	line []byte
	n    int
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	m := 0
	for m < len(p) && r.n > 0 {
		c := copy(p[m:], r.line[r.off:])
		m += c
		r.off += c
		if r.off == len(r.line) {
			r.off = 0
			r.n--
		}
	}
	return m, nil
}

func FuzzWalk(f *testing.F) {
	f.Add([]byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nA: b\r\n\r\nx\r\n--b--\r\n"))
	f.Add([]byte("Content-Type: multipart/digest; boundary=\"a b\"\n\n--a b\n\nX: y\n\nz\n--a b\nContent-Transfer-Encoding: base64\n\n!!\n"))
	f.Add([]byte("Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=E2=8"))
	f.Add([]byte("A: b\r\n \r\n" + strings.Repeat("c", 1500) + "\r\n\r\nbody"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		opts := &WalkOptions{MaxDepth: 8, MaxParts: 200}
		// In memory, the walker starts with a smaller buffer; the results
		// are those of a full-sized one.
		checkSmallBuffer(t, msg, opts)
		w := NewWalker(bytes.NewReader(msg), opts)
		var all []*Entity
		defer func() {
			// Offsets and line counts of every finished entity match the
			// bytes they point at.
			for _, e := range all {
				if !e.Complete || e.InEncoded {
					continue
				}
				body := msg[e.BodyOffset:e.EndOffset]
				lines := int64(bytes.Count(body, []byte("\n")))
				if len(body) > 0 && body[len(body)-1] != '\n' {
					lines++
				}
				if lines != e.Lines {
					t.Fatalf("%q: %d lines, counted %d", e.Section, e.Lines, lines)
				}
			}
		}()
		for {
			e, err := w.Next()
			if err != nil {
				var le *mime.LimitError
				if err != io.EOF && !errors.As(err, &le) {
					t.Fatal(err)
				}
				break
			}
			all = append(all, e)
			if e.BodyOffset < e.HeaderOffset || e.BodyOffset > int64(len(msg)) {
				t.Fatalf("bad offsets %d %d", e.HeaderOffset, e.BodyOffset)
			}
			if e.IsLeaf() {
				if _, err := io.Copy(io.Discard, e.Body()); err != nil {
					t.Fatal(err)
				}
				if !e.InEncoded && string(msg[e.HeaderOffset:e.BodyOffset]) != string(e.Header.Bytes()[:e.Header.rawLen()]) {
					t.Fatalf("header of %q not at its offsets", e.Section)
				}
			}
		}
	})
}
