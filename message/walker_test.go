package message

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/mime"
)

var update = flag.Bool("update", false, "rewrite golden files")

// dumpTree walks msg and describes every entity on one line, checking on the
// way that each entity's raw header is the input between its offsets.
func dumpTree(t *testing.T, msg []byte) string {
	t.Helper()
	var b strings.Builder
	w := NewWalker(bytes.NewReader(msg), nil)
	for {
		e, err := w.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if !e.InEncoded {
			require.Equal(t, string(msg[e.HeaderOffset:e.BodyOffset]), string(e.Header.Bytes()[:e.Header.rawLen()]), "header of %q", e.Section)
		}
		fmt.Fprintf(&b, "%s%s %s", strings.Repeat("  ", e.Depth), orDash(e.Section), e.MediaType.Type+"/"+e.MediaType.Subtype)
		if cs := e.Charset(); cs != "" {
			fmt.Fprintf(&b, " charset=%s", cs)
		}
		fmt.Fprintf(&b, " cte=%s", e.TransferEncoding)
		if e.Disposition.Type != "" {
			fmt.Fprintf(&b, " disp=%s", e.Disposition.Type)
		}
		if f := e.Filename(); f != "" {
			fmt.Fprintf(&b, " filename=%q", f)
		}
		if e.IsLeaf() {
			describeLeaf(t, &b, e, msg)
		}
		b.WriteString("\n")
	}
	// Second pass: offsets and lines of every entity once complete.
	root := w.Root()
	var all []*Entity
	var visit func(e *Entity)
	visit = func(e *Entity) {
		all = append(all, e)
		for _, c := range e.Children {
			visit(c)
		}
	}
	visit(root)
	for _, e := range all {
		require.True(t, e.Complete, e.Section)
		fmt.Fprintf(&b, "%s%s offsets=%d,%d,%d lines=%d", strings.Repeat("  ", e.Depth), orDash(e.Section), e.HeaderOffset, e.BodyOffset, e.EndOffset, e.Lines)
		var codes []string
		for _, w := range e.Warnings {
			codes = append(codes, string(w.Code))
		}
		sort.Strings(codes)
		if len(codes) > 0 {
			fmt.Fprintf(&b, " warnings=%s", strings.Join(codes, ","))
		}
		b.WriteString("\n")
	}
	bodies := FindBodies(root)
	for _, l := range [][]*Entity{bodies.Text, bodies.HTML, bodies.Attachments} {
		var s []string
		for _, e := range l {
			s = append(s, orDash(e.Section))
		}
		fmt.Fprintf(&b, "[%s] ", strings.Join(s, " "))
	}
	b.WriteString("(text html attachments)\n")
	return b.String()
}

// describeLeaf reads a leaf's body three ways (streamed, and from the
// offsets raw and decoded) and writes its size, hash and text.
func describeLeaf(t *testing.T, b *strings.Builder, e *Entity, msg []byte) {
	t.Helper()
	dec, err := io.ReadAll(e.Body())
	require.NoError(t, err)
	raw := dec
	if !e.InEncoded {
		raw, err = io.ReadAll(e.Open(bytes.NewReader(msg)))
		require.NoError(t, err)
		again, err := io.ReadAll(e.OpenDecoded(bytes.NewReader(msg)))
		require.NoError(t, err)
		require.Equal(t, dec, again)
	} else {
		fmt.Fprint(b, " in-encoded")
	}
	sum := sha256.Sum256(dec)
	fmt.Fprintf(b, " size=%d sha=%s", len(dec), hex.EncodeToString(sum[:6]))
	if e.MediaType.Type == "text" {
		e.body = &countReader{r: bytes.NewReader(raw)}
		e.decoded = nil
		tr, _ := e.Text(nil)
		txt, _ := io.ReadAll(tr)
		s := strings.ReplaceAll(string(txt), "\r\n", "\n")
		if r := []rune(s); len(r) > 40 {
			s = string(r[:40])
		}
		fmt.Fprintf(b, " text=%q", s)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	require.Equal(t, string(want), got)
}

func TestWalkTestdata(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.eml")
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			msg, err := os.ReadFile(f)
			require.NoError(t, err)
			golden(t, strings.TrimSuffix(f, ".eml")+".tree", dumpTree(t, msg))
		})
	}
}

// TestRoundTrip reads each message's header and writes it back with the
// body: the bytes are identical (an mbox From line is not part of the
// message).
func TestRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.eml")
	for _, dir := range []string{"../../shared/corpora/mailparser", "../../shared/corpora/mime4j",
		"../../shared/corpora/bounces", "../../shared/corpora/maildkim/corpus"} {
		more, _ := filepath.Glob(dir + "/*")
		files = append(files, more...)
	}
	t.Logf("%d files", len(files))
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || st.IsDir() || strings.HasSuffix(f, "LICENSE") || strings.HasSuffix(f, ".dat") {
			continue
		}
		msg, err := os.ReadFile(f)
		require.NoError(t, err)
		br := bufio.NewReader(bytes.NewReader(msg))
		h, err := ReadHeader(br, nil)
		var le *mime.LimitError
		require.False(t, errors.As(err, &le), f)
		var out bytes.Buffer
		if h.sep == nil && !h.noHeader && len(msg) > 0 && !bytes.HasSuffix(msg, []byte("\n\n")) && !bytes.HasSuffix(msg, []byte("\r\n\r\n")) {
			// A header without a body: WriteTo adds the empty line.
			_, err = h.WriteTo(&out)
			require.NoError(t, err)
			require.Equal(t, string(msg[len(h.MboxFrom()):])+"\r\n", out.String(), f)
			continue
		}
		_, err = h.WriteTo(&out)
		require.NoError(t, err)
		_, err = io.Copy(&out, br)
		require.NoError(t, err)
		require.Equal(t, string(msg[len(h.MboxFrom()):]), out.String(), f)

		// And every entity's header is reproduced at its offsets.
		_ = Walk(bytes.NewReader(msg), nil, func(e *Entity) error {
			if e.InEncoded {
				return nil
			}
			require.Equal(t, string(msg[e.HeaderOffset:e.BodyOffset]), string(e.Header.Bytes()[:e.Header.rawLen()]), "%s %q", f, e.Section)
			return nil
		})
	}
}

// An error of the source reaches the body reader after the bytes before
// it, whether the body is read through the header's buffer or past it.
func TestWalkerSourceError(t *testing.T) {
	boom := errors.New("boom")
	body := strings.Repeat("line of text\r\n", 1000)
	for _, cut := range []int{10, 3000, len(body)} {
		src := io.MultiReader(strings.NewReader("Subject: x\r\n\r\n"+body[:cut]), iotest.ErrReader(boom))
		w := NewWalker(src, nil)
		e, err := w.Next()
		require.NoError(t, err)
		got, err := io.ReadAll(e.Body())
		require.ErrorIs(t, err, boom)
		require.Equal(t, body[:cut], string(got))
	}
}
