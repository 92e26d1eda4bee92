package gmail

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Identity token checks. Google signs the tokens Pub/Sub attaches to push
// requests with RS256; see
// https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions
const (
	maxTokenLen = 8 << 10
	// clockSkew is how far the token's times may be off the Manager's
	// clock.
	clockSkew = 30 * time.Second
)

// idClaims are the claims of a Pub/Sub identity token that are checked.
type idClaims struct {
	Issuer        string          `json:"iss"`
	Audience      json.RawMessage `json:"aud"`
	Email         string          `json:"email"`
	EmailVerified any             `json:"email_verified"`
	Expires       int64           `json:"exp"`
	IssuedAt      int64           `json:"iat"`
}

// verifyIDToken checks a compact JWS: RS256, signed by the key keys
// returns for its key ID, issued by Google to audience for the service
// account, with a verified email, and valid at now. Errors never quote
// the token.
func (c *PushConfig) verifyIDToken(ctx context.Context, token string, now time.Time) error {
	if len(token) > maxTokenLen {
		return errors.New("identity token too long")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return errors.New("identity token is not a JWS")
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return fmt.Errorf("identity token header: %w", err)
	}
	if header.Alg != "RS256" {
		return fmt.Errorf("identity token algorithm %q not accepted", header.Alg)
	}
	key, err := c.Keys(ctx, header.Kid)
	if err != nil || key == nil {
		return errors.New("identity token signed by an unknown key")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return errors.New("identity token signature is not base64url")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig); err != nil {
		return errors.New("identity token signature does not verify")
	}

	var cl idClaims
	if err := decodeSegment(parts[1], &cl); err != nil {
		return fmt.Errorf("identity token claims: %w", err)
	}
	return c.checkClaims(&cl, now)
}

func (c *PushConfig) checkClaims(cl *idClaims, now time.Time) error {
	if cl.Issuer != "accounts.google.com" && cl.Issuer != "https://accounts.google.com" {
		return errors.New("identity token from another issuer")
	}
	if c.Audience == "" || !audienceHas(cl.Audience, c.Audience) {
		return errors.New("identity token for another audience")
	}
	if c.ServiceAccount == "" || !strings.EqualFold(cl.Email, c.ServiceAccount) {
		return errors.New("identity token for another service account")
	}
	if v, ok := cl.EmailVerified.(bool); !ok || !v {
		if s, ok := cl.EmailVerified.(string); !ok || s != "true" {
			return errors.New("identity token email not verified")
		}
	}
	if cl.Expires == 0 || !now.Before(time.Unix(cl.Expires, 0).Add(clockSkew)) {
		return errors.New("identity token expired")
	}
	if cl.IssuedAt != 0 && time.Unix(cl.IssuedAt, 0).After(now.Add(clockSkew)) {
		return errors.New("identity token issued in the future")
	}
	return nil
}

// audienceHas reports whether aud, a string or an array of strings,
// holds want.
func audienceHas(aud json.RawMessage, want string) bool {
	var one string
	if json.Unmarshal(aud, &one) == nil {
		return one == want
	}
	var many []string
	if json.Unmarshal(aud, &many) == nil {
		for _, a := range many {
			if a == want {
				return true
			}
		}
	}
	return false
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return errors.New("not base64url")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return errors.New("not JSON")
	}
	return nil
}

// StaticKeys returns a key source for [PushConfig.Keys] that serves the
// given keys by key ID. The map must not change afterwards.
func StaticKeys(keys map[string]*rsa.PublicKey) func(context.Context, string) (*rsa.PublicKey, error) {
	return func(_ context.Context, kid string) (*rsa.PublicKey, error) {
		k, ok := keys[kid]
		if !ok {
			return nil, fmt.Errorf("gmail: no key %q", kid)
		}
		return k, nil
	}
}

// ParseJWKS reads the RSA keys of a JSON Web Key Set, such as the one
// Google publishes for its identity tokens, by key ID. The host fetches
// and caches the set; keys of other types are skipped.
func ParseJWKS(data []byte) (map[string]*rsa.PublicKey, error) {
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Kid string `json:"kid"`
			N   string `json:"n"`
			E   string `json:"e"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("gmail: parse key set: %w", err)
	}
	out := make(map[string]*rsa.PublicKey)
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.Kid == "" {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			return nil, fmt.Errorf("gmail: parse key set: key %q is malformed", k.Kid)
		}
		exp := int(new(big.Int).SetBytes(e).Int64())
		out[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}
	}
	return out, nil
}
