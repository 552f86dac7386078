//go:build linux

package dnsclient

import (
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

// dialUDPAddr opens a connected UDP socket to a. The socket is made
// directly, non-blocking and close-on-exec, and handed to the runtime's
// poller through os.NewFile: that skips what net.DialUDP adds for a
// general-purpose connection (SO_BROADCAST, and getsockname and
// getpeername for LocalAddr and RemoteAddr), three system calls of about
// ten per query. The kernel still picks a random ephemeral source port at
// connect (RFC 5452 section 9.2), and an ICMP port unreachable still fails
// the read at once with ECONNREFUSED.
func dialUDPAddr(a *net.UDPAddr) (udpConn, error) {
	ap := a.AddrPort()
	ip := ap.Addr().Unmap()
	var sa syscall.Sockaddr
	family := syscall.AF_INET
	switch {
	case ip.Is4():
		sa = &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: ip.As4()}
	case ip.Is6() && ip.Zone() == "":
		family = syscall.AF_INET6
		sa = &syscall.SockaddrInet6{Port: int(ap.Port()), Addr: ip.As16()}
	default:
		return dialUDPNet(a)
	}
	fd, err := syscall.Socket(family, syscall.SOCK_DGRAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, syscall.IPPROTO_UDP)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: "udp", Addr: a, Err: os.NewSyscallError("socket", err)}
	}
	if err := syscall.Connect(fd, sa); err != nil {
		_ = syscall.Close(fd)
		return nil, &net.OpError{Op: "dial", Net: "udp", Addr: a, Err: os.NewSyscallError("connect", err)}
	}
	// A non-blocking descriptor is registered with the poller, so reads
	// honour the deadline and a Close from another goroutine wakes them.
	return fileConn{os.NewFile(uintptr(fd), "udp")}, nil
}

// fileConn is a connected UDP socket held by an *os.File. Its errors are
// *net.OpError, as from a net.Conn.
type fileConn struct{ f *os.File }

// Read reads one datagram. An empty datagram reads as 0 bytes, not as the
// io.EOF of a file.
func (c fileConn) Read(b []byte) (int, error) {
	n, err := c.f.Read(b)
	if err == io.EOF {
		return 0, nil
	}
	return n, opError(err)
}

func (c fileConn) Write(b []byte) (int, error) {
	n, err := c.f.Write(b)
	return n, opError(err)
}

func (c fileConn) SetReadDeadline(t time.Time) error { return c.f.SetReadDeadline(t) }

func (c fileConn) Close() error { return c.f.Close() }

// opError turns the *os.PathError of a file operation into the
// *net.OpError a net.Conn would return; Timeout and errors.Is see through
// both.
func opError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return &net.OpError{Op: pe.Op, Net: "udp", Err: pe.Err}
	}
	return err
}
