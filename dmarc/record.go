package dmarc

import (
	"errors"
	"strconv"
	"strings"
)

// Policy is a requested handling: p=, sp= and np= (RFC 7489 section 6.3,
// RFC 9989 section 4.7), and the disposition applied to a message.
type Policy string

// The three policies.
const (
	PolicyNone       Policy = "none"
	PolicyQuarantine Policy = "quarantine"
	PolicyReject     Policy = "reject"
)

// rank orders policies by strictness.
func (p Policy) rank() int {
	switch p {
	case PolicyReject:
		return 2
	case PolicyQuarantine:
		return 1
	}
	return 0
}

// lower returns the next less strict policy (RFC 7489 section 6.6.4,
// RFC 9989 t=y).
func (p Policy) lower() Policy {
	switch p {
	case PolicyReject:
		return PolicyQuarantine
	}
	return PolicyNone
}

// Alignment is a mode for adkim= and aspf= (RFC 7489 section 3.1).
type Alignment string

// The two alignment modes; relaxed is the default.
const (
	Relaxed Alignment = "r"
	Strict  Alignment = "s"
)

// PSD is the psd= tag of RFC 9989 section 4.7.
type PSD string

// psd= values; PSDUnknown ("u") is the default.
const (
	PSDYes     PSD = "y"
	PSDNo      PSD = "n"
	PSDUnknown PSD = "u"
)

// URI is a report destination of rua= or ruf= (RFC 7489 section 6.2):
// a URI with an optional size limit ("!10m").
type URI struct {
	Address string // the URI, e.g. "mailto:dmarc@example.com"
	MaxSize uint64 // bytes; 0 = no limit
}

// String formats the URI with its size suffix.
func (u URI) String() string {
	if u.MaxSize == 0 {
		return u.Address
	}
	return u.Address + "!" + strconv.FormatUint(u.MaxSize, 10)
}

// Record is a parsed DMARC policy record (RFC 7489 section 6.3 and RFC
// 9989 section 4.7). Fields hold the defaults when a tag is absent.
type Record struct {
	Version           string    // v=, "DMARC1"
	Policy            Policy    // p=
	SubdomainPolicy   Policy    // sp=; "" = same as p
	NonexistentPolicy Policy    // np= (RFC 9989); "" = same as sp
	PSD               PSD       // psd= (RFC 9989); default u
	Testing           bool      // t=y (RFC 9989)
	Percent           int       // pct= (RFC 7489 only); default 100
	ADKIM, ASPF       Alignment // default Relaxed
	AggregateURIs     []URI     // rua=
	FailureURIs       []URI     // ruf=
	FailureOptions    []string  // fo=, default ["0"]
	ReportFormat      []string  // rf= (RFC 7489 only), default ["afrf"]
	ReportInterval    uint32    // ri= (RFC 7489 only), default 86400
	// PolicyDefaulted is set when p= was missing or invalid but rua= held a
	// valid URI, so the record is treated as p=none (RFC 7489 section
	// 6.6.3, RFC 9989 section 4.7).
	PolicyDefaulted bool
	// Warnings lists tags whose invalid values were replaced by defaults
	// (RFC 7489 section 6.3: syntax errors in the rest of the record are
	// discarded in favour of defaults).
	Warnings []string
}

// Errors from ParseRecord; a *RecordError wraps one.
var (
	ErrNotDMARC      = errors.New("dmarc: record does not start with v=DMARC1")
	ErrNoPolicy      = errors.New("dmarc: no valid p= and no valid rua=")
	ErrDuplicateTag  = errors.New("dmarc: duplicate tag")
	ErrSyntax        = errors.New("dmarc: malformed tag")
	ErrMultiple      = errors.New("dmarc: more than one DMARC record")
	ErrTooManyLabels = errors.New("dmarc: domain name too long")
)

// RecordError reports why a record was not usable.
type RecordError struct {
	Tag    string
	Detail string
	Err    error // one of the Err* sentinels
}

func (e *RecordError) Error() string {
	s := "dmarc: "
	if e.Tag != "" {
		s += "tag " + e.Tag + ": "
	}
	return s + e.Detail
}

// Unwrap returns the sentinel.
func (e *RecordError) Unwrap() error { return e.Err }

// IsDMARCRecord reports whether a TXT record claims to be DMARC: it starts
// with "v=DMARC1" followed by end, ';' or whitespace (RFC 7489 section
// 6.6.3 step 3). Records that do not are discarded before counting.
func IsDMARCRecord(txt string) bool {
	t := strings.TrimLeft(txt, " \t")
	if !strings.HasPrefix(t, "v") {
		return false
	}
	t = strings.TrimLeft(t[1:], " \t")
	if !strings.HasPrefix(t, "=") {
		return false
	}
	t = strings.TrimLeft(t[1:], " \t")
	if len(t) < 6 || !strings.EqualFold(t[:6], "DMARC1") {
		return false
	}
	rest := strings.TrimLeft(t[6:], " \t")
	return rest == "" || rest[0] == ';'
}

// ParseRecord parses a DMARC record. It fails with ErrNotDMARC when the
// record does not start with v=DMARC1, ErrDuplicateTag on a repeated tag,
// and ErrNoPolicy when p= is missing or invalid and no valid rua= URI
// allows the p=none fallback. Invalid values of other tags are replaced by
// their defaults and listed in Warnings. Unknown tags are ignored.
func ParseRecord(txt string) (*Record, error) {
	if !IsDMARCRecord(txt) {
		return nil, &RecordError{Tag: "v", Detail: "not v=DMARC1 first", Err: ErrNotDMARC}
	}
	r := &Record{Version: "DMARC1", PSD: PSDUnknown, Percent: 100, ADKIM: Relaxed, ASPF: Relaxed,
		FailureOptions: []string{"0"}, ReportFormat: []string{"afrf"}, ReportInterval: 86400}
	seen := map[string]bool{}
	pValid, spValid := false, true
	for i, part := range strings.Split(txt, ";") {
		part = strings.Trim(part, " \t")
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		name = strings.ToLower(strings.Trim(name, " \t"))
		value = strings.Trim(value, " \t")
		if !ok || name == "" {
			r.Warnings = append(r.Warnings, "ignored malformed tag "+strconv.Quote(part))
			continue
		}
		// QUIRK: RFC 7489 is silent on repeated tags; like RFC 6376
		// section 3.2 for DKIM, we refuse the whole record.
		if seen[name] {
			return nil, &RecordError{Tag: name, Detail: "duplicate tag", Err: ErrDuplicateTag}
		}
		seen[name] = true
		if i == 0 {
			continue // v=DMARC1, checked above
		}
		switch name {
		case "p":
			r.Policy, pValid = parsePolicy(value)
		case "sp":
			r.SubdomainPolicy, spValid = parsePolicy(value)
		case "np":
			p, ok := parsePolicy(value)
			r.setOr(ok, name, func() { r.NonexistentPolicy = p })
		default:
			r.setOther(name, value)
		}
	}
	if !pValid || !spValid {
		if len(r.AggregateURIs) == 0 {
			return nil, &RecordError{Tag: "p", Detail: "missing or invalid policy", Err: ErrNoPolicy}
		}
		// RFC 7489 section 6.6.3: act as if the record were "v=DMARC1;
		// p=none" (with its reporting URIs).
		r.Policy, r.SubdomainPolicy, r.NonexistentPolicy = PolicyNone, "", ""
		r.PolicyDefaulted = true
	}
	return r, nil
}

func (r *Record) setOr(ok bool, name string, set func()) {
	if ok {
		set()
		return
	}
	r.Warnings = append(r.Warnings, "invalid "+name+"=, default used")
}

// setOther handles the tags other than v, p, sp and np.
func (r *Record) setOther(name, value string) {
	lv := strings.ToLower(value)
	switch name {
	case "adkim", "aspf":
		a := Alignment(lv)
		r.setOr(a == Relaxed || a == Strict, name, func() {
			if name == "adkim" {
				r.ADKIM = a
			} else {
				r.ASPF = a
			}
		})
	case "psd":
		p := PSD(lv)
		r.setOr(p == PSDYes || p == PSDNo || p == PSDUnknown, name, func() { r.PSD = p })
	case "t":
		r.setOr(lv == "y" || lv == "n", name, func() { r.Testing = lv == "y" })
	case "pct":
		n, err := strconv.Atoi(value)
		r.setOr(err == nil && n >= 0 && n <= 100, name, func() { r.Percent = n })
	case "ri":
		n, err := strconv.ParseUint(value, 10, 32)
		r.setOr(err == nil, name, func() { r.ReportInterval = uint32(n) })
	case "rua", "ruf":
		uris, ok := parseURIs(value)
		r.setOr(ok, name, func() {
			if name == "rua" {
				r.AggregateURIs = uris
			} else {
				r.FailureURIs = uris
			}
		})
	case "fo":
		opts := splitColon(lv)
		valid := len(opts) > 0
		for _, o := range opts {
			valid = valid && (o == "0" || o == "1" || o == "d" || o == "s")
		}
		r.setOr(valid, name, func() { r.FailureOptions = opts })
	case "rf":
		f := splitColon(lv)
		r.setOr(len(f) > 0, name, func() { r.ReportFormat = f })
	}
}

func splitColon(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ":") {
		if p = strings.Trim(p, " \t"); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parsePolicy(v string) (Policy, bool) {
	switch p := Policy(strings.ToLower(v)); p {
	case PolicyNone, PolicyQuarantine, PolicyReject:
		return p, true
	}
	return "", false
}

// parseURIs parses a comma-separated list of DMARC URIs (RFC 7489 section
// 6.4): each a URI with a scheme, optionally followed by "!" and a size
// with a k, m, g or t unit. Invalid entries are dropped; the list is
// invalid only when no entry is valid.
func parseURIs(v string) ([]URI, bool) {
	var out []URI
	for p := range strings.SplitSeq(v, ",") {
		p = strings.Trim(p, " \t")
		addr, size, hasSize := strings.Cut(p, "!")
		colon := strings.IndexByte(addr, ':')
		if colon <= 0 || colon == len(addr)-1 || strings.ContainsAny(addr, " \t") {
			continue
		}
		u := URI{Address: addr}
		if hasSize {
			n, ok := parseSize(size)
			if !ok {
				continue
			}
			u.MaxSize = n
		}
		out = append(out, u)
	}
	return out, len(out) > 0
}

func parseSize(s string) (uint64, bool) {
	mult := uint64(1)
	if s == "" {
		return 0, false
	}
	switch s[len(s)-1] {
	case 'k', 'K':
		mult = 1 << 10
	case 'm', 'M':
		mult = 1 << 20
	case 'g', 'G':
		mult = 1 << 30
	case 't', 'T':
		mult = 1 << 40
	}
	if mult > 1 {
		s = s[:len(s)-1]
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > (1<<63)/mult {
		return 0, false
	}
	return n * mult, true
}

// String formats the record with the tags that differ from the defaults,
// in the order of RFC 7489 section 6.3.
func (r *Record) String() string {
	var b strings.Builder
	b.WriteString("v=DMARC1; p=" + string(r.Policy))
	if r.SubdomainPolicy != "" {
		b.WriteString("; sp=" + string(r.SubdomainPolicy))
	}
	if r.NonexistentPolicy != "" {
		b.WriteString("; np=" + string(r.NonexistentPolicy))
	}
	if r.PSD != "" && r.PSD != PSDUnknown {
		b.WriteString("; psd=" + string(r.PSD))
	}
	if r.Testing {
		b.WriteString("; t=y")
	}
	if r.Percent != 100 {
		b.WriteString("; pct=" + strconv.Itoa(r.Percent))
	}
	if r.ADKIM == Strict {
		b.WriteString("; adkim=s")
	}
	if r.ASPF == Strict {
		b.WriteString("; aspf=s")
	}
	writeURIs(&b, "rua", r.AggregateURIs)
	writeURIs(&b, "ruf", r.FailureURIs)
	if len(r.FailureOptions) > 0 && !(len(r.FailureOptions) == 1 && r.FailureOptions[0] == "0") {
		b.WriteString("; fo=" + strings.Join(r.FailureOptions, ":"))
	}
	if len(r.ReportFormat) > 0 && !(len(r.ReportFormat) == 1 && r.ReportFormat[0] == "afrf") {
		b.WriteString("; rf=" + strings.Join(r.ReportFormat, ":"))
	}
	if r.ReportInterval != 86400 && r.ReportInterval != 0 {
		b.WriteString("; ri=" + strconv.FormatUint(uint64(r.ReportInterval), 10))
	}
	return b.String()
}

func writeURIs(b *strings.Builder, tag string, uris []URI) {
	if len(uris) == 0 {
		return
	}
	b.WriteString("; " + tag + "=")
	for i, u := range uris {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(u.String())
	}
}
