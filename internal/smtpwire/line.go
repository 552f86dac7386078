package smtpwire

import (
	"bufio"
	"bytes"
	"errors"
	"strconv"
)

// DefaultMaxLine is the default bound on a command line, CRLF included.
// RFC 5321 section 4.5.3.1.4 requires at least 512 octets; AUTH initial
// responses and long ESMTP parameter lists need more (RFC 4954 section 4
// suggests 12288 for AUTH lines, which servers read with a separate bound).
const DefaultMaxLine = 2048

// LineTooLongError reports a line longer than the bound given to ReadLine.
// When Drained is true, the rest of the line was read and discarded and the
// connection can continue; otherwise the sender kept going without a line end
// for more than the drain bound and the connection should be closed.
type LineTooLongError struct {
	Max     int
	Drained bool
}

func (e *LineTooLongError) Error() string {
	return "smtpwire: line longer than " + strconv.Itoa(e.Max) + " octets"
}

// ErrLineTooLong is matched by every *LineTooLongError with errors.Is.
var ErrLineTooLong = errors.New("smtpwire: line too long")

// Is makes errors.Is(err, ErrLineTooLong) true.
func (e *LineTooLongError) Is(target error) bool { return target == ErrLineTooLong }

// drainFactor bounds how much of an overlong line is discarded before giving
// up: drainFactor times the line bound.
const drainFactor = 16

// ReadLine reads one line of at most max octets (line ending included) from
// br and returns it without its line ending (CRLF or bare LF). When the line
// fits in br's buffer, the returned slice aliases it and is valid only until
// the next read; a longer line (up to max) is copied.
//
// A longer line yields a *LineTooLongError; at most drainFactor*max octets of
// it are read, so a peer that never sends LF cannot make ReadLine buffer or
// loop without bound.
func ReadLine(br *bufio.Reader, max int) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxLine
	}
	line, err := br.ReadSlice('\n')
	if err == nil && len(line) <= max {
		return trimEOL(line), nil
	}
	if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
		if len(line) > max {
			return nil, &LineTooLongError{Max: max}
		}
		return nil, err
	}
	// Longer than the buffer, or than max: accumulate while it may still
	// fit, otherwise discard the rest of the line, boundedly.
	read := len(line)
	var acc []byte
	if read <= max {
		acc = append(make([]byte, 0, 2*read), line...)
	}
	for err != nil {
		line, err = br.ReadSlice('\n')
		read += len(line)
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
		if read <= max {
			acc = append(acc, line...)
		} else {
			acc = nil
		}
		if read > drainFactor*max {
			return nil, &LineTooLongError{Max: max}
		}
	}
	if read <= max {
		return trimEOL(acc), nil
	}
	return nil, &LineTooLongError{Max: max, Drained: true}
}

func trimEOL(line []byte) []byte {
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

// HasLine reports whether br holds a complete line in its buffer, so that
// reading it will not block. A server flushes its pipelined replies before
// any read that could block (RFC 2920 section 3.2).
func HasLine(br *bufio.Reader) bool {
	n := br.Buffered()
	if n == 0 {
		return false
	}
	b, _ := br.Peek(n)
	return bytes.IndexByte(b, '\n') >= 0
}
