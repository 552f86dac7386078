package message

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }

// requirePeer skips a test whose interop peer is missing, or fails it when
// YUBIN_INTEROP=require.
func requirePeer(t *testing.T, name string) {
	t.Helper()
	if os.Getenv("YUBIN_INTEROP") == "require" {
		t.Fatalf("interop peer %s is missing", name)
	}
	t.Skipf("interop peer %s is missing", name)
}
