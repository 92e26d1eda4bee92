package gmailfake_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/gmail/v1"
)

const corpusDir = "../../../shared/corpus"

// corpusFiles counts the non-empty .eml files under dir.
func corpusFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.EqualFold(filepath.Ext(path), ".eml") {
			return err
		}
		info, err := d.Info()
		if err == nil && info.Size() > 0 {
			n++
		}
		return err
	})
	require.NoError(t, err)
	return n
}

// leaves returns the leaf parts of a payload tree.
func leaves(p *gmail.MessagePart) []*gmail.MessagePart {
	if len(p.Parts) == 0 {
		return []*gmail.MessagePart{p}
	}
	var out []*gmail.MessagePart
	for _, c := range p.Parts {
		out = append(out, leaves(c)...)
	}
	return out
}

func TestServer_SeedDirCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skip("no shared corpus at", corpusDir)
	}
	fake, _ := newFake(t)
	want := corpusFiles(t, corpusDir)
	n, err := fake.SeedDir(ann, corpusDir)
	require.NoError(t, err)
	require.Equal(t, want, n)
	svc := service(t, fake, annToken)

	var ids []string
	token := ""
	for {
		resp, err := svc.Users.Messages.List("me").MaxResults(500).PageToken(token).Do()
		require.NoError(t, err)
		for _, m := range resp.Messages {
			ids = append(ids, m.Id)
		}
		if token = resp.NextPageToken; token == "" {
			break
		}
	}
	require.Len(t, ids, n)

	attachments := 0
	for _, id := range ids {
		full, err := svc.Users.Messages.Get("me", id).Format("full").Do()
		require.NoError(t, err)
		assert.True(t, utf8.ValidString(full.Snippet), "snippet of %s", id)
		require.NotNil(t, full.Payload)
		for _, leaf := range leaves(full.Payload) {
			if leaf.Body.AttachmentId == "" {
				continue
			}
			body, err := svc.Users.Messages.Attachments.Get("me", id, leaf.Body.AttachmentId).Do()
			require.NoError(t, err)
			assert.Len(t, decode(t, body.Data), int(leaf.Body.Size))
			attachments++
		}

		raw, err := svc.Users.Messages.Get("me", id).Format("raw").Do()
		require.NoError(t, err)
		stored, ok := fake.Message(ann, id)
		require.True(t, ok)
		assert.Equal(t, stored.Raw, decode(t, raw.Raw))
	}
	assert.Positive(t, attachments)
}

func TestServer_SeedDirAttachmentNames(t *testing.T) {
	dir := filepath.Join(corpusDir, "ruby-mail-fixtures", "multi_charset")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("no shared corpus at", dir)
	}
	fake, _ := newFake(t)
	_, err := fake.SeedDir(ann, dir)
	require.NoError(t, err)
	svc := service(t, fake, annToken)

	resp, err := svc.Users.Messages.List("me").Q("has:attachment").Do()
	require.NoError(t, err)
	var names []string
	for _, ref := range resp.Messages {
		m, err := svc.Users.Messages.Get("me", ref.Id).Do()
		require.NoError(t, err)
		for _, leaf := range leaves(m.Payload) {
			if leaf.Filename != "" {
				names = append(names, leaf.Filename)
			}
		}
	}
	assert.Contains(t, names, "てすと.txt", "RFC 2047 file names are decoded")
}
