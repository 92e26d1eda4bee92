package mailmime

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mailmanager/mailmanager"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// corpusDir is ../shared/corpus seen from the repository root.
const corpusDir = "../../../shared/corpus"

// corpusFiles lists every file under the corpus, or skips the test when the
// corpus is not there.
func corpusFiles(t *testing.T) []string {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("mail corpus not found at %s (expected ../shared/corpus from the "+
			"repository root): %v", corpusDir, err)
	}
	var files []string
	err := filepath.WalkDir(corpusDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// parseCorpus parses one corpus message by its path below the ruby mail
// fixtures.
func parseCorpus(t *testing.T, rel string) *Parsed {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("mail corpus not found at %s: %v", corpusDir, err)
	}
	f, err := os.Open(filepath.Join(corpusDir, "ruby-mail-fixtures", rel))
	require.NoError(t, err)
	defer f.Close()
	p, err := Parse(f)
	require.NoError(t, err)
	return p
}

// assertValidUTF8 checks every string Parse produced.
func assertValidUTF8(t *testing.T, p *Parsed) {
	t.Helper()
	m := p.Message
	for name, s := range map[string]string{
		"Text": m.Text, "HTML": m.HTML, "Subject": m.Subject,
		"Snippet": m.Snippet, "MessageID": m.MessageID, "InReplyTo": m.InReplyTo,
	} {
		assert.True(t, utf8.ValidString(s), "%s is not valid UTF-8: %q", name, s)
	}
	addrs := append(append(append(append([]mailmanager.Address(nil), m.To...), m.Cc...),
		m.Bcc...), m.ReplyTo...)
	if m.From != nil {
		addrs = append(addrs, *m.From)
	}
	for _, a := range addrs {
		assert.True(t, utf8.ValidString(a.Name), "name %q", a.Name)
		assert.True(t, utf8.ValidString(a.Email), "address %q", a.Email)
	}
	for _, id := range m.References {
		assert.True(t, utf8.ValidString(id), "reference %q", id)
	}
	for _, a := range m.Attachments {
		assert.True(t, utf8.ValidString(a.Filename), "file name %q", a.Filename)
		assert.True(t, utf8.ValidString(a.ContentType), "content type %q", a.ContentType)
		assert.True(t, utf8.ValidString(a.ContentID), "content ID %q", a.ContentID)
		content, ok := p.Content(a.ID)
		assert.True(t, ok, "no content for attachment %s", a.ID)
		assert.Equal(t, int64(len(content)), a.Size, "size of attachment %s", a.ID)
	}
	assert.NotContains(t, m.Subject, "\n")
	assert.NotContains(t, m.Subject, "\r")
}

func TestParse_CorpusEveryFile(t *testing.T) {
	for _, path := range corpusFiles(t) {
		rel, _ := filepath.Rel(corpusDir, path)
		t.Run(rel, func(t *testing.T) {
			f, err := os.Open(path)
			require.NoError(t, err)
			defer f.Close()
			p, err := Parse(f)
			if !strings.HasSuffix(path, ".eml") {
				// README, LICENSE and the like are not messages; they only
				// must not panic.
				return
			}
			require.NoError(t, err)
			assertValidUTF8(t, p)
		})
	}
}

// attachmentWant is what a corpus test expects of one attachment.
type attachmentWant struct {
	id, filename, contentType string
	inline                    bool
	contentPrefix             string
}

func TestParse_CorpusValues(t *testing.T) {
	tests := []struct {
		file        string
		subject     string
		from        string // "Name <email>" as Address.String gives it
		to          []string
		text        []string // substrings of Text
		html        []string // substrings of HTML
		attachments []attachmentWant
	}{
		{
			file:    "multi_charset/japanese_shift_jis.eml",
			subject: "test",
			from:    "xxxxxxx@docomo.ne.jp",
			text: []string{"あいうえお", "このメールはテスト用のメールです。",
				"今後ともよろしくお願い申し上げます"},
		},
		{
			file:    "multi_charset/japanese.eml",
			subject: "まみむめも",
			from:    "Mikel Lindsaar <raasdnil@gmail.com>",
			to:      []string{"みける <raasdnil@gmail.com>"},
			text:    []string{"かきくえこ", "Rails, RSpec and Life blog"},
		},
		{
			file:    "multi_charset/japanese_attachment.eml",
			subject: "testing",
			text:    []string{"testing"},
			attachments: []attachmentWant{{id: "2", filename: "てすと.txt",
				contentType: "text/plain", contentPrefix: "this is a test\nこれわてすと"}},
		},
		{
			file:    "multi_charset/japanese_attachment_long_name.eml",
			subject: strings.Repeat("まみむめも", 10),
			attachments: []attachmentWant{{id: "1",
				filename:    "かきくけこかきくけこかきくけこかきくけこかきくけこ.txt",
				contentType: "text/plain", contentPrefix: "this is the data\r\n"}},
		},
		{
			file:    "attachment_emails/attachment_pdf_non_ascii.eml",
			subject: "Another PDF with 🎉 Unicode chars in it 🍿",
			from:    "Test Tester <xxxx@xxxx.com>",
			// Declared ISO-8859-1, but the byte pair is UTF-8 for "Â".
			text: []string{"what is going wrong here.    Â"},
			attachments: []attachmentWant{{id: "2", filename: "broken.pdf",
				contentType: "application/pdf", contentPrefix: "%PDF-1.4"}},
		},
		{
			file: "attachment_emails/attachment_with_base64_encoded_name.eml",
			text: []string{"We should not include these files"},
			attachments: []attachmentWant{{id: "2", filename: "This is a test.pdf",
				contentType: "application/pdf"}},
		},
		{
			file:    "attachment_emails/attachment_with_quoted_filename.eml",
			subject: "Eelanalüüsi päring",
			from:    "Jeffrey Hardy <jeff@37signals.com>",
			attachments: []attachmentWant{{id: "1", filename: "Eelanalüüsi päring.jpg",
				contentType: "image/jpeg", inline: true}},
		},
		{
			file: "attachment_emails/attachment_with_unquoted_name.eml",
			text: []string{"This is the first part."},
			attachments: []attachmentWant{{id: "2", filename: "This is a test.txt",
				contentType: "text/plain", contentPrefix: "Hi there.\r\n"}},
		},
		{
			file: "attachment_emails/attachment_content_location.eml",
			attachments: []attachmentWant{{id: "2", filename: "Photo25.jpg",
				contentType: "image/jpeg", inline: true}},
		},
		{
			file: "attachment_emails/attachment_message_rfc822.eml",
			attachments: []attachmentWant{{id: "2", filename: "ForwardedMessage.eml",
				contentType: "message/rfc822", contentPrefix: "From xxxx@xxxx.com"}},
		},
		{
			file: "attachment_emails/attachment_message_rfc822_inline_image.eml",
			html: []string{`<img src="cid:emedfeb92f-a786-4718-a446-98db8afb53fb@kronos"`},
			attachments: []attachmentWant{
				{id: "1.2", filename: "img.png", contentType: "image/png", inline: true,
					contentPrefix: "\x89PNG\r\n\x1a\n"},
				{id: "2", filename: "Testmail.eml", contentType: "message/rfc822"},
			},
		},
		{
			file:    "attachment_emails/attachment_only_email.eml",
			subject: "this message JUST contains an attachment",
			attachments: []attachmentWant{{id: "1", filename: "blah.gz",
				contentType: "application/x-gzip", contentPrefix: "J\xe6\xe3y\xcbm"}},
		},
		{
			file:    "rfc6532/utf8_headers.eml",
			subject: "Säying Hello",
			from:    "Jöhn Doe <jdöe@mächine.example>",
			to:      []string{"Märy Smith <märy@exämple.net>"},
			text:    []string{"body"},
		},
		{
			file:    "error_emails/trademark_character_in_subject.eml",
			subject: "GA.comô has a lead for you",
			to: []string{"c@ra-example.com", "e-r-w-a-4462@app.ar.com",
				"leads@ga-example.com"},
		},
		{
			file:    "error_emails/empty_group_lists.eml",
			subject: "Western Union Swift Money Transfer",
			from:    "Cecil Edwards <ceciledwards@sbcglobal.net>",
			to:      []string{},
		},
		{
			file:    "mime_emails/two_from_in_message.eml",
			subject: "Sending messages include last little bit",
			from:    "Tester 1 <tester1@test.com>",
			to:      []string{"tester2@test.com"},
			text: []string{"* From Hotmail you get the ads as well.",
				"* From GMail you also get the person's signature."},
			html: []string{"* From GMail you also get the person&#39;s signature."},
		},
		{
			file:    "error_emails/invalid_subject_characters.eml",
			subject: "Formação FrenetikPolis: Mega Campanha Final Verão | Cursos de Setembro",
			from:    "Formação Frenetikpolis <info@formacaofrenetik.info>",
		},
		{
			file:    "error_emails/bad_subject.eml",
			subject: "MySurvey.com:  You have a survey waiting!  91123105",
			from:    "MySurvey.com & Carol Adams <carol@mysurvey.com>",
		},
		{
			file:    "error_emails/bad_encoded_subject.eml",
			subject: "TEST",
			text:    []string{"TEST"},
		},
		{
			file: "error_emails/header_fields_with_empty_values.eml",
			from: "Jørn Støylen <jorn@prikkprikkprikk.no>",
			text: []string{"Jørn Støylen -- http://www.prikkprikkprikk.no"},
		},
		{
			file:    "plain_emails/raw_email.eml",
			subject: "NOTE: 한국말로 하는 것",
			text:    []string{"대부분의 마찬가지로, 우리는 하나님을 믿습니다.", "제 이름은 Jamis입니다."},
		},
		{
			file: "plain_emails/raw_email_bad_time.eml",
			from: "Атиковa <yusuf75thu@auracom.net>",
		},
		{
			file:    "plain_emails/raw_email_with_partially_quoted_subject.eml",
			subject: `Re: Test: "漢字" mid "漢字" tail`,
		},
		{
			file:    "plain_emails/raw_email10.eml",
			text:    []string{"Envoyé par le service de messagerie texte de Bell Mobilité."},
			subject: "",
		},
		{
			file:    "mime_emails/raw_email_encoded_stack_level_too_deep.eml",
			subject: "Nicolas Fouché has accepted your invitation to Gmail",
			to:      []string{"Nicolas Fouché <a.b@gmail.com>"},
			text:    []string{"Nicolas Fouché has accepted"},
			html:    []string{"<p>Nicolas Fouché has accepted"},
		},
		{
			file:    "rfc2822/example14.eml",
			subject: "Re: TEST テストテスト",
		},
		{
			file: "rfc2822/example04.eml",
			from: "Pete <pete@silly.example>",
			to:   []string{"Chris Jones <c@a.test>", "joe@where.test", "John <jdoe@one.test>"},
		},
		{
			file: "rfc2822/example10.eml",
			from: "Pete <pete@silly.test>",
			to: []string{"Chris Jones <c@public.example>", "joe@example.org",
				"John <jdoe@one.test>"},
		},
		{
			file: "rfc2822/example13.eml",
			from: "John Doe <jdoe@machine.example>",
		},
		{
			file: "plain_emails/raw_email_with_at_display_name.eml",
			from: "Mikel Lindsaar <test@lindsaar.net>",
			to: []string{"smith@gmail.com", "Mikel@Lindsaar <raasdnil@gmail.com>",
				"tom@gmail.com"},
		},
		{
			file: "plain_emails/raw_email_multiple_from.eml",
			from: "tim@powerupdev.com",
			to:   []string{"tim@powerupdev.com", "concierge@powerupdev.com"},
		},
		{
			file: "mime_emails/email_with_similar_boundaries.eml",
			text: []string{"Test"},
			html: []string{"<p>Test</p>"},
			attachments: []attachmentWant{{id: "2", filename: "LOGO.png",
				contentType: "application/octetstream"}},
		},
		{
			file: "mime_emails/raw_email_with_illegal_boundary.eml",
			text: []string{"This is an outlook test"},
			html: []string{"<STRONG>This is an outlook \ntest</STRONG>"},
		},
		{
			file: "mime_emails/raw_email_with_mimepart_without_content_type.eml",
			text: []string{"THIS IS A WARNING MESSAGE ONLY"},
			attachments: []attachmentWant{
				{id: "2", contentType: "message/delivery-status",
					contentPrefix: "Reporting-MTA: dns; antivirus.uqam.ca"},
				{id: "3", filename: "Est-ce toi ?.eml", contentType: "message/rfc822"},
			},
		},
		{
			file: "mime_emails/raw_email4.eml",
			// The footer part after the first text part is appended.
			text: []string{"Some text", "This Orange Multi Media Message"},
		},
		{
			file: "mime_emails/raw_email11.eml",
			// The text/enriched alternative is dropped, not an attachment.
			text:        []string{"XXXXX Xxxxx"},
			attachments: []attachmentWant{},
		},
		{
			file: "mime_emails/raw_email7.eml",
			text: []string{"This is the first part."},
			attachments: []attachmentWant{
				{id: "1.2", filename: "test.rb", contentType: "text/x-ruby-script",
					contentPrefix: `puts "testing, testing"`},
				{id: "1.3", filename: "test.pdf", contentType: "application/pdf",
					inline: true, contentPrefix: "blah blah blah"},
				{id: "2", filename: "smime.p7s", contentType: "application/pkcs7-signature"},
			},
		},
		{
			file: "error_emails/content_transfer_encoding_qp_with_space.eml",
			text: []string{"If you're in need of a good RX site"},
		},
		{
			file: "error_emails/multiple_content_types.eml",
			text: []string{"foo"},
			html: []string{"<p>foo</p>"},
		},
		{
			file: "mime_emails/sig_only_email.eml",
			text: []string{"This is random text"},
			attachments: []attachmentWant{{id: "2", filename: "signature.asc",
				contentType:   "application/pgp-signature",
				contentPrefix: "-----BEGIN PGP SIGNATURE-----"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := parseCorpus(t, tt.file)
			m := p.Message
			assertValidUTF8(t, p)
			if tt.subject != "" {
				assert.Equal(t, tt.subject, m.Subject)
			}
			if tt.from != "" {
				require.NotNil(t, m.From)
				assert.Equal(t, tt.from, m.From.String())
			}
			if tt.to != nil {
				got := []string{}
				for _, a := range m.To {
					got = append(got, a.String())
				}
				assert.Equal(t, tt.to, got)
			}
			for _, s := range tt.text {
				assert.Contains(t, m.Text, s)
			}
			for _, s := range tt.html {
				assert.Contains(t, m.HTML, s)
			}
			if tt.attachments == nil {
				return
			}
			require.Len(t, m.Attachments, len(tt.attachments))
			for i, want := range tt.attachments {
				got := m.Attachments[i]
				assert.Equal(t, want.id, got.ID)
				assert.Equal(t, want.filename, got.Filename)
				assert.Equal(t, want.contentType, got.ContentType)
				assert.Equal(t, want.inline, got.Inline, "inline of %s", got.ID)
				content, ok := p.Content(got.ID)
				require.True(t, ok)
				assert.True(t, strings.HasPrefix(string(content), want.contentPrefix),
					"content of %s starts %q", got.ID, content[:min(len(content), 40)])
			}
		})
	}
}
