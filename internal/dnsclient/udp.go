package dnsclient

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/miekg/dns"
)

// maxQuery bounds a packed query: header, a name of at most 255 octets
// (and one spare), type and class, and the OPT record.
const maxQuery = 12 + 256 + 4 + 11

// udpBuffer is a pooled buffer for one UDP exchange: the packed query,
// then room for the answer.
type udpBuffer struct {
	b []byte
}

func (c *Client) getBuffer() *udpBuffer {
	if b, ok := c.bufs.Get().(*udpBuffer); ok {
		return b
	}
	return &udpBuffer{b: make([]byte, maxQuery+int(c.udpSize))}
}

// exchangeUDP performs one UDP exchange with server, on a fresh socket (so
// a fresh random source port) with a random ID, until deadline or until
// ctx is cancelled. Datagrams with another ID are ignored (RFC 5452
// section 9.1); the answer must match the question.
func (c *Client) exchangeUDP(ctx context.Context, server, name string, qtype uint16, edns bool, deadline time.Time) (*dns.Msg, error) {
	buf := c.getBuffer()
	defer c.bufs.Put(buf)
	id := randomID()
	q, err := packQuery(buf.b[:0:maxQuery], id, name, qtype, edns, c.udpSize, c.dnssec)
	if err != nil {
		return nil, &net.DNSError{Err: err.Error(), Name: name, Server: server}
	}
	conn, err := c.dialUDP(ctx, server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	// deadline is at or before the deadline of ctx, so the read deadline
	// ends the exchange in time; the AfterFunc is for cancellation.
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		defer stop()
	}
	// A UDP write never blocks: only the read needs the deadline (one
	// runtime timer instead of two).
	if err := conn.SetReadDeadline(deadline); err != nil {
		return nil, err
	}
	if _, err := conn.Write(q); err != nil {
		return nil, ioError(ctx, err, name)
	}
	in := buf.b[maxQuery:]
	for {
		n, err := conn.Read(in)
		if err != nil {
			return nil, ioError(ctx, err, name)
		}
		if n < 12 || binary.BigEndian.Uint16(in) != id {
			continue // not the answer to this query
		}
		m := new(dns.Msg)
		if err := m.Unpack(in[:n]); err != nil {
			return nil, err
		}
		if err := checkAnswer(m, name, qtype, server); err != nil {
			return nil, err
		}
		return m, nil
	}
}

// ioError reports a failed read or write: the ctx error when ctx ended
// (its AfterFunc closed the socket), else err.
func ioError(ctx context.Context, err error, name string) error {
	if cerr := ctx.Err(); cerr != nil {
		return ctxError(cerr, name)
	}
	return err
}

// udpConn is the part of a connected UDP socket that an exchange uses.
type udpConn interface {
	Read(b []byte) (int, error)
	Write(b []byte) (int, error)
	SetReadDeadline(t time.Time) error
	Close() error
}

// dialUDP opens a connected UDP socket to server. An address literal (the
// usual case, from resolv.conf) skips the resolver of package net, and on
// Linux the socket is made directly (dialUDPAddr).
func (c *Client) dialUDP(ctx context.Context, server string) (udpConn, error) {
	if a, ok := c.udpAddrs[server]; ok {
		return dialUDPAddr(a)
	}
	var d net.Dialer
	return d.DialContext(ctx, "udp", server)
}

// dialUDPNet is dialUDPAddr through package net.
func dialUDPNet(a *net.UDPAddr) (udpConn, error) {
	return net.DialUDP("udp", nil, a)
}

// udpAddrs parses the servers that are address literals.
func udpAddrs(servers []string) map[string]*net.UDPAddr {
	m := make(map[string]*net.UDPAddr, len(servers))
	for _, s := range servers {
		if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Zone() == "" {
			m[s] = net.UDPAddrFromAddrPort(ap)
		}
	}
	return m
}

// randomID returns a random query ID from the system's CSPRNG (RFC 5452
// section 4.3).
func randomID() uint16 {
	var b [2]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand, Go 1.24)
	return binary.BigEndian.Uint16(b[:])
}

// packQuery appends to buf the wire form of a query for (name, qtype): RD
// and AD set (RFC 6840 section 5.7), class IN, and with edns an OPT record
// advertising udpSize, with DO when dnssec (RFC 6891 section 6, RFC 3225).
// It is the message newQuery builds, packed without a dns.Msg.
func packQuery(buf []byte, id uint16, name string, qtype uint16, edns bool, udpSize uint16, dnssec bool) ([]byte, error) {
	var ar uint16
	if edns {
		ar = 1
	}
	buf = binary.BigEndian.AppendUint16(buf, id)
	buf = append(buf, 0x01, 0x20) // RD; AD
	buf = binary.BigEndian.AppendUint16(buf, 1)
	buf = append(buf, 0, 0, 0, 0)
	buf = binary.BigEndian.AppendUint16(buf, ar)
	if cap(buf) < len(buf)+256+4+11 {
		return nil, errors.New("dnsclient: query buffer too small")
	}
	off, err := dns.PackDomainName(name, buf[:cap(buf)], len(buf), nil, false)
	if err != nil {
		return nil, err
	}
	buf = buf[:off]
	buf = binary.BigEndian.AppendUint16(buf, qtype)
	buf = binary.BigEndian.AppendUint16(buf, dns.ClassINET)
	if edns {
		var do byte
		if dnssec {
			do = 0x80
		}
		buf = append(buf, 0) // the root name
		buf = binary.BigEndian.AppendUint16(buf, dns.TypeOPT)
		buf = binary.BigEndian.AppendUint16(buf, udpSize)
		buf = append(buf, 0, 0, do, 0, 0, 0) // extended RCODE, version, flags; RDLENGTH 0
	}
	return buf, nil
}
