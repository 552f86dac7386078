package envelope

import (
	"bufio"
	"bytes"
	"net/netip"
	"strings"
	"time"

	"github.com/yubinmail/yubin/message"
)

// ReceivedOptions describe the Received field that a server prepends
// (RFC 5321 section 4.4, Time-stamp-line):
//
//	Received: from HELO (REMOTEHOST [IP])
//		(using TLS1.3 with cipher ...)
//		by BY via VIA with WITH id ID
//		for <RCPT>; DATE
type ReceivedOptions struct {
	Helo       string     // the client's HELO/EHLO argument; sanitised, see Received
	RemoteHost string     // verified reverse DNS name of the client, or ""
	RemoteIP   netip.Addr // the client's IP address
	By         string     // this server's host name (required by the grammar)
	Via        string     // link type, for example "TCP"; rarely used
	With       string     // protocol keyword, for example ESMTPS (see SessionInfo.Protocol)
	ID         string     // queue ID
	For        Path       // the single recipient; the zero Path omits "for"
	TLS        string     // TLS comment text without parentheses, see SessionInfo.TLSComment
	Date       time.Time  // the time of receipt; zero means time.Now()
}

// Received returns the value of a Received field (without the field name
// and the final CRLF), folded with CRLF TAB between its clauses.
//
// The HELO name is written as the From-domain only when it is a valid
// domain or address literal. Otherwise the address literal of the client
// takes its place and the HELO text goes into a comment "(helo=...)" with
// parentheses, backslashes and control characters replaced, so that a
// hostile HELO cannot forge trace clauses.
func Received(o *ReceivedOptions) string {
	var lines []string
	if from := receivedFrom(o); from != "" {
		lines = append(lines, from)
	}
	if o.TLS != "" {
		lines = append(lines, "("+commentText(o.TLS)+")")
	}
	by := "by " + tokenOr(o.By, "localhost")
	if o.Via != "" {
		by += " via " + tokenOr(o.Via, "")
	}
	if o.With != "" {
		by += " with " + tokenOr(o.With, "")
	}
	if o.ID != "" {
		by += " id " + tokenOr(o.ID, "")
	}
	lines = append(lines, by)
	date := o.Date
	if date.IsZero() {
		date = time.Now()
	}
	last := "; " + message.FormatDate(date)
	if !o.For.IsNull() {
		last = "for " + o.For.String() + last
		lines = append(lines, last)
	} else {
		lines[len(lines)-1] += last
	}
	return strings.Join(lines, "\r\n\t")
}

// ReceivedField returns the whole "Received: ..." field with its CRLF.
func ReceivedField(o *ReceivedOptions) string {
	return "Received: " + Received(o) + "\r\n"
}

func receivedFrom(o *ReceivedOptions) string {
	if o.Helo == "" && !o.RemoteIP.IsValid() {
		return ""
	}
	lit := ""
	if o.RemoteIP.IsValid() {
		lit = addressLiteral(o.RemoteIP)
	}
	helo := strings.TrimSpace(o.Helo)
	heloOK := helo != "" && checkDomainOrLiteral(helo, true) == "" && !strings.ContainsAny(helo, " \t")
	var b strings.Builder
	b.WriteString("from ")
	if heloOK {
		b.WriteString(helo)
	} else if lit != "" {
		b.WriteString(lit)
	} else {
		b.WriteString("unknown")
	}
	tcp := lit
	if h := o.RemoteHost; h != "" && checkDomain(strings.TrimSuffix(h, "."), true) == "" && lit != "" {
		tcp = strings.TrimSuffix(h, ".") + " " + lit
	}
	if tcp != "" {
		b.WriteString(" (" + tcp + ")")
	}
	if !heloOK && helo != "" {
		b.WriteString(" (helo=" + commentText(helo) + ")")
	}
	return b.String()
}

// addressLiteral formats an IP as an RFC 5321 section 4.1.3 address literal.
func addressLiteral(ip netip.Addr) string {
	ip = ip.WithZone("")
	if ip.Is4() || ip.Is4In6() {
		return "[" + ip.Unmap().String() + "]"
	}
	return "[IPv6:" + ip.String() + "]"
}

// commentText makes s safe inside an RFC 5322 comment: parentheses and
// backslashes are escaped, control characters replaced, and length bounded.
func commentText(s string) string {
	if len(s) > 200 {
		s = s[:200]
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '(' || c == ')' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 32 || c == 127:
			b.WriteByte('?')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// tokenOr returns s with whitespace, controls and parentheses replaced, or
// def when s is empty.
func tokenOr(s, def string) string {
	if s == "" {
		return def
	}
	return strings.Map(func(r rune) rune {
		if r <= 32 || r == 127 || r == '(' || r == ')' || r == ';' {
			return '_'
		}
		return r
	}, s)
}

// ReturnPath returns the Return-Path field that the final delivery agent
// adds (RFC 5321 section 4.4): "Return-Path: <a@b>\r\n", or
// "Return-Path: <>\r\n" for the null reverse-path.
func ReturnPath(p Path) string {
	return "Return-Path: " + p.String() + "\r\n"
}

// CountHops counts the Received fields of a header section (RFC 5321
// section 6.3: a simple counter of Received fields detects loops; the
// default threshold is DefaultMaxHops). Only field starts are counted, so a
// folded line that happens to begin with "Received:" is not.
func CountHops(h *message.Header) int {
	return h.Count("Received")
}

// DefaultMaxHops is the number of Received fields at which a server should
// reject a message as looping with 5.4.6 (RFC 5321 section 6.3 suggests at
// least 100).
const DefaultMaxHops = 100

// CountHopsRaw counts Received fields in raw header bytes (the header ends
// at the first empty line), for callers that have not parsed the header.
// It stops early once the count reaches max (if max > 0), and at a line
// longer than 1 MiB.
func CountHopsRaw(header []byte, max int) int {
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(header))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		ln := sc.Bytes()
		if len(ln) == 0 || (len(ln) == 1 && ln[0] == '\r') {
			break
		}
		if len(ln) >= 9 && bytes.EqualFold(ln[:8], []byte("received")) {
			rest := bytes.TrimLeft(ln[8:], " \t")
			if len(rest) > 0 && rest[0] == ':' {
				n++
				if max > 0 && n >= max {
					break
				}
			}
		}
	}
	return n
}

// IsLoop reports whether a header has at least max Received fields (max <= 0
// means DefaultMaxHops). A server rejects such a message with 554 5.4.6.
func IsLoop(h *message.Header, max int) bool {
	if max <= 0 {
		max = DefaultMaxHops
	}
	return CountHops(h) >= max
}
