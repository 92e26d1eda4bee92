package mailmanager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/oauth2"
)

// Credentials are a provider's OAuth client credentials, as issued by
// Google Cloud Console or Azure Portal.
type Credentials struct {
	ClientID     string
	ClientSecret string
}

// String redacts the secret, so credentials never print it.
func (c Credentials) String() string {
	return fmt.Sprintf("{ClientID:%s ClientSecret:%s}", c.ClientID, redact(c.ClientSecret))
}

// GoString redacts the secret for %#v as well.
func (c Credentials) GoString() string { return c.String() }

// ProviderSettings is what an administrator sees of a provider: its client
// ID, whether a secret is set (never the secret itself), and the redirect
// URI to register.
type ProviderSettings struct {
	// Provider is the provider's name.
	Provider string
	// ClientID is the OAuth client ID, or "".
	ClientID string
	// ClientSecret is the secret redacted ("••••••••"), or "" if none is set.
	ClientSecret string
	// RedirectURI is the URI to register at the provider.
	RedirectURI string
	// Configured reports that both the client ID and secret are set, so
	// users can connect mailboxes.
	Configured bool
}

// storedCredentials is the setting's JSON; the secret is sealed.
type storedCredentials struct {
	ClientID     string `json:"client_id"`
	SealedSecret []byte `json:"sealed_secret,omitempty"`
}

func credentialsKey(provider string) string { return "provider/" + provider + "/credentials" }

// SaveCredentials stores a provider's client credentials, sealed, through
// the store, so every Manager sharing the store uses them from now on. An
// empty ClientSecret keeps the secret stored before, so a settings form can
// leave the field blank to keep it.
func (m *Manager) SaveCredentials(ctx context.Context, provider string, c Credentials) error {
	if _, err := m.provider(provider); err != nil {
		return fmt.Errorf("mailmanager: save credentials: %w", err)
	}
	c.ClientID = strings.TrimSpace(c.ClientID)
	c.ClientSecret = strings.TrimSpace(c.ClientSecret)
	if c.ClientID == "" {
		return fmt.Errorf("mailmanager: save credentials for %s: client ID is empty", provider)
	}
	if strings.ContainsAny(c.ClientID+c.ClientSecret, "\r\n") {
		return fmt.Errorf("mailmanager: save credentials for %s: line break in a value", provider)
	}

	sc := storedCredentials{ClientID: c.ClientID}
	if c.ClientSecret != "" {
		sc.SealedSecret = m.secrets.seal([]byte(c.ClientSecret), credentialsKey(provider))
	} else {
		old, err := m.loadCredentials(ctx, provider)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("mailmanager: save credentials for %s: %w", provider, err)
		}
		if err == nil {
			sc.SealedSecret = old.SealedSecret
		}
	}
	b, err := json.Marshal(sc)
	if err != nil {
		return fmt.Errorf("mailmanager: save credentials for %s: %w", provider, err)
	}
	if err := m.store.PutSetting(ctx, credentialsKey(provider), b); err != nil {
		return fmt.Errorf("mailmanager: save credentials for %s: %w", provider, err)
	}
	m.log.InfoContext(ctx, "provider credentials saved", "provider", provider)
	return nil
}

// Settings returns what an administrator sees of a provider's settings.
// The secret is redacted.
func (m *Manager) Settings(ctx context.Context, provider string) (*ProviderSettings, error) {
	if _, err := m.provider(provider); err != nil {
		return nil, fmt.Errorf("mailmanager: settings: %w", err)
	}
	ps := &ProviderSettings{Provider: provider, RedirectURI: m.RedirectURI(provider)}
	sc, err := m.loadCredentials(ctx, provider)
	if errors.Is(err, ErrNotFound) {
		return ps, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mailmanager: settings for %s: %w", provider, err)
	}
	ps.ClientID = sc.ClientID
	if len(sc.SealedSecret) > 0 {
		ps.ClientSecret = redact("set")
	}
	ps.Configured = ps.ClientID != "" && ps.ClientSecret != ""
	return ps, nil
}

func (m *Manager) loadCredentials(ctx context.Context, provider string) (*storedCredentials, error) {
	b, err := m.store.Setting(ctx, credentialsKey(provider))
	if err != nil {
		return nil, err
	}
	var sc storedCredentials
	if err := json.Unmarshal(b, &sc); err != nil {
		return nil, fmt.Errorf("stored credentials are malformed: %w", err)
	}
	return &sc, nil
}

// oauthConfig builds the OAuth client configuration of a provider from its
// stored credentials. It fails with ErrNotConfigured when they are missing.
func (m *Manager) oauthConfig(ctx context.Context, p Provider) (*oauth2.Config, error) {
	sc, err := m.loadCredentials(ctx, p.Name())
	if errors.Is(err, ErrNotFound) || (err == nil && (sc.ClientID == "" || len(sc.SealedSecret) == 0)) {
		return nil, fmt.Errorf("mailmanager: provider %s: %w", p.Name(), ErrNotConfigured)
	}
	if err != nil {
		return nil, fmt.Errorf("mailmanager: provider %s: load credentials: %w", p.Name(), err)
	}
	secret, err := m.secrets.open(sc.SealedSecret, credentialsKey(p.Name()))
	if err != nil {
		return nil, fmt.Errorf("mailmanager: provider %s: client secret: %w", p.Name(), err)
	}
	ep := p.Endpoint()
	if ep.AuthStyle == oauth2.AuthStyleAutoDetect {
		// Auto-detection sends a failed request twice (header, then
		// parameters), which doubles every refused refresh. Google and
		// Microsoft both take the credentials as parameters.
		ep.AuthStyle = oauth2.AuthStyleInParams
	}
	return &oauth2.Config{
		ClientID:     sc.ClientID,
		ClientSecret: string(secret),
		Endpoint:     ep,
		RedirectURL:  m.RedirectURI(p.Name()),
		Scopes:       p.Scopes(),
	}, nil
}

// redact hides a secret: it shows that a value is set, never any of it.
func redact(s string) string {
	if s == "" {
		return ""
	}
	return "••••••••"
}
