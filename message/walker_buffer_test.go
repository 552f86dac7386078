package message

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// walkTrace walks the message in r and describes every entity, its decoded
// body and the error that ended the walk, for comparing two walks.
func walkTrace(r io.Reader, opts *WalkOptions) string {
	return traceWalker(NewWalker(r, opts))
}

func traceWalker(w *Walker) string {
	var b strings.Builder
	for {
		e, err := w.Next()
		if err != nil {
			fmt.Fprintf(&b, "end: %v\n", err)
			break
		}
		var body []byte
		var berr error
		if e.IsLeaf() {
			t, _ := e.Text(nil)
			body, berr = io.ReadAll(t)
		}
		fmt.Fprintf(&b, "%q %d %d %q %q %v %q %v\n", e.Section, e.HeaderOffset, e.BodyOffset,
			e.Header.Bytes(), e.Header.MboxFrom(), e.MediaType, body, berr)
	}
	for e := range walkEntities(w.Root()) {
		fmt.Fprintf(&b, "%q %d %d %v %d %v\n", e.Section, e.EndOffset, e.Lines, e.Complete, e.DecodedSize, e.Warnings)
	}
	return b.String()
}

func walkEntities(root *Entity) func(func(*Entity) bool) {
	return func(yield func(*Entity) bool) {
		var walk func(e *Entity) bool
		walk = func(e *Entity) bool {
			if e == nil || !yield(e) {
				return false
			}
			for _, c := range e.Children {
				if !walk(c) {
					return false
				}
			}
			return true
		}
		walk(root)
	}
}

// onlyReader hides every method but Read, so that the walker reads it with
// its full-sized buffer.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// checkSmallBuffer compares a walk of msg from a bytes.Reader, whose Len
// makes the walker start with a small buffer, with a walk from a reader
// without Len, read with the full-sized one.
func checkSmallBuffer(t *testing.T, msg []byte, opts *WalkOptions) {
	t.Helper()
	got := walkTrace(bytes.NewReader(msg), opts)
	want := walkTrace(onlyReader{bytes.NewReader(msg)}, opts)
	if got != want {
		t.Fatalf("%q:\nsmall buffer:\n%s\nfull buffer:\n%s", msg, got, want)
	}
}

// The walker reads in-memory input with a smaller first buffer; lines that
// do not fit it, where the header reader peeks, give the results of a
// full-sized buffer.
func TestWalkSmallBuffer(t *testing.T) {
	long := func(n int, c string) string { return strings.Repeat(c, n) }
	for _, n := range []int{100, 1000, 1100, 2000, 4000, 4100, 5000, 9000} {
		for _, msg := range []string{
			long(n, "a") + "\r\n\r\nbody\r\n",
			long(n, "a") + ": x\r\n\r\nbody\r\n",
			"From " + long(n, " ") + "x\r\nA: b\r\n\r\nbody\r\n",
			"From " + long(n, " ") + "\r\nA: b\r\n\r\nbody\r\n",
			"A: b\r\n \r\n" + long(n, "c") + "\r\n\r\nbody\r\n",
			"A: b\r\n \r\n" + long(n, "c") + ": d\r\n\r\nbody\r\n",
			"A: b\r\n\t\r\n" + long(n, "c") + " d\r\n\r\nbody\r\n",
			"Subject: " + long(n, "s") + "\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n",
			"X: " + long(n, "v") + "\r\n \r\n Y: z\r\n\r\n" + long(n, "b"),
			" " + long(n, "o") + "\r\nA: b\r\n\r\nbody",
			long(n, "a"),
			"A: b\r\n" + long(n, "h") + "\nC: d\n\n" + long(n, "x"),
		} {
			checkSmallBuffer(t, []byte(msg), nil)
			checkSmallBuffer(t, []byte(msg), &WalkOptions{Header: &HeaderOptions{MaxHeaderBytes: 3000}})
		}
	}
}

// A walker reused with Reset, whose buffers then hold the previous
// message, walks each message as a new one does.
func TestWalkerReset(t *testing.T) {
	msgs := []string{
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\nX: " + strings.Repeat("y", 300) +
			"\r\n\r\nx\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nA: b\r\n\r\nz\r\n--b--\r\n",
		"Subject: hi\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9\r\n",
		"A: b\r\n \r\n" + strings.Repeat("c", 1500) + "\r\n\r\nbody",
		"Content-Type: multipart/alternative; boundary=q\n\n--q\nA: 1\n\none\n--q\n\ntwo\n--q--\n",
	}
	w := NewWalker(strings.NewReader(""), &WalkOptions{MaxParts: 20})
	for round := 0; round < 2; round++ {
		for _, m := range msgs {
			for _, src := range []func() io.Reader{
				func() io.Reader { return strings.NewReader(m) },
				func() io.Reader { return onlyReader{strings.NewReader(m)} },
			} {
				w.Reset(src())
				got := traceWalker(w)
				if want := walkTrace(src(), &WalkOptions{MaxParts: 20}); got != want {
					t.Fatalf("%q:\nreset:\n%s\nnew:\n%s", m, got, want)
				}
			}
		}
	}
}
