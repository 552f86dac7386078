package envelope

import (
	"errors"
	"strconv"
)

// Sentinel causes wrapped by *Error. Match them with errors.Is.
var (
	// ErrSyntax means the input does not follow the RFC grammar.
	ErrSyntax = errors.New("syntax error")
	// ErrTooLong means a length limit (local part, domain, path, value) was exceeded.
	ErrTooLong = errors.New("too long")
	// ErrNonASCII means UTF-8 was found where SMTPUTF8 was not given (RFC 6531 section 3.2).
	ErrNonASCII = errors.New("non-ASCII address without SMTPUTF8")
	// ErrDuplicate means an ESMTP parameter was given twice (RFC 5321 section 4.1.2).
	ErrDuplicate = errors.New("duplicate parameter")
	// ErrBadValue means a known ESMTP parameter has a value outside its grammar.
	ErrBadValue = errors.New("invalid parameter value")
	// ErrNotDSN means a message is not an RFC 3464 delivery status notification.
	ErrNotDSN = errors.New("not a delivery status notification")
	// ErrNotMDN means a message is not an RFC 8098 message disposition notification.
	ErrNotMDN = errors.New("not a message disposition notification")
	// ErrNullPath means a notification would be sent to the null reverse-path,
	// which RFC 5321 section 4.5.5 and RFC 3464 section 2 forbid.
	ErrNullPath = errors.New("refusing to address a notification to the null path")
)

// Error is the error type of this package. Code and Reply are the RFC 3463
// enhanced status code and the RFC 5321 reply code that an SMTP server should
// send when it rejects the command because of this error.
type Error struct {
	Op     string     // what was being parsed: "reverse-path", "forward-path", "MAIL parameter", ...
	Input  string     // the offending input, truncated to 64 bytes
	Reason string     // human-readable detail
	Reply  int        // suggested SMTP reply code, for example 501 or 553
	Code   StatusCode // suggested enhanced status code, for example 5.1.3
	Err    error      // the sentinel cause (ErrSyntax, ErrTooLong, ...)
}

// Error implements error.
func (e *Error) Error() string {
	s := "envelope: " + e.Op
	if e.Input != "" {
		s += " " + strconv.Quote(e.Input)
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// Unwrap returns the sentinel cause.
func (e *Error) Unwrap() error { return e.Err }

// EnhancedCode returns the suggested RFC 3463 status code.
func (e *Error) EnhancedCode() StatusCode { return e.Code }

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64]
	}
	return s
}

func newError(op, input, reason string, reply int, code StatusCode, cause error) *Error {
	return &Error{Op: op, Input: truncate(input), Reason: reason, Reply: reply, Code: code, Err: cause}
}
