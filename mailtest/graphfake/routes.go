package graphfake

import (
	"net/http"
	"path"
)

// routes registers the REST subset the fake serves.
func (s *Server) routes(mux *http.ServeMux) {
	s.api(mux, "GET", "", kindUser, (*call).getMe)

	s.api(mux, "GET", "/mailFolders", kindMail, (*call).listFolders)
	s.api(mux, "POST", "/mailFolders", kindMail, (*call).createFolder)
	s.api(mux, "GET", "/mailFolders/delta|/mailFolders/delta()|/mailFolders/microsoft.graph.delta()",
		kindMail, (*call).foldersDelta)
	s.api(mux, "GET", "/mailFolders/{folder}|/mailFolders/{parent}/childFolders/{folder}",
		kindMail, (*call).getFolder)
	s.api(mux, "PATCH", "/mailFolders/{folder}", kindMail, (*call).updateFolder)
	s.api(mux, "DELETE", "/mailFolders/{folder}", kindMail, (*call).deleteFolder)
	s.api(mux, "GET", "/mailFolders/{folder}/childFolders", kindMail, (*call).listFolders)
	s.api(mux, "POST", "/mailFolders/{folder}/childFolders", kindMail, (*call).createFolder)

	s.api(mux, "GET", "/mailFolders/{folder}/messages", kindMail, (*call).listMessages)
	s.api(mux, "POST", "/mailFolders/{folder}/messages", kindMail, (*call).createDraft)
	s.api(mux, "GET", "/mailFolders/{folder}/messages/delta|/mailFolders/{folder}/messages/delta()|"+
		"/mailFolders/{folder}/messages/microsoft.graph.delta()", kindMail, (*call).messagesDelta)
	s.api(mux, "GET", "/mailFolders/{folder}/messages/{id}", kindMail, (*call).getMessage)

	s.api(mux, "GET", "/messages", kindMail, (*call).listMessages)
	s.api(mux, "POST", "/messages", kindMail, (*call).createDraft)
	s.api(mux, "GET", "/messages/{id}", kindMail, (*call).getMessage)
	s.api(mux, "GET", "/messages/{id}/$value", kindMail, (*call).messageValue)
	s.api(mux, "PATCH", "/messages/{id}", kindMail, (*call).updateMessage)
	s.api(mux, "DELETE", "/messages/{id}", kindMail, (*call).deleteMessage)
	s.api(mux, "POST", "/messages/{id}/move", kindMail, (*call).moveMessage)
	s.api(mux, "POST", "/messages/{id}/send", kindMail, (*call).sendDraft)
	for _, action := range []string{"createReply", "createReplyAll", "createForward"} {
		s.api(mux, "POST", "/messages/{id}/"+action, kindMail, (*call).createResponse)
	}
	for _, action := range []string{"reply", "replyAll", "forward"} {
		s.api(mux, "POST", "/messages/{id}/"+action, kindMail, (*call).respond)
	}
	s.api(mux, "POST", "/sendMail", kindMail, (*call).sendMail)

	s.api(mux, "GET", "/messages/{id}/attachments", kindMail, (*call).listAttachments)
	s.api(mux, "POST", "/messages/{id}/attachments", kindMail, (*call).addAttachment)
	s.api(mux, "GET", "/messages/{id}/attachments/{att}", kindMail, (*call).getAttachment)
	s.api(mux, "GET", "/messages/{id}/attachments/{att}/$value", kindMail,
		(*call).attachmentValue)
	s.api(mux, "DELETE", "/messages/{id}/attachments/{att}", kindMail, (*call).deleteAttachment)
	s.api(mux, "POST", "/messages/{id}/attachments/createUploadSession", kindMail,
		(*call).createUploadSession)

	for _, method := range []string{"PUT", "GET", "DELETE"} {
		mux.Handle(method+" "+uploadPath+"{session}",
			s.serve(method+" "+uploadPath+"{session}", kindUpload, (*call).uploadChunk))
	}
	s.subscriptionRoutes(mux)
	mux.Handle("/", http.HandlerFunc(s.unknown))
}

// unknown answers a path the fake does not serve as Graph answers an
// unknown segment.
func (s *Server) unknown(w http.ResponseWriter, r *http.Request) {
	c := newCall(s, r)
	s.count("unmatched")
	c.write(w, c.fail(http.StatusBadRequest, "BadRequest",
		"Resource not found for the segment '"+path.Base(r.URL.Path)+"'."))
}

// getMe answers GET /me.
func (c *call) getMe() reply {
	return c.json(http.StatusOK, map[string]any{
		"@odata.context":    c.context("users/$entity"),
		"id":                c.mb.userID,
		"displayName":       c.mb.displayName,
		"mail":              c.mb.address,
		"userPrincipalName": c.mb.address,
		"businessPhones":    []string{},
	})
}
