package maildir

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxSize is the size limit of one delivered message when
// DeliverOptions.MaxSize is zero.
const DefaultMaxSize = 1 << 30

// ErrTooLarge is returned by Deliver when the message exceeds the size limit.
// Nothing is delivered.
var ErrTooLarge = errors.New("maildir: message too large")

// ErrBadFolder is returned for a Maildir++ folder name that is empty, holds a
// path separator, or starts or ends with a dot.
var ErrBadFolder = errors.New("maildir: invalid folder name")

// Dir is the path of a Maildir.
type Dir string

// Create makes the Maildir at path (and its tmp, new and cur directories)
// when it does not exist yet, with permissions 0700.
func Create(path string) (Dir, error) {
	for _, sub := range []string{"tmp", "new", "cur"} {
		if err := os.MkdirAll(filepath.Join(path, sub), 0o700); err != nil {
			return "", fmt.Errorf("maildir: create: %w", err)
		}
	}
	return Dir(path), nil
}

// Folder opens the Maildir++ folder name below d, creating it when needed.
// Hierarchy levels are separated by dots: "Archive.2026" is a child of
// "Archive". The name "INBOX" (any case) or "" is d itself.
func (d Dir) Folder(name string) (Dir, error) {
	if name == "" || strings.EqualFold(name, "INBOX") {
		return d, nil
	}
	if strings.ContainsAny(name, "/\\\x00\r\n") || strings.HasPrefix(name, ".") ||
		strings.HasSuffix(name, ".") || strings.Contains(name, "..") {
		return "", fmt.Errorf("%w: %q", ErrBadFolder, name)
	}
	sub, err := Create(filepath.Join(string(d), "."+name))
	if err != nil {
		return "", err
	}
	marker := filepath.Join(string(sub), "maildirfolder")
	f, err := os.OpenFile(marker, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return "", fmt.Errorf("maildir: folder marker: %w", err)
	}
	return sub, f.Close()
}

// Folders lists the Maildir++ folder names below d, sorted.
func (d Dir) Folders() ([]string, error) {
	entries, err := os.ReadDir(string(d))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() && len(n) > 1 && n[0] == '.' && n != ".." {
			names = append(names, n[1:])
		}
	}
	sort.Strings(names)
	return names, nil
}

// DeliverOptions controls Deliver. A nil *DeliverOptions is the zero value.
type DeliverOptions struct {
	// ReturnPath, when set, is written as a Return-Path field at the top of
	// the message (RFC 5321 section 4.4). Give the reverse-path with its
	// angle brackets, for example "<alice@example.org>" or "<>".
	ReturnPath string
	// DeliveredTo, when set, is written as a Delivered-To field: the final
	// recipient address, which helps detect mail loops after forwarding.
	DeliveredTo string
	// Hostname goes into the unique file name. Default: os.Hostname.
	Hostname string
	// MaxSize bounds the message size in bytes. Default: DefaultMaxSize.
	MaxSize int64
	// Now gives the delivery time. Default: time.Now.
	Now func() time.Time
}

// Deliver writes the message read from r into d's new directory and returns
// its unique name. It returns only after the file and its directory entry are
// on disk. On any error (including a cancelled ctx) nothing becomes visible
// in new, and the temporary file is removed.
func (d Dir) Deliver(ctx context.Context, r io.Reader, opts *DeliverOptions) (string, error) {
	if opts == nil {
		opts = &DeliverOptions{}
	}
	base, err := uniqueName(opts)
	if err != nil {
		return "", err
	}
	tmpPath := filepath.Join(string(d), "tmp", base)
	f, err := os.OpenFile(tmpPath, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", fmt.Errorf("maildir: deliver: %w", err)
	}
	size, err := writeMessage(ctx, f, r, opts)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmpPath)
		return "", err
	}
	name := base + ",S=" + strconv.FormatInt(size, 10)
	if err := os.Rename(tmpPath, filepath.Join(string(d), "new", name)); err != nil {
		os.Remove(tmpPath)
		return "", fmt.Errorf("maildir: deliver: %w", err)
	}
	if err := syncDir(filepath.Join(string(d), "new")); err != nil {
		return "", err
	}
	return name, nil
}

func uniqueName(opts *DeliverOptions) (string, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	host := opts.Hostname
	if host == "" {
		host, _ = os.Hostname()
		if host == "" {
			host = "localhost"
		}
	}
	// The Maildir spec asks for "/" and ":" in the host part to be escaped.
	host = strings.NewReplacer("/", `\057`, ":", `\072`, ",", `\054`).Replace(host)
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", fmt.Errorf("maildir: random: %w", err)
	}
	t := now()
	return fmt.Sprintf("%d.M%dP%dR%s.%s", t.Unix(), t.Nanosecond()/1000, os.Getpid(),
		hex.EncodeToString(rnd[:]), host), nil
}

// writeMessage writes the trace fields and then the message, returning the
// number of bytes written.
func writeMessage(ctx context.Context, f *os.File, r io.Reader, opts *DeliverOptions) (int64, error) {
	max := opts.MaxSize
	if max <= 0 {
		max = DefaultMaxSize
	}
	br := bufio.NewReaderSize(r, 32*1024)
	eol := lineEnding(br)
	w := bufio.NewWriterSize(f, 32*1024)
	var n int64
	for _, fld := range []struct{ name, value string }{
		{"Return-Path", opts.ReturnPath},
		{"Delivered-To", opts.DeliveredTo},
	} {
		if fld.value == "" {
			continue
		}
		if strings.ContainsAny(fld.value, "\r\n") {
			return 0, fmt.Errorf("maildir: %s holds a line break", fld.name)
		}
		k, _ := w.WriteString(fld.name + ": " + fld.value + eol)
		n += int64(k)
	}
	// Copy at most max+1 bytes so that an overrun is seen.
	k, err := io.Copy(w, io.LimitReader(ctxReader{ctx, br}, max-n+1))
	n += k
	if err != nil {
		return n, fmt.Errorf("maildir: deliver: %w", err)
	}
	if n > max {
		return n, ErrTooLarge
	}
	return n, w.Flush()
}

// lineEnding reports the line ending of the message's first line, so that
// prepended fields match it. It defaults to CRLF.
func lineEnding(br *bufio.Reader) string {
	peek, _ := br.Peek(4096)
	if i := strings.IndexByte(string(peek), '\n'); i > 0 && peek[i-1] != '\r' {
		return "\n"
	}
	return "\r\n"
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func syncDir(path string) error {
	d, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("maildir: sync: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("maildir: sync: %w", err)
	}
	return nil
}

// CleanTmp removes files in tmp that are older than age: the leftovers of
// deliveries that were interrupted. The Maildir spec suggests 36 hours.
func (d Dir) CleanTmp(age time.Duration) (removed int, err error) {
	dir := filepath.Join(string(d), "tmp")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	cutoff := time.Now().Add(-age)
	for _, e := range entries {
		info, ierr := e.Info()
		if ierr != nil || !info.Mode().IsRegular() || info.ModTime().After(cutoff) {
			continue
		}
		if rerr := os.Remove(filepath.Join(dir, e.Name())); rerr == nil {
			removed++
		} else if !errors.Is(rerr, fs.ErrNotExist) {
			err = rerr
		}
	}
	return removed, err
}
