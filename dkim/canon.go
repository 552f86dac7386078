package dkim

import (
	"bytes"
	"hash"
	"math/bits"
	"slices"

	"github.com/yubinmail/yubin/internal/ascii"
)

// Canonicalization is a DKIM canonicalization algorithm (RFC 6376 section 3.4).
type Canonicalization string

// The two algorithms of RFC 6376 section 3.4.
const (
	Simple  Canonicalization = "simple"
	Relaxed Canonicalization = "relaxed"
)

// Field is one header field as it appeared on the wire: Raw holds the name,
// the colon, the value with its folding, and the final line ending. It is
// exported so that ARC (RFC 8617), which hashes header fields the same way,
// can reuse [SplitHeader], [SelectFields] and [HashFields].
type Field struct {
	Name string // the field name as written (case kept)
	Raw  []byte // the whole field including its line ending
}

// SplitHeader splits a raw header block (without the blank line that ends
// it) into fields (RFC 5322 section 2.2). A continuation line (starting with
// SP or HTAB) belongs to the field above it. Lines before the first field
// that are continuations, and lines without a colon, are kept as fields with
// an empty name, so that they are never hashed but never lost either.
func SplitHeader(hdr []byte) []Field {
	return appendFields(nil, hdr)
}

// appendFields is SplitHeader appending to fields (which callers may offer
// on their stack). The names are copied into one string, so that splitting
// costs at most two allocations, and one for a usual header, whose fields
// fit the room that callers offer; a long header has its fields counted
// first.
func appendFields(fields []Field, hdr []byte) []Field {
	return appendFieldsImpl(fields, hdr, scanBest)
}

// appendFieldsImpl is appendFields with the line splitting that impl
// picks: scanBest the fastest the CPU has (an AVX-512 kernel, see
// splitFieldsVector), or scanGeneric the loop below; tests force each.
func appendFieldsImpl(fields []Field, hdr []byte, impl uint8) []Field {
	if len(hdr) > 2048 {
		fields = slices.Grow(fields, countFields(hdr, impl))
	}
	base := len(fields)
	var nameBuf [512]byte
	var lenBuf [64]int32
	names, lens := nameBuf[:0], lenBuf[:0]
	fields, names, lens, vector := splitFieldsVector(fields, hdr, names, lens, impl)
	// The generic split, a line at a time, unless the vector one did it.
	for off := 0; off < len(hdr) && !vector; {
		end := off + lineEnd(hdr[off:])
		// Extend over continuation lines (RFC 5322 section 2.2.3).
		for end < len(hdr) && (hdr[end] == ' ' || hdr[end] == '\t') {
			end += lineEnd(hdr[end:])
		}
		raw := hdr[off:end:end]
		n := 0
		if i := bytes.IndexByte(raw, ':'); i > 0 {
			n = fieldNameLen(raw[:i])
		}
		names = append(names, raw[:n]...)
		lens = append(lens, int32(n))
		fields = append(fields, Field{Raw: raw})
		off = end
	}
	all := string(names)
	for i, n := range lens {
		fields[base+i].Name, all = all[:n], all[n:]
	}
	return fields
}

// fieldNameLen returns the length of the field name at the start of s, the
// text before a field's colon: s without trailing SP and HTAB, or 0 when
// white space or a line break remains inside (not a field name).
func fieldNameLen(s []byte) int {
	n := len(s)
	for n > 0 && (s[n-1] == ' ' || s[n-1] == '\t') {
		n--
	}
	for _, c := range s[:n] {
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			return 0
		}
	}
	return n
}

// countFields returns the number of fields SplitHeader finds in hdr: lines
// that do not start with SP or HTAB, plus a first line that does. impl
// picks the scan, as for appendFieldsImpl.
func countFields(hdr []byte, impl uint8) int {
	if n, ok := countFieldsVector(hdr, impl); ok {
		return n
	}
	n := 0
	for i := 0; i < len(hdr); {
		if i == 0 || hdr[i] != ' ' && hdr[i] != '\t' {
			n++
		}
		i += lineEnd(hdr[i:])
	}
	return n
}

// lineEnd returns the length of the first line of b including its LF, or
// len(b) when there is no LF.
func lineEnd(b []byte) int {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return i + 1
	}
	return len(b)
}

// SelectFields picks the header fields named in h, in that order, following
// RFC 6376 section 5.4.2: for each name, the last instance not yet used is
// taken (from the bottom up); a name with no instance left selects nothing,
// which is how over-signing works. The returned slice has nil entries for
// names that matched nothing.
func SelectFields(fields []Field, h []string) []*Field {
	var buf [16]int32
	idx := selectIndexes(buf[:0], fields, h)
	out := make([]*Field, len(h))
	for k, i := range idx {
		if i >= 0 {
			out[k] = &fields[i]
		}
	}
	return out
}

// selectIndexes is [SelectFields] appending to dst the index in fields of
// each selected field, or -1. Indexes rather than pointers let callers keep
// fields and dst on their stack.
func selectIndexes(dst []int32, fields []Field, h []string) []int32 {
	base := len(dst)
	for range h {
		dst = append(dst, -1)
	}
	out := dst[base:]
	if len(fields)*len(h) <= 4096 {
		// Small headers: a direct scan, without allocations.
		var used [64]bool
		if len(fields) <= len(used) {
			for k, name := range h {
				for i := len(fields) - 1; i >= 0; i-- {
					if !used[i] && ascii.EqualFold(fields[i].Name, name) {
						used[i] = true
						out[k] = int32(i)
						break
					}
				}
			}
			return dst
		}
	}
	// Index the fields by lower-case name once, so that a hostile h= with
	// many names costs time linear in its length, not h= times fields.
	byName := make(map[string][]int32, len(fields))
	for i := range fields {
		if fields[i].Name != "" {
			n := ascii.Lower(fields[i].Name)
			byName[n] = append(byName[n], int32(i))
		}
	}
	for k, name := range h {
		n := ascii.Lower(name)
		idx := byName[n]
		if len(idx) == 0 {
			continue
		}
		out[k] = idx[len(idx)-1]
		byName[n] = idx[:len(idx)-1]
	}
	return dst
}

// HashFields writes the canonicalized selected fields into h (RFC 6376
// section 3.7), each followed by CRLF, then the canonicalized signature
// field sig (whose b= value must already be empty) without a trailing CRLF.
// nil entries in selected are skipped.
func HashFields(h hash.Hash, c Canonicalization, selected []*Field, sig []byte) {
	var buf [16][]byte
	raws := buf[:0]
	for _, f := range selected {
		if f != nil {
			raws = append(raws, f.Raw)
		}
	}
	hashRaws(h, c, raws, sig, nil)
}

// hashFieldsAt is [HashFields] for the fields at the indexes idx (-1 for
// none), as [selectIndexes] gives them, gathering the canonical bytes in
// scratch (see hashRaws).
func hashFieldsAt(h hash.Hash, c Canonicalization, fields []Field, idx []int32, sig, scratch []byte) {
	var buf [16][]byte
	raws := buf[:0]
	for _, i := range idx {
		if i >= 0 {
			raws = append(raws, fields[i].Raw)
		}
	}
	hashRaws(h, c, raws, sig, scratch)
}

// hashRaws is HashFields over raw fields. The canonical bytes go to h in
// few writes (each write costs a call and a partial block): gathered in
// scratch, which is written whenever the next field does not fit, or with
// a nil scratch in one buffer of their size.
func hashRaws(h hash.Hash, c Canonicalization, raws [][]byte, sig, scratch []byte) {
	if scratch == nil {
		// Canonical fields are no longer than raw ones, but for a CR
		// added to a bare LF.
		n := len(sig) + 2
		for _, raw := range raws {
			n += len(raw) + 1
		}
		scratch = make([]byte, 0, n)
	}
	buf := scratch[:0]
	for _, raw := range raws {
		if len(buf)+len(raw)+2 > cap(buf) && len(buf) > 0 {
			h.Write(buf)
			buf = buf[:0]
		}
		buf = CanonicalizeHeader(buf, c, raw) // grows buf if it must
	}
	if len(buf)+len(sig)+2 > cap(buf) && len(buf) > 0 {
		h.Write(buf)
		buf = buf[:0]
	}
	buf = CanonicalizeHeader(buf, c, sig)
	h.Write(buf[:len(buf)-2]) // without its CRLF, which always ends buf
}

// CanonicalizeHeader appends the canonical form of one raw header field to
// dst (RFC 6376 sections 3.4.1 and 3.4.2). The result always ends in CRLF.
//
// QUIRK: a bare LF line ending is treated as CRLF, so that messages stored
// with Unix line endings verify as they did on the wire.
func CanonicalizeHeader(dst []byte, c Canonicalization, raw []byte) []byte {
	raw = trimLineEnd(raw)
	if c != Relaxed {
		// simple: unchanged, but line endings normalised to CRLF.
		for len(raw) > 0 {
			i := bytes.IndexByte(raw, '\n')
			if i < 0 {
				dst = append(dst, raw...)
				break
			}
			line := raw[:i]
			line = bytes.TrimSuffix(line, []byte{'\r'})
			dst = append(dst, line...)
			dst = append(dst, '\r', '\n')
			raw = raw[i+1:]
		}
		return append(dst, '\r', '\n')
	}
	colon := bytes.IndexByte(raw, ':')
	if colon < 0 {
		colon = len(raw)
	}
	// Name: lowercase, WSP before the colon removed.
	name := raw[:colon]
	for len(name) > 0 && (name[len(name)-1] == ' ' || name[len(name)-1] == '\t') {
		name = name[:len(name)-1]
	}
	for _, b := range name {
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		dst = append(dst, b)
	}
	dst = append(dst, ':')
	if colon < len(raw) {
		dst = relaxValue(dst, raw[colon+1:])
	}
	return append(dst, '\r', '\n')
}

// relaxValue unfolds v, reduces WSP runs to one SP, and drops WSP at both
// ends (RFC 6376 section 3.4.2). Once the ends are trimmed, a lone SP
// between words is already canonical: runs are copied whole up to the next
// place that changes (see indexUnfold).
func relaxValue(dst, v []byte) []byte {
	for len(v) > 0 && isFWS(v[0]) {
		v = v[1:]
	}
	for len(v) > 0 && isFWS(v[len(v)-1]) {
		v = v[:len(v)-1]
	}
	for {
		i := indexUnfold(v)
		dst = append(dst, v[:i]...)
		if i == len(v) {
			return dst
		}
		// v ends in a byte that is not FWS, so the run ends inside v.
		space := false
		for ; isFWS(v[i]); i++ {
			// CR and LF are dropped (unfolding); SP and HTAB make a space.
			space = space || v[i] == ' ' || v[i] == '\t'
		}
		if space {
			dst = append(dst, ' ')
		}
		v = v[i:]
	}
}

// indexUnfold returns the index of the first FWS byte of v that relaxed
// canonicalization changes (HTAB, CR, LF, or SP before another FWS byte),
// or len(v). v must not end in FWS. It tests eight bytes at a time for
// ones below 0x21, then looks at each found.
func indexUnfold(v []byte) int {
	i := 0
	for ; i+8 <= len(v); i += 8 {
		x := load64(v, i)
		// A borrow may flag bytes above a flagged one too, which
		// changesFWS then turns down.
		for m := below21(x); m != 0; m &= m - 1 {
			if j := i + bits.TrailingZeros64(m)/8; changesFWS(v, j) {
				return j
			}
		}
	}
	for ; i < len(v); i++ {
		if changesFWS(v, i) {
			return i
		}
	}
	return len(v)
}

// changesFWS reports whether v[i] is FWS that relaxed canonicalization
// changes; v[i+1] exists when v[i] is SP, since v does not end in FWS.
func changesFWS(v []byte, i int) bool {
	switch v[i] {
	case ' ':
		return isFWS(v[i+1])
	case '\t', '\r', '\n':
		return true
	}
	return false
}

// indexFWS returns the index of the first SP, HTAB, CR or LF in v, or
// len(v). It tests eight bytes at a time for one below 0x21, then looks
// at the byte found.
func indexFWS[T string | []byte](v T) int {
	i := 0
	for {
		for ; i+8 <= len(v); i += 8 {
			x := load64(v, i)
			// The lowest flagged byte is the first below 0x21 (the
			// borrow only flags bytes above it).
			if m := below21(x); m != 0 {
				i += bits.TrailingZeros64(m) / 8
				break
			}
		}
		if i+8 > len(v) {
			for ; i < len(v) && (v[i] > ' ' || !isFWS(v[i])); i++ {
			}
			return i
		}
		if isFWS(v[i]) {
			return i
		}
		i++ // a control character other than FWS: content
	}
}

// below21 sets the high bit of every byte of x below 0x21 (SP and the
// control characters), and of some bytes above such a byte, which a
// borrow reaches; the lowest bit set is always exact.
func below21(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	return (x - 0x21*ones) &^ x & highs
}

// load64 reads the eight bytes of v at i, little-endian (the compiler
// makes this one load).
func load64[T string | []byte](v T, i int) uint64 {
	v = v[i : i+8]
	return uint64(v[0]) | uint64(v[1])<<8 | uint64(v[2])<<16 | uint64(v[3])<<24 |
		uint64(v[4])<<32 | uint64(v[5])<<40 | uint64(v[6])<<48 | uint64(v[7])<<56
}

func trimLineEnd(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}
