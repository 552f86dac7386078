package message

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in, want string // want in RFC 3339, "" for an error
	}{
		{"Fri, 21 Nov 1997 09:55:06 -0600", "1997-11-21T09:55:06-06:00"},
		{"Tue, 1 Jul 2003 10:52:37 +0200", "2003-07-01T10:52:37+02:00"},
		{"Thu, 13 Feb 1969 23:32:54 -0330", "1969-02-13T23:32:54-03:30"},
		{"21 Nov 97 09:55:06 GMT", "1997-11-21T09:55:06Z"},
		{"Fri, 21 Nov 1997 09:55:06 EST", "1997-11-21T09:55:06-05:00"},
		{"Fri, 21 Nov 1997 09:55:06 PDT", "1997-11-21T09:55:06-07:00"},
		{"Fri, 21 Nov 1997 09:55:06 CDT", "1997-11-21T09:55:06-05:00"},
		{"Fri, 21 Nov 1997 09:55:06 MST", "1997-11-21T09:55:06-07:00"},
		{"Fri, 21 Nov 1997 09:55:06 UT", "1997-11-21T09:55:06Z"},
		{"Fri, 21 Nov 1997 09:55:06 Z", "1997-11-21T09:55:06Z"},
		{"Fri, 21 Nov 1997 09:55:06 A", "1997-11-21T09:55:06Z"},
		{"Fri, 21 Nov 1997 09:55:06 -0000", "1997-11-21T09:55:06Z"},
		{"Mon Jan  2 15:04:05 2006", "2006-01-02T15:04:05Z"},
		{"Fri 21 Nov 1997 09:55:06 -0600", "1997-11-21T09:55:06-06:00"},
		{"21 Nov 1997 09:55:06 -0600", "1997-11-21T09:55:06-06:00"},
		{"Friday, 21 November 1997 09:55:06 -0600", "1997-11-21T09:55:06-06:00"},
		{"Fri, 21 Nov 1997 09:55:06 +02:00", "1997-11-21T09:55:06+02:00"},
		{"Fri, 21 Nov 1997 09:55:06 0200", "1997-11-21T09:55:06+02:00"},
		{"Fri, 21 Nov 05 09:55:06 +0000", "2005-11-21T09:55:06Z"},
		{"Fri, 21 Nov 105 09:55:06 +0000", "2005-11-21T09:55:06Z"},
		{"Fri, 21 Nov 1997 09:55 -0600", "1997-11-21T09:55:00-06:00"},
		{"Tue, 24 Nov 2026 10:00:00 +0900 (JST)", "2026-11-24T10:00:00+09:00"},
		{"Tue, 24 Nov 2026 10:00:00 (JST)", "2026-11-24T10:00:00+09:00"},
		{"Tue, 24 Nov 2026 10:00:00 +0000 (GMT Standard Time)", "2026-11-24T10:00:00Z"},
		{"24-Nov-2026 10:00:00 -0500", "2026-11-24T10:00:00-05:00"},
		{"Tue, 24 Nov 2026 01:00:00 PM -0500", "2026-11-24T13:00:00-05:00"},
		{"tue, 24 nov 2026 10:00:00 est", "2026-11-24T10:00:00-05:00"},
		{"Sat, 31 Dec 2016 23:59:60 +0000", "2016-12-31T23:59:59Z"},
		{"Tue, 24 Nov 2026 10:00:00", "2026-11-24T10:00:00Z"},
		{"", ""},
		{"yesterday", ""},
		{"a--", ""}, // found by FuzzParseDate: empty token
		{"0--", ""},
		{"31 Feb 2026 10:00:00 +0000", ""},
		{"24 Nov 2026", ""},
		{"24 Nov 2026 25:00:00 +0000", ""},
		{"24 Nov 2026 10:00:00 +9999", ""},
		{"24 Nov 2026 10:00:00 +0100 +0200", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if tt.want == "" {
				var de *DateError
				require.ErrorAs(t, err, &de)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got.Format(time.RFC3339))
			// Formatting and reading again gives the same instant and offset.
			again, err := ParseDate(FormatDate(got))
			require.NoError(t, err)
			require.Equal(t, tt.want, again.Format(time.RFC3339))
		})
	}
}

func TestFormatDate(t *testing.T) {
	d := time.Date(2026, 11, 4, 9, 5, 7, 0, time.FixedZone("", 9*3600))
	require.Equal(t, "Wed, 04 Nov 2026 09:05:07 +0900", FormatDate(d))
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"Fri, 21 Nov 1997 09:55:06 -0600", "Mon Jan  2 15:04:05 2006", "21 Nov 97 09:55 EST (x)", "1 a 2 : +:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		again, err := ParseDate(FormatDate(d))
		if err != nil || !again.Equal(d) {
			t.Fatalf("%q → %q → %v, %v", s, FormatDate(d), again, err)
		}
	})
}
