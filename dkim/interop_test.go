package dkim

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/dnsmock"
)

const python = "/usr/bin/python3"

// needDKIMPy skips unless /usr/bin/python3 can import dkim (Debian package
// python3-dkim); with YUBIN_INTEROP=require a missing peer fails.
func needDKIMPy(t *testing.T) {
	t.Helper()
	err := exec.Command(python, "-c", "import dkim").Run()
	if err == nil {
		return
	}
	if os.Getenv("YUBIN_INTEROP") == "require" {
		t.Fatalf("dkimpy (python3-dkim) required: %v", err)
	}
	t.Skip("dkimpy not available:", err)
}

type pyJob struct {
	Op     string `json:"op"`
	Msg    string `json:"msg"`
	Record string `json:"record,omitempty"`
	Algo   string `json:"algo,omitempty"`
	Canon  string `json:"canon,omitempty"`
	Key    string `json:"key,omitempty"`
}

// runPy runs all jobs in one dkimpy process (python starts slowly).
func runPy(t *testing.T, jobs []pyJob) []string {
	t.Helper()
	in, err := json.Marshal(jobs)
	require.NoError(t, err)
	cmd := exec.Command(python, "testdata/dkimpy.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	var answers []string
	require.NoError(t, json.Unmarshal(out, &answers))
	require.Len(t, answers, len(jobs))
	return answers
}

const interopMsg = "From: Joe <joe@example.org>\r\nTo: Ann <ann@example.net>\r\n" +
	"Subject: interop  test\r\n\twith folding\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n" +
	"Message-ID: <x@example.org>\r\n\r\nHello   there,  \r\n\r\n\tindented line\t\r\n\r\n\r\n"

var canonPairs = []string{"simple/simple", "simple/relaxed", "relaxed/simple", "relaxed/relaxed"}

// TestInteropWeSignDKIMPyVerifies: every signature we make over RSA and
// ed25519 and the four canonicalization pairs verifies in dkimpy, and a
// tampered copy does not.
func TestInteropWeSignDKIMPyVerifies(t *testing.T) {
	needDKIMPy(t)
	var jobs []pyJob
	var names []string
	for _, name := range []string{"rsa", "ed25519"} {
		key := map[string]crypto.Signer{"rsa": testRSA, "ed25519": testEd}[name]
		rec, err := FormatKeyRecord(key.Public())
		require.NoError(t, err)
		for _, cp := range canonPairs {
			hc, bc, _ := strings.Cut(cp, "/")
			field, err := Sign(strings.NewReader(interopMsg), &SignOptions{Domain: "example.org", Selector: "go",
				Key: key, HeaderCanon: Canonicalization(hc), BodyCanon: Canonicalization(bc)})
			require.NoError(t, err)
			signed := field + interopMsg
			bad := strings.Replace(signed, "indented", "Indented", 1)
			jobs = append(jobs, pyJob{Op: "verify", Msg: signed, Record: rec}, pyJob{Op: "verify", Msg: bad, Record: rec})
			names = append(names, name+"/"+cp, name+"/"+cp+" tampered")
		}
	}
	got := runPy(t, jobs)
	for i, n := range names {
		want := "pass"
		if strings.HasSuffix(n, "tampered") {
			want = "fail"
		}
		require.Equal(t, want, got[i], n)
	}
}

// TestInteropDKIMPySignsWeVerify: dkimpy signs over RSA and ed25519 and the
// four canonicalization pairs, and we verify.
func TestInteropDKIMPySignsWeVerify(t *testing.T) {
	needDKIMPy(t)
	rsaPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY",
		Bytes: x509.MarshalPKCS1PrivateKey(testRSA.(*rsa.PrivateKey))}))
	edKey := base64.StdEncoding.EncodeToString(testEd.Seed())
	algos := []struct {
		name, key string
		pub       crypto.PublicKey
	}{
		{"rsa-sha256", rsaPEM, testRSA.Public()},
		{"ed25519-sha256", edKey, testEd.Public()},
	}
	var jobs []pyJob
	for _, a := range algos {
		for _, cp := range canonPairs {
			jobs = append(jobs, pyJob{Op: "sign", Msg: interopMsg, Algo: a.name, Canon: cp, Key: a.key})
		}
	}
	fields := runPy(t, jobs)
	for i, job := range jobs {
		a := algos[i/len(canonPairs)]
		rec, err := FormatKeyRecord(a.pub)
		require.NoError(t, err)
		res := &dnsmock.Resolver{TXT: map[string][]string{"py._domainkey.example.org": {rec}}}
		field := strings.ReplaceAll(strings.ReplaceAll(fields[i], "\r\n", "\n"), "\n", "\r\n")
		out, err := Verify(context.Background(), strings.NewReader(field+interopMsg), &VerifyOptions{Resolver: res})
		require.NoError(t, err)
		require.Len(t, out, 1)
		require.Equal(t, StatusPass, out[0].Status, job.Algo+" "+job.Canon+": "+out[0].Reason)
		require.Equal(t, Algorithm(a.name), out[0].Algorithm)
		require.Equal(t, job.Canon, string(out[0].Signature.HeaderCanon)+"/"+string(out[0].Signature.BodyCanon))
	}
}
