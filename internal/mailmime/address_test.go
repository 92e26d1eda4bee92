package mailmime

import (
	"testing"
	"time"

	"github.com/mailmanager/mailmanager"
	"github.com/stretchr/testify/assert"
)

func TestParseAddressList(t *testing.T) {
	type A = mailmanager.Address
	tests := []struct {
		name string
		in   string
		want []A
	}{
		{"empty", "  ", nil},
		{"simple", "a@example.com", []A{{Email: "a@example.com"}}},
		{"name", `"Doe, Jane" <jane@example.com>, bob@example.com`,
			[]A{{Name: "Doe, Jane", Email: "jane@example.com"}, {Email: "bob@example.com"}}},
		{"encoded name", "=?utf-8?q?J=C3=B6rg?= <j@example.com>",
			[]A{{Name: "Jörg", Email: "j@example.com"}}},
		{"encoded word in quotes", `"=?windows-1251?B?wPLo6u7iYQ==?=" <x@example.com>`,
			[]A{{Name: "Атиковa", Email: "x@example.com"}}},
		{"raw UTF-8", `"Jöhn Doe" <jdöe@mächine.example>`,
			[]A{{Name: "Jöhn Doe", Email: "jdöe@mächine.example"}}},
		{"raw latin1", "J\xf6rg <j@example.com>", []A{{Name: "Jörg", Email: "j@example.com"}}},
		{"group flattened", "Team: a@example.com, B <b@example.com>;, c@example.com",
			[]A{{Email: "a@example.com"}, {Name: "B", Email: "b@example.com"},
				{Email: "c@example.com"}}},
		{"empty group", "undisclosed-recipients:;", nil},
		{"comments", "Pete(A \\) chap) <pete(his account)@silly.test(host)>",
			[]A{{Name: "Pete", Email: "pete@silly.test"}}},
		{"blank separated", "a@example.com b@example.com",
			[]A{{Email: "a@example.com"}, {Email: "b@example.com"}}},
		{"name without angle brackets", "Big Bug bb@bug.com",
			[]A{{Name: "Big Bug", Email: "bb@bug.com"}}},
		{"at sign in name", "Mikel@Lindsaar <r@gmail.com>",
			[]A{{Name: "Mikel@Lindsaar", Email: "r@gmail.com"}}},
		{"no address at all", `"someone" <nobody>`, nil},
		{"source route", "Mary <@machine.tld:mary@example.net>, , jdoe@test . example",
			[]A{{Name: "Mary", Email: "mary@example.net"}, {Email: "jdoe@test.example"}}},
		{"name equal to address dropped", `"a@example.com" <a@example.com>`,
			[]A{{Email: "a@example.com"}}},
		{"line breaks", "A\r\n <a@example.com>", []A{{Name: "A", Email: "a@example.com"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ParseAddressList(tt.in))
		})
	}
}

func TestParseMessageIDs(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"one", "<a@b>", []string{"a@b"}},
		{"several", "<a@b> <c@d>\r\n <e@f>", []string{"a@b", "c@d", "e@f"}},
		{"commas", "<a@b>,<c@d>", []string{"a@b", "c@d"}},
		{"duplicates", "<a@b> <a@b> <c@d>", []string{"a@b", "c@d"}},
		{"no brackets", "a@b", []string{"a@b"}},
		{"no brackets, no at", "11107978796724623", []string{"11107978796724623"}},
		{"junk around", "Your message of Monday <a@b> (sent)", []string{"a@b"}},
		{"blanks inside", "<1234   @   local(blah)  .machine .example>",
			[]string{"1234@local.machine.example"}},
		{"unclosed without at", "<a@b>, <invalid.", []string{"a@b"}},
		{"unclosed with at", "<a@b> <c@d", []string{"a@b", "c@d"}},
		{"empty brackets", "<> <a@b>", []string{"a@b"}},
		{"junk only", "some words here", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ParseMessageIDs(tt.in))
		})
	}
}

func TestParseDate(t *testing.T) {
	zone := func(h, m int) *time.Location { return time.FixedZone("", h*3600+m*60) }
	tests := []struct {
		in   string
		want time.Time // zero for hopeless input
	}{
		{"Fri, 21 Nov 1997 09:55:06 -0600", time.Date(1997, 11, 21, 9, 55, 6, 0, zone(-6, 0))},
		{"21 Nov 97 09:55:06 GMT", time.Date(1997, 11, 21, 9, 55, 6, 0, time.UTC)},
		{"Wed, 9 Jan 2002 19:47:50 MST", time.Date(2002, 1, 9, 19, 47, 50, 0, zone(-7, 0))},
		{"Wed, 9 Jan 2002 19:47:50 EDT", time.Date(2002, 1, 9, 19, 47, 50, 0, zone(-4, 0))},
		{"Tue, 22 Jan 2002 14:35:28 UT", time.Date(2002, 1, 22, 14, 35, 28, 0, time.UTC)},
		{"Thu, 13 Feb 1969 23:32 -0330 (Newfoundland Time)",
			time.Date(1969, 2, 13, 23, 32, 0, 0, zone(-3, -30))},
		{"Fri, 21 Nov 1997 09(comment):   55  :  06 -0600",
			time.Date(1997, 11, 21, 9, 55, 6, 0, zone(-6, 0))},
		{"Mon, 2 Jan 2006 15:04:05 GMT+0100", time.Date(2006, 1, 2, 15, 4, 5, 0, zone(1, 0))},
		{"Mon, 2 Jan 2006 15:04:05 UTC+5", time.Date(2006, 1, 2, 15, 4, 5, 0, zone(5, 0))},
		{"Mon, 2 Jan 2006 15:04:05 +01:00", time.Date(2006, 1, 2, 15, 4, 5, 0, zone(1, 0))},
		{"Mon, 2 Jan 2006 15:04:05 GMT +0100", time.Date(2006, 1, 2, 15, 4, 5, 0, zone(1, 0))},
		{"Tue, 12 Oct 2010 16:21:05 H0500", time.Date(2010, 10, 12, 16, 21, 5, 0, time.UTC)},
		{"Mon Jan  2 15:04:05 2006", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)},
		{"2006-01-02T15:04:05+02:00", time.Date(2006, 1, 2, 15, 4, 5, 0, zone(2, 0))},
		{"2006-01-02 15:04:05", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)},
		{"May 8, 2005 1:17 PM", time.Date(2005, 5, 8, 13, 17, 0, 0, time.UTC)},
		{"mon, 2 jan 2006 15:04:05 +0100", time.Date(2006, 1, 2, 15, 4, 5, 0, zone(1, 0))},
		{"Wed, 15 Dec 2010 12:21:20 -0500 ", time.Date(2010, 12, 15, 12, 21, 20, 0, zone(-5, 0))},
		{"", time.Time{}},
		{"<HR>", time.Time{}},
		{"Pn, 29 paX 2007 21:13:00 +0100", time.Time{}},
		{"Wed, 15 Dec 2010    59:10 -0500", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := parseDate(tt.in)
			if tt.want.IsZero() {
				assert.True(t, got.IsZero(), "got %v", got)
				return
			}
			assert.True(t, tt.want.Equal(got), "got %v, want %v", got, tt.want)
			_, wantOff := tt.want.Zone()
			_, gotOff := got.Zone()
			assert.Equal(t, wantOff, gotOff)
		})
	}
}
