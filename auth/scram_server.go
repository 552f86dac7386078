package auth

import (
	"context"
	"crypto/hmac"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// scramServer is the server side of SCRAM-SHA-1(-PLUS) and
// SCRAM-SHA-256(-PLUS) (RFC 5802 section 5, RFC 7677).
type scramServer struct {
	s    *server
	h    scramHash
	plus bool

	step            int
	gs2             gs2Header
	cbData          []byte
	user            string
	nonce           string
	clientFirstBare string
	serverFirst     string
	secret          *SCRAMSecret
	unknown         bool // user unknown: run to the end, then fail
}

func newSCRAMServer(s *server, info MechanismInfo) *scramServer {
	h, _ := scramHashFor(info.Name)
	return &scramServer{s: s, h: h, plus: info.ChannelBinding}
}

func (sc *scramServer) next(ctx context.Context, resp []byte) ([]byte, bool, error) {
	switch sc.step {
	case 0:
		if resp == nil {
			return []byte{}, false, nil // client-first: ask for the message
		}
		sc.step = 1
		chal, err := sc.clientFirst(ctx, string(resp))
		return chal, false, err
	case 1:
		sc.step = 2
		chal, err := sc.clientFinal(ctx, string(resp))
		return chal, err == nil, err
	}
	return nil, true, ErrDone
}

// clientFirst handles client-first-message and returns server-first-message.
func (sc *scramServer) clientFirst(ctx context.Context, msg string) ([]byte, error) {
	mech := sc.s.name
	gs2, bare, err := parseGS2(mech, msg)
	if err != nil {
		return nil, err
	}
	sc.gs2 = gs2
	if err := sc.checkBinding(); err != nil {
		return nil, err
	}
	attrs, err := parseAttrs(mech, bare)
	if err != nil {
		return nil, err
	}
	if attrs[0].key == 'm' {
		// RFC 5802 section 7: reserved-mext; we support no mandatory extension.
		return nil, malformed(mech, "extensions-not-supported")
	}
	if len(attrs) < 2 || attrs[0].key != 'n' || attrs[1].key != 'r' {
		return nil, malformed(mech, "want n=user,r=nonce")
	}
	if sc.user, err = decodeSaslname(mech, attrs[0].val); err != nil {
		return nil, err
	}
	// RFC 5802 section 5.1: the server SHOULD prepare the user name too and
	// abort when that fails or yields nothing.
	if sc.user, err = saslPrep(sc.user); err != nil {
		return nil, malformed(mech, "user name rejected by SASLprep")
	}
	if !validNonce(attrs[1].val) {
		return nil, malformed(mech, "invalid client nonce")
	}
	if err := sc.lookup(ctx); err != nil {
		return nil, err
	}
	snonce := randomString(18)
	if sc.s.opts.nonce != nil {
		snonce = sc.s.opts.nonce()
	}
	sc.clientFirstBare = bare
	sc.nonce = attrs[1].val + snonce
	sc.serverFirst = "r=" + sc.nonce + ",s=" + base64.StdEncoding.EncodeToString(sc.secret.Salt) +
		",i=" + strconv.Itoa(sc.secret.Iterations)
	return []byte(sc.serverFirst), nil
}

// checkBinding enforces the gs2-cbind-flag rules of RFC 5802 section 6,
// including downgrade protection, and computes the channel binding data.
//
// QUIRK: RFC 5802 reports these failures as e= in server-final-message; we
// fail at once, since SMTP, IMAP and POP3 cannot carry e= with a failure
// reply and continuing would only cost a salted-password round trip.
func (sc *scramServer) checkBinding() error {
	o := sc.s.opts
	fail := func(reason string) error {
		return fmt.Errorf("%w: %w: %s", ErrAuthFailed, ErrChannelBinding, reason)
	}
	switch sc.gs2.flag {
	case 'p':
		if !sc.plus {
			return fail("client asked for channel binding with a non-PLUS mechanism")
		}
		data, err := cbData(o.ConnState, sc.gs2.cbType, o.Certificate, true)
		if err != nil || o.DisableChannelBinding {
			return fail("unsupported-channel-binding-type " + sc.gs2.cbType)
		}
		sc.cbData = data
	case 'y':
		if sc.plus {
			return fail("-PLUS mechanism without channel binding")
		}
		// The client could bind but believes we cannot: if we can, a
		// man-in-the-middle removed -PLUS from our list.
		if o.advertisesPlus(strings.TrimSuffix(sc.s.name, "-PLUS")) {
			return fail("server-does-support-channel-binding")
		}
	case 'n':
		if sc.plus {
			return fail("-PLUS mechanism without channel binding")
		}
	}
	return nil
}

// lookup fetches the user's secret. For an unknown user it makes up one, so
// the exchange runs to its end and fails like a wrong password, without
// telling the client which it was (RFC 5802 section 9).
func (sc *scramServer) lookup(ctx context.Context) error {
	cr, err := sc.s.credentials()
	if err != nil {
		return err
	}
	base := sc.h.mech
	sec, err := cr.LookupSecret(ctx, sc.user, base)
	switch {
	case err != nil && !errors.Is(err, ErrAuthFailed):
		return err
	case err == nil && validSecret(sec.SCRAM, sc.h):
		sc.secret = sec.SCRAM
		return nil
	case err == nil:
		sc.s.opts.logger().WarnContext(ctx, "unusable SCRAM secret", "mechanism", base)
	}
	sc.unknown = true
	salt := make([]byte, saltLen)
	copy(salt, sc.h.hmac([]byte(randomString(16)), sc.user))
	sc.secret = &SCRAMSecret{Mechanism: base, Salt: salt, Iterations: DefaultIterations,
		StoredKey: make([]byte, sc.h.size), ServerKey: make([]byte, sc.h.size)}
	return nil
}

func validSecret(s *SCRAMSecret, h scramHash) bool {
	return s != nil && s.Mechanism == h.mech && s.Iterations > 0 && len(s.Salt) > 0 && len(s.Salt) <= maxSaltLen &&
		len(s.StoredKey) == h.size && len(s.ServerKey) == h.size
}

// clientFinal verifies client-final-message and returns server-final-message.
func (sc *scramServer) clientFinal(ctx context.Context, msg string) ([]byte, error) {
	mech := sc.s.name
	i := strings.LastIndex(msg, ",p=")
	if i < 0 {
		return nil, malformed(mech, "missing proof")
	}
	withoutProof := msg[:i]
	attrs, err := parseAttrs(mech, withoutProof)
	if err != nil {
		return nil, err
	}
	if len(attrs) < 2 || attrs[0].key != 'c' || attrs[1].key != 'r' {
		return nil, malformed(mech, "want c=...,r=...")
	}
	cb, err := b64decode(attrs[0].val)
	if err != nil {
		return nil, malformed(mech, "invalid base64 in c=")
	}
	proof, err := b64decode(msg[i+3:])
	if err != nil || len(proof) != sc.h.size {
		return nil, malformed(mech, "invalid proof")
	}
	if attrs[1].val != sc.nonce {
		return nil, fmt.Errorf("%w: nonce mismatch", ErrAuthFailed)
	}
	want := append([]byte(sc.gs2.raw), sc.cbData...)
	if !hmac.Equal(cb, want) {
		return nil, fmt.Errorf("%w: %w: channel-bindings-dont-match", ErrAuthFailed, ErrChannelBinding)
	}
	authMessage := sc.clientFirstBare + "," + sc.serverFirst + "," + withoutProof
	clientSig := sc.h.hmac(sc.secret.StoredKey, authMessage)
	clientKey := xorBytes(proof, clientSig)
	ok := subtle.ConstantTimeCompare(sc.h.sum(clientKey), sc.secret.StoredKey) == 1
	if !ok || sc.unknown {
		return nil, fmt.Errorf("%w: invalid-proof", ErrAuthFailed)
	}
	if err := sc.s.authorize(ctx, sc.user, sc.gs2.authz); err != nil {
		return nil, err
	}
	if sc.plus {
		sc.s.id.ChannelBinding = sc.gs2.cbType
	}
	serverSig := sc.h.hmac(sc.secret.ServerKey, authMessage)
	return []byte("v=" + base64.StdEncoding.EncodeToString(serverSig)), nil
}
