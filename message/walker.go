package message

import (
	"bufio"
	"bytes"
	"errors"
	"io"

	"github.com/yubinmail/yubin/mime"
)

// Walker streams the entities of a message depth-first (pre-order),
// descending into multipart bodies and into message/rfc822 and
// message/global parts. It holds one bounded buffer per nesting level and
// never the whole message, so memory stays bounded for any message size.
//
//	w := message.NewWalker(r, nil)
//	for {
//		e, err := w.Next()
//		if err == io.EOF {
//			break
//		}
//		if err != nil {
//			return err // a limit, or an I/O error
//		}
//		if e.IsLeaf() {
//			io.Copy(dst, e.Body())
//		}
//	}
type Walker struct {
	opts    WalkOptions
	mopts   mime.MultipartOptions // what opts.Multipart points to
	src     io.Reader
	br      bufio.Reader // kept across Reset; no buffer before the first use
	hbr     bufio.Reader // reads part headers
	hsrc    bytes.Reader
	tail    tailReader  // the body of the top-level entity
	cnt     countReader // counts the bytes read from src
	stack   []*frame
	root    *Entity
	cur     *Entity
	parts   int
	started bool
	err     error
}

type frame struct {
	e       *Entity
	mr      *mime.MultipartReader // multipart containers
	src     *countReader          // the container's body (decoded for an encoded message)
	raw     *countReader          // the container's raw body
	base    int64                 // offset of the first byte of src
	n       int                   // children so far
	msgDone bool                  // message containers: the inner message was returned
}

// NewWalker returns a walker over the message read from r.
func NewWalker(r io.Reader, opts *WalkOptions) *Walker {
	w := &Walker{src: r}
	w.opts = opts.get(&w.mopts)
	return w
}

// Reset makes w walk the message read from r, reusing its buffers, as if
// it were new.
func (w *Walker) Reset(r io.Reader) {
	*w = Walker{src: r, opts: w.opts, mopts: w.mopts, br: w.br, hbr: w.hbr} // opts.Multipart is &w.mopts
}

// Root returns the top-level entity once Next has returned it.
func (w *Walker) Root() *Entity { return w.root }

// Next returns the next entity. Before moving on it reads what is left of
// the previous leaf's body, which sets that entity's EndOffset and Lines.
// It returns io.EOF after the last entity; a *mime.LimitError when MaxDepth,
// MaxParts or a header limit is exceeded; or the reader's error. Broken
// structure is not an error: it is repaired and listed in the entity's
// Warnings. Errors are sticky.
func (w *Walker) Next() (*Entity, error) {
	if w.err != nil {
		return nil, w.err
	}
	e, err := w.next()
	if err != nil {
		w.err = err
	}
	return e, err
}

func (w *Walker) next() (*Entity, error) {
	if !w.started {
		w.started = true
		return w.top()
	}
	if c := w.cur; c != nil {
		w.cur = nil
		if _, err := io.Copy(io.Discard, c.body); err != nil {
			return nil, err
		}
	}
	for len(w.stack) > 0 {
		f := w.stack[len(w.stack)-1]
		if f.mr != nil {
			e, err := w.nextPart(f)
			if e != nil || err != nil {
				return e, err
			}
		} else if !f.msgDone {
			f.msgDone = true
			return w.inner(f)
		}
		// The container is finished: read the rest of its body.
		if _, err := io.Copy(io.Discard, f.src); err != nil {
			return nil, err
		}
		if _, err := io.Copy(io.Discard, f.raw); err != nil {
			return nil, err
		}
		w.stack = w.stack[:len(w.stack)-1]
	}
	return nil, io.EOF
}

func (w *Walker) top() (*Entity, error) {
	w.cnt = countReader{r: w.src, bytesOnly: true}
	cnt := &w.cnt
	size := bufioSize
	var grow func(*bufio.Reader) *bufio.Reader
	if _, ok := w.src.(interface{ Len() int }); ok {
		// Input in memory: reading it in smaller pieces costs little, so
		// the header is read with a smaller buffer, and a larger one is
		// made only when a line does not fit where the results depend on
		// it (see readHeaderGrow); they are those of a full-sized buffer.
		size = smallBufioSize
		grow = growBufio
	}
	if w.br.Size() < size {
		w.br = *bufio.NewReaderSize(cnt, size)
	} else {
		w.br.Reset(cnt)
	}
	br := &w.br
	e := &Entity{}
	h, hbr, err := readHeaderGrow(br, w.opts.Header, grow)
	if err = e.headerErr(err); err != nil {
		return nil, err
	}
	e.Header = h
	e.HeaderOffset = int64(len(h.MboxFrom()))
	e.BodyOffset = cnt.n - int64(br.Buffered())
	w.tail = tailReader{br, cnt}
	if hbr != br {
		// The grown reader reads br, which reads the input.
		e.BodyOffset -= int64(hbr.Buffered())
		w.tail = tailReader{hbr, br}
	}
	w.root = e
	return w.enter(e, &w.tail, "", true, nil)
}

// smallBufioSize is the walker's first read buffer for input in memory.
const smallBufioSize = 1 << 10

func growBufio(br *bufio.Reader) *bufio.Reader { return bufio.NewReaderSize(br, bufioSize) }

func (e *Entity) headerErr(err error) error {
	if err == nil {
		return nil
	}
	var le *mime.LimitError
	if errors.As(err, &le) {
		return err
	}
	var ws mime.Warnings
	if errors.As(err, &ws) {
		e.Warnings = append(e.Warnings, ws...)
		return nil
	}
	return err
}

// inner reads the header of the message inside a message/rfc822 part.
func (w *Walker) inner(f *frame) (*Entity, error) {
	br := bufio.NewReaderSize(f.src, 4096)
	e := &Entity{Parent: f.e, Depth: f.e.Depth + 1, Encapsulated: true, HeaderOffset: f.base,
		InEncoded: f.e.InEncoded || f.src != f.raw}
	h, err := ReadHeader(br, w.opts.Header)
	if err = e.headerErr(err); err != nil {
		return nil, err
	}
	e.Header = h
	e.HeaderOffset += int64(len(h.MboxFrom()))
	e.BodyOffset = f.base + f.src.n - int64(br.Buffered())
	f.e.Children = append(f.e.Children, e)
	return w.enter(e, &tailReader{br, f.src}, f.e.Section, true, nil)
}

// nextPart returns the next child of a multipart container, or nil, nil
// when it has no more.
func (w *Walker) nextPart(f *frame) (*Entity, error) {
	p, err := f.mr.NextPart()
	if err != nil {
		var be *mime.BoundaryError
		switch {
		case err == io.EOF, errors.As(err, &be):
			if be != nil {
				f.e.warn(WarnNoBoundary, be.Error())
			}
			if f.n == 0 {
				// QUIRK: no delimiter at all; the body becomes one part.
				f.n++
				c := &Entity{Parent: f.e, Depth: f.e.Depth + 1, NoParts: true, InEncoded: f.e.InEncoded,
					HeaderOffset: f.e.BodyOffset, BodyOffset: f.e.BodyOffset}
				c.warn(WarnNoParts, "")
				f.e.Children = append(f.e.Children, c)
				sec := f.e.Section
				if sec == "" {
					sec = "1"
				}
				return w.enter(c, bytes.NewReader(f.mr.Preamble()), sec, false, nil)
			}
			f.e.Warnings = append(f.e.Warnings, f.mr.Warnings()...)
			return nil, nil
		}
		return nil, err
	}
	e := &Entity{Parent: f.e, Depth: f.e.Depth + 1, InEncoded: f.e.InEncoded,
		HeaderOffset: f.e.BodyOffset + p.HeaderOffset, BodyOffset: f.e.BodyOffset + p.BodyOffset}
	w.hsrc.Reset(p.RawHeader)
	// The buffer only needs to hold the header twice over (the first
	// Peek is 128 bytes) for ReadHeader to behave as with a full-sized
	// one, whose size it never exceeds.
	if need := min(4096, max(128, 2*len(p.RawHeader)+16)); w.hbr.Size() < need {
		w.hbr = *bufio.NewReaderSize(&w.hsrc, need)
	} else {
		w.hbr.Reset(&w.hsrc)
	}
	// The part's raw header is the walker's own: fields slice it.
	h, err := readHeaderFrom(&w.hbr, p.RawHeader, w.opts.Header)
	if err = e.headerErr(err); err != nil {
		return nil, err
	}
	e.Header = h
	f.n++
	f.e.Children = append(f.e.Children, e)
	return w.enter(e, p.Body, childSection(f.e.Section, f.n), false, p)
}

// enter sets up a new entity whose body is read from body and pushes a
// frame for it when it is a container. For a message (top-level or
// encapsulated), section is the container's section. For a body part,
// part is the multipart reader's part, which counts the body's lines.
func (w *Walker) enter(e *Entity, body io.Reader, section string, message bool, part *mime.Part) (*Entity, error) {
	e.DecodedSize = -1
	w.parts++
	if w.parts > w.opts.MaxParts {
		return nil, &mime.LimitError{Limit: "MaxParts", Max: int64(w.opts.MaxParts)}
	}
	if e.Depth > w.opts.MaxDepth {
		return nil, &mime.LimitError{Limit: "MaxDepth", Max: int64(w.opts.MaxDepth)}
	}
	def := "text/plain; charset=us-ascii"
	if p := e.Parent; p != nil && !message && !e.NoParts && p.MediaType.Subtype == "digest" {
		def = "message/rfc822"
	}
	e.setup(def)
	if e.NoParts {
		e.MediaType, e.TransferEncoding = e.Parent.MediaType, "7bit"
	}
	e.Section = section
	if message && !e.IsMultipart() {
		e.Section = childSection(section, 1)
	}
	e.cnt = countReader{r: body, bytesOnly: part != nil, ent: e, part: part}
	cnt := &e.cnt
	switch {
	case e.IsMultipart():
		b, _ := e.MediaType.Params.Get("boundary")
		w.stack = append(w.stack, &frame{e: e, src: cnt, raw: cnt, base: e.BodyOffset,
			mr: mime.NewMultipartReader(cnt, b, w.opts.Multipart)})
	case e.IsMessage():
		f := &frame{e: e, src: cnt, raw: cnt, base: e.BodyOffset}
		if !identityCTE(e.TransferEncoding) {
			d, _ := mime.NewTransferDecoder(e.TransferEncoding, cnt)
			f.src, f.base = &countReader{r: d, bytesOnly: true}, 0
		}
		w.stack = append(w.stack, f)
	default:
		e.body = cnt
		w.cur = e
	}
	return e, nil
}

// Walk calls fn for each entity of the message in r, depth-first; see
// Walker. An error from fn stops the walk and is returned.
func Walk(r io.Reader, opts *WalkOptions, fn func(*Entity) error) error {
	w := NewWalker(r, opts)
	for {
		e, err := w.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
}

// ReadStructure walks the whole message and returns the entity tree with
// every offset, line count, decoded size and warning set. Leaf bodies are
// decoded and dropped; use Entity.Open with an io.ReaderAt over the same
// bytes to read one again.
func ReadStructure(r io.Reader, opts *WalkOptions) (*Entity, error) {
	w := NewWalker(r, opts)
	for {
		e, err := w.Next()
		if err == io.EOF {
			return w.Root(), nil
		}
		if err != nil {
			return w.Root(), err
		}
		if b := e.Body(); b != nil {
			if _, err := io.Copy(io.Discard, b); err != nil {
				return w.Root(), err
			}
		}
	}
}

// ErrInEncoded is returned by readers from Open for an entity inside an
// encoded message/rfc822, whose offsets are not offsets in the input.
var ErrInEncoded = errors.New("message: entity is inside an encoded message/rfc822")

type errorReader struct{ err error }

func (r errorReader) Read([]byte) (int, error) { return 0, r.err }

// Open returns the entity's raw body from ra, which must hold the same
// bytes that were walked. The entity must be Complete and not InEncoded.
func (e *Entity) Open(ra io.ReaderAt) io.Reader {
	if e.InEncoded {
		return errorReader{ErrInEncoded}
	}
	return io.NewSectionReader(ra, e.BodyOffset, e.EndOffset-e.BodyOffset)
}

// OpenDecoded is Open with the transfer encoding removed.
func (e *Entity) OpenDecoded(ra io.ReaderAt) io.Reader {
	d, err := mime.NewTransferDecoder(e.TransferEncoding, e.Open(ra))
	if err != nil {
		return e.Open(ra)
	}
	return d
}

// tailReader reads what br has buffered and then, for reads of at least
// tailDirect bytes, reads src directly: br is only needed for the header,
// and copying a body through it costs a second copy.
type tailReader struct {
	br  *bufio.Reader
	src io.Reader
}

const tailDirect = 1024

func (t *tailReader) Read(p []byte) (int, error) {
	if len(p) >= tailDirect && t.br.Buffered() == 0 {
		// An error that br got from src and has not returned yet comes
		// first, as it would through br.
		if _, err := t.br.Read(p[:0]); err != nil {
			return 0, err
		}
		return t.src.Read(p)
	}
	return t.br.Read(p)
}
