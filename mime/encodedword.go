package mime

import (
	"encoding/base64"
	"errors"
	"strings"
	"unicode/utf8"
)

// Warning codes for RFC 2047 encoded words.
const (
	// WarnMalformedWord: text that starts like an encoded word but is not
	// one (bad encoding letter, bad base64, empty charset) was kept
	// literally.
	WarnMalformedWord WarningCode = "malformed-encoded-word"
	// WarnWordWhitespace: blanks inside the encoded text of a word were
	// accepted (RFC 2047 section 2 forbids them).
	WarnWordWhitespace WarningCode = "encoded-word-whitespace"
	// WarnWordNotDelimited: an encoded word touches other text without
	// white space in between (RFC 2047 section 5 (1)); it was decoded.
	WarnWordNotDelimited WarningCode = "encoded-word-not-delimited"
	// WarnBadQEscape: a "=" in Q text not followed by two hex digits was
	// kept literally.
	WarnBadQEscape WarningCode = "bad-q-escape"
)

// maxWordLen bounds how far the decoder looks for the "?=" that ends an
// encoded word, which also keeps scanning linear.
//
// QUIRK: RFC 2047 section 2 allows 75 characters; real mail has longer
// words, so words up to this bound are decoded.
const maxWordLen = 2048

// maxWarnings bounds the warnings one call returns; later ones are dropped.
const maxWarnings = 64

// maxCharsetLen bounds the charset label of an encoded word.
const maxCharsetLen = 64

// WordDecoder decodes RFC 2047 encoded words. The zero value is ready to use
// and uses LookupCharset.
type WordDecoder struct {
	// Charsets resolves charset labels; nil means LookupCharset.
	Charsets CharsetLookup
}

// word is one parsed encoded word.
type word struct {
	charset string // without the *lang suffix
	lang    string // RFC 2231 section 5 language, may be empty
	enc     byte   // 'B' or 'Q' (upper case)
	text    string // the encoded text
	end     int    // offset just past "?="
	blanks  bool   // the text held blanks
}

// parseWord parses an encoded word at the start of s, which begins with
// "=?". It reports false when s does not start with a well-formed word.
func parseWord(s string) (w word, ok bool) {
	if len(s) < 8 || s[0] != '=' || s[1] != '?' {
		return w, false
	}
	limit := min(len(s), maxWordLen)
	i := 2
	for i < limit && s[i] != '?' {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '=' || i-2 > maxCharsetLen {
			return w, false
		}
		i++
	}
	cs := s[2:i]
	if i+3 > limit || s[i] != '?' || s[i+2] != '?' || cs == "" {
		return w, false
	}
	switch s[i+1] {
	case 'B', 'b':
		w.enc = 'B'
	case 'Q', 'q':
		w.enc = 'Q'
	default:
		return w, false
	}
	start := i + 3
	j := strings.Index(s[start:limit], "?=")
	if j < 0 {
		return w, false
	}
	// The text is checked as it is decoded (appendDecoded).
	w.text, w.end = s[start:start+j], start+j+2
	// RFC 2231 section 5: charset*language.
	if k := strings.IndexByte(cs, '*'); k >= 0 {
		cs, w.lang = cs[:k], cs[k+1:]
	}
	if cs == "" {
		return w, false
	}
	w.charset = cs
	return w, true
}

// appendDecoded appends the bytes that the word's text stands for. It
// reports false for text that is not base64 or holds control characters,
// and whether a bad Q escape was seen.
func (w *word) appendDecoded(dst []byte) (out []byte, ok, badQ bool) {
	if w.enc == 'B' {
		// The base64 decoder skips CR and LF, which an encoded word
		// must not hold.
		if strings.IndexByte(w.text, '\r') >= 0 || strings.IndexByte(w.text, '\n') >= 0 {
			return dst, false, false
		}
		out, ok := appendBase64(dst, w.text)
		if !ok && strings.ContainsAny(w.text, " \t") {
			// QUIRK: blanks inside the encoded text are skipped.
			w.blanks = true
			out, ok = appendBase64(dst, strings.NewReplacer(" ", "", "\t", "").Replace(w.text))
		}
		return out, ok, false
	}
	// Q never grows: decode in place into room for the whole text.
	text := w.text
	n := len(dst)
	dst = growBytes(dst, len(text))[:n+len(text)]
	j := n
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '_': // RFC 2047 section 4.2 (2)
			c = ' '
		case c == '=' && i+2 < len(text) && ewIsHex(text[i+1]) && ewIsHex(text[i+2]):
			c = ewUnhex(text[i+1])<<4 | ewUnhex(text[i+2])
			i += 2
		case c == '=':
			badQ = true
		case c == ' ' || c == '\t':
			// QUIRK: blanks inside the encoded text are accepted.
			w.blanks = true
		case c < ' ' || c == 0x7f:
			return dst[:n], false, false
		}
		dst[j] = c
		j++
	}
	return dst[:j], true, badQ
}

// appendBase64 decodes base64 text, accepting missing padding.
func appendBase64(dst []byte, text string) ([]byte, bool) {
	text = strings.TrimRight(text, "=")
	n := base64.RawStdEncoding.DecodedLen(len(text))
	dst = growBytes(dst, n)
	m, err := base64.RawStdEncoding.Decode(dst[len(dst):len(dst)+n], []byte(text))
	if err != nil {
		return dst, false
	}
	return dst[:len(dst)+m], true
}

func growBytes(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	nb := make([]byte, len(b), 2*cap(b)+n)
	copy(nb, b)
	return nb
}

func ewIsHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func ewUnhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// DecodeWord decodes a single encoded word, such as "=?utf-8?q?caf=C3=A9?=".
// If word is not one well-formed encoded word it is returned unchanged with
// a Warnings error holding WarnMalformedWord. An unknown charset gives the
// undecoded bytes when they are valid UTF-8 (else the word unchanged) and an
// error that matches *UnknownCharsetError.
func (d *WordDecoder) DecodeWord(word string) (string, error) {
	w, ok := parseWord(word)
	if !ok || w.end != len(word) {
		return word, Warnings{{Code: WarnMalformedWord, Offset: 0, Detail: "not an encoded word"}}
	}
	return d.DecodeHeader(word)
}

// DecodeHeader decodes the encoded words in an unstructured header value
// (RFC 2047 section 5 (1)), such as a Subject. White space between adjacent
// encoded words is removed (section 6.2); adjacent words in the same charset
// are joined as bytes before the charset is converted, so characters and
// ISO-2022-JP escape sequences split between words decode. Text that is not
// an encoded word, folding included, is returned as it is.
//
// The result is always usable. The error, when not nil, is a Warnings list
// (malformed words are kept literally; at most 64 warnings), and it also
// matches *UnknownCharsetError with errors.As when a charset was unknown.
// Time and memory are linear in len(s).
func (d *WordDecoder) DecodeHeader(s string) (string, error) {
	i := strings.Index(s, "=?")
	if i < 0 {
		return s, nil // the common case: no encoded word at all
	}
	out, warns, unknown := decodeWordsAt(s, i, d.Charsets)
	switch {
	case unknown != nil && len(warns) > 0:
		return out, errors.Join(warns, unknown)
	case unknown != nil:
		return out, unknown
	case len(warns) > 0:
		return out, warns
	}
	return out, nil
}

// decodeWords is DecodeHeader with its problems returned apart.
func decodeWords(s string, charsets CharsetLookup) (string, Warnings, *UnknownCharsetError) {
	i := strings.Index(s, "=?")
	if i < 0 {
		return s, nil, nil
	}
	return decodeWordsAt(s, i, charsets)
}

// decodeWordsAt is decodeWords for s whose first "=?" is at i.
func decodeWordsAt(s string, i int, charsets CharsetLookup) (string, Warnings, *UnknownCharsetError) {
	st := decodeState{charsets: charsets, s: s}
	st.out.Grow(len(s))
	st.run(i)
	return st.out.String(), st.warns, st.unknown
}

// DecodeHeader decodes s with a zero WordDecoder; see WordDecoder.DecodeHeader.
func DecodeHeader(s string) (string, error) {
	var d WordDecoder
	return d.DecodeHeader(s)
}

// decodeState carries one DecodeHeader call.
type decodeState struct {
	charsets CharsetLookup
	s        string
	out      strings.Builder
	warns    Warnings
	unknown  *UnknownCharsetError

	pendCS    string // charset of the pending run
	pendStart int    // offset of the first word of the run
	pendEnd   int    // offset just past the last word of the run
}

func (st *decodeState) warn(code WarningCode, off int, detail string) {
	if len(st.warns) < maxWarnings { // bound the list on hostile input
		st.warns = append(st.warns, &Warning{Code: code, Offset: off, Detail: detail})
	}
}

// run decodes s, whose first "=?" is at i.
func (st *decodeState) run(i int) {
	s := st.s
	lit := 0 // start of the literal text not yet written
	// pend holds the decoded bytes of the pending run of same-charset
	// words; it lives here, not in st, so the buffer stays on the stack.
	var buf [256]byte
	pend := buf[:0]
	for i >= 0 {
		w, ok := parseWord(s[i:])
		if !ok {
			if wordLike(s[i:]) {
				st.warn(WarnMalformedWord, i, "kept as text")
			}
			i = nextWordStart(s, i+1)
			continue
		}
		mark := len(pend)
		dec, okDec, badQ := w.appendDecoded(pend)
		if !okDec {
			// Bad base64 or control characters: the word stays in the
			// literal text.
			pend = dec[:mark]
			st.warn(WarnMalformedWord, i, "invalid encoded text")
			i = nextWordStart(s, i+1)
			continue
		}
		gap := s[lit:i]
		if st.pendEnd > 0 && st.pendEnd == lit && isLWSP(gap) {
			// RFC 2047 section 6.2: blanks between adjacent words vanish.
			// QUIRK: words in the same charset are joined as bytes before
			// conversion (section 5 wants each word to stand alone), so a
			// character split between words decodes.
			if !strings.EqualFold(w.charset, st.pendCS) {
				dec = st.flushBefore(dec, mark)
			}
		} else {
			dec = st.flushBefore(dec, mark)
			st.out.WriteString(gap)
			if i > 0 && !isLWSPByte(s[i-1]) && s[i-1] != '(' && s[i-1] != '"' {
				// QUIRK: a word glued to other text is decoded anyway
				// (RFC 2047 section 5 (1) wants white space around it).
				st.warn(WarnWordNotDelimited, i, "")
			}
		}
		end := i + w.end
		if end < len(s) && !isLWSPByte(s[end]) && s[end] != ')' && s[end] != '"' &&
			!strings.HasPrefix(s[end:], "=?") {
			st.warn(WarnWordNotDelimited, end, "")
		}
		if w.blanks {
			st.warn(WarnWordWhitespace, i, "")
		}
		if badQ {
			st.warn(WarnBadQEscape, i, "")
		}
		if st.pendEnd == 0 {
			st.pendCS, st.pendStart = w.charset, i
		}
		pend, st.pendEnd = dec, end
		lit = end
		i = nextWordStart(s, end)
	}
	st.flush(pend)
	st.out.WriteString(s[lit:])
}

// nextWordStart finds the next "=?" at or after i, or -1.
func nextWordStart(s string, i int) int {
	if i >= len(s) {
		return -1
	}
	j := strings.Index(s[i:], "=?")
	if j < 0 {
		return -1
	}
	return i + j
}

// wordLike reports whether s looks enough like an encoded word
// ("=?cs?X?...?=") that failing to parse it deserves a warning.
func wordLike(s string) bool {
	end := strings.Index(s[2:min(len(s), maxWordLen)], "?=")
	if end < 0 {
		return false
	}
	return strings.Count(s[2:2+end], "?") >= 2
}

// charsetTrouble handles a failed conversion of the pending run, whose
// output starts at mark.
func (st *decodeState) charsetTrouble(err error, mark int, b []byte) {
	if uce, ok := err.(*UnknownCharsetError); ok {
		if st.unknown == nil {
			st.unknown = uce
		}
		st.warn(WarnUnknownCharset, st.pendStart, st.pendCS)
		if utf8.Valid(b) {
			return // the bytes passed through
		}
	} else {
		st.warn(WarnCharsetDecode, st.pendStart, err.Error())
	}
	// RFC 2047 section 6.2: show the words as they are. A Builder cannot
	// shrink, so rebuild it without the bytes just written.
	prev := st.out.String()[:mark]
	st.out.Reset()
	st.out.Grow(len(st.s))
	st.out.WriteString(prev)
	st.out.WriteString(st.s[st.pendStart:st.pendEnd])
}

// flushBefore flushes the pending run, which is dec[:mark], and returns the
// bytes of the new word, dec[mark:], moved to the start of the buffer.
func (st *decodeState) flushBefore(dec []byte, mark int) []byte {
	if mark == 0 && st.pendEnd == 0 {
		return dec
	}
	st.flush(dec[:mark])
	n := copy(dec, dec[mark:])
	return dec[:n]
}

// flush converts the pending run of words, whose bytes are b, and writes it.
func (st *decodeState) flush(b []byte) {
	if st.pendEnd == 0 {
		return
	}
	if st.charsets == nil && isUTF8Label(st.pendCS) {
		if utf8.Valid(b) {
			st.out.Write(b)
		} else {
			st.out.WriteString(strings.ToValidUTF8(string(b), "\uFFFD"))
		}
	} else if st.charsets == nil && isASCIICompatible(st.pendCS) && allASCII(b) {
		st.out.Write(b)
	} else if cm := singleByteCharmap(st.charsets, st.pendCS); cm != nil {
		decodeSingleByte(&st.out, cm, b)
	} else {
		// A copy, so that the stack buffer behind b does not escape
		// through the decoder interfaces.
		cp := append([]byte(nil), b...)
		mark := st.out.Len()
		err := decodeCharsetTo(&st.out, st.pendCS, cp, st.charsets)
		if err != nil {
			st.charsetTrouble(err, mark, cp)
		}
	}
	st.pendStart, st.pendEnd = 0, 0
}

func isLWSPByte(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// isLWSP reports whether s is only linear white space (folding included).
func isLWSP(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLWSPByte(s[i]) {
			return false
		}
	}
	return true
}
