package smtpwire

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		in   string
		want Command
		err  error
	}{
		{in: "EHLO client.example", want: Command{Verb: "EHLO", Arg: "client.example"}},
		{in: "mail FROM:<a@b> SIZE=10  ", want: Command{Verb: "MAIL", Arg: "FROM:<a@b> SIZE=10"}},
		{in: "QUIT", want: Command{Verb: "QUIT"}},
		{in: "xfoo bar", want: Command{Verb: "XFOO", Arg: "bar"}},
		{in: "", err: ErrEmptyCommand},
		{in: "   ", err: ErrEmptyCommand},
		{in: "MA1L x", err: ErrBadVerb},
		{in: " MAIL", err: ErrBadVerb},
		{in: "MAIL\x00FROM", err: ErrControlChar},
		{in: "RCPT TO:<a\rb>", err: ErrControlChar},
		{in: strings.Repeat("A", MaxVerb+1), err: ErrBadVerb},
		{in: "RCPT TO:<δ@例え.jp>", want: Command{Verb: "RCPT", Arg: "TO:<δ@例え.jp>"}},
	}
	for _, tc := range tests {
		got, err := ParseCommand([]byte(tc.in))
		if tc.err != nil {
			require.ErrorIs(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got)
	}
}

func TestCutPrefixFold(t *testing.T) {
	s, ok := CutPrefixFold("from: <a@b>", "FROM:")
	require.True(t, ok)
	require.Equal(t, "<a@b>", s)
	_, ok = CutPrefixFold("TO:<a>", "FROM:")
	require.False(t, ok)
}

func TestReadLine(t *testing.T) {
	br := bufio.NewReaderSize(strings.NewReader("short\r\n"+strings.Repeat("x", 100)+"\r\nnext\nlast"), 64)
	line, err := ReadLine(br, 64)
	require.NoError(t, err)
	require.Equal(t, "short", string(line))
	_, err = ReadLine(br, 64)
	var le *LineTooLongError
	require.ErrorAs(t, err, &le)
	require.True(t, le.Drained)
	line, err = ReadLine(br, 64)
	require.NoError(t, err)
	require.Equal(t, "next", string(line))
	_, err = ReadLine(br, 64)
	require.Error(t, err)

	// Without any LF, only a bounded amount is read.
	src := &countingReader{}
	br = bufio.NewReaderSize(src, 64)
	_, err = ReadLine(br, 64)
	require.ErrorIs(t, err, ErrLineTooLong)
	require.ErrorAs(t, err, &le)
	require.False(t, le.Drained)
	require.LessOrEqual(t, src.n, drainFactor*64+128)
}

func TestReadLineLongerThanBuffer(t *testing.T) {
	long := strings.Repeat("z", 100)
	br := bufio.NewReaderSize(strings.NewReader(long+"\r\n"+long+long+"\n"), 16)
	line, err := ReadLine(br, 120)
	require.NoError(t, err)
	require.Equal(t, long, string(line))
	_, err = ReadLine(br, 120)
	var le *LineTooLongError
	require.ErrorAs(t, err, &le)
	require.True(t, le.Drained)
}

type countingReader struct{ n int }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	c.n += len(p)
	return len(p), nil
}

func TestWriteReplyInjection(t *testing.T) {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	require.NoError(t, WriteReply(w, 550, "5.1.1", "no such user\r\n250 2.0.0 OK\rfake\nline\x00x"))
	w.Flush()
	require.Equal(t, "550-5.1.1 no such user\r\n550-5.1.1 250 2.0.0 OK\r\n550-5.1.1 fake\r\n550 5.1.1 line?x\r\n", buf.String())
	r, err := ReadReply(bufio.NewReader(&buf), 0, 0)
	require.NoError(t, err)
	require.Equal(t, 550, r.Code)
	require.Equal(t, "5.1.1", r.Enhanced)
	require.Equal(t, []string{"no such user", "250 2.0.0 OK", "fake", "line?x"}, r.Lines)
	require.Error(t, WriteReply(w, 99, "", "x"))
}

func TestReadReply(t *testing.T) {
	tests := []struct {
		in   string
		want Reply
		err  error
	}{
		{in: "250 ok\r\n", want: Reply{Code: 250, Lines: []string{"ok"}}},
		{in: "250-mx\r\n250-PIPELINING\r\n250 SIZE 10\r\n", want: Reply{Code: 250, Lines: []string{"mx", "PIPELINING", "SIZE 10"}}},
		{in: "421\r\n", want: Reply{Code: 421, Lines: []string{""}}},
		{in: "550 2.1.1 mismatched class\r\n", want: Reply{Code: 550, Lines: []string{"2.1.1 mismatched class"}}},
		{in: "250-a\r\n251 b\r\n", err: ErrMalformedReply},
		{in: "25x ok\r\n", err: ErrMalformedReply},
		{in: "250_ok\r\n", err: ErrMalformedReply},
		{in: strings.Repeat("250-x\r\n", 300), err: ErrReplyTooLong},
	}
	for _, tc := range tests {
		r, err := ReadReply(bufio.NewReader(strings.NewReader(tc.in)), 0, 0)
		if tc.err != nil {
			require.ErrorIs(t, err, tc.err)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tc.want, r)
	}
}

func TestParseBDAT(t *testing.T) {
	n, last, err := ParseBDAT("100 LAST")
	require.NoError(t, err)
	require.Equal(t, int64(100), n)
	require.True(t, last)
	n, last, err = ParseBDAT("0")
	require.NoError(t, err)
	require.Zero(t, n)
	require.False(t, last)
	for _, bad := range []string{"", "-1", "x", "1 FIRST", "99999999999999999999", "+1"} {
		_, _, err := ParseBDAT(bad)
		require.ErrorIs(t, err, ErrBadBDAT, bad)
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"EHLO x", "MAIL FROM:<a@b> SIZE=1", "RCPT TO:<x>", "BDAT 10 LAST", "", "\x00", "quit"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		cmd, err := ParseCommand(line)
		if err != nil {
			return
		}
		again, err := ParseCommand([]byte(cmd.String()))
		require.NoError(t, err)
		require.Equal(t, cmd, again)
		ParseBDAT(cmd.Arg)
	})
}

func FuzzReadReply(f *testing.F) {
	f.Add([]byte("250-a\r\n250 2.0.0 b\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := ReadReply(bufio.NewReader(bytes.NewReader(in)), 512, 10)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		w := bufio.NewWriter(&buf)
		require.NoError(t, WriteReply(w, r.Code, r.Enhanced, strings.Join(r.Lines, "\n")))
		w.Flush()
		again, err := ReadReply(bufio.NewReader(&buf), 0, 0)
		require.NoError(t, err)
		require.Equal(t, r.Code, again.Code)
	})
}

func TestHasLineAndHTTPVerb(t *testing.T) {
	br := bufio.NewReader(strings.NewReader("NOOP\r\nQU"))
	require.False(t, HasLine(br)) // nothing buffered yet
	br.Peek(1)
	require.True(t, HasLine(br))
	ReadLine(br, 0)
	require.False(t, HasLine(br)) // "QU" is a partial line
	for _, v := range []string{"GET", "POST", "CONNECT", "HEAD", "PUT", "OPTIONS"} {
		require.True(t, IsHTTPVerb(v))
	}
	require.False(t, IsHTTPVerb("MAIL"))
	require.Equal(t, "a b", Reply{Lines: []string{"a", "b"}}.Text())
	require.Contains(t, (&LineTooLongError{Max: 5}).Error(), "5 octets")
}
