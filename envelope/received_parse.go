package envelope

import (
	"net/netip"
	"strings"
	"time"

	"github.com/yubinmail/yubin/internal/ascii"
	"github.com/yubinmail/yubin/message"
)

// ReceivedInfo is what ParseReceived extracts from a Received field.
type ReceivedInfo struct {
	From       string     // the From-domain as written (HELO name, or an address literal)
	Helo       string     // the HELO name when the field names it separately (Exim "helo=", Sendmail "HELO"), else From
	RemoteHost string     // the reverse DNS name from the TCP-info comment, trailing dot removed
	RemoteIP   netip.Addr // the client's address from the TCP-info or From-domain
	By         string     // the receiving host
	Via        string     //
	With       string     // protocol, possibly several words ("Microsoft SMTP Server")
	ID         string     //
	For        string     // recipient, without angle brackets
	TLS        bool       // the protocol keyword or a comment says TLS was used
	Comments   []string   // all comments, in order, without parentheses
	Date       time.Time  // zero when missing or unreadable
}

// ParseReceived reads a Received field value (RFC 5321 section 4.4,
// RFC 5322 section 3.6.7) in the forms real servers write: Postfix,
// Sendmail, Exim, qmail, Exchange, Gmail and others. It is lenient: clauses
// may be missing or in another order, the "with" clause may hold several
// words, and the TCP-info comment may have any of the common shapes
// ("(host [ip])", "([ip] helo=name)", "(ip)", "(HELO name) (ip)").
// The error is non-nil only when nothing at all could be read, or, alongside
// the rest, when the date after ";" cannot be parsed.
func ParseReceived(value string) (ReceivedInfo, error) {
	var r ReceivedInfo
	if len(value) > 64*1024 {
		value = value[:64*1024]
	}
	body, date := splitReceivedDate(value)
	if date == "" {
		// QUIRK: some servers (GMX, old Postfix, m-FILTER) omit the ";".
		body, date = findTrailingDate(body)
	}
	toks := receivedTokens(body)
	clause := ""
	var with []string
	for _, t := range toks {
		if t.comment {
			r.Comments = append(r.Comments, t.text)
			if clause == "from" {
				r.readTCPInfo(t.text)
			}
			if strings.Contains(t.text, "TLS") || strings.Contains(t.text, "SSL") {
				r.TLS = true
			}
			continue
		}
		if k := strings.ToLower(t.text); k == "from" || k == "by" || k == "via" || k == "with" || k == "id" || k == "for" {
			clause = k
			continue
		}
		switch clause {
		case "from":
			if r.From == "" {
				r.From = t.text
			}
		case "by":
			if r.By == "" {
				r.By = t.text
			}
		case "via":
			if r.Via == "" {
				r.Via = t.text
			}
		case "with":
			with = append(with, t.text)
		case "id":
			if r.ID == "" {
				r.ID = strings.Trim(t.text, "<>")
			}
		case "for":
			if r.For == "" {
				r.For = strings.Trim(t.text, "<>")
			}
		}
	}
	r.With = strings.Join(with, " ")
	r.finish()
	if r.From == "" && r.By == "" && date == "" {
		return r, newError("Received", value, "no from, by or date", 0, StatusCode{}, ErrSyntax)
	}
	if date != "" {
		d, id, err := parseReceivedDate(date)
		if err != nil {
			return r, newError("Received", date, "unreadable date", 0, StatusCode{}, ErrSyntax)
		}
		r.Date = d
		if r.ID == "" {
			r.ID = id
		}
	}
	return r, nil
}

var weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// findTrailingDate finds a date at the end of a Received value that lacks
// the ";" before it: from the first weekday name, or else the first
// "day month" pair, whose suffix parses as a date.
func findTrailingDate(body string) (rest, date string) {
	words := strings.Fields(body)
	if len(words) > 200 {
		return body, ""
	}
	for i, w := range words {
		lw := strings.ToLower(strings.TrimSuffix(w, ","))
		isDay := len(lw) == 3 && containsString(weekdays, lw)
		if !isDay && !(allDigits(lw) && len(lw) <= 2 && i+1 < len(words) && isMonth(words[i+1])) {
			continue
		}
		cand := strings.Join(words[i:], " ")
		if _, err := message.ParseDate(cand); err == nil {
			return strings.Join(words[:i], " "), cand
		}
	}
	return body, ""
}

// parseReceivedDate reads the date after ";", tolerating a trailing
// "id X" (Courier) and a three-digit day "029" (seen in anonymised
// samples). It returns the trailing id, if any.
func parseReceivedDate(s string) (time.Time, string, error) {
	d, err := message.ParseDate(s)
	if err == nil {
		return d, "", nil
	}
	id := ""
	// ASCII-only lower-casing keeps byte offsets (strings.ToLower would
	// turn invalid UTF-8 into longer U+FFFD sequences).
	if i := strings.Index(ascii.Lower(s), " id "); i > 0 {
		id = strings.TrimSpace(s[i+4:])
		s = s[:i]
	}
	words := strings.Fields(s)
	for i, w := range words {
		if len(w) == 3 && w[0] == '0' && allDigits(w) {
			words[i] = w[1:]
		}
	}
	d, err = message.ParseDate(strings.Join(words, " "))
	return d, id, err
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isMonth(w string) bool {
	w = strings.ToLower(w)
	return len(w) >= 3 && containsString([]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}, w[:3])
}

func (r *ReceivedInfo) finish() {
	if r.Helo == "" {
		r.Helo = r.From
	}
	if !r.RemoteIP.IsValid() {
		if ip, ok := parseLiteralIP(r.From); ok {
			r.RemoteIP = ip
		}
	}
	w := strings.ToUpper(r.With)
	if strings.HasPrefix(w, "ESMTPS") || strings.HasPrefix(w, "LMTPS") || strings.HasPrefix(w, "UTF8SMTPS") ||
		strings.HasPrefix(w, "UTF8LMTPS") || w == "SMTPS" {
		r.TLS = true
	}
}

// readTCPInfo reads the comment after the From-domain: "host [ip]",
// "host. [ip]", "[ip]", "[ip] helo=name", "ip", "HELO name", "user@host [ip]",
// "may be forged" and similar.
func (r *ReceivedInfo) readTCPInfo(c string) {
	words := strings.Fields(c)
	for i, w := range words {
		lw := strings.ToLower(w)
		switch {
		case strings.HasPrefix(lw, "helo=") || strings.HasPrefix(lw, "ehlo="):
			r.Helo = strings.Trim(w[5:], "[]")
		case (lw == "helo" || lw == "ehlo") && i+1 < len(words):
			r.Helo = words[i+1]
		}
		if r.RemoteIP.IsValid() {
			continue
		}
		if ip, ok := parseLiteralIP(strings.TrimRight(w, ",;")); ok {
			r.RemoteIP = ip
			if i > 0 && r.RemoteHost == "" {
				h := strings.TrimSuffix(words[i-1], ".")
				if at := strings.LastIndexByte(h, '@'); at >= 0 {
					h = h[at+1:]
				}
				if checkDomain(h, true) == "" && !strings.EqualFold(h, "unknown") {
					r.RemoteHost = h
				}
			}
		}
	}
}

// parseLiteralIP reads "[192.0.2.1]", "[IPv6:2001:db8::1]", "[2001:db8::1]",
// or a bare IP.
func parseLiteralIP(s string) (netip.Addr, bool) {
	s = strings.TrimPrefix(strings.TrimSuffix(s, "]"), "[")
	if len(s) > 5 && strings.EqualFold(s[:5], "IPv6:") {
		s = s[5:]
	}
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.WithZone(""), true
}

// splitReceivedDate splits at the last ";" that is outside comments.
func splitReceivedDate(v string) (body, date string) {
	depth, cut := 0, -1
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		case ';':
			if depth == 0 {
				cut = i
			}
		}
	}
	if cut < 0 {
		return v, ""
	}
	return v[:cut], strings.TrimSpace(v[cut+1:])
}

type rtoken struct {
	text    string
	comment bool
}

// receivedTokens splits into words and top-level comments (nested
// comments are kept inside their parent's text). Depth is bounded by the
// input length, and the scan is linear.
func receivedTokens(s string) []rtoken {
	var out []rtoken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '(':
			depth, j := 0, i
			var b strings.Builder
			for ; j < len(s); j++ {
				ch := s[j]
				if ch == '\\' && j+1 < len(s) {
					j++
					b.WriteByte(s[j])
					continue
				}
				if ch == '(' {
					depth++
					if depth == 1 {
						continue
					}
				} else if ch == ')' {
					depth--
					if depth == 0 {
						break
					}
				}
				if ch == '\r' || ch == '\n' || ch == '\t' {
					ch = ' '
				}
				b.WriteByte(ch)
			}
			out = append(out, rtoken{strings.TrimSpace(b.String()), true})
			i = j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n(", rune(s[j])) {
				j++
			}
			out = append(out, rtoken{s[i:j], false})
			i = j
		}
	}
	return out
}
