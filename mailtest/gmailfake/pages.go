package gmailfake

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
)

// pageSize reads maxResults: def when absent or below one, at most limit.
func pageSize(q url.Values, def, limit int) (int, *apiError) {
	v := q.Get("maxResults")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, badRequest("Invalid value for maxResults: %q", v)
	}
	if n < 1 {
		return def, nil
	}
	return min(n, limit), nil
}

// messageToken marks where a page of messages, newest first, ended.
func messageToken(m *message) string {
	pos := strconv.FormatInt(m.internal.UnixMilli(), 10) + ":" + m.id
	return base64.RawURLEncoding.EncodeToString([]byte(pos))
}

// pageMessages cuts one page out of list, sorted newest first, after the
// position token names. A page token stays valid while messages come and
// go.
func pageMessages(list []*message, token string, size int) ([]*message, string, *apiError) {
	start := 0
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		msStr, id, ok := strings.Cut(string(b), ":")
		ms, perr := strconv.ParseInt(msStr, 10, 64)
		if err != nil || !ok || perr != nil {
			return nil, "", badRequest("Invalid pageToken")
		}
		start = len(list)
		for i, m := range list {
			t := m.internal.UnixMilli()
			if t < ms || (t == ms && m.id < id) {
				start = i
				break
			}
		}
	}
	end := min(start+size, len(list))
	next := ""
	if end < len(list) {
		next = messageToken(list[end-1])
	}
	return list[start:end], next, nil
}

// historyToken marks the last history record of a page.
func historyToken(id uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("h" + strconv.FormatUint(id, 10)))
}

func parseHistoryToken(token string) (uint64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, false
	}
	v, ok := strings.CutPrefix(string(b), "h")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseUint(v, 10, 64)
	return id, err == nil
}
