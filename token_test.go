package mailmanager_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
)

func TestToken_RefreshStormMakesOneTokenRequest(t *testing.T) {
	e := newEnv(t)
	e.connect("u1", "gmail", "")
	a := e.onlyAccount("u1")
	e.clock.Advance(2 * time.Hour)
	before := e.oauth.Stats().TokenRequests

	var wg sync.WaitGroup
	statuses := make([]int, 100)
	errs := make([]error, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := e.m.Client(a.ID).Get(e.oauth.UserinfoURL())
			if err != nil {
				errs[i] = err
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()

	for i := range 100 {
		require.NoError(t, errs[i])
		assert.Equal(t, http.StatusOK, statuses[i])
	}
	assert.Equal(t, 1, e.oauth.Stats().TokenRequests-before, "100 callers, one refresh")
	e.token(e.m, a.ID)
}

func TestToken_TwoManagersRaceRotatingRefresh(t *testing.T) {
	rounds := 1000
	if testing.Short() {
		rounds = 100
	}
	e := newEnv(t)
	e.oauth.SetRotation(true)
	e.connect("u1", "gmail", "")
	a := e.onlyAccount("u1")
	m2 := e.newManager()
	ctx := context.Background()

	for round := range rounds {
		e.clock.Advance(2 * time.Hour)
		var wg sync.WaitGroup
		var err1, err2 error
		wg.Add(2)
		go func() { defer wg.Done(); _, err1 = e.m.Token(ctx, a.ID) }()
		go func() { defer wg.Done(); _, err2 = m2.Token(ctx, a.ID) }()
		wg.Wait()
		require.NoError(t, err1, "round %d", round)
		require.NoError(t, err2, "round %d", round)
	}

	current := e.oauth.RefreshToken(testAddress)
	for _, m := range []*mailmanager.Manager{e.m, m2} {
		_, refresh, err := e.token(m, a.ID)
		require.NoError(t, err)
		assert.Equal(t, current, refresh, "every Manager ends with the newest refresh token")
	}
	got, err := e.m.Account(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, mailmanager.StatusActive, got.Status)
	assert.GreaterOrEqual(t, got.TokenVersion, int64(rounds))

	// The stored token still refreshes at the provider.
	e.clock.Advance(2 * time.Hour)
	_, _, err = e.token(e.m, a.ID)
	require.NoError(t, err)
}

func TestToken_InvalidGrantNeedsReauth(t *testing.T) {
	e := newEnv(t)
	e.connect("u1", "gmail", "")
	a := e.onlyAccount("u1")
	e.oauth.Revoke(testAddress)
	e.clock.Advance(2 * time.Hour)
	before := e.oauth.Stats().TokenRequests
	ctx := context.Background()

	_, err := e.m.Token(ctx, a.ID)
	require.ErrorIs(t, err, mailmanager.ErrReauthRequired)
	assert.Equal(t, 1, e.oauth.Stats().TokenRequests-before, "one token request, no retry loop")
	got, err := e.m.Account(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, mailmanager.StatusNeedsReauth, got.Status)

	_, err = e.m.Token(ctx, a.ID)
	require.ErrorIs(t, err, mailmanager.ErrReauthRequired)
	_, err = e.m.Mailbox(ctx, a.ID)
	require.ErrorIs(t, err, mailmanager.ErrReauthRequired)
	assert.Equal(t, 1, e.oauth.Stats().TokenRequests-before, "a known-bad grant is not tried again")

	// The same connect handler re-authorizes the account.
	resp, _ := e.connect("u1", "gmail", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	got = e.onlyAccount("u1")
	assert.Equal(t, a.ID, got.ID)
	assert.Equal(t, mailmanager.StatusActive, got.Status)
	_, _, err = e.token(e.m, a.ID)
	require.NoError(t, err)
}

func TestToken_ServerErrorDoesNotNeedReauth(t *testing.T) {
	e := newEnv(t)
	e.connect("u1", "gmail", "")
	a := e.onlyAccount("u1")
	e.clock.Advance(2 * time.Hour)
	e.oauth.FailTokenRequests(1, http.StatusServiceUnavailable)
	ctx := context.Background()

	_, err := e.m.Token(ctx, a.ID)
	require.Error(t, err)
	assert.NotErrorIs(t, err, mailmanager.ErrReauthRequired)
	var te *mailmanager.TokenError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, http.StatusServiceUnavailable, te.Status)
	got, err := e.m.Account(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, mailmanager.StatusActive, got.Status)

	_, _, err = e.token(e.m, a.ID)
	require.NoError(t, err, "the next call refreshes")
}

func TestToken_StoreHoldsNoSecretInClear(t *testing.T) {
	e := newEnv(t)
	e.oauth.SetRotation(true)
	e.connect("u1", "gmail", "")
	e.connect("u2", "outlook", "")
	var secrets []string
	for _, u := range []string{"u1", "u2"} {
		a := e.onlyAccount(u)
		e.clock.Advance(2 * time.Hour)
		access, refresh, err := e.token(e.m, a.ID)
		require.NoError(t, err)
		secrets = append(secrets, access, refresh)
	}
	secrets = append(secrets, testClientSecret)

	dump := string(e.store.Dump())
	require.Contains(t, dump, testClientID, "the dump shows what the store holds")
	for _, s := range secrets {
		require.NotEmpty(t, s)
		assert.NotContains(t, dump, s)
		assert.NotContains(t, dump, base64.StdEncoding.EncodeToString([]byte(s)))
		assert.NotContains(t, dump, base64.RawURLEncoding.EncodeToString([]byte(s)))
		assert.False(t, strings.Contains(strings.ToLower(dump), strings.ToLower(s)))
	}
}

func TestToken_KeyRotationReadsOldValues(t *testing.T) {
	e := newEnv(t)
	e.connect("u1", "gmail", "")
	a := e.onlyAccount("u1")
	access, _, err := e.token(e.m, a.ID)
	require.NoError(t, err)

	oldKey := e.config.Key
	e.config.Key = []byte(strings.Repeat("n", 40))
	e.config.PreviousKeys = [][]byte{oldKey}
	rotated := e.newManager()
	got, _, err := e.token(rotated, a.ID)
	require.NoError(t, err)
	assert.Equal(t, access, got)

	e.config.PreviousKeys = nil
	lost := e.newManager()
	_, _, err = e.token(lost, a.ID)
	require.Error(t, err, "without the old key the token does not open")
	assert.NotErrorIs(t, err, mailmanager.ErrReauthRequired)
}

func TestToken_ClientFailsForUnknownAccount(t *testing.T) {
	e := newEnv(t)
	_, err := e.m.Client("acc_missing").Get(e.oauth.UserinfoURL())
	require.ErrorIs(t, err, mailmanager.ErrNotFound)
}

func TestToken_RefusedFreshTokenIsRenewedOnce(t *testing.T) {
	e := newEnv(t)
	e.connect("u1", "gmail", "")
	a := e.onlyAccount("u1")
	e.token(e.m, a.ID)
	e.oauth.ExpireAccessTokens() // the provider drops tokens that still look fresh
	before := e.oauth.Stats().Refreshes

	resp, err := e.m.Client(a.ID).Get(e.oauth.UserinfoURL())
	require.NoError(t, err)
	resp.Body.Close()

	assert.Equal(t, http.StatusOK, resp.StatusCode, "the call goes through with a new token")
	assert.Equal(t, 1, e.oauth.Stats().Refreshes-before)
	e.token(e.m, a.ID)
}

func TestToken_RevokedGrantIsNoticedAtOnce(t *testing.T) {
	e := newEnv(t)
	e.connect("u1", "gmail", "")
	a := e.onlyAccount("u1")
	e.oauth.Revoke(testAddress) // while the cached access token looks fresh

	resp, err := e.m.Client(a.ID).Get(e.oauth.UserinfoURL())
	if err == nil {
		resp.Body.Close()
	}

	require.ErrorIs(t, err, mailmanager.ErrReauthRequired)
	got, err := e.m.Account(context.Background(), a.ID)
	require.NoError(t, err)
	assert.Equal(t, mailmanager.StatusNeedsReauth, got.Status)
}
