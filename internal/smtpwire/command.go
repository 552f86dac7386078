package smtpwire

import (
	"errors"
	"strings"
)

// Command is one parsed SMTP command line (RFC 5321 section 4.1.1).
type Command struct {
	// Verb is the upper-cased command verb, for example "MAIL".
	Verb string
	// Arg is everything after the verb and its separating space(s), with
	// trailing spaces removed; for "MAIL FROM:<a@b> SIZE=10" it is
	// "FROM:<a@b> SIZE=10".
	Arg string
}

// String formats the command as it goes on the wire, without CRLF.
func (c Command) String() string {
	if c.Arg == "" {
		return c.Verb
	}
	return c.Verb + " " + c.Arg
}

// Syntax errors returned by ParseCommand.
var (
	// ErrEmptyCommand is an empty (or all-space) line.
	ErrEmptyCommand = errors.New("smtpwire: empty command")
	// ErrBadVerb is a verb that is not 1 to MaxVerb ASCII letters.
	ErrBadVerb = errors.New("smtpwire: malformed command verb")
	// ErrControlChar is a NUL, CR or other control character (other than
	// TAB) in the line; it is never passed on to a parser.
	ErrControlChar = errors.New("smtpwire: control character in command")
)

// MaxVerb is the longest accepted verb. Real verbs are at most 8 letters
// (STARTTLS, XCLIENT); 16 leaves room for private extensions.
const MaxVerb = 16

// knownVerbs lets ParseCommand return constant strings for the verbs it sees
// most, so that parsing them allocates nothing.
var knownVerbs = [...]string{
	"EHLO", "HELO", "LHLO", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "NOOP",
	"QUIT", "VRFY", "EXPN", "HELP", "STARTTLS", "AUTH", "XCLIENT",
	"GET", "POST", "HEAD", "PUT", "CONNECT", "OPTIONS",
}

// ParseCommand parses a command line given without its line ending. Verbs
// are case-insensitive (RFC 5321 section 2.4).
func ParseCommand(line []byte) (Command, error) {
	for _, c := range line {
		if (c < 0x20 && c != '\t') || c == 0x7f {
			return Command{}, ErrControlChar
		}
	}
	i := 0
	for i < len(line) && line[i] != ' ' {
		c := line[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			if i == 0 && strings.TrimSpace(string(line)) == "" {
				return Command{}, ErrEmptyCommand
			}
			return Command{}, ErrBadVerb
		}
		i++
	}
	if i == 0 {
		if strings.TrimSpace(string(line)) == "" {
			return Command{}, ErrEmptyCommand
		}
		return Command{}, ErrBadVerb
	}
	if i > MaxVerb {
		return Command{}, ErrBadVerb
	}
	cmd := Command{Verb: verb(line[:i])}
	rest := line[i:]
	for len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	for len(rest) > 0 && (rest[len(rest)-1] == ' ' || rest[len(rest)-1] == '\t') {
		rest = rest[:len(rest)-1]
	}
	cmd.Arg = string(rest)
	return cmd, nil
}

func verb(b []byte) string {
	for _, v := range knownVerbs {
		if len(v) == len(b) && equalFoldASCII(v, b) {
			return v
		}
	}
	return strings.ToUpper(string(b))
}

func equalFoldASCII(upper string, b []byte) bool {
	for i := range b {
		c := b[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != upper[i] {
			return false
		}
	}
	return true
}

// CutPrefixFold removes a case-insensitive prefix such as "FROM:" or "TO:"
// from arg, together with spaces that follow it, and reports whether it was
// there.
//
// QUIRK: RFC 5321 section 4.1.1.2 allows no space between "FROM:" and the
// path, but many clients send one ("MAIL FROM: <a@b>"); it is accepted, as
// every major MTA does.
func CutPrefixFold(arg, prefix string) (string, bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return arg, false
	}
	return strings.TrimLeft(arg[len(prefix):], " "), true
}

// IsHTTPVerb reports whether the verb is an HTTP method: a browser or proxy
// speaking HTTP to an SMTP port (cross-protocol attacks) is answered with 502
// and disconnected.
func IsHTTPVerb(v string) bool {
	switch v {
	case "GET", "POST", "HEAD", "PUT", "CONNECT", "OPTIONS", "DELETE", "PATCH":
		return true
	}
	return false
}
