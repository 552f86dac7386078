package dnsclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/yubinmail/yubin/internal/ascii"
)

// Options configures a Client. A nil *Options means the defaults.
type Options struct {
	// Server is one DNS server as host:port (the port defaults to 53). When
	// empty, the servers of ResolvConf are used.
	Server string
	// ResolvConf is the resolver configuration file read when Server is
	// empty. Default: /etc/resolv.conf.
	ResolvConf string
	// Timeout bounds each attempt (one UDP exchange, or a UDP exchange and
	// its TCP retry), inside the deadline of ctx. Default: 5s.
	Timeout time.Duration
	// Attempts is how many rounds over all servers are made before a
	// temporary failure is returned. Default: 2.
	Attempts int
	// UDPSize is the EDNS0 UDP payload size advertised. Default: 1232
	// (the DNS flag day 2020 value).
	UDPSize uint16
	// DNSSEC sets the DO bit (RFC 3225), so that a validating resolver
	// returns signatures. The AD bit is requested either way.
	DNSSEC bool
	// CacheSize is the maximum number of cached answers (one per name and
	// type). Default: 4096. A negative value disables the cache.
	CacheSize int
	// MaxTTL caps the time a positive answer is cached. Default: 1h.
	MaxTTL time.Duration
	// MaxNegativeTTL caps the time an NXDOMAIN or NODATA answer is
	// cached (RFC 2308 section 5 suggests one to three hours). Default: 15m.
	MaxNegativeTTL time.Duration
	// MaxCNAMEChain is the number of CNAME hops followed. Default: 8.
	MaxCNAMEChain int
	// Logger receives debug logs of queries and failures. Nil: discard.
	Logger *slog.Logger
}

// Client is a caching stub resolver. It is safe for concurrent use.
type Client struct {
	servers  []string
	timeout  time.Duration
	attempts int
	udpSize  uint16
	dnssec   bool
	maxCNAME int
	log      *slog.Logger
	cache    *cache
	tcp      *dns.Client
	udpAddrs map[string]*net.UDPAddr // parsed servers; read-only after New
	bufs     sync.Pool               // *udpBuffer
	now      func() time.Time        // time.Now; replaced in tests
	mu       sync.Mutex
	flights  map[cacheKey]*flight // exchanges in progress
}

// Result is the answer to one query.
type Result struct {
	// Name is the canonical name the records belong to, after CNAMEs,
	// lower case, fully qualified with its final dot, in miekg/dns
	// presentation form (unusual octets escaped as \X or \DDD).
	Name string
	// Records are the answer records of the queried type owned by Name.
	// Empty for NODATA. Callers must not modify them: they may be shared
	// with the cache.
	Records []dns.RR
	// AD is the Authenticated Data bit of the answer (for a CNAME chain
	// followed by several queries, true only when every answer had it).
	AD bool
	// Cached is true when the answer came from the cache.
	Cached bool
}

// New returns a Client. It fails only when Options.Server is malformed; an
// unreadable resolv.conf falls back to the local host (see the package QUIRK).
func New(opts *Options) (*Client, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	c := &Client{
		timeout:  o.Timeout,
		attempts: o.Attempts,
		udpSize:  o.UDPSize,
		dnssec:   o.DNSSEC,
		maxCNAME: o.MaxCNAMEChain,
		log:      o.Logger,
		now:      time.Now,
		flights:  make(map[cacheKey]*flight),
	}
	if c.timeout <= 0 {
		c.timeout = 5 * time.Second
	}
	if c.attempts <= 0 {
		c.attempts = 2
	}
	if c.udpSize < dns.MinMsgSize {
		c.udpSize = 1232
	}
	if c.maxCNAME <= 0 {
		c.maxCNAME = 8
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if o.Server != "" {
		addr, err := normalizeServer(o.Server)
		if err != nil {
			return nil, err
		}
		c.servers = []string{addr}
	} else {
		c.servers = readResolvConf(o.ResolvConf, c.log)
	}
	size := o.CacheSize
	if size == 0 {
		size = 4096
	}
	if size > 0 {
		maxTTL, maxNeg := o.MaxTTL, o.MaxNegativeTTL
		if maxTTL <= 0 {
			maxTTL = time.Hour
		}
		if maxNeg <= 0 {
			maxNeg = 15 * time.Minute
		}
		c.cache = newCache(size, maxTTL, maxNeg)
	}
	c.tcp = &dns.Client{Net: "tcp", Timeout: c.timeout}
	c.udpAddrs = udpAddrs(c.servers)
	return c, nil
}

// Servers returns the server addresses in use, in order.
func (c *Client) Servers() []string { return append([]string(nil), c.servers...) }

func normalizeServer(s string) (string, error) {
	if _, _, err := net.SplitHostPort(s); err == nil {
		return s, nil
	}
	h := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if h == "" || strings.ContainsAny(h, " /") {
		return "", fmt.Errorf("dnsclient: malformed server address %q", s)
	}
	return net.JoinHostPort(h, "53"), nil
}

func readResolvConf(path string, log *slog.Logger) []string {
	if path == "" {
		path = "/etc/resolv.conf"
	}
	cfg, err := dns.ClientConfigFromFile(path)
	if err != nil || len(cfg.Servers) == 0 {
		log.Debug("dnsclient: no usable resolv.conf, using the local host", "path", path, "err", err)
		return []string{"127.0.0.1:53", "[::1]:53"}
	}
	port := cfg.Port
	if port == "" {
		port = "53"
	}
	out := make([]string, 0, len(cfg.Servers))
	for _, s := range cfg.Servers {
		out = append(out, net.JoinHostPort(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"), port))
	}
	return out
}

// Lookup queries name for records of type qtype (dns.TypeTXT, ...),
// following CNAMEs. It returns the records and the AD bit, or an error under
// the package's result convention. Use Lookup to see the AD bit, for DANE.
func (c *Client) Lookup(ctx context.Context, name string, qtype uint16) (*Result, error) {
	res := new(Result)
	if err := c.lookup(ctx, name, qtype, res); err != nil {
		return nil, err
	}
	return res, nil
}

// lookup is Lookup filling res, which the typed lookups keep on their stack.
func (c *Client) lookup(ctx context.Context, name string, qtype uint16, res *Result) error {
	fqdn := dns.Fqdn(escapeName(ascii.Lower(name)))
	if _, ok := dns.IsDomainName(fqdn); !ok || len(fqdn) > 254 {
		return &net.DNSError{Err: "invalid domain name", Name: name, IsNotFound: true}
	}
	*res = Result{Name: fqdn, AD: true, Cached: true}
	var seenBuf [4]string
	seen := seenBuf[:0] // names queried, to stop CNAME loops
	for hop := 0; ; hop++ {
		if slices.Contains(seen, res.Name) || hop > c.maxCNAME {
			return &net.DNSError{Err: "CNAME chain too long or looping", Name: name, IsTemporary: true}
		}
		seen = append(seen, res.Name)
		e, err := c.query(ctx, res.Name, qtype)
		if err != nil {
			var de *net.DNSError
			if errors.As(err, &de) {
				cp := *de
				cp.Name = name
				return &cp
			}
			return err
		}
		res.AD = res.AD && e.ad
		res.Cached = res.Cached && e.cached
		if e.rcode == dns.RcodeNameError {
			return &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
		}
		target, records := followChain(res.Name, qtype, e.answer, c.maxCNAME)
		if len(records) > 0 || target == res.Name {
			// Records found, or NODATA at a name without a CNAME.
			res.Name = target
			res.Records = records
			return nil
		}
		res.Name = target
		// The resolver stopped at a CNAME: ask again for its target.
	}
}

// escapeName turns a raw name (labels of any octets, separated by dots)
// into the presentation form miekg/dns expects, escaping octets the way
// miekg/dns does when it unpacks names, so that names compare equal.
func escapeName(name string) string {
	clean := true
	for i := 0; i < len(name) && clean; i++ {
		c := name[i]
		clean = c > ' ' && c <= '~' && !strings.ContainsRune(`'@;()"\`, rune(c))
	}
	if clean {
		return name
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '.':
			b.WriteByte(c)
		case c == ' ' || strings.IndexByte(`'@;()"\`, c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			b.WriteByte('\\')
			b.WriteByte('0' + c/100)
			b.WriteByte('0' + c/10%10)
			b.WriteByte('0' + c%10)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// followChain walks CNAMEs from name inside answer and returns the final
// name and the records of qtype owned by it.
func followChain(name string, qtype uint16, answer []dns.RR, max int) (string, []dns.RR) {
	for range max + 1 {
		var records []dns.RR
		next := ""
		for _, rr := range answer {
			h := rr.Header()
			if !strings.EqualFold(h.Name, name) {
				continue
			}
			if h.Rrtype == qtype {
				records = append(records, rr)
			} else if cn, ok := rr.(*dns.CNAME); ok && qtype != dns.TypeCNAME {
				next = strings.ToLower(cn.Target)
			}
		}
		if len(records) > 0 || next == "" || strings.EqualFold(next, name) {
			return name, records
		}
		name = next
	}
	return name, nil
}
