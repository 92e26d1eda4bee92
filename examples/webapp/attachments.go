package main

import (
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mailmanager/mailmanager"
)

// handleAttachment streams an attachment as a download.
func (a *app) handleAttachment(w http.ResponseWriter, r *http.Request, u *user) {
	a.serveAttachment(w, r, u, func(at mailmanager.Attachment) bool {
		return at.ID == r.PathValue("attachment")
	}, false)
}

// handleInline streams an image a message shows through a cid: URL.
func (a *app) handleInline(w http.ResponseWriter, r *http.Request, u *user) {
	cid := r.PathValue("cid")
	a.serveAttachment(w, r, u, func(at mailmanager.Attachment) bool {
		return at.ContentID == cid && inlineImageType(at.ContentType) != ""
	}, true)
}

// serveAttachment streams the first attachment of the message in the path
// that match accepts, from Mailbox.Attachment.
func (a *app) serveAttachment(w http.ResponseWriter, r *http.Request, u *user,
	match func(mailmanager.Attachment) bool, inline bool) {
	ctx := r.Context()
	acc, err := a.ownAccount(r, u)
	if err != nil {
		a.fail(w, r, http.StatusNotFound, err)
		return
	}
	m, err := a.lookup(ctx, acc, r.PathValue("id"))
	if err != nil {
		a.failMail(w, r, err)
		return
	}
	var at *mailmanager.Attachment
	for i := range m.Attachments {
		if match(m.Attachments[i]) {
			at = &m.Attachments[i]
			break
		}
	}
	if at == nil {
		a.fail(w, r, http.StatusNotFound, mailmanager.ErrNotFound)
		return
	}

	mb, err := a.mgr.Mailbox(ctx, acc.ID)
	if err != nil {
		a.failMail(w, r, err)
		return
	}
	rc, err := mb.Attachment(ctx, m.ID, at.ID)
	if err != nil {
		a.failMail(w, r, err)
		return
	}
	defer rc.Close()

	h := w.Header()
	disposition, ctype := "attachment", downloadType(at.ContentType)
	if inline {
		disposition, ctype = "inline", inlineImageType(at.ContentType)
		h.Set("Cache-Control", "private, max-age=3600")
	} else {
		h.Set("Cache-Control", "no-store")
	}
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", mime.FormatMediaType(disposition,
		map[string]string{"filename": safeFilename(at.Filename)}))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if _, err := io.Copy(w, rc); err != nil {
		a.log.Warn("stream attachment", "account", acc.ID, "error", err)
	}
}

// inlineImageType returns the type to serve an inline image as, or "" for
// a type that is not a plain raster image. SVG is refused: opened on its
// own, it is a document that may carry script.
func inlineImageType(ct string) string {
	t, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	switch t {
	case "image/png", "image/gif", "image/jpeg", "image/webp", "image/bmp":
		return t
	case "image/jpg", "image/pjpeg":
		return "image/jpeg"
	}
	return ""
}

// downloadType is the Content-Type of a download: the attachment's own,
// unless a browser might render it as a page.
func downloadType(ct string) string {
	t, _, err := mime.ParseMediaType(ct)
	if err != nil || !strings.Contains(t, "/") {
		return "application/octet-stream"
	}
	switch {
	case strings.Contains(t, "html"), strings.Contains(t, "xml"), strings.Contains(t, "script"),
		t == "image/svg+xml", t == "multipart/x-mixed-replace":
		return "application/octet-stream"
	}
	return t
}

// safeFilename makes an attachment's name safe for a Content-Disposition
// header and a user's disk: no directories, no control or reserved
// characters, no leading dots, at most 120 characters with the extension
// kept.
func safeFilename(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r), strings.ContainsRune(`"/\:*?<>|`, r):
			return '_'
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, name)
	name = strings.Trim(name, " .")
	if name == "" {
		return "attachment"
	}
	if runes := []rune(name); len(runes) > 120 {
		ext := path.Ext(name)
		if len([]rune(ext)) > 20 {
			ext = ""
		}
		name = string(runes[:120-len([]rune(ext))]) + ext
	}
	return name
}
