package message

import "errors"

// AuthorError explains why Author found no single author. Compare with
// errors.Is against the Err* values below, which differ by Code.
type AuthorError struct {
	Code   string // "no-from", "multiple-from", "no-mailbox", "multiple-mailboxes", "group", "malformed"
	Detail string
}

// Error implements error.
func (e *AuthorError) Error() string {
	s := "message: author: " + e.Code
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Is matches AuthorErrors by Code.
func (e *AuthorError) Is(target error) bool {
	var t *AuthorError
	return errors.As(target, &t) && t.Code == e.Code
}

// Errors returned by Author.
var (
	ErrNoFrom            = &AuthorError{Code: "no-from"}
	ErrMultipleFrom      = &AuthorError{Code: "multiple-from"}
	ErrNoMailbox         = &AuthorError{Code: "no-mailbox"}
	ErrMultipleMailboxes = &AuthorError{Code: "multiple-mailboxes"}
	ErrGroupAuthor       = &AuthorError{Code: "group"}
	ErrMalformedFrom     = &AuthorError{Code: "malformed"}
)

// Author returns the one author of a message for authentication (DMARC,
// RFC 7489 section 6.6.1) and display: the header must hold exactly one From
// field (RFC 5322 section 3.6), and that field exactly one mailbox that
// parses without any warning.
//
// This is the single interpretation of ambiguous From fields used by the
// whole library (display code should call Author too, and fall back to
// ParseAddressList only to show what was there):
//
//   - "From : <a@x>" (whitespace before the colon, RFC 5322 section 4.5) is a
//     From field like any other, so its mailbox is the author.
//   - Two From fields, even identical ones: ErrMultipleFrom.
//   - "From: <a@x>:<b@y>": the item does not parse as one address, and an
//     item that does not parse is dropped whole, never cut down to a
//     prefix: ErrMalformedFrom (nothing is guessed from its pieces).
//   - "From: a@x, b@y" (RFC 5322 section 3.6.2 allows it with Sender):
//     ErrMultipleMailboxes.
//   - A group, even with one member, or an empty From: ErrGroupAuthor and
//     ErrNoMailbox.
//   - Any parse warning (skipped items, unclosed group, unclosed comment):
//     ErrMalformedFrom.
func Author(h Header) (Address, error) {
	var val string
	n := 0
	for f := range h.FieldsNamed("From") {
		n++
		val = f.Value()
	}
	switch {
	case n == 0:
		return Address{}, ErrNoFrom
	case n > 1:
		return Address{}, ErrMultipleFrom
	}
	list, err := ParseAddressList(val, nil)
	if err != nil {
		return Address{}, &AuthorError{Code: "malformed", Detail: err.Error()}
	}
	switch {
	case len(list) == 0:
		return Address{}, ErrNoMailbox
	case len(list) > 1:
		return Address{}, ErrMultipleMailboxes
	case list[0].Group:
		return Address{}, ErrGroupAuthor
	}
	return list[0], nil
}
