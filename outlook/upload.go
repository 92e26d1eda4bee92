package outlook

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// uploadChunk is the size of one upload-session request: Graph takes at
// most 4 MiB per request, in multiples of 320 KiB.
const uploadChunk = 12 * 320 << 10

// addAttachments adds attachments to a draft: each one under 3 MB as a
// fileAttachment, each larger one through an upload session.
func (m *Mailbox) addAttachments(ctx context.Context, draftID string, atts []outAttachment) error {
	b := m.graph.Me().Messages().ByMessageId(draftID).Attachments()
	for _, a := range atts {
		if len(a.data) >= inlineLimit {
			if err := m.uploadAttachment(ctx, draftID, a); err != nil {
				return err
			}
			continue
		}
		if _, err := b.Post(ctx, fileAttachment(a), nil); err != nil {
			return apiError("attachments.create", err)
		}
	}
	return nil
}

// uploadAttachment uploads one large attachment in chunks to the URL of a
// new upload session. The URL carries its own authorization, so the
// chunks go without the mailbox's token.
func (m *Mailbox) uploadAttachment(ctx context.Context, draftID string, a outAttachment) error {
	item := models.NewAttachmentItem()
	typ := models.FILE_ATTACHMENTTYPE
	size := int64(len(a.data))
	item.SetAttachmentType(&typ)
	item.SetName(&a.name)
	item.SetContentType(&a.contentType)
	item.SetSize(&size)
	if a.contentID != "" {
		inline := true
		item.SetContentId(&a.contentID)
		item.SetIsInline(&inline)
	}
	body := users.NewItemMessagesItemAttachmentsCreateUploadSessionPostRequestBody()
	body.SetAttachmentItem(item)
	atts := m.graph.Me().Messages().ByMessageId(draftID).Attachments()
	sess, err := atts.CreateUploadSession().Post(ctx, body, nil)
	if err != nil {
		return apiError("attachments.createUploadSession", err)
	}
	if sess == nil {
		return noAnswer("attachments.createUploadSession")
	}
	url := deref(sess.GetUploadUrl())
	if url == "" {
		return fmt.Errorf("outlook: attachments.createUploadSession: no upload URL")
	}

	for off := 0; off < len(a.data); off += uploadChunk {
		end := min(off+uploadChunk, len(a.data))
		if err := m.putChunk(ctx, url, a.data[off:end], off, len(a.data)); err != nil {
			return err
		}
	}
	return nil
}

// putChunk sends the bytes of data at off within a file of size total.
func (m *Mailbox) putChunk(ctx context.Context, url string, data []byte, off, total int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(data))
	if err != nil {
		return wrapf("attachments.upload", err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", off, off+len(data)-1, total))
	resp, err := m.upload.Do(req)
	if err != nil {
		return wrapf("attachments.upload", err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return responseError("attachments.upload", resp)
	}
	drain(resp.Body)
	return nil
}
