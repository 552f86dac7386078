package envelope

import (
	"strconv"
	"strings"
)

// StatusCode is an RFC 3463 enhanced mail system status code
// "class.subject.detail", for example 5.1.1. The zero value means "no code".
type StatusCode struct {
	Class   int // 2 success, 4 persistent transient failure, 5 permanent failure
	Subject int // 0..999 (RFC 3463 section 2: 1 to 3 digits)
	Detail  int // 0..999
}

// Common codes, for convenience.
var (
	CodeOK                = StatusCode{2, 0, 0}
	CodeBadMailbox        = StatusCode{5, 1, 1}
	CodeBadDestSyntax     = StatusCode{5, 1, 3}
	CodeBadSenderSyntax   = StatusCode{5, 1, 7}
	CodeMailboxFull       = StatusCode{4, 2, 2}
	CodeTooBig            = StatusCode{5, 3, 4}
	CodeLoop              = StatusCode{5, 4, 6}
	CodeInvalidArgs       = StatusCode{5, 5, 4}
	CodeNonASCIIAddress   = StatusCode{5, 6, 7}
	CodeRelayDenied       = StatusCode{5, 7, 1}
	CodeRequireTLSMissing = StatusCode{5, 7, 30}
)

// IsZero reports whether c is the zero value.
func (c StatusCode) IsZero() bool { return c == StatusCode{} }

// IsSuccess reports whether the class is 2.
func (c StatusCode) IsSuccess() bool { return c.Class == 2 }

// IsTemporary reports whether the class is 4 (persistent transient failure,
// RFC 3463 section 3.1): the same delivery may succeed later.
func (c StatusCode) IsTemporary() bool { return c.Class == 4 }

// IsPermanent reports whether the class is 5 (permanent failure).
func (c StatusCode) IsPermanent() bool { return c.Class == 5 }

// String formats the code as "C.S.D", or "" for the zero value.
func (c StatusCode) String() string {
	if c.IsZero() {
		return ""
	}
	return strconv.Itoa(c.Class) + "." + strconv.Itoa(c.Subject) + "." + strconv.Itoa(c.Detail)
}

// WithClass returns c with its class replaced, so that a registry entry
// (which RFC 3463 writes as X.s.d) can be used as 4.s.d or 5.s.d.
func (c StatusCode) WithClass(class int) StatusCode {
	c.Class = class
	return c
}

// ParseStatusCode parses "class.subject.detail" (RFC 3463 section 2):
// class is 2, 4 or 5, subject and detail are 1 to 3 digits without
// leading zeros beyond a single "0" being tolerated.
func ParseStatusCode(s string) (StatusCode, error) {
	bad := func() (StatusCode, error) {
		return StatusCode{}, newError("status code", s, "want class.subject.detail", 0, StatusCode{}, ErrSyntax)
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return bad()
	}
	var n [3]int
	for i, p := range parts {
		if len(p) == 0 || len(p) > 3 || (i == 0 && len(p) != 1) {
			return bad()
		}
		for j := 0; j < len(p); j++ {
			if p[j] < '0' || p[j] > '9' {
				return bad()
			}
			n[i] = n[i]*10 + int(p[j]-'0')
		}
	}
	if n[0] != 2 && n[0] != 4 && n[0] != 5 {
		return bad()
	}
	return StatusCode{n[0], n[1], n[2]}, nil
}

// findStatusCode finds the first enhanced status code in free text such as
// a Diagnostic-Code "550 5.1.1 <a@b>... User unknown". It returns the zero
// value when there is none.
func findStatusCode(s string) StatusCode {
	for i := 0; i+5 <= len(s); i++ {
		c := s[i]
		if (c != '2' && c != '4' && c != '5') || s[i+1] != '.' {
			continue
		}
		if i > 0 && (isDigit(s[i-1]) || s[i-1] == '.') {
			continue
		}
		j := i + 2
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j == i+2 || j-i-2 > 3 || j >= len(s) || s[j] != '.' {
			continue
		}
		k := j + 1
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k == j+1 || k-j-1 > 3 || (k < len(s) && (isDigit(s[k]) || s[k] == '.')) {
			continue
		}
		if code, err := ParseStatusCode(s[i:k]); err == nil {
			return code
		}
	}
	return StatusCode{}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// StatusInfo describes one entry of the IANA "Enumerated Status Codes"
// registry (RFC 3463 section 3 and its updates).
type StatusInfo struct {
	Subject, Detail int
	Text            string // the registry's short name
	RFC             int    // the RFC that defines it, 0 for a registration without one
}

// Text returns the registry text for c's subject and detail, for example
// "Mailbox full" for 4.2.2 or 5.2.2. For an unregistered detail it falls back
// to the subject's "Other or undefined" text (RFC 3463 section 3: X.s.0), and
// returns "" for an unknown subject.
func (c StatusCode) Text() string {
	if info, ok := LookupStatus(c); ok {
		return info.Text
	}
	if info, ok := LookupStatus(StatusCode{c.Class, c.Subject, 0}); ok {
		return info.Text
	}
	return ""
}

// ClassText returns the IANA name of the code's class (RFC 3463 section
// 3.1): "Success", "Persistent Transient Failure", "Permanent Failure", or "".
func (c StatusCode) ClassText() string {
	switch c.Class {
	case 2:
		return "Success"
	case 4:
		return "Persistent Transient Failure"
	case 5:
		return "Permanent Failure"
	}
	return ""
}

// SubjectText returns the IANA name of the code's subject (RFC 3463
// section 3.2), for example "Mailbox Status" for X.2.*, or "".
func (c StatusCode) SubjectText() string {
	names := [...]string{"Other or Undefined Status", "Addressing Status", "Mailbox Status",
		"Mail System Status", "Network and Routing Status", "Mail Delivery Protocol Status",
		"Message Content or Media Status", "Security or Policy Status"}
	if c.Subject >= 0 && c.Subject < len(names) {
		return names[c.Subject]
	}
	return ""
}

// LookupStatus returns the registry entry for c's subject and detail.
func LookupStatus(c StatusCode) (StatusInfo, bool) {
	for _, e := range statusRegistry {
		if e.Subject == c.Subject && e.Detail == c.Detail {
			return e, true
		}
	}
	return StatusInfo{}, false
}

// StatusRegistry returns a copy of the registry, in order.
func StatusRegistry() []StatusInfo {
	return append([]StatusInfo(nil), statusRegistry...)
}

// statusRegistry is the IANA "Enumerated Status Codes" registry: RFC 3463
// section 3, updated by RFC 3886, 4468, 4954, 5248, 6531, 6710, 7293, 7372,
// 7505, 8617 and 8689. The names are the registry's.
var statusRegistry = []StatusInfo{
	{0, 0, "Other undefined status", 3463},
	{1, 0, "Other address status", 3463},
	{1, 1, "Bad destination mailbox address", 3463},
	{1, 2, "Bad destination system address", 3463},
	{1, 3, "Bad destination mailbox address syntax", 3463},
	{1, 4, "Destination mailbox address ambiguous", 3463},
	{1, 5, "Destination address valid", 3463},
	{1, 6, "Destination mailbox has moved, no forwarding address", 3463},
	{1, 7, "Bad sender's mailbox address syntax", 3463},
	{1, 8, "Bad sender's system address", 3463},
	{1, 9, "Message relayed to non-compliant mailer", 3886},
	{1, 10, "Recipient address has null MX", 7505},
	{2, 0, "Other or undefined mailbox status", 3463},
	{2, 1, "Mailbox disabled, not accepting messages", 3463},
	{2, 2, "Mailbox full", 3463},
	{2, 3, "Message length exceeds administrative limit", 3463},
	{2, 4, "Mailing list expansion problem", 3463},
	{3, 0, "Other or undefined mail system status", 3463},
	{3, 1, "Mail system full", 3463},
	{3, 2, "System not accepting network messages", 3463},
	{3, 3, "System not capable of selected features", 3463},
	{3, 4, "Message too big for system", 3463},
	{3, 5, "System incorrectly configured", 3463},
	{3, 6, "Requested priority was changed", 6710},
	{4, 0, "Other or undefined network or routing status", 3463},
	{4, 1, "No answer from host", 3463},
	{4, 2, "Bad connection", 3463},
	{4, 3, "Directory server failure", 3463},
	{4, 4, "Unable to route", 3463},
	{4, 5, "Mail system congestion", 3463},
	{4, 6, "Routing loop detected", 3463},
	{4, 7, "Delivery time expired", 3463},
	{5, 0, "Other or undefined protocol status", 3463},
	{5, 1, "Invalid command", 3463},
	{5, 2, "Syntax error", 3463},
	{5, 3, "Too many recipients", 3463},
	{5, 4, "Invalid command arguments", 3463},
	{5, 5, "Wrong protocol version", 3463},
	{5, 6, "Authentication exchange line is too long", 4954},
	{6, 0, "Other or undefined media error", 3463},
	{6, 1, "Media not supported", 3463},
	{6, 2, "Conversion required and prohibited", 3463},
	{6, 3, "Conversion required but not supported", 3463},
	{6, 4, "Conversion with loss performed", 3463},
	{6, 5, "Conversion failed", 3463},
	{6, 6, "Message content not available", 4468},
	{6, 7, "Non-ASCII addresses not permitted for that sender/recipient", 6531},
	{6, 8, "UTF-8 string reply is required, but not permitted by the SMTP client", 6531},
	{6, 9, "UTF-8 header message cannot be transferred to one or more recipients", 6531},
	{6, 10, "UTF-8 string reply is required (deprecated duplicate of X.6.8)", 6531},
	{7, 0, "Other or undefined security status", 3463},
	{7, 1, "Delivery not authorized, message refused", 3463},
	{7, 2, "Mailing list expansion prohibited", 3463},
	{7, 3, "Security conversion required but not possible", 3463},
	{7, 4, "Security features not supported", 3463},
	{7, 5, "Cryptographic failure", 3463},
	{7, 6, "Cryptographic algorithm not supported", 3463},
	{7, 7, "Message integrity failure", 3463},
	{7, 8, "Authentication credentials invalid", 4954},
	{7, 9, "Authentication mechanism is too weak", 4954},
	{7, 10, "Encryption needed", 5248},
	{7, 11, "Encryption required for requested authentication mechanism", 4954},
	{7, 12, "A password transition is needed", 4954},
	{7, 13, "User account disabled", 5248},
	{7, 14, "Trust relationship required", 5248},
	{7, 15, "Priority level is too low", 6710},
	{7, 16, "Message is too big for the specified priority", 6710},
	{7, 17, "Mailbox owner has changed", 7293},
	{7, 18, "Domain owner has changed", 7293},
	{7, 19, "RRVS test cannot be completed", 7293},
	{7, 20, "No passing DKIM signature found", 7372},
	{7, 21, "No acceptable DKIM signature found", 7372},
	{7, 22, "No valid author-matched DKIM signature found", 7372},
	{7, 23, "SPF validation failed", 7372},
	{7, 24, "SPF validation error", 7372},
	{7, 25, "Reverse DNS validation failed", 7372},
	{7, 26, "Multiple authentication checks failed", 7372},
	{7, 27, "Sender address has null MX", 7505},
	{7, 28, "Mail flood detected", 0},
	{7, 29, "ARC validation failure", 8617},
	{7, 30, "REQUIRETLS support required", 8689},
}
