package mailmanager_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest"
	"github.com/mailmanager/mailmanager/mailtest/gmailfake"
	"github.com/mailmanager/mailmanager/memstore"
)

// stormLatency is the round trip the fakes add to every request, to the
// token endpoint and to the API alike.
const stormLatency = 20 * time.Millisecond

// BenchmarkManager_RefreshStorm measures 100 concurrent requests through
// Manager.Client on an account whose access token has just expired, as
// when a host's workers all wake up at once: token-requests is how many
// requests reached the token endpoint per storm. The old token is also
// expired at the fake, so a request that did not wait for the new one
// fails.
func BenchmarkManager_RefreshStorm(b *testing.B) {
	const callers = 100
	oauth := mailtest.NewOAuthServer()
	b.Cleanup(oauth.Close)
	oauth.RegisterClient(testClientID, testClientSecret)
	oauth.SetDefaultAddress(testAddress)
	api := gmailfake.New(oauth)
	b.Cleanup(api.Close)
	api.AddMailbox(testAddress)
	api.SetQuota(0)

	clk := newClock()
	provider := &mailtest.Provider{ProviderName: "gmail", Server: oauth}
	mux := http.NewServeMux()
	app := httptest.NewServer(mux)
	b.Cleanup(app.Close)
	m, err := mailmanager.New(mailmanager.Config{
		Store:       memstore.New(),
		Providers:   []mailmanager.Provider{provider},
		Key:         bytes.Repeat([]byte{8}, 32),
		BaseURL:     app.URL,
		CurrentUser: func(*http.Request) (string, error) { return "u1", nil },
		Logger:      suiteLog.Logger(),
		Now:         clk.Now,
	})
	require.NoError(b, err)
	mux.Handle("/oauth/connect/", m.ConnectHandler())
	mux.Handle("/oauth/callback/", m.CallbackHandler())
	mux.HandleFunc("/", func(http.ResponseWriter, *http.Request) {})
	ctx := context.Background()
	require.NoError(b, m.SaveCredentials(ctx, "gmail",
		mailmanager.Credentials{ClientID: testClientID, ClientSecret: testClientSecret}))
	resp, err := http.Get(app.URL + "/oauth/connect/gmail")
	require.NoError(b, err)
	resp.Body.Close()
	accts, err := m.Accounts(ctx, "u1")
	require.NoError(b, err)
	require.Len(b, accts, 1)
	id := accts[0].ID
	oauth.SetLatency(stormLatency)
	api.SetLatency(stormLatency)
	profile := api.URL() + "/gmail/v1/users/me/profile"

	var tokenRequests int
	for b.Loop() {
		b.StopTimer()
		clk.Advance(2 * time.Hour)
		oauth.ExpireAccessTokens()
		before := oauth.Stats().TokenRequests
		b.StartTimer()

		statuses := stormRequests(m.Client(id), profile, callers)

		b.StopTimer()
		tokenRequests += oauth.Stats().TokenRequests - before
		for i, status := range statuses {
			require.Equal(b, http.StatusOK, status, "caller %d", i)
		}
		tok, err := m.Token(ctx, id)
		require.NoError(b, err)
		noteSecret(tok.AccessToken)
		noteSecret(tok.RefreshToken)
		b.StartTimer()
	}
	b.ReportMetric(float64(tokenRequests)/float64(b.N), "token-requests")
}

// stormRequests sends n GET requests to url through client at once and
// returns their statuses; a failed request has status 0.
func stormRequests(client *http.Client, url string, n int) []int {
	statuses := make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			resp, err := client.Get(url)
			if err != nil {
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		})
	}
	close(start)
	wg.Wait()
	return statuses
}
