package dkim

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"
)

func zzMessage(size int) []byte {
	var b bytes.Buffer
	line := 0
	for b.Len() < size {
		fmt.Fprintf(&b, "Line %d of the body: the quick brown fox jumps over the lazy dog", line)
		switch {
		case line%7 == 3:
			b.WriteString(". \r\n")
		case line%13 == 5:
			b.WriteString(".  Again.\r\n")
		default:
			b.WriteString(".\r\n")
		}
		line++
		if line%10 == 0 {
			b.WriteString("\r\n")
		}
	}
	return b.Bytes()
}

func TestZZMicro(t *testing.T) {
	if os.Getenv("DKIM_MICRO") == "" {
		t.Skip()
	}
	sz := 1 << 20
	if os.Getenv("DKIM_SMALL") != "" {
		sz = 4 << 10
	}
	body := zzMessage(sz)
	var c collect
	bc := newBodyCanon(&c, Relaxed, -1)
	bc.Write(body)
	bc.close()
	canon := c.Bytes()
	var ys, fs []time.Duration
	reps := 1
	if sz < 100000 {
		reps = 50
	}
	for range 300 {
		t0 := time.Now()
		for range reps {
			h := sha256.New()
			bc := newBodyCanon(h, Relaxed, -1)
			bc.Write(body)
			bc.close()
			h.Sum(nil)
		}
		t1 := time.Now()
		for range reps {
			sha256.Sum256(canon)
		}
		t2 := time.Now()
		ys, fs = append(ys, t1.Sub(t0)), append(fs, t2.Sub(t1))
	}
	slices.Sort(ys)
	slices.Sort(fs)
	t.Logf("canon+hash/sha min %.4f med %.4f  (%v %v)", float64(ys[0])/float64(fs[0]), float64(ys[150])/float64(fs[150]), ys[0], fs[0])
}

type nopHash struct{ n int }

func (h *nopHash) Write(p []byte) (int, error) { h.n += len(p); return len(p), nil }
func (h *nopHash) Sum(b []byte) []byte         { return b }
func (h *nopHash) Reset()                      {}
func (h *nopHash) Size() int                   { return 32 }
func (h *nopHash) BlockSize() int              { return 64 }

func TestZZCanonOnly(t *testing.T) {
	if os.Getenv("DKIM_MICRO") == "" {
		t.Skip()
	}
	body := zzMessage(1 << 20)
	var ys []time.Duration
	for range 300 {
		t0 := time.Now()
		bc := newBodyCanon(&nopHash{}, Relaxed, -1)
		bc.Write(body)
		bc.close()
		ys = append(ys, time.Since(t0))
	}
	slices.Sort(ys)
	var ss []time.Duration
	for range 300 {
		t0 := time.Now()
		s := pairScanner{p: body, relaxed: true}
		for j := s.next(0); j >= 0; j = s.next(j + 1) {
		}
		ss = append(ss, time.Since(t0))
	}
	slices.Sort(ss)
	t.Logf("canon only min %v med %v; scan only min %v", ys[0], ys[150], ss[0])
}
