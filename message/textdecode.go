package message

import (
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"

	"github.com/yubinmail/yubin/mime"
)

// utf8OrLatin passes valid UTF-8 through and decodes every other byte as
// windows-1252. It reads text labelled us-ascii, or not labelled, that
// holds 8-bit bytes anyway.
type utf8OrLatin struct{ transform.NopResetter }

func (utf8OrLatin) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		c := src[nSrc]
		if c < utf8.RuneSelf {
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = c
			nDst++
			nSrc++
			continue
		}
		r, size := utf8.DecodeRune(src[nSrc:])
		if r == utf8.RuneError && size <= 1 {
			if !atEOF && !utf8.FullRune(src[nSrc:]) {
				return nDst, nSrc, transform.ErrShortSrc
			}
			dr := charmap.Windows1252.DecodeByte(c)
			size = 1
			if nDst+utf8.RuneLen(dr) > len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			nDst += utf8.EncodeRune(dst[nDst:], dr)
			nSrc += size
			continue
		}
		if nDst+size > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		copy(dst[nDst:], src[nSrc:nSrc+size])
		nDst += size
		nSrc += size
	}
	return nDst, nSrc, nil
}

// DecodeText converts a transfer-decoded text body from its charset to
// UTF-8 as Entity.Text does: text labelled us-ascii or not labelled is read
// as UTF-8 where valid and windows-1252 elsewhere; an unknown charset
// passes the bytes through with a *mime.UnknownCharsetError. A nil lookup
// means mime.LookupCharset.
func DecodeText(charset string, b []byte, lookup mime.CharsetLookup) (string, error) {
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "", "us-ascii", "ascii":
		if utf8.Valid(b) {
			return string(b), nil
		}
		out, _, err := transform.Bytes(utf8OrLatin{}, b)
		return string(out), err
	}
	return mime.DecodeCharset(charset, b, lookup)
}

// textReader passes valid UTF-8 through without copying and replaces each
// invalid byte by U+FFFD, or with latin set by its windows-1252 character.
type textReader struct {
	r       io.Reader
	latin   bool
	carry   [utf8.UTFMax]byte // an incomplete sequence from the last read
	ncarry  int
	pending []byte // converted output not yet returned
	eof     bool
}

func (t *textReader) Read(p []byte) (int, error) {
	if len(t.pending) > 0 {
		n := copy(p, t.pending)
		t.pending = t.pending[n:]
		return n, nil
	}
	if t.eof && t.ncarry == 0 {
		return 0, io.EOF
	}
	if len(p) < 2*utf8.UTFMax {
		var buf [64]byte
		n, err := t.Read(buf[:])
		if n > 0 {
			t.pending = append(t.pending[:0], buf[:n]...)
			m := copy(p, t.pending)
			t.pending = t.pending[m:]
			return m, nil
		}
		return 0, err
	}
	k := copy(p, t.carry[:t.ncarry])
	t.ncarry = 0
	m := k
	if !t.eof {
		n, err := t.r.Read(p[k:])
		m += n
		if err == io.EOF {
			t.eof = true
		} else if err != nil {
			return 0, err
		}
	}
	data := p[:m]
	if !t.eof {
		// Hold back an incomplete sequence at the end.
		for i := len(data) - 1; i >= 0 && i >= len(data)-utf8.UTFMax; i-- {
			if utf8.RuneStart(data[i]) {
				if !utf8.FullRune(data[i:]) {
					t.ncarry = copy(t.carry[:], data[i:])
					data = data[:i]
				}
				break
			}
		}
	}
	if utf8.Valid(data) {
		if len(data) == 0 && !t.eof {
			return 0, nil
		}
		return len(data), nil
	}
	t.pending = t.convert(data)
	n := copy(p, t.pending)
	t.pending = t.pending[n:]
	return n, nil
}

func (t *textReader) convert(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/2)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			if t.latin {
				r = charmap.Windows1252.DecodeByte(b[0])
			}
			size = 1
		}
		out = utf8.AppendRune(out, r)
		b = b[size:]
	}
	return out
}
