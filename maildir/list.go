package maildir

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrBadName is returned by ParseName for a file name that is not a Maildir
// message name.
var ErrBadName = errors.New("maildir: invalid message file name")

// Message is one message file in new or cur.
type Message struct {
	Key   string // the unique name without the info suffix
	New   bool   // true when the file is in new (not yet seen by a reader)
	Flags string // the flag letters of the info suffix, sorted; "" for new
	Size  int64  // from the S= field of the name, or the file size
	Path  string // the file's path
}

// Messages lists the messages in new and then cur, each sorted by name.
func (d Dir) Messages() ([]Message, error) {
	var out []Message
	for _, sub := range []string{"new", "cur"} {
		dir := filepath.Join(string(d), sub)
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			key, size, flags, err := ParseName(e.Name())
			if err != nil {
				continue
			}
			if size < 0 {
				if info, ierr := e.Info(); ierr == nil {
					size = info.Size()
				}
			}
			out = append(out, Message{Key: key, New: sub == "new", Flags: flags,
				Size: size, Path: filepath.Join(dir, e.Name())})
		}
	}
	return out, nil
}

// ParseName splits a Maildir file name into its unique key, the Maildir++
// size (S=, or -1 when absent) and the flags of a ":2,"
// info suffix (in ASCII order, without duplicates).
func ParseName(name string) (key string, size int64, flags string, err error) {
	if name == "" || strings.ContainsAny(name, "/\x00") {
		return "", -1, "", ErrBadName
	}
	key, info, hasInfo := strings.Cut(name, ":")
	if key == "" {
		return "", -1, "", ErrBadName
	}
	if hasInfo {
		f, ok := strings.CutPrefix(info, "2,")
		if !ok {
			return "", -1, "", ErrBadName
		}
		flags = normalizeFlags(f)
	}
	size = -1
	for _, field := range strings.Split(key, ",")[1:] {
		if v, ok := strings.CutPrefix(field, "S="); ok {
			if n, perr := strconv.ParseInt(v, 10, 64); perr == nil && n >= 0 {
				size = n
			}
		}
	}
	return key, size, flags, nil
}

// FormatName joins a key and flags into the name of a file in cur.
func FormatName(key, flags string) string {
	return key + ":2," + normalizeFlags(flags)
}

// normalizeFlags returns the ASCII letters of f in ASCII order without
// duplicates, the order the Maildir spec asks for.
func normalizeFlags(f string) string {
	var seen [128]bool
	for i := 0; i < len(f); i++ {
		c := f[i]
		if (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') {
			seen[c] = true
		}
	}
	var b []byte
	for c := range seen {
		if seen[c] {
			b = append(b, byte(c))
		}
	}
	return string(b)
}
