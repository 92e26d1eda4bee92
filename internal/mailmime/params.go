package mailmime

import (
	"mime"
	"sort"
	"strconv"
	"strings"
)

// maxParamSections bounds the RFC 2231 continuations read for one
// parameter.
const maxParamSections = 256

// parseParams parses a Content-Type or Content-Disposition value into its
// lower-case type and its parameters, with RFC 2047 and RFC 2231 values
// decoded to UTF-8 (the boundary parameter excepted, which stays as
// written). It tries the standard parser first and falls back to a tolerant
// one for values it refuses (unquoted specials, duplicates, missing
// quotes) or cannot fully decode (RFC 2231 in charsets other than UTF-8).
func parseParams(v string) (string, map[string]string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", map[string]string{}
	}
	if !strings.Contains(v, "*") {
		if mt, params, err := mime.ParseMediaType(v); err == nil {
			for k, pv := range params {
				if k != "boundary" {
					params[k] = decodeHeader(pv, "")
				}
			}
			return mt, params
		}
	}
	return parseParamsLenient(v)
}

// paramSection is one RFC 2231 section of a parameter value.
type paramSection struct {
	index    int
	extended bool
	value    string
}

// parseParamsLenient splits v on semicolons outside quotes and reads each
// key=value pair as written. The first plain occurrence of a key wins; RFC
// 2231 sections, in any charset, win over a plain value.
func parseParamsLenient(v string) (string, map[string]string) {
	segs := splitParams(v)
	mt := strings.ToLower(strings.TrimSpace(segs[0]))
	if f := strings.Fields(mt); len(f) > 0 {
		mt = f[0]
	}

	params := map[string]string{}
	sections := map[string][]paramSection{}
	for _, seg := range segs[1:] {
		k, val, ok := strings.Cut(seg, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if !ok || k == "" {
			continue
		}
		val = unquoteParam(strings.TrimSpace(val))
		base, index, extended := splitParamKey(k)
		if index < 0 && !extended {
			if _, dup := params[base]; !dup {
				if base != "boundary" {
					val = decodeHeader(val, "")
				}
				params[base] = val
			}
			continue
		}
		if len(sections[base]) < maxParamSections {
			sections[base] = append(sections[base], paramSection{index, extended, val})
		}
	}
	for base, secs := range sections {
		params[base] = joinSections(secs)
	}
	return mt, params
}

// joinSections joins RFC 2231 sections in index order and decodes them.
// The first extended section may start with charset'language'.
func joinSections(secs []paramSection) string {
	sort.SliceStable(secs, func(i, j int) bool {
		return max(secs[i].index, 0) < max(secs[j].index, 0)
	})
	var raw []byte
	cs := ""
	for i, s := range secs {
		if !s.extended {
			raw = append(raw, s.value...)
			continue
		}
		val := s.value
		if i == 0 {
			if parts := strings.SplitN(val, "'", 3); len(parts) == 3 {
				cs, val = parts[0], parts[2]
			}
		}
		raw = append(raw, percentDecode(val)...)
	}
	return DecodeText(raw, cs)
}

// splitParamKey splits an RFC 2231 key such as "filename*0*" into its base
// name, its section index (-1 for none) and whether it is extended.
func splitParamKey(k string) (string, int, bool) {
	base, rest, ok := strings.Cut(k, "*")
	if !ok {
		return k, -1, false
	}
	if rest == "" {
		return base, -1, true
	}
	extended := strings.HasSuffix(rest, "*")
	n, err := strconv.Atoi(strings.TrimSuffix(rest, "*"))
	if err != nil || n < 0 || n > maxParamSections {
		return base, -1, extended
	}
	return base, n, extended
}

// splitParams splits v at semicolons that are outside quoted strings.
func splitParams(v string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			if quoted {
				i++
			}
		case '"':
			quoted = !quoted
		case ';':
			if !quoted {
				out = append(out, v[start:i])
				start = i + 1
			}
		}
	}
	return append(out, v[min(start, len(v)):])
}

// unquoteParam removes the quotes of a quoted-string value and its
// backslash escapes; a missing closing quote ends the value at the end.
func unquoteParam(v string) string {
	if !strings.HasPrefix(v, `"`) {
		return v
	}
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			if i+1 < len(v) {
				i++
				b.WriteByte(v[i])
			}
		case '"':
			return b.String()
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// percentDecode decodes %XX escapes and keeps malformed ones as they are.
func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}
