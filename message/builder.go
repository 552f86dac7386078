package message

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/yubinmail/yubin/mime"
)

// Builder composes a message (RFC 5322, MIME RFC 2045 to 2049). Fill the
// fields and call WriteTo. Bcc recipients are never written into the
// message: send to Recipients() in the SMTP envelope.
type Builder struct {
	From       []Address // usually one; more require Sender (RFC 5322 section 3.6.2)
	Sender     *Address
	ReplyTo    []Address
	To, Cc     []Address
	Bcc        []Address // envelope only
	Subject    string
	Date       time.Time // zero means time.Now()
	MessageID  string    // with or without brackets; "" generates one
	InReplyTo  []string
	References []string
	// Extra holds custom fields, written after the standard ones.
	Extra Header

	Text string // text/plain body, any line ends
	HTML string // text/html body; with Text, multipart/alternative
	// Inline parts are shown inside the HTML by Content-ID ("cid:"),
	// in a multipart/related (RFC 2387) with the HTML. Without HTML they
	// follow the text as inline parts of the multipart/mixed.
	Inline []Attachment
	// Attachments follow the body in a multipart/mixed.
	Attachments []Attachment
	// Forward is a complete message attached as message/rfc822 (RFC 2046
	// section 5.2.1), after the attachments.
	Forward io.Reader

	// UTF8 writes header text as raw UTF-8 (RFC 6532), for SMTPUTF8.
	UTF8 bool
	// ISO2022JP writes Japanese text the way legacy Japanese mail clients
	// expect: text bodies in ISO-2022-JP (RFC 1468) with 7bit transfer
	// encoding, and encoded words in ISO-2022-JP with "B" encoding. Text
	// that ISO-2022-JP cannot represent falls back to UTF-8.
	ISO2022JP bool
	// Allow8Bit permits the 8bit transfer encoding (RFC 6152 8BITMIME).
	Allow8Bit bool
}

// Attachment is a part read from a stream.
type Attachment struct {
	Filename    string // may be non-ASCII (written as RFC 2231 plus a legacy name=)
	ContentType string // "" means by file extension, or application/octet-stream
	ContentID   string // for inline parts, with or without brackets
	Body        io.Reader
}

// Recipients returns the envelope recipients: the addr-specs of To, Cc and
// Bcc, group members included, each once (compared case-insensitively).
func (b *Builder) Recipients() []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range [][]Address{b.To, b.Cc, b.Bcc} {
		for _, a := range Mailboxes(l) {
			s := a.Addr()
			if k := strings.ToLower(s); !seen[k] {
				seen[k] = true
				out = append(out, s)
			}
		}
	}
	return out
}

func (b *Builder) wordEncoder() *mime.WordEncoder {
	if b.ISO2022JP {
		return &mime.WordEncoder{Charset: "ISO-2022-JP", Mode: 'B'}
	}
	return &mime.WordEncoder{}
}

// addrField formats an address list with this builder's encoding.
func (b *Builder) addrField(h *Header, name string, list []Address) error {
	if len(list) == 0 {
		return nil
	}
	if !b.UTF8 {
		for _, a := range Mailboxes(list) {
			if _, err := a.ASCIIAddr(); err != nil {
				return fmt.Errorf("message: %s address %s needs UTF8 (RFC 6532): %w", name, a.Addr(), err)
			}
		}
	}
	var s strings.Builder
	for i, a := range list {
		if i > 0 {
			s.WriteString(", ")
		}
		s.WriteString(a.formatWith(b.UTF8, b.wordEncoder()))
	}
	h.fields = append(h.fields, &Field{name: name, raw: fold(name, s.String(), true, 78), col: len(name)})
	return nil
}

func (b *Builder) header() (Header, error) {
	if len(b.From) == 0 {
		return Header{}, errors.New("message: builder needs a From address")
	}
	if len(b.From) > 1 && b.Sender == nil {
		return Header{}, errors.New("message: several From addresses need a Sender (RFC 5322 section 3.6.2)")
	}
	h := Header{UTF8: b.UTF8}
	d := b.Date
	if d.IsZero() {
		d = time.Now()
	}
	h.Add("Date", FormatDate(d))
	var sender []Address
	if b.Sender != nil {
		sender = []Address{*b.Sender}
	}
	for _, f := range []struct {
		name string
		list []Address
	}{{"From", b.From}, {"Sender", sender}, {"Reply-To", b.ReplyTo}, {"To", b.To}, {"Cc", b.Cc}, {"", b.Bcc}} {
		if f.name == "" { // Bcc: checked, never written
			for _, a := range Mailboxes(f.list) {
				if _, err := a.ASCIIAddr(); err != nil && !b.UTF8 {
					return Header{}, fmt.Errorf("message: Bcc address %s needs UTF8 (RFC 6532): %w", a.Addr(), err)
				}
			}
			continue
		}
		if err := b.addrField(&h, f.name, f.list); err != nil {
			return Header{}, err
		}
	}
	if b.Subject != "" {
		subj := b.Subject
		if !b.UTF8 {
			subj = b.wordEncoder().Encode(subj)
		}
		h.fields = append(h.fields, &Field{name: "Subject", raw: fold("Subject", subj, false, 78), col: 7})
	}
	id := b.MessageID
	if id == "" {
		id = GenerateMessageID(MessageIDDomain(b.From[0].Domain, b.UTF8))
	}
	h.Add("Message-ID", FormatMsgIDList([]string{id}))
	if len(b.InReplyTo) > 0 {
		h.Add("In-Reply-To", FormatMsgIDList(b.InReplyTo))
	}
	if len(b.References) > 0 {
		h.Add("References", FormatMsgIDList(b.References))
	}
	for _, f := range b.Extra.fields {
		if f.name != "" && !strings.EqualFold(f.name, "Bcc") {
			h.fields = append(h.fields, f)
		}
	}
	h.Add("MIME-Version", "1.0")
	return h, nil
}

// node is an entity to write: a leaf with a body, or a multipart.
type node struct {
	fields   [][2]string // Content-* fields
	body     io.Reader
	cte      string
	children []*node
	boundary string
}

// crlfReader turns bare CR and bare LF line ends into CRLF.
type crlfReader struct {
	r       *bufio.Reader
	pending []byte
	cr      bool // the last byte passed on was a CR
}

func (c *crlfReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(c.pending) > 0 {
			k := copy(p[n:], c.pending)
			c.pending = c.pending[k:]
			n += k
			continue
		}
		ch, err := c.r.ReadByte()
		if err != nil {
			if c.cr {
				c.cr = false
				c.pending = []byte{'\n'}
				continue
			}
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		switch {
		case c.cr && ch == '\n':
			c.cr = false
			p[n] = '\n'
		case c.cr:
			c.cr = ch == '\r'
			c.pending = []byte{'\n', ch}
			if ch == '\r' {
				c.pending = []byte{'\n', '\r'}
			}
			continue
		case ch == '\n':
			c.pending = []byte{'\r', '\n'}
			continue
		default:
			c.cr = ch == '\r'
			p[n] = ch
		}
		n++
	}
	return n, nil
}

// WriteTo writes the message with CRLF line ends.
func (b *Builder) WriteTo(w io.Writer) (int64, error) {
	h, err := b.header()
	if err != nil {
		return 0, err
	}
	root, err := b.tree()
	if err != nil {
		return 0, err
	}
	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, 32<<10)
	for _, f := range root.fields {
		h.Add(f[0], f[1])
	}
	if _, err := h.WriteTo(bw); err != nil {
		return cw.n, err
	}
	if err := writeNode(bw, root); err != nil {
		return cw.n, err
	}
	err = bw.Flush()
	return cw.n, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func (b *Builder) tree() (*node, error) {
	var body *node
	text := b.Text
	if text == "" && b.HTML == "" {
		text = "\r\n"
	}
	var alts []*node
	if b.Text != "" || b.HTML == "" {
		alts = append(alts, b.textNode("plain", text))
	}
	if b.HTML != "" {
		html := b.textNode("html", b.HTML)
		if len(b.Inline) > 0 {
			rel := multipart("related", "; type=\"text/html\"", html)
			for _, a := range b.Inline {
				n, err := b.attachmentNode(a, "inline")
				if err != nil {
					return nil, err
				}
				rel.children = append(rel.children, n)
			}
			html = rel
		}
		alts = append(alts, html)
	}
	body = alts[0]
	if len(alts) > 1 {
		body = multipart("alternative", "", alts...)
	}
	var extraInline []Attachment
	if b.HTML == "" {
		// Without HTML there is nothing to relate inline parts to: they
		// follow the text in the multipart/mixed, marked inline.
		extraInline = b.Inline
	}
	if len(b.Attachments) == 0 && b.Forward == nil && len(extraInline) == 0 {
		return body, nil
	}
	mixed := multipart("mixed", "", body)
	for _, a := range extraInline {
		n, err := b.attachmentNode(a, "inline")
		if err != nil {
			return nil, err
		}
		mixed.children = append(mixed.children, n)
	}
	for _, a := range b.Attachments {
		n, err := b.attachmentNode(a, "attachment")
		if err != nil {
			return nil, err
		}
		mixed.children = append(mixed.children, n)
	}
	if b.Forward != nil {
		mixed.children = append(mixed.children, &node{
			fields: [][2]string{{"Content-Type", "message/rfc822"}, {"Content-Disposition", "inline"}},
			body:   &crlfReader{r: bufio.NewReader(b.Forward)},
		})
	}
	return mixed, nil
}

// textNode makes a text part with CRLF line ends (RFC 2046 section 4.1.1).
func (b *Builder) textNode(sub, s string) *node {
	data := []byte(toCRLF(s))
	charset := "utf-8"
	if b.ISO2022JP && !isPrintableASCII(strings.NewReplacer("\r", "", "\n", "").Replace(s)) {
		if enc, err := japanese.ISO2022JP.NewEncoder().Bytes(data); err == nil {
			data, charset = enc, "ISO-2022-JP"
		}
	} else if isPrintableASCII(strings.NewReplacer("\r", "", "\n", "").Replace(s)) {
		charset = "us-ascii"
	}
	cte := mime.Classify(data).Choose(&mime.ChooseOptions{Allow8Bit: b.Allow8Bit})
	mt := mime.MediaType{Type: "text", Subtype: sub, Params: mime.Params{{Name: "charset", Value: charset}}}
	return &node{
		fields: [][2]string{{"Content-Type", mt.String()}, {"Content-Transfer-Encoding", cte}},
		body:   bytes.NewReader(data), cte: cte,
	}
}

func toCRLF(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

// extTypes maps common file extensions to media types.
var extTypes = map[string]string{
	".txt": "text/plain", ".html": "text/html", ".htm": "text/html", ".csv": "text/csv",
	".pdf": "application/pdf", ".zip": "application/zip", ".json": "application/json",
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
	".svg": "image/svg+xml", ".webp": "image/webp", ".ics": "text/calendar",
	".eml": "message/rfc822", ".doc": "application/msword", ".xml": "application/xml",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".mp3":  "audio/mpeg", ".mp4": "video/mp4", ".wav": "audio/wav",
}

// attachmentNode peeks at up to 64 KiB of the stream to choose the
// transfer encoding; a longer stream is sent as base64, which suits any
// content.
func (b *Builder) attachmentNode(a Attachment, disp string) (*node, error) {
	if a.Body == nil {
		return nil, errors.New("message: attachment " + a.Filename + " has no Body")
	}
	ct := a.ContentType
	if ct == "" {
		ct = extTypes[strings.ToLower(path.Ext(a.Filename))]
		if ct == "" {
			ct = "application/octet-stream"
		}
	}
	mt, err := mime.ParseMediaType(ct)
	var ws mime.Warnings
	if err != nil && !errors.As(err, &ws) {
		return nil, err
	}
	br := bufio.NewReaderSize(a.Body, 64<<10)
	peek, err := br.Peek(64 << 10)
	cte := mime.CTEBase64
	if err == io.EOF && mt.Type == "text" || err == io.EOF && len(peek) < 64<<10 && mime.Classify(peek).Is7Bit() {
		cte = mime.Classify(peek).Choose(&mime.ChooseOptions{Allow8Bit: b.Allow8Bit})
	} else if err != nil && err != io.EOF {
		return nil, err
	}
	d := mime.Disposition{Type: disp}
	if a.Filename != "" {
		d.Params = mime.Params{{Name: "filename", Value: a.Filename}}
		if _, ok := mt.Params.Get("name"); !ok {
			mt.Params = append(mt.Params, mime.Param{Name: "name", Value: a.Filename})
		}
	}
	legacy := &mime.FormatOptions{Legacy2047: true}
	n := &node{body: br, cte: cte, fields: [][2]string{
		{"Content-Type", mt.Format(legacy)},
		{"Content-Transfer-Encoding", cte},
		{"Content-Disposition", d.Format(&mime.FormatOptions{})},
	}}
	if a.ContentID != "" {
		n.fields = append(n.fields, [2]string{"Content-ID", FormatMsgIDList([]string{a.ContentID})})
	}
	return n, nil
}

// multipart makes a multipart node with a fresh boundary.
func multipart(sub string, extra string, children ...*node) *node {
	var r [16]byte
	_, _ = rand.Read(r[:])
	bnd := "=_" + hex.EncodeToString(r[:])
	return &node{children: children, boundary: bnd,
		fields: [][2]string{{"Content-Type", "multipart/" + sub + "; boundary=\"" + bnd + "\"" + extra}}}
}

func partHeader(n *node) []byte {
	var b []byte
	for _, f := range n.fields {
		b = append(b, FormatField(f[0], f[1], nil)...)
	}
	return b
}

func writeNode(w io.Writer, n *node) error {
	if n.children == nil {
		return writeLeaf(w, n)
	}
	mw := mime.NewMultipartWriter(w, &mime.MultipartWriterOptions{Boundary: n.boundary})
	for _, c := range n.children {
		part, err := mw.CreatePart(partHeader(c))
		if err != nil {
			return err
		}
		if err := writeNode(part, c); err != nil {
			return err
		}
	}
	return mw.Close()
}

func writeLeaf(w io.Writer, n *node) error {
	switch n.cte {
	case mime.CTEBase64:
		enc := mime.NewBase64Encoder(w)
		if _, err := io.Copy(enc, n.body); err != nil {
			return err
		}
		return enc.Close()
	case mime.CTEQuotedPrintable:
		enc := mime.NewQPEncoder(w, nil)
		if _, err := io.Copy(enc, n.body); err != nil {
			return err
		}
		return enc.Close()
	}
	_, err := io.Copy(w, n.body)
	return err
}
