package outlook

import (
	"context"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/mailmanager/mailmanager"
)

// Profile returns the mailbox's address, lower case, and display name. It
// also checks that Exchange Online hosts the mailbox: Graph serves the
// profile of any Microsoft account, but mail only of those, and fails
// with an error wrapping ErrMailboxNotEnabled for the others.
func (m *Mailbox) Profile(ctx context.Context) (*mailmanager.Profile, error) {
	u, err := m.graph.Me().Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{
			Select: []string{"mail", "userPrincipalName", "displayName"},
		},
	})
	if err != nil {
		return nil, apiError("me.get", err)
	}
	if u == nil {
		return nil, noAnswer("me.get")
	}
	addr := deref(u.GetMail())
	if addr == "" {
		addr = deref(u.GetUserPrincipalName())
	}
	addr = strings.ToLower(strings.TrimSpace(addr))
	if _, err := m.folderID(ctx, "inbox"); err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.address = addr
	m.mu.Unlock()
	return &mailmanager.Profile{Address: addr, Name: deref(u.GetDisplayName())}, nil
}

// mailboxAddress returns the mailbox's address, asking Graph once.
func (m *Mailbox) mailboxAddress(ctx context.Context) (string, error) {
	m.mu.Lock()
	addr := m.address
	m.mu.Unlock()
	if addr != "" {
		return addr, nil
	}
	p, err := m.Profile(ctx)
	if err != nil {
		return "", err
	}
	return p.Address, nil
}
