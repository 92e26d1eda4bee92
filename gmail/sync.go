package gmail

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	gmailapi "google.golang.org/api/gmail/v1"

	"github.com/mailmanager/mailmanager"
)

// maxListPage is the largest page messages.list and history.list give.
const maxListPage = 500

// cursor is the state a sync resumes from. It travels as base64url JSON.
// Outside a full sync only History is set; during one, Full is set and
// Page is the messages.list page token to go on from.
type cursor struct {
	V       int    `json:"v"`
	History uint64 `json:"h,string"`
	Full    bool   `json:"f,omitempty"`
	Page    string `json:"p,omitempty"`
	Query   string `json:"q,omitempty"`
}

func (c cursor) String() string {
	c.V = 1
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.V != 1 || c.History == 0 {
		// A cursor this version cannot read is as good as expired: the
		// host recovers with a full sync.
		return cursor{}, fmt.Errorf("gmail: sync: unreadable cursor: %w",
			mailmanager.ErrCursorExpired)
	}
	return c, nil
}

// Sync delivers the mailbox's changes since cur to fn. See
// [mailmanager.Mailbox.Sync].
//
// A first sync (cur == "") reads the mailbox's history ID, then lists the
// messages newest first and delivers them page by page; each page's cursor
// resumes the listing after it, and the last one holds the history ID read
// at the start, so changes made during the listing come with the next
// sync. Later syncs read the history since the cursor, collapse it to
// changed and deleted messages, and deliver them; only the last page
// carries the newer cursor.
func (m *mailbox) Sync(ctx context.Context, cur string, opts mailmanager.SyncOptions,
	fn func(context.Context, *mailmanager.Changes) error) error {
	pageSize := opts.PageSize
	if pageSize <= 0 || pageSize > maxListPage {
		pageSize = maxListPage
	}
	if cur == "" {
		p, err := m.svc.Users.GetProfile("me").Context(ctx).Do()
		if err != nil {
			return apiError("users.getProfile", err)
		}
		m.remember(strings.ToLower(p.EmailAddress))
		c := cursor{History: p.HistoryId, Full: true}
		if !opts.Since.IsZero() {
			c.Query = "after:" + strconv.FormatInt(opts.Since.Unix(), 10)
		}
		return m.fullSync(ctx, c, pageSize, fn)
	}
	c, err := parseCursor(cur)
	if err != nil {
		return err
	}
	if c.Full {
		return m.fullSync(ctx, c, pageSize, fn)
	}
	return m.historySync(ctx, c, pageSize, fn)
}

// fullSync lists the mailbox from c.Page on and delivers it page by page.
func (m *mailbox) fullSync(ctx context.Context, c cursor, pageSize int,
	fn func(context.Context, *mailmanager.Changes) error) error {
	for {
		call := m.svc.Users.Messages.List("me").MaxResults(int64(pageSize)).
			IncludeSpamTrash(false).Context(ctx)
		if c.Query != "" {
			call = call.Q(c.Query)
		}
		if c.Page != "" {
			call = call.PageToken(c.Page)
		}
		res, err := call.Do()
		if err != nil {
			return listError(err, c.Page != "")
		}
		ids := make([]string, 0, len(res.Messages))
		for _, ref := range res.Messages {
			if ref != nil && ref.Id != "" {
				ids = append(ids, ref.Id)
			}
		}
		msgs, _, err := m.messages(ctx, ids)
		if err != nil {
			return err
		}

		page := &mailmanager.Changes{Messages: msgs, Full: true}
		c.Page = res.NextPageToken
		if c.Page == "" {
			page.Done = true
			page.Cursor = cursor{History: c.History}.String()
		} else {
			page.Cursor = c.String()
		}
		if err := fn(ctx, page); err != nil {
			return err
		}
		if page.Done {
			return nil
		}
	}
}

// listError maps a failed messages.list. A page token Gmail refuses (400)
// cannot be resumed from, so with one the error wraps
// [mailmanager.ErrCursorExpired] and the host starts over.
func listError(err error, resuming bool) error {
	err = apiError("messages.list", err)
	var ae *mailmanager.APIError
	if resuming && errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
		ae.Err = mailmanager.ErrCursorExpired
	}
	return err
}

// historySync delivers the changes recorded since c.History.
func (m *mailbox) historySync(ctx context.Context, c cursor, pageSize int,
	fn func(context.Context, *mailmanager.Changes) error) error {
	changed, deleted, newest, err := m.history(ctx, c.History)
	if err != nil {
		return err
	}
	last := cursor{History: max(newest, c.History)}.String()

	same := c.String()
	for {
		n := min(len(changed), pageSize)
		msgs, gone, err := m.messages(ctx, changed[:n])
		if err != nil {
			return err
		}
		changed = changed[n:]
		page := &mailmanager.Changes{
			Messages: msgs,
			Deleted:  append(deleted, gone...),
			Cursor:   same,
			Done:     len(changed) == 0,
		}
		deleted = nil
		if page.Done {
			page.Cursor = last
		}
		if err := fn(ctx, page); err != nil {
			return err
		}
		if page.Done {
			return nil
		}
	}
}

// history reads every history record after start and collapses it to the
// IDs of changed messages and of deleted ones, in the order first seen,
// and the mailbox's newest history ID.
func (m *mailbox) history(ctx context.Context, start uint64) (changed, deleted []string,
	newest uint64, err error) {
	state := map[string]bool{} // true: changed, false: deleted
	var order []string
	mark := func(msg *gmailapi.Message, alive bool) {
		if msg == nil || msg.Id == "" {
			return
		}
		was, seen := state[msg.Id]
		if !seen {
			order = append(order, msg.Id)
		} else if !was {
			return // deleted stays deleted
		}
		state[msg.Id] = alive
	}

	page := ""
	for {
		call := m.svc.Users.History.List("me").StartHistoryId(start).
			HistoryTypes("messageAdded", "messageDeleted", "labelAdded", "labelRemoved").
			MaxResults(maxListPage).Context(ctx)
		if page != "" {
			call = call.PageToken(page)
		}
		res, err := call.Do()
		if err != nil {
			return nil, nil, 0, apiError("history.list", err)
		}
		for _, h := range res.History {
			if h == nil {
				continue
			}
			for _, a := range h.MessagesAdded {
				if a != nil {
					mark(a.Message, true)
				}
			}
			for _, a := range h.LabelsAdded {
				if a != nil {
					mark(a.Message, true)
				}
			}
			for _, r := range h.LabelsRemoved {
				if r != nil {
					mark(r.Message, true)
				}
			}
			for _, d := range h.MessagesDeleted {
				if d != nil {
					mark(d.Message, false)
				}
			}
		}
		newest = max(newest, res.HistoryId)
		if page = res.NextPageToken; page == "" {
			break
		}
	}

	for _, id := range order {
		if state[id] {
			changed = append(changed, id)
		} else {
			deleted = append(deleted, id)
		}
	}
	return changed, deleted, newest, nil
}

// messages fetches and converts the messages ids through the batch
// endpoint. IDs of messages that no longer exist come back in gone.
func (m *mailbox) messages(ctx context.Context, ids []string) (msgs []*mailmanager.Message,
	gone []string, err error) {
	if len(ids) == 0 {
		return nil, nil, nil
	}
	got, err := m.fetchMessages(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	msgs = make([]*mailmanager.Message, 0, len(got))
	for i, gm := range got {
		if gm == nil {
			gone = append(gone, ids[i])
			continue
		}
		msg, err := m.convert(ctx, gm)
		if err != nil {
			return nil, nil, err
		}
		msgs = append(msgs, msg)
	}
	return msgs, gone, nil
}
