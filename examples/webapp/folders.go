package main

import (
	"cmp"
	"slices"
	"strings"

	"github.com/mailmanager/mailmanager"
)

// role is what a folder or label is for, as far as the list cares.
type role int

const (
	roleOther role = iota
	roleInbox
	roleStarred
	roleSent
	roleDrafts
	roleJunk
	roleTrash
	// roleHidden is not shown in the navigation.
	roleHidden
)

// gmailRoles are Gmail's system labels, by label ID.
func gmailRoles() map[string]role {
	return map[string]role{
		"INBOX": roleInbox, "STARRED": roleStarred, "IMPORTANT": roleHidden,
		"SENT": roleSent, "DRAFT": roleDrafts, "SPAM": roleJunk, "TRASH": roleTrash,
		"UNREAD": roleHidden, "CHAT": roleHidden,
	}
}

// outlookRoles are Outlook's well-known folders, by English display name.
// Graph gives well-known folders localized names and mailmanager does not
// say which folder is which, so a mailbox in another language shows its
// folders as ordinary ones; its trash then shows in "All mail".
func outlookRoles() map[string]role {
	return map[string]role{
		"inbox": roleInbox, "sent items": roleSent, "drafts": roleDrafts,
		"junk email": roleJunk, "deleted items": roleTrash,
		"outbox": roleHidden, "conversation history": roleHidden,
		"sync issues": roleHidden, "search folders": roleHidden, "rss feeds": roleHidden,
		"rss subscriptions": roleHidden, "scheduled": roleHidden,
	}
}

// folderRole tells what a folder of the provider is for.
func folderRole(provider string, f mailmanager.Folder) role {
	if provider == "gmail" {
		if r, ok := gmailRoles()[f.ID]; ok {
			return r
		}
		if strings.HasPrefix(f.ID, "CATEGORY_") {
			return roleHidden
		}
		return roleOther
	}
	return outlookRoles()[strings.ToLower(f.Name)]
}

// folderName is the name the navigation shows.
func folderName(provider string, f mailmanager.Folder) string {
	if provider != "gmail" || !f.System {
		return f.Name
	}
	switch folderRole(provider, f) {
	case roleInbox:
		return "Inbox"
	case roleStarred:
		return "Starred"
	case roleSent:
		return "Sent"
	case roleDrafts:
		return "Drafts"
	case roleJunk:
		return "Spam"
	case roleTrash:
		return "Trash"
	}
	if f.ID == f.Name && f.Name != "" {
		return f.Name[:1] + strings.ToLower(f.Name[1:])
	}
	return f.Name
}

// navFolder is a folder as the navigation shows it.
type navFolder struct {
	ID     string
	Name   string
	Unread int
	role   role
}

// navFolders orders an account's folders for the navigation: the inbox
// and other well-known ones first, in a fixed order, then the user's own
// by name. Folders the navigation does not show are left out.
func navFolders(provider string, folders []mailmanager.Folder, unread map[string]int) []navFolder {
	var out []navFolder
	for _, f := range folders {
		r := folderRole(provider, f)
		if r == roleHidden {
			continue
		}
		out = append(out, navFolder{
			ID: f.ID, Name: folderName(provider, f), Unread: unread[f.ID], role: r,
		})
	}
	slices.SortStableFunc(out, func(p, q navFolder) int {
		pr, qr := p.role, q.role
		if pr == roleOther {
			pr = roleHidden
		}
		if qr == roleOther {
			qr = roleHidden
		}
		return cmp.Or(cmp.Compare(pr, qr),
			strings.Compare(strings.ToLower(p.Name), strings.ToLower(q.Name)))
	})
	return out
}

// trashed reports whether a message is in the trash of its mailbox.
func trashed(provider string, m *mailmanager.Message, folders []mailmanager.Folder) bool {
	if provider == "gmail" {
		return slices.Contains(m.Labels, "TRASH")
	}
	for _, f := range folders {
		if f.ID == m.Folder {
			return folderRole(provider, f) == roleTrash
		}
	}
	return false
}
