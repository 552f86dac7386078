// Package dkim compares Yubin's DKIM signer and verifier with
// github.com/emersion/go-msgauth/dkim and with the floor: the public-key
// operation plus SHA-256 over the canonicalized bytes, which no
// implementation can beat.
package dkim

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"testing"

	msgauth "github.com/emersion/go-msgauth/dkim"

	"github.com/yubinmail/yubin/dkim"
)

type keyCase struct {
	name string
	key  crypto.Signer
}

var keys = sync.OnceValue(func() []keyCase {
	r, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return []keyCase{
		{"rsa2048", r},
		{"ed25519", ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))},
	}
})

// message builds a plain-text message of about size bytes.
func message(size int) []byte {
	var b bytes.Buffer
	b.WriteString("From: Joe SixPack <joe@football.example.com>\r\n" +
		"To: Suzie Q <suzie@shopping.example.net>\r\n" +
		"Subject: Is dinner ready?\r\n" +
		"Date: Fri, 11 Jul 2003 21:00:37 -0700\r\n" +
		"Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	// Plain text with what relaxed canonicalization has to fix, at rates
	// seen in real mail: every 7th line ends in white space, every 13th
	// holds a double space, and paragraphs are separated by empty lines.
	line := 0
	for b.Len() < size {
		fmt.Fprintf(&b, "Line %d of the body: the quick brown fox jumps over the lazy dog", line)
		switch {
		case line%7 == 3:
			b.WriteString(". \r\n")
		case line%13 == 5:
			b.WriteString(".  Again.\r\n")
		default:
			b.WriteString(".\r\n")
		}
		line++
		if line%10 == 0 {
			b.WriteString("\r\n")
		}
	}
	return b.Bytes()
}

var sizes = []struct {
	name string
	size int
}{{"4KB", 4 << 10}, {"1MB", 1 << 20}}

// staticTXT is a resolver without logging, so benchmarks stay flat.
type staticTXT map[string]string

func (s staticTXT) LookupTXT(_ context.Context, name string) ([]string, error) {
	return []string{s[name]}, nil
}

func record(k crypto.Signer) string {
	rec, err := dkim.FormatKeyRecord(k.Public())
	if err != nil {
		panic(err)
	}
	return rec
}

var headerKeys = []string{"From", "To", "Subject", "Date", "Message-ID"}

func signYubin(msg []byte, k crypto.Signer) (string, error) {
	s, err := dkim.NewSigner(&dkim.SignOptions{Domain: "example.com", Selector: "sel", Key: k, Headers: headerKeys})
	if err != nil {
		return "", err
	}
	s.Write(msg)
	if err := s.Close(); err != nil {
		return "", err
	}
	return s.Field(), nil
}

func signGoMsgauth(msg []byte, k crypto.Signer) (string, error) {
	s, err := msgauth.NewSigner(&msgauth.SignOptions{Domain: "example.com", Selector: "sel", Signer: k,
		HeaderCanonicalization: msgauth.CanonicalizationRelaxed, BodyCanonicalization: msgauth.CanonicalizationRelaxed,
		HeaderKeys: headerKeys})
	if err != nil {
		return "", err
	}
	s.Write(msg)
	if err := s.Close(); err != nil {
		return "", err
	}
	return s.Signature(), nil
}

// floorInput is what the floor hashes: the canonical body and the canonical
// header data (the signed fields plus the signature field without b=).
type floorInput struct{ body, header []byte }

// floorInputs canonicalizes msg once, outside the timed loop, using the
// signature made by Yubin to know the exact header data.
func floorInputs(msg []byte, field string) floorInput {
	end := bytes.Index(msg, []byte("\r\n\r\n"))
	body := msg[end+4:]
	var cb bytes.Buffer
	for _, line := range strings.SplitAfter(string(body), "\r\n") {
		l := strings.TrimRight(strings.TrimSuffix(line, "\r\n"), " \t")
		l = strings.Join(strings.Fields(l), " ")
		if line != "" {
			cb.WriteString(l + "\r\n")
		}
	}
	canon := bytes.TrimRight(cb.Bytes(), "\r\n")
	canon = append(canon, '\r', '\n')
	var hd []byte
	fields := dkim.SplitHeader(msg[:end+2])
	for _, f := range dkim.SelectFields(fields, headerKeys) {
		hd = dkim.CanonicalizeHeader(hd, dkim.Relaxed, f.Raw)
	}
	sigNoB := field[:strings.LastIndex(field, "b=")+2]
	hd = dkim.CanonicalizeHeader(hd, dkim.Relaxed, []byte(sigNoB))
	hd = bytes.TrimSuffix(hd, []byte("\r\n"))
	return floorInput{body: canon, header: hd}
}

func (f floorInput) digest() (bodyHash, headerDigest []byte) {
	bh := sha256.Sum256(f.body)
	h := sha256.New()
	h.Write(f.header)
	return bh[:], h.Sum(nil)
}

func floorSign(f floorInput, k crypto.Signer) ([]byte, error) {
	_, d := f.digest()
	if _, ok := k.(ed25519.PrivateKey); ok {
		return k.Sign(nil, d, crypto.Hash(0))
	}
	return k.Sign(rand.Reader, d, crypto.SHA256)
}

func floorVerify(f floorInput, pub crypto.PublicKey, sig []byte) bool {
	_, d := f.digest()
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, d, sig) == nil
	case ed25519.PublicKey:
		return ed25519.Verify(pub, d, sig)
	}
	return false
}

func BenchmarkDKIMSign(b *testing.B) {
	for _, sz := range sizes {
		msg := message(sz.size)
		for _, k := range keys() {
			name := sz.name + "-" + k.name
			field, err := signYubin(msg, k.key)
			if err != nil {
				b.Fatal(err)
			}
			fl := floorInputs(msg, field)
			b.Run(name+"/yubin", func(b *testing.B) {
				b.SetBytes(int64(len(msg)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := signYubin(msg, k.key); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(name+"/gomsgauth", func(b *testing.B) {
				b.SetBytes(int64(len(msg)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := signGoMsgauth(msg, k.key); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(name+"/floor", func(b *testing.B) {
				b.SetBytes(int64(len(msg)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := floorSign(fl, k.key); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func verifyYubin(msg []byte, res staticTXT) error {
	out, err := dkim.Verify(context.Background(), bytes.NewReader(msg), &dkim.VerifyOptions{Resolver: res})
	if err != nil {
		return err
	}
	if len(out) != 1 || out[0].Status != dkim.StatusPass {
		return fmt.Errorf("yubin: %+v", out)
	}
	return nil
}

func verifyGoMsgauth(msg []byte, res staticTXT) error {
	out, err := msgauth.VerifyWithOptions(bytes.NewReader(msg), &msgauth.VerifyOptions{
		LookupTXT: func(d string) ([]string, error) { return res.LookupTXT(context.Background(), d) },
	})
	if err != nil {
		return err
	}
	if len(out) != 1 || out[0].Err != nil {
		return fmt.Errorf("gomsgauth: %v", out[0].Err)
	}
	return nil
}

func BenchmarkDKIMVerify(b *testing.B) {
	for _, sz := range sizes {
		msg := message(sz.size)
		for _, k := range keys() {
			name := sz.name + "-" + k.name
			field, err := signYubin(msg, k.key)
			if err != nil {
				b.Fatal(err)
			}
			signed := append([]byte(field), msg...)
			res := staticTXT{"sel._domainkey.example.com": record(k.key)}
			fl := floorInputs(msg, field)
			sig, _ := floorSign(fl, k.key)
			b.Run(name+"/yubin", func(b *testing.B) {
				b.SetBytes(int64(len(signed)))
				b.ReportAllocs()
				for b.Loop() {
					if err := verifyYubin(signed, res); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(name+"/gomsgauth", func(b *testing.B) {
				b.SetBytes(int64(len(signed)))
				b.ReportAllocs()
				for b.Loop() {
					if err := verifyGoMsgauth(signed, res); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(name+"/floor", func(b *testing.B) {
				b.SetBytes(int64(len(signed)))
				b.ReportAllocs()
				for b.Loop() {
					if !floorVerify(fl, k.key.Public(), sig) {
						b.Fatal("floor verify failed")
					}
				}
			})
		}
	}
}

// TestEquivalence checks, on the benchmark inputs, that each library
// verifies the other's signatures and that the floor hashes exactly the
// bytes Yubin signs.
func TestEquivalence(t *testing.T) {
	for _, sz := range sizes {
		msg := message(sz.size)
		for _, k := range keys() {
			res := staticTXT{"sel._domainkey.example.com": record(k.key)}
			ours, err := signYubin(msg, k.key)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := signGoMsgauth(msg, k.key)
			if err != nil {
				t.Fatal(err)
			}
			for _, signed := range [][]byte{append([]byte(ours), msg...), append([]byte(theirs), msg...)} {
				if err := verifyYubin(signed, res); err != nil {
					t.Errorf("%s %s: %v", sz.name, k.name, err)
				}
				if err := verifyGoMsgauth(signed, res); err != nil {
					t.Errorf("%s %s: %v", sz.name, k.name, err)
				}
			}
			fl := floorInputs(msg, ours)
			sig, err := floorSign(fl, k.key)
			if err != nil {
				t.Fatal(err)
			}
			if !floorVerify(fl, k.key.Public(), sig) {
				t.Errorf("%s %s: floor signature does not verify", sz.name, k.name)
			}
			// The floor's body hash must equal bh= of Yubin's signature,
			// and the floor's signature must verify under Yubin.
			bh, _ := fl.digest()
			parsed, err := dkim.ParseSignature(ours[strings.IndexByte(ours, ':')+1:])
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(bh, parsed.BodyHash) {
				t.Errorf("%s %s: floor body hash differs", sz.name, k.name)
			}
			if _, ok := k.key.(ed25519.PrivateKey); ok && !bytes.Equal(sig, parsed.Signature) {
				t.Errorf("%s %s: floor ed25519 signature differs from Yubin's", sz.name, k.name)
			}
		}
	}
}
