package graphfake

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func folderNames(items []map[string]any) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it["displayName"].(string))
	}
	return out
}

func TestServer_ListFolders(t *testing.T) {
	f := newFixture(t)
	f.deliver(ada, "inbox", 3)
	f.s.Update(ada, f.deliver(ada, "inbox", 1)[0], func(m *Message) { m.IsRead = true })

	res := f.call("GET", "/me/mailFolders", nil)
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.str("@odata.context"), "/mailFolders")
	assert.Equal(t, []string{"Archive", "Deleted Items", "Drafts", "Inbox", "Junk Email",
		"Sent Items"}, folderNames(res.value()))
	inbox := res.value()[3]
	assert.EqualValues(t, 4, inbox["totalItemCount"])
	assert.EqualValues(t, 3, inbox["unreadItemCount"])
	assert.EqualValues(t, 0, inbox["childFolderCount"])
	root := f.call("GET", "/me/mailFolders/msgfolderroot", nil)
	assert.Equal(t, root.str("id"), inbox["parentFolderId"])
}

func TestServer_FolderPaging(t *testing.T) {
	f := newFixture(t)
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		_, err := f.s.CreateFolder(ada, "", name)
		require.NoError(t, err)
	}
	var names []string
	next := "/me/mailFolders?$top=4"
	pages := 0
	for next != "" {
		res := f.call("GET", next, nil)
		require.Equal(t, http.StatusOK, res.status)
		assert.LessOrEqual(t, len(res.value()), 4)
		names = append(names, folderNames(res.value())...)
		next = res.str("@odata.nextLink")
		pages++
	}
	assert.Equal(t, 3, pages)
	assert.Len(t, names, 11)

	def := f.call("GET", "/me/mailFolders", nil)
	assert.Len(t, def.value(), 10, "Graph's default page size")
	assert.NotEmpty(t, def.str("@odata.nextLink"))
}

func TestServer_GetFolderByWellKnownName(t *testing.T) {
	f := newFixture(t)
	for _, wk := range wellKnownFolders() {
		t.Run(wk[0], func(t *testing.T) {
			res := f.call("GET", "/me/mailFolders/"+wk[0], nil)
			require.Equal(t, http.StatusOK, res.status)
			assert.Equal(t, wk[1], res.str("displayName"))
			byID := f.call("GET", "/me/mailFolders/"+url.PathEscape(res.str("id")), nil)
			assert.Equal(t, wk[1], byID.str("displayName"))
		})
	}
	assert.Equal(t, http.StatusNotFound, f.call("GET", "/me/mailFolders/nope", nil).status)
}

func TestServer_ChildFolders(t *testing.T) {
	f := newFixture(t)
	res := f.call("POST", "/me/mailFolders/inbox/childFolders",
		map[string]any{"displayName": "Receipts"})
	require.Equal(t, http.StatusCreated, res.status, string(res.raw))
	child := res.str("id")
	hidden := f.call("POST", "/me/mailFolders/inbox/childFolders",
		map[string]any{"displayName": "Secret", "isHidden": true})
	require.Equal(t, http.StatusCreated, hidden.status)

	dup := f.call("POST", "/me/mailFolders/inbox/childFolders",
		map[string]any{"displayName": "receipts"})
	assert.Equal(t, http.StatusConflict, dup.status)
	assert.Equal(t, "ErrorFolderExists", dup.errorCode())

	list := f.call("GET", "/me/mailFolders/inbox/childFolders", nil)
	assert.Equal(t, []string{"Receipts"}, folderNames(list.value()))
	all := f.call("GET", "/me/mailFolders/inbox/childFolders?includeHiddenFolders=true", nil)
	assert.Equal(t, []string{"Receipts", "Secret"}, folderNames(all.value()))

	inbox := f.call("GET", "/me/mailFolders/inbox", nil)
	assert.EqualValues(t, 2, inbox.body["childFolderCount"])
	got := f.call("GET", "/me/mailFolders/inbox/childFolders/"+url.PathEscape(child), nil)
	assert.Equal(t, "Receipts", got.str("displayName"))

	renamed := f.call("PATCH", "/me/mailFolders/"+url.PathEscape(child),
		map[string]any{"displayName": "Invoices"})
	assert.Equal(t, "Invoices", renamed.str("displayName"))

	f.deliver(ada, child, 2)
	assert.Equal(t, http.StatusNoContent,
		f.call("DELETE", "/me/mailFolders/"+url.PathEscape(child), nil).status)
	assert.Equal(t, http.StatusNotFound,
		f.call("GET", "/me/mailFolders/"+url.PathEscape(child), nil).status)
	assert.Empty(t, f.s.Messages(ada), "the folder's messages went with it")

	inboxDel := f.call("DELETE", "/me/mailFolders/inbox", nil)
	assert.Equal(t, http.StatusBadRequest, inboxDel.status)
	assert.Equal(t, "ErrorDeleteDistinguishedFolder", inboxDel.errorCode())
}

func TestServer_FolderSelect(t *testing.T) {
	f := newFixture(t)
	res := f.call("GET", "/me/mailFolders/inbox?$select=displayName", nil)
	require.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, "Inbox", res.str("displayName"))
	assert.NotEmpty(t, res.str("id"))
	assert.NotContains(t, res.body, "totalItemCount")

	bad := f.call("GET", "/me/mailFolders?$select=colour", nil)
	assert.Equal(t, http.StatusBadRequest, bad.status)
}

func TestServer_CreateFolderAPI(t *testing.T) {
	f := newFixture(t)
	id, err := f.s.CreateFolder(ada, "archive", "2024")
	require.NoError(t, err)
	_, err = f.s.CreateFolder(ada, "archive", "2024")
	assert.Error(t, err)
	_, err = f.s.CreateFolder(ada, "nope", "x")
	assert.Error(t, err)

	var found bool
	for _, fo := range f.s.Folders(ada) {
		if fo.ID == id {
			found = true
			assert.Equal(t, "2024", fo.DisplayName)
			assert.Empty(t, fo.WellKnownName)
		}
	}
	assert.True(t, found)
	f.s.DeleteFolder(ada, id)
	assert.Panics(t, func() { f.s.DeleteFolder(ada, id) })
}
