package graphfake

import (
	"net/http"
	"strconv"
	"strings"
)

// prefs are the Prefer header preferences the fake honours, and which of
// them an answer applied.
//
// https://learn.microsoft.com/graph/outlook-immutable-id
// https://learn.microsoft.com/graph/api/message-get#request-headers
type prefs struct {
	// immutable asks for immutable IDs (IdType="ImmutableId").
	immutable bool
	// bodyType is "text", "html" or "" (outlook.body-content-type).
	bodyType string
	// maxPage is odata.maxpagesize, or 0.
	maxPage int

	bodyApplied, pageApplied bool
}

func parsePrefs(h http.Header) prefs {
	var p prefs
	for _, line := range h.Values("Prefer") {
		for item := range strings.SplitSeq(line, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(item), "=")
			v = strings.Trim(strings.TrimSpace(v), `"`)
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "idtype":
				p.immutable = strings.EqualFold(v, "ImmutableId")
			case "outlook.body-content-type":
				if t := strings.ToLower(v); t == "text" || t == "html" {
					p.bodyType = t
				}
			case "odata.maxpagesize":
				if n, err := strconv.Atoi(v); err == nil && n > 0 {
					p.maxPage = min(n, maxPageSize)
				}
			}
		}
	}
	return p
}

// appliedHeader is the Preference-Applied value, or "".
func (p *prefs) appliedHeader() string {
	var out []string
	if p.immutable {
		out = append(out, `IdType="ImmutableId"`)
	}
	if p.bodyApplied {
		out = append(out, `outlook.body-content-type="`+p.bodyType+`"`)
	}
	if p.pageApplied {
		out = append(out, "odata.maxpagesize="+strconv.Itoa(p.maxPage))
	}
	return strings.Join(out, ", ")
}

// pageSize is the page size for a collection: the preferred maximum, else
// fallback, else Graph's default.
func (p *prefs) pageSize(fallback int) int {
	if p.maxPage > 0 {
		p.pageApplied = true
		return p.maxPage
	}
	if fallback > 0 {
		return fallback
	}
	return defaultPageSize
}
