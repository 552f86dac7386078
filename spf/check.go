package spf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/idna"

	"github.com/yubinmail/yubin/internal/dnsclient"
)

// Resolver is the DNS the checker needs. *dnsmock.Resolver and the default
// resolver implement it. Results follow the Yubin convention: NODATA is
// (empty, nil), NXDOMAIN a *net.DNSError with IsNotFound, anything else a
// temporary failure.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupIP(ctx context.Context, network, name string) ([]netip.Addr, error)
	LookupAddr(ctx context.Context, addr netip.Addr) ([]string, error)
}

// Options configures a Checker. A nil *Options means the defaults.
type Options struct {
	// Resolver answers DNS queries. Default: the internal miekg/dns
	// resolver on the servers of /etc/resolv.conf, with its cache.
	Resolver Resolver
	// MaxLookups limits the DNS-querying terms (include, a, mx, ptr,
	// exists, redirect) per check (RFC 7208 section 4.6.4). Default: 10.
	MaxLookups int
	// MaxVoidLookups limits lookups that return NXDOMAIN or no records
	// (section 4.6.4). Default: 2.
	MaxVoidLookups int
	// MaxMXNames limits the names one mx mechanism may find before
	// permerror (section 4.6.4). Default: 10.
	MaxMXNames int
	// MaxPTRNames limits the PTR names that are validated, for ptr and
	// %{p}; later names are ignored (section 4.6.4). Default: 10.
	MaxPTRNames int
	// Timeout bounds a whole check, inside the ctx deadline (section
	// 4.6.4 asks for at least 20 seconds), from the start of the check.
	// Default: 20s.
	Timeout time.Duration
	// Receiver is the receiving host's domain, the %{r} macro of
	// explanations (section 7.3). Default: "unknown".
	Receiver string
	// DefaultExplanation is a macro-string used for fail when the record
	// has no usable exp= (section 6.2). Default: none.
	DefaultExplanation string
	// Now returns the time for the %{t} macro. Default: time.Now.
	Now func() time.Time
	// Logger receives debug logs of each check. Nil: discard.
	Logger *slog.Logger
}

// Checker evaluates SPF policies. It is safe for concurrent use; reuse one
// so that the default resolver's cache is shared.
type Checker struct {
	res                             Resolver
	maxLookups, maxVoid, maxMX, max int
	timeout                         time.Duration
	receiver, defaultExp            string
	now                             func() time.Time
	log                             *slog.Logger
}

// NewChecker returns a Checker for opts.
func NewChecker(opts *Options) *Checker {
	var o Options
	if opts != nil {
		o = *opts
	}
	c := &Checker{
		res: o.Resolver, maxLookups: o.MaxLookups, maxVoid: o.MaxVoidLookups,
		maxMX: o.MaxMXNames, max: o.MaxPTRNames, timeout: o.Timeout,
		receiver: o.Receiver, defaultExp: o.DefaultExplanation, now: o.Now, log: o.Logger,
	}
	if c.res == nil {
		// New fails only for a malformed Options.Server, which is unset.
		dc, _ := dnsclient.New(nil)
		c.res = dc
	}
	c.maxLookups = orDefault(c.maxLookups, 10)
	c.maxVoid = orDefault(c.maxVoid, 2)
	c.maxMX = orDefault(c.maxMX, 10)
	c.max = orDefault(c.max, 10)
	if c.timeout <= 0 {
		c.timeout = 20 * time.Second
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}

func orDefault(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

// CheckHost is check_host(<ip>, <domain>, <sender>) of RFC 7208 section 4,
// with the HELO name for the %{h} macro. ip may be IPv4, IPv6 or
// IPv4-mapped IPv6 (checked as IPv4). An empty local-part of sender becomes
// "postmaster" (section 4.3); a sender without "@" is taken as a domain.
func (c *Checker) CheckHost(ctx context.Context, ip netip.Addr, domain, sender, helo string) *Outcome {
	return c.run(ctx, IdentityMailFrom, ip, domain, sender, helo)
}

// CheckMailFrom checks the MAIL FROM identity (RFC 7208 section 2.4): the
// domain of mailFrom, or, for the null reverse-path (mailFrom ""), the HELO
// identity with sender postmaster@helo. mailFrom is the address without
// angle brackets.
func (c *Checker) CheckMailFrom(ctx context.Context, ip netip.Addr, helo, mailFrom string) *Outcome {
	if mailFrom == "" {
		return c.CheckHELO(ctx, ip, helo)
	}
	_, domain := splitSender(mailFrom)
	return c.run(ctx, IdentityMailFrom, ip, domain, mailFrom, helo)
}

// CheckHELO checks the HELO identity (RFC 7208 section 2.3) with sender
// postmaster@helo. An address literal or a single-label name gives None.
func (c *Checker) CheckHELO(ctx context.Context, ip netip.Addr, helo string) *Outcome {
	return c.run(ctx, IdentityHELO, ip, helo, "postmaster@"+helo, helo)
}

// CheckHost runs Checker.CheckHost with a fresh Checker for opts.
func CheckHost(ctx context.Context, ip netip.Addr, domain, sender, helo string, opts *Options) *Outcome {
	return NewChecker(opts).CheckHost(ctx, ip, domain, sender, helo)
}

func splitSender(s string) (local, domain string) {
	i := strings.LastIndexByte(s, '@')
	if i < 0 {
		return "", s
	}
	return s[:i], s[i+1:]
}

// checkState is the one allocation of a check: the Outcome it returns and
// the context bounded by its time limit. (So an Outcome keeps that context,
// and its parent, reachable while it is referenced.)
type checkState struct {
	o  Outcome
	dc deadlineCtx
}

func (c *Checker) run(ctx context.Context, id Identity, ip netip.Addr, domain, sender, helo string) *Outcome {
	ip = ip.Unmap()
	local, senderDomain := splitSender(sender)
	if local == "" {
		local = "postmaster" // section 4.3
	}
	if senderDomain == "" {
		senderDomain = domain
	}
	sender = joinSender(sender, local, senderDomain)
	st := &checkState{o: Outcome{Identity: id, IP: ip, Domain: domain, Sender: sender, Helo: helo}}
	o := &st.o
	if !ip.IsValid() {
		o.Result, o.Err = PermError, errors.New("spf: invalid client IP")
		return o
	}
	ascii, ok := checkDomain(domain)
	if !ok {
		o.Result = None // section 4.3: malformed domain
		return o
	}
	if senderDomain == domain {
		senderDomain = ascii // %{o} in A-labels too, like %{d}
		sender = joinSender(sender, local, ascii)
	} else if a, ok := checkDomain(senderDomain); ok {
		senderDomain = a
		sender = joinSender(sender, local, a)
	}
	if st.dc.init(ctx, c.timeout) {
		ctx = &st.dc
		defer st.dc.release()
	}
	// The state lives on the stack: a simple check allocates nothing for it.
	var e eval
	e.c, e.ctx, e.ip = c, ctx, ip
	e.env = macroEnv{sender: sender, local: local, senderDomain: senderDomain, helo: helo,
		ip: ip, receiver: c.receiver, now: c.now}
	r := e.checkHost(ascii, true)
	o.Result, o.Mechanism, o.Explanation, o.Err = r.result, r.mech, r.exp, r.err
	o.Queries, o.Lookups, o.VoidLookups = e.queries, e.lookups, e.voids
	if c.log.Enabled(ctx, slog.LevelDebug) {
		c.log.Debug("spf: check", "identity", id, "ip", ip, "domain", domain, "result", o.Result,
			"mechanism", o.Mechanism, "queries", o.Queries, "err", o.Err)
	}
	return o
}

// joinSender returns local@domain, reusing s when it already is that
// string, so that the usual sender costs no allocation.
func joinSender(s, local, domain string) string {
	if len(s) == len(local)+1+len(domain) && s[len(local)] == '@' &&
		s[:len(local)] == local && s[len(local)+1:] == domain {
		return s
	}
	return local + "@" + domain
}

// checkDomain applies the initial processing of section 4.3: a multi-label
// domain with labels of 1 to 63 octets, at most 253 octets. Non-ASCII
// domains are converted to A-labels (RFC 5890).
func checkDomain(d string) (string, bool) {
	d = strings.TrimSuffix(d, ".")
	if d == "" || strings.HasPrefix(d, "[") {
		return "", false
	}
	for i := 0; i < len(d); i++ {
		if d[i] >= 0x80 {
			a, err := idna.Lookup.ToASCII(d)
			if err != nil {
				return "", false
			}
			d = a
			break
		}
	}
	if len(d) > 253 || !strings.Contains(d, ".") {
		return "", false
	}
	if !validLabels(d) {
		return "", false
	}
	return d, true
}

// validLabels reports whether every dot-separated label of d has 1 to 63
// octets.
func validLabels(d string) bool {
	start := 0
	for i := 0; i <= len(d); i++ {
		if i == len(d) || d[i] == '.' {
			if n := i - start; n == 0 || n > 63 {
				return false
			}
			start = i + 1
		}
	}
	return true
}

// evalResult is what one check_host() level returns.
type evalResult struct {
	result Result
	mech   string
	exp    string
	err    error
}

func permErr(err error) evalResult { return evalResult{result: PermError, err: err} }

// eval is the state of one check: counters, memoised DNS answers and the
// include/redirect chain.
type eval struct {
	c   *Checker
	ctx context.Context
	ip  netip.Addr
	env macroEnv
	// The memoised answers and the include/redirect chain keep their first
	// entries in arrays, so that a simple check allocates nothing for them.
	// (A slice into an array of the struct itself would move the struct to
	// the heap.)
	memo      [4]memoEntry
	nmemo     int
	memoMore  []memoEntry
	stack     [4]string
	nstack    int
	stackMore []string
	queries   int
	lookups   int
	voids     int
	pDone     bool
	pName     string
}

// checkHost evaluates the policy of domain (sections 4.4 to 4.7). top is
// false inside include, where exp= is never used (section 6.2).
func (e *eval) checkHost(domain string, top bool) evalResult {
	if e.onStack(domain) {
		return permErr(fmt.Errorf("%w: %s", ErrLoop, domain))
	}
	e.push(domain)
	defer e.pop()

	// The domain of the top level (the only one on the stack) was checked
	// by run.
	rec, txt, res, done := e.fetchRecord(domain, e.nstack == 1)
	if done {
		return res
	}
	saved := e.env.domain
	e.env.domain = domain
	defer func() { e.env.domain = saved }()

	for i := range rec.Directives {
		d := &rec.Directives[i]
		matched, err := e.match(d, domain)
		if err != nil {
			return *err
		}
		if !matched {
			continue
		}
		r := evalResult{result: d.Qualifier.Result(), mech: mechText(d, txt)}
		if r.result == Fail && top {
			r.exp = e.explanation(rec.Exp)
		}
		return r
	}
	if rec.Redirect != "" {
		// Section 6.1: no directive matched (an "all" always would).
		if err := e.countLookup(); err != nil {
			return *err
		}
		target, ok := e.expandDomain(rec.Redirect)
		if !ok {
			return permErr(&SyntaxError{Record: rec.Redirect, Msg: "redirect target is not a domain"})
		}
		r := e.checkHost(target, top)
		if r.result == None {
			return permErr(fmt.Errorf("%w: redirect=%s", ErrNoRecord, target))
		}
		return r
	}
	return evalResult{result: Neutral} // section 4.7
}

// onStack reports whether domain is being evaluated by an enclosing
// include or redirect.
func (e *eval) onStack(domain string) bool {
	for _, d := range e.stack[:min(e.nstack, len(e.stack))] {
		if d == domain {
			return true
		}
	}
	return slices.Contains(e.stackMore, domain)
}

func (e *eval) push(domain string) {
	if e.nstack < len(e.stack) {
		e.stack[e.nstack] = domain
	} else {
		e.stackMore = append(e.stackMore, domain)
	}
	e.nstack++
}

func (e *eval) pop() {
	e.nstack--
	if e.nstack >= len(e.stack) {
		e.stackMore = e.stackMore[:e.nstack-len(e.stack)]
	}
}

// fetchRecord looks up and selects the SPF record of domain (sections 4.4
// and 4.5), returning it parsed and as text. checked tells that domain
// already passed checkDomain. done reports a final result in res.
func (e *eval) fetchRecord(domain string, checked bool) (rec *Record, txt string, res evalResult, done bool) {
	if !checked {
		if _, ok := checkDomain(domain); !ok {
			return nil, "", evalResult{result: None}, true
		}
	}
	txts, err := e.lookupTXT(domain)
	if err != nil {
		if isNotFound(err) {
			return nil, "", evalResult{result: None}, true
		}
		return nil, "", evalResult{result: TempError, err: dnsErr(err)}, true
	}
	var found string
	n := 0
	for _, t := range txts {
		if IsSPFRecord(t) {
			found = t
			n++
		}
	}
	switch {
	case n == 0:
		return nil, "", evalResult{result: None}, true
	case n > 1:
		return nil, "", permErr(fmt.Errorf("%w: %s", ErrMultipleRecords, domain)), true
	}
	rec, err = ParseRecord(found)
	if err != nil {
		return nil, "", permErr(err), true
	}
	return rec, found, evalResult{}, false
}

func isNotFound(err error) bool {
	if de, ok := err.(*net.DNSError); ok {
		return de.IsNotFound // the usual case, without the allocation of errors.As
	}
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

func dnsErr(err error) error { return fmt.Errorf("%w: %w", ErrDNS, err) }

// countLookup counts one DNS-querying term (section 4.6.4).
func (e *eval) countLookup() *evalResult {
	e.lookups++
	if e.lookups > e.c.maxLookups {
		r := permErr(ErrLookupLimit)
		return &r
	}
	return nil
}

// countVoid counts a lookup that found nothing (section 4.6.4).
func (e *eval) countVoid() *evalResult {
	e.voids++
	if e.voids > e.c.maxVoid {
		r := permErr(ErrVoidLimit)
		return &r
	}
	return nil
}

// expandDomain expands a domain-spec for the current domain and truncates
// it to 253 octets (section 7.3). ok is false when the expansion is not a
// usable domain name.
func (e *eval) expandDomain(spec string) (string, bool) {
	s, err := expand(spec, &e.env, e, false)
	if err != nil {
		return "", false
	}
	s = truncateDomain(s)
	if s == "" {
		return "", false
	}
	if !validLabels(s) {
		return "", false
	}
	return s, true
}

// explanation computes the exp= text (section 6.2); any problem gives the
// default explanation instead.
func (e *eval) explanation(spec string) string {
	def := func() string {
		if e.c.defaultExp == "" {
			return ""
		}
		s, err := expand(e.c.defaultExp, &e.env, e, true)
		if err != nil {
			return ""
		}
		return s
	}
	if spec == "" {
		return def()
	}
	target, ok := e.expandDomain(spec)
	if !ok {
		return def()
	}
	txts, err := e.lookupTXT(target)
	if err != nil || len(txts) != 1 {
		return def()
	}
	s, err := expand(txts[0], &e.env, e, true)
	if err != nil {
		return def()
	}
	return s
}
