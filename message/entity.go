package message

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/yubinmail/yubin/mime"
)

// Warning codes reported on entities.
const (
	// WarnNoBoundary: a multipart entity had no boundary parameter; it is
	// read as text/plain (RFC 2045 section 5.2).
	WarnNoBoundary mime.WarningCode = "entity-no-boundary"
	// WarnMultipartCTE: a multipart or message entity declared a
	// Content-Transfer-Encoding other than 7bit, 8bit or binary, which RFC
	// 2045 section 6.4 forbids. For multipart it is ignored; an encoded
	// message/rfc822 is kept as a leaf.
	WarnMultipartCTE mime.WarningCode = "entity-encoded-composite"
	// WarnUnknownCTE: an unknown Content-Transfer-Encoding; the body is
	// not decoded (RFC 2045 section 6.4).
	WarnUnknownCTE mime.WarningCode = "entity-unknown-cte"
	// WarnNoParts: no delimiter was found in a multipart body; it is given
	// one leaf child holding the body (see Entity.NoParts).
	WarnNoParts mime.WarningCode = "entity-no-parts"
)

// WalkOptions limit the entity walk. A nil *WalkOptions means defaults.
type WalkOptions struct {
	// Header limits each header section (nil means the HeaderOptions
	// defaults).
	Header *HeaderOptions
	// MaxDepth bounds the nesting of multipart and message entities.
	// Default 50.
	MaxDepth int
	// MaxParts bounds the number of entities in the message. Default
	// 10,000.
	MaxParts int
	// Multipart is passed to mime.NewMultipartReader (nil means its
	// defaults); its MaxParts is raised to at least this MaxParts.
	Multipart *mime.MultipartOptions
}

// get returns the options with defaults applied; their Multipart points to
// mo, which it fills.
func (o *WalkOptions) get(mo *mime.MultipartOptions) WalkOptions {
	var w WalkOptions
	if o != nil {
		w = *o
	}
	if w.MaxDepth <= 0 {
		w.MaxDepth = 50
	}
	if w.MaxParts <= 0 {
		w.MaxParts = 10000
	}
	*mo = mime.MultipartOptions{}
	if w.Multipart != nil {
		*mo = *w.Multipart
	}
	if mo.MaxParts < w.MaxParts {
		mo.MaxParts = w.MaxParts
	}
	w.Multipart = mo
	return w
}

// Entity is one MIME entity (RFC 2045 section 2.4): the message itself, a
// body part, or a message encapsulated in a message/rfc822 or
// message/global part (RFC 2046 section 5.2.1, RFC 6532 section 3.7).
type Entity struct {
	// Section is the IMAP section number (RFC 3501 section 6.4.5): "1.2"
	// for the second part of the first part. A multipart message and a
	// multipart encapsulated message have the section of their container
	// ("" at the top); a non-multipart one has the container's section
	// followed by ".1" ("1" at the top).
	Section string
	Depth   int     // 0 for the message
	Parent  *Entity // nil for the message
	// Children are the entities found so far below a multipart or
	// message entity; complete once the walk has left it.
	Children []*Entity
	// Encapsulated is true for the message inside a message/rfc822 part.
	Encapsulated bool
	// InEncoded is true below a transfer-encoded message/rfc822 part: the
	// offsets then count bytes of that part's decoded body, and Open
	// cannot be used.
	InEncoded bool

	Header           Header
	MediaType        mime.MediaType   // defaults applied (RFC 2045 section 5.2)
	Disposition      mime.Disposition // Type is "" without Content-Disposition
	TransferEncoding string           // lower case; "7bit" when absent

	// HeaderOffset, BodyOffset and EndOffset are byte offsets in the
	// input of the header, the body and the end of the body. EndOffset and
	// Lines (lines in the body, RFC 3501 section 7.4.2) are set, and
	// Complete is true, once the body has been read; the walker reads it
	// when it moves on.
	HeaderOffset, BodyOffset, EndOffset int64
	Lines                               int64
	Complete                            bool
	// DecodedSize is the size of the body with the transfer encoding
	// removed, set once Body has been read to the end (ReadStructure does
	// that for every leaf); -1 before.
	DecodedSize int64

	// NoParts marks the leaf that stands for a multipart body in which no
	// delimiter was found: it has the multipart's section (or "1" at the
	// top) and media type, no header, and the body as its content (up to
	// the multipart preamble limit), so that nothing is lost.
	NoParts bool

	// Warnings lists what was wrong with this entity (header, media type,
	// transfer decoding, multipart structure).
	Warnings mime.Warnings

	body    *countReader
	decoded io.Reader
	// The readers of one entity live in it rather than in allocations of
	// their own.
	cnt    countReader
	wr     warnReader
	tr     textReader
	trUsed bool
}

// IsMultipart reports whether the entity is a multipart container.
func (e *Entity) IsMultipart() bool { return e.MediaType.Type == "multipart" && !e.NoParts }

// IsMessage reports whether the entity is a message/rfc822 or message/global
// part whose body the walker descends into.
func (e *Entity) IsMessage() bool {
	return e.MediaType.Type == "message" && (e.MediaType.Subtype == "rfc822" || e.MediaType.Subtype == "global") &&
		knownCTE(e.TransferEncoding) && !e.NoParts
}

func knownCTE(cte string) bool {
	switch cte {
	case "7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "uuencode", "x-uue":
		return true
	}
	return false
}

// IsLeaf reports whether the entity has a body of its own (it is neither
// multipart nor a message the walker descends into).
func (e *Entity) IsLeaf() bool { return !e.IsMultipart() && !e.IsMessage() }

// Filename returns the decoded file name from Content-Disposition filename
// or, failing that, Content-Type name (RFC 2183, RFC 2231, RFC 2047).
func (e *Entity) Filename() string {
	if f := e.Disposition.Filename(); f != "" {
		return f
	}
	v, _ := e.MediaType.Params.Get("name")
	return v
}

// Charset returns the lower-case charset parameter, or "".
func (e *Entity) Charset() string { return e.MediaType.Charset() }

// RawBody returns the body bytes as they are in the input (transfer
// encoded). It is nil for multipart and message entities, whose bodies are
// read through their children. The reader is valid until the next call to
// Walker.Next.
func (e *Entity) RawBody() io.Reader {
	if e.body == nil {
		return nil
	}
	return e.body
}

// Body returns the body with the transfer encoding removed (RFC 2045
// section 6). Decoding problems are added to Warnings when it reaches EOF.
// It is nil for multipart and message entities.
func (e *Entity) Body() io.Reader {
	if e.body == nil {
		return nil
	}
	if e.decoded == nil {
		d, err := mime.NewTransferDecoder(e.TransferEncoding, e.body)
		if err != nil {
			d = e.body
		}
		e.wr = warnReader{r: d, e: e}
		e.decoded = &e.wr
	}
	return e.decoded
}

// Text returns the decoded body converted from its charset to UTF-8. An
// unknown charset passes the bytes through and returns a
// *mime.UnknownCharsetError alongside the usable reader. A nil lookup means
// mime.LookupCharset.
func (e *Entity) Text(lookup mime.CharsetLookup) (io.Reader, error) {
	b := e.Body()
	if b == nil {
		return nil, errors.New("message: entity has no body of its own")
	}
	cs := e.Charset()
	switch cs {
	case "", "us-ascii", "ascii":
		// QUIRK: text without a charset or labelled us-ascii that holds
		// 8-bit bytes anyway is read as UTF-8 where it is valid UTF-8 and
		// as windows-1252 elsewhere, which is what such mail nearly always
		// is.
		return e.textReader(b, true), nil
	case "utf-8", "utf8":
		if lookup == nil {
			return e.textReader(b, false), nil
		}
	}
	return mime.NewCharsetReader(cs, b, lookup)
}

// textReader returns a textReader over b, the entity's own the first time.
func (e *Entity) textReader(b io.Reader, latin bool) *textReader {
	if e.trUsed {
		return &textReader{r: b, latin: latin}
	}
	e.trUsed = true
	e.tr = textReader{r: b, latin: latin}
	return &e.tr
}

// warnReader records transfer-decoder warnings on the entity at EOF.
type warnReader struct {
	r    io.Reader
	e    *Entity
	n    int64
	done bool
}

func (w *warnReader) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	w.n += int64(n)
	if err == io.EOF && !w.done {
		w.done = true
		w.e.DecodedSize = w.n
		w.e.Warnings = append(w.e.Warnings, mime.DecoderWarnings(w.r)...)
	}
	return n, err
}

// countReader counts bytes and line feeds and, for the body of ent, sets
// its end offset and line count at EOF.
type countReader struct {
	r         io.Reader
	n         int64
	lf        int64
	last      byte
	eof       bool
	bytesOnly bool       // count bytes, not lines
	ent       *Entity    // the entity whose body this is, or nil
	part      *mime.Part // the body part that counts the lines, or nil
}

func (c *countReader) Read(p []byte) (int, error) {
	if c.eof {
		return 0, io.EOF
	}
	n, err := c.r.Read(p)
	c.add(p[:n])
	if err == io.EOF {
		c.eof = true
		if e := c.ent; e != nil {
			e.EndOffset = e.BodyOffset + c.n
			if c.part != nil {
				// The part's body ends with io.EOF only once it is
				// Complete.
				e.Lines = c.part.Lines
			} else {
				e.Lines = c.lines()
			}
			e.Complete = true
		}
	}
	return n, err
}

func (c *countReader) add(b []byte) {
	if len(b) == 0 {
		return
	}
	c.n += int64(len(b))
	if c.bytesOnly {
		return
	}
	c.lf += int64(bytes.Count(b, nl))
	c.last = b[len(b)-1]
}

var nl = []byte{'\n'}

func (c *countReader) lines() int64 {
	if c.n > 0 && c.last != '\n' {
		return c.lf + 1
	}
	return c.lf
}

func identityCTE(cte string) bool {
	switch cte {
	case "", "7bit", "8bit", "binary":
		return true
	}
	return false
}

func childSection(parent string, i int) string {
	if parent == "" {
		return strconv.Itoa(i)
	}
	return parent + "." + strconv.Itoa(i)
}

// setup fills the entity's media type, disposition and transfer encoding
// from its header. defType is the default media type (text/plain, or
// message/rfc822 inside multipart/digest, RFC 2046 section 5.1.5).
func (e *Entity) setup(defType string) {
	ct := e.Header.Get("Content-Type")
	if ct == "" {
		ct = defType
	}
	mt, err := mime.ParseMediaType(ct)
	e.addErr(err)
	e.MediaType = mt
	if d := e.Header.Get("Content-Disposition"); d != "" {
		disp, err := mime.ParseDisposition(d)
		e.addErr(err)
		e.Disposition = disp
	}
	cte := "7bit"
	if f := e.Header.first("Content-Transfer-Encoding"); f != nil {
		cte = transferEncoding(f.RawValue())
	}
	e.TransferEncoding = cte
	if e.IsMultipart() {
		if b, _ := mt.Params.Get("boundary"); b == "" {
			e.warn(WarnNoBoundary, "")
			e.MediaType = mime.MediaType{Type: "text", Subtype: "plain",
				Params: mime.Params{{Name: "charset", Value: "us-ascii"}}}
		} else if !identityCTE(cte) {
			// QUIRK: RFC 2045 section 6.4 forbids encoding a multipart
			// body; the declared encoding is ignored.
			e.warn(WarnMultipartCTE, cte)
			e.TransferEncoding = "7bit"
		}
	}
	if e.MediaType.Type == "message" && !identityCTE(cte) {
		// QUIRK: an encoded message/rfc822 (RFC 2046 section 5.2.1 forbids
		// it) is decoded and walked; see InEncoded.
		e.warn(WarnMultipartCTE, cte)
	}
	if !knownCTE(cte) {
		// RFC 2045 section 6.4: the body is left as it is.
		e.warn(WarnUnknownCTE, cte)
	}
}

func (e *Entity) warn(code mime.WarningCode, detail string) {
	if len(e.Warnings) < 100 {
		e.Warnings = append(e.Warnings, &mime.Warning{Code: code, Offset: -1, Detail: detail})
	}
}

// addErr keeps warnings (and wrapped errors) from lenient parsers.
func (e *Entity) addErr(err error) {
	if err == nil {
		return
	}
	var ws mime.Warnings
	if errors.As(err, &ws) {
		e.Warnings = append(e.Warnings, ws...)
		return
	}
	e.warn("error", err.Error())
}

// bufioSize is the read buffer of the walker.
const bufioSize = 4 << 10

// transferEncoding returns the encoding named by a raw
// Content-Transfer-Encoding value: lower case, without what follows a
// blank, "(" or ";", and without quotes; "7bit" when empty. A one-line
// value that names a known encoding in ASCII gives that name without
// allocating; others go through transferEncodingString, with the same
// result.
func transferEncoding(raw []byte) string {
	if bytes.IndexByte(raw, '\n') < 0 && bytes.IndexByte(raw, '\r') < 0 {
		tok := bytes.TrimSpace(trimWSP(raw))
		if i := bytes.IndexAny(tok, " \t(;"); i >= 0 {
			tok = tok[:i]
		}
		tok = bytes.Trim(tok, `"`)
		for _, known := range [...]string{"7bit", "8bit", "base64", "quoted-printable", "binary", ""} {
			if asciiLowerEqual(tok, known) {
				if known == "" {
					return "7bit"
				}
				return known
			}
		}
	}
	return transferEncodingString(unfold(raw))
}

// transferEncodingString is transferEncoding on an unfolded value.
func transferEncodingString(v string) string {
	cte := strings.ToLower(strings.TrimSpace(v))
	if i := strings.IndexAny(cte, " \t(;"); i >= 0 {
		cte = cte[:i]
	}
	cte = strings.Trim(cte, `"`)
	if cte == "" {
		cte = "7bit"
	}
	return cte
}

// asciiLowerEqual reports whether b, which must be ASCII, lower-cased is
// lower, an ASCII lower-case string.
func asciiLowerEqual(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
