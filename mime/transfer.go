package mime

import (
	"bytes"
	"io"
	"strconv"
	"strings"
)

// Content-Transfer-Encoding names (RFC 2045 section 6.1), as written by the
// encoders of this package. Matching of names read from mail is
// case-insensitive.
const (
	CTE7Bit            = "7bit"
	CTE8Bit            = "8bit"
	CTEBinary          = "binary"
	CTEQuotedPrintable = "quoted-printable"
	CTEBase64          = "base64"
	CTEUUEncode        = "x-uuencode"
)

// UnknownTransferEncodingError is returned by NewTransferDecoder and
// NewTransferEncoder for a Content-Transfer-Encoding they do not implement.
// RFC 2045 section 6.4 says such a body must be treated as
// application/octet-stream: NewTransferDecoder returns the raw bytes along
// with this error.
type UnknownTransferEncodingError struct {
	Encoding string // the name as given
}

// Error implements error.
func (e *UnknownTransferEncodingError) Error() string {
	return "mime: unknown content-transfer-encoding " + strconv.Quote(e.Encoding)
}

// WarningReporter is implemented by the streaming decoders of this package
// (base64, quoted-printable, x-uuencode). Warnings returns what the decoder
// skipped or repaired so far; call it after the reader returned io.EOF for
// the complete list. It returns nil when the input was well formed.
type WarningReporter interface {
	Warnings() Warnings
}

// DecoderWarnings returns the warnings of r when r is a WarningReporter (as
// the readers made by NewTransferDecoder are), and nil otherwise.
func DecoderWarnings(r io.Reader) Warnings {
	if wr, ok := r.(WarningReporter); ok {
		return wr.Warnings()
	}
	return nil
}

// normalizeCTE lowercases and trims a Content-Transfer-Encoding value and
// drops a trailing comment or parameter, as some mailers add them.
func normalizeCTE(cte string) string {
	cte = strings.TrimSpace(cte)
	if i := strings.IndexAny(cte, " \t(;"); i >= 0 {
		cte = cte[:i]
	}
	return strings.ToLower(strings.Trim(cte, `"`))
}

// NewTransferDecoder returns a reader that decodes r according to the
// Content-Transfer-Encoding cte (RFC 2045 section 6). Names match
// case-insensitively. An empty cte, "7bit", "8bit" and "binary" return r
// itself (RFC 2045 section 6.2: identity encodings). "base64",
// "quoted-printable" and "x-uuencode" (also "uuencode", "x-uue") return
// lenient streaming decoders that implement WarningReporter.
//
// For any other name it returns r unchanged together with an
// *UnknownTransferEncodingError, so the caller can still offer the raw bytes.
func NewTransferDecoder(cte string, r io.Reader) (io.Reader, error) {
	switch normalizeCTE(cte) {
	case "", CTE7Bit, CTE8Bit, CTEBinary:
		return r, nil
	case CTEBase64:
		return NewBase64Decoder(r), nil
	case CTEQuotedPrintable:
		return NewQPDecoder(r), nil
	case CTEUUEncode, "uuencode", "x-uue", "uue":
		return NewUUDecoder(r), nil
	}
	return r, &UnknownTransferEncodingError{Encoding: cte}
}

// NewTransferEncoder returns a writer that encodes into w with the given
// Content-Transfer-Encoding. Closing it flushes the encoder; it does not
// close w. "7bit", "8bit" and "binary" pass the bytes through unchanged:
// use Classify to check that the data fits them. "quoted-printable" uses
// text mode (see QPOptions). Other names give an
// *UnknownTransferEncodingError.
func NewTransferEncoder(cte string, w io.Writer) (io.WriteCloser, error) {
	switch normalizeCTE(cte) {
	case "", CTE7Bit, CTE8Bit, CTEBinary:
		return nopWriteCloser{w}, nil
	case CTEBase64:
		return NewBase64Encoder(w), nil
	case CTEQuotedPrintable:
		return NewQPEncoder(w, nil), nil
	}
	return nil, &UnknownTransferEncodingError{Encoding: cte}
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// MaxLineOctets is the line length limit of RFC 5322 section 2.1.1 and RFC
// 2045 section 2.7/2.8, excluding the CRLF.
const MaxLineOctets = 998

// Classification describes content for choosing a transfer encoding. Get one
// from Classify, or write the data to a Classifier to classify a stream.
type Classification struct {
	Len        int64 // total bytes
	NonASCII   int64 // bytes >= 0x80
	NUL        int64 // NUL bytes
	Control    int64 // other control bytes (not TAB, CR, LF), including DEL
	BareCR     int64 // CR not followed by LF
	BareLF     int64 // LF not preceded by CR
	QPEscapes  int64 // bytes that quoted-printable would have to encode
	Lines      int64 // number of lines (a final line without a break counts)
	MaxLineLen int64 // longest line in octets, without its line break
}

// Is7Bit reports whether the data is valid as "7bit" (RFC 2045 section 2.7):
// US-ASCII without NUL, CR and LF only as CRLF, and lines of at most 998
// octets.
func (c Classification) Is7Bit() bool {
	return c.NonASCII == 0 && c.Is8Bit()
}

// Is8Bit reports whether the data is valid as "8bit" (RFC 2045 section 2.8):
// like 7bit, but octets above 127 are allowed.
func (c Classification) Is8Bit() bool {
	return c.NUL == 0 && c.BareCR == 0 && c.BareLF == 0 && c.MaxLineLen <= MaxLineOctets
}

// IsText reports whether the data looks like text: no NUL and few control
// characters. Bare CR or LF line breaks do not make data binary.
func (c Classification) IsText() bool {
	return c.NUL == 0 && c.Control*100 <= c.Len
}

// ChooseOptions says which identity encodings the transport allows.
type ChooseOptions struct {
	// Allow8Bit permits "8bit", for example over SMTP with 8BITMIME
	// (RFC 6152). Default false.
	Allow8Bit bool
	// AllowBinary permits "binary", for example over SMTP with
	// BINARYMIME (RFC 3030). Default false.
	AllowBinary bool
}

// Choose returns the Content-Transfer-Encoding to use for the classified
// data: "7bit" when it qualifies, else "8bit" or "binary" when allowed and
// valid, else "quoted-printable" for mostly-ASCII text (when that is shorter
// than base64), else "base64".
func (c Classification) Choose(opts *ChooseOptions) string {
	var o ChooseOptions
	if opts != nil {
		o = *opts
	}
	switch {
	case c.Is7Bit():
		return CTE7Bit
	case o.Allow8Bit && c.Is8Bit():
		return CTE8Bit
	case o.AllowBinary:
		return CTEBinary
	}
	// Quoted-printable costs 2 extra octets per escaped byte, base64 one
	// third of the length: QP wins while escapes are under a sixth.
	if c.IsText() && c.QPEscapes*6 < c.Len {
		return CTEQuotedPrintable
	}
	return CTEBase64
}

// ChooseTransferEncoding classifies data and returns the
// Content-Transfer-Encoding to use for it (see Classification.Choose).
func ChooseTransferEncoding(data []byte, opts *ChooseOptions) string {
	return Classify(data).Choose(opts)
}

// Classify describes data; see Classification.
func Classify(data []byte) Classification {
	var c Classifier
	c.Write(data)
	return c.Result()
}

// Classifier classifies a stream written to it in any number of writes. The
// zero value is ready to use.
type Classifier struct {
	c       Classification
	lineLen int64
	prev    byte
	started bool
}

// Write implements io.Writer; it never fails.
func (cl *Classifier) Write(p []byte) (int, error) {
	c := &cl.c
	for i := 0; i < len(p); {
		// Fast path: a run of printable ASCII.
		j := i
		for j < len(p) && p[j] >= 0x21 && p[j] < 0x7f && p[j] != '=' {
			j++
		}
		if j > i {
			cl.lineLen += int64(j - i)
			if cl.prev == '\r' {
				c.BareCR++
			}
			cl.prev = p[j-1]
			i = j
			continue
		}
		b := p[i]
		i++
		if cl.prev == '\r' && b != '\n' {
			c.BareCR++
		}
		switch {
		case b == '\n':
			if cl.prev != '\r' {
				c.BareLF++
			} else {
				cl.lineLen-- // the CR was counted
			}
			cl.endLine()
		case b == '\r':
			cl.lineLen++
		case b == 0:
			c.NUL++
			c.QPEscapes++
			cl.lineLen++
		case b >= 0x80:
			c.NonASCII++
			c.QPEscapes++
			cl.lineLen++
		case b == '=':
			c.QPEscapes++
			cl.lineLen++
		case b == ' ' || b == '\t':
			cl.lineLen++
		default: // other controls and DEL
			c.Control++
			c.QPEscapes++
			cl.lineLen++
		}
		cl.prev = b
	}
	if len(p) > 0 {
		cl.started = true
	}
	c.Len += int64(len(p))
	return len(p), nil
}

func (cl *Classifier) endLine() {
	cl.c.Lines++
	if cl.lineLen > cl.c.MaxLineLen {
		cl.c.MaxLineLen = cl.lineLen
	}
	cl.lineLen = 0
}

// Result returns the classification of everything written so far.
func (cl *Classifier) Result() Classification {
	c := cl.c
	if cl.prev == '\r' {
		c.BareCR++
	}
	if cl.started && cl.prev != '\n' {
		c.Lines++
		if cl.lineLen > c.MaxLineLen {
			c.MaxLineLen = cl.lineLen
		}
	}
	return c
}

// warnAgg collects warnings with a bounded memory footprint: one entry per
// code, keeping the first offset and counting repeats.
type warnAgg struct {
	codes  []WarningCode
	first  []int64
	counts []int64
	detail []string
}

func (a *warnAgg) add(code WarningCode, off int64, detail string) {
	for i, c := range a.codes {
		if c == code {
			a.counts[i]++
			return
		}
	}
	a.codes = append(a.codes, code)
	a.first = append(a.first, off)
	a.counts = append(a.counts, 1)
	a.detail = append(a.detail, detail)
}

func (a *warnAgg) has(code WarningCode) bool {
	for _, c := range a.codes {
		if c == code {
			return true
		}
	}
	return false
}

func (a *warnAgg) list() Warnings {
	if len(a.codes) == 0 {
		return nil
	}
	ws := make(Warnings, len(a.codes))
	for i, c := range a.codes {
		d := a.detail[i]
		if n := strconv.FormatInt(a.counts[i], 10); a.counts[i] > 1 && d == "" {
			d = n + " times"
		} else if a.counts[i] > 1 {
			d += " (" + n + " times)"
		}
		ws[i] = &Warning{Code: c, Offset: int(a.first[i]), Detail: d}
	}
	return ws
}

// countLines adds the line feeds of b to n and reports the last byte.
func countLF(b []byte) int64 { return int64(bytes.Count(b, nl)) }

var nl = []byte{'\n'}
