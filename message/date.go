package message

import (
	"strings"
	"time"
)

// DateError reports a date-time that could not be read.
type DateError struct {
	Input  string
	Reason string
}

// Error implements error.
func (e *DateError) Error() string {
	return "message: bad date " + quoteForError(e.Input) + ": " + e.Reason
}

func quoteForError(s string) string {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}

// zones maps zone names to offsets in minutes east of UTC. The first block
// is RFC 5322 section 4.3 obs-zone; the rest are abbreviations that real
// mail writes in place of, or in a comment after, a numeric zone.
var zones = map[string]int{
	"UT": 0, "GMT": 0, "UTC": 0, "Z": 0,
	"EST": -5 * 60, "EDT": -4 * 60, "CST": -6 * 60, "CDT": -5 * 60,
	"MST": -7 * 60, "MDT": -6 * 60, "PST": -8 * 60, "PDT": -7 * 60,
	"JST": 9 * 60, "KST": 9 * 60, "HKT": 8 * 60, "SGT": 8 * 60, "IST": 5*60 + 30,
	"CET": 60, "CEST": 120, "MET": 60, "MEST": 120, "EET": 120, "EEST": 180,
	"WET": 0, "WEST": 60, "BST": 60, "MSK": 180, "AEST": 600, "AEDT": 660,
	"NZST": 720, "NZDT": 780, "AKST": -9 * 60, "AKDT": -8 * 60, "HST": -10 * 60,
}

var months = map[string]time.Month{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
	"january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7,
	"august": 8, "sept": 9, "september": 9, "october": 10, "november": 11, "december": 12,
}

var weekdays = map[string]bool{
	"mon": true, "tue": true, "wed": true, "thu": true, "fri": true, "sat": true, "sun": true,
	"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true,
	"saturday": true, "sunday": true, "tues": true, "thur": true, "thurs": true,
}

type dateParts struct {
	day, year, hour, min, sec int
	month                     time.Month
	hasDay, hasYear, hasTime  bool
	hasZone                   bool
	zone                      int // minutes east
	pm, am                    bool
	commentZone               string
}

// ParseDate reads an RFC 5322 date-time (section 3.3) and the variants of
// section 4.3 and of real mail: obsolete zone names with their real
// offsets (EST is -0500), military zones, asctime ("Mon Jan  2 15:04:05
// 2006"), a missing comma or weekday, full month names, "24-Nov-2026",
// "+02:00" and unsigned "0200" offsets, two- and three-digit years
// (section 4.3: 00-49 is 2000-2049, 50-999 adds 1900), missing seconds, AM
// or PM, and a zone only in a trailing comment such as "(JST)". The
// weekday, when present, is not checked against the date.
//
// The result carries the message's own offset as a time.FixedZone. A date
// without a zone, and "-0000" (section 3.3), are returned in UTC.
//
// QUIRK: RFC 5322 section 4.3 says military zones other than "Z" SHOULD be
// read as -0000 because RFC 822 defined their signs backwards; we follow
// that and return them in UTC.
func ParseDate(s string) (time.Time, error) {
	if len(s) > 200 {
		return time.Time{}, &DateError{Input: s, Reason: "too long"}
	}
	var d dateParts
	body := d.stripComments(s)
	for _, tok := range dateTokens(body) {
		if reason := d.token(tok); reason != "" {
			return time.Time{}, &DateError{Input: s, Reason: reason}
		}
	}
	return d.build(s)
}

// stripComments removes parenthesised comments and remembers the last one
// that names a zone.
func (d *dateParts) stripComments(s string) string {
	var b strings.Builder
	depth := 0
	start := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '(':
			if depth == 0 {
				start = i + 1
			}
			depth++
			b.WriteByte(' ')
		case c == ')' && depth > 0:
			depth--
			if depth == 0 {
				name := strings.ToUpper(strings.TrimSpace(s[start:i]))
				if _, ok := zones[name]; ok {
					d.commentZone = name
				}
			}
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func dateTokens(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == ',' || r == '\r' || r == '\n'
	})
	var out []string
	for _, t := range f {
		if t[0] != '-' && t[0] != '+' && strings.Count(t, "-") == 2 {
			for _, p := range strings.Split(t, "-") {
				if p != "" {
					out = append(out, p)
				}
			}
			continue
		}
		out = append(out, t)
	}
	return out
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s) && i < 9; i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func (d *dateParts) token(tok string) string {
	low := strings.ToLower(strings.TrimSuffix(tok, "."))
	switch {
	case weekdays[low]:
		return ""
	case months[low] != 0:
		if d.month != 0 {
			return "two months"
		}
		d.month = months[low]
		return ""
	case low == "am" || low == "pm":
		d.am, d.pm = low == "am", low == "pm"
		return ""
	case strings.IndexByte(tok, ':') > 0 && !d.hasTime && tok[0] != '+' && tok[0] != '-':
		return d.clock(tok)
	case tok[0] == '+' || tok[0] == '-':
		return d.numericZone(tok)
	case allDigits(tok):
		return d.number(tok)
	}
	up := strings.ToUpper(tok)
	if off, ok := zones[up]; ok && !d.hasZone {
		d.hasZone, d.zone = true, off
		return ""
	}
	if len(up) == 1 && up[0] >= 'A' && up[0] <= 'Z' && up != "J" && !d.hasZone {
		d.hasZone = true // military zone, see the QUIRK on ParseDate
		return ""
	}
	return "unexpected " + quoteForError(tok)
}

func (d *dateParts) clock(tok string) string {
	parts := strings.Split(tok, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return "bad time"
	}
	vals := [3]int{}
	for i, p := range parts {
		if !allDigits(p) || len(p) > 2 {
			return "bad time"
		}
		vals[i] = atoi(p)
	}
	d.hour, d.min, d.sec, d.hasTime = vals[0], vals[1], vals[2], true
	if d.hour > 23 || d.min > 59 || d.sec > 60 {
		return "time out of range"
	}
	return ""
}

func (d *dateParts) numericZone(tok string) string {
	if d.hasZone {
		return "two zones"
	}
	sign := 1
	if tok[0] == '-' {
		sign = -1
	}
	z := strings.Replace(tok[1:], ":", "", 1)
	if !allDigits(z) || (len(z) != 4 && len(z) != 2) {
		return "bad zone"
	}
	h, m := atoi(z[:2]), 0
	if len(z) == 4 {
		m = atoi(z[2:])
	}
	if h > 23 || m > 59 {
		return "zone out of range"
	}
	d.hasZone, d.zone = true, sign*(h*60+m)
	return ""
}

func (d *dateParts) number(tok string) string {
	n := atoi(tok)
	switch {
	case !d.hasDay && len(tok) <= 2:
		d.day, d.hasDay = n, true
	case !d.hasYear && len(tok) <= 4:
		d.year, d.hasYear = n, true
		switch len(tok) {
		case 1, 2:
			if n < 50 {
				d.year += 2000
			} else {
				d.year += 1900
			}
		case 3:
			d.year += 1900
		}
	case d.hasTime && !d.hasZone && len(tok) == 4:
		// QUIRK: an unsigned offset after the time is read as east of UTC.
		return d.numericZone("+" + tok)
	default:
		return "unexpected number " + tok
	}
	return ""
}

func (d *dateParts) build(s string) (time.Time, error) {
	switch {
	case !d.hasDay || d.month == 0 || !d.hasYear:
		return time.Time{}, &DateError{Input: s, Reason: "missing day, month or year"}
	case !d.hasTime:
		return time.Time{}, &DateError{Input: s, Reason: "missing time"}
	}
	if d.pm && d.hour < 12 {
		d.hour += 12
	} else if d.am && d.hour == 12 {
		d.hour = 0
	}
	if d.hour > 23 {
		return time.Time{}, &DateError{Input: s, Reason: "time out of range"}
	}
	if d.day < 1 || d.day > daysIn(d.month, d.year) {
		return time.Time{}, &DateError{Input: s, Reason: "day out of range"}
	}
	if d.sec == 60 {
		d.sec = 59 // a leap second; time.Time cannot hold it
	}
	if !d.hasZone && d.commentZone != "" {
		d.hasZone, d.zone = true, zones[d.commentZone]
	}
	loc := time.UTC
	if d.zone != 0 {
		loc = time.FixedZone("", d.zone*60)
	}
	return time.Date(d.year, d.month, d.day, d.hour, d.min, d.sec, 0, loc), nil
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// FormatDate formats t as an RFC 5322 section 3.3 date-time in t's own
// offset, for example "Tue, 24 Nov 2026 19:30:00 +0900".
func FormatDate(t time.Time) string {
	return t.Format("Mon, 02 Jan 2006 15:04:05 -0700")
}
