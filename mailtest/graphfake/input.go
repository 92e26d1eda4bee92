package graphfake

import (
	"fmt"
	"strings"
)

// recipientInput is Graph's recipient resource in a request.
type recipientInput struct {
	EmailAddress struct {
		Name    string `json:"name"`
		Address string `json:"address"`
	} `json:"emailAddress"`
}

type bodyInput struct {
	ContentType string `json:"contentType"`
	Content     string `json:"content"`
}

type flagInput struct {
	FlagStatus string `json:"flagStatus"`
}

type headerInput struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// attachmentInput is a fileAttachment in a request; encoding/json decodes
// contentBytes from base64.
type attachmentInput struct {
	ODataType    string `json:"@odata.type"`
	Name         string `json:"name"`
	ContentType  string `json:"contentType"`
	IsInline     bool   `json:"isInline"`
	ContentID    string `json:"contentId"`
	ContentBytes []byte `json:"contentBytes"`
}

// messageInput is a message resource in a request. Pointers tell absent
// properties from empty ones.
type messageInput struct {
	Subject                *string           `json:"subject"`
	Body                   *bodyInput        `json:"body"`
	From                   *recipientInput   `json:"from"`
	ToRecipients           *[]recipientInput `json:"toRecipients"`
	CcRecipients           *[]recipientInput `json:"ccRecipients"`
	BccRecipients          *[]recipientInput `json:"bccRecipients"`
	ReplyTo                *[]recipientInput `json:"replyTo"`
	InternetMessageID      *string           `json:"internetMessageId"`
	InternetMessageHeaders *[]headerInput    `json:"internetMessageHeaders"`
	Attachments            []attachmentInput `json:"attachments"`

	IsRead     *bool      `json:"isRead"`
	Flag       *flagInput `json:"flag"`
	Categories *[]string  `json:"categories"`
	Importance *string    `json:"importance"`
}

// draftOnly reports whether in changes a property Graph lets a client
// change only on a draft.
func (in *messageInput) draftOnly() bool {
	return in.Subject != nil || in.Body != nil || in.From != nil || in.ToRecipients != nil ||
		in.CcRecipients != nil || in.BccRecipients != nil || in.ReplyTo != nil ||
		in.InternetMessageID != nil || in.InternetMessageHeaders != nil
}

// apply copies the properties in sets onto m. It returns a message for the
// client if a value is not valid.
func (in *messageInput) apply(m *Message) error {
	if in.Subject != nil {
		m.Subject = *in.Subject
	}
	if in.Body != nil {
		ct := strings.ToLower(in.Body.ContentType)
		switch ct {
		case "":
			ct = "text"
		case "text", "html":
		default:
			return wireErrorf("Invalid body contentType '%s'.", in.Body.ContentType)
		}
		m.Body = Body{ContentType: ct, Content: in.Body.Content}
	}
	if in.From != nil {
		r := in.From.recipient()
		m.From = &r
	}
	setRecipients(&m.ToRecipients, in.ToRecipients)
	setRecipients(&m.CcRecipients, in.CcRecipients)
	setRecipients(&m.BccRecipients, in.BccRecipients)
	setRecipients(&m.ReplyTo, in.ReplyTo)
	if in.InternetMessageID != nil {
		m.InternetMessageID = *in.InternetMessageID
	}
	if in.InternetMessageHeaders != nil {
		// QUIRK: Graph accepts only custom headers, named x-...; see
		// https://learn.microsoft.com/graph/api/resources/internetmessageheader
		var hs []Header
		for _, h := range *in.InternetMessageHeaders {
			if !strings.HasPrefix(strings.ToLower(h.Name), "x-") {
				return wireErrorf("The internet message header name '%s' should start "+
					"with 'x-' or 'X-'.", h.Name)
			}
			hs = append(hs, Header(h))
		}
		m.Headers = hs
	}
	return in.applyFlags(m)
}

// applyFlags copies the properties a client may change on any message.
func (in *messageInput) applyFlags(m *Message) error {
	if in.IsRead != nil {
		m.IsRead = *in.IsRead
	}
	if in.Flag != nil {
		switch in.Flag.FlagStatus {
		case "notFlagged", "flagged", "complete":
			m.FlagStatus = in.Flag.FlagStatus
		default:
			return wireErrorf("Invalid flagStatus '%s'.", in.Flag.FlagStatus)
		}
	}
	if in.Categories != nil {
		m.Categories = append([]string(nil), (*in.Categories)...)
	}
	if in.Importance != nil {
		switch *in.Importance {
		case "low", "normal", "high":
			m.Importance = *in.Importance
		default:
			return wireErrorf("Invalid importance '%s'.", *in.Importance)
		}
	}
	return nil
}

// attachments converts the file attachments of a request.
func (in *messageInput) attachments() ([]Attachment, error) {
	var out []Attachment
	for _, a := range in.Attachments {
		att, err := a.attachment()
		if err != nil {
			return nil, err
		}
		out = append(out, att)
	}
	return out, nil
}

func (a *attachmentInput) attachment() (Attachment, error) {
	if a.ODataType != "" && !strings.EqualFold(a.ODataType, "#microsoft.graph.fileAttachment") {
		return Attachment{}, wireErrorf("The fake accepts only fileAttachment, not %s.",
			a.ODataType)
	}
	if a.Name == "" {
		return Attachment{}, wireError("An attachment needs a name.")
	}
	ct := a.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	return Attachment{Name: a.Name, ContentType: ct, IsInline: a.IsInline,
		ContentID: strings.Trim(a.ContentID, "<>"), Content: a.ContentBytes}, nil
}

func (r recipientInput) recipient() Recipient {
	return Recipient{Name: r.EmailAddress.Name, Address: r.EmailAddress.Address}
}

func setRecipients(dst *[]Recipient, src *[]recipientInput) {
	if src == nil {
		return
	}
	out := make([]Recipient, 0, len(*src))
	for _, r := range *src {
		out = append(out, r.recipient())
	}
	*dst = out
}

// formatRecipients renders recipients for a header.
func formatRecipients(rs []Recipient) string {
	parts := make([]string, 0, len(rs))
	for _, r := range rs {
		parts = append(parts, formatRecipient(r))
	}
	return strings.Join(parts, ", ")
}

func formatRecipient(r Recipient) string {
	if r.Name == "" {
		return "<" + r.Address + ">"
	}
	return fmt.Sprintf("%q <%s>", r.Name, r.Address)
}
