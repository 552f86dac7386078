package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

func runDump(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// TestGoldenJSON dumps each message of ../../message/testdata and compares
// with testdata/NAME.json.
func TestGoldenJSON(t *testing.T) {
	files, _ := filepath.Glob("../../message/testdata/*.eml")
	require.NotEmpty(t, files)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".eml")
		t.Run(name, func(t *testing.T) {
			out, stderr, code := runDump(t, "-json", f)
			require.Equal(t, 0, code, stderr)
			require.True(t, json.Valid([]byte(out)))
			golden := filepath.Join("testdata", name+".json")
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(out), 0o644))
				return
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			require.Equal(t, string(want), out)
		})
	}
}

func TestContract(t *testing.T) {
	out, _, code := runDump(t, "-json", "../../message/testdata/05-forwarded.eml")
	require.Equal(t, 0, code)
	var d map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &d))
	require.Equal(t, "fwd-1@example.org", d["message_id"])
	require.Equal(t, "2026-11-26T12:00:00Z", d["date"])
	var paths []string
	for _, p := range d["parts"].([]any) {
		part := p.(map[string]any)
		paths = append(paths, part["path"].(string))
		_, hasText := part["text"]
		_, hasCharset := part["charset"]
		isText := strings.HasPrefix(part["content_type"].(string), "text/")
		require.Equal(t, isText, hasText)
		require.Equal(t, isText, hasCharset)
	}
	require.Equal(t, []string{"1", "2.1", "2.2", "3.1"}, paths)

	out, _, _ = runDump(t, "-json", "../../message/testdata/03-japanese-iso2022jp.eml")
	var jp Dump
	require.NoError(t, json.Unmarshal([]byte(out), &jp))
	require.Equal(t, "会議の件", jp.Subject)
	require.Equal(t, []Mailbox{{Name: "鈴木一郎", Address: "suzuki@example.co.jp"}}, jp.From)
	require.Equal(t, "2026-11-24T09:30:00+09:00", jp.Date)
	require.Equal(t, "山田様\n\n来週の会議について、資料を添付します。\nよろしくお願いいたします。\n", *jp.Parts[0].Text)
}

func TestTree(t *testing.T) {
	out, _, code := runDump(t, "../../message/testdata/06-malformed-parts.eml")
	require.Equal(t, 0, code)
	require.Contains(t, out, "Subject: broken parts\n")
	require.Contains(t, out, "  1 application/octet-stream [base64, 19 bytes, 2 lines]\n")
	require.Contains(t, out, "! mime: qp-bad-escape")
}

func TestUsage(t *testing.T) {
	_, stderr, code := runDump(t, "-h")
	require.Equal(t, 0, code)
	require.Contains(t, stderr, "usage: mimedump")
	_, _, code = runDump(t)
	require.Equal(t, 2, code)
	_, stderr, code = runDump(t, "/nonexistent/file")
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "no such file")
}

func TestStdin(t *testing.T) {
	var out bytes.Buffer
	code := run([]string{"-json", "-"}, strings.NewReader("Subject: hi\r\n\r\nbody\r\n"), &out, &bytes.Buffer{})
	require.Equal(t, 0, code)
	var d Dump
	require.NoError(t, json.Unmarshal(out.Bytes(), &d))
	require.Equal(t, "hi", d.Subject)
	require.Equal(t, "1", d.Parts[0].Path)
	require.Equal(t, "us-ascii", *d.Parts[0].Charset)
	require.Equal(t, "body\n", *d.Parts[0].Text)
}

// TestCorpora runs over every message of the public corpora and checks that
// valid JSON always comes out.
func TestCorpora(t *testing.T) {
	var files []string
	for _, dir := range []string{"../../../shared/corpora/mailparser", "../../../shared/corpora/mime4j"} {
		more, _ := filepath.Glob(dir + "/*")
		files = append(files, more...)
	}
	if len(files) == 0 {
		t.Skip("corpora not present")
	}
	for _, f := range files {
		out, stderr, code := runDump(t, "-json", f)
		require.Equal(t, 0, code, "%s: %s", f, stderr)
		require.True(t, json.Valid([]byte(out)), f)
		var d Dump
		require.NoError(t, json.Unmarshal([]byte(out), &d), f)
		_, _, code = runDump(t, f)
		require.Equal(t, 0, code, f)
	}
}

// TestBinary builds the command and runs it as a user would.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not in PATH")
	}
	bin := filepath.Join(t.TempDir(), "mimedump")
	out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	cmd := exec.Command(bin, "-json", "-")
	cmd.Stdin = strings.NewReader("From: a@x\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n\r\nhi\r\n")
	out, err = cmd.Output()
	require.NoError(t, err)
	require.Contains(t, string(out), `"subject": "café"`)
	out, _ = exec.Command(bin, "-h").CombinedOutput()
	require.Contains(t, string(out), "usage: mimedump")
}
