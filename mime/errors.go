package mime

import (
	"strconv"
	"strings"
)

// WarningCode names one kind of non-fatal problem found while reading input.
// Codes are stable strings so that callers can match on them and log them.
type WarningCode string

// Warning describes input that was accepted, but was not well formed. The
// value returned alongside a Warning is the best interpretation of the input.
type Warning struct {
	Code   WarningCode // what kind of problem
	Offset int         // byte offset in the input where it was noticed, or -1
	Detail string      // human-readable detail, may be empty
}

// Error implements error.
func (w *Warning) Error() string {
	var b strings.Builder
	b.WriteString("mime: ")
	b.WriteString(string(w.Code))
	if w.Offset >= 0 {
		b.WriteString(" at offset ")
		b.WriteString(strconv.Itoa(w.Offset))
	}
	if w.Detail != "" {
		b.WriteString(": ")
		b.WriteString(w.Detail)
	}
	return b.String()
}

// Warnings is a non-empty list of warnings returned as a single error by
// functions that give a usable result for partly broken input. Use errors.As
// to tell it apart from a fatal error:
//
//	v, err := mime.ParseMediaType(s)
//	var ws mime.Warnings
//	if err != nil && !errors.As(err, &ws) {
//		return err // nothing usable
//	}
type Warnings []*Warning

// Error implements error.
func (ws Warnings) Error() string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.Error()
	}
	return strings.Join(parts, "; ")
}

// Unwrap returns the individual warnings, so that errors.As finds a *Warning.
func (ws Warnings) Unwrap() []error {
	errs := make([]error, len(ws))
	for i, w := range ws {
		errs[i] = w
	}
	return errs
}

// Has reports whether the list holds a warning with the given code.
func (ws Warnings) Has(code WarningCode) bool {
	for _, w := range ws {
		if w.Code == code {
			return true
		}
	}
	return false
}

// LimitError is returned when input exceeds a configured limit. It is fatal
// for the value being read; the limit that was hit is named in Limit.
type LimitError struct {
	Limit string // the option that was exceeded, for example "MaxParts"
	Max   int64  // the configured maximum
}

// Error implements error.
func (e *LimitError) Error() string {
	return "mime: limit exceeded: " + e.Limit + " (max " + strconv.FormatInt(e.Max, 10) + ")"
}
