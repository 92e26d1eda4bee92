package main

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestApp_MarkUnreadStarAndTrash(t *testing.T) {
	ts, b, accounts := connected(t)
	for _, provider := range []string{"gmail", "outlook"} {
		t.Run(provider, func(t *testing.T) {
			acc := accounts[provider]
			m := find(t, ts, acc, "Quarterly report")
			b.get(messageURL(acc.ID, m.ID))
			require.True(t, ts.app.index.message(acc.ID, m.ID).Read)

			res, body := b.post(messageURL(acc.ID, m.ID)+"/unread", nil)
			require.Equal(t, http.StatusOK, res.StatusCode, body)
			assert.Contains(t, body, "Marked as unread.")
			assert.False(t, ts.app.index.message(acc.ID, m.ID).Read)
			ts.syncAll(t)
			assert.False(t, ts.app.index.message(acc.ID, m.ID).Read, "the provider has it unread too")

			b.get("/mail")
			b.post(messageURL(acc.ID, m.ID)+"/star", nil)
			ts.syncAll(t)
			assert.True(t, ts.app.index.message(acc.ID, m.ID).Starred)
			_, body = b.get("/mail?view=starred")
			assert.Contains(t, body, "Quarterly report")

			b.post(messageURL(acc.ID, m.ID)+"/trash", nil)
			ts.syncAll(t)
			_, body = b.get("/mail?account=" + acc.ID)
			assert.NotContains(t, body, "Quarterly report", "trashed mail leaves the list")

			res, _ = b.post(messageURL(acc.ID, m.ID)+"/explode", nil)
			assert.Equal(t, http.StatusNotFound, res.StatusCode)
		})
	}
}

func TestApp_OtherUsersMailIsNotFound(t *testing.T) {
	ts, _, accounts := connected(t)
	grace := ts.browser(t)
	grace.signIn("grace")
	acc := accounts["gmail"]
	m := find(t, ts, acc, "Quarterly report")

	for _, p := range []string{
		messageURL(acc.ID, m.ID),
		messageURL(acc.ID, m.ID) + "/attachments/" + url.PathEscape(m.Attachments[0].ID),
		"/mail?account=" + acc.ID,
		"/compose?mode=reply&account=" + acc.ID + "&id=" + m.ID,
	} {
		res, body := grace.get(p)
		assert.Equal(t, http.StatusNotFound, res.StatusCode, p)
		assert.NotContains(t, body, "September,1500,120")
	}
	grace.get("/mail")
	for _, action := range []string{"unread", "trash"} {
		res, _ := grace.post(messageURL(acc.ID, m.ID)+"/"+action, nil)
		assert.Equal(t, http.StatusNotFound, res.StatusCode, action)
	}
	res, _ := grace.post("/accounts/"+acc.ID+"/disconnect", nil)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	_, err := ts.app.mgr.Account(t.Context(), acc.ID)
	assert.NoError(t, err, "grace disconnected ada's mailbox")
}
