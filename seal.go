package mailmanager

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// sealVersion is the first byte of every sealed value; it leaves room for a
// later format.
const sealVersion = 1

// keyIDLen is the length of the key ID that names the key a value was sealed
// with, so values sealed before a key rotation still open.
const keyIDLen = 4

// errUnseal is returned for any value that does not open. It says nothing
// about why, so it leaks nothing about keys or contents.
var errUnseal = errors.New("mailmanager: sealed value does not open")

// sealer seals values with AES-256-GCM under keys derived from the
// configured key for one purpose, and opens values sealed under the current
// or a previous key. It is safe for concurrent use.
type sealer struct {
	current keyedAEAD
	all     map[[keyIDLen]byte]cipher.AEAD
}

type keyedAEAD struct {
	id   [keyIDLen]byte
	aead cipher.AEAD
}

// newSealer derives a sealer for purpose from the current key and the
// previous keys that values may still be sealed with.
func newSealer(purpose string, current []byte, previous [][]byte) (*sealer, error) {
	s := &sealer{all: make(map[[keyIDLen]byte]cipher.AEAD)}
	for i, key := range append([][]byte{current}, previous...) {
		k, err := deriveAEAD(purpose, key)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			s.current = k
		}
		if _, dup := s.all[k.id]; !dup {
			s.all[k.id] = k.aead
		}
	}
	return s, nil
}

func deriveAEAD(purpose string, key []byte) (keyedAEAD, error) {
	if len(key) < 32 {
		return keyedAEAD{}, fmt.Errorf("key is %d bytes, want at least 32", len(key))
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("mailmanager/v1/" + purpose))
	sub := mac.Sum(nil)
	block, err := aes.NewCipher(sub)
	if err != nil {
		return keyedAEAD{}, fmt.Errorf("mailmanager: derive key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return keyedAEAD{}, fmt.Errorf("mailmanager: derive key: %w", err)
	}
	idMac := hmac.New(sha256.New, key)
	idMac.Write([]byte("mailmanager/v1/key-id"))
	var k keyedAEAD
	copy(k.id[:], idMac.Sum(nil))
	k.aead = aead
	return k, nil
}

// seal encrypts plain, binding it to context so a value sealed for one
// account or setting does not open as another's.
func (s *sealer) seal(plain []byte, context string) []byte {
	nonceSize := s.current.aead.NonceSize()
	out := make([]byte, 1+keyIDLen+nonceSize, 1+keyIDLen+nonceSize+len(plain)+16)
	out[0] = sealVersion
	copy(out[1:], s.current.id[:])
	nonce := out[1+keyIDLen:]
	if _, err := rand.Read(nonce); err != nil {
		panic("mailmanager: crypto/rand failed: " + err.Error())
	}
	return s.current.aead.Seal(out, nonce, plain, []byte(context))
}

// open decrypts a value made by seal with the same context.
func (s *sealer) open(sealed []byte, context string) ([]byte, error) {
	if len(sealed) < 1+keyIDLen || sealed[0] != sealVersion {
		return nil, errUnseal
	}
	var id [keyIDLen]byte
	copy(id[:], sealed[1:])
	aead, ok := s.all[id]
	if !ok {
		return nil, errUnseal
	}
	rest := sealed[1+keyIDLen:]
	if len(rest) < aead.NonceSize()+aead.Overhead() {
		return nil, errUnseal
	}
	nonce, box := rest[:aead.NonceSize()], rest[aead.NonceSize():]
	plain, err := aead.Open(nil, nonce, box, []byte(context))
	if err != nil {
		return nil, errUnseal
	}
	return plain, nil
}
