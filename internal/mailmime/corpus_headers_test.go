package mailmime

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParse_CorpusHeaders(t *testing.T) {
	tests := []struct {
		file       string
		date       time.Time // zero when the Date header is hopeless
		messageID  string
		inReplyTo  string
		references []string
	}{
		{
			file:      "multi_charset/japanese_shift_jis.eml",
			date:      time.Date(2014, 5, 28, 17, 18, 19, 0, time.FixedZone("", 9*3600)),
			messageID: "xxxxx@docomo.ne.jp",
		},
		{
			file:      "plain_emails/raw_email_reply.eml",
			date:      time.Date(2007, 11, 18, 19, 56, 7, 0, time.FixedZone("", 11*3600)),
			messageID: "473FFE27.20003@xxx.org",
			inReplyTo: "348F04F142D69C21-291E56D292BC@xxxx.net",
			references: []string{"473FF3B8.9020707@xxx.org",
				"348F04F142D69C21-291E56D292BC@xxxx.net"},
		},
		{
			file:       "error_emails/multiple_references_with_one_invalid.eml",
			messageID:  "105647271315.NCV17523@x263.net",
			references: []string{"foo@bar.net", "baz@bar.net"},
		},
		{
			file:      "plain_emails/mix_caps_content_type.eml",
			date:      time.Date(2010, 2, 19, 10, 8, 29, 0, time.FixedZone("", 3*3600)),
			messageID: "201002191008.30117.foo.bar@company.com",
		},
		{
			file:      "rfc2822/example10.eml",
			date:      time.Date(1969, 2, 13, 23, 32, 0, 0, time.FixedZone("", -(3*3600+1800))),
			messageID: "testabcd.1234@silly.test",
		},
		{
			file:      "rfc2822/example12.eml",
			date:      time.Date(1997, 11, 21, 9, 55, 6, 0, time.UTC),
			messageID: "1234@local.machine.example",
		},
		{
			file:      "rfc2822/example13.eml",
			date:      time.Date(1997, 11, 21, 9, 55, 6, 0, time.FixedZone("", -6*3600)),
			messageID: "1234@local.machine.example",
		},
		{
			file:      "error_emails/content_transfer_encoding_7-bit.eml",
			date:      time.Date(2002, 1, 9, 19, 47, 50, 0, time.FixedZone("", -7*3600)),
			messageID: "101BN3c3ce68600277550d@bounce.quris.net",
		},
		{
			// An unreadable zone "H0500" is dropped.
			file:      "error_emails/trademark_character_in_subject.eml",
			date:      time.Date(2010, 10, 12, 16, 21, 5, 0, time.UTC),
			messageID: "MDAEMON-F201010121621.AA2105420md50000198258@ga-example.com",
		},
		{file: "error_emails/bad_date_header.eml", inReplyTo: "someone@yahoo.com"},
		{
			file:      "error_emails/bad_date_header2.eml",
			messageID: "201012150659.oBF6xAuc018214@drg.drgnetwork.com",
		},
		{
			file:      "plain_emails/raw_email_with_bad_date.eml",
			messageID: "000001c81a67$a4450700$0100007f@localhost",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m := parseCorpus(t, tt.file).Message
			if tt.date.IsZero() {
				assert.True(t, m.Date.IsZero(), "date %v", m.Date)
			} else {
				assert.True(t, tt.date.Equal(m.Date), "date %v, want %v", m.Date, tt.date)
				_, wantOff := tt.date.Zone()
				_, gotOff := m.Date.Zone()
				assert.Equal(t, wantOff, gotOff)
			}
			assert.Equal(t, tt.messageID, m.MessageID)
			assert.Equal(t, tt.inReplyTo, m.InReplyTo)
			assert.Equal(t, tt.references, m.References)
		})
	}
}
