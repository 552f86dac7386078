package maildir

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func newDir(t *testing.T) Dir {
	t.Helper()
	d, err := Create(filepath.Join(t.TempDir(), "Maildir"))
	require.NoError(t, err)
	return d
}

func TestDeliver(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		opts *DeliverOptions
		want string
	}{
		{"plain", "Subject: hi\r\n\r\nbody\r\n", nil, "Subject: hi\r\n\r\nbody\r\n"},
		{"trace CRLF", "Subject: hi\r\n\r\nbody\r\n",
			&DeliverOptions{ReturnPath: "<a@example.org>", DeliveredTo: "b@example.test"},
			"Return-Path: <a@example.org>\r\nDelivered-To: b@example.test\r\nSubject: hi\r\n\r\nbody\r\n"},
		{"trace LF", "Subject: hi\n\nbody\n", &DeliverOptions{ReturnPath: "<>"},
			"Return-Path: <>\nSubject: hi\n\nbody\n"},
		{"empty", "", &DeliverOptions{ReturnPath: "<>"}, "Return-Path: <>\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDir(t)
			name, err := d.Deliver(context.Background(), strings.NewReader(tt.msg), tt.opts)
			require.NoError(t, err)
			got, err := os.ReadFile(filepath.Join(string(d), "new", name))
			require.NoError(t, err)
			require.Equal(t, tt.want, string(got))
			_, size, _, err := ParseName(name)
			require.NoError(t, err)
			require.EqualValues(t, len(tt.want), size)
			tmp, err := os.ReadDir(filepath.Join(string(d), "tmp"))
			require.NoError(t, err)
			require.Empty(t, tmp)
		})
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	k := min(len(p), f.n)
	for i := range p[:k] {
		p[i] = 'x'
	}
	f.n -= k
	return k, nil
}

func TestDeliverFailureLeavesNothing(t *testing.T) {
	d := newDir(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name string
		ctx  context.Context
		r    io.Reader
		opts *DeliverOptions
		is   error
	}{
		{"reader error", context.Background(), &failingReader{n: 100000}, nil, nil},
		{"cancelled", ctx, strings.NewReader("a: b\r\n\r\n"), nil, context.Canceled},
		{"too large", context.Background(), strings.NewReader(strings.Repeat("x", 100)),
			&DeliverOptions{MaxSize: 99}, ErrTooLarge},
		{"injection", context.Background(), strings.NewReader("a: b\r\n\r\n"),
			&DeliverOptions{ReturnPath: "<a@b>\r\nBcc: x"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := d.Deliver(c.ctx, c.r, c.opts)
			require.Error(t, err)
			if c.is != nil {
				require.ErrorIs(t, err, c.is)
			}
			for _, sub := range []string{"tmp", "new", "cur"} {
				entries, err := os.ReadDir(filepath.Join(string(d), sub))
				require.NoError(t, err)
				require.Empty(t, entries, sub)
			}
		})
	}
}

func TestDeliverExactSizeLimit(t *testing.T) {
	d := newDir(t)
	_, err := d.Deliver(context.Background(), strings.NewReader(strings.Repeat("x", 99)),
		&DeliverOptions{MaxSize: 99})
	require.NoError(t, err)
}

func TestConcurrentDeliveriesAreUnique(t *testing.T) {
	d := newDir(t)
	fixed := time.Unix(1700000000, 0)
	var wg sync.WaitGroup
	names := make([]string, 50)
	for i := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := d.Deliver(context.Background(), strings.NewReader("x: y\r\n\r\n"),
				&DeliverOptions{Now: func() time.Time { return fixed }, Hostname: "h/o:st"})
			require.NoError(t, err)
			names[i] = n
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, n := range names {
		require.False(t, seen[n], n)
		seen[n] = true
		require.True(t, strings.HasPrefix(n, "1700000000.M0P"), n)
		require.Contains(t, n, `.h\057o\072st,S=8`)
	}
	msgs, err := d.Messages()
	require.NoError(t, err)
	require.Len(t, msgs, 50)
	for _, m := range msgs {
		require.True(t, m.New)
		require.EqualValues(t, 8, m.Size)
	}
}

func TestFolders(t *testing.T) {
	d := newDir(t)
	for _, name := range []string{"Sent", "Archive.2026", "Archive"} {
		f, err := d.Folder(name)
		require.NoError(t, err)
		require.FileExists(t, filepath.Join(string(f), "maildirfolder"))
		require.DirExists(t, filepath.Join(string(f), "new"))
	}
	self, err := d.Folder("inbox")
	require.NoError(t, err)
	require.Equal(t, d, self)
	for _, bad := range []string{".x", "x.", "a/b", "a..b", "../x", "a\x00"} {
		_, err := d.Folder(bad)
		require.ErrorIs(t, err, ErrBadFolder, bad)
	}
	names, err := d.Folders()
	require.NoError(t, err)
	require.Equal(t, []string{"Archive", "Archive.2026", "Sent"}, names)
}

func TestCleanTmp(t *testing.T) {
	d := newDir(t)
	old := filepath.Join(string(d), "tmp", "old")
	fresh := filepath.Join(string(d), "tmp", "fresh")
	require.NoError(t, os.WriteFile(old, []byte("partial"), 0o600))
	require.NoError(t, os.WriteFile(fresh, []byte("partial"), 0o600))
	past := time.Now().Add(-48 * time.Hour)
	require.NoError(t, os.Chtimes(old, past, past))
	n, err := d.CleanTmp(36 * time.Hour)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.NoFileExists(t, old)
	require.FileExists(t, fresh)
}

func TestParseName(t *testing.T) {
	tests := []struct {
		in    string
		key   string
		size  int64
		flags string
		err   bool
	}{
		{"1.M2P3R4.host,S=120", "1.M2P3R4.host,S=120", 120, "", false},
		{"1.M2P3R4.host,S=120:2,SRF", "1.M2P3R4.host,S=120", 120, "FRS", false},
		{"1.M2P3R4.host,S=120,W=124:2,", "1.M2P3R4.host,S=120,W=124", 120, "", false},
		{"1.host:2,SSa", "1.host", -1, "Sa", false},
		{"1.host,S=x", "1.host,S=x", -1, "", false},
		{"1.host:1,xyz", "", -1, "", true},
		{":2,S", "", -1, "", true},
		{"", "", -1, "", true},
	}
	for _, tt := range tests {
		key, size, flags, err := ParseName(tt.in)
		if tt.err {
			require.ErrorIs(t, err, ErrBadName, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.key, key, tt.in)
		require.Equal(t, tt.size, size, tt.in)
		require.Equal(t, tt.flags, flags, tt.in)
	}
	require.Equal(t, "k:2,FS", FormatName("k", "SFS"))
}

func FuzzParseName(f *testing.F) {
	for _, s := range []string{"1.M2P3R4.host,S=120:2,SRF", "a:2,", "x,S=9", ":", "a:b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		key, size, flags, err := ParseName(name)
		if err != nil {
			return
		}
		// A parsed name formats back to a name that parses to the same parts.
		k2, s2, f2, err := ParseName(FormatName(key, flags))
		require.NoError(t, err)
		require.Equal(t, key, k2)
		require.Equal(t, size, s2)
		require.Equal(t, flags, f2)
	})
}
