package gmailfake

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"
)

// wireSend is the part of a Message resource a send or draft carries.
type wireSend struct {
	Raw      string `json:"raw"`
	ThreadID string `json:"threadId"`
}

// outgoing reads the message of a send or draft call: from the media of
// an upload, or from the raw field. It returns nil raw when there is none.
func (c *call) outgoing(in *wireSend) ([]byte, *apiError) {
	if c.hasMedia {
		return c.media, nil
	}
	if in == nil || in.Raw == "" {
		return nil, nil
	}
	raw, ok := decodeBytes(in.Raw)
	if !ok {
		return nil, badRequest("Invalid value for ByteString: %.20s", in.Raw)
	}
	return raw, nil
}

// sendMessage serves messages.send.
func (s *Server) sendMessage(c *call) (any, *apiError) {
	var in wireSend
	if len(bytes.TrimSpace(c.body)) > 0 {
		if err := json.Unmarshal(c.body, &in); err != nil {
			return nil, badRequest("Invalid JSON payload received.")
		}
	}
	raw, e := c.outgoing(&in)
	if e != nil {
		return nil, e
	}
	if len(raw) == 0 {
		return nil, badRequest("'raw' RFC822 payload message string or uploading message " +
			"via /upload/* URL required")
	}
	m, e := s.send(c, raw, in.ThreadID, nil)
	if e != nil {
		return nil, e
	}
	return labelsOnly(m), nil
}

// send sends raw as Gmail does: the From rewritten to the primary address
// unless it is a verified alias, Bcc taken out, Message-ID and Date added
// when missing, SENT set, and the requested thread kept when the message
// belongs to it. A draft, when given, becomes the sent message. s.mu must
// be held.
func (s *Server) send(c *call, raw []byte, threadID string, draft *message) (*message, *apiError) {
	out, bcc, e := s.prepare(c.mb, raw, c.now)
	if e != nil {
		return nil, e
	}
	doc := parseDocument(out)
	mb := c.mb

	labels := []string{"SENT"}
	if slices.Contains(addresses(doc.to+","+doc.cc), mb.address) ||
		slices.Contains(bcc, mb.address) {
		labels = append(labels, "INBOX", "UNREAD")
	}
	var m *message
	if draft != nil {
		m = draft
		mb.replaceContent(m, out, doc)
		delete(mb.drafts, m.draftID)
		m.draftID = ""
		mb.relabel(m, labels, []string{"DRAFT"}, s.historyLimit)
	} else {
		thread, e := mb.joinThread(doc, threadID)
		if e != nil {
			return nil, e
		}
		m = &message{
			id:       s.nextID(c.now),
			labels:   labels,
			raw:      out,
			internal: time.UnixMilli(c.now.UnixMilli()),
			doc:      doc,
		}
		m.threadID = cmp.Or(thread, m.id)
		mb.insert(m, s.historyLimit)
	}

	sent := snapshot(m)
	sent.Bcc = bcc
	mb.sent = append(mb.sent, sent)
	return m, nil
}

// joinThread checks a requested thread and returns the thread a new
// message joins: the requested one when the message references a message
// of it with a matching subject, else "" for a new thread.
func (mb *mailbox) joinThread(doc *document, threadID string) (string, *apiError) {
	if threadID == "" {
		return "", nil
	}
	if !isMessageID(threadID) {
		return "", badRequest("Invalid thread_id value")
	}
	if len(mb.thread(threadID)) == 0 {
		return "", notFound()
	}
	return mb.threadFor(doc, threadID), nil
}

// replaceContent gives m new raw content, keeping its ID.
func (mb *mailbox) replaceContent(m *message, raw []byte, doc *document) {
	if id := m.doc.messageID; id != "" {
		mb.byMessageID[id] = slices.DeleteFunc(mb.byMessageID[id], func(x *message) bool {
			return x == m
		})
		if len(mb.byMessageID[id]) == 0 {
			delete(mb.byMessageID, id)
		}
	}
	m.raw, m.doc = raw, doc
	if id := doc.messageID; id != "" {
		mb.byMessageID[id] = append(mb.byMessageID[id], m)
	}
}

// prepare rewrites an outgoing message's header as Gmail does before
// sending, and returns the Bcc addresses it took out.
func (s *Server) prepare(mb *mailbox, raw []byte, now time.Time) ([]byte, []string, *apiError) {
	br := bufio.NewReader(bytes.NewReader(raw))
	h, err := textproto.ReadHeader(br)
	if err != nil && h.Len() == 0 {
		return nil, nil, badRequest("Invalid RFC 822 message: no header")
	}
	body, _ := io.ReadAll(br)

	values := func(k string) string { return strings.Join(h.Values(k), ", ") }
	bcc := addresses(values("Bcc"))
	if len(addresses(values("To")))+len(addresses(values("Cc")))+len(bcc) == 0 {
		return nil, nil, badRequest("Recipient address required")
	}
	h.Del("Bcc")
	if from := addresses(h.Get("From")); len(from) == 0 || !mb.canSendAs(from[0]) {
		h.Set("From", mb.address)
	}
	if !h.Has("Message-Id") {
		id := "<" + s.nextID(now) + "@mail.gmailfake.localhost>"
		h.AddRaw([]byte("Message-ID: " + id + "\r\n"))
	}
	if !h.Has("Date") {
		h.Add("Date", now.UTC().Format(time.RFC1123Z))
	}

	var out bytes.Buffer
	if err := textproto.WriteHeader(&out, h); err != nil {
		return nil, nil, badRequest("Invalid RFC 822 message header")
	}
	out.Write(body)
	return out.Bytes(), bcc, nil
}

// canSendAs reports whether the mailbox may send from address: its own
// or a verified alias.
func (mb *mailbox) canSendAs(address string) bool {
	if strings.EqualFold(address, mb.address) {
		return true
	}
	for _, a := range mb.aliases {
		if strings.EqualFold(a.email, address) {
			return a.verified
		}
	}
	return false
}

// wireSendAs is Gmail's SendAs resource.
type wireSendAs struct {
	SendAsEmail        string `json:"sendAsEmail"`
	DisplayName        string `json:"displayName"`
	ReplyToAddress     string `json:"replyToAddress"`
	Signature          string `json:"signature"`
	IsPrimary          bool   `json:"isPrimary,omitempty"`
	IsDefault          bool   `json:"isDefault"`
	TreatAsAlias       bool   `json:"treatAsAlias,omitempty"`
	VerificationStatus string `json:"verificationStatus,omitempty"`
}

// listSendAs serves settings.sendAs.list: the primary address, which like
// Gmail's carries no verification status, then the aliases.
func (s *Server) listSendAs(c *call) (any, *apiError) {
	list := []wireSendAs{{SendAsEmail: c.mb.address, IsPrimary: true, IsDefault: true}}
	for _, a := range c.mb.aliases {
		status := "pending"
		if a.verified {
			status = "accepted"
		}
		list = append(list, wireSendAs{
			SendAsEmail:        a.email,
			TreatAsAlias:       true,
			VerificationStatus: status,
		})
	}
	return map[string]any{"sendAs": list}, nil
}
