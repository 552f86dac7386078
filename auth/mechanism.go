package auth

import (
	"crypto/tls"
	"slices"
	"strings"
)

// Mechanism names as registered with IANA (RFC 4422 section 3.1). Names are
// matched case-insensitively everywhere in this package.
const (
	Plain             = "PLAIN"              // RFC 4616
	Login             = "LOGIN"              // draft-murchison-sasl-login
	CRAMMD5           = "CRAM-MD5"           // RFC 2195
	SCRAMSHA1         = "SCRAM-SHA-1"        // RFC 5802
	SCRAMSHA1Plus     = "SCRAM-SHA-1-PLUS"   // RFC 5802 with channel binding
	SCRAMSHA256       = "SCRAM-SHA-256"      // RFC 7677
	SCRAMSHA256Plus   = "SCRAM-SHA-256-PLUS" // RFC 7677 with channel binding
	OAuthBearer       = "OAUTHBEARER"        // RFC 7628
	XOAuth2           = "XOAUTH2"            // Google's pre-standard format
	External          = "EXTERNAL"           // RFC 4422 appendix A
	Anonymous         = "ANONYMOUS"          // RFC 4505
	mechanismNameMax  = 20                   // RFC 4422 section 3.1
	plaintextMaxField = 255                  // RFC 4616 section 2
)

// MechanismInfo describes the properties of a mechanism that a protocol needs
// to know before it runs the exchange.
type MechanismInfo struct {
	// Name is the canonical upper-case mechanism name.
	Name string
	// PlaintextEquivalent is true when the mechanism sends a reusable secret
	// (a password or a bearer token) that an eavesdropper could replay.
	// Such mechanisms must only be offered and used over TLS (RFC 4616
	// section 6, RFC 7628 section 5); protocol servers refuse them before
	// STARTTLS, and ChooseMechanism skips them without TLS.
	PlaintextEquivalent bool
	// InitialResponse is true when the client sends data first and may put
	// it on the AUTH/AUTHENTICATE command line (RFC 4422 section 4, item 3).
	InitialResponse bool
	// ServerFirst is true when the server must send the first challenge
	// (CRAM-MD5, LOGIN); an initial response is then not allowed.
	ServerFirst bool
	// ChannelBinding is true for the -PLUS variants, which require TLS and
	// bind the authentication to it (RFC 5056).
	ChannelBinding bool
	// RFC names the specification, e.g. "RFC 4616".
	RFC string
}

// mechanisms is the immutable registry of supported mechanisms.
var mechanisms = [...]MechanismInfo{
	{Name: Plain, PlaintextEquivalent: true, InitialResponse: true, RFC: "RFC 4616"},
	{Name: Login, PlaintextEquivalent: true, ServerFirst: true, RFC: "draft-murchison-sasl-login-00"},
	{Name: CRAMMD5, ServerFirst: true, RFC: "RFC 2195"},
	{Name: SCRAMSHA1, InitialResponse: true, RFC: "RFC 5802"},
	{Name: SCRAMSHA1Plus, InitialResponse: true, ChannelBinding: true, RFC: "RFC 5802"},
	{Name: SCRAMSHA256, InitialResponse: true, RFC: "RFC 7677"},
	{Name: SCRAMSHA256Plus, InitialResponse: true, ChannelBinding: true, RFC: "RFC 7677"},
	{Name: OAuthBearer, PlaintextEquivalent: true, InitialResponse: true, RFC: "RFC 7628"},
	{Name: XOAuth2, PlaintextEquivalent: true, InitialResponse: true, RFC: "Google XOAUTH2"},
	{Name: External, InitialResponse: true, RFC: "RFC 4422 appendix A"},
	{Name: Anonymous, InitialResponse: true, RFC: "RFC 4505"},
}

// Info returns the properties of the named mechanism (case-insensitive), and
// false when this package does not implement it.
func Info(name string) (MechanismInfo, bool) {
	if len(name) > mechanismNameMax {
		return MechanismInfo{}, false
	}
	for _, m := range mechanisms {
		if strings.EqualFold(m.Name, name) {
			return m, true
		}
	}
	return MechanismInfo{}, false
}

// Mechanisms returns the names of all mechanisms this package implements.
func Mechanisms() []string {
	names := make([]string, len(mechanisms))
	for i, m := range mechanisms {
		names[i] = m.Name
	}
	return names
}

// DefaultServerMechanisms returns the set a server enables when
// ServerOptions.Mechanisms is nil, strongest first: SCRAM-SHA-256-PLUS,
// SCRAM-SHA-1-PLUS, SCRAM-SHA-256, SCRAM-SHA-1, PLAIN, LOGIN. CRAM-MD5 is not
// in it because it forces the server to store plaintext passwords;
// OAUTHBEARER, XOAUTH2, EXTERNAL and ANONYMOUS need deliberate application
// support and must be listed explicitly.
func DefaultServerMechanisms() []string {
	return append([]string(nil), defaultServerMechanisms[:]...)
}

// defaultServerMechanisms backs DefaultServerMechanisms; never modified.
var defaultServerMechanisms = [...]string{SCRAMSHA256Plus, SCRAMSHA1Plus, SCRAMSHA256, SCRAMSHA1, Plain, Login}

// DefaultClientOrder returns the preference order ChooseMechanism uses when
// ClientOptions.Mechanisms is nil and a Password is set: SCRAM with channel
// binding, SCRAM, CRAM-MD5, then the plaintext-equivalent PLAIN and LOGIN.
func DefaultClientOrder() []string {
	return []string{SCRAMSHA256Plus, SCRAMSHA1Plus, SCRAMSHA256, SCRAMSHA1, CRAMMD5, Plain, Login}
}

// DefaultTokenOrder returns the preference order ChooseMechanism uses when
// ClientOptions.Mechanisms is nil and only a Token (no Password) is set.
func DefaultTokenOrder() []string { return []string{OAuthBearer, XOAuth2} }

// ServerMechanisms returns the mechanisms a server should advertise on a
// connection with the given options, in preference order: the enabled set
// (ServerOptions.Mechanisms, or DefaultServerMechanisms()); nothing at all
// when there is no TLS (unless AllowInsecure); without the -PLUS variants
// when no channel binding can be computed; and without EXTERNAL when there
// is no external identity.
func ServerMechanisms(opts *ServerOptions) []string {
	o := opts.orDefault()
	var out []string
	for _, name := range o.mechanisms() {
		if o.available(name) == nil {
			info, _ := Info(name)
			if !slices.Contains(out, info.Name) {
				out = append(out, info.Name)
			}
		}
	}
	return out
}

// ChooseMechanism picks the strongest mechanism from the server's offered
// list that the client options allow, following ClientOptions.Mechanisms (or
// DefaultClientOrder / DefaultTokenOrder). -PLUS variants are chosen only when
// ClientOptions.ConnState is set and a channel binding can be computed.
// Plaintext-equivalent mechanisms are never chosen without TLS unless
// ClientOptions.AllowInsecure is set. It returns ErrUnsupportedMechanism when
// nothing fits, or ErrTLSRequired when only plaintext-equivalent mechanisms
// would have fit.
func ChooseMechanism(offered []string, opts *ClientOptions) (string, error) {
	o := opts.orDefault()
	order := o.Mechanisms
	if order == nil {
		order = DefaultClientOrder()
		if o.Password == "" && o.Token != "" {
			order = DefaultTokenOrder()
		}
	}
	tlsBlocked := false
	for _, want := range order {
		info, ok := Info(want)
		if !ok || !slices.ContainsFunc(offered, func(s string) bool { return strings.EqualFold(s, want) }) {
			continue
		}
		if info.ChannelBinding && o.bindingType() == "" {
			continue
		}
		if info.PlaintextEquivalent && o.ConnState == nil && !o.AllowInsecure {
			tlsBlocked = true
			continue
		}
		return info.Name, nil
	}
	if tlsBlocked {
		return "", ErrTLSRequired
	}
	return "", ErrUnsupportedMechanism
}

// isTLS13 reports whether cs is a TLS 1.3 connection.
func isTLS13(cs *tls.ConnectionState) bool {
	return cs != nil && cs.Version >= tls.VersionTLS13
}
