// Package messagebench compares message parsing and full decoding with
// emersion/go-message, jhillyerd/enmime and net/mail with mime/multipart.
//
// Each implementation reads every message of a corpus, walks all parts and
// reads every body to the end with the transfer encoding removed (and, where
// the library offers it, text converted to UTF-8). Metrics: MB/s, allocs per
// message (allocs/msg) and the peak growth of live heap during the run
// (peakheap-MB, sampled every 200µs in one extra untimed pass).
package messagebench

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	stdmime "mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"runtime"
	"runtime/metrics"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	gomessage "github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset"
	"github.com/jhillyerd/enmime"
	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/message"
)

// ---- inputs ----

// lorem makes n bytes of deterministic text lines.
func lorem(n int, seed int) string {
	words := []string{"mail", "message", "header", "the", "quick", "brown", "fox", "jumps", "over", "lazy",
		"dog", "protocol", "server", "client", "delivery", "report", "weekly", "update", "team", "project"}
	var b strings.Builder
	col := 0
	for i := 0; b.Len() < n; i++ {
		w := words[(i*7+seed*13+i/3)%len(words)]
		if col+len(w) > 72 {
			b.WriteString("\r\n")
			col = 0
		}
		b.WriteString(w)
		b.WriteByte(' ')
		col += len(w) + 1
	}
	b.WriteString("\r\n")
	return b.String()
}

func binary(n, seed int) []byte {
	b := make([]byte, n)
	x := uint32(seed*2654435761 + 1)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func build(b *message.Builder) []byte {
	var out bytes.Buffer
	if b.Date.IsZero() {
		b.Date = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	}
	if _, err := b.WriteTo(&out); err != nil {
		panic(err)
	}
	return out.Bytes()
}

var from = []message.Address{{Name: "Alice Example", Local: "alice", Domain: "example.com"}}
var to = []message.Address{{Name: "Bob", Local: "bob", Domain: "example.net"}, {Local: "carol", Domain: "example.net"}}

// textCorpus: text-heavy mail, plain and alternative, ASCII and UTF-8
// (quoted-printable) and ISO-2022-JP.
func textCorpus() [][]byte {
	var out [][]byte
	for i := 0; i < 24; i++ {
		txt := lorem(4<<10+i*1500, i)
		b := &message.Builder{From: from, To: to, Subject: fmt.Sprintf("Weekly update %d", i), Text: txt}
		switch i % 4 {
		case 1:
			b.HTML = "<html><body><p>" + strings.ReplaceAll(txt, "\r\n", "</p>\r\n<p>") + "</p></body></html>"
		case 2:
			b.Text = strings.ReplaceAll(txt, "the ", "thé ")
			b.Subject = "Café update"
		case 3:
			b.Text = strings.Repeat("山田様、来週の会議の資料をお送りします。よろしくお願いいたします。\r\n", 40+i*4)
			b.ISO2022JP = true
			b.Subject = "会議の資料"
		}
		out = append(out, build(b))
	}
	return out
}

// base64Corpus: attachment-heavy mail.
func base64Corpus() [][]byte {
	var out [][]byte
	for i := 0; i < 6; i++ {
		b := &message.Builder{From: from, To: to, Subject: "Report", Text: lorem(1000, i),
			Attachments: []message.Attachment{
				{Filename: fmt.Sprintf("report-%d.pdf", i), Body: bytes.NewReader(binary(512<<10+i*100<<10, i))},
				{Filename: "photo.jpg", Body: bytes.NewReader(binary(256<<10, i+100))},
			}}
		out = append(out, build(b))
	}
	return out
}

func mixedCorpus() [][]byte {
	var out [][]byte
	out = append(out, textCorpus()...)
	out = append(out, base64Corpus()[:2]...)
	fwd := &message.Builder{From: from, To: to, Subject: "Fwd", Text: "see below\r\n", Forward: bytes.NewReader(textCorpus()[1])}
	out = append(out, build(fwd))
	return out
}

// largeMessage streams an attachment-heavy message of about size bytes.
func largeMessage(size int) (io.Reader, int64) {
	head := "From: alice@example.com\r\nTo: bob@example.net\r\nSubject: large\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"=_large\"\r\n\r\n--=_large\r\nContent-Type: text/plain\r\n\r\n" + lorem(2000, 1)
	var line [78]byte
	base64.StdEncoding.Encode(line[:76], binary(57, 3))
	line[76], line[77] = '\r', '\n'
	per := (size - len(head)) / 10
	readers := []io.Reader{strings.NewReader(head)}
	total := int64(len(head))
	for i := 0; i < 10; i++ {
		ph := fmt.Sprintf("\r\n--=_large\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"part%d.bin\"\r\n\r\n", i)
		readers = append(readers, strings.NewReader(ph))
		n := per / len(line)
		readers = append(readers, &repeatReader{line: line[:], n: n})
		total += int64(len(ph) + n*len(line))
	}
	tail := "\r\n--=_large--\r\n"
	readers = append(readers, strings.NewReader(tail))
	return io.MultiReader(readers...), total + int64(len(tail))
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

// ---- implementations: each reads and decodes every leaf ----

type leaf struct {
	typ  string
	size int
	sum  string
}

type sink func(typ string, r io.Reader) error

func discard(typ string, r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}

func yubinParse(r io.Reader, out sink) error {
	return yubinWalk(message.NewWalker(r, nil), out)
}

// yubinWalk reads every leaf; a Walker reused with Reset keeps its buffer.
func yubinWalk(w *message.Walker, out sink) error {
	for {
		e, err := w.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if !e.IsLeaf() {
			continue
		}
		typ := e.MediaType.Type + "/" + e.MediaType.Subtype
		if e.MediaType.Type == "text" {
			tr, _ := e.Text(nil)
			err = out(typ, tr)
		} else {
			err = out(typ, e.Body())
		}
		if err != nil {
			return err
		}
	}
}

func gomessageParse(r io.Reader, out sink) error {
	e, err := gomessage.Read(r)
	if err != nil && !gomessage.IsUnknownCharset(err) && !gomessage.IsUnknownEncoding(err) {
		return err
	}
	return gomessageWalk(e, out)
}

func gomessageWalk(e *gomessage.Entity, out sink) error {
	if mr := e.MultipartReader(); mr != nil {
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil && !gomessage.IsUnknownCharset(err) && !gomessage.IsUnknownEncoding(err) {
				return err
			}
			if err := gomessageWalk(p, out); err != nil {
				return err
			}
		}
	}
	t, _, _ := e.Header.ContentType()
	return out(t, e.Body)
}

func stdlibParse(r io.Reader, out sink) error {
	m, err := mail.ReadMessage(bufio.NewReader(r))
	if err != nil {
		return err
	}
	return stdlibWalk(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body, out)
}

func stdlibWalk(ct, cte string, body io.Reader, out sink) error {
	typ, params, err := stdmime.ParseMediaType(ct)
	if err != nil || ct == "" {
		typ = "text/plain"
	}
	if strings.HasPrefix(typ, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := stdlibWalk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, out); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(cte) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	return out(typ, body)
}

func enmimeParse(r io.Reader, out sink) error {
	env, err := enmime.ReadEnvelope(r)
	if err != nil {
		return err
	}
	if err := out("text/plain", strings.NewReader(env.Text)); err != nil {
		return err
	}
	if err := out("text/html", strings.NewReader(env.HTML)); err != nil {
		return err
	}
	for _, l := range [][]*enmime.Part{env.Attachments, env.Inlines, env.OtherParts} {
		for _, p := range l {
			if err := out(p.ContentType, bytes.NewReader(p.Content)); err != nil {
				return err
			}
		}
	}
	return nil
}

var impls = []struct {
	name  string
	parse func(io.Reader, sink) error
}{
	{"yubin", yubinParse},
	{"gomessage", gomessageParse},
	{"enmime", enmimeParse},
	{"stdlib", stdlibParse},
}

// ---- benchmarks ----

// peakHeap samples live heap bytes until stop is closed.
type peakHeap struct {
	stop chan struct{}
	done sync.WaitGroup
	base uint64
	max  uint64
}

func heapNow() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startPeak() *peakHeap {
	runtime.GC()
	p := &peakHeap{stop: make(chan struct{}), base: heapNow()}
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				if h := heapNow(); h > p.max {
					p.max = h
				}
			}
		}
	}()
	return p
}

func (p *peakHeap) end() float64 {
	close(p.stop)
	p.done.Wait()
	if p.max < p.base {
		return 0
	}
	return float64(p.max-p.base) / (1 << 20)
}

func benchCorpus(b *testing.B, corpus [][]byte) {
	var total int64
	for _, m := range corpus {
		total += int64(len(m))
	}
	for _, impl := range impls {
		b.Run(impl.name, func(b *testing.B) {
			b.SetBytes(total)
			b.ReportAllocs()
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			run := func() {
				for _, m := range corpus {
					if err := impl.parse(bytes.NewReader(m), discard); err != nil {
						b.Fatal(err)
					}
				}
			}
			for i := 0; i < b.N; i++ {
				run()
			}
			b.StopTimer()
			runtime.ReadMemStats(&ms1)
			b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(b.N)/float64(len(corpus)), "allocs/msg")
			// Peak heap is sampled in an extra, untimed pass.
			peak := startPeak()
			run()
			b.ReportMetric(peak.end(), "peakheap-MB")
		})
	}
}

func BenchmarkParse(b *testing.B) {
	b.Run("text", func(b *testing.B) { benchCorpus(b, textCorpus()) })
	b.Run("base64", func(b *testing.B) { benchCorpus(b, base64Corpus()) })
	b.Run("mixed", func(b *testing.B) { benchCorpus(b, mixedCorpus()) })
	b.Run("large100MB", func(b *testing.B) {
		for _, impl := range impls {
			b.Run(impl.name, func(b *testing.B) {
				_, size := largeMessage(100 << 20)
				b.SetBytes(size)
				b.ReportAllocs()
				run := func() {
					r, _ := largeMessage(100 << 20)
					if err := impl.parse(r, discard); err != nil {
						b.Fatal(err)
					}
				}
				for i := 0; i < b.N; i++ {
					run()
				}
				b.StopTimer()
				// Peak heap is sampled in an extra, untimed pass.
				peak := startPeak()
				run()
				b.ReportMetric(peak.end(), "peakheap-MB")
			})
		}
	})
}

// ---- equivalence ----

func collect(t *testing.T, parse func(io.Reader, sink) error, msg []byte) []leaf {
	t.Helper()
	var out []leaf
	err := parse(bytes.NewReader(msg), func(typ string, r io.Reader) error {
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
		b = bytes.TrimRight(b, "\n")
		if len(b) == 0 && strings.HasPrefix(typ, "text/") {
			return nil
		}
		sum := sha256.Sum256(b)
		out = append(out, leaf{typ: strings.ToLower(typ), size: len(b), sum: hex.EncodeToString(sum[:8])})
		return nil
	})
	require.NoError(t, err)
	sort.Slice(out, func(i, j int) bool { return out[i].sum < out[j].sum })
	return out
}

// TestEquivalent checks that every implementation finds the same decoded
// content in the bench inputs (enmime flattens the tree, so leaves are
// compared as sorted sets; text is compared after line-end normalisation).
func TestEquivalent(t *testing.T) {
	var corpus [][]byte
	corpus = append(corpus, textCorpus()[:8]...)
	corpus = append(corpus, base64Corpus()[:2]...)
	for i, m := range corpus {
		want := collect(t, yubinParse, m)
		require.NotEmpty(t, want)
		for _, impl := range impls[1:] {
			got := collect(t, impl.parse, m)
			if impl.name == "stdlib" && i%4 == 3 && i < 8 {
				continue // no charset conversion in the standard library
			}
			require.Equal(t, want, got, "message %d, %s", i, impl.name)
		}
	}
	// The large message streams through yubin.
	r, _ := largeMessage(4 << 20)
	n := 0
	require.NoError(t, yubinParse(r, func(typ string, r io.Reader) error { n++; return discard(typ, r) }))
	require.Equal(t, 11, n)
}
