package graphfake

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

type sendMailInput struct {
	Message         *messageInput `json:"message"`
	SaveToSentItems *bool         `json:"saveToSentItems"`
}

// sendMail answers POST /sendMail: 202 and no body.
//
// https://learn.microsoft.com/graph/api/user-sendmail
func (c *call) sendMail() reply {
	var in sendMailInput
	if rep, ok := c.decode(&in); !ok {
		return rep
	}
	if in.Message == nil {
		return c.badRequest("The message parameter is missing.")
	}
	var m message
	if err := in.Message.apply(&m.Message); err != nil {
		return c.badRequest(err.Error())
	}
	atts, err := in.Message.attachments()
	if err != nil {
		return c.badRequest(err.Error())
	}
	m.Attachments = atts
	if rep, ok := c.checkRecipients(&m.Message); !ok {
		return rep
	}
	save := in.SaveToSentItems == nil || *in.SaveToSentItems
	c.s.send(c.mb, &m, save)
	return c.empty(http.StatusAccepted)
}

func (c *call) checkRecipients(m *Message) (reply, bool) {
	all := concatRecipients(m.ToRecipients, m.CcRecipients, m.BccRecipients)
	if len(all) == 0 {
		return c.fail(http.StatusBadRequest, "ErrorInvalidRecipients",
			"At least one recipient is not valid., A message can't be sent because it "+
				"contains no recipients."), false
	}
	for _, r := range all {
		if !strings.Contains(r.Address, "@") {
			return c.fail(http.StatusBadRequest, "ErrorInvalidRecipients",
				"At least one recipient is not valid., Recipient '"+r.Address+
					"' is not resolved."), false
		}
	}
	return reply{}, true
}

// createDraft answers POST /messages and /mailFolders/{id}/messages: 201
// with the new draft.
//
// https://learn.microsoft.com/graph/api/user-post-messages
func (c *call) createDraft() reply {
	f := c.mb.folder("drafts")
	if c.r.PathValue("folder") != "" {
		pf, rep, ok := c.pathFolder()
		if !ok {
			return rep
		}
		f = pf
	}
	var in messageInput
	if rep, ok := c.decode(&in); !ok {
		return rep
	}
	m := &message{Message: Message{IsDraft: true, IsRead: true}}
	if err := in.apply(&m.Message); err != nil {
		return c.badRequest(err.Error())
	}
	atts, err := in.attachments()
	if err != nil {
		return c.badRequest(err.Error())
	}
	m.Attachments = atts
	m.ConversationID = newID("AAQkAGE1")
	c.mb.insert(m, f)
	return c.messageReply(http.StatusCreated, m, nil, false)
}

// sendDraft answers POST /messages/{id}/send: 202 and no body. The draft
// moves to Sent Items and keeps its immutable ID.
//
// https://learn.microsoft.com/graph/api/message-send
func (c *call) sendDraft() reply {
	m, rep, ok := c.pathMessage()
	if !ok {
		return rep
	}
	if !m.IsDraft {
		return c.fail(http.StatusBadRequest, "ErrorInvalidOperation",
			"Only a draft can be sent.")
	}
	if rep, ok := c.checkRecipients(&m.Message); !ok {
		return rep
	}
	c.s.send(c.mb, m, true)
	return c.empty(http.StatusAccepted)
}

// send submits m from mb: it records it in Sent, files it in Sent Items
// when save is set (moving the draft there if m is one), and delivers a
// copy to every recipient whose mailbox is on this server.
func (s *Server) send(mb *mailbox, m *message, save bool) {
	now := time.Now().UTC()
	self := Recipient{Name: mb.displayName, Address: mb.address}
	if m.From == nil {
		m.From = &self
	}
	m.Sender = &self
	m.IsDraft, m.IsRead = false, true
	m.SentDateTime, m.ReceivedDateTime = now, now
	if m.InternetMessageID == "" {
		m.InternetMessageID = newMessageID(mb.address)
	}
	if m.ConversationID == "" {
		m.ConversationID = newID("AAQkAGE1")
	}
	m.Headers = append(sentHeaders(&m.Message), customHeaders(m.Headers)...)

	stored := m.ID != "" && mb.messages[m.ID] == m
	switch {
	case stored && save:
		mb.move(m, mb.folder("sentitems"))
	case stored:
		mb.remove(m)
	case save:
		mb.insert(m, mb.folder("sentitems"))
	}
	mb.sent = append(mb.sent, m.clone())

	seen := map[string]bool{}
	for _, r := range concatRecipients(m.ToRecipients, m.CcRecipients, m.BccRecipients) {
		addr := strings.ToLower(r.Address)
		to := s.mailboxes[addr]
		if to == nil || seen[addr] {
			continue
		}
		seen[addr] = true
		cp := &message{Message: m.clone()}
		cp.BccRecipients = nil
		cp.IsRead = false
		cp.FlagStatus, cp.Categories = "", nil
		cp.CreatedDateTime = time.Time{}
		for i := range cp.Attachments {
			cp.Attachments[i].ID = ""
		}
		to.insert(cp, to.folder("inbox"))
	}
}

// customHeaders keeps the x- headers a client set.
func customHeaders(hs []Header) []Header {
	var out []Header
	for _, h := range hs {
		if strings.HasPrefix(strings.ToLower(h.Name), "x-") {
			out = append(out, h)
		}
	}
	return out
}

// sentHeaders are the internet message headers Exchange writes on a
// message it sends.
func sentHeaders(m *Message) []Header {
	hs := []Header{
		{"Message-ID", m.InternetMessageID},
		{"Date", m.SentDateTime.Format(time.RFC1123Z)},
		{"Subject", m.Subject},
		{"From", formatRecipient(*m.From)},
	}
	if len(m.ToRecipients) > 0 {
		hs = append(hs, Header{"To", formatRecipients(m.ToRecipients)})
	}
	if len(m.CcRecipients) > 0 {
		hs = append(hs, Header{"Cc", formatRecipients(m.CcRecipients)})
	}
	if m.InReplyTo != "" {
		hs = append(hs, Header{"In-Reply-To", m.InReplyTo})
	}
	if len(m.References) > 0 {
		hs = append(hs, Header{"References", strings.Join(m.References, " ")})
	}
	ct := "text/plain; charset=\"utf-8\""
	if m.Body.ContentType == "html" {
		ct = "text/html; charset=\"utf-8\""
	}
	return append(hs, Header{"MIME-Version", "1.0"}, Header{"Content-Type", ct})
}

// newMessageID makes an RFC 5322 Message-ID, with angle brackets, in the
// domain of address.
func newMessageID(address string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	domain := "graphfake.localhost"
	if _, d, ok := strings.Cut(address, "@"); ok && d != "" {
		domain = d
	}
	return "<" + strings.ToUpper(hex.EncodeToString(b)) + "@" + domain + ">"
}

func concatRecipients(lists ...[]Recipient) []Recipient {
	var out []Recipient
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
