package smtp

import (
	"strconv"
	"strings"
)

// Capabilities are the ESMTP extensions a server announced in its EHLO (or
// LHLO) reply (RFC 5321 section 4.1.1.1).
type Capabilities struct {
	// Extended is true when the server answered EHLO; false after a HELO
	// fallback, when no extension may be used.
	Extended bool
	// Size is the SIZE limit in octets (RFC 1870); 0 when the server
	// announced SIZE without a limit or not at all (see Has("SIZE")).
	Size                int64
	Pipelining          bool     // RFC 2920
	EightBitMIME        bool     // RFC 6152
	SMTPUTF8            bool     // RFC 6531
	Chunking            bool     // RFC 3030
	BinaryMIME          bool     // RFC 3030
	DSN                 bool     // RFC 3461
	EnhancedStatusCodes bool     // RFC 2034
	StartTLS            bool     // RFC 3207
	RequireTLS          bool     // RFC 8689
	Auth                []string // SASL mechanisms (RFC 4954), upper case
	// Limits are the LIMITS values (RFC 9422); zero when not announced.
	Limits struct{ MailMax, RcptMax, RcptDomainMax int }
	// Keywords maps every announced keyword (upper case) to its
	// parameters, for extensions this type has no field for.
	Keywords map[string]string
}

// Has reports whether keyword was announced.
func (c Capabilities) Has(keyword string) bool {
	_, ok := c.Keywords[strings.ToUpper(keyword)]
	return ok
}

// ParseCapabilities parses the lines of an EHLO reply after the first one
// (the greeting line). Unknown keywords are kept in Keywords; malformed
// parameters of known ones are ignored rather than fatal.
func ParseCapabilities(lines []string) Capabilities {
	c := Capabilities{Keywords: make(map[string]string, len(lines))}
	for _, line := range lines {
		kw, params, _ := strings.Cut(strings.TrimSpace(line), " ")
		kw = strings.ToUpper(kw)
		// Some old servers announce "AUTH=PLAIN LOGIN".
		if rest, ok := strings.CutPrefix(kw, "AUTH="); ok {
			kw, params = "AUTH", strings.TrimSpace(rest+" "+params)
		}
		if kw == "" {
			continue
		}
		if _, dup := c.Keywords[kw]; !dup {
			c.Keywords[kw] = params
		}
		c.apply(kw, params)
	}
	return c
}

func (c *Capabilities) apply(kw, params string) {
	switch kw {
	case "SIZE":
		if n, err := strconv.ParseInt(strings.TrimSpace(params), 10, 64); err == nil && n > 0 {
			c.Size = n
		}
	case "PIPELINING":
		c.Pipelining = true
	case "8BITMIME":
		c.EightBitMIME = true
	case "SMTPUTF8":
		c.SMTPUTF8 = true
	case "CHUNKING":
		c.Chunking = true
	case "BINARYMIME":
		c.BinaryMIME = true
	case "DSN":
		c.DSN = true
	case "ENHANCEDSTATUSCODES":
		c.EnhancedStatusCodes = true
	case "STARTTLS":
		c.StartTLS = true
	case "REQUIRETLS":
		c.RequireTLS = true
	case "AUTH":
		for _, m := range strings.Fields(params) {
			m = strings.ToUpper(m)
			if !containsFold(c.Auth, m) {
				c.Auth = append(c.Auth, m)
			}
		}
	case "LIMITS":
		for _, f := range strings.Fields(params) {
			k, v, _ := strings.Cut(f, "=")
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				continue
			}
			switch strings.ToUpper(k) {
			case "MAILMAX":
				c.Limits.MailMax = n
			case "RCPTMAX":
				c.Limits.RcptMax = n
			case "RCPTDOMAINMAX":
				c.Limits.RcptDomainMax = n
			}
		}
	}
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
