package gmail

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mailmanager/mailmanager"
)

var _ mailmanager.PushDecoder = (*Provider)(nil)

// pushEnvelope is a Pub/Sub push delivery; see
// https://cloud.google.com/pubsub/docs/push#receive_push
type pushEnvelope struct {
	Message struct {
		Data        string `json:"data"`
		MessageID   string `json:"messageId"`
		PublishTime string `json:"publishTime"`
	} `json:"message"`
	Subscription string `json:"subscription"`
}

// gmailNotice is what Gmail publishes for a change of a watched mailbox.
// See https://developers.google.com/gmail/api/guides/push#receiving_notifications
type gmailNotice struct {
	EmailAddress string          `json:"emailAddress"`
	HistoryID    json.RawMessage `json:"historyId"`
}

// DecodePush authenticates a Pub/Sub push request as [PushConfig] asks
// (identity token, URL token, or both) and decodes the Gmail notification
// it carries. It implements [mailmanager.PushDecoder].
func (p *Provider) DecodePush(r *http.Request, now time.Time) (*mailmanager.Push, error) {
	if err := p.authenticatePush(r, now); err != nil {
		return nil, fmt.Errorf("gmail: push: %w: %w", mailmanager.ErrPushUnauthorized, err)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, fmt.Errorf("gmail: push: read body: %w", err)
	}
	var env pushEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, errors.New("gmail: push: body is not a Pub/Sub push message")
	}
	data, err := base64.StdEncoding.DecodeString(env.Message.Data)
	if err != nil {
		data, err = base64.URLEncoding.DecodeString(env.Message.Data)
	}
	if err != nil {
		return nil, errors.New("gmail: push: message data is not base64")
	}
	var n gmailNotice
	if err := json.Unmarshal(data, &n); err != nil {
		return nil, errors.New("gmail: push: message data is not a Gmail notification")
	}
	addr := strings.ToLower(strings.TrimSpace(n.EmailAddress))
	hist := strings.Trim(string(n.HistoryID), `"`)
	if _, err := strconv.ParseUint(hist, 10, 64); err != nil || addr == "" {
		return nil, errors.New("gmail: push: notification lacks address or history ID")
	}
	return &mailmanager.Push{Notifications: []mailmanager.Notification{
		{Event: mailmanager.PushChanged, Address: addr, Cursor: hist},
	}}, nil
}

// authenticatePush checks every configured proof. Its errors never quote a
// token.
func (p *Provider) authenticatePush(r *http.Request, now time.Time) error {
	c := &p.push
	if c.Keys == nil && c.Token == "" {
		return errors.New("no push authentication configured")
	}
	if c.Token != "" {
		got := sha256.Sum256([]byte(r.URL.Query().Get("token")))
		want := sha256.Sum256([]byte(c.Token))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			return errors.New("URL token missing or wrong")
		}
	}
	if c.Keys != nil {
		scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return errors.New("identity token missing")
		}
		if err := c.verifyIDToken(r.Context(), strings.TrimSpace(tok), now); err != nil {
			return err
		}
	}
	return nil
}
