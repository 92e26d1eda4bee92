package graphfake

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Upload session limits. Outlook takes files of 3 MB to 150 MB through a
// session, in fragments of at most 4 MB. The fake also demands what
// OneDrive documents and the Graph SDK's upload task assumes: every
// fragment but the last is a multiple of 320 KiB.
//
// https://learn.microsoft.com/graph/outlook-large-attachments
const (
	minUploadSize = 3 << 20
	maxUploadSize = 150 << 20
	maxChunk      = 4 << 20
	chunkUnit     = 320 << 10
	uploadPath    = "/api/v2.0/uploads/"
	uploadTTL     = 2 * time.Hour
)

// upload is an attachment upload session.
type upload struct {
	id, token   string
	mailbox     string // address
	messageID   string // immutable
	att         Attachment
	size        int64
	next        int64
	data        []byte
	expires     time.Time
	immutableID bool
}

type uploadInput struct {
	AttachmentItem *struct {
		AttachmentType string `json:"attachmentType"`
		Name           string `json:"name"`
		Size           int64  `json:"size"`
		ContentType    string `json:"contentType"`
		IsInline       bool   `json:"isInline"`
		ContentID      string `json:"contentId"`
	} `json:"attachmentItem"`
}

// createUploadSession answers POST /messages/{id}/attachments/
// createUploadSession with an uploadSession whose URL needs no token.
//
// https://learn.microsoft.com/graph/api/attachment-createuploadsession
func (c *call) createUploadSession() reply {
	m, rep, ok := c.pathMessage()
	if !ok {
		return rep
	}
	var in uploadInput
	if rep, ok := c.decode(&in); !ok {
		return rep
	}
	item := in.AttachmentItem
	switch {
	case item == nil:
		return c.badRequest("The AttachmentItem parameter is missing.")
	case item.AttachmentType != "" && !strings.EqualFold(item.AttachmentType, "file"):
		return c.badRequest("The fake uploads only attachmentType file.")
	case item.Name == "":
		return c.badRequest("The attachment needs a name.")
	case item.Size < minUploadSize:
		return c.fail(http.StatusBadRequest, "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize",
			"Attachment size must be at least 3 MB; attach smaller files with a POST to "+
				"attachments.")
	case item.Size > maxUploadSize:
		return c.fail(http.StatusBadRequest, "ErrorAttachmentSizeLimitExceeded",
			"Attachment size must not exceed 150 MB.")
	}
	ct := item.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	u := &upload{
		id: newToken(), token: newToken(), mailbox: c.mb.address, messageID: m.ID,
		att: Attachment{Name: item.Name, ContentType: ct, IsInline: item.IsInline,
			ContentID: strings.Trim(item.ContentID, "<>")},
		size: item.Size, data: make([]byte, item.Size),
		expires: time.Now().UTC().Add(uploadTTL), immutableID: c.prefs.immutable,
	}
	c.s.uploads[u.id] = u
	return c.json(http.StatusCreated, map[string]any{
		"@odata.context":     c.context("microsoft.graph.uploadSession"),
		"uploadUrl":          c.s.URL() + uploadPath + u.id + "?authtoken=" + u.token,
		"expirationDateTime": u.expires.Format(time.RFC3339Nano),
		"nextExpectedRanges": []string{"0-"},
	})
}

// authenticateUpload finds the session an upload URL names; its authtoken
// authorizes the request, and an Authorization header is ignored.
func (c *call) authenticateUpload() (reply, bool) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.uploads[c.r.PathValue("session")]
	tok := c.r.URL.Query().Get("authtoken")
	if u == nil || subtle.ConstantTimeCompare([]byte(tok), []byte(u.token)) != 1 {
		return c.fail(http.StatusNotFound, "ErrorItemNotFound",
			"The upload session was not found; it may have completed or been cancelled."), false
	}
	c.mb = s.mailboxes[u.mailbox]
	if c.mb == nil {
		return c.notEnabled(), false
	}
	c.upload = u
	return reply{}, true
}

// uploadChunk answers PUT, GET and DELETE on an upload URL.
func (c *call) uploadChunk() reply {
	u := c.upload
	if c.s.uploads[u.id] != u {
		return c.fail(http.StatusNotFound, "ErrorItemNotFound",
			"The upload session was not found; it may have completed or been cancelled.")
	}
	switch c.r.Method {
	case http.MethodGet:
		return c.json(http.StatusOK, c.uploadStatus(u))
	case http.MethodDelete:
		delete(c.s.uploads, u.id)
		return c.empty(http.StatusNoContent)
	}
	first, last, total, err := parseContentRange(c.r.Header.Get("Content-Range"))
	n := last - first + 1
	switch {
	case err != nil:
		return c.rangeError(http.StatusBadRequest, "invalidRange", err.Error())
	case total != u.size:
		return c.rangeError(http.StatusBadRequest, "fragmentLengthMismatch",
			fmt.Sprintf("Declared total size %d differs from the session's %d.", total, u.size))
	case int64(len(c.body)) != n ||
		(c.r.Header.Get("Content-Encoding") == "" && c.r.ContentLength != n):
		return c.rangeError(http.StatusBadRequest, "invalidRange",
			"Content-Length does not match Content-Range.")
	case n > maxChunk:
		return c.rangeError(http.StatusBadRequest, "maxFragmentLengthExceeded",
			"A fragment may hold at most 4 MB.")
	case first < u.next:
		return c.rangeError(http.StatusRequestedRangeNotSatisfiable, "fragmentOverlap",
			"Uploaded fragment overlaps with existing data.")
	case first > u.next:
		return c.rangeError(http.StatusBadRequest, "fragmentOutOfOrder",
			fmt.Sprintf("Uploaded fragment is out of order; the next expected byte is %d.",
				u.next))
	case last+1 < total && n%chunkUnit != 0:
		return c.rangeError(http.StatusBadRequest, "invalidRange",
			"Every fragment but the last must be a multiple of 320 KiB (327,680 bytes).")
	}
	copy(u.data[first:], c.body)
	u.next = last + 1
	if u.next < u.size {
		return c.json(http.StatusOK, c.uploadStatus(u))
	}
	return c.finishUpload(u)
}

// finishUpload attaches the uploaded file and answers 201 with its URL in
// Location, as Outlook does.
func (c *call) finishUpload(u *upload) reply {
	delete(c.s.uploads, u.id)
	m := c.mb.messages[u.messageID]
	if m == nil {
		return c.notFound()
	}
	a := u.att
	a.Content = u.data
	added := c.mb.attach(m, a)
	mid := m.regularID
	if u.immutableID {
		mid = m.ID
	}
	rep := c.empty(http.StatusCreated)
	rep.header.Set("Location", fmt.Sprintf("%s/api/v2.0/Users('%s')/Messages('%s')/Attachments('%s')",
		c.s.URL(), url.PathEscape(c.mb.userID), url.PathEscape(mid), url.PathEscape(added.ID)))
	rep.body = []byte{}
	return rep
}

// uploadStatus is an uploadSession without its URL. QUIRK: for Outlook
// attachments nextExpectedRanges holds just "{start}", not "{start}-".
//
// https://learn.microsoft.com/graph/api/resources/uploadsession
func (c *call) uploadStatus(u *upload) map[string]any {
	next := strconv.FormatInt(u.next, 10)
	if u.next == 0 {
		next = "0-"
	}
	return map[string]any{
		"@odata.context":     c.context("microsoft.graph.uploadSession"),
		"expirationDateTime": u.expires.Format(time.RFC3339Nano),
		"nextExpectedRanges": []string{next},
	}
}

// rangeError answers with Graph's invalidRange error and a detailed code.
func (c *call) rangeError(status int, inner, msg string) reply {
	return c.failInner(status, "invalidRange", msg, inner)
}

// parseContentRange parses "bytes {first}-{last}/{total}".
func parseContentRange(h string) (first, last, total int64, err error) {
	spec, ok := strings.CutPrefix(strings.TrimSpace(h), "bytes ")
	rng, tot, ok2 := strings.Cut(spec, "/")
	a, b, ok3 := strings.Cut(rng, "-")
	if !ok || !ok2 || !ok3 {
		return 0, 0, 0, wireErrorf("Content-Range %q is not bytes {first}-{last}/{total}.", h)
	}
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	total, err3 := strconv.ParseInt(tot, 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || first < 0 || last < first || last >= total {
		return 0, 0, 0, wireErrorf("Content-Range %q is not a valid byte range.", h)
	}
	return first, last, total, nil
}
