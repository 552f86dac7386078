package queue

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/yubinmail/yubin/envelope"
	"github.com/yubinmail/yubin/smtp"
)

// DeliverFunc makes one delivery attempt for the recipients of env and
// returns one outcome per recipient, in order. smtp.Deliver is the default.
type DeliverFunc func(ctx context.Context, env *envelope.Envelope, msg io.ReaderAt, size int64) []smtp.Outcome

// Options configure a Queue. Store and Hostname are required.
type Options struct {
	// Store keeps the queue. Required; NewFileStore gives the default kind.
	Store Store
	// Hostname is this MTA's name: the Reporting-MTA of the DSNs the queue
	// sends. Required.
	Hostname string
	// Deliver makes delivery attempts. Default: smtp.Deliver with
	// DeliveryOptions.
	Deliver DeliverFunc
	// DeliveryOptions are passed to smtp.Deliver when Deliver is nil.
	DeliveryOptions *smtp.DeliveryOptions
	// Workers is the number of items delivered at once. Default 4.
	Workers int
	// PerDomain limits the concurrent deliveries to one domain. Default 2.
	PerDomain int
	// Backoff gives the wait after the n-th failed attempt (n from 1).
	// Default: 5 minutes doubling up to 4 hours.
	Backoff func(n int) time.Duration
	// MaxAge is how long an item is retried before its pending recipients
	// fail with 5.4.7. Default 5 days (RFC 5321 section 4.5.4.1 suggests
	// at least 4-5 days).
	MaxAge time.Duration
	// DelayWarning, when positive, sends one "delayed" DSN for recipients
	// still pending after this long whose NOTIFY allows it. Default off.
	DelayWarning time.Duration
	// MaxReturnedSize bounds the original message returned in a DSN with
	// RET=FULL; a larger one is returned as headers only. Default 10 MiB.
	MaxReturnedSize int64
	// Logger receives queue events. Nil discards them.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Queue is a durable outbound mail queue. Enqueue stores a message; Run
// delivers, retries with backoff, and bounces. Everything Enqueue accepted
// survives a crash or restart: New reloads the store.
type Queue struct {
	o       Options
	mu      sync.Mutex
	items   map[string]*Item
	busy    map[string]bool
	domains map[string]chan struct{}
	wake    chan struct{}
}

// New loads the items in opts.Store and returns the queue, ready to Run.
func New(opts *Options) (*Queue, error) {
	if opts == nil || opts.Store == nil || opts.Hostname == "" {
		return nil, errors.New("queue: Options.Store and Options.Hostname are required")
	}
	q := &Queue{o: *opts, items: map[string]*Item{}, busy: map[string]bool{},
		domains: map[string]chan struct{}{}, wake: make(chan struct{}, 1)}
	q.defaults()
	items, err := q.o.Store.List()
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		q.items[it.ID] = it
	}
	return q, nil
}

func (q *Queue) defaults() {
	o := &q.o
	if o.Deliver == nil {
		do := o.DeliveryOptions
		o.Deliver = func(ctx context.Context, env *envelope.Envelope, msg io.ReaderAt, size int64) []smtp.Outcome {
			return smtp.Deliver(ctx, env, msg, size, do)
		}
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.PerDomain <= 0 {
		o.PerDomain = 2
	}
	if o.Backoff == nil {
		o.Backoff = DefaultBackoff
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 5 * 24 * time.Hour
	}
	if o.MaxReturnedSize <= 0 {
		o.MaxReturnedSize = 10 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// DefaultBackoff waits 5 minutes after the first failure and doubles the
// wait each time, up to 4 hours.
func DefaultBackoff(n int) time.Duration {
	d := 5 * time.Minute
	for i := 1; i < n && d < 4*time.Hour; i++ {
		d *= 2
	}
	return min(d, 4*time.Hour)
}

// Enqueue stores a message for delivery to env's recipients and returns its
// ID. When it returns nil the message is on stable storage. It is due at
// once.
func (q *Queue) Enqueue(ctx context.Context, env *envelope.Envelope, msg io.Reader) (string, error) {
	if len(env.Rcpts) == 0 {
		return "", smtp.ErrNoRecipients
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	now := q.o.Now()
	it := &Item{From: env.From.String(), MailParams: env.MailParams.String(), Created: now, NextAttempt: now}
	for _, r := range env.Rcpts {
		it.Rcpts = append(it.Rcpts, RcptState{Path: r.Path.String(), Params: r.Params.String(), State: Pending})
	}
	stored, err := q.o.Store.Put(it, msg)
	if err != nil {
		return "", err
	}
	q.mu.Lock()
	q.items[stored.ID] = stored
	q.mu.Unlock()
	q.poke()
	return stored.ID, nil
}

func (q *Queue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Items returns a snapshot of the queued items.
func (q *Queue) Items() []Item {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]Item, 0, len(q.items))
	for _, it := range q.items {
		cp := *it
		cp.Rcpts = append([]RcptState(nil), it.Rcpts...)
		out = append(out, cp)
	}
	return out
}

// Run delivers due items until ctx is cancelled, then waits for the
// attempts under way to end (they see the cancelled ctx) and returns
// ctx.Err(). Items not finished stay queued for the next Run.
func (q *Queue) Run(ctx context.Context) error {
	work := make(chan string)
	var wg sync.WaitGroup
	for range q.o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				q.process(ctx, id)
			}
		}()
	}
	defer func() {
		close(work)
		wg.Wait()
	}()
	for {
		due, next := q.due()
		for _, id := range due {
			select {
			case work <- id:
			case <-ctx.Done():
				q.release(id)
				return ctx.Err()
			}
		}
		wait := time.Hour
		if !next.IsZero() {
			wait = max(next.Sub(q.o.Now()), 10*time.Millisecond)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-q.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// due marks and returns the items due now, and the time of the next one.
func (q *Queue) due() ([]string, time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.o.Now()
	var ids []string
	var next time.Time
	for id, it := range q.items {
		if q.busy[id] {
			continue
		}
		if !it.NextAttempt.After(now) {
			q.busy[id] = true
			ids = append(ids, id)
		} else if next.IsZero() || it.NextAttempt.Before(next) {
			next = it.NextAttempt
		}
	}
	return ids, next
}

func (q *Queue) release(id string) {
	q.mu.Lock()
	delete(q.busy, id)
	q.mu.Unlock()
	q.poke()
}

// domainSlot takes a delivery slot for domain, waiting while PerDomain
// deliveries to it are under way.
func (q *Queue) domainSlot(ctx context.Context, domain string) (func(), error) {
	q.mu.Lock()
	ch := q.domains[domain]
	if ch == nil {
		ch = make(chan struct{}, q.o.PerDomain)
		q.domains[domain] = ch
	}
	q.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Flush makes one delivery attempt for every item due now, with up to
// Workers at once, and returns when they are done. It is what Run does on
// each tick; use it from tests or to push the queue by hand. Do not call it
// while Run is running.
func (q *Queue) Flush(ctx context.Context) {
	ids, _ := q.due()
	sem := make(chan struct{}, q.o.Workers)
	var wg sync.WaitGroup
	for _, id := range ids {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			q.process(ctx, id)
		}()
	}
	wg.Wait()
}
