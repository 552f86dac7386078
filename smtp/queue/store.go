package queue

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Item is one queued message and the state of its recipients. It is what a
// Store keeps next to the message bytes.
type Item struct {
	ID string `json:"id"`
	// From is the reverse-path in wire form, "<a@b.example>" or "<>".
	From string `json:"from"`
	// MailParams are the MAIL parameters in wire form (SIZE, BODY, RET,
	// ENVID, SMTPUTF8, ...), kept for the next hop and for DSNs.
	MailParams string      `json:"mail_params,omitempty"`
	Rcpts      []RcptState `json:"rcpts"`
	Size       int64       `json:"size"`
	Created    time.Time   `json:"created"`
	// NextAttempt is when the item is due; Attempts counts the tries made.
	NextAttempt   time.Time `json:"next_attempt"`
	Attempts      int       `json:"attempts"`
	DelayNotified bool      `json:"delay_notified,omitempty"`
}

// Recipient states.
const (
	Pending   = "pending"
	Delivered = "delivered"
	Failed    = "failed"
)

// RcptState is one recipient of an Item.
type RcptState struct {
	// Path and Params are the forward-path and RCPT parameters in wire
	// form: "<b@c.example>", "NOTIFY=FAILURE ORCPT=rfc822;b@c.example".
	Path   string `json:"path"`
	Params string `json:"params,omitempty"`
	// State is Pending, Delivered or Failed.
	State string `json:"state"`
	// The last reply for this recipient.
	Code      int    `json:"code,omitempty"`
	Enhanced  string `json:"enhanced,omitempty"`
	Message   string `json:"message,omitempty"`
	RemoteMTA string `json:"remote_mta,omitempty"`
	// Notified is set once a failure DSN for this recipient was queued.
	Notified bool `json:"notified,omitempty"`
}

// ErrNotFound is returned for an unknown item ID.
var ErrNotFound = errors.New("queue: no such item")

// Store keeps queued messages durably. Put must not return before the
// message and its item are on stable storage; Update and Remove likewise.
// Implementations must be safe for concurrent use on different IDs.
type Store interface {
	// Put stores the message read from r with the item, and returns the
	// item with its ID and Size set.
	Put(it *Item, r io.Reader) (*Item, error)
	// Open returns the message bytes of an item.
	Open(id string) (Message, error)
	// Update replaces the stored item (same ID).
	Update(it *Item) error
	// Remove deletes an item and its message.
	Remove(id string) error
	// List returns every stored item.
	List() ([]*Item, error)
}

// Message is an open queued message.
type Message interface {
	io.ReaderAt
	io.Closer
}

// FileStore is a Store in a directory: the message bytes in msg/ID, the item
// as JSON in items/ID.json. Each file is written in tmp/, synced, renamed
// into place, and its directory synced, so a crash leaves either the old or
// the new state. An item exists only once its JSON file does: a message file
// without one (a Put cut short) is removed by List.
type FileStore struct {
	dir string
}

// NewFileStore opens (creating when needed) a FileStore in dir.
func NewFileStore(dir string) (*FileStore, error) {
	for _, sub := range []string{"tmp", "msg", "items"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("queue: %w", err)
		}
	}
	return &FileStore{dir: dir}, nil
}

func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return strconv.FormatInt(time.Now().UnixMilli(), 36) + "-" + hex.EncodeToString(b[:])
}

func validID(id string) bool {
	return id != "" && !strings.ContainsAny(id, `/\.`) && len(id) < 100
}

// Put implements Store.
func (s *FileStore) Put(it *Item, r io.Reader) (*Item, error) {
	cp := *it
	cp.ID = newID()
	n, err := s.writeFile(filepath.Join(s.dir, "msg", cp.ID), r)
	if err != nil {
		return nil, err
	}
	cp.Size = n
	if err := s.Update(&cp); err != nil {
		os.Remove(filepath.Join(s.dir, "msg", cp.ID))
		return nil, err
	}
	return &cp, nil
}

// writeFile writes r to path through tmp/, with fsync of the file and of
// the target directory.
func (s *FileStore) writeFile(path string, r io.Reader) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "put-*")
	if err != nil {
		return 0, fmt.Errorf("queue: %w", err)
	}
	n, err := io.Copy(tmp, r)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return 0, fmt.Errorf("queue: %w", err)
	}
	return n, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Open implements Store.
func (s *FileStore) Open(id string) (Message, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	f, err := os.Open(filepath.Join(s.dir, "msg", id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}

// Update implements Store.
func (s *FileStore) Update(it *Item) error {
	if !validID(it.ID) {
		return ErrNotFound
	}
	b, err := json.Marshal(it)
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	_, err = s.writeFile(filepath.Join(s.dir, "items", it.ID+".json"), strings.NewReader(string(b)))
	return err
}

// Remove implements Store. The item file goes first, so that a crash in
// between leaves an orphan message that List cleans up, never an item
// without its message.
func (s *FileStore) Remove(id string) error {
	if !validID(id) {
		return ErrNotFound
	}
	if err := os.Remove(filepath.Join(s.dir, "items", id+".json")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("queue: %w", err)
	}
	syncDir(filepath.Join(s.dir, "items"))
	if err := os.Remove(filepath.Join(s.dir, "msg", id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("queue: %w", err)
	}
	return nil
}

// List implements Store. It also removes leftovers of interrupted writes:
// files in tmp/ and message files without an item, when older than a minute
// (so that a Put under way is left alone).
func (s *FileStore) List() ([]*Item, error) {
	entries, err := os.ReadDir(filepath.Join(s.dir, "items"))
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	var items []*Item
	have := map[string]bool{}
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !validID(id) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(s.dir, "items", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("queue: %w", err)
		}
		var it Item
		if err := json.Unmarshal(b, &it); err != nil || it.ID != id {
			return nil, fmt.Errorf("queue: corrupt item %s: %v", id, err)
		}
		items = append(items, &it)
		have[id] = true
	}
	s.cleanup(have)
	return items, nil
}

func (s *FileStore) cleanup(have map[string]bool) {
	cutoff := time.Now().Add(-time.Minute)
	for _, sub := range []string{"tmp", "msg"} {
		entries, _ := os.ReadDir(filepath.Join(s.dir, sub))
		for _, e := range entries {
			info, err := e.Info()
			if err != nil || info.ModTime().After(cutoff) || (sub == "msg" && have[e.Name()]) {
				continue
			}
			os.Remove(filepath.Join(s.dir, sub, e.Name()))
		}
	}
}
