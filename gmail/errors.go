package gmail

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"google.golang.org/api/googleapi"

	"github.com/mailmanager/mailmanager"
)

// apiError turns a failure of the Gmail call op into an error of the
// library: a *googleapi.Error becomes a *mailmanager.APIError, anything
// else (a transport or token failure) is wrapped with the call's name.
func apiError(op string, err error) error {
	if err == nil {
		return nil
	}
	var gerr *googleapi.Error
	if !errors.As(err, &gerr) {
		return fmt.Errorf("gmail: %s: %w", op, err)
	}
	e := &mailmanager.APIError{
		Provider:   "gmail",
		Op:         op,
		Status:     gerr.Code,
		Message:    gerr.Message,
		RetryAfter: retryAfter(gerr.Header),
	}
	if len(gerr.Errors) > 0 {
		e.Code = gerr.Errors[0].Reason
		if e.Message == "" {
			e.Message = gerr.Errors[0].Message
		}
	}
	if gerr.Code == http.StatusNotFound {
		e.Err = mailmanager.ErrNotFound
		if op == "history.list" {
			e.Err = mailmanager.ErrCursorExpired
		}
	}
	return e
}

// retryAfter reads a Retry-After header given in seconds or as an HTTP
// date. It returns zero when there is none or it is malformed.
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d.Round(time.Second)
		}
	}
	return 0
}
