package ascii

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLower(t *testing.T) {
	for in, want := range map[string]string{
		"":                "",
		"example.com":     "example.com",
		"ExAmPle.COM":     "example.com",
		"Bücher.TEST":     "bücher.test",
		"A\xff\xfeB":      "a\xff\xfeb",
		"_DMARC.Example.": "_dmarc.example.",
	} {
		require.Equal(t, want, Lower(in), in)
	}
	s := "already.lower"
	require.Zero(t, testing.AllocsPerRun(10, func() { _ = Lower(s) }))
}

func TestEqualFold(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"", "", true},
		{"From", "from", true},
		{"DKIM-Signature", "dkim-signature", true},
		{"From", "Fro", false},
		{"@", "`", false},
		{"[", "{", false},
		{"dkim", "d\u212aim", false}, // the Kelvin sign is not "k" here
		{"Bücher", "bÜcher", false},  // only ASCII letters fold
		{"a\xff", "A\xff", true},
	} {
		require.Equal(t, c.want, EqualFold(c.a, c.b), "%q %q", c.a, c.b)
	}
	// Against Lower, over every pair of bytes.
	for x := range 256 {
		for y := range 256 {
			a, b := string([]byte{byte(x)}), string([]byte{byte(y)})
			require.Equal(t, Lower(a) == Lower(b), EqualFold(a, b), "%q %q", a, b)
		}
	}
}
