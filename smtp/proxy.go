package smtp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/yubinmail/yubin/auth"
	"github.com/yubinmail/yubin/envelope"
	"github.com/yubinmail/yubin/internal/smtpwire"
)

func prefixesContain(ps []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// errBadProxy is a malformed PROXY protocol header.
var errBadProxy = errors.New("smtp: malformed PROXY protocol header")

var proxyV2Sig = []byte("\r\n\r\n\x00\r\nQUIT\n")

// readProxyHeader reads a PROXY protocol v1 or v2 header (haproxy's
// proxy-protocol.txt) from a trusted proxy and takes the client and server
// addresses from it. "PROXY UNKNOWN" and v2 LOCAL keep the proxy's own
// addresses.
func (c *conn) readProxyHeader() error {
	sig, err := c.br.Peek(len(proxyV2Sig))
	if err == nil && bytes.Equal(sig, proxyV2Sig) {
		return c.readProxyV2()
	}
	line, err := smtpwire.ReadLine(c.br, 107) // v1 maximum, CRLF included
	if err != nil {
		return err
	}
	src, dst, err := parseProxyV1(string(line))
	if err != nil {
		return err
	}
	if src.IsValid() {
		c.info.RemoteAddr, c.info.LocalAddr, c.info.Proxied = src, dst, true
	}
	return nil
}

// parseProxyV1 parses "PROXY TCP4|TCP6|UNKNOWN src dst sport dport".
func parseProxyV1(line string) (src, dst netip.AddrPort, err error) {
	f := strings.Split(line, " ")
	if len(f) < 2 || f[0] != "PROXY" {
		return src, dst, errBadProxy
	}
	if f[1] == "UNKNOWN" {
		return src, dst, nil
	}
	if len(f) != 6 || f[1] != "TCP4" && f[1] != "TCP6" {
		return src, dst, errBadProxy
	}
	sa, err1 := netip.ParseAddr(f[2])
	da, err2 := netip.ParseAddr(f[3])
	sp, err3 := strconv.ParseUint(f[4], 10, 16)
	dp, err4 := strconv.ParseUint(f[5], 10, 16)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || sa.Is4() != (f[1] == "TCP4") || da.Is4() != sa.Is4() {
		return src, dst, errBadProxy
	}
	return netip.AddrPortFrom(sa, uint16(sp)), netip.AddrPortFrom(da, uint16(dp)), nil
}

func (c *conn) readProxyV2() error {
	var hdr [16]byte
	if _, err := io.ReadFull(c.br, hdr[:]); err != nil {
		return err
	}
	src, dst, n, err := parseProxyV2Header(hdr[:])
	if err != nil {
		return err
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(c.br, body); err != nil {
		return err
	}
	src, dst, err = parseProxyV2Addrs(hdr[13], body, src, dst)
	if err != nil {
		return err
	}
	if src.IsValid() {
		c.info.RemoteAddr, c.info.LocalAddr, c.info.Proxied = src, dst, true
	}
	return nil
}

// parseProxyV2Header checks the fixed 16-octet v2 header and returns the
// length of what follows (at most 65535, bounded by the format).
func parseProxyV2Header(h []byte) (src, dst netip.AddrPort, n int, err error) {
	if !bytes.Equal(h[:12], proxyV2Sig) || h[12]>>4 != 2 {
		return src, dst, 0, errBadProxy
	}
	switch h[12] & 0xf {
	case 0, 1: // LOCAL, PROXY
	default:
		return src, dst, 0, errBadProxy
	}
	return src, dst, int(binary.BigEndian.Uint16(h[14:16])), nil
}

func parseProxyV2Addrs(famProto byte, body []byte, src, dst netip.AddrPort) (netip.AddrPort, netip.AddrPort, error) {
	switch famProto {
	case 0x11: // TCP over IPv4
		if len(body) < 12 {
			return src, dst, errBadProxy
		}
		sa := netip.AddrFrom4([4]byte(body[0:4]))
		da := netip.AddrFrom4([4]byte(body[4:8]))
		return netip.AddrPortFrom(sa, binary.BigEndian.Uint16(body[8:10])),
			netip.AddrPortFrom(da, binary.BigEndian.Uint16(body[10:12])), nil
	case 0x21: // TCP over IPv6
		if len(body) < 36 {
			return src, dst, errBadProxy
		}
		sa := netip.AddrFrom16([16]byte(body[0:16]))
		da := netip.AddrFrom16([16]byte(body[16:32]))
		return netip.AddrPortFrom(sa, binary.BigEndian.Uint16(body[32:34])),
			netip.AddrPortFrom(da, binary.BigEndian.Uint16(body[34:36])), nil
	}
	return src, dst, nil // LOCAL, UNSPEC or UNIX: keep the real addresses
}

// cmdXCLIENT handles Postfix's XCLIENT extension
// (https://www.postfix.org/XCLIENT_README.html) from trusted networks: it
// replaces the client's attributes, restarts the session with a new
// Backend.NewSession, and answers with a new greeting.
func (c *conn) cmdXCLIENT(arg string) bool {
	if !prefixesContain(c.srv.XCLIENTTrusted, c.info.RemoteAddr.Addr()) {
		return c.replyCounted(&Error{Code: 550, EnhancedCode: code(5, 7, 0), Message: "Insufficient authorization"})
	}
	if c.inTx {
		return c.replyCounted(&Error{Code: 503, EnhancedCode: code(5, 5, 1), Message: "XCLIENT not allowed in a transaction"})
	}
	info := c.info
	addr, port := info.RemoteAddr.Addr(), info.RemoteAddr.Port()
	for _, attr := range strings.Fields(arg) {
		k, v, ok := strings.Cut(attr, "=")
		if !ok {
			return c.replyCounted(errSyntax)
		}
		dv, err := envelope.DecodeXtext(v)
		if err != nil {
			return c.replyCounted(errSyntax)
		}
		unavailable := dv == "[UNAVAILABLE]" || dv == "[TEMPUNAVAIL]"
		switch strings.ToUpper(k) {
		case "NAME":
			info.ClientName = ""
			if !unavailable {
				info.ClientName = dv
			}
		case "ADDR":
			a, err := netip.ParseAddr(strings.TrimPrefix(strings.ToLower(dv), "ipv6:"))
			if err != nil && !unavailable {
				return c.replyCounted(errSyntax)
			}
			addr = a
		case "PORT":
			p, err := strconv.ParseUint(dv, 10, 16)
			if err != nil && !unavailable {
				return c.replyCounted(errSyntax)
			}
			port = uint16(p)
		case "HELO":
			info.Helo = ""
			if !unavailable {
				info.Helo = dv
			}
		case "LOGIN":
			info.Auth = nil
			if !unavailable && dv != "" {
				info.Auth = &auth.Identity{Mechanism: "XCLIENT", Authn: dv}
			}
		case "PROTO", "DESTADDR", "DESTPORT":
		default:
			return c.replyCounted(&Error{Code: 501, EnhancedCode: code(5, 5, 4), Message: "Unknown XCLIENT attribute " + k})
		}
	}
	info.RemoteAddr, info.Proxied = netip.AddrPortFrom(addr, port), true
	helo := info.Helo
	if c.sess != nil {
		sess := c.sess
		c.sess = nil
		c.call(func() error { return sess.Logout(c.ctx) })
	}
	info.Helo, info.ESMTP = "", false
	c.info = info
	if !c.newSession() {
		return false
	}
	c.info.Helo = helo // XCLIENT HELO stands until the next EHLO
	c.greet()
	return true
}
