package queue

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/yubinmail/yubin/envelope"
	"github.com/yubinmail/yubin/smtp"
)

var pathOpts = &envelope.PathOptions{SMTPUTF8: true}

// process makes one delivery attempt for item id and records the outcome.
func (q *Queue) process(ctx context.Context, id string) {
	defer q.release(id)
	q.mu.Lock()
	orig := q.items[id]
	q.mu.Unlock()
	if orig == nil {
		return
	}
	it := *orig
	it.Rcpts = append([]RcptState(nil), orig.Rcpts...)
	log := q.o.Logger.With("id", id)
	msg, err := q.o.Store.Open(id)
	if err != nil {
		log.Error("queue: message file missing; dropping the item", "err", err)
		q.forget(id)
		return
	}
	defer msg.Close()
	if err := q.attempt(ctx, &it, msg); err != nil {
		log.Error("queue: bad item; dropping it", "err", err)
		q.forget(id)
		return
	}
	if ctx.Err() != nil {
		return // shutting down: try again on the next Run
	}
	q.finish(ctx, &it, msg)
}

// attempt delivers to the pending recipients, one domain group at a time.
func (q *Queue) attempt(ctx context.Context, it *Item, msg Message) error {
	from, err := envelope.ParseReversePath(it.From, pathOpts)
	if err != nil {
		return err
	}
	mp, err := envelope.ParseMailParams(it.MailParams)
	if err != nil {
		return err
	}
	groups := map[string][]int{}
	var order []string
	for i, r := range it.Rcpts {
		if r.State != Pending {
			continue
		}
		p, err := envelope.ParseForwardPath(r.Path, pathOpts)
		if err != nil {
			return err
		}
		d := strings.ToLower(p.Domain)
		if _, ok := groups[d]; !ok {
			order = append(order, d)
		}
		groups[d] = append(groups[d], i)
	}
	for _, d := range order {
		if err := q.attemptDomain(ctx, it, msg, d, groups[d], from, mp); err != nil {
			return err
		}
	}
	it.Attempts++
	return nil
}

func (q *Queue) attemptDomain(ctx context.Context, it *Item, msg Message, domain string, idx []int, from envelope.Path, mp envelope.MailParams) error {
	env := &envelope.Envelope{From: from, MailParams: mp}
	for _, i := range idx {
		p, _ := envelope.ParseForwardPath(it.Rcpts[i].Path, pathOpts)
		rp, err := envelope.ParseRcptParams(it.Rcpts[i].Params)
		if err != nil {
			return err
		}
		env.Rcpts = append(env.Rcpts, envelope.Recipient{Path: p, Params: rp})
	}
	release, err := q.domainSlot(ctx, domain)
	if err != nil {
		return nil // cancelled; the recipients stay pending
	}
	outs := q.o.Deliver(ctx, env, msg, it.Size)
	release()
	for k, i := range idx {
		if k >= len(outs) {
			break
		}
		o, r := outs[k], &it.Rcpts[i]
		r.Code, r.Message, r.RemoteMTA = o.Code, o.Message, o.RemoteMTA
		r.Enhanced = ""
		if o.EnhancedCode.Class != 0 {
			r.Enhanced = o.EnhancedCode.String()
		}
		switch o.Status {
		case smtp.Delivered:
			r.State = Delivered
		case smtp.Permanent:
			r.State = Failed
		}
	}
	return nil
}

// finish expires, reschedules or removes the item, and sends DSNs.
func (q *Queue) finish(ctx context.Context, it *Item, msg Message) {
	now := q.o.Now()
	pending := 0
	for i := range it.Rcpts {
		r := &it.Rcpts[i]
		if r.State != Pending {
			continue
		}
		if now.Sub(it.Created) >= q.o.MaxAge {
			r.State = Failed
			r.Enhanced = "5.4.7"
			r.Message = "delivery time expired; last error: " + strconv.Itoa(r.Code) + " " + r.Message
			r.Code = 0
			continue
		}
		pending++
	}
	if pending > 0 {
		it.NextAttempt = now.Add(q.o.Backoff(it.Attempts))
	}
	log := q.o.Logger.With("id", it.ID)
	if err := q.o.Store.Update(it); err != nil {
		log.Error("queue: saving the item", "err", err)
	}
	q.notify(ctx, it, msg, now)
	if pending == 0 {
		if err := q.o.Store.Remove(it.ID); err != nil {
			log.Error("queue: removing the item", "err", err)
		}
		q.forget(it.ID)
		return
	}
	q.mu.Lock()
	q.items[it.ID] = it
	q.mu.Unlock()
}

func (q *Queue) forget(id string) {
	q.mu.Lock()
	delete(q.items, id)
	q.mu.Unlock()
}

// notify queues a failure DSN for the failed recipients not yet notified,
// and a delay DSN once when DelayWarning has passed.
func (q *Queue) notify(ctx context.Context, it *Item, msg Message, now time.Time) {
	var failed []int
	for i, r := range it.Rcpts {
		if r.State == Failed && !r.Notified {
			failed = append(failed, i)
		}
	}
	changed := false
	if len(failed) > 0 {
		if err := q.bounce(ctx, it, msg, failed, envelope.ActionFailed, now); err != nil {
			q.o.Logger.Error("queue: DSN", "id", it.ID, "err", err)
		} else {
			for _, i := range failed {
				it.Rcpts[i].Notified = true
			}
			changed = true
		}
	}
	if q.o.DelayWarning > 0 && !it.DelayNotified && now.Sub(it.Created) >= q.o.DelayWarning {
		var delayed []int
		for i, r := range it.Rcpts {
			if r.State == Pending {
				delayed = append(delayed, i)
			}
		}
		if len(delayed) > 0 {
			if err := q.bounce(ctx, it, msg, delayed, envelope.ActionDelayed, now); err == nil {
				it.DelayNotified, changed = true, true
			}
		}
	}
	if changed {
		q.o.Store.Update(it)
	}
}

// wantsDSN applies NOTIFY (RFC 3461 section 4.1): without it, failures are
// reported and delays may be.
func wantsDSN(params string, action envelope.Action) bool {
	rp, err := envelope.ParseRcptParams(params)
	if err != nil || rp.Notify == 0 {
		return true
	}
	if rp.Notify&envelope.NotifyNever != 0 {
		return false
	}
	if action == envelope.ActionDelayed {
		return rp.Notify&envelope.NotifyDelay != 0
	}
	return rp.Notify&envelope.NotifyFailure != 0
}

// bounce builds a DSN for the recipients idx and queues it to the
// reverse-path with the null reverse-path. A null reverse-path gets no DSN
// (RFC 5321 section 4.5.5): nil is returned, so the recipients count as
// notified.
func (q *Queue) bounce(ctx context.Context, it *Item, msg Message, idx []int, action envelope.Action, now time.Time) error {
	to, err := envelope.ParseReversePath(it.From, pathOpts)
	if err != nil || to.IsNull() {
		return err
	}
	mp, _ := envelope.ParseMailParams(it.MailParams)
	var rcpts []envelope.DSNRecipient
	for _, i := range idx {
		r := it.Rcpts[i]
		if !wantsDSN(r.Params, action) {
			continue
		}
		rcpts = append(rcpts, dsnRecipient(r, action, now, it.Created.Add(q.o.MaxAge)))
	}
	if len(rcpts) == 0 {
		return nil
	}
	orig, full := q.original(it, msg, mp.Ret == envelope.RetFull)
	ret := envelope.RetHdrs
	if full {
		ret = envelope.RetFull
	}
	dsn, err := envelope.BuildDSN(&envelope.BuildDSNOptions{
		ReportingMTA: q.o.Hostname, To: to, EnvID: mp.EnvID, ArrivalDate: it.Created,
		Recipients: rcpts, Ret: ret, Original: orig, Date: now,
	})
	if err != nil {
		return err
	}
	env := &envelope.Envelope{Rcpts: []envelope.Recipient{{Path: to}}}
	env.MailParams.SMTPUTF8 = !to.IsASCII()
	_, err = q.Enqueue(ctx, env, bytes.NewReader(dsn))
	return err
}

// dsnRecipient builds the per-recipient block of a DSN from the recorded
// state; until is when retries end, for a delay report.
func dsnRecipient(r RcptState, action envelope.Action, now, until time.Time) envelope.DSNRecipient {
	p, _ := envelope.ParseForwardPath(r.Path, pathOpts)
	d := envelope.DSNRecipient{
		FinalRecipient:  envelope.TypedValue{Type: "rfc822", Value: p.Mailbox()},
		Action:          action,
		LastAttemptDate: now,
	}
	if rp, err := envelope.ParseRcptParams(r.Params); err == nil && rp.ORcpt.Addr != "" {
		d.OriginalRecipient = envelope.TypedValue{Type: rp.ORcpt.AddrType, Value: rp.ORcpt.Addr}
	}
	st, err := envelope.ParseStatusCode(r.Enhanced)
	class := 5
	if action == envelope.ActionDelayed {
		class = 4
		d.WillRetryUntil = until
	}
	if err != nil || st.Class != class {
		st = envelope.StatusCode{Class: class}
		if err == nil {
			st.Subject, st.Detail = stSubjectDetail(r.Enhanced)
		}
	}
	d.Status = st
	if r.RemoteMTA != "" {
		d.RemoteMTA = envelope.TypedValue{Type: "dns", Value: r.RemoteMTA}
	}
	if r.Code != 0 {
		diag := strconv.Itoa(r.Code)
		if r.Enhanced != "" {
			diag += " " + r.Enhanced
		}
		d.DiagnosticCode = envelope.TypedValue{Type: "smtp", Value: diag + " " + r.Message}
	} else if r.Message != "" {
		d.DiagnosticCode = envelope.TypedValue{Type: "x-yubin", Value: r.Message}
	}
	return d
}

func stSubjectDetail(s string) (int, int) {
	st, err := envelope.ParseStatusCode(s)
	if err != nil {
		return 0, 0
	}
	return st.Subject, st.Detail
}

// original returns what a DSN returns of the message: all of it when full
// is asked and it is small enough, else its header.
func (q *Queue) original(it *Item, msg Message, full bool) ([]byte, bool) {
	r := io.NewSectionReader(msg, 0, it.Size)
	if full && it.Size <= q.o.MaxReturnedSize {
		b, err := io.ReadAll(r)
		if err == nil {
			return b, true
		}
	}
	br := bufio.NewReader(io.LimitReader(r, 256<<10))
	var hdr bytes.Buffer
	for {
		line, err := br.ReadSlice('\n')
		hdr.Write(line)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil || len(bytes.TrimRight(line, "\r\n")) == 0 {
			break
		}
	}
	return hdr.Bytes(), false
}
