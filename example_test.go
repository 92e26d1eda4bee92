package mailmanager_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest"
	"github.com/mailmanager/mailmanager/memstore"
)

// This example configures a Manager, stores a provider's credentials as an
// administrator would, and connects a mailbox through the handlers, with a
// fake provider standing in for Google.
func Example() {
	oauth := mailtest.NewOAuthServer()
	defer oauth.Close()
	oauth.RegisterClient("my-client", "my-secret")
	oauth.SetDefaultAddress("ada@example.com")

	mux := http.NewServeMux()
	app := httptest.NewServer(mux)
	defer app.Close()
	m, err := mailmanager.New(mailmanager.Config{
		Store:     memstore.New(),
		Providers: []mailmanager.Provider{&mailtest.Provider{ProviderName: "gmail", Server: oauth}},
		Key:       bytes.Repeat([]byte("k"), 32), // use 32 random bytes
		BaseURL:   app.URL,
		CurrentUser: func(r *http.Request) (string, error) {
			return "user-1", nil // the host's session lookup
		},
	})
	if err != nil {
		panic(err)
	}
	mux.Handle("/oauth/connect/", m.ConnectHandler())
	mux.Handle("/oauth/callback/", m.CallbackHandler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {})

	ctx := context.Background()
	if err := m.SaveCredentials(ctx, "gmail", mailmanager.Credentials{
		ClientID: "my-client", ClientSecret: "my-secret",
	}); err != nil {
		panic(err)
	}

	// The user's browser follows the connect link through consent and back.
	resp, err := http.Get(app.URL + "/oauth/connect/gmail")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()

	accounts, err := m.Accounts(ctx, "user-1")
	if err != nil {
		panic(err)
	}
	for _, a := range accounts {
		fmt.Println(a.Provider, a.Address, a.Status)
	}
	// Output: gmail ada@example.com active
}
