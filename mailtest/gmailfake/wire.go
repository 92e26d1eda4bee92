package gmailfake

import (
	"encoding/base64"
	"strings"
)

// wireMessage is Gmail's Message resource.
type wireMessage struct {
	ID           string    `json:"id,omitempty"`
	ThreadID     string    `json:"threadId,omitempty"`
	LabelIDs     []string  `json:"labelIds,omitempty"`
	Snippet      string    `json:"snippet,omitempty"`
	Payload      *wirePart `json:"payload,omitempty"`
	SizeEstimate int       `json:"sizeEstimate,omitempty"`
	HistoryID    uint64    `json:"historyId,omitempty,string"`
	InternalDate int64     `json:"internalDate,omitempty,string"`
	Raw          string    `json:"raw,omitempty"`
}

// wirePart is Gmail's MessagePart.
type wirePart struct {
	PartID   string       `json:"partId"`
	MimeType string       `json:"mimeType"`
	Filename string       `json:"filename"`
	Headers  []wireHeader `json:"headers"`
	Body     *wireBody    `json:"body,omitempty"`
	Parts    []*wirePart  `json:"parts,omitempty"`
}

// wireHeader is Gmail's MessagePartHeader.
type wireHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// wireBody is Gmail's MessagePartBody.
type wireBody struct {
	AttachmentID string `json:"attachmentId,omitempty"`
	Size         int    `json:"size"`
	Data         string `json:"data,omitempty"`
}

// encode is the base64url alphabet, with padding, that Gmail writes.
func encode(b []byte) string { return base64.URLEncoding.EncodeToString(b) }

// decodeBytes reads a bytes field of a request. As Google's JSON parser
// does, it takes both base64 alphabets, padded or not.
func decodeBytes(s string) ([]byte, bool) {
	s = strings.TrimRight(s, "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, true
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	return b, err == nil
}

// messageRef is a message as lists name it.
func messageRef(m *message) *wireMessage {
	return &wireMessage{ID: m.id, ThreadID: m.threadID}
}

// labelsOnly is a message as modify, trash, send and history give it.
func labelsOnly(m *message) *wireMessage {
	return &wireMessage{ID: m.id, ThreadID: m.threadID, LabelIDs: cloneLabels(m.labels)}
}

func cloneLabels(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return append([]string(nil), l...)
}

// validFormat reports whether format is one messages.get takes.
func validFormat(format string) bool {
	switch format {
	case "minimal", "full", "raw", "metadata":
		return true
	}
	return false
}

// render gives m in one of messages.get's formats.
func render(m *message, format string, metadataHeaders []string) *wireMessage {
	w := labelsOnly(m)
	w.Snippet = m.doc.snippet
	w.SizeEstimate = len(m.raw)
	w.HistoryID = m.historyID
	w.InternalDate = m.internal.UnixMilli()
	switch format {
	case "full":
		w.Payload = fullPart(m, m.doc.root)
	case "metadata":
		w.Payload = metadataPart(m.doc.root, metadataHeaders)
	case "raw":
		w.Raw = encode(m.raw)
	}
	return w
}

func fullPart(m *message, p *part) *wirePart {
	w := &wirePart{
		PartID:   p.id,
		MimeType: p.mimeType,
		Filename: p.filename,
		Headers:  wireHeaders(p.headers, nil),
		Body:     &wireBody{},
	}
	switch {
	case len(p.parts) > 0:
		for _, c := range p.parts {
			w.Parts = append(w.Parts, fullPart(m, c))
		}
	case p.attachment:
		w.Body.AttachmentID = attachmentID(m.id, p.id)
		w.Body.Size = len(p.data)
	default:
		w.Body.Size = len(p.data)
		if len(p.data) > 0 {
			w.Body.Data = encode(p.data)
		}
	}
	return w
}

func metadataPart(p *part, only []string) *wirePart {
	return &wirePart{
		PartID:   p.id,
		MimeType: p.mimeType,
		Filename: p.filename,
		Headers:  wireHeaders(p.headers, only),
	}
}

// wireHeaders lists headers in message order, only the named ones when
// only is not empty.
func wireHeaders(hs []header, only []string) []wireHeader {
	out := []wireHeader{}
	for _, h := range hs {
		if len(only) > 0 && !containsFold(only, h.name) {
			continue
		}
		out = append(out, wireHeader{Name: h.name, Value: h.value})
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// attachmentID names a part of a message for messages.attachments.get.
// Gmail's are opaque; so should callers take these to be.
func attachmentID(msgID, partID string) string {
	return "ANGjdJ" + base64.RawURLEncoding.EncodeToString([]byte(msgID+":"+partID))
}

// parseAttachmentID returns the message and part an attachment ID names.
func parseAttachmentID(id string) (msgID, partID string, ok bool) {
	rest, ok := strings.CutPrefix(id, "ANGjdJ")
	if !ok {
		return "", "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return "", "", false
	}
	msgID, partID, ok = strings.Cut(string(b), ":")
	return msgID, partID, ok
}
