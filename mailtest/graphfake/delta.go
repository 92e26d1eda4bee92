package graphfake

import (
	"net/http"
	"net/url"
)

const syncStateNotFoundMessage = "The sync state generation is not found. " +
	"The delta token is expired and data must be synchronized again."

const resyncRequiredMessage = "The delta token is no longer valid, and the app must " +
	"reset the sync state."

// deltaParams are the options of a delta round that Graph encodes into its
// state tokens, so later requests need not repeat them.
type deltaParams struct {
	folderID   string // "" for the mail folder hierarchy
	sel        selection
	filter     filter
	changeType string // "", "created", "updated" or "deleted"
	pageSize   int    // from $top or the first request's Prefer
}

// deltaToken is the server side of a $deltatoken (params and since) or a
// $skiptoken (round and offset).
type deltaToken struct {
	params deltaParams
	since  uint64
	round  *deltaRound
	offset int
}

// deltaRound is one snapshot of changes, paged through with skip tokens.
type deltaRound struct {
	params deltaParams
	upTo   uint64 // mailbox seq when the round began
	items  []deltaItem
}

// deltaItem is one entry of a round: an object to render as it is when its
// page is served, or a removal.
type deltaItem struct {
	id      string
	removed *removal
	// readded reports a removal of a message that came back to the folder
	// later: with immutable IDs it is no removal at all.
	readded bool
}

// messagesDelta answers GET /mailFolders/{id}/messages/delta.
//
// https://learn.microsoft.com/graph/api/message-delta
func (c *call) messagesDelta() reply {
	f, rep, ok := c.pathFolder()
	if !ok {
		return rep
	}
	restart := c.link("/mailFolders/" + url.PathEscape(f.id) + "/messages/delta")
	round, offset, rep, ok := c.deltaRound(restart, func() (deltaParams, reply, bool) {
		return c.messageDeltaParams(f)
	})
	if !ok {
		return rep
	}
	if round.params.folderID != f.id {
		return c.fail(http.StatusBadRequest, "ErrorInvalidUrlQuery",
			"The state token belongs to another folder.")
	}
	return c.deltaPage(round, offset, "Collection(message)", restart)
}

// foldersDelta answers GET /mailFolders/delta.
//
// https://learn.microsoft.com/graph/api/mailfolder-delta
func (c *call) foldersDelta() reply {
	restart := c.link("/mailFolders/delta")
	round, offset, rep, ok := c.deltaRound(restart, func() (deltaParams, reply, bool) {
		sel, err := parseSelect(c.r.URL.Query().Get("$select"), folderProps(), "mailFolder")
		if err != nil {
			return deltaParams{}, c.fail(http.StatusBadRequest, "RequestBroker--ParseUri",
				err.Error()), false
		}
		return deltaParams{sel: sel}, reply{}, true
	})
	if !ok {
		return rep
	}
	if round.params.folderID != "" {
		return c.fail(http.StatusBadRequest, "ErrorInvalidUrlQuery",
			"The state token belongs to a message delta.")
	}
	return c.deltaPage(round, offset, "Collection(mailFolder)", restart)
}

// deltaRound finds the round and offset a request continues, or begins
// one: from a $skiptoken, a $deltatoken, or the request's own options.
func (c *call) deltaRound(restart string,
	initial func() (deltaParams, reply, bool)) (*deltaRound, int, reply, bool) {
	q := c.r.URL.Query()
	if tok := q.Get("$skiptoken"); tok != "" {
		st := c.mb.tokens[tok]
		if st == nil || st.round == nil {
			return nil, 0, c.gone(tok, restart), false
		}
		return st.round, st.offset, reply{}, true
	}
	if tok := q.Get("$deltatoken"); tok != "" {
		st := c.mb.tokens[tok]
		if st == nil || st.round != nil {
			return nil, 0, c.gone(tok, restart), false
		}
		return c.mb.newRound(st.params, st.since), 0, reply{}, true
	}
	params, rep, ok := initial()
	if !ok {
		return nil, 0, rep, false
	}
	return c.mb.newRound(params, 0), 0, reply{}, true
}

// gone answers a state token the server no longer knows: 410 with the code
// the token was retired with, and a Location to start over from.
//
// https://learn.microsoft.com/graph/delta-query-overview#synchronization-reset
func (c *call) gone(tok, restart string) reply {
	code, msg := "syncStateNotFound", syncStateNotFoundMessage
	if c.mb.expired[tok] == "resyncRequired" {
		code, msg = "resyncRequired", resyncRequiredMessage
	}
	rep := c.fail(http.StatusGone, code, msg)
	rep.header.Set("Location", restart)
	return rep
}

// messageDeltaParams reads the options of a first delta request.
func (c *call) messageDeltaParams(f *folder) (deltaParams, reply, bool) {
	lq, rep, ok := c.parseListQuery()
	if !ok {
		return deltaParams{}, rep, false
	}
	if !lq.filter.onlyReceived() {
		return deltaParams{}, c.fail(http.StatusBadRequest, "ErrorInvalidUrlQueryFilter",
			"The only $filter a message delta supports is receivedDateTime ge or gt."), false
	}
	p := deltaParams{folderID: f.id, sel: lq.sel, filter: lq.filter, pageSize: lq.top}
	switch ct := c.r.URL.Query().Get("changeType"); ct {
	case "", "created", "updated", "deleted":
		p.changeType = ct
	default:
		return deltaParams{}, c.badRequest("changeType must be created, updated or deleted."),
			false
	}
	if c.prefs.maxPage > 0 {
		p.pageSize = c.prefs.maxPage
	}
	return p, reply{}, true
}

// newRound snapshots what changed after since. A first round (since 0)
// lists everything there is.
func (mb *mailbox) newRound(p deltaParams, since uint64) *deltaRound {
	r := &deltaRound{params: p, upTo: mb.seq}
	if p.folderID == "" {
		mb.folderRound(r, since)
		return r
	}
	if since == 0 || p.changeType != "deleted" {
		for _, m := range mb.inFolder(p.folderID) {
			if p.filter.match(&m.Message) && wantChange(p.changeType, since, m) {
				r.items = append(r.items, deltaItem{id: m.ID})
			}
		}
	}
	if since > 0 && (p.changeType == "" || p.changeType == "deleted") {
		for _, rm := range mb.removed[p.folderID] {
			if rm.seq <= since {
				continue
			}
			back := mb.messages[rm.immutableID]
			readded := back != nil && back.ParentFolderID == p.folderID && back.arrived > rm.seq
			r.items = append(r.items, deltaItem{removed: &rm, readded: readded})
		}
	}
	return r
}

// wantChange reports whether m belongs in a round after since that asks for
// changeType.
func wantChange(changeType string, since uint64, m *message) bool {
	if since == 0 {
		return true
	}
	switch changeType {
	case "created":
		return m.arrived > since
	case "updated":
		return m.changed > since && m.arrived <= since
	}
	return m.changed > since
}

// folderRound fills a round of the folder hierarchy delta.
func (mb *mailbox) folderRound(r *deltaRound, since uint64) {
	root := mb.root()
	var walk func(parent string)
	walk = func(parent string) {
		for _, f := range mb.children(parent) {
			if f.changed > since {
				r.items = append(r.items, deltaItem{id: f.id})
			}
			walk(f.id)
		}
	}
	walk(root.id)
	for _, rm := range mb.foldersRemoved {
		if since > 0 && rm.seq > since {
			r.items = append(r.items, deltaItem{removed: &rm})
		}
	}
}

// deltaPage serves one page of a round, with a nextLink to the next page or
// a deltaLink for the next round.
func (c *call) deltaPage(r *deltaRound, offset int, context, restart string) reply {
	size := c.prefs.pageSize(r.params.pageSize)
	end := min(offset+size, len(r.items))
	value := []any{}
	seen := map[string]bool{}
	for _, it := range r.items[offset:end] {
		if v := c.renderDeltaItem(r, it, seen); v != nil {
			value = append(value, v)
		}
	}

	out := map[string]any{"@odata.context": c.context(context), "value": value}
	tok := newToken()
	if end < len(r.items) {
		c.mb.tokens[tok] = &deltaToken{round: r, offset: end}
		out["@odata.nextLink"] = restart + "?$skiptoken=" + tok
	} else {
		c.mb.tokens[tok] = &deltaToken{params: r.params, since: r.upTo}
		out["@odata.deltaLink"] = restart + "?$deltatoken=" + tok
	}
	return c.json(http.StatusOK, out)
}

// renderDeltaItem renders one entry of a page, or returns nil if it has
// nothing to say any more.
func (c *call) renderDeltaItem(r *deltaRound, it deltaItem, seen map[string]bool) map[string]any {
	kind := "#microsoft.graph.message"
	if r.params.folderID == "" {
		kind = "#microsoft.graph.mailFolder"
	}
	if it.removed != nil {
		id := it.removed.regularID
		if c.prefs.immutable {
			if it.readded {
				return nil
			}
			id = it.removed.immutableID
		}
		if seen[id] {
			return nil
		}
		seen[id] = true
		return map[string]any{"@odata.type": kind, "id": id,
			"@removed": map[string]any{"reason": "deleted"}}
	}
	if r.params.folderID == "" {
		f := c.mb.folders[it.id]
		if f == nil {
			return nil
		}
		out := c.mb.renderFolder(f, r.params.sel)
		out["@odata.type"] = kind
		return out
	}
	m := c.mb.messages[it.id]
	if m == nil || m.ParentFolderID != r.params.folderID {
		// Gone since the round began: the next round reports it.
		return nil
	}
	seen[c.messageID(m)] = true
	out := c.renderMessage(m, r.params.sel, false)
	out["@odata.type"] = kind
	return out
}

// expireTokens retires every outstanding state token of mb; following one
// answers 410 with code.
func (mb *mailbox) expireTokens(code string) {
	for tok := range mb.tokens {
		mb.expired[tok] = code
	}
	clear(mb.tokens)
}
