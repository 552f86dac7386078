package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// build compiles the command once per test binary run.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bounceinfo")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	return bin
}

func TestBounceinfo(t *testing.T) {
	bin := build(t)
	dir := "../../envelope/testdata/dsn"
	files := []string{"postfix.eml", "exim.eml", "not-dsn.eml", "global.eml"}
	args := make([]string, len(files))
	for i, f := range files {
		args[i] = filepath.Join(dir, f)
	}
	args = append(args, filepath.Join(dir, "missing.eml"))
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run())
	want := strings.Join([]string{
		args[0] + "\tfailed\t5.1.1\tnobody@rcpt.test",
		args[0] + "\tdelayed\t4.2.2\tfull@rcpt.test",
		args[1] + "\tfailed\t5.0.0\tgone@rcpt.test",
		args[2] + "\tnot-a-dsn",
		args[3] + "\tfailed\t5.1.1\t用户@例子.测试",
		args[4] + "\tnot-a-dsn",
	}, "\n") + "\n"
	require.Equal(t, want, stdout.String())
	require.Contains(t, stderr.String(), "missing.eml")

	// Standard input.
	in, err := os.ReadFile(args[1])
	require.NoError(t, err)
	cmd = exec.Command(bin, "-")
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	require.NoError(t, err)
	require.Equal(t, "-\tfailed\t5.0.0\tgone@rcpt.test\n", string(out))

	// Help.
	out, err = exec.Command(bin, "-h").CombinedOutput()
	require.NoError(t, err)
	require.Contains(t, string(out), "FILE<TAB>ACTION<TAB>STATUS<TAB>RECIPIENT")
	err = exec.Command(bin).Run()
	require.Error(t, err) // usage error without files
}

// TestCorpus runs over the public bounce corpus: every file gets an answer,
// nothing crashes, and the DSN count matches the corpus shape.
func TestCorpus(t *testing.T) {
	files, _ := filepath.Glob("../../../shared/corpora/bounces/*.eml")
	if len(files) == 0 {
		t.Skip("bounce corpus not present")
	}
	bin := build(t)
	out, err := exec.Command(bin, files...).Output()
	require.NoError(t, err)
	answered := map[string]bool{}
	dsns := 0
	for _, ln := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		cols := strings.Split(ln, "\t")
		require.True(t, len(cols) == 2 || len(cols) == 4, ln)
		if !answered[cols[0]] && len(cols) == 4 {
			dsns++
		}
		if len(cols) == 2 {
			require.Equal(t, "not-a-dsn", cols[1])
		} else {
			require.NotEmpty(t, cols[3], ln)
			require.Regexp(t, `^[245]\.\d{1,3}\.\d{1,3}$`, cols[2], ln)
		}
		answered[cols[0]] = true
	}
	require.Len(t, answered, len(files))
	require.InDelta(t, 343, dsns, 15)
}
