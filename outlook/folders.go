package outlook

import (
	"context"
	"errors"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/mailmanager/mailmanager"
)

// folderFields describe a mail folder.
var folderFields = []string{
	"id", "displayName", "parentFolderId", "childFolderCount",
	"totalItemCount", "unreadItemCount",
}

// wellKnownNames are the folders Graph names in URLs whatever the
// mailbox's language; Folders reports them as System.
var wellKnownNames = []string{
	"inbox", "drafts", "sentitems", "deleteditems", "junkemail", "outbox",
	"archive", "conversationhistory", "scheduled", "searchfolders",
}

// Folders lists every mail folder of the mailbox, children after their
// parent, with message counts. Well-known folders such as the inbox are
// System.
func (m *Mailbox) Folders(ctx context.Context) ([]mailmanager.Folder, error) {
	folders, err := m.listFolders(ctx)
	if err != nil {
		return nil, err
	}
	known, err := m.wellKnownFolders(ctx)
	if err != nil {
		return nil, err
	}
	for i := range folders {
		_, folders[i].System = known[folders[i].ID]
	}
	return folders, nil
}

// listFolders lists the folders under the root of the mailbox, one level
// after the other, following every page.
func (m *Mailbox) listFolders(ctx context.Context) ([]mailmanager.Folder, error) {
	top := int32(100)
	var (
		out    []mailmanager.Folder
		parent []string // folders whose children are still to list
	)
	folders := m.graph.Me().MailFolders()
	page, err := folders.Get(ctx, &users.ItemMailFoldersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemMailFoldersRequestBuilderGetQueryParameters{
			Select: folderFields, Top: &top,
		},
	})
	for {
		if err != nil {
			return nil, apiError("mailFolders.list", err)
		}
		if page == nil {
			return nil, noAnswer("mailFolders.list")
		}
		for _, f := range page.GetValue() {
			if f == nil {
				continue
			}
			out = append(out, toFolder(f))
			if deref(f.GetChildFolderCount()) > 0 {
				parent = append(parent, deref(f.GetId()))
			}
		}
		if next := deref(page.GetOdataNextLink()); next != "" {
			page, err = folders.WithUrl(next).Get(ctx, nil)
			continue
		}
		if len(parent) == 0 {
			return out, nil
		}
		id := parent[0]
		parent = parent[1:]
		children := &users.ItemMailFoldersItemChildFoldersRequestBuilderGetQueryParameters{
			Select: folderFields, Top: &top,
		}
		page, err = folders.ByMailFolderId(id).ChildFolders().Get(ctx,
			&users.ItemMailFoldersItemChildFoldersRequestBuilderGetRequestConfiguration{
				QueryParameters: children,
			})
	}
}

func toFolder(f models.MailFolderable) mailmanager.Folder {
	return mailmanager.Folder{
		ID:       deref(f.GetId()),
		Name:     deref(f.GetDisplayName()),
		ParentID: deref(f.GetParentFolderId()),
		Total:    int(deref(f.GetTotalItemCount())),
		Unread:   int(deref(f.GetUnreadItemCount())),
	}
}

// wellKnownFolders maps the IDs of the mailbox's well-known folders to
// their names. Graph v1.0 does not mark them in a listing, so each name is
// resolved once per Mailbox; a name the mailbox lacks is skipped.
func (m *Mailbox) wellKnownFolders(ctx context.Context) (map[string]string, error) {
	m.mu.Lock()
	known := m.wellKnown
	m.mu.Unlock()
	if known != nil {
		return known, nil
	}

	ids := make([]string, len(wellKnownNames))
	errs := make([]error, len(wellKnownNames))
	each(len(wellKnownNames), func(i int) {
		ids[i], errs[i] = m.folderID(ctx, wellKnownNames[i])
	})
	known = map[string]string{}
	for i, name := range wellKnownNames {
		switch {
		case errs[i] == nil:
			known[ids[i]] = name
		case !errors.Is(errs[i], mailmanager.ErrNotFound):
			return nil, errs[i]
		}
	}
	m.mu.Lock()
	m.wellKnown = known
	m.mu.Unlock()
	return known, nil
}

// folderID resolves a folder ID or well-known name to the folder's ID.
func (m *Mailbox) folderID(ctx context.Context, name string) (string, error) {
	f, err := m.graph.Me().MailFolders().ByMailFolderId(name).Get(ctx,
		&users.ItemMailFoldersMailFolderItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemMailFoldersMailFolderItemRequestBuilderGetQueryParameters{
				Select: []string{"id"},
			},
		})
	if err != nil {
		return "", apiError("mailFolders.get", err)
	}
	if f == nil {
		return "", noAnswer("mailFolders.get")
	}
	return deref(f.GetId()), nil
}
