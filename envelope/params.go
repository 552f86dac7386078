package envelope

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Param is one ESMTP parameter, esmtp-keyword ["=" esmtp-value] (RFC 5321
// section 4.1.2). Unknown parameters are kept as Params in their order.
type Param struct {
	Keyword  string // as sent
	Value    string // raw, not decoded
	HasValue bool   // "KEY=VALUE" rather than "KEY"
}

// String returns the wire form.
func (p Param) String() string {
	if !p.HasValue {
		return sanitizeParam(p.Keyword)
	}
	return sanitizeParam(p.Keyword) + "=" + sanitizeParam(p.Value)
}

func sanitizeParam(s string) string {
	if strings.ContainsAny(s, " \r\n\t") {
		return strings.NewReplacer(" ", "+20", "\r", "+0D", "\n", "+0A", "\t", "+09").Replace(s)
	}
	return s
}

// BodyType is the value of the BODY parameter.
type BodyType string

// BODY values: RFC 6152 section 2 (7BIT, 8BITMIME) and RFC 3030 section 3
// (BINARYMIME).
const (
	Body7Bit       BodyType = "7BIT"
	Body8BitMIME   BodyType = "8BITMIME"
	BodyBinaryMIME BodyType = "BINARYMIME"
)

// Ret is the value of the RET parameter (RFC 3461 section 4.3).
type Ret string

// RET values.
const (
	RetFull Ret = "FULL" // return the full message in a DSN
	RetHdrs Ret = "HDRS" // return only the header
)

// DeliverBy is the BY parameter of RFC 2852 section 4:
// "BY=" by-time ";" by-mode [ "T" ].
type DeliverBy struct {
	Seconds int64 // by-time, -999999999 to 999999999
	Mode    byte  // 'N' (notify) or 'R' (return)
	Trace   bool  // "T": request delay DSNs for tracing
}

// String returns the parameter value, for example "3600;RT".
func (b DeliverBy) String() string {
	s := strconv.FormatInt(b.Seconds, 10) + ";" + string(b.Mode)
	if b.Trace {
		s += "T"
	}
	return s
}

// MailParams are the ESMTP parameters of MAIL FROM.
type MailParams struct {
	Size          int64      // SIZE (RFC 1870), valid when HasSize
	HasSize       bool       //
	Body          BodyType   // BODY (RFC 6152, RFC 3030), "" when absent
	SMTPUTF8      bool       // SMTPUTF8 (RFC 6531 section 3.4)
	Ret           Ret        // RET (RFC 3461 section 4.3), "" when absent
	EnvID         string     // ENVID (RFC 3461 section 4.4), xtext-decoded, "" when absent
	Auth          string     // AUTH= (RFC 4954 section 5), xtext-decoded: a mailbox or "<>"
	HasAuth       bool       //
	RequireTLS    bool       // REQUIRETLS (RFC 8689 section 4.1)
	MTPriority    int        // MT-PRIORITY (RFC 6710 section 3), -9..9, valid when HasMTPriority
	HasMTPriority bool       //
	By            *DeliverBy // BY (RFC 2852), nil when absent
	Other         []Param    // unknown parameters, in order
}

// RcptParams are the ESMTP parameters of RCPT TO.
type RcptParams struct {
	Notify Notify  // NOTIFY (RFC 3461 section 4.1), 0 when absent
	ORcpt  ORcpt   // ORCPT (RFC 3461 section 4.2, RFC 6533 section 3)
	Other  []Param // unknown parameters, in order
}

// Notify is the set of NOTIFY values. NotifyNever excludes the others.
type Notify uint8

// NOTIFY values.
const (
	NotifyNever Notify = 1 << iota
	NotifySuccess
	NotifyFailure
	NotifyDelay
)

// String returns the parameter value, for example "SUCCESS,FAILURE".
func (n Notify) String() string {
	if n&NotifyNever != 0 {
		return "NEVER"
	}
	var parts []string
	if n&NotifySuccess != 0 {
		parts = append(parts, "SUCCESS")
	}
	if n&NotifyFailure != 0 {
		parts = append(parts, "FAILURE")
	}
	if n&NotifyDelay != 0 {
		parts = append(parts, "DELAY")
	}
	return strings.Join(parts, ",")
}

// ORcpt is the original recipient of RFC 3461 section 4.2.
type ORcpt struct {
	AddrType string // "rfc822", "utf-8" (RFC 6533) or another registered type; "" when absent
	Addr     string // decoded address
}

// String returns the parameter value: addr-type ";" followed by xtext, or
// for "utf-8" by utf-8-addr-xtext (which needs no SMTPUTF8).
func (o ORcpt) String() string {
	if strings.EqualFold(o.AddrType, "utf-8") {
		return o.AddrType + ";" + EncodeUTF8AddrXtext(o.Addr)
	}
	return sanitizeParam(o.AddrType) + ";" + EncodeXtext(o.Addr)
}

const (
	maxEnvID = 100 // RFC 3461 section 4.4
	maxORcpt = 500 // RFC 3461 section 4.2
)

// splitParams splits Mail-parameters / Rcpt-parameters into Params,
// checking the esmtp-param grammar and rejecting duplicate keywords.
// QUIRK: runs of spaces between parameters are accepted.
func splitParams(op, s string) ([]Param, error) {
	var out []Param
	seen := map[string]bool{}
	for _, tok := range strings.Split(s, " ") {
		if tok == "" {
			continue
		}
		p := Param{Keyword: tok}
		if eq := strings.IndexByte(tok, '='); eq >= 0 {
			p = Param{Keyword: tok[:eq], Value: tok[eq+1:], HasValue: true}
		}
		if !isKeyword(p.Keyword) {
			return nil, newError(op, tok, "invalid keyword", 501, CodeInvalidArgs, ErrSyntax)
		}
		if p.HasValue && !isESMTPValue(p.Value) {
			return nil, newError(op, tok, "invalid value", 501, CodeInvalidArgs, ErrSyntax)
		}
		key := strings.ToUpper(p.Keyword)
		if seen[key] {
			return nil, newError(op, tok, "parameter given twice", 501, CodeInvalidArgs, ErrDuplicate)
		}
		seen[key] = true
		out = append(out, p)
	}
	return out, nil
}

// isKeyword checks esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-").
func isKeyword(k string) bool {
	if k == "" || k[0] == '-' {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// isESMTPValue checks esmtp-value = 1*(%d33-60 / %d62-126), extended with
// UTF-8 by RFC 6531 section 3.3.
func isESMTPValue(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 33 || c == '=' || c == 127 {
			return false
		}
	}
	return isASCII(v) || utf8.ValidString(v)
}

func badValue(op string, p Param, reason string) error {
	return newError(op, p.String(), reason, 501, CodeInvalidArgs, ErrBadValue)
}

// ParseMailParams parses the parameters after the reverse-path of MAIL FROM
// (see SplitPathAndParams). Keywords are case-insensitive; a keyword given
// twice is an error; unknown parameters are kept in Other for the caller to
// accept or refuse (RFC 5321 section 4.1.1.11 suggests 555).
func ParseMailParams(s string) (MailParams, error) {
	const op = "MAIL parameter"
	var m MailParams
	params, err := splitParams(op, s)
	if err != nil {
		return m, err
	}
	for _, p := range params {
		if err := m.set(op, p); err != nil {
			return MailParams{}, err
		}
	}
	return m, nil
}

func (m *MailParams) set(op string, p Param) error {
	key := strings.ToUpper(p.Keyword)
	needValue := key != "SMTPUTF8" && key != "REQUIRETLS"
	if known := isKnownMailParam(key); known && p.HasValue != needValue {
		if needValue {
			return badValue(op, p, "value required")
		}
		return badValue(op, p, "takes no value")
	}
	v := p.Value
	switch key {
	case "SIZE":
		n, err := parseSize(v)
		if err != nil {
			return err
		}
		m.Size, m.HasSize = n, true
	case "BODY":
		switch b := BodyType(strings.ToUpper(v)); b {
		case Body7Bit, Body8BitMIME, BodyBinaryMIME:
			m.Body = b
		default:
			return badValue(op, p, "unknown BODY type")
		}
	case "SMTPUTF8":
		m.SMTPUTF8 = true
	case "REQUIRETLS":
		m.RequireTLS = true
	case "RET":
		switch r := Ret(strings.ToUpper(v)); r {
		case RetFull, RetHdrs:
			m.Ret = r
		default:
			return badValue(op, p, "RET must be FULL or HDRS")
		}
	case "ENVID":
		if len(v) > maxEnvID {
			return newError(op, p.String(), "ENVID longer than 100 characters", 501, CodeInvalidArgs, ErrTooLong)
		}
		d, err := DecodeXtext(v)
		if err != nil || d == "" {
			return badValue(op, p, "ENVID is not xtext")
		}
		m.EnvID = d
	case "AUTH":
		d, err := DecodeXtext(v)
		if err != nil {
			return badValue(op, p, "AUTH is not xtext")
		}
		m.Auth, m.HasAuth = d, true
	case "MT-PRIORITY":
		n, ok := parseSignedDigits(v, 1)
		if !ok || n < -9 || n > 9 {
			return badValue(op, p, "MT-PRIORITY must be -9 to 9")
		}
		m.MTPriority, m.HasMTPriority = int(n), true
	case "BY":
		by, ok := parseBy(v)
		if !ok {
			return badValue(op, p, "BY must be by-time;N|R[T]")
		}
		m.By = &by
	default:
		m.Other = append(m.Other, p)
	}
	return nil
}

func isKnownMailParam(key string) bool {
	switch key {
	case "SIZE", "BODY", "SMTPUTF8", "REQUIRETLS", "RET", "ENVID", "AUTH", "MT-PRIORITY", "BY":
		return true
	}
	return false
}

// parseSize parses size-value = 1*20DIGIT (RFC 1870 section 6).
func parseSize(v string) (int64, error) {
	if v == "" || len(v) > 20 {
		return 0, newError("MAIL parameter", "SIZE="+v, "SIZE must be 1 to 20 digits", 501, CodeInvalidArgs, ErrBadValue)
	}
	for i := 0; i < len(v); i++ {
		if !isDigit(v[i]) {
			return 0, newError("MAIL parameter", "SIZE="+v, "SIZE must be digits", 501, CodeInvalidArgs, ErrBadValue)
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		// Syntactically valid but beyond any limit we could accept.
		return 0, newError("MAIL parameter", "SIZE="+v, "message size exceeds fixed maximum", 552, CodeTooBig, ErrTooLong)
	}
	return n, nil
}

// parseSignedDigits parses ["-" / "+"] 1*max DIGIT.
func parseSignedDigits(v string, max int) (int64, bool) {
	neg := false
	if v != "" && (v[0] == '-' || v[0] == '+') {
		neg = v[0] == '-'
		v = v[1:]
	}
	if v == "" || len(v) > max {
		return 0, false
	}
	var n int64
	for i := 0; i < len(v); i++ {
		if !isDigit(v[i]) {
			return 0, false
		}
		n = n*10 + int64(v[i]-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// parseBy parses by-value of RFC 2852 section 4. A by-time of zero or less
// with by-mode R is invalid (section 4: the message would be returned at once).
func parseBy(v string) (DeliverBy, bool) {
	semi := strings.IndexByte(v, ';')
	if semi < 0 {
		return DeliverBy{}, false
	}
	n, ok := parseSignedDigits(v[:semi], 9)
	if !ok {
		return DeliverBy{}, false
	}
	mode := strings.ToUpper(v[semi+1:])
	by := DeliverBy{Seconds: n}
	switch mode {
	case "N", "R":
	case "NT", "RT":
		by.Trace = true
	default:
		return DeliverBy{}, false
	}
	by.Mode = mode[0]
	if by.Mode == 'R' && n <= 0 {
		return DeliverBy{}, false
	}
	return by, true
}

// String formats the parameters in a fixed order (known ones first, then
// Other in order), separated by single spaces, without a leading space.
func (m MailParams) String() string {
	var parts []string
	if m.HasSize {
		parts = append(parts, "SIZE="+strconv.FormatInt(max(m.Size, 0), 10))
	}
	if m.Body != "" {
		parts = append(parts, "BODY="+sanitizeParam(string(m.Body)))
	}
	if m.SMTPUTF8 {
		parts = append(parts, "SMTPUTF8")
	}
	if m.Ret != "" {
		parts = append(parts, "RET="+sanitizeParam(string(m.Ret)))
	}
	if m.EnvID != "" {
		parts = append(parts, "ENVID="+EncodeXtext(m.EnvID))
	}
	if m.HasAuth {
		parts = append(parts, "AUTH="+EncodeXtext(m.Auth))
	}
	if m.RequireTLS {
		parts = append(parts, "REQUIRETLS")
	}
	if m.HasMTPriority {
		parts = append(parts, "MT-PRIORITY="+strconv.Itoa(m.MTPriority))
	}
	if m.By != nil {
		parts = append(parts, "BY="+m.By.String())
	}
	for _, p := range m.Other {
		parts = append(parts, p.String())
	}
	return strings.Join(parts, " ")
}

// ParseRcptParams parses the parameters after the forward-path of RCPT TO:
// NOTIFY and ORCPT (RFC 3461 sections 4.1 and 4.2, RFC 6533 section 3);
// others are kept in Other.
func ParseRcptParams(s string) (RcptParams, error) {
	const op = "RCPT parameter"
	var r RcptParams
	params, err := splitParams(op, s)
	if err != nil {
		return r, err
	}
	for _, p := range params {
		switch strings.ToUpper(p.Keyword) {
		case "NOTIFY":
			n, ok := parseNotify(p.Value)
			if !p.HasValue || !ok {
				return RcptParams{}, badValue(op, p, "NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY")
			}
			r.Notify = n
		case "ORCPT":
			o, err := parseORcpt(p.Value)
			if !p.HasValue || err != nil {
				return RcptParams{}, badValue(op, p, "ORCPT must be addr-type;xtext")
			}
			r.ORcpt = o
		default:
			r.Other = append(r.Other, p)
		}
	}
	return r, nil
}

func parseNotify(v string) (Notify, bool) {
	var n Notify
	for _, w := range strings.Split(v, ",") {
		var bit Notify
		switch strings.ToUpper(w) {
		case "NEVER":
			bit = NotifyNever
		case "SUCCESS":
			bit = NotifySuccess
		case "FAILURE":
			bit = NotifyFailure
		case "DELAY":
			bit = NotifyDelay
		default:
			return 0, false
		}
		if n&bit != 0 {
			return 0, false
		}
		n |= bit
	}
	if n&NotifyNever != 0 && n != NotifyNever {
		return 0, false // RFC 3461 section 4.1: NEVER stands alone
	}
	return n, true
}

// parseORcpt parses addr-type ";" xtext, or for addr-type "utf-8" the RFC
// 6533 utf-8-addr-xtext or utf-8-addr-unitext.
func parseORcpt(v string) (ORcpt, error) {
	bad := newError("RCPT parameter", "ORCPT="+v, "", 501, CodeInvalidArgs, ErrBadValue)
	if len(v) > maxORcpt {
		return ORcpt{}, bad
	}
	semi := strings.IndexByte(v, ';')
	if semi <= 0 || semi == len(v)-1 {
		return ORcpt{}, bad
	}
	typ := v[:semi]
	for i := 0; i < len(typ); i++ {
		if !isAtext(typ[i], false) {
			return ORcpt{}, bad
		}
	}
	var addr string
	var err error
	if strings.EqualFold(typ, "utf-8") {
		addr, err = DecodeUTF8AddrXtext(v[semi+1:], true)
	} else {
		addr, err = DecodeXtext(v[semi+1:])
	}
	if err != nil {
		return ORcpt{}, bad
	}
	return ORcpt{AddrType: typ, Addr: addr}, nil
}

// String formats the parameters: NOTIFY, ORCPT, then Other in order.
func (r RcptParams) String() string {
	var parts []string
	if r.Notify != 0 {
		parts = append(parts, "NOTIFY="+r.Notify.String())
	}
	if r.ORcpt.AddrType != "" {
		parts = append(parts, "ORCPT="+r.ORcpt.String())
	}
	for _, p := range r.Other {
		parts = append(parts, p.String())
	}
	return strings.Join(parts, " ")
}
