package outlook

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/mailmanager/mailmanager"
)

// Modify changes the given messages concurrently, within the mailbox's
// limit of requests in flight: Read sets isRead, Starred flags or clears
// the follow-up flag, AddLabels and RemoveLabels change categories
// (merged with the message's current ones), MoveTo moves to a folder ID or
// well-known name, and Trash moves to Deleted Items (true) or from there
// back to the Inbox (false). MoveTo and Trash exclude each other. The
// error joins the failures of every message.
func (m *Mailbox) Modify(ctx context.Context, ids []string, mod mailmanager.Modification) error {
	if mod.MoveTo != "" && mod.Trash != nil {
		return fmt.Errorf("outlook: modify: MoveTo and Trash both set")
	}
	errs := make([]error, len(ids))
	each(len(ids), func(i int) {
		if err := m.modify(ctx, ids[i], mod); err != nil {
			errs[i] = fmt.Errorf("outlook: modify %s: %w", ids[i], err)
		}
	})
	return errors.Join(errs...)
}

// modify changes one message: its properties first, then its folder.
func (m *Mailbox) modify(ctx context.Context, id string, mod mailmanager.Modification) error {
	item, err := m.message(id)
	if err != nil {
		return err
	}
	labels := len(mod.AddLabels)+len(mod.RemoveLabels) > 0
	var current models.Messageable
	if labels || (mod.Trash != nil && !*mod.Trash) {
		current, err = item.Get(ctx, selectMessage("id", "categories", "parentFolderId"))
		if err != nil {
			return apiError("messages.get", err)
		}
		if current == nil {
			return noAnswer("messages.get")
		}
	}

	patch := models.NewMessage()
	changed := false
	if mod.Read != nil {
		patch.SetIsRead(mod.Read)
		changed = true
	}
	if mod.Starred != nil {
		status := models.NOTFLAGGED_FOLLOWUPFLAGSTATUS
		if *mod.Starred {
			status = models.FLAGGED_FOLLOWUPFLAGSTATUS
		}
		flag := models.NewFollowupFlag()
		flag.SetFlagStatus(&status)
		patch.SetFlag(flag)
		changed = true
	}
	if labels {
		patch.SetCategories(mergeLabels(current.GetCategories(), mod.AddLabels, mod.RemoveLabels))
		changed = true
	}
	if changed {
		if _, err := item.Patch(ctx, patch, nil); err != nil {
			return apiError("messages.update", err)
		}
	}

	dest, err := m.destination(ctx, current, mod)
	if err != nil || dest == "" {
		return err
	}
	body := users.NewItemMessagesItemMovePostRequestBody()
	body.SetDestinationId(&dest)
	if _, err := item.Move().Post(ctx, body, nil); err != nil {
		return apiError("messages.move", err)
	}
	return nil
}

// destination returns the folder a modification moves a message to, or ""
// when it stays. Untrashing moves only messages that are in Deleted Items.
func (m *Mailbox) destination(ctx context.Context, current models.Messageable,
	mod mailmanager.Modification) (string, error) {
	switch {
	case mod.MoveTo != "":
		return mod.MoveTo, nil
	case mod.Trash == nil:
		return "", nil
	case *mod.Trash:
		return "deleteditems", nil
	}
	trash, err := m.folderID(ctx, "deleteditems")
	if err != nil {
		return "", err
	}
	if deref(current.GetParentFolderId()) != trash {
		return "", nil
	}
	return "inbox", nil
}

// mergeLabels applies additions and removals to categories, keeping their
// order and dropping duplicates.
func mergeLabels(current, add, remove []string) []string {
	out := []string{}
	for _, c := range append(slices.Clone(current), add...) {
		if !slices.Contains(remove, c) && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// message returns the request builder of one message, refusing an empty
// ID, which would address the whole collection.
func (m *Mailbox) message(id string) (*users.ItemMessagesMessageItemRequestBuilder, error) {
	if id == "" {
		return nil, fmt.Errorf("outlook: empty message ID: %w", mailmanager.ErrNotFound)
	}
	return m.graph.Me().Messages().ByMessageId(id), nil
}
