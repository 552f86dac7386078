package smtp

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/base32"
	"io"
	"strings"

	"github.com/yubinmail/yubin/envelope"
)

// loopReader passes the message through and counts the Received fields of
// its header (RFC 5321 section 6.3: a message with too many of them is
// looping). At max fields it fails the stream.
type loopReader struct {
	r       io.Reader
	max     int
	count   int
	body    bool // past the header
	lineLen int  // octets in the current line so far
	col     int  // octets of "received:" matched, -1 once it cannot match
	lastCR  bool
	err     error
}

const receivedName = "received:"

func (l *loopReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	if !l.body {
		l.scan(p[:n])
		if l.err != nil {
			return 0, l.err
		}
	}
	return n, err
}

func (l *loopReader) scan(b []byte) {
	for _, c := range b {
		if c == '\n' {
			if l.lineLen == 0 || l.lineLen == 1 && l.lastCR {
				l.body = true // an empty line ends the header
				return
			}
			l.lineLen, l.col = 0, 0
			continue
		}
		l.lineLen++
		l.lastCR = c == '\r'
		if l.col < 0 {
			continue
		}
		if lower(c) != receivedName[l.col] {
			l.col = -1
			continue
		}
		if l.col++; l.col == len(receivedName) {
			l.col = -1
			if l.count++; l.count >= l.max {
				l.err = ErrLoopDetected
				return
			}
		}
	}
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// receivedField builds the trace field of RFC 5321 section 4.4 for the
// current transaction with envelope.ReceivedField, CRLF-terminated.
func (c *conn) receivedField() string {
	o := &envelope.ReceivedOptions{
		Helo:       c.info.Helo,
		RemoteHost: c.info.ClientName,
		RemoteIP:   c.info.RemoteAddr.Addr().Unmap(),
		By:         c.info.Hostname,
		With:       protocolName(c),
		ID:         newID(),
	}
	if len(c.rcpts) == 1 {
		o.For = c.rcpts[0]
	}
	if st := c.info.TLS; st != nil {
		o.TLS = "using " + tls.VersionName(st.Version) + " with cipher " + tls.CipherSuiteName(st.CipherSuite)
	}
	return envelope.ReceivedField(o)
}

// protocolName returns the "with" keyword of RFC 3848.
func protocolName(c *conn) string {
	if c.srv.Mode == ModeLMTP {
		p := "LMTP"
		if c.info.TLS != nil {
			p += "S"
		}
		if c.info.Auth != nil {
			p += "A"
		}
		return p
	}
	if !c.info.ESMTP {
		return "SMTP"
	}
	p := "ESMTP"
	if c.mailParams.SMTPUTF8 {
		p = "UTF8SMTP"
	}
	if c.info.TLS != nil {
		p += "S"
	}
	if c.info.Auth != nil {
		p += "A"
	}
	return p
}

func newID() string {
	var b [10]byte
	rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}
