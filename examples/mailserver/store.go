package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/yubinmail/yubin/auth"
	"github.com/yubinmail/yubin/envelope"
	"github.com/yubinmail/yubin/maildir"
	"github.com/yubinmail/yubin/smtp"
	"github.com/yubinmail/yubin/smtp/queue"
)

// store is the backend: local users with Maildirs under one directory.
type store struct {
	dir     string
	domains map[string]bool
	users   map[string]maildir.Dir // lower-case name → Maildir
	first   string
	creds   *auth.MemoryStore
	queue   *queue.Queue // outbound mail from authenticated clients
}

func newStore(dir, domains string, users []string) (*store, error) {
	s := &store{dir: dir, domains: map[string]bool{}, users: map[string]maildir.Dir{}, creds: auth.NewMemoryStore()}
	for _, d := range strings.Split(domains, ",") {
		if d = strings.ToLower(strings.TrimSpace(d)); d != "" {
			s.domains[d] = true
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, ".spool"), 0o700); err != nil {
		return nil, err
	}
	for _, u := range users {
		name, pass, ok := strings.Cut(u, ":")
		name = strings.ToLower(name)
		if !ok || name == "" || strings.ContainsAny(name, "/\\@. ") || name == "spool" {
			return nil, fmt.Errorf("bad -user %q: want name:password", u)
		}
		// CRAM-MD5 needs the plaintext; this demo server keeps it in memory.
		if err := s.creds.SetPlaintext(name, pass, 0); err != nil {
			return nil, err
		}
		md, err := maildir.Create(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		s.users[name] = md
		if s.first == "" {
			s.first = name
		}
	}
	return s, nil
}

// NewSession implements smtp.Backend.
func (s *store) NewSession(ctx context.Context, c *smtp.ConnInfo) (smtp.Session, error) {
	return &session{s: s, info: c}, nil
}

type session struct {
	s      *store
	info   *smtp.ConnInfo
	from   envelope.Path
	params envelope.MailParams
	rcpts  []envelope.Path
	boxes  []maildir.Dir
	remote []envelope.Recipient // for the outbound queue
}

func (t *session) Mail(ctx context.Context, from envelope.Path, p *envelope.MailParams) error {
	t.from, t.params = from, *p
	return nil
}

// Rcpt accepts local users and refuses everything else: unknown local users
// with 550 5.1.1 (never a later bounce), and other domains with 550 5.7.1,
// including relay tricks (a%b@local, b!a@local, "a@b"@local, source routes).
func (t *session) Rcpt(ctx context.Context, to envelope.Path, p *envelope.RcptParams) error {
	if to.IsPostmaster() {
		t.add(to, t.s.users[t.s.postmaster()])
		return nil
	}
	domain := strings.ToLower(strings.TrimSuffix(to.Domain, "."))
	if !t.s.domains[domain] || len(to.SourceRoute) > 0 {
		if t.info.Auth == nil || t.s.queue == nil || len(to.SourceRoute) > 0 {
			return smtp.ErrRelayDenied
		}
		t.remote = append(t.remote, envelope.Recipient{Path: to, Params: *p})
		return nil
	}
	local := strings.ToLower(to.Local)
	if local == "postmaster" {
		local = t.s.postmaster()
	}
	if strings.ContainsAny(local, "%!@") {
		return smtp.ErrRelayDenied
	}
	md, ok := t.s.users[local]
	if !ok {
		return smtp.ErrNoSuchUser
	}
	t.add(to, md)
	return nil
}

func (s *store) postmaster() string {
	if _, ok := s.users["postmaster"]; ok {
		return "postmaster"
	}
	return s.first
}

func (t *session) add(to envelope.Path, md maildir.Dir) {
	t.rcpts = append(t.rcpts, to)
	t.boxes = append(t.boxes, md)
}

// Data spools the message, then delivers a copy into each local recipient's
// Maildir (fsync + rename) and puts the remote recipients into the outbound
// queue (also fsynced). It returns nil only when every copy is on disk, so
// the server's 250 means the mail is durable.
func (t *session) Data(ctx context.Context, r io.Reader) error {
	spool, err := os.CreateTemp(filepath.Join(t.s.dir, ".spool"), "msg-")
	if err != nil {
		return err
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	if _, err := io.Copy(spool, r); err != nil {
		return err
	}
	for i, md := range t.boxes {
		if _, err := spool.Seek(0, io.SeekStart); err != nil {
			return err
		}
		_, err := md.Deliver(ctx, spool, &maildir.DeliverOptions{
			ReturnPath:  t.from.String(),
			DeliveredTo: t.rcpts[i].Mailbox(),
		})
		if err != nil {
			return errors.Join(errDeliveryFailed, err)
		}
	}
	if len(t.remote) > 0 {
		if _, err := spool.Seek(0, io.SeekStart); err != nil {
			return err
		}
		env := &envelope.Envelope{From: t.from, MailParams: t.params, Rcpts: t.remote, Session: t.sessionInfo()}
		if _, err := t.s.queue.Enqueue(ctx, env, spool); err != nil {
			return errors.Join(errDeliveryFailed, err)
		}
	}
	return nil
}

var errDeliveryFailed = &smtp.Error{Code: 451, EnhancedCode: envelope.StatusCode{Class: 4, Subject: 3, Detail: 0}, Message: "Delivery failed, try again later"}

func (t *session) sessionInfo() envelope.SessionInfo {
	si := envelope.SessionInfo{
		RemoteAddr: t.info.RemoteAddr, RemoteHost: t.info.ClientName, Helo: t.info.Helo,
		ESMTP: t.info.ESMTP, LocalHost: t.info.Hostname,
	}
	if t.info.TLS != nil {
		si.TLSVersion, si.TLSCipher = t.info.TLS.Version, t.info.TLS.CipherSuite
	}
	if t.info.Auth != nil {
		si.AuthID = t.info.Auth.User()
	}
	return si
}

func (t *session) Reset(ctx context.Context) {
	t.from, t.params, t.rcpts, t.boxes, t.remote = envelope.Path{}, envelope.MailParams{}, nil, nil, nil
}

func (t *session) Logout(ctx context.Context) error { return nil }
