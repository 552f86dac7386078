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
