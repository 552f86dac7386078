package auth

import (
	"crypto/hmac"
	"encoding/base64"
	"fmt"
	"strings"
)

// scramClient is the client side of SCRAM (RFC 5802 section 5).
type scramClient struct {
	c    *client
	h    scramHash
	plus bool

	step            int
	gs2             string
	cbData          []byte
	cnonce          string
	clientFirstBare string
	serverSig       []byte
	verified        bool
}

func newSCRAMClient(c *client, info MechanismInfo) *scramClient {
	h, _ := scramHashFor(info.Name)
	return &scramClient{c: c, h: h, plus: info.ChannelBinding}
}

// start builds client-first-message: gs2-header client-first-message-bare.
func (sc *scramClient) start() ([]byte, error) {
	o := sc.c.opts
	user, err := saslPrep(o.Username)
	if err != nil {
		return nil, err
	}
	authz := ""
	if o.Authz != "" {
		a, err := saslPrep(o.Authz)
		if err != nil {
			return nil, err
		}
		authz = "a=" + encodeSaslname(a)
	}
	if err := sc.chooseFlag(authz); err != nil {
		return nil, err
	}
	sc.cnonce = randomString(18)
	if o.nonce != nil {
		sc.cnonce = o.nonce()
	}
	sc.clientFirstBare = "n=" + encodeSaslname(user) + ",r=" + sc.cnonce
	return []byte(sc.gs2 + sc.clientFirstBare), nil
}

// chooseFlag sets the GS2 header per RFC 5802 section 6: "p=type" for
// -PLUS; "y" when we could bind but the server did not (as far as we know)
// offer -PLUS; "n" otherwise.
func (sc *scramClient) chooseFlag(authz string) error {
	o := sc.c.opts
	typ := o.bindingType()
	switch {
	case sc.plus:
		data, err := cbData(o.ConnState, typ, nil, false)
		if err != nil {
			return err
		}
		sc.cbData = data
		sc.gs2 = "p=" + typ + "," + authz + ","
	case typ != "" && !o.serverOffered(sc.c.name+"-PLUS"):
		sc.gs2 = "y," + authz + ","
	default:
		sc.gs2 = "n," + authz + ","
	}
	return nil
}

func (sc *scramClient) next(chal []byte) ([]byte, error) {
	sc.step++
	switch sc.step {
	case 1:
		return sc.serverFirst(string(chal))
	case 2:
		return sc.serverFinal(string(chal))
	}
	return nil, malformed(sc.c.name, "unexpected challenge after server-final-message")
}

// serverFirst handles server-first-message and builds client-final-message.
func (sc *scramClient) serverFirst(msg string) ([]byte, error) {
	mech, o := sc.c.name, sc.c.opts
	attrs, err := parseAttrs(mech, msg)
	if err != nil {
		return nil, err
	}
	switch attrs[0].key {
	case 'm':
		return nil, malformed(mech, "server requires an unsupported extension")
	case 'e':
		// Not in the RFC 5802 grammar for server-first-message, but some
		// servers end the exchange this early (e.g. "e=unknown-user").
		return nil, &ServerError{Mechanism: mech, Message: attrs[0].val}
	}
	if len(attrs) < 3 || attrs[0].key != 'r' || attrs[1].key != 's' || attrs[2].key != 'i' {
		return nil, malformed(mech, "want r=...,s=...,i=...")
	}
	nonce := attrs[0].val
	if !validNonce(nonce) || !strings.HasPrefix(nonce, sc.cnonce) || len(nonce) == len(sc.cnonce) {
		return nil, malformed(mech, "server nonce does not extend the client nonce")
	}
	salt, err := b64decode(attrs[1].val)
	if err != nil || len(salt) == 0 || len(salt) > maxSaltLen {
		return nil, malformed(mech, "invalid salt")
	}
	iter, ok := parseIterations(attrs[2].val)
	if !ok {
		return nil, malformed(mech, "invalid iteration count")
	}
	if lo, hi := o.minIterations(), o.maxIterations(); iter < lo || iter > hi {
		return nil, &IterationError{Iterations: iter, Min: lo, Max: hi}
	}
	salted, err := sc.h.saltedPassword(o.Password, salt, iter)
	if err != nil {
		return nil, err
	}
	h := sc.h
	withoutProof := "c=" + base64.StdEncoding.EncodeToString(append([]byte(sc.gs2), sc.cbData...)) + ",r=" + nonce
	authMessage := sc.clientFirstBare + "," + msg + "," + withoutProof
	clientKey := h.hmac(salted, "Client Key")
	proof := xorBytes(clientKey, h.hmac(h.sum(clientKey), authMessage))
	sc.serverSig = h.hmac(h.hmac(salted, "Server Key"), authMessage)
	return []byte(withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof)), nil
}

// serverFinal verifies server-final-message (RFC 5802 section 5.1: the
// client MUST verify the server signature).
func (sc *scramClient) serverFinal(msg string) ([]byte, error) {
	mech := sc.c.name
	if e, ok := strings.CutPrefix(msg, "e="); ok {
		return nil, &ServerError{Mechanism: mech, Message: e}
	}
	v, ok := strings.CutPrefix(msg, "v=")
	if !ok {
		return nil, malformed(mech, "want v= or e=")
	}
	if i := strings.IndexByte(v, ','); i >= 0 {
		v = v[:i] // extensions follow
	}
	sig, err := b64decode(v)
	if err != nil {
		return nil, malformed(mech, "invalid base64 in v=")
	}
	if !hmac.Equal(sig, sc.serverSig) {
		return nil, ErrServerSignature
	}
	sc.verified = true
	return []byte{}, nil
}

func (sc *scramClient) finish() error {
	if !sc.verified {
		return fmt.Errorf("%w: success reported without a verified server signature", ErrServerSignature)
	}
	return nil
}
