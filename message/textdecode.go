package message

import (
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
