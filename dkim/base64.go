package dkim

import (
	"encoding/binary"
	"errors"
)

// errBase64 reports a value that is not base64 (RFC 6376 section 2.7, with
// the padding of RFC 4648 section 4).
var errBase64 = errors.New("dkim: invalid base64")

const (
	b64FWS = 0x40 // SP, HTAB, CR, LF: skipped
	b64Pad = 0x41 // "="
	b64Bad = 0xFF
)

// b64Values maps each byte to its base64 value, or to one of the classes
// above. It is never written after initialization.
var b64Values = func() (t [256]byte) {
	for i := range t {
		t[i] = b64Bad
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range len(alphabet) {
		t[alphabet[i]] = byte(i)
	}
	for _, c := range " \t\r\n" {
		t[c] = b64FWS
	}
	t['='] = b64Pad
	return t
}()

// decodeBase64 decodes v, a base64 value in which FWS (SP, HTAB, CR, LF)
// may appear anywhere (RFC 6376 sections 3.5 b= and bh=, 3.6.1 p=), into
// dst, which must hold decodedLen(v) bytes; it returns the decoded length.
// Groups are of four characters, with "=" padding only at the end, as
// encoding/base64.StdEncoding wants once FWS is removed (the tests compare
// the two). Of a padded last group, only the bytes it holds are written.
//
// Where the CPU allows, decodeBase64Vector decodes the whole groups at the
// start of v; decodeBase64Scalar goes on from where it stopped, a group
// boundary, so that the result (the length on error too) is the one
// decodeBase64Scalar gives for the whole of v.
func decodeBase64(dst []byte, v string) (int, error) {
	o, i := decodeBase64Vector(dst, v)
	n, err := decodeBase64Scalar(dst[o:], v[i:])
	return o + n, err
}

// decodeBase64Scalar is decodeBase64 in pure Go. Runs of four alphabet
// characters take a fast path; FWS and padding are handled a group at a
// time.
func decodeBase64Scalar(dst []byte, v string) (int, error) {
	t := &b64Values
	o, i := 0, 0
	for {
		// Eight characters make six bytes, written as eight (dst has
		// room for the two extra ones until its last group).
		for ; len(v)-i >= 8 && len(dst)-o >= 8; i += 8 {
			q := v[i : i+8]
			a, b, c, d := t[q[0]], t[q[1]], t[q[2]], t[q[3]]
			e, f, g, h := t[q[4]], t[q[5]], t[q[6]], t[q[7]]
			if a|b|c|d|e|f|g|h >= 64 {
				break
			}
			x := uint64(a)<<58 | uint64(b)<<52 | uint64(c)<<46 | uint64(d)<<40 |
				uint64(e)<<34 | uint64(f)<<28 | uint64(g)<<22 | uint64(h)<<16
			binary.BigEndian.PutUint64(dst[o:], x)
			o += 6
		}
		for ; len(v)-i >= 4; i += 4 {
			q := v[i : i+4]
			a, b, c, d := t[q[0]], t[q[1]], t[q[2]], t[q[3]]
			if a|b|c|d >= 64 {
				break
			}
			x := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
			w := dst[o : o+3]
			w[0], w[1], w[2] = byte(x>>16), byte(x>>8), byte(x)
			o += 3
		}
		// One group, skipping FWS; n counts its characters, pads the
		// "=" among them.
		var x uint32
		n, pads := 0, 0
		for n < 4 && i < len(v) {
			c := t[v[i]]
			i++
			switch {
			case c < 64:
				if pads > 0 {
					return o, errBase64 // data after "="
				}
				x = x<<6 | uint32(c)
			case c == b64FWS:
				continue
			case c == b64Pad && n >= 2:
				x <<= 6
				pads++
			default:
				return o, errBase64
			}
			n++
		}
		switch {
		case n == 0:
			return o, nil // the end, between groups
		case n < 4:
			return o, errBase64 // a short group
		}
		if pads == 0 {
			dst[o], dst[o+1], dst[o+2] = byte(x>>16), byte(x>>8), byte(x)
			o += 3
		} else {
			// Only the bytes the group holds: nothing past them changes.
			dst[o] = byte(x >> 16)
			if pads == 1 {
				dst[o+1] = byte(x >> 8)
			}
			o += 3 - pads
		}
		if pads > 0 {
			// Only FWS may follow padding.
			for ; i < len(v); i++ {
				if t[v[i]] != b64FWS {
					return o, errBase64
				}
			}
			return o, nil
		}
	}
}

// decodedLen is the buffer size decodeBase64 needs for v.
func decodedLen(v string) int { return 3*(len(v)/4) + 3 }
