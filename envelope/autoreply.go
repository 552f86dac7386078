package envelope

import (
	"strings"

	"github.com/yubinmail/yubin/message"
)

// AutoReplyOptions tune ShouldAutoReply. A nil *AutoReplyOptions means
// defaults.
type AutoReplyOptions struct {
	// Recipients are the addresses of the user the responder answers for.
	// When set, a reply is sent only if one of them appears in To, Cc, Bcc
	// or the Resent- equivalents (RFC 3834 section 2: not to messages that
	// reached the user through a list or an alias). Nil skips the check.
	Recipients []Path
}

// Reasons returned by ShouldAutoReply when it says no.
const (
	NoReplyNullSender    = "null reverse-path"
	NoReplyAutoSubmitted = "Auto-Submitted is present and not \"no\""
	NoReplyList          = "message comes from a mailing list"
	NoReplyPrecedence    = "Precedence is bulk, list or junk"
	NoReplySystemSender  = "sender is a mailer daemon, list manager or no-reply address"
	NoReplySuppressed    = "X-Auto-Response-Suppress asks for no reply"
	NoReplyReport        = "message is a delivery or disposition report"
	NoReplyNotAddressed  = "the user is not named in To, Cc or Bcc"
)

// ShouldAutoReply applies the rules of RFC 3834 section 2 and common
// practice to decide whether an automatic responder (vacation, ticket
// acknowledgement) may answer a message. from is the message's
// reverse-path, where the reply goes (RFC 3834 section 4). It returns false
// and the reason for:
//
//   - the null reverse-path (section 2; the message is itself a bounce);
//   - Auto-Submitted with any value but "no" (section 5);
//   - List-Id, List-Post, List-Unsubscribe, List-Help or List-Owner
//     (RFC 2369, 2919), or Precedence bulk, list or junk (section 2,
//     "SHOULD NOT respond to ... mailing lists");
//   - senders such as MAILER-DAEMON, postmaster, LISTSERV, majordomo,
//     owner-*, *-request, *-bounces, noreply and no-reply (section 2);
//   - X-Auto-Response-Suppress with All or AutoReply or OOF (Microsoft);
//   - multipart/report (DSN, MDN, ARF);
//   - with opts.Recipients, a message that does not name the user.
func ShouldAutoReply(from Path, h *message.Header, opts *AutoReplyOptions) (bool, string) {
	if from.IsNull() {
		return false, NoReplyNullSender
	}
	if v := strings.ToLower(stripComments(h.Get("Auto-Submitted"))); h.Has("Auto-Submitted") && strings.TrimSpace(v) != "no" {
		return false, NoReplyAutoSubmitted
	}
	for _, f := range []string{"List-Id", "List-Post", "List-Unsubscribe", "List-Help", "List-Owner", "List-Subscribe", "List-Archive"} {
		if h.Has(f) {
			return false, NoReplyList
		}
	}
	switch strings.ToLower(strings.TrimSpace(stripComments(h.Get("Precedence")))) {
	case "bulk", "list", "junk":
		return false, NoReplyPrecedence
	}
	if isSystemSender(from.Local) {
		return false, NoReplySystemSender
	}
	for _, v := range strings.Split(strings.ToLower(h.Get("X-Auto-Response-Suppress")), ",") {
		switch strings.TrimSpace(v) {
		case "all", "autoreply", "oof":
			return false, NoReplySuppressed
		}
	}
	if ct := strings.ToLower(h.Get("Content-Type")); strings.HasPrefix(strings.TrimSpace(ct), "multipart/report") {
		return false, NoReplyReport
	}
	if opts != nil && opts.Recipients != nil && !namesUser(h, opts.Recipients) {
		return false, NoReplyNotAddressed
	}
	return true, ""
}

// isSystemSender matches local parts that RFC 3834 section 2 and practice
// say must never get automatic replies.
func isSystemSender(local string) bool {
	l := strings.ToLower(local)
	switch l {
	case "mailer-daemon", "mailer_daemon", "mailerdaemon", "postmaster", "listserv", "majordomo",
		"mailman", "noreply", "no-reply", "do-not-reply", "donotreply", "bounce", "bounces":
		return true
	}
	return strings.HasPrefix(l, "owner-") || strings.HasSuffix(l, "-request") ||
		strings.HasSuffix(l, "-owner") || strings.HasSuffix(l, "-bounces") ||
		strings.HasPrefix(l, "bounce-") || strings.HasPrefix(l, "bounces+") || strings.HasPrefix(l, "noreply")
}

func namesUser(h *message.Header, user []Path) bool {
	for _, name := range []string{"To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc"} {
		for _, v := range h.Values(name) {
			list, _ := message.ParseAddressList(v, nil)
			for _, a := range message.Mailboxes(list) {
				p := Path{Local: a.Local, Domain: a.Domain}
				for _, u := range user {
					if strings.EqualFold(p.Local, u.Local) && p.DomainASCII() == u.DomainASCII() {
						return true
					}
				}
			}
		}
	}
	return false
}

// AutoReplyHeader returns the header fields of an automatic reply to a
// message (RFC 3834 section 3): To the reverse-path, a Subject with
// "Auto: " prefixed (section 3.1.5), In-Reply-To and References from the
// original Message-ID (section 3.1.4), and "Auto-Submitted: auto-replied"
// (section 5). The caller adds From, Date, Message-ID and the body, and
// sends it with the null reverse-path or one that cannot trigger replies
// (section 3.3).
func AutoReplyHeader(orig *message.Header, to Path) message.Header {
	var h message.Header
	h.Add("To", to.Mailbox())
	subj := orig.Text("Subject")
	if !strings.HasPrefix(strings.ToLower(subj), "auto:") {
		subj = "Auto: " + subj
	}
	h.Add("Subject", strings.TrimSpace(subj))
	if id := strings.TrimSpace(orig.Get("Message-ID")); id != "" {
		h.Add("In-Reply-To", id)
		refs := strings.TrimSpace(orig.Get("References"))
		if refs == "" {
			refs = strings.TrimSpace(orig.Get("In-Reply-To"))
		}
		if refs != "" {
			refs += " "
		}
		h.Add("References", refs+id)
	}
	h.Add("Auto-Submitted", "auto-replied")
	return h
}
