package dkim

import (
	"bytes"
	"context"
	"encoding/base64"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/yubinmail/yubin/dnsmock"
)

func FuzzParseSignature(f *testing.F) {
	f.Add("v=1; a=rsa-sha256; d=example.com; s=sel; h=from:to; bh=dGVzdA==; b=dGVzdA==")
	f.Add("v=1; a=ed25519-sha256; c=relaxed/relaxed; d=x; i=a=40x; s=s; t=1; x=2; l=5; h=From; bh=AA==; b=")
	f.Add("v=1; v=1")
	f.Add("=;=;;")
	f.Fuzz(func(t *testing.T, s string) {
		sig, err := ParseSignature(s)
		if err != nil {
			return
		}
		if sig.Domain == "" || sig.Selector == "" || len(sig.Headers) == 0 {
			t.Fatalf("accepted without required tags: %q", s)
		}
		// header.b is the first 8 characters of b= as written, without
		// FWS, and they encode the first 6 bytes of the decoded value.
		if b, ok := findTag(s, "b"); ok && headerB(b) != firstN(stripFWS(b), 8) {
			t.Fatalf("headerB(%q) = %q", b, headerB(b))
		}
		if b, ok := findTag(s, "b"); ok && len(sig.Signature) >= 6 {
			if got, want := base64.StdEncoding.EncodeToString(sig.Signature[:6]), firstN(stripFWS(b), 8); got != want {
				t.Fatalf("header.b %q, want %q", got, want)
			}
		}
		// Round trip: parse, format, parse.
		back, err := ParseSignature(sig.String())
		if err != nil {
			t.Fatalf("reparse of %q (from %q): %v", sig.String(), s, err)
		}
		// The field without b= is what the reference removeBValue
		// gives, with any folding and line ending.
		for _, raw := range []string{"DKIM-Signature:" + s, "DKIM-Signature:" + s + "\r\n"} {
			if got, want := sig.withoutB(nil, []byte(raw)), removeBValue(nil, []byte(raw)); !bytes.Equal(got, want) {
				t.Fatalf("%q without b=: %q, want %q", raw, got, want)
			}
		}
		sig.UnknownTags = nil
		if !reflect.DeepEqual(exported(sig), exported(back)) {
			t.Fatalf("round trip changed the signature:\n%#v\n%#v", sig, back)
		}
	})
}

func FuzzParseKeyRecord(f *testing.F) {
	f.Add(rfc8463EdRecord)
	f.Add(rfc8463RSARecord)
	f.Add("v=DKIM1; p=")
	f.Add("k=ed25519; t=y:s; h=sha256; s=email; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKeyRecord(s)
		if err == nil && !k.Revoked && k.PublicKey == nil {
			t.Fatalf("key without public key: %q", s)
		}
		if err == nil && k.PublicKey != nil {
			rec, err := FormatKeyRecord(k.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ParseKeyRecord(rec); err != nil {
				t.Fatalf("round trip: %v", err)
			}
		}
	})
}

// FuzzCanonicalize checks that canonicalization never panics, that chunking
// does not change the result, and that relaxed is idempotent.
func FuzzCanonicalize(f *testing.F) {
	f.Add([]byte("Subject: a\r\n  b\r\n"), []byte(" C \r\nD \t E\r\n\r\n\r\n"), uint8(3))
	f.Add([]byte("A:\n"), []byte("a\r\r\n\r"), uint8(1))
	f.Add([]byte(""), []byte(""), uint8(0))
	f.Fuzz(func(t *testing.T, hdr, body []byte, chunk uint8) {
		for _, field := range SplitHeader(hdr) {
			once := CanonicalizeHeader(nil, Relaxed, field.Raw)
			twice := CanonicalizeHeader(nil, Relaxed, once)
			if !bytes.Equal(once, twice) && bytes.IndexByte(field.Raw, ':') >= 0 {
				t.Fatalf("relaxed header not idempotent: %q -> %q -> %q", field.Raw, once, twice)
			}
			CanonicalizeHeader(nil, Simple, field.Raw)
		}
		for _, c := range []Canonicalization{Simple, Relaxed} {
			whole := canonBody(c, string(body))
			var out collect
			bc := newBodyCanon(&out, c, -1)
			n := int(chunk) + 1
			for i := 0; i < len(body); i += n {
				bc.Write(body[i:min(i+n, len(body))])
			}
			bc.close()
			if out.String() != whole {
				t.Fatalf("%s: chunked %q != whole %q", c, out.String(), whole)
			}
			if c == Relaxed {
				if again := canonBody(Relaxed, whole); again != whole {
					t.Fatalf("relaxed body not idempotent: %q -> %q", whole, again)
				}
			}
		}
	})
}

// FuzzVerify feeds arbitrary messages to the verifier: no panic, no hang.
func FuzzVerify(f *testing.F) {
	f.Add("DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AA==; b=AA==\r\nFrom: a\r\n\r\nbody")
	f.Add("\r\n\r\n")
	f.Fuzz(func(t *testing.T, msg string) {
		res := &dnsmock.Resolver{TXT: map[string][]string{"sel._domainkey.example.com": {rfc8463EdRecord}}}
		out, err := Verify(context.Background(), strings.NewReader(msg), &VerifyOptions{Resolver: res})
		if err == nil {
			for _, r := range out {
				if r.Status == StatusPass {
					t.Fatalf("random message passed: %q", msg)
				}
			}
		}
	})
}

// FuzzDecodeBase64FWSInto: decoding into a caller's buffer (bh=) gives
// what the allocating decoder gives, error included.
func FuzzDecodeBase64FWSInto(f *testing.F) {
	f.Add(strings.Repeat("QUJD RA==", 200))
	f.Add("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
	f.Add("47DEQpj8HBSa+/TImW+5 JCeuQeRkm5\tNMpJWZG3hSuFU=")
	f.Add(" \t ")
	f.Add("AA=\r\n=")
	f.Fuzz(func(t *testing.T, v string) {
		var buf [64]byte
		got, gotErr := decodeBase64FWSInto(buf[:], v)
		want, wantErr := decodeBase64FWS(v)
		if (gotErr == nil) != (wantErr == nil) || gotErr == nil && !bytes.Equal(got, want) {
			t.Fatalf("%q: got %x, %v; want %x, %v", v, got, gotErr, want, wantErr)
		}
		// Both against the plain reading: drop SP and HTAB, decode.
		ref, refErr := base64.StdEncoding.DecodeString(strings.NewReplacer(" ", "", "\t", "").Replace(v))
		if (refErr == nil) != (wantErr == nil) || refErr == nil && !bytes.Equal(ref, want) {
			t.Fatalf("%q: decodeBase64FWS %x, %v; reference %x, %v", v, want, wantErr, ref, refErr)
		}
	})
}

// FuzzFieldName: the field-name scan equals its plain definition.
func FuzzFieldName(f *testing.F) {
	f.Add("Subject \t")
	f.Add("X Y")
	f.Add("A\r\n B")
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.TrimRight(s, " \t")
		if strings.ContainsAny(want, " \t\r\n") {
			want = ""
		}
		if got := s[:fieldNameLen([]byte(s))]; got != want {
			t.Fatalf("%q: got %q, want %q", s, got, want)
		}
	})
}

// FuzzSplitHeaderText: the fields that appendFields appends lie one after
// the other in the header, each named by the text before its colon, and
// the fields already there are kept.
func FuzzSplitHeaderText(f *testing.F) {
	f.Add([]byte("From: a\r\n b\r\nDKIM-Signature: v=1;\r\n\tb=x\r\n"))
	f.Add([]byte(" lead\nX:\n\n:y"))
	f.Fuzz(func(t *testing.T, hdr []byte) {
		var buf [2]Field
		prev := Field{Name: "Kept", Raw: []byte("Kept: 1\r\n")}
		fields := appendFields(append(buf[:0], prev), hdr)
		if fields[0].Name != prev.Name || string(fields[0].Raw) != string(prev.Raw) {
			t.Fatalf("%q: first field became %q", hdr, fields[0].Raw)
		}
		if !slices.Equal(fieldRaws(fields[1:]), fieldRaws(SplitHeader(hdr))) {
			t.Fatalf("%q: appended fields differ from SplitHeader's", hdr)
		}
		off := 0
		for _, fl := range fields[1:] {
			if string(hdr[off:off+len(fl.Raw)]) != string(fl.Raw) {
				t.Fatalf("%q: field %q not at %d", hdr, fl.Raw, off)
			}
			name := ""
			if i := bytes.IndexByte(fl.Raw, ':'); i > 0 {
				name = string(fl.Raw[:fieldNameLen(fl.Raw[:i])])
			}
			if fl.Name != name {
				t.Fatalf("%q: field %q named %q", hdr, fl.Raw, fl.Name)
			}
			off += len(fl.Raw)
		}
		if off != len(hdr) {
			t.Fatalf("%q: fields cover %d bytes", hdr, off)
		}
	})
}

// exported is sig without its internal storage and positions, which
// depend on how the value was written, for comparisons.
func exported(sig *Signature) Signature {
	c := *sig
	c.Signature, c.BodyHash = bytes.Clone(sig.Signature), bytes.Clone(sig.BodyHash)
	c.bBuf, c.bhBuf, c.bAt, c.bEnd = [len(c.bBuf)]byte{}, [len(c.bhBuf)]byte{}, 0, 0
	return c
}

func fieldRaws(fields []Field) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.Name + "\x00" + string(f.Raw)
	}
	return out
}

// FuzzHeaderEnd: the quick search for the end of a header finds what the
// line-by-line one finds, from any offset.
func FuzzHeaderEnd(f *testing.F) {
	f.Add([]byte("From: a\r\nTo: b\r\n\r\nbody\n\nmore"), 0)
	f.Add([]byte("From: a\nTo: b\n\nbody\r\n\r\n"), 3)
	f.Add([]byte("X: 1\r\n\n\r\n"), 0)
	f.Add([]byte("\n\r"), 0)
	// The blank line across the edge of the quick search, and after it.
	for _, n := range []int{4092, 4093, 4094, 4095, 4096, 5000} {
		line := append(bytes.Repeat([]byte{'a'}, n), "\n\r\nb"...)
		f.Add(line, 0)
		f.Add(line, 2)
		f.Add(append(bytes.Repeat([]byte{'a'}, n), "\n\nb\n\r\n"...), 0)
	}
	f.Fuzz(func(t *testing.T, b []byte, from int) {
		if from < 0 || from > len(b) {
			return
		}
		if got, want := headerEnd(b, from, false), headerEndLines(b, from); got != want {
			t.Fatalf("%q from %d: %d, line by line %d", b, from, got, want)
		}
	})
}
