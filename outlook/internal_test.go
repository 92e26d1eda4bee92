package outlook

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
)

func TestNewAPIError_Sentinels(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   string
		want   error
	}{
		{404, "ErrorItemNotFound", mailmanager.ErrNotFound},
		{400, "ErrorItemNotFound", mailmanager.ErrNotFound},
		{404, "", mailmanager.ErrNotFound},
		{404, "MailboxNotEnabledForRESTAPI", ErrMailboxNotEnabled},
		{410, "syncStateNotFound", mailmanager.ErrCursorExpired},
		{400, "SyncStateNotFound", mailmanager.ErrCursorExpired},
		{410, "resyncRequired", mailmanager.ErrCursorExpired},
		{410, "", mailmanager.ErrCursorExpired},
		{401, "InvalidAuthenticationToken", mailmanager.ErrReauthRequired},
		{429, "ApplicationThrottled", nil},
		{500, "generalException", nil},
	} {
		t.Run(tc.code+"/"+http.StatusText(tc.status), func(t *testing.T) {
			h := http.Header{"Retry-After": {"7"}}

			e := newAPIError("op", tc.status, h, tc.code, "msg")

			assert.Equal(t, tc.want, e.Err)
			assert.Equal(t, 7*time.Second, e.RetryAfter)
			assert.Equal(t, "outlook", e.Provider)
		})
	}
}

func TestWrapf_DropsURLQuery(t *testing.T) {
	err := &url.Error{Op: "Put", URL: "http://127.0.0.1:1/api/v2.0/uploads/x?authtoken=SECRET",
		Err: errors.New("connection refused")}

	got := wrapf("attachments.upload", err)

	assert.NotContains(t, got.Error(), "SECRET")
	assert.Contains(t, got.Error(), "/api/v2.0/uploads/x")
	assert.Contains(t, got.Error(), "connection refused")
}

func TestMergeLabels(t *testing.T) {
	for _, tc := range []struct {
		current, add, remove, want []string
	}{
		{nil, nil, nil, []string{}},
		{[]string{"a"}, []string{"b"}, nil, []string{"a", "b"}},
		{[]string{"a", "b"}, []string{"b", "c", "c"}, []string{"a"}, []string{"b", "c"}},
		{[]string{"a"}, []string{"a"}, []string{"a"}, []string{}},
	} {
		assert.Equal(t, tc.want, mergeLabels(tc.current, tc.add, tc.remove))
	}
}

func TestDecodeCursor(t *testing.T) {
	st := &syncState{V: cursorVersion, Links: map[string]string{"f": "/me/x?$deltatoken=1"},
		Pending: []string{"a"}, Run: true, Full: true}

	got, err := decodeCursor(st.encode())

	require.NoError(t, err)
	assert.Equal(t, st, got)
	for _, bad := range []*syncState{
		{V: 2, Links: map[string]string{}},
		{V: cursorVersion, Links: map[string]string{"f": "https://evil.example/v1.0/me"}},
		{V: cursorVersion, Links: map[string]string{"f": "@evil.example/x"}},
	} {
		_, err := decodeCursor(bad.encode())
		assert.ErrorIs(t, err, mailmanager.ErrCursorExpired)
	}
}

func TestRelLink(t *testing.T) {
	m := &Mailbox{cfg: Config{APIURL: "http://127.0.0.1:9/v1.0"}}
	for link, ok := range map[string]bool{
		"http://127.0.0.1:9/v1.0/me/mailFolders('x')/messages/delta()?$skiptoken=1": true,
		"http://127.0.0.1:9/v1.0.evil/me":                                           false,
		"http://evil.example/v1.0/me":                                               false,
		"http://127.0.0.1:9/v1.0":                                                   false,
		"http://127.0.0.1:9/v1.0/me?$delta=x":                                       true,
		"https://127.0.0.1:9/v1.0/me?$delta=x":                                      false,
	} {
		rel, err := m.relLink(link)
		if !ok {
			assert.Error(t, err, link)
			continue
		}
		require.NoError(t, err, link)
		assert.Equal(t, link, m.absLink(rel))
	}
}
