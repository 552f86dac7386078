package envelope

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/yubinmail/yubin/message"
	"github.com/yubinmail/yubin/mime"
)

// Warning codes of DSN and MDN parsing.
const (
	// WarnNotReport: the notification part was found, but the message is
	// not multipart/report with the right report-type (RFC 6522 section 3).
	WarnNotReport mime.WarningCode = "report-not-multipart-report"
	// WarnTruncated: the message was longer than MaxBytes and was cut.
	WarnTruncated mime.WarningCode = "report-truncated"
	// WarnFieldSyntax: a line in a notification part was not a field.
	WarnFieldSyntax mime.WarningCode = "report-field-syntax"
	// WarnMissingField: a required field was missing and was derived or left empty.
	WarnMissingField mime.WarningCode = "report-missing-field"
	// WarnBadValue: a field value did not follow its grammar.
	WarnBadValue mime.WarningCode = "report-bad-value"
	// WarnLimit: a part, depth or recipient limit cut the parse short.
	WarnLimit mime.WarningCode = "report-limit"
)

// ReportOptions limit ParseDSN and ParseMDN. A nil *ReportOptions means the
// defaults documented on each field.
type ReportOptions struct {
	// MaxBytes is how much of the message is read. Default 10 MiB; the
	// rest is ignored with a WarnTruncated warning.
	MaxBytes int64
	// MaxParts bounds the MIME parts examined. Default 100.
	MaxParts int
	// MaxDepth bounds multipart nesting. Default 8.
	MaxDepth int
	// MaxRecipients bounds the per-recipient blocks read. Default 1000.
	MaxRecipients int
}

func (o *ReportOptions) get() ReportOptions {
	r := ReportOptions{MaxBytes: 10 << 20, MaxParts: 100, MaxDepth: 8, MaxRecipients: 1000}
	if o != nil {
		if o.MaxBytes > 0 {
			r.MaxBytes = o.MaxBytes
		}
		if o.MaxParts > 0 {
			r.MaxParts = o.MaxParts
		}
		if o.MaxDepth > 0 {
			r.MaxDepth = o.MaxDepth
		}
		if o.MaxRecipients > 0 {
			r.MaxRecipients = o.MaxRecipients
		}
	}
	return r
}

// entity is one MIME entity held in memory.
type entity struct {
	header message.Header
	mt     mime.MediaType
	body   []byte // raw, not transfer-decoded
}

// readEntity splits raw bytes into header and body and parses the
// Content-Type (default text/plain, RFC 2045 section 5.2).
func readEntity(raw []byte) entity {
	br := bufio.NewReader(bytes.NewReader(raw))
	h, _ := message.ReadHeader(br, nil) // lenient; its warnings are not fatal here
	rest, _ := io.ReadAll(br)
	return newEntity(h, rest)
}

// newEntity makes an entity of a parsed header and a raw body.
func newEntity(h message.Header, body []byte) entity {
	e := entity{header: h, body: body}
	e.mt = mime.MediaType{Type: "text", Subtype: "plain"}
	if ct := h.Get("Content-Type"); ct != "" {
		if mt, err := mime.ParseMediaType(ct); err == nil || mt.Type != "" {
			var ws mime.Warnings
			if err == nil || errors.As(err, &ws) {
				e.mt = mt
			}
		}
	}
	return e
}

// decoded returns the body with its Content-Transfer-Encoding removed,
// at most max bytes.
func (e *entity) decoded(max int64) []byte {
	cte := e.header.Get("Content-Transfer-Encoding")
	r, err := mime.NewTransferDecoder(cte, bytes.NewReader(e.body))
	if err != nil && r == nil {
		return e.body
	}
	b, _ := io.ReadAll(io.LimitReader(r, max))
	return b
}

// text returns a text body decoded to UTF-8 from its charset.
func (e *entity) text(max int64) string {
	b := e.decoded(max)
	cs := strings.ToLower(e.mt.Charset())
	if cs == "" || cs == "us-ascii" || cs == "utf-8" {
		return string(b)
	}
	s, err := mime.DecodeCharset(cs, b, nil)
	if err != nil && s == "" {
		return string(b)
	}
	return s
}

// walker visits the leaf entities of a message depth-first, without
// descending into message/* bodies, within the part and depth limits.
type walker struct {
	opts  ReportOptions
	parts int
	warns mime.Warnings
}

func (w *walker) walk(e entity, depth int, visit func(e entity)) {
	if e.mt.Type != "multipart" {
		visit(e)
		return
	}
	if depth >= w.opts.MaxDepth {
		w.warns = append(w.warns, &mime.Warning{Code: WarnLimit, Offset: -1, Detail: "multipart nesting too deep"})
		return
	}
	boundary, _ := e.mt.Params.Get("boundary")
	mr := mime.NewMultipartReader(bytes.NewReader(e.body), boundary, &mime.MultipartOptions{MaxParts: w.opts.MaxParts})
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return
		}
		if err != nil {
			w.warns = append(w.warns, &mime.Warning{Code: WarnLimit, Offset: -1, Detail: err.Error()})
			return
		}
		if w.parts++; w.parts > w.opts.MaxParts {
			w.warns = append(w.warns, &mime.Warning{Code: WarnLimit, Offset: -1, Detail: "too many parts"})
			return
		}
		body, _ := io.ReadAll(io.LimitReader(p.Body, w.opts.MaxBytes))
		var h message.Header
		if len(p.RawHeader) > 0 {
			h, _ = message.ReadHeader(bufio.NewReader(bytes.NewReader(p.RawHeader)), nil)
		}
		w.walk(newEntity(h, body), depth+1, visit)
	}
}

// readLimited reads at most max bytes and reports whether there was more.
func readLimited(r io.Reader, max int64) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(b)) > max {
		return b[:max], true, nil
	}
	return b, false, nil
}
