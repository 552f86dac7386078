package smtpwire

import (
	"errors"
	"strconv"
	"strings"
)

// ErrBadBDAT is a BDAT argument that is not "SIZE" or "SIZE LAST" with a
// decimal size (RFC 3030 section 2).
var ErrBadBDAT = errors.New("smtpwire: malformed BDAT arguments")

// MaxChunkSize bounds the size ParseBDAT accepts syntactically (a server
// enforces its own, lower, message size limit on top).
const MaxChunkSize = 1 << 40

// ParseBDAT parses the argument of "BDAT chunk-size [LAST]".
func ParseBDAT(arg string) (size int64, last bool, err error) {
	num, rest, _ := strings.Cut(arg, " ")
	rest = strings.TrimLeft(rest, " ")
	if num == "" || len(num) > 13 {
		return 0, false, ErrBadBDAT
	}
	for i := 0; i < len(num); i++ {
		if num[i] < '0' || num[i] > '9' {
			return 0, false, ErrBadBDAT
		}
	}
	size, err = strconv.ParseInt(num, 10, 64)
	if err != nil || size > MaxChunkSize {
		return 0, false, ErrBadBDAT
	}
	switch {
	case rest == "":
	case strings.EqualFold(rest, "LAST"):
		last = true
	default:
		return 0, false, ErrBadBDAT
	}
	return size, last, nil
}
