package gmailfake

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"time"
)

// IDClaims are the claims of an identity token as Pub/Sub sends with a
// push delivery.
type IDClaims struct {
	// Issuer is "accounts.google.com" or "https://accounts.google.com".
	Issuer string
	// Audience is the push subscription's audience.
	Audience string
	// Email is the push subscription's service account.
	Email string
	// EmailVerified is Google's email_verified claim.
	EmailVerified bool
	// IssuedAt and Expires bound the token's validity; Google's last an
	// hour.
	IssuedAt, Expires time.Time
}

// SignIDToken returns a compact RS256 JWS of c signed with key, naming
// keyID in its header: the shape of the token Pub/Sub puts in the
// Authorization header of a push delivery. Tests sign with a key they
// generate and give its public half to the verifier.
func SignIDToken(key *rsa.PrivateKey, keyID string, c IDClaims) string {
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": keyID, "typ": "JWT"})
	claims, _ := json.Marshal(map[string]any{
		"iss":            c.Issuer,
		"aud":            c.Audience,
		"azp":            "fake-push-client",
		"sub":            "fake-push-subject",
		"email":          c.Email,
		"email_verified": c.EmailVerified,
		"iat":            c.IssuedAt.Unix(),
		"exp":            c.Expires.Unix(),
	})
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		panic("gmailfake: sign identity token: " + err.Error())
	}
	return signing + "." + enc.EncodeToString(sig)
}
