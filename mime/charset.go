package mime

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// CharsetLookup maps a charset label, as found in a MIME header, to an
// encoding. It reports false for a label it does not know. Applications that
// need extra or different charsets pass their own lookup (often one built with
// ChainCharsets) instead of changing any package state.
type CharsetLookup func(name string) (encoding.Encoding, bool)

// UnknownCharsetError reports a charset label that no lookup knows. Functions
// that return it still return a usable value: the undecoded bytes.
type UnknownCharsetError struct {
	Charset string // the label as found in the input
}

// Error implements error.
func (e *UnknownCharsetError) Error() string {
	return "mime: unknown charset " + strings.ToValidUTF8(e.Charset, "?")
}

// Warning codes for charset conversion.
const (
	// WarnUnknownCharset is reported when a charset label is unknown and the
	// bytes were passed through undecoded.
	WarnUnknownCharset WarningCode = "unknown-charset"
	// WarnCharsetDecode is reported when a charset decoder failed; the bytes
	// were passed through undecoded.
	WarnCharsetDecode WarningCode = "charset-decode"
)

// errNotASCII is returned by the us-ascii encoder for a non-ASCII rune.
var errNotASCII = errors.New("mime: rune not representable in us-ascii")

// latinEncoding decodes as windows-1252 and encodes with enc.
//
// QUIRK: us-ascii and iso-8859-1 are decoded as windows-1252, as mail clients
// and the WHATWG Encoding Standard (section 4.2) do: 8-bit bytes in mail
// labelled us-ascii and C1 controls in iso-8859-1 are nearly always cp1252.
// Encoding stays strict.
type latinEncoding struct{ enc encoding.Encoding }

func (latinEncoding) NewDecoder() *encoding.Decoder { return charmap.Windows1252.NewDecoder() }

func (l latinEncoding) NewEncoder() *encoding.Encoder {
	if l.enc == nil {
		return &encoding.Encoder{Transformer: asciiEncoder{}}
	}
	return l.enc.NewEncoder()
}

// asciiEncoder copies ASCII and fails on anything else.
type asciiEncoder struct{ transform.NopResetter }

func (asciiEncoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		if src[nSrc] >= utf8.RuneSelf {
			if !atEOF && !utf8.FullRune(src[nSrc:]) {
				return nDst, nSrc, transform.ErrShortSrc
			}
			return nDst, nSrc, errNotASCII
		}
		if nDst >= len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		dst[nDst] = src[nSrc]
		nDst++
		nSrc++
	}
	return nDst, nSrc, nil
}

var (
	encASCII  encoding.Encoding = latinEncoding{}
	encLatin1 encoding.Encoding = latinEncoding{enc: charmap.ISO8859_1}
	encUTF16  encoding.Encoding = unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
)

// charsets is the default registry: normalised label → encoding. It is never
// modified after initialisation.
var charsets = map[string]encoding.Encoding{
	"utf-8": unicode.UTF8, "utf8": unicode.UTF8, "unicode-1-1-utf-8": unicode.UTF8,
	"x-unicode20utf8": unicode.UTF8,

	"us-ascii": encASCII, "ascii": encASCII, "ansi_x3.4-1968": encASCII,
	"ansi_x3.4-1986": encASCII, "iso646-us": encASCII, "iso_646.irv:1991": encASCII,
	"us": encASCII, "ibm367": encASCII, "cp367": encASCII, "csascii": encASCII,
	"iso-ir-6": encASCII, "646": encASCII, "cp20127": encASCII,

	"iso-8859-1": encLatin1, "iso8859-1": encLatin1, "iso_8859-1": encLatin1,
	"iso_8859-1:1987": encLatin1, "latin1": encLatin1, "l1": encLatin1,
	"iso-ir-100": encLatin1, "ibm819": encLatin1, "cp819": encLatin1,
	"csisolatin1": encLatin1, "8859_1": encLatin1, "iso88591": encLatin1,

	"iso-8859-2": charmap.ISO8859_2, "iso-8859-3": charmap.ISO8859_3,
	"iso-8859-4": charmap.ISO8859_4, "iso-8859-5": charmap.ISO8859_5,
	"iso-8859-6": charmap.ISO8859_6, "iso-8859-7": charmap.ISO8859_7,
	"iso-8859-8": charmap.ISO8859_8, "iso-8859-8-i": charmap.ISO8859_8,
	"iso-8859-9": charmap.ISO8859_9, "iso-8859-10": charmap.ISO8859_10,
	// QUIRK: iso-8859-11 (and tis-620) decode as windows-874, its superset.
	"iso-8859-11": charmap.Windows874, "tis-620": charmap.Windows874,
	"iso-8859-13": charmap.ISO8859_13, "iso-8859-14": charmap.ISO8859_14,
	"iso-8859-15": charmap.ISO8859_15, "iso-8859-16": charmap.ISO8859_16,
	"latin2": charmap.ISO8859_2, "latin3": charmap.ISO8859_3, "latin4": charmap.ISO8859_4,
	"cyrillic": charmap.ISO8859_5, "greek": charmap.ISO8859_7, "hebrew": charmap.ISO8859_8,
	"latin5": charmap.ISO8859_9, "latin6": charmap.ISO8859_10, "latin-9": charmap.ISO8859_15,
	"latin9": charmap.ISO8859_15, "latin10": charmap.ISO8859_16,

	"windows-874": charmap.Windows874, "cp874": charmap.Windows874,
	"windows-1250": charmap.Windows1250, "windows-1251": charmap.Windows1251,
	"windows-1252": charmap.Windows1252, "windows-1253": charmap.Windows1253,
	"windows-1254": charmap.Windows1254, "windows-1255": charmap.Windows1255,
	"windows-1256": charmap.Windows1256, "windows-1257": charmap.Windows1257,
	"windows-1258": charmap.Windows1258,
	"cp1250":       charmap.Windows1250, "cp1251": charmap.Windows1251,
	"cp1252": charmap.Windows1252, "cp1253": charmap.Windows1253,
	"cp1254": charmap.Windows1254, "cp1255": charmap.Windows1255,
	"cp1256": charmap.Windows1256, "cp1257": charmap.Windows1257,
	"cp1258": charmap.Windows1258,
	"koi8-r": charmap.KOI8R, "koi8r": charmap.KOI8R, "cskoi8r": charmap.KOI8R, "koi8": charmap.KOI8R,
	"koi8-u": charmap.KOI8U, "koi8-ru": charmap.KOI8U,
	"ibm866": charmap.CodePage866, "cp866": charmap.CodePage866,
	"macintosh": charmap.Macintosh, "mac": charmap.Macintosh,
	"x-mac-roman": charmap.Macintosh, "x-mac-cyrillic": charmap.MacintoshCyrillic,

	// QUIRK: iso-2022-jp-1, -2 and -3 are decoded as iso-2022-jp (x/text
	// also reads the JIS X 0212 escapes of -1); escapes of the other
	// repertoires of -2 become U+FFFD.
	"iso-2022-jp": japanese.ISO2022JP, "csiso2022jp": japanese.ISO2022JP,
	"iso-2022-jp-1": japanese.ISO2022JP, "iso-2022-jp-2": japanese.ISO2022JP,
	"iso-2022-jp-3": japanese.ISO2022JP, "jis": japanese.ISO2022JP,
	"iso-2022-jp-2004": japanese.ISO2022JP,
	// QUIRK: x/text's Shift_JIS is the WHATWG one, which is windows-31j
	// (CP932) with the NEC and IBM extensions; plain Shift_JIS is a subset.
	"shift_jis": japanese.ShiftJIS, "shift-jis": japanese.ShiftJIS,
	"sjis": japanese.ShiftJIS, "x-sjis": japanese.ShiftJIS, "ms_kanji": japanese.ShiftJIS,
	"csshiftjis": japanese.ShiftJIS, "windows-31j": japanese.ShiftJIS,
	"cswindows31j": japanese.ShiftJIS, "cp932": japanese.ShiftJIS,
	"ms932": japanese.ShiftJIS, "x-ms-cp932": japanese.ShiftJIS, "windows-932": japanese.ShiftJIS,
	// QUIRK: Mac Japanese and the JIS X 0213 variants decode as the closest
	// available charset.
	"x-mac-japanese": japanese.ShiftJIS, "shift_jis-2004": japanese.ShiftJIS,
	"shift_jisx0213": japanese.ShiftJIS, "euc-jis-2004": japanese.EUCJP, "euc-jisx0213": japanese.EUCJP,
	"euc-jp": japanese.EUCJP, "x-euc-jp": japanese.EUCJP, "eucjp": japanese.EUCJP,
	"cseucpkdfmtjapanese": japanese.EUCJP, "ujis": japanese.EUCJP,

	// QUIRK: gb2312 and its labels decode as GBK, its superset, as in WHATWG.
	"gb2312": simplifiedchinese.GBK, "gb_2312-80": simplifiedchinese.GBK,
	"csgb2312": simplifiedchinese.GBK, "euc-cn": simplifiedchinese.GBK, "gb_2312": simplifiedchinese.GBK,
	"x-gbk": simplifiedchinese.GBK, "gbk": simplifiedchinese.GBK,
	"cp936": simplifiedchinese.GBK, "ms936": simplifiedchinese.GBK,
	"windows-936": simplifiedchinese.GBK, "chinese": simplifiedchinese.GBK,
	"gb18030": simplifiedchinese.GB18030, "hz-gb-2312": simplifiedchinese.HZGB2312,

	// QUIRK: big5-hkscs and cp950 decode as WHATWG Big5 (which includes HKSCS).
	"big5": traditionalchinese.Big5, "big-5": traditionalchinese.Big5,
	"x-big5": traditionalchinese.Big5, "cn-big5": traditionalchinese.Big5,
	"csbig5": traditionalchinese.Big5, "big5-hkscs": traditionalchinese.Big5,
	"cp950": traditionalchinese.Big5, "big5hkscs": traditionalchinese.Big5,
	"windows-950": traditionalchinese.Big5,

	// QUIRK: euc-kr and ks_c_5601-1987 decode as windows-949 (UHC), their
	// superset, as in WHATWG.
	"euc-kr": korean.EUCKR, "ks_c_5601-1987": korean.EUCKR, "ks_c_5601-1989": korean.EUCKR,
	"ks_c_5601": korean.EUCKR, "ksc5601": korean.EUCKR, "ksc_5601": korean.EUCKR,
	"cseuckr": korean.EUCKR, "korean": korean.EUCKR, "windows-949": korean.EUCKR,
	"cp949": korean.EUCKR, "uhc": korean.EUCKR, "x-windows-949": korean.EUCKR,
	"iso-ir-149": korean.EUCKR, "cskscs5601": korean.EUCKR,

	// RFC 2781: "utf-16" is big-endian unless a BOM says otherwise.
	"utf-16": encUTF16, "utf16": encUTF16, "ucs-2": encUTF16, "iso-10646-ucs-2": encUTF16,
	"utf-16be": unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM),
	"utf-16le": unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM),

	"utf-7": UTF7, "utf7": UTF7, "unicode-1-1-utf-7": UTF7, "csunicode11utf7": UTF7,
	"x-unicode20utf7": UTF7,
}

// trimCharset strips blanks and quotes around a label.
func trimCharset(name string) string {
	name = strings.TrimSpace(name)
	if len(name) >= 2 && name[0] == '"' && name[len(name)-1] == '"' {
		name = strings.TrimSpace(name[1 : len(name)-1])
	}
	return name
}

// normCharset lowercases a label and strips quotes and blanks around it.
// It allocates only when the label is not already normal.
func normCharset(name string) string {
	return strings.ToLower(trimCharset(name))
}

// LookupCharset is the default CharsetLookup. It knows the IANA names and
// aliases of the charsets listed in the package documentation, the aliases
// seen in real mail, UTF-7, and, as a fallback, every other IANA name that
// golang.org/x/text implements. Labels are matched case-insensitively and
// may be quoted. It does not allocate for labels in its own table.
func LookupCharset(name string) (encoding.Encoding, bool) {
	n := trimCharset(name)
	if n == "" || len(n) > 64 {
		return nil, false
	}
	var buf [64]byte
	lower := buf[:len(n)]
	for i := 0; i < len(n); i++ {
		c := n[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	if e, ok := charsets[string(lower)]; ok {
		return e, true
	}
	if e, ok := charsets[variantLabel(string(lower))]; ok {
		return e, true
	}
	if e, err := ianaindex.IANA.Encoding(string(lower)); err == nil && e != nil {
		return e, true
	}
	return nil, false
}

// variantLabel rewrites the spelling variants of real mail into the form
// of the registry: "_" for "-", an "x-" prefix, "iso8859-15" for
// "iso-8859-15", and "cp-1252", "win-1251", "x-cp1250" for "windows-125N".
func variantLabel(l string) string {
	l = strings.ReplaceAll(l, "_", "-")
	l = strings.TrimPrefix(l, "x-")
	if rest, ok := strings.CutPrefix(l, "iso8859"); ok {
		return "iso-8859-" + strings.TrimLeft(rest, "-")
	}
	for _, p := range []string{"cp-", "win-", "windows", "cp"} {
		if rest, ok := strings.CutPrefix(l, p); ok {
			rest = strings.TrimLeft(rest, "-")
			if len(rest) == 4 && strings.HasPrefix(rest, "125") {
				return "windows-" + rest
			}
		}
	}
	return l
}

// ChainCharsets returns a lookup that asks each lookup in turn; a nil entry
// stands for LookupCharset. Use it to add or override charsets:
//
//	lookup := mime.ChainCharsets(myTable, nil)
func ChainCharsets(lookups ...CharsetLookup) CharsetLookup {
	ls := append([]CharsetLookup(nil), lookups...)
	return func(name string) (encoding.Encoding, bool) {
		for _, l := range ls {
			if l == nil {
				l = LookupCharset
			}
			if e, ok := l(name); ok && e != nil {
				return e, true
			}
		}
		return nil, false
	}
}

func lookupWith(lookup CharsetLookup, name string) (encoding.Encoding, bool) {
	if lookup == nil {
		return LookupCharset(name)
	}
	e, ok := lookup(name)
	return e, ok && e != nil // a nil encoding would panic later
}

// asciiLabels are labels of charsets that decode pure ASCII unchanged.
var asciiLabels = []string{"utf-8", "us-ascii", "iso-8859-1", "windows-1252", "iso-8859-15",
	"iso-8859-2", "utf8", "ascii", "shift_jis", "euc-jp", "gb2312", "gbk", "gb18030", "big5",
	"euc-kr", "ks_c_5601-1987", "koi8-r", "koi8-u", "windows-1251", "windows-1250", "cp932",
	"windows-31j", "latin1", "iso-8859-5", "iso-8859-7", "iso-8859-9"}

// isASCIICompatible reports whether the default registry decodes pure
// ASCII in this charset unchanged, so that conversion can be skipped.
func isASCIICompatible(label string) bool {
	label = trimCharset(label)
	for _, l := range asciiLabels {
		if len(l) == len(label) && strings.EqualFold(l, label) {
			return true
		}
	}
	return false
}

// isUTF8Label reports whether label names UTF-8.
func isUTF8Label(label string) bool {
	label = trimCharset(label)
	return strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8")
}

func allASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// DecodeCharset converts b from the named charset to UTF-8. A nil lookup
// means LookupCharset. For an unknown charset it returns the bytes unchanged
// and an *UnknownCharsetError. Sequences that are invalid in the charset
// become U+FFFD. If the decoder itself fails (only application-supplied
// decoders do), the bytes are returned unchanged with a *Warning whose code
// is WarnCharsetDecode.
func DecodeCharset(charset string, b []byte, lookup CharsetLookup) (string, error) {
	if lookup == nil && allASCII(b) && isASCIICompatible(charset) {
		return string(b), nil
	}
	var sb strings.Builder
	err := decodeCharsetTo(&sb, charset, b, lookup)
	return sb.String(), err
}

// decodeCharsetTo is DecodeCharset writing into sb.
func decodeCharsetTo(sb *strings.Builder, charset string, b []byte, lookup CharsetLookup) error {
	if lookup == nil && isASCIICompatible(charset) && allASCII(b) {
		sb.Write(b)
		return nil
	}
	e, ok := lookupWith(lookup, charset)
	if !ok {
		sb.Write(b)
		return &UnknownCharsetError{Charset: charset}
	}
	switch enc := e.(type) {
	case latinEncoding:
		decodeSingleByte(sb, charmap.Windows1252, b)
		return nil
	case *charmap.Charmap:
		decodeSingleByte(sb, enc, b)
		return nil
	}
	if e == unicode.UTF8 && utf8.Valid(b) {
		sb.Write(b)
		return nil
	}
	var out []byte
	var err error
	if e == japanese.ISO2022JP {
		out, _, err = transform.Bytes(newISO2022JPDecoder(), b)
	} else {
		out, err = e.NewDecoder().Bytes(b)
	}
	if err != nil {
		// x/text decoders replace bad input; an error here comes from an
		// application-supplied decoder. Keep the bytes, say why.
		sb.Write(b)
		return &Warning{Code: WarnCharsetDecode, Offset: -1, Detail: err.Error()}
	}
	sb.Write(out)
	return nil
}

// singleByteCharmap returns the table of a single-byte charset from the
// default registry, or nil.
func singleByteCharmap(lookup CharsetLookup, label string) *charmap.Charmap {
	if lookup != nil {
		return nil
	}
	e, _ := LookupCharset(label)
	switch enc := e.(type) {
	case latinEncoding:
		return charmap.Windows1252
	case *charmap.Charmap:
		return enc
	}
	return nil
}

// decodeSingleByte converts with a single-byte table, without the
// allocations of a transformer.
func decodeSingleByte(sb *strings.Builder, cm *charmap.Charmap, b []byte) {
	sb.Grow(len(b) + len(b)/2)
	for _, c := range b {
		if c < utf8.RuneSelf && cm != charmap.CodePage037 && cm != charmap.CodePage1047 && cm != charmap.CodePage1140 {
			sb.WriteByte(c)
			continue
		}
		sb.WriteRune(cm.DecodeByte(c))
	}
}

// NewCharsetReader returns a reader that converts r from the named charset
// to UTF-8. A nil lookup means LookupCharset. For an unknown charset it
// returns r itself (bytes pass through) together with an
// *UnknownCharsetError, so callers may use the reader either way.
func NewCharsetReader(charset string, r io.Reader, lookup CharsetLookup) (io.Reader, error) {
	e, ok := lookupWith(lookup, charset)
	if !ok {
		return r, &UnknownCharsetError{Charset: charset}
	}
	if e == unicode.UTF8 {
		// Valid UTF-8 passes unchanged; invalid bytes become U+FFFD.
		return transform.NewReader(r, unicode.UTF8.NewDecoder()), nil
	}
	if e == japanese.ISO2022JP {
		return newJISReader(r), nil
	}
	return transform.NewReader(r, e.NewDecoder()), nil
}

// encodeCharset converts UTF-8 s to the encoding e; it reports false when s
// holds a rune that e cannot represent.
func encodeCharset(e encoding.Encoding, s []byte) ([]byte, bool) {
	if e == unicode.UTF8 {
		return s, true
	}
	out, err := e.NewEncoder().Bytes(s)
	if err != nil || bytes.IndexByte(out, 0x1a) >= 0 && bytes.IndexByte(s, 0x1a) < 0 {
		return nil, false
	}
	return out, true
}
