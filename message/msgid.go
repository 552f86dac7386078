package message

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/idna"
)

// ErrBadMsgID is returned for a value that holds no msg-id.
var ErrBadMsgID = errors.New("message: malformed msg-id")

// GenerateMessageID returns a new msg-id "<id@domain>" (RFC 5322 section
// 3.6.4) whose left part joins the current time and 80 random bits, so that
// it is unique without coordination. domain should be a name the sender
// controls; an empty one becomes "localhost", since the part after the "@"
// may not be empty.
func GenerateMessageID(domain string) string {
	if domain == "" {
		domain = "localhost"
	}
	var r [10]byte
	_, _ = rand.Read(r[:])
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	return "<" + strconv.FormatInt(time.Now().UnixMilli(), 36) + "." +
		strings.ToLower(enc.EncodeToString(r[:])) + "@" + domain + ">"
}

// MessageIDDomain returns the domain to write after the "@" of a Message-ID
// that [GenerateMessageID] makes for a sender at domain (RFC 5322 section
// 3.6.4, id-right): its A-labels (IDNA) in a plain ASCII message, or the
// domain as it is when utf8 is set (an SMTPUTF8 message, RFC 6532), and ""
// (which GenerateMessageID turns into localhost) for an address literal or
// for anything that is not a dot-atom.
func MessageIDDomain(domain string, utf8 bool) string {
	if !utf8 {
		if a, err := idna.Lookup.ToASCII(domain); err == nil {
			domain = a
		}
		if !isPrintableASCII(domain) {
			return ""
		}
	}
	if !isDotAtom(domain) {
		return ""
	}
	return domain
}

// ParseMsgID returns the first msg-id in s without its angle brackets
// ("id@domain"). Comments and whitespace around it are skipped. A value
// without brackets that looks like "left@right" is accepted as well,
// since broken software writes such Message-IDs.
func ParseMsgID(s string) (string, error) {
	ids := ParseMsgIDList(s)
	if len(ids) == 0 {
		return "", ErrBadMsgID
	}
	return ids[0], nil
}

// ParseMsgIDList returns the msg-ids of an In-Reply-To or References field
// (RFC 5322 section 3.6.4) without brackets, in order. Following section
// 4.5.4 it skips phrases, comments and other junk between them, and it
// accepts bare "left@right" words when the field has no brackets at all.
// Obsolete CFWS inside an id is removed.
func ParseMsgIDList(s string) []string {
	var ids []string
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth > 0:
		case c == '<':
			j := strings.IndexByte(s[i+1:], '>')
			if j < 0 {
				return ids
			}
			if id := cleanID(s[i+1 : i+1+j]); id != "" {
				ids = append(ids, id)
			}
			i += j + 1
		}
	}
	if len(ids) == 0 && !strings.ContainsAny(s, "<>") {
		for _, w := range strings.Fields(s) {
			if strings.Count(w, "@") == 1 && w[0] != '@' && w[len(w)-1] != '@' {
				ids = append(ids, w)
			}
		}
	}
	return ids
}

func cleanID(s string) string {
	if strings.ContainsAny(s, " \t\r\n\"") {
		s = strings.Join(strings.Fields(strings.ReplaceAll(s, `"`, "")), "")
	}
	if s == "" || strings.ContainsAny(s, "<(") {
		return ""
	}
	return s
}

// FormatMsgIDList writes ids, with or without brackets, as a msg-id list
// separated by spaces for In-Reply-To and References.
func FormatMsgIDList(ids []string) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(' ')
		}
		if !strings.HasPrefix(id, "<") {
			b.WriteByte('<')
			b.WriteString(id)
			b.WriteByte('>')
		} else {
			b.WriteString(id)
		}
	}
	return b.String()
}

// ParentChain returns the ancestors of a message, oldest first, as the
// threading algorithm of RFC 5256 section 2.2 reads them: the References
// ids, or, without References, the first In-Reply-To id. Duplicates and
// the message's own id are dropped.
func ParentChain(h Header) []string {
	self, _ := ParseMsgID(h.Get("Message-ID"))
	refs := ParseMsgIDList(strings.Join(h.Values("References"), " "))
	if len(refs) == 0 {
		if irt := ParseMsgIDList(h.Get("In-Reply-To")); len(irt) > 0 {
			refs = irt[:1]
		}
	}
	seen := map[string]bool{self: true}
	var out []string
	for _, id := range refs {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// Parent returns the direct parent's id: the last of ParentChain, or "".
func Parent(h Header) string {
	c := ParentChain(h)
	if len(c) == 0 {
		return ""
	}
	return c[len(c)-1]
}

// replyPrefixes are the reply and forward markers removed by BaseSubject,
// compared case-insensitively: RFC 5256 section 2.1 names "re" and "fwd";
// the others are what localised clients write.
var replyPrefixes = []string{
	"re", "fwd", "fw", "aw", "wg", "sv", "vs", "antw", "odp", "rif", "tr", "enc",
	"res", "ynt", "ref", "r", "回复", "转发", "답장", "전달", "返信", "转发",
}

// BaseSubject normalises a subject for threading, in the spirit of RFC 5256
// section 2.1: encoded words decoded, whitespace collapsed, and reply and
// forward markers ("Re:", "Fwd:", "Fw:", "AW:", "RE[2]:", "Re(3):",
// "[Fwd: ...]" wrappers, and a trailing "(fwd)") removed repeatedly, as are
// leading "[list]" tags. The result keeps its case.
func BaseSubject(subject string) string {
	s, _ := decodeText(subject, nil)
	s = strings.Join(strings.Fields(s), " ")
	for {
		before := s
		for strings.HasSuffix(strings.ToLower(s), "(fwd)") {
			s = strings.TrimSpace(s[:len(s)-5])
		}
		if strings.HasPrefix(s, "[") {
			if j := strings.IndexByte(s, ']'); j > 0 {
				inner := s[1:j]
				if rest := strings.TrimSpace(s[j+1:]); rest != "" {
					s = rest
				} else if r := stripPrefix(inner); r != inner {
					s = strings.TrimSpace(r)
				}
			}
		}
		s = strings.TrimSpace(stripPrefix(s))
		if strings.HasPrefix(strings.ToLower(s), "[fwd:") && strings.HasSuffix(s, "]") {
			s = strings.TrimSpace(s[5 : len(s)-1])
		}
		if s == before {
			return s
		}
	}
}

// stripPrefix removes one "marker[n]:" or "marker(n):" prefix.
func stripPrefix(s string) string {
	low := strings.ToLower(s)
	for _, p := range replyPrefixes {
		if !strings.HasPrefix(low, p) {
			continue
		}
		rest := s[len(p):]
		rest = strings.TrimLeft(rest, " ")
		if len(rest) > 0 && (rest[0] == '[' || rest[0] == '(') {
			close := byte(']')
			if rest[0] == '(' {
				close = ')'
			}
			j := strings.IndexByte(rest, close)
			if j < 0 || !allDigits(rest[1:j]) {
				continue
			}
			rest = rest[j+1:]
		}
		switch {
		case strings.HasPrefix(rest, ":"):
			return rest[1:]
		case strings.HasPrefix(rest, "："): // full-width colon
			return rest[len("："):]
		}
	}
	return s
}
