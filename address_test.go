package mailmanager_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/mailmanager/mailmanager"
)

func TestNormalizeEmail(t *testing.T) {
	cases := map[string]string{
		"Alice@Example.COM":      "alice@example.com",
		"  bob@example.com  ":    "bob@example.com",
		"A@Bücher.DE":            "a@bücher.de",
		"a@xn--bcher-kva.de":     "a@bücher.de",
		"a@B\u0075\u0308cher.de": "a@bücher.de",
		"not an address":         "not an address",
		"trailing@dot.example.":  "trailing@dot.example",
		"":                       "",
	}
	for in, want := range cases {
		assert.Equal(t, want, mailmanager.NormalizeEmail(in), "NormalizeEmail(%q)", in)
	}
	assert.Equal(t, mailmanager.NormalizeEmail("A@Bücher.DE"), mailmanager.NormalizeEmail("a@xn--bcher-kva.de"))
	assert.Equal(t, "bücher.de", mailmanager.NormalizeDomain("@XN--BCHER-KVA.de"))
}

func TestMessage_ParticipantsAndDomains(t *testing.T) {
	m := &mailmanager.Message{
		From:    &mailmanager.Address{Name: "Alice", Email: "Alice@Example.com"},
		To:      []mailmanager.Address{{Email: "bob@xn--bcher-kva.de"}, {Email: "alice@example.com"}},
		Cc:      []mailmanager.Address{{Email: "carol@Partner.example"}},
		ReplyTo: []mailmanager.Address{{Email: ""}},
	}
	assert.Equal(t, []string{"alice@example.com", "bob@bücher.de", "carol@partner.example"}, m.Participants())
	assert.Equal(t, []string{"bücher.de", "example.com", "partner.example"}, m.Domains())
	assert.Empty(t, (&mailmanager.Message{}).Participants())
}
