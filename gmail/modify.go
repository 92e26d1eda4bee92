package gmail

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	gmailapi "google.golang.org/api/gmail/v1"

	"github.com/mailmanager/mailmanager"
)

// maxBatchModify is the most IDs messages.batchModify takes at once.
const maxBatchModify = 1000

// Modify changes labels, read and starred state, or trash the messages
// ids. One message takes messages.modify; several take
// messages.batchModify per thousand IDs. Trash and untrash go per message,
// through the batch endpoint when there are several.
//
// Read and Starred map to the UNREAD and STARRED labels. MoveTo, a folder
// move on Outlook, adds the label MoveTo and removes INBOX, as Gmail's
// "Move to" does.
func (m *mailbox) Modify(ctx context.Context, ids []string, mod mailmanager.Modification) error {
	if len(ids) == 0 {
		return nil
	}
	add, remove := labelChanges(mod)

	if mod.Trash != nil {
		if err := m.trash(ctx, ids, *mod.Trash); err != nil {
			return err
		}
	}
	if len(add)+len(remove) == 0 {
		return nil
	}
	if len(ids) == 1 {
		req := &gmailapi.ModifyMessageRequest{AddLabelIds: add, RemoveLabelIds: remove}
		if _, err := m.svc.Users.Messages.Modify("me", ids[0], req).Context(ctx).Do(); err != nil {
			return apiError("messages.modify", err)
		}
		return nil
	}
	for chunk := range slices.Chunk(ids, maxBatchModify) {
		req := &gmailapi.BatchModifyMessagesRequest{
			Ids: chunk, AddLabelIds: add, RemoveLabelIds: remove,
		}
		if err := m.svc.Users.Messages.BatchModify("me", req).Context(ctx).Do(); err != nil {
			return apiError("messages.batchModify", err)
		}
	}
	return nil
}

// labelChanges translates mod into label IDs to add and to remove.
func labelChanges(mod mailmanager.Modification) (add, remove []string) {
	add = append(add, mod.AddLabels...)
	remove = append(remove, mod.RemoveLabels...)
	if mod.Read != nil {
		if *mod.Read {
			remove = append(remove, "UNREAD")
		} else {
			add = append(add, "UNREAD")
		}
	}
	if mod.Starred != nil {
		if *mod.Starred {
			add = append(add, "STARRED")
		} else {
			remove = append(remove, "STARRED")
		}
	}
	if mod.MoveTo != "" {
		add = append(add, mod.MoveTo)
		if mod.MoveTo != "INBOX" {
			remove = append(remove, "INBOX")
		}
	}
	return compact(add), compact(remove)
}

// compact sorts labels and drops duplicates.
func compact(labels []string) []string {
	slices.Sort(labels)
	return slices.Compact(labels)
}

// trash moves the messages ids to the trash, or out of it.
func (m *mailbox) trash(ctx context.Context, ids []string, in bool) error {
	op, verb := "messages.trash", "trash"
	if !in {
		op, verb = "messages.untrash", "untrash"
	}
	if len(ids) == 1 {
		var err error
		if in {
			_, err = m.svc.Users.Messages.Trash("me", ids[0]).Context(ctx).Do()
		} else {
			_, err = m.svc.Users.Messages.Untrash("me", ids[0]).Context(ctx).Do()
		}
		return apiError(op, err)
	}
	calls := make([]call, len(ids))
	for i, id := range ids {
		calls[i] = call{
			method: http.MethodPost,
			path:   "/gmail/v1/users/me/messages/" + url.PathEscape(id) + "/" + verb,
		}
	}
	replies, err := m.runBatch(ctx, op, calls)
	if err != nil {
		return err
	}
	for i, r := range replies {
		if !r.ok() {
			return fmt.Errorf("gmail: %s %s: %w", op, ids[i], r.err(op))
		}
	}
	return nil
}

// Folders lists the mailbox's labels with their message counts. Gmail's
// labels.list leaves the counts out, so each label is read with
// labels.get, through the batch endpoint. A nested label ("Work/Project")
// names its parent by ParentID when the parent label exists.
func (m *mailbox) Folders(ctx context.Context) ([]mailmanager.Folder, error) {
	res, err := m.svc.Users.Labels.List("me").Context(ctx).Do()
	if err != nil {
		return nil, apiError("labels.list", err)
	}
	calls := make([]call, 0, len(res.Labels))
	for _, l := range res.Labels {
		if l != nil && l.Id != "" {
			calls = append(calls, call{
				method: http.MethodGet,
				path:   "/gmail/v1/users/me/labels/" + url.PathEscape(l.Id),
			})
		}
	}
	replies, err := m.runBatch(ctx, "labels.get", calls)
	if err != nil {
		return nil, err
	}

	folders := make([]mailmanager.Folder, 0, len(replies))
	byName := map[string]string{}
	for _, r := range replies {
		if r.status == http.StatusNotFound {
			continue // deleted since the list
		}
		if !r.ok() {
			return nil, r.err("labels.get")
		}
		var l gmailapi.Label
		if err := json.Unmarshal(r.body, &l); err != nil {
			return nil, fmt.Errorf("gmail: labels.get: decode: %w", err)
		}
		folders = append(folders, mailmanager.Folder{
			ID:     l.Id,
			Name:   l.Name,
			System: l.Type == "system",
			Total:  int(l.MessagesTotal),
			Unread: int(l.MessagesUnread),
		})
		byName[l.Name] = l.Id
	}
	for i := range folders {
		if j := strings.LastIndexByte(folders[i].Name, '/'); j > 0 && !folders[i].System {
			folders[i].ParentID = byName[folders[i].Name[:j]]
		}
	}
	return folders, nil
}
