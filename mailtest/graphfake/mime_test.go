package graphfake

import (
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const corpusDir = "../../../shared/corpus"

func TestServer_DeliverThreads(t *testing.T) {
	f := newFixture(t)
	first, err := f.s.Deliver(ada, "", eml("carol@example.org", ada, "Q", "?",
		"Message-ID", "<q1@example.org>"))
	require.NoError(t, err)
	answer, err := f.s.Deliver(ada, "", eml("dan@example.org", ada, "Re: Q", "!",
		"Message-ID", "<q2@example.org>", "In-Reply-To", "<q1@example.org>"))
	require.NoError(t, err)
	late, err := f.s.Deliver(ada, "archive", eml("eve@example.org", ada, "Re: Q", "!!",
		"References", "<q0@example.org> <q2@example.org>"))
	require.NoError(t, err)
	other, err := f.s.Deliver(ada, "", eml("eve@example.org", ada, "New", "."))
	require.NoError(t, err)

	conv := func(id string) string {
		m, ok := f.s.Message(ada, id)
		require.True(t, ok)
		return m.ConversationID
	}
	assert.Equal(t, conv(first), conv(answer))
	assert.Equal(t, conv(first), conv(late))
	assert.NotEqual(t, conv(first), conv(other))
	m, _ := f.s.Message(ada, late)
	archive := f.call("GET", "/me/mailFolders/archive", nil)
	assert.Equal(t, archive.str("id"), m.ParentFolderID)
	assert.NotEmpty(t, m.InternetMessageID, "a missing Message-ID is assigned")

	_, err = f.s.Deliver(ada, "nowhere", eml("a@b", ada, "x", "y"))
	assert.Error(t, err)
	_, err = f.s.Deliver("stranger@example.com", "", eml("a@b", ada, "x", "y"))
	assert.Error(t, err)
}

// corpusFiles lists the corpus's *.eml files, or skips the test if the
// corpus is not there.
func corpusFiles(t *testing.T) []string {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("corpus not found at %s", corpusDir)
	}
	var files []string
	require.NoError(t, filepath.WalkDir(corpusDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".eml") {
			files = append(files, p)
		}
		return err
	}))
	require.NotEmpty(t, files)
	return files
}

func TestServer_SeedDirCorpus(t *testing.T) {
	files := corpusFiles(t)
	f := newFixture(t)
	n, err := f.s.SeedDir(ada, corpusDir)
	require.NoError(t, err)
	assert.Equal(t, len(files), n)

	msgs := f.s.Messages(ada)
	require.Len(t, msgs, len(files))
	for _, m := range msgs {
		assert.True(t, utf8.ValidString(m.Subject), m.Subject)
		assert.True(t, utf8.ValidString(m.Body.Content), m.Subject)
		assert.Contains(t, []string{"text", "html"}, m.Body.ContentType)
		assert.NotEmpty(t, m.ConversationID)
		for _, a := range m.Attachments {
			assert.NotEmpty(t, a.Name)
			assert.True(t, utf8.ValidString(a.Name), a.Name)
		}
	}

	// Every message renders through the API, a page at a time.
	count := 0
	next := "/me/mailFolders/inbox/messages?$top=50&$expand=attachments"
	for next != "" {
		res := f.call("GET", next, nil, imm...)
		require.Equal(t, http.StatusOK, res.status)
		for _, it := range res.value() {
			assert.LessOrEqual(t, utf8.RuneCountInString(it["bodyPreview"].(string)), 255)
		}
		count += len(res.value())
		next = res.str("@odata.nextLink")
	}
	assert.Equal(t, len(files), count)
}

func TestServer_DeliverCorpusSpecifics(t *testing.T) {
	corpusFiles(t)
	base := filepath.Join(corpusDir, "ruby-mail-fixtures")
	tests := []struct {
		file  string
		check func(t *testing.T, m Message)
	}{
		{"multi_charset/japanese_shift_jis.eml", func(t *testing.T, m Message) {
			assert.Contains(t, m.Body.Content, "あいうえお")
		}},
		{"multi_charset/japanese_attachment.eml", func(t *testing.T, m Message) {
			require.NotEmpty(t, m.Attachments)
			assert.Equal(t, "てすと.txt", m.Attachments[0].Name)
		}},
		{"attachment_emails/attachment_pdf.eml", func(t *testing.T, m Message) {
			require.Len(t, m.Attachments, 1)
			assert.True(t, strings.HasSuffix(m.Attachments[0].Name, ".pdf"))
			assert.True(t, strings.HasPrefix(string(m.Attachments[0].Content), "%PDF"))
			assert.True(t, m.HasAttachments())
			assert.Equal(t, "Test Tester", m.From.Name, "the mbox From_ line is skipped")
		}},
		{"attachment_emails/attachment_message_rfc822.eml", func(t *testing.T, m Message) {
			var items int
			for _, a := range m.Attachments {
				if a.Item {
					items++
					assert.Equal(t, "message/rfc822", a.ContentType)
				}
			}
			assert.Equal(t, 1, items)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(base, tt.file))
			require.NoError(t, err)
			f := newFixture(t)
			id, err := f.s.Deliver(ada, "", raw)
			require.NoError(t, err)
			m, ok := f.s.Message(ada, id)
			require.True(t, ok)
			tt.check(t, m)
		})
	}
}
