package gmail

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest/gmailfake"
)

func TestSync_RefusedPageTokenIsExpired(t *testing.T) {
	fake := gmailfake.New(gmailfake.Tokens{"tok": "ann@example.com"})
	t.Cleanup(fake.Close)
	fake.AddMailbox("ann@example.com")
	client := &http.Client{Transport: &oauth2.Transport{
		Source: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "tok"}),
		Base:   http.DefaultTransport,
	}}
	mb, err := New(Config{APIURL: fake.URL() + "/"}).Open(context.Background(), client)
	require.NoError(t, err)

	stale := cursor{History: 1, Full: true, Page: "not-a-token"}.String()
	err = mb.Sync(context.Background(), stale, mailmanager.SyncOptions{},
		func(context.Context, *mailmanager.Changes) error { return nil })
	var ae *mailmanager.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusBadRequest, ae.Status)
	assert.ErrorIs(t, err, mailmanager.ErrCursorExpired)
}
