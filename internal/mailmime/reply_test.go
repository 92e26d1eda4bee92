package mailmime

import (
	"fmt"
	"testing"

	"github.com/mailmanager/mailmanager"
	"github.com/stretchr/testify/assert"
)

func TestReplySubject(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hello", "Re: Hello"},
		{"Re: Hello", "Re: Hello"},
		{"RE: Hello", "RE: Hello"},
		{"re:Hello", "re:Hello"},
		{"Aw: Hallo", "Aw: Hallo"},
		{"SV: Hej", "SV: Hej"},
		{"Antw: Hoi", "Antw: Hoi"},
		{"Re[2]: Hello", "Re[2]: Hello"},
		{"Re(3): Hello", "Re(3): Hello"},
		{"Re ： 全角", "Re ： 全角"},
		{"[list] Re: topic", "[list] Re: topic"},
		{"[list] topic", "Re: [list] topic"},
		{"Fwd: Hello", "Re: Fwd: Hello"},
		{"Regarding the plan", "Re: Regarding the plan"},
		{"Re[x]: odd", "Re: Re[x]: odd"},
		{"Svar på tal", "Re: Svar på tal"},
		{"  spaced  ", "Re: spaced"},
		{"", "Re:"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, ReplySubject(tt.in))
		})
	}
}

func TestForwardSubject(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hello", "Fwd: Hello"},
		{"Fwd: Hello", "Fwd: Hello"},
		{"FW: Hello", "FW: Hello"},
		{"Fw:Hello", "Fw:Hello"},
		{"WG: Hallo", "WG: Hallo"},
		{"Re: Hello", "Fwd: Re: Hello"},
		{"Forward planning", "Fwd: Forward planning"},
		{"", "Fwd:"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, ForwardSubject(tt.in))
		})
	}
}

func TestReplyRecipients(t *testing.T) {
	type A = mailmanager.Address
	addr := func(emails ...string) []A {
		var out []A
		for _, e := range emails {
			out = append(out, A{Email: e})
		}
		return out
	}
	from := func(e string) *A { return &A{Name: "Sender", Email: e} }
	tests := []struct {
		name   string
		orig   mailmanager.Message
		self   string
		all    bool
		to, cc []string
	}{
		{
			name: "reply goes to From",
			orig: mailmanager.Message{From: from("alice@example.com"), To: addr("me@example.com")},
			self: "me@example.com", to: []string{"alice@example.com"},
		},
		{
			name: "Reply-To wins over From",
			orig: mailmanager.Message{From: from("alice@example.com"),
				ReplyTo: addr("list@example.com"), To: addr("me@example.com")},
			self: "me@example.com", to: []string{"list@example.com"},
		},
		{
			name: "reply all adds To and Cc without self",
			orig: mailmanager.Message{From: from("alice@example.com"),
				To: addr("me@example.com", "bob@example.com"), Cc: addr("carol@example.com")},
			self: "me@example.com", all: true,
			to: []string{"alice@example.com"}, cc: []string{"bob@example.com", "carol@example.com"},
		},
		{
			name: "self compared normalized",
			orig: mailmanager.Message{From: from("alice@example.com"),
				To: addr("Me@Bücher.DE", "bob@example.com"), Cc: addr("me@xn--bcher-kva.de")},
			self: "ME@bücher.de", all: true,
			to: []string{"alice@example.com"}, cc: []string{"bob@example.com"},
		},
		{
			name: "no duplicates",
			orig: mailmanager.Message{From: from("alice@example.com"),
				To: addr("ALICE@example.com", "bob@example.com"), Cc: addr("Bob@Example.com")},
			self: "me@example.com", all: true,
			to: []string{"alice@example.com"}, cc: []string{"bob@example.com"},
		},
		{
			name: "reply to own message goes to its recipients",
			orig: mailmanager.Message{From: from("me@example.com"),
				To: addr("bob@example.com", "me@example.com"), Cc: addr("carol@example.com")},
			self: "me@example.com", to: []string{"bob@example.com"},
		},
		{
			name: "reply all to own message",
			orig: mailmanager.Message{From: from("me@example.com"),
				To: addr("bob@example.com"), Cc: addr("carol@example.com")},
			self: "me@example.com", all: true,
			to: []string{"bob@example.com"}, cc: []string{"carol@example.com"},
		},
		{
			name: "no sender at all",
			orig: mailmanager.Message{To: addr("me@example.com")},
			self: "me@example.com",
		},
		{
			name: "empty addresses skipped",
			orig: mailmanager.Message{From: from(""), ReplyTo: addr(""),
				Cc: addr("", "x@example.com")},
			all: true, cc: []string{"x@example.com"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			to, cc := ReplyRecipients(&tt.orig, tt.self, tt.all)
			assert.Equal(t, tt.to, emails(to))
			assert.Equal(t, tt.cc, emails(cc))
		})
	}

	t.Run("nil message", func(t *testing.T) {
		to, cc := ReplyRecipients(nil, "me@example.com", true)
		assert.Nil(t, to)
		assert.Nil(t, cc)
	})
	t.Run("names kept and input untouched", func(t *testing.T) {
		orig := mailmanager.Message{From: &A{Name: "Alice", Email: "a@example.com"},
			To: addr("b@example.com")}
		to, _ := ReplyRecipients(&orig, "", false)
		assert.Equal(t, []A{{Name: "Alice", Email: "a@example.com"}}, to)
		to[0].Name = "changed"
		assert.Equal(t, "Alice", orig.From.Name)
	})
}

// emails lists the addresses of list, nil for none.
func emails(list []mailmanager.Address) []string {
	var out []string
	for _, a := range list {
		out = append(out, a.Email)
	}
	return out
}

func TestReplyReferences(t *testing.T) {
	long := make([]string, 50)
	for i := range long {
		long[i] = fmt.Sprintf("id%d@example.com", i)
	}
	tests := []struct {
		name string
		orig mailmanager.Message
		want []string
	}{
		{"first reply", mailmanager.Message{MessageID: "a@x"}, []string{"a@x"}},
		{"chain", mailmanager.Message{MessageID: "c@x", References: []string{"a@x", "b@x"}},
			[]string{"a@x", "b@x", "c@x"}},
		{"In-Reply-To when no References",
			mailmanager.Message{MessageID: "c@x", InReplyTo: "b@x"}, []string{"b@x", "c@x"}},
		{"duplicates and junk dropped",
			mailmanager.Message{MessageID: "b@x",
				References: []string{"a@x", "", "bad id", "<a@x>", "b@x"}},
			[]string{"a@x", "b@x"}},
		{"no Message-ID", mailmanager.Message{References: []string{"a@x"}}, []string{"a@x"}},
		{"nothing", mailmanager.Message{}, nil},
		{"capped, first and last kept",
			mailmanager.Message{MessageID: "last@example.com", References: long},
			append([]string{"id0@example.com"},
				append(long[len(long)-(MaxReferences-2):], "last@example.com")...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ReplyReferences(&tt.orig)
			assert.Equal(t, tt.want, got)
			assert.LessOrEqual(t, len(got), MaxReferences)
		})
	}
	assert.Nil(t, ReplyReferences(nil))
}
