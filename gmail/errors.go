package gmail

import (
	"errors"
	"fmt"
	"net/http"
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
		RetryAfter: mailmanager.RetryAfter(gerr.Header, time.Now()),
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
