package auth

import (
	"context"
	"errors"
)

// This file holds two small drivers that run a whole exchange over a
// line-based protocol, so that the SMTP, IMAP and POP3 packages handle
// initial responses, cancellation, size bounds and "additional data with
// success" the same way. The protocol supplies one callback per side that
// moves one line each way.

// ServeExchange runs m on the server side. initial is the initial-response
// argument of the command as received ("" when absent, "=" for an empty
// one). challenge must send the encoded challenge as a continuation line
// ("334 "+enc in SMTP, "+ "+enc in IMAP and POP3) and return the client's
// next line without CRLF. max bounds each decoded client message (0 means
// DefaultMaxMessageBytes).
//
// A SCRAM server signature is "additional data with success" (RFC 4422
// section 3.6). SMTP, IMAP and POP3 cannot carry it with their success
// reply, so it goes out as one more challenge and the client must answer
// with an empty line (RFC 4954 section 4).
//
// The error tells the protocol what to reply: ErrCanceled (the client sent
// "*"), ErrMalformed (bad base64, oversize or a grammar error), ErrAuthFailed
// (bad credentials); anything else is a Credentials or I/O failure, to be
// answered as temporary.
func ServeExchange(ctx context.Context, m ServerMechanism, initial string, max int,
	challenge func(encoded string) (line string, err error)) (Identity, error) {
	resp, err := DecodeInitialResponse(initial, max)
	if err != nil {
		return Identity{}, err
	}
	for {
		chal, done, err := m.Next(ctx, resp)
		if err != nil {
			return Identity{}, err
		}
		if done && len(chal) == 0 {
			return m.Identity(), nil
		}
		line, err := challenge(EncodeChallenge(chal))
		if err != nil {
			return Identity{}, err
		}
		if resp, err = DecodeResponse(line, max); err != nil {
			return Identity{}, err
		}
		if done {
			if len(resp) != 0 {
				return Identity{}, malformed(m.Name(), "want an empty response after the final challenge")
			}
			return m.Identity(), nil
		}
	}
}

// ErrServerRejected is what a step callback of RunClientExchange returns
// (possibly wrapped with the server's reply) when the server ends the
// exchange with a failure reply.
var ErrServerRejected = errors.New("auth: server rejected authentication")

// RunClientExchange runs c on the client side. When sendIR is true and the
// mechanism has an initial response, it goes on the command line (the
// protocol supports SASL-IR); otherwise it is sent as the answer to the
// server's first, empty, challenge.
//
// step is called first with the encoded initial response ("" for none):
// it must send the AUTH/AUTHENTICATE command, with the argument when it is
// not "", and read the reply. Later calls get an encoded response line to
// send before reading the next reply. step returns more=true with the
// encoded challenge for a continuation reply, more=false for success, and
// an error for a failure reply. When the client cannot go on it sends "*"
// through step and returns its own error. After success it calls c.Finish,
// so a missing or wrong SCRAM server signature is an error.
func RunClientExchange(c ClientMechanism, sendIR bool, max int,
	step func(line string) (challenge string, more bool, err error)) error {
	ir, err := c.Start()
	if err != nil {
		return err
	}
	var pending []byte
	first := ""
	if ir != nil {
		if sendIR {
			first = EncodeInitialResponse(ir)
		} else {
			pending = ir
		}
	}
	chal, more, err := step(first)
	for err == nil && more {
		var b, resp []byte
		b, err = DecodeChallenge(chal, max)
		switch {
		case err != nil:
		case pending != nil && len(b) == 0:
			resp, pending = pending, nil
		default:
			resp, err = c.Next(b)
		}
		if err != nil {
			step(CancelLine) // the server answers with a failure; ignore it
			return err
		}
		chal, more, err = step(EncodeResponse(resp))
	}
	if err != nil {
		return err
	}
	return c.Finish()
}
