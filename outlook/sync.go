package outlook

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/mailmanager/mailmanager"
)

// Sync delivers the mailbox's changes since cursor to fn through one delta
// query per mail folder. Each run lists the folders again: a new folder
// joins with a first round that delivers all its messages, a deleted one
// leaves the cursor. Messages arrive page by page as Graph serves them;
// removals wait for the run's last page, which drops the removal of a
// message the run saw added in another folder, so a move arrives as a
// change of Folder rather than a deletion. Every other removal costs one
// request that asks Graph where the message is: a message that moved while
// an earlier run was between the reads of its old and its new folder was
// delivered in its new folder then, and shows only as a removal now. The
// last page has Done set and is delivered even when nothing changed.
//
// opts.Since limits the first round of a folder to mail received since
// then; opts.PageSize overrides Config.PageSize. A cursor Graph no longer
// knows yields an error wrapping mailmanager.ErrCursorExpired.
func (m *Mailbox) Sync(ctx context.Context, cursor string, opts mailmanager.SyncOptions,
	fn func(context.Context, *mailmanager.Changes) error) error {
	st, err := decodeCursor(cursor)
	if err != nil {
		return err
	}
	folders, err := m.listFolders(ctx)
	if err != nil {
		return err
	}

	r := &syncRun{
		m:       m,
		opts:    opts,
		fn:      fn,
		full:    cursor == "" || st.Full,
		links:   make(map[string]string, len(folders)),
		seen:    map[string]bool{},
		pending: map[string]bool{},
	}
	for _, f := range folders {
		r.links[f.ID] = st.Links[f.ID]
	}
	for _, id := range st.Pending {
		r.addPending(id)
	}
	for _, f := range folders {
		if err := r.folder(ctx, f.ID); err != nil {
			return err
		}
	}
	return r.finish(ctx)
}

// syncRun is the state of one Sync call.
type syncRun struct {
	m    *Mailbox
	opts mailmanager.SyncOptions
	fn   func(context.Context, *mailmanager.Changes) error
	full bool

	links   map[string]string // folder ID to its next or delta link
	seen    map[string]bool   // IDs this call delivered as messages
	pending map[string]bool   // IDs removed in this run, not delivered
	order   []string          // pending IDs in the order Graph gave them
}

func (r *syncRun) addPending(id string) {
	if !r.pending[id] {
		r.pending[id] = true
		r.order = append(r.order, id)
	}
}

// cursor returns the cursor of the run's progress; mid reports a cursor
// of a page before the last.
func (r *syncRun) cursor(mid bool) string {
	st := &syncState{V: cursorVersion, Links: r.links, Run: mid, Full: mid && r.full}
	if mid {
		for _, id := range r.order {
			if r.pending[id] {
				st.Pending = append(st.Pending, id)
			}
		}
	}
	return st.encode()
}

// folder runs the delta round of one folder to its end, delivering each
// page that holds messages.
func (r *syncRun) folder(ctx context.Context, folderID string) error {
	link := r.links[folderID]
	for {
		page, err := r.m.delta(ctx, folderID, link, r.opts)
		if err != nil {
			return err
		}
		var (
			msgs []*mailmanager.Message
			more []bool
		)
		for _, gm := range page.GetValue() {
			if gm == nil {
				continue
			}
			id := deref(gm.GetId())
			if id == "" {
				continue
			}
			if _, removed := gm.GetAdditionalData()["@removed"]; removed {
				if !r.seen[id] {
					r.addPending(id)
				}
				continue
			}
			r.seen[id] = true
			r.pending[id] = false
			msg := toMessage(gm)
			msgs = append(msgs, msg)
			more = append(more, needsAttachments(gm, msg))
		}

		next := deref(page.GetOdataNextLink())
		link = next
		if link == "" {
			link = deref(page.GetOdataDeltaLink())
		}
		if link == "" {
			return fmt.Errorf("outlook: messages.delta: page has neither next nor delta link")
		}
		if link, err = r.m.relLink(link); err != nil {
			return err
		}
		r.links[folderID] = link

		if len(msgs) > 0 {
			if err := r.m.withAttachments(ctx, msgs, more); err != nil {
				return err
			}
			ch := &mailmanager.Changes{Messages: msgs, Cursor: r.cursor(true), Full: r.full}
			if err := r.fn(ctx, ch); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
	}
}

// finish delivers the last page: the removals of the run that were not
// moves.
func (r *syncRun) finish(ctx context.Context) error {
	var unsure []string
	for _, id := range r.order {
		if r.pending[id] {
			unsure = append(unsure, id)
		}
	}
	deleted, err := r.gone(ctx, unsure)
	if err != nil {
		return err
	}
	ch := &mailmanager.Changes{Deleted: deleted, Cursor: r.cursor(false), Full: r.full, Done: true}
	return r.fn(ctx, ch)
}

// gone returns which of ids no synced folder holds. A removal this run did
// not see matched by an addition may still be half of a move whose
// addition an earlier call delivered: a run that read the new folder after
// the move but the old one before it, or a call that failed before its
// last page. So before it reports a removal as a deletion it asks whether
// the message is in a synced folder.
func (r *syncRun) gone(ctx context.Context, ids []string) ([]string, error) {
	folders := make([]string, len(ids))
	errs := make([]error, len(ids))
	each(len(ids), func(i int) {
		folders[i], errs[i] = r.m.folderOf(ctx, ids[i])
	})
	var out []string
	for i, id := range ids {
		_, synced := r.links[folders[i]]
		switch {
		case errors.Is(errs[i], mailmanager.ErrNotFound):
			out = append(out, id)
		case errs[i] != nil:
			return nil, errs[i]
		case !synced:
			out = append(out, id)
		}
	}
	return out, nil
}

// folderOf returns the ID of the folder holding a message.
func (m *Mailbox) folderOf(ctx context.Context, id string) (string, error) {
	item := m.graph.Me().Messages().ByMessageId(id)
	gm, err := item.Get(ctx, selectMessage("id", "parentFolderId"))
	if err != nil {
		return "", apiError("messages.get", err)
	}
	if gm == nil {
		return "", noAnswer("messages.get")
	}
	return deref(gm.GetParentFolderId()), nil
}

// delta fetches one page of a folder's delta query: the first page of a
// first round when link is "", otherwise the page link points to.
func (m *Mailbox) delta(ctx context.Context, folderID, link string, opts mailmanager.SyncOptions) (
	users.ItemMailFoldersItemMessagesDeltaGetResponseable, error) {
	size := opts.PageSize
	if size <= 0 {
		size = m.cfg.PageSize
	}
	h := abs.NewRequestHeaders()
	h.Add("Prefer", "odata.maxpagesize="+strconv.Itoa(size))
	cfg := &users.ItemMailFoldersItemMessagesDeltaRequestBuilderGetRequestConfiguration{Headers: h}
	b := m.graph.Me().MailFolders().ByMailFolderId(folderID).Messages().Delta()
	if link != "" {
		b = b.WithUrl(m.absLink(link))
	} else {
		q := &users.ItemMailFoldersItemMessagesDeltaRequestBuilderGetQueryParameters{
			Select: messageFields,
		}
		if !opts.Since.IsZero() {
			f := "receivedDateTime ge " + timeFilter(opts.Since)
			q.Filter = &f
		}
		cfg.QueryParameters = q
	}
	page, err := b.GetAsDeltaGetResponse(ctx, cfg)
	if err != nil {
		return nil, apiError("messages.delta", err)
	}
	if page == nil {
		return nil, noAnswer("messages.delta")
	}
	return page, nil
}
