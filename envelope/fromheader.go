package envelope

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/yubinmail/yubin/message"
)

// ErrNoRecipients means a message names no recipient in To, Cc or Bcc (or
// in the Resent- fields of its most recent resent block).
var ErrNoRecipients = errors.New("envelope: message has no recipients")

// ErrNoSender means no reverse-path could be taken from Sender or From.
var ErrNoSender = errors.New("envelope: message has no usable Sender or From")

// FromMessage derives a submission envelope from a message header, the way
// "sendmail -t" does:
//
//   - When the header holds Resent- fields (RFC 5322 section 3.6.6), only
//     the most recent resent block counts: the reverse-path is its
//     Resent-Sender, else its Resent-From, and the recipients are its
//     Resent-To, Resent-Cc and Resent-Bcc.
//   - Otherwise the reverse-path is Sender, else From (which must then hold
//     exactly one mailbox, RFC 5322 section 3.6.2), and the recipients are
//     To, Cc and Bcc, group members included, duplicates removed (the
//     domain compared case-insensitively).
//
// MailParams.SMTPUTF8 is set when an address needs it. Remove the Bcc
// fields from what is sent with TransmitCopy; the envelope keeps the Bcc
// recipients. Addresses that are not valid SMTP paths give an *Error.
func FromMessage(h *message.Header) (*Envelope, error) {
	var senderFields, rcptFields []string
	block := resentBlock(h)
	if block != nil {
		senderFields = []string{"Resent-Sender", "Resent-From"}
		rcptFields = []string{"Resent-To", "Resent-Cc", "Resent-Bcc"}
	} else {
		senderFields = []string{"Sender", "From"}
		rcptFields = []string{"To", "Cc", "Bcc"}
	}
	get := func(name string) []string {
		if block != nil {
			return block[strings.ToLower(name)]
		}
		return h.Values(name)
	}
	env := &Envelope{}
	from, err := senderPath(get, senderFields)
	if err != nil {
		return nil, err
	}
	env.From = from
	seen := map[string]bool{}
	for _, name := range rcptFields {
		for _, v := range get(name) {
			list, _ := message.ParseAddressList(v, nil) // QUIRK: unparsable items are skipped
			for _, a := range message.Mailboxes(list) {
				p, err := addrPath(a, true)
				if err != nil {
					return nil, err
				}
				key := p.Local + "@" + p.DomainASCII()
				if seen[key] {
					continue
				}
				seen[key] = true
				env.Rcpts = append(env.Rcpts, Recipient{Path: p})
			}
		}
	}
	if len(env.Rcpts) == 0 {
		return nil, ErrNoRecipients
	}
	env.MailParams.SMTPUTF8 = env.From.NeedsSMTPUTF8()
	for _, r := range env.Rcpts {
		if r.Path.NeedsSMTPUTF8() {
			env.MailParams.SMTPUTF8 = true
		}
	}
	return env, nil
}

func senderPath(get func(string) []string, fields []string) (Path, error) {
	for _, name := range fields {
		vals := get(name)
		if len(vals) == 0 {
			continue
		}
		if len(vals) > 1 {
			return Path{}, errors.New("envelope: more than one " + name + " field")
		}
		list, err := message.ParseAddressList(vals[0], nil)
		boxes := message.Mailboxes(list)
		if err != nil && len(boxes) == 0 {
			return Path{}, errors.Join(ErrNoSender, err)
		}
		if len(boxes) != 1 {
			return Path{}, errors.New("envelope: " + name + " must hold exactly one mailbox to be the reverse-path")
		}
		return addrPath(boxes[0], false)
	}
	return Path{}, ErrNoSender
}

// addrPath turns a header mailbox into an SMTP path and validates it.
func addrPath(a message.Address, forward bool) (Path, error) {
	p := Path{Local: a.Local, Domain: a.Domain}
	if err := p.Validate(forward, &PathOptions{SMTPUTF8: true}); err != nil {
		return Path{}, err
	}
	return p, nil
}

// resentBlock returns the fields of the most recent resent block, keyed by
// lower-case name, or nil when there is none. Resent blocks are prepended
// (RFC 5322 section 3.6.6), so the first one from the top is the newest; it
// ends at the first field that is neither a Resent- field nor a trace field,
// or where a Resent- field name repeats (the start of an older block).
func resentBlock(h *message.Header) map[string][]string {
	var block map[string][]string
	for _, f := range h.Fields() {
		name := strings.ToLower(f.Name())
		if !strings.HasPrefix(name, "resent-") {
			if block != nil && name != "received" && name != "return-path" {
				break
			}
			continue
		}
		if block == nil {
			block = map[string][]string{}
		} else if _, dup := block[name]; dup && name != "resent-to" && name != "resent-cc" && name != "resent-bcc" {
			break
		}
		block[name] = append(block[name], f.Value())
	}
	return block
}

// TransmitCopy copies a message from r to w without its Bcc and Resent-Bcc
// fields (RFC 5322 section 3.6.3: the copy sent to To and Cc recipients
// must not reveal Bcc recipients). Everything else, line ends included, is
// copied byte for byte, and the body is streamed.
func TransmitCopy(w io.Writer, r io.Reader) error {
	br := bufio.NewReaderSize(r, 4096)
	skipping, lineStart := false, true
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			if lineStart {
				if isBlankLine(chunk) && err != bufio.ErrBufferFull {
					if _, werr := w.Write(chunk); werr != nil {
						return werr
					}
					_, cerr := io.Copy(w, br)
					return cerr
				}
				if chunk[0] != ' ' && chunk[0] != '\t' {
					skipping = isBccField(chunk)
				}
			}
			if !skipping {
				if _, werr := w.Write(chunk); werr != nil {
					return werr
				}
			}
		}
		switch err {
		case nil:
			lineStart = true
		case bufio.ErrBufferFull:
			lineStart = false
		case io.EOF:
			return nil
		default:
			return err
		}
	}
}

func isBlankLine(b []byte) bool {
	return len(b) == 1 && b[0] == '\n' || len(b) == 2 && b[0] == '\r' && b[1] == '\n'
}

func isBccField(line []byte) bool {
	col := bytes.IndexByte(line, ':')
	if col < 0 {
		return false
	}
	name := bytes.TrimRight(line[:col], " \t")
	return bytes.EqualFold(name, []byte("bcc")) || bytes.EqualFold(name, []byte("resent-bcc"))
}
