package graphfake

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// wireError is a message for the client in a 400 answer, worded as Graph
// words it, so it is not a Go-style error string.
type wireError string

func (e wireError) Error() string { return string(e) }

func wireErrorf(format string, args ...any) error {
	return wireError(fmt.Sprintf(format, args...))
}

// selection is a parsed $select: canonical property names. Nil selects the
// default properties.
type selection map[string]bool

func (s selection) has(name string) bool { return s[name] }

// names returns the selection as a $select value.
func (s selection) String() string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	return strings.Join(out, ",")
}

// parseSelect parses $select against the properties valid, matching names
// without regard to case as Graph does. kind names the type in errors.
func parseSelect(raw string, valid []string, kind string) (selection, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	canon := map[string]string{}
	for _, v := range valid {
		canon[strings.ToLower(v)] = v
	}
	sel := selection{}
	for name := range strings.SplitSeq(raw, ",") {
		name = strings.TrimSpace(name)
		c, ok := canon[strings.ToLower(name)]
		if !ok {
			return nil, wireErrorf("Could not find a property named '%s' on type "+
				"'microsoft.graph.%s'.", name, kind)
		}
		sel[c] = true
	}
	return sel, nil
}

// listQuery is the OData query of a collection request.
type listQuery struct {
	sel     selection
	top     int // 0: not given
	skip    int
	expand  bool // $expand=attachments
	filter  filter
	asc     bool // $orderby=receivedDateTime asc
	search  string
	rawSel  string
	rawFilt string
}

// parseListQuery reads the OData options of a message collection request.
func (c *call) parseListQuery() (listQuery, reply, bool) {
	q := c.r.URL.Query()
	var lq listQuery
	var err error
	valid := append(messageProps(), messageExtraProps()...)
	if lq.sel, err = parseSelect(q.Get("$select"), valid, "message"); err != nil {
		return lq, c.fail(http.StatusBadRequest, "RequestBroker--ParseUri", err.Error()), false
	}
	lq.rawSel = q.Get("$select")
	if lq.top, err = intParam(q, "$top"); err != nil {
		return lq, c.badRequest(err.Error()), false
	}
	lq.top = min(lq.top, maxPageSize)
	if lq.skip, err = intParam(q, "$skip"); err != nil {
		return lq, c.badRequest(err.Error()), false
	}
	if lq.expand, err = parseExpand(q.Get("$expand")); err != nil {
		return lq, c.fail(http.StatusBadRequest, "RequestBroker--ParseUri", err.Error()), false
	}
	lq.rawFilt = q.Get("$filter")
	if lq.filter, err = parseFilter(lq.rawFilt); err != nil {
		return lq, c.fail(http.StatusBadRequest, "ErrorInvalidUrlQueryFilter", err.Error()), false
	}
	switch ob := strings.Join(strings.Fields(strings.ToLower(q.Get("$orderby"))), " "); ob {
	case "", "receiveddatetime desc":
	case "receiveddatetime", "receiveddatetime asc":
		lq.asc = true
	default:
		return lq, c.badRequest("The fake orders only by receivedDateTime."), false
	}
	lq.search = strings.ToLower(strings.Trim(q.Get("$search"), `"`))
	return lq, reply{}, true
}

func intParam(q url.Values, name string) (int, error) {
	raw := q.Get(name)
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 {
		return 0, wireErrorf("Invalid value '%s' for query option %s.", raw, name)
	}
	return n, nil
}

func parseExpand(raw string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(raw)) {
	case "":
		return false, nil
	case "attachments":
		return true, nil
	}
	return false, wireErrorf("Parsing OData Select and Expand failed: the fake expands "+
		"only attachments, not '%s'.", raw)
}

// clause is one comparison of a $filter.
type clause struct {
	prop, op string
	value    any // time.Time, bool or string
}

// filter is a parsed $filter: clauses joined by "and".
type filter []clause

// parseFilter parses the subset of OData $filter the fake supports:
// comparisons joined by "and" on receivedDateTime, sentDateTime,
// lastModifiedDateTime, isRead, isDraft, hasAttachments, conversationId,
// internetMessageId, subject, parentFolderId and flag/flagStatus.
func parseFilter(raw string) (filter, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, nil
	}
	var f filter
	for _, part := range splitAnd(raw) {
		fields := strings.SplitN(strings.TrimSpace(part), " ", 3)
		if len(fields) != 3 {
			return nil, wireErrorf("Invalid filter clause: %s", part)
		}
		cl := clause{prop: fields[0], op: strings.ToLower(fields[1])}
		v, err := filterValue(cl.prop, cl.op, strings.TrimSpace(fields[2]))
		if err != nil {
			return nil, err
		}
		cl.value = v
		f = append(f, cl)
	}
	return f, nil
}

// splitAnd splits a filter on " and " outside quoted strings.
func splitAnd(s string) []string {
	var parts []string
	quoted := false
	start := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\'':
			quoted = !quoted
		case !quoted && i+5 <= len(s) && strings.EqualFold(s[i:i+5], " and "):
			parts = append(parts, s[start:i])
			start = i + 5
			i += 4
		}
	}
	return append(parts, s[start:])
}

func filterValue(prop, op, raw string) (any, error) {
	switch op {
	case "eq", "ne", "ge", "gt", "le", "lt":
	default:
		return nil, wireErrorf("Invalid filter operator '%s'.", op)
	}
	switch strings.ToLower(prop) {
	case "receiveddatetime", "sentdatetime", "lastmodifieddatetime", "createddatetime":
		t, err := time.Parse(time.RFC3339Nano, raw)
		if err != nil {
			return nil, wireErrorf("Invalid DateTimeOffset literal '%s'.", raw)
		}
		return t, nil
	case "isread", "isdraft", "hasattachments":
		if op != "eq" && op != "ne" {
			return nil, wireErrorf("Operator '%s' does not apply to '%s'.", op, prop)
		}
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return nil, wireErrorf("Invalid boolean literal '%s'.", raw)
		}
		return b, nil
	case "conversationid", "internetmessageid", "subject", "parentfolderid",
		"flag/flagstatus":
		if op != "eq" && op != "ne" {
			return nil, wireErrorf("Operator '%s' does not apply to '%s'.", op, prop)
		}
		if len(raw) < 2 || raw[0] != '\'' || raw[len(raw)-1] != '\'' {
			return nil, wireErrorf("Invalid string literal %s.", raw)
		}
		return strings.ReplaceAll(raw[1:len(raw)-1], "''", "'"), nil
	}
	return nil, wireErrorf("The fake cannot filter on property '%s'.", prop)
}

// match reports whether m satisfies every clause.
func (f filter) match(m *Message) bool {
	for _, cl := range f {
		if !cl.match(m) {
			return false
		}
	}
	return true
}

func (cl clause) match(m *Message) bool {
	var cmp int
	switch strings.ToLower(cl.prop) {
	case "receiveddatetime":
		cmp = m.ReceivedDateTime.Compare(cl.value.(time.Time))
	case "sentdatetime":
		cmp = m.SentDateTime.Compare(cl.value.(time.Time))
	case "lastmodifieddatetime":
		cmp = m.LastModifiedDateTime.Compare(cl.value.(time.Time))
	case "createddatetime":
		cmp = m.CreatedDateTime.Compare(cl.value.(time.Time))
	case "isread":
		cmp = boolCmp(m.IsRead, cl.value.(bool))
	case "isdraft":
		cmp = boolCmp(m.IsDraft, cl.value.(bool))
	case "hasattachments":
		cmp = boolCmp(m.HasAttachments(), cl.value.(bool))
	case "conversationid":
		cmp = strings.Compare(m.ConversationID, cl.value.(string))
	case "internetmessageid":
		cmp = strings.Compare(m.InternetMessageID, cl.value.(string))
	case "subject":
		cmp = strings.Compare(m.Subject, cl.value.(string))
	case "parentfolderid":
		cmp = strings.Compare(m.ParentFolderID, cl.value.(string))
	case "flag/flagstatus":
		cmp = strings.Compare(m.FlagStatus, cl.value.(string))
	}
	switch cl.op {
	case "eq":
		return cmp == 0
	case "ne":
		return cmp != 0
	case "ge":
		return cmp >= 0
	case "gt":
		return cmp > 0
	case "le":
		return cmp <= 0
	}
	return cmp < 0
}

func boolCmp(a, b bool) int {
	if a == b {
		return 0
	}
	return 1
}

// onlyReceived reports whether f uses nothing but receivedDateTime ge or
// gt, the only filter Graph's message delta accepts.
func (f filter) onlyReceived() bool {
	for _, cl := range f {
		if !strings.EqualFold(cl.prop, "receivedDateTime") || (cl.op != "ge" && cl.op != "gt") {
			return false
		}
	}
	return true
}

// matchSearch is a crude $search: a case-insensitive substring of the
// subject, the body or the sender's address.
func matchSearch(m *Message, term string) bool {
	if term == "" {
		return true
	}
	hay := strings.ToLower(m.Subject + "\n" + m.Body.Content)
	if m.From != nil {
		hay += "\n" + strings.ToLower(m.From.Address+" "+m.From.Name)
	}
	return strings.Contains(hay, term)
}
