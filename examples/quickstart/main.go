// Command quickstart walks the whole connect flow of mailmanager against
// fake providers on loopback: it enters client credentials as an
// administrator would, connects a mailbox through real HTTP redirects as a
// signed-in user's browser would, and prints the connected account.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest"
	"github.com/mailmanager/mailmanager/memstore"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	// A fake Google-like authorization server stands in for Google.
	oauth := mailtest.NewOAuthServer()
	defer oauth.Close()
	oauth.RegisterClient("demo-client", "demo-secret")
	oauth.SetDefaultAddress("ada@example.com")

	// The host application: one signed-in user, read from a cookie.
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	mux := http.NewServeMux()
	app := httptest.NewServer(mux)
	defer app.Close()
	m, err := mailmanager.New(mailmanager.Config{
		Store:       memstore.New(),
		Providers:   []mailmanager.Provider{&mailtest.Provider{ProviderName: "gmail", Server: oauth}},
		Key:         key,
		BaseURL:     app.URL,
		CurrentUser: signedInUser,
	})
	if err != nil {
		return err
	}
	mux.Handle("/oauth/connect/", m.ConnectHandler())
	mux.Handle("/oauth/callback/", m.CallbackHandler())
	mux.HandleFunc("/connected", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "connected")
	})

	// 1. The administrator enters the credentials and registers the
	// redirect URI at the provider.
	err = m.SaveCredentials(ctx, "gmail", mailmanager.Credentials{
		ClientID: "demo-client", ClientSecret: "demo-secret",
	})
	if err != nil {
		return err
	}
	settings, err := m.Settings(ctx, "gmail")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "gmail: client %s, secret %s, redirect URI %s\n",
		settings.ClientID, settings.ClientSecret, settings.RedirectURI)

	// 2. The signed-in user's browser follows the connect link, consents at
	// the provider and comes back through the callback.
	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	u, err := http.NewRequest(http.MethodGet, app.URL, nil)
	if err != nil {
		return err
	}
	jar.SetCookies(u.URL, []*http.Cookie{{Name: "user", Value: "user-42"}})
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(app.URL + "/oauth/connect/gmail?next=/connected")
	if err != nil {
		return err
	}
	resp.Body.Close()
	fmt.Fprintf(out, "browser ended at %s (%s)\n", resp.Request.URL.Path, resp.Status)

	// 3. The account is stored, bound to the user, with a working token.
	accounts, err := m.Accounts(ctx, "user-42")
	if err != nil {
		return err
	}
	for _, a := range accounts {
		fmt.Fprintf(out, "account %s: %s at %s for user %s, %s\n",
			a.ID, a.Address, a.Provider, a.UserID, a.Status)
		mb, err := m.Mailbox(ctx, a.ID)
		if err != nil {
			return err
		}
		p, err := mb.Profile(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "the provider says the mailbox is %s\n", p.Address)
	}
	return nil
}

func signedInUser(r *http.Request) (string, error) {
	c, err := r.Cookie("user")
	if err != nil {
		return "", err
	}
	return c.Value, nil
}
