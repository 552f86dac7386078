package message

import (
	"errors"
	"strings"

	"golang.org/x/net/idna"

	"github.com/yubinmail/yubin/mime"
)

// Warning codes reported by ParseAddressList.
const (
	// WarnAddressSkipped: a list item did not parse completely and was
	// dropped as a whole (see the package documentation for why nothing is
	// salvaged from it).
	WarnAddressSkipped mime.WarningCode = "address-skipped"
	// WarnGroupUnclosed: a group had no closing ";" (RFC 5322 section 3.4).
	WarnGroupUnclosed mime.WarningCode = "address-group-unclosed"
	// WarnObsolete: obsolete syntax of RFC 5322 section 4.4 was accepted
	// (a route, CFWS between the dots of a local part or domain, or an
	// encoded word inside a quoted string).
	WarnObsolete mime.WarningCode = "address-obsolete"
	// WarnEncodedWord: a display name held an encoded word that could not
	// be decoded; it was kept literally.
	WarnEncodedWord mime.WarningCode = "address-encoded-word"
)

// ErrNoAddress is returned by ParseAddress for input without a mailbox.
var ErrNoAddress = errors.New("message: no address")

// Address is a mailbox or a group (RFC 5322 section 3.4).
//
// For a mailbox, Name is the decoded display name, Local the local part
// without quotes or escapes, and Domain the domain as written: a dot-atom
// in A-labels or U-labels (RFC 6532), or a domain literal with its
// brackets. For a group, Group is true, Name is the group's display name
// and Members its mailboxes (possibly none).
type Address struct {
	Name    string
	Local   string
	Domain  string
	Route   []string // obs-route domains of RFC 5322 section 4.4, in order
	Group   bool
	Members []Address
}

// AddressOptions tune address parsing. A nil *AddressOptions means
// defaults.
type AddressOptions struct {
	// Charsets decodes RFC 2047 words in display names; nil means
	// mime.LookupCharset.
	Charsets mime.CharsetLookup
	// MaxAddresses bounds the mailboxes in a list, group members included.
	// Default 10,000.
	MaxAddresses int
}

func (o *AddressOptions) max() int {
	if o == nil || o.MaxAddresses <= 0 {
		return 10000
	}
	return o.MaxAddresses
}

// Addr returns the addr-spec "local@domain", quoting the local part when it
// is not a dot-atom (RFC 5322 section 3.4.1). It is "" for a group.
func (a Address) Addr() string {
	if a.Group {
		return ""
	}
	return quoteLocal(a.Local) + "@" + a.Domain
}

// ASCIIAddr returns the addr-spec with the domain converted to A-labels
// (RFC 5890) through golang.org/x/net/idna. A non-ASCII local part cannot be
// converted and gives an error.
func (a Address) ASCIIAddr() (string, error) {
	if !isPrintableASCII(a.Local) {
		return "", errors.New("message: local part is not ASCII: " + a.Local)
	}
	d := a.Domain
	if !strings.HasPrefix(d, "[") {
		var err error
		if d, err = idna.Lookup.ToASCII(d); err != nil {
			return "", err
		}
	}
	return quoteLocal(a.Local) + "@" + d, nil
}

// UnicodeAddr returns the addr-spec with A-labels in the domain converted
// to U-labels for display. A domain that is not valid IDNA is kept as it is.
func (a Address) UnicodeAddr() string {
	d := a.Domain
	if !strings.HasPrefix(d, "[") {
		if u, err := idna.Display.ToUnicode(d); err == nil {
			d = u
		}
	}
	return quoteLocal(a.Local) + "@" + d
}

// String formats the address for a header field: the display name quoted
// or RFC 2047 encoded as needed, then the angle-addr with the domain in
// A-labels; a group as "name: member, member;". A non-ASCII local part
// needs RFC 6532 and is written as it is (see FormatAddressList for UTF-8
// output).
func (a Address) String() string { return a.format(false) }

func (a Address) format(utf bool) string { return a.formatWith(utf, nil) }

// formatWith formats with enc for non-ASCII display names (nil means UTF-8
// encoded words).
func (a Address) formatWith(utf bool, enc *mime.WordEncoder) string {
	if a.Group {
		var b strings.Builder
		b.WriteString(formatPhrase(a.Name, utf, enc))
		b.WriteByte(':')
		for i, m := range a.Members {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte(' ')
			b.WriteString(m.formatWith(utf, enc))
		}
		b.WriteByte(';')
		return b.String()
	}
	addr := a.Addr()
	if !utf && !isPrintableASCII(a.Domain) {
		// Without RFC 6532, a domain is written in A-labels (RFC 5890).
		if ascii, err := a.ASCIIAddr(); err == nil {
			addr = ascii
		}
	}
	if a.Name == "" {
		if len(a.Route) == 0 {
			return addr
		}
		return "<" + addr + ">"
	}
	return formatPhrase(a.Name, utf, enc) + " <" + addr + ">"
}

// FormatAddressList joins addresses with ", " for an address field. With
// opts.UTF8, display names stay raw UTF-8 (RFC 6532).
func FormatAddressList(list []Address, opts *FormatOptions) string {
	utf := opts != nil && opts.UTF8
	var b strings.Builder
	for i, a := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.format(utf))
	}
	return b.String()
}

// Mailboxes returns the list with groups replaced by their members.
func Mailboxes(list []Address) []Address {
	var out []Address
	for _, a := range list {
		if a.Group {
			out = append(out, a.Members...)
		} else {
			out = append(out, a)
		}
	}
	return out
}

func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c >= 0x80:
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '.' && !isAtext(s[i]) {
			return false
		}
	}
	return true
}

func quoteLocal(s string) string {
	if isDotAtom(s) {
		return s
	}
	return quoteString(s)
}

func quoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// formatPhrase writes a display name (RFC 5322 section 3.2.5): atoms as
// they are, otherwise a quoted string; non-ASCII as RFC 2047 words unless
// utf is set.
func formatPhrase(s string, utf bool, enc *mime.WordEncoder) string {
	if s == "" {
		return `""`
	}
	if !utf && !isPrintableASCII(s) {
		if enc != nil {
			return enc.EncodePhrase(s)
		}
		return encodePhrase(s)
	}
	atoms := true
	for _, w := range strings.Split(s, " ") {
		if w == "" {
			atoms = false
			break
		}
		for i := 0; i < len(w); i++ {
			if !isAtext(w[i]) {
				atoms = false
			}
		}
	}
	if atoms && !strings.Contains(s, "=?") {
		return s
	}
	return quoteString(s)
}
