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
// x/text implements. Labels match case-insensitively and may carry quotes;
// the spelling variants of real mail ("iso8859-1", "ISO_8859-2", "x-"
// prefixes, "cp-1252", "win-1251") are understood. Applications add or override charsets by passing a CharsetLookup (see
// ChainCharsets); nothing in the package is mutable. DecodeCharset and
// NewCharsetReader convert to UTF-8; an unknown charset passes the bytes
// through and reports an *UnknownCharsetError. For x/text's ISO-2022-JP
// (the default for iso-2022-jp) they use a faster decoder of their own whose
// output is that of x/text's for every input: its JIS X 0208 and 0212 tables
// are decoded through x/text once, on first use.
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
// decoded: quoted strings with escapes and folding, comments, RFC 2231
// continuations in any order, RFC 2231 charset and language for any
// registered charset (an iso-8859-1 filename decodes; an unknown charset
// passes its bytes through with an *UnknownCharsetError), and RFC 2047
// words inside values. Type, subtype and names are case-insensitive and
// returned in lower case. Broken values give the best interpretation and a
// Warnings error naming each repair (WarnMissingSemicolon,
// WarnDuplicateParam, ...), never a silent empty result. ParseOptions bounds
// the parameters and RFC 2231 sections read.
//
// MediaType.Format, Disposition.Format and FormatParams write tokens or
// quoted strings for ASCII values and RFC 2231 for others, split into
// continuations so that no parameter passes column 78; FormatOptions can
// fold the line and add a legacy RFC 2047 duplicate (name="=?...?=") for
// clients that predate RFC 2231. Parsing what was formatted gives the same
// values (fuzzed).
//
// # Transfer encodings and multipart
//
// Transfer encodings (RFC 2045 section 6) stream: nothing buffers a whole
// body. NewTransferDecoder picks a decoder by Content-Transfer-Encoding name
// (case-insensitive; 7bit, 8bit and binary are the identity; an unknown name
// returns the raw bytes and an *UnknownTransferEncodingError, as section 6.4
// asks). The decoders are lenient and report what they repaired through
// WarningReporter (see DecoderWarnings):
//
//   - NewBase64Decoder (section 6.8) skips line breaks, skips other bytes
//     outside the alphabet with a warning, accepts missing padding, and
//     goes on after padding in the middle of the data.
//   - NewQPDecoder (section 6.7) removes soft line breaks (CRLF or LF, with
//     blanks before them), removes blanks at the end of lines, accepts
//     lowercase hex, keeps "=" not followed by hex as a literal, and keeps
//     an "=X" cut off at the end of the data as text.
//   - NewUUDecoder reads x-uuencode ("begin MODE NAME" to "end", and the
//     POSIX "begin-base64" variant).
//
// NewBase64Encoder writes 76-column lines ending in CRLF. NewQPEncoder keeps
// lines within 76 columns, encodes blanks at the end of lines, and encodes
// "." and "From " at the start of a line; in text mode CRLF stays a line
// break, in binary mode (QPOptions.Binary) CR and LF are encoded.
// Classify (or a streaming Classifier) reports 8-bit octets, NUL, bare CR
// and LF, and line lengths against the 998-octet limit of RFC 5322 section
// 2.1.1; ChooseTransferEncoding picks 7bit, 8bit, binary, quoted-printable
// or base64 from that.
//
// NewMultipartReader reads multipart bodies (RFC 2046 section 5.1) as a
// stream. Each Part has its raw header bytes, a Body reader of the raw
// (still encoded) body, byte offsets from the start of the input
// (HeaderOffset, BodyOffset, EndOffset) and a line count, as IMAP
// BODYSTRUCTURE needs. The preamble, each part's raw delimiter, the close
// delimiter and the epilogue are kept, so the input can be rebuilt byte for
// byte. The reader accepts CRLF and bare LF, transport padding, and a
// boundary that is a prefix of a nested one (a delimiter line must be
// exactly "--boundary" or "--boundary--" plus blanks). MultipartOptions
// bounds parts, header bytes, line length, boundary length, preamble and
// epilogue, each with a *LimitError; an empty boundary gives a
// *BoundaryError. NewMultipartWriter writes parts with a random "=_"
// boundary from crypto/rand, and refuses bodies that contain it.
//
// Deviations in these parts, each marked "QUIRK:" in the code:
//
//   - base64: decoding goes on after "=" padding (concatenated blocks), and
//     bytes outside the alphabet are skipped rather than rejected.
//   - quoted-printable: unencoded control and 8-bit octets pass through;
//     "=" at the very end of the data, and "=" followed by a bare CR, are
//     soft line breaks; a run of blanks longer than the 8 KiB buffer is
//     kept even at the end of a line.
//   - multipart: boundaries of 71 to MaxBoundaryLength characters and
//     boundaries with characters outside "bchars" are used (warning); a
//     part whose first line is not a header field has an empty header and
//     the line starts the body (warning); a header without the blank line
//     ends at the first non-header line (warning); a header field name may
//     be followed by blanks before the colon; transport padding longer than
//     MaxLineLength makes the line body text, not a delimiter.
//
// # Deviations (QUIRK)
//
// Charsets, encoded words and parameters; each is marked "QUIRK:" in the
// code.
//
//   - us-ascii and iso-8859-1 are decoded as windows-1252 (WHATWG practice);
//     encoding stays strict.
//   - gb2312 decodes as GBK, euc-kr and ks_c_5601-1987 as windows-949,
//     big5-hkscs and cp950 as WHATWG Big5, iso-8859-11 and tis-620 as
//     windows-874, and Shift_JIS as windows-31j: each is the superset.
//   - iso-2022-jp-1, -2, -3 and -2004 are decoded as iso-2022-jp, the
//     closest decoder available; characters only the larger sets have
//     become U+FFFD. Likewise x-mac-japanese and shift_jis-2004 decode as
//     windows-31j, and euc-jis-2004 as euc-jp.
//   - Encoded words are decoded where RFC 2047 section 5 does not allow them:
//     glued to other text ("foo=?utf-8?q?bar?="), inside parameter values,
//     and with blanks inside the encoded text, as mail clients do. Each such
//     case adds a warning, except inside parameter values.
//   - Encoded words longer than 75 characters (section 2) are decoded, up
//     to 2048.
//   - Adjacent words in the same charset are joined as bytes before charset
//     conversion (section 5 wants each word to stand alone).
//   - An encoded word in an unknown charset is replaced by its bytes when
//     they are valid UTF-8, else kept as it is (section 6.2).
//   - WordEncoder encodes ASCII text that contains "=?", so that decoding
//     gives it back unchanged.
//   - Parameter parsing accepts unquoted values with blanks or tspecials, a
//     missing ";", repeated parameters (the first wins; an RFC 2231 form
//     beats a plain one), RFC 2231 sections with gaps, an extended value
//     without its charset'lang' prefix, and text after a closing quote (it
//     is appended), each with a warning. A missing subtype is filled in for
//     text, multipart, message and application; any other missing or
//     invalid type becomes text/plain (RFC 2045 section 5.2), and a missing
//     disposition type becomes attachment (RFC 2183 section 2.8).
package mime
