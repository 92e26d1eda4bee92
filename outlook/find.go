package outlook

import (
	"context"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/mailmanager/mailmanager"
)

var _ mailmanager.MessageFinder = (*Mailbox)(nil)

// FindByMessageID returns the message with the given RFC 5322 Message-ID,
// in any folder. It implements [mailmanager.MessageFinder].
func (m *Mailbox) FindByMessageID(ctx context.Context, messageID string) (*mailmanager.Message, error) {
	id := strings.Trim(strings.TrimSpace(messageID), "<>")
	if id == "" || strings.ContainsAny(id, " '\"\r\n") {
		return nil, fmt.Errorf("outlook: find message: invalid Message-ID")
	}
	filter := "internetMessageId eq '<" + id + ">'"
	top := int32(1)
	page, err := m.graph.Me().Messages().Get(ctx, &users.ItemMessagesRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemMessagesRequestBuilderGetQueryParameters{
			Filter: &filter,
			Select: []string{"id"},
			Top:    &top,
		},
	})
	if err != nil {
		return nil, apiError("messages.list", err)
	}
	if page == nil {
		return nil, noAnswer("messages.list")
	}
	found := page.GetValue()
	if len(found) == 0 || found[0] == nil || found[0].GetId() == nil {
		return nil, fmt.Errorf("outlook: find message %s: %w", id, mailmanager.ErrNotFound)
	}
	return m.Message(ctx, *found[0].GetId())
}
