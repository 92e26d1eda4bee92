package main

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/mailmanager/mailmanager"
)

// composeForm is the compose page: a new message, a reply or a forward.
type composeForm struct {
	Mode     string // "new", "reply", "replyall" or "forward"
	Original string // provider ID of the message answered
	Account  string
	Accounts []navAccount // mailboxes a new message may be sent from
	From     string       // address of the account, for replies
	To, Cc   string
	Bcc      string
	Subject  string
	Body     string
	Problem  string
	// Forwarded lists the attachments a forward carries along.
	Forwarded []mailmanager.Attachment
}

// modeTitle is the heading of the compose page.
func (f *composeForm) Title() string {
	switch f.Mode {
	case "reply", "replyall":
		return "Reply"
	case "forward":
		return "Forward"
	}
	return "New message"
}

// handleCompose shows an empty or prefilled compose form.
func (a *app) handleCompose(w http.ResponseWriter, r *http.Request, u *user) {
	ctx := r.Context()
	q := r.URL.Query()
	f := &composeForm{Mode: q.Get("mode"), Account: q.Get("account"), Original: q.Get("id")}
	if f.Mode == "" {
		f.Mode = "new"
	}
	if f.Mode == "new" {
		if err := a.fillAccounts(ctx, u, f); err != nil {
			a.fail(w, r, http.StatusInternalServerError, err)
			return
		}
		a.renderCompose(w, r, f, http.StatusOK)
		return
	}

	acc, m, err := a.original(ctx, u, f.Account, f.Original)
	if err != nil {
		a.failMail(w, r, err)
		return
	}
	if err := prefill(f, acc, m); err != nil {
		a.fail(w, r, http.StatusBadRequest, err)
		return
	}
	a.renderCompose(w, r, f, http.StatusOK)
}

func (a *app) renderCompose(w http.ResponseWriter, r *http.Request, f *composeForm, status int) {
	a.render(w, r, view{Name: "compose", Title: f.Title(), Status: status, Content: f})
}

// fillAccounts lists the mailboxes a new message can be sent from.
func (a *app) fillAccounts(ctx context.Context, u *user, f *composeForm) error {
	accounts, err := a.mgr.Accounts(ctx, u.ID)
	if err != nil {
		return err
	}
	f.Accounts = f.Accounts[:0]
	for _, acc := range accounts {
		if acc.Status == mailmanager.StatusActive {
			f.Accounts = append(f.Accounts,
				navAccount{ID: acc.ID, Address: acc.Address, Provider: acc.Provider})
		}
	}
	return nil
}

// original returns the user's account and the message a reply or forward
// answers.
func (a *app) original(ctx context.Context, u *user, accountID, id string) (
	*mailmanager.Account, *mailmanager.Message, error) {
	acc, err := a.mgr.Account(ctx, accountID)
	if err != nil {
		return nil, nil, err
	}
	if acc.UserID != u.ID {
		return nil, nil, fmt.Errorf("webapp: account of another user: %w", mailmanager.ErrNotFound)
	}
	m, err := a.lookup(ctx, acc, id)
	if err != nil {
		return nil, nil, err
	}
	return acc, m, nil
}

// prefill fills a reply or forward from the original message: recipients,
// subject and the quoted text.
func prefill(f *composeForm, acc *mailmanager.Account, m *mailmanager.Message) error {
	f.Account, f.From = acc.ID, acc.Address
	text := m.Text
	if strings.TrimSpace(text) == "" {
		text = htmlToText(m.HTML)
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	switch f.Mode {
	case "reply", "replyall":
		to, cc := replyRecipients(acc.Address, m, f.Mode == "replyall")
		f.To, f.Cc = formatAddresses(to), formatAddresses(cc)
		f.Subject = prefixed("Re: ", m.Subject)
		when := m.Date.Local().Format("Mon, 2 Jan 2006 at 15:04")
		f.Body = fmt.Sprintf("\n\nOn %s, %s wrote:\n%s", when, senderLine(m.From), quote(text))
	case "forward":
		f.Subject = prefixed("Fwd: ", m.Subject)
		f.Body = fmt.Sprintf("\n\n---------- Forwarded message ----------\nFrom: %s\nDate: %s\n"+
			"Subject: %s\nTo: %s\n\n%s", senderLine(m.From), m.Date.Local().Format(time.RFC1123Z),
			m.Subject, formatAddresses(m.To), text)
		for _, at := range m.Attachments {
			if !at.Inline {
				f.Forwarded = append(f.Forwarded, at)
			}
		}
	default:
		return errors.New("webapp: unknown compose mode")
	}
	return nil
}

// replyRecipients proposes the recipients of a reply: the Reply-To or the
// sender, and for a reply to all every other recipient too, without the
// mailbox itself and without duplicates.
func replyRecipients(self string, m *mailmanager.Message, all bool) (
	to, cc []mailmanager.Address) {
	me := mailmanager.NormalizeEmail(self)
	seen := map[string]bool{me: true}
	add := func(list *[]mailmanager.Address, a mailmanager.Address) {
		key := mailmanager.NormalizeEmail(a.Email)
		if key == "" || seen[key] {
			return
		}
		seen[key] = true
		*list = append(*list, a)
	}
	switch {
	case len(m.ReplyTo) > 0:
		for _, a := range m.ReplyTo {
			add(&to, a)
		}
	case m.From != nil && mailmanager.NormalizeEmail(m.From.Email) == me:
		// Replying to one's own message goes to its recipients.
		for _, a := range m.To {
			add(&to, a)
		}
	case m.From != nil:
		add(&to, *m.From)
	}
	if all {
		for _, a := range slices.Concat(m.To, m.Cc) {
			add(&cc, a)
		}
	}
	return to, cc
}

// handleSend sends the compose form: a new message, a reply or a forward,
// with its attachments. It syncs the mailbox before showing the
// conversation, so the sent message is in it.
func (a *app) handleSend(w http.ResponseWriter, r *http.Request, u *user) {
	ctx := r.Context()
	f := &composeForm{
		Mode: r.PostFormValue("mode"), Account: r.PostFormValue("account"),
		Original: r.PostFormValue("original"),
		To:       r.PostFormValue("to"), Cc: r.PostFormValue("cc"), Bcc: r.PostFormValue("bcc"),
		Subject: r.PostFormValue("subject"), Body: r.PostFormValue("body"),
	}
	acc, err := a.mgr.Account(ctx, f.Account)
	if err != nil || acc.UserID != u.ID {
		a.fail(w, r, http.StatusNotFound, mailmanager.ErrNotFound)
		return
	}
	f.From = acc.Address

	msg, err := outgoing(f, r.MultipartForm)
	reply := f.Mode == "reply" || f.Mode == "replyall"
	if err == nil && !reply && len(msg.To)+len(msg.Cc)+len(msg.Bcc) == 0 {
		// A reply without recipients goes to those of the original.
		err = formProblem("Add at least one recipient.")
	}
	if err != nil {
		f.Problem = err.Error()
		_ = a.fillAccounts(ctx, u, f)
		a.renderCompose(w, r, f, http.StatusBadRequest)
		return
	}
	defer closeAll(msg.Attachments)

	var sent *mailmanager.Sent
	switch f.Mode {
	case "reply", "replyall":
		sent, err = a.mgr.Reply(ctx, acc.ID, f.Original, f.Mode == "replyall", msg)
	case "forward":
		sent, err = a.mgr.Forward(ctx, acc.ID, f.Original, msg)
	default:
		sent, err = a.mgr.Send(ctx, acc.ID, msg)
	}
	if err != nil {
		a.log.Warn("send failed", "account", acc.ID, "mode", f.Mode, "error", err)
		f.Problem = "The message was not sent: " + sendProblem(err)
		_ = a.fillAccounts(ctx, u, f)
		a.renderCompose(w, r, f, http.StatusBadGateway)
		return
	}

	syncCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := a.syncer.run(syncCtx, acc.ID); err != nil {
		a.log.Warn("sync after send", "account", acc.ID, "error", err)
	}
	next := "/mail"
	switch {
	case f.Original != "" && a.index.message(acc.ID, f.Original) != nil:
		next = messageURL(acc.ID, f.Original)
	case sent != nil && sent.ID != "" && a.index.message(acc.ID, sent.ID) != nil:
		next = messageURL(acc.ID, sent.ID)
	}
	http.Redirect(w, r, withNote(next, "sent"), http.StatusSeeOther)
}

// outgoing builds the message to send from the form and its files.
func outgoing(f *composeForm, form *multipart.Form) (*mailmanager.Outgoing, error) {
	msg := &mailmanager.Outgoing{Subject: strings.TrimSpace(f.Subject), Text: f.Body}
	var err error
	if msg.To, err = parseAddresses("To", f.To); err != nil {
		return nil, err
	}
	if msg.Cc, err = parseAddresses("Cc", f.Cc); err != nil {
		return nil, err
	}
	if msg.Bcc, err = parseAddresses("Bcc", f.Bcc); err != nil {
		return nil, err
	}
	if strings.ContainsAny(msg.Subject, "\r\n") {
		return nil, formProblem("The subject may not contain line breaks.")
	}
	if form == nil {
		return msg, nil
	}
	for _, fh := range form.File["attachments"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		file, err := fh.Open()
		if err != nil {
			closeAll(msg.Attachments)
			return nil, formProblem("An attachment could not be read.")
		}
		msg.Attachments = append(msg.Attachments, mailmanager.OutgoingAttachment{
			Filename:    safeFilename(fh.Filename),
			ContentType: uploadType(fh),
			Content:     file,
		})
	}
	return msg, nil
}

// uploadType is the content type of an uploaded file: what the browser
// said, else what the extension says.
func uploadType(fh *multipart.FileHeader) string {
	if t, _, err := mime.ParseMediaType(fh.Header.Get("Content-Type")); err == nil && t != "" {
		return t
	}
	if t := mime.TypeByExtension(path.Ext(fh.Filename)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func closeAll(atts []mailmanager.OutgoingAttachment) {
	for _, at := range atts {
		if c, ok := at.Content.(multipart.File); ok {
			c.Close()
		}
	}
}

// parseAddresses reads a comma-separated list of addresses.
func parseAddresses(field, s string) ([]mailmanager.Address, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	list, err := mail.ParseAddressList(s)
	if err != nil {
		return nil, formProblem(fmt.Sprintf(
			"The %s field holds an address that is not valid.", field))
	}
	out := make([]mailmanager.Address, len(list))
	for i, a := range list {
		out[i] = mailmanager.Address{Name: a.Name, Email: a.Address}
	}
	return out, nil
}

// formatAddresses writes addresses for an input field: a plain name
// unquoted, as people write it, anything else as net/mail quotes it.
func formatAddresses(list []mailmanager.Address) string {
	s := make([]string, len(list))
	for i, a := range list {
		s[i] = (&mail.Address{Name: a.Name, Address: a.Email}).String()
		if a.Name != "" && plainName(a.Name) {
			s[i] = a.Name + " <" + a.Email + ">"
		}
	}
	return strings.Join(s, ", ")
}

// plainName reports a display name of letters, digits, spaces, hyphens
// and apostrophes, which an address list needs no quotes for.
func plainName(name string) bool {
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ' ' && r != '-' && r != '\'' {
			return false
		}
	}
	return strings.TrimSpace(name) == name
}

// formProblem is a mistake in the compose form, worded for the user.
type formProblem string

func (p formProblem) Error() string { return string(p) }

// sendProblem explains a failed send to the user.
func sendProblem(err error) string {
	switch {
	case errors.Is(err, mailmanager.ErrReauthRequired):
		return "the mailbox needs to be reconnected."
	case errors.Is(err, mailmanager.ErrInvalidHeader):
		return "a field contains a line break."
	case errors.Is(err, mailmanager.ErrNotFound):
		return "the original message is gone."
	}
	return "the provider did not accept it. Please try again."
}

func senderLine(a *mailmanager.Address) string {
	if a == nil {
		return "someone"
	}
	return a.String()
}

// prefixed puts prefix before a subject that does not start with it.
func prefixed(prefix, subject string) string {
	if strings.HasPrefix(strings.ToLower(subject), strings.ToLower(prefix)) {
		return subject
	}
	return prefix + subject
}

// quote marks every line of text as quoted.
func quote(text string) string {
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n"), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ">") {
			lines[i] = ">" + l
		} else {
			lines[i] = "> " + l
		}
	}
	return strings.Join(lines, "\n")
}
