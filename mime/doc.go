// Package mime implements the MIME primitives that mail software needs:
// charsets, RFC 2047 encoded words, media types with their parameters,
// transfer encodings, and multipart bodies. It reads what real mail contains,
// not only what the RFCs allow: where input is broken, functions return the
// best interpretation together with a Warnings error (see errors.go), and
// they never panic, hang, or use unbounded memory.
//
// # Standards
//
//   - RFC 2045 (MIME part one): section 5 (Content-Type syntax), section 5.1
//     (parameters, tspecials, quoted strings), section 5.2 (defaults).
//   - RFC 2046 (media types): section 4.1.2 (charset parameter), section 5.1
//     (multipart).
//   - RFC 2047 (encoded words): sections 2 to 6, including section 5 (where
//     encoded words may appear), section 6.2 (display of adjacent words) and
//     the examples of section 8.
//   - RFC 2183 (Content-Disposition).
//   - RFC 2231 (parameter value continuations, section 3; charset and
//     language, section 4; language in encoded words, section 5).
//   - RFC 2152 (UTF-7), RFC 2781 (UTF-16), RFC 1468 (ISO-2022-JP).
//   - RFC 5322 section 3.2.5 (phrases), for EncodePhrase.
//
// # Charsets
//
// LookupCharset is an immutable registry built on golang.org/x/text. It knows
// utf-8, us-ascii, iso-8859-1 to -16, windows-874 and -1250 to -1258,
// koi8-r and koi8-u, iso-2022-jp (with its -1, -2 and -3 labels), Shift_JIS
// and its aliases (sjis, x-sjis, windows-31j, cp932, ms932), euc-jp, gb2312,
// gbk, gb18030, hz-gb-2312, big5, euc-kr and ks_c_5601-1987, utf-16 (BOM or
// big-endian), utf-16le, utf-16be and utf-7 (written here, as UTF7), each with
// the aliases seen in real mail, and, as a fallback, every other IANA name that
// x/text implements. Labels match case-insensitively and may carry quotes.
// Applications add or override charsets by passing a CharsetLookup (see
// ChainCharsets); nothing in the package is mutable. DecodeCharset and
// NewCharsetReader convert to UTF-8; an unknown charset passes the bytes
// through and reports an *UnknownCharsetError.
//
// # Encoded words
//
// WordDecoder decodes RFC 2047 "B" and "Q" words in any registered charset.
// Whitespace between adjacent encoded words is dropped, and adjacent words in
// the same charset are joined at the byte level before the charset is
// converted, so a multibyte character or an ISO-2022-JP escape sequence split
// across two words decodes correctly. The RFC 2231 "*lang" suffix is accepted.
// A malformed word stays in the output as literal text, with a warning.
//
// WordEncoder encodes only the words of a text that need it, picks Q or B by
// length, keeps every encoded word within 75 characters, never splits a
// character between two words, and separates words by single spaces so that a
// header folder can break the line between them.
//
// # Media types and parameters
//
// ParseMediaType and ParseDisposition read Content-Type and
// Content-Disposition values into ordered Params whose values are fully
// decoded: quoted strings with escapes, RFC 2231 continuations in any order,
// RFC 2231 charset and language for any registered charset, and RFC 2047
// words inside parameter values. Names are case-insensitive. MediaType.String
// and FormatParams write tokens or quoted strings for ASCII values and RFC 2231
// for others, split into continuations so no parameter exceeds 78 columns,
// and can add a legacy RFC 2047 duplicate for old clients.
//
// # Transfer encodings and multipart
//
// (Documented by the transfer-encoding and multipart files.)
//
// # Deviations (QUIRK)
//
// Each deliberate deviation from the RFCs is marked "QUIRK:" in the code.
//
//   - us-ascii and iso-8859-1 are decoded as windows-1252 (WHATWG practice);
//     encoding stays strict.
//   - gb2312 decodes as GBK, euc-kr and ks_c_5601-1987 as windows-949,
//     big5-hkscs and cp950 as WHATWG Big5, iso-8859-11 and tis-620 as
//     windows-874, and Shift_JIS as windows-31j: each is the superset.
//   - iso-2022-jp-1, -2 and -3 are decoded as iso-2022-jp, the closest
//     decoder available; characters only the larger sets have become U+FFFD.
//   - Encoded words are decoded where RFC 2047 section 5 does not allow them:
//     inside words ("foo=?utf-8?q?bar?="), inside quoted strings of parameter
//     values, and with blanks inside the encoded text, as mail clients do.
//     Each such case adds a warning, except for parameter values.
//   - Encoded words longer than 75 characters are decoded (section 2 limit).
//   - Adjacent words are joined at the byte level before charset conversion
//     (RFC 2047 section 5 says each word must stand alone).
//   - WordEncoder encodes ASCII text that contains "=?" so that decoding gives
//     it back unchanged.
//   - Media type and parameter parsing accepts unquoted values with spaces
//     or tspecials, a missing ";", duplicate parameters (the first wins; an
//     RFC 2231 form beats a plain one), RFC 2231 sections out of order or
//     with gaps, and text after a closing quote, each with a warning. A
//     missing or invalid type becomes text/plain (RFC 2045 section 5.2) with
//     a warning.
package mime
