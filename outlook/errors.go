package outlook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/mailmanager/mailmanager"
)

// ErrMailboxNotEnabled reports a Microsoft account whose mailbox Exchange
// Online does not host (Graph's MailboxNotEnabledForRESTAPI), such as an
// on-premises mailbox or an account without an Exchange licence. Graph
// cannot reach its mail; the user has to connect another account.
var ErrMailboxNotEnabled = errors.New("outlook: mailbox is not hosted on Exchange Online " +
	"(MailboxNotEnabledForRESTAPI)")

// apiError maps a failure of a Graph call to a *mailmanager.APIError when
// Graph answered, and otherwise wraps it with op. Messages never carry a
// URL's query, where Graph puts delta and upload tokens.
func apiError(op string, err error) error {
	if err == nil {
		return nil
	}
	var (
		status  int
		headers http.Header
		code    string
		message string
	)
	var oe *odataerrors.ODataError
	var ae *abs.ApiError
	switch {
	case errors.As(err, &oe):
		status = oe.ResponseStatusCode
		headers = toHeader(oe.GetResponseHeaders())
		if m := oe.GetErrorEscaped(); m != nil {
			code = deref(m.GetCode())
			message = deref(m.GetMessage())
		}
	case errors.As(err, &ae):
		status = ae.ResponseStatusCode
		headers = toHeader(ae.GetResponseHeaders())
		message = http.StatusText(status)
	default:
		return wrapf(op, err)
	}
	return newAPIError(op, status, headers, code, message)
}

// newAPIError builds the error of a Graph answer with status.
func newAPIError(op string, status int, h http.Header, code,
	message string) *mailmanager.APIError {
	e := &mailmanager.APIError{
		Provider: "outlook",
		Op:       op,
		Status:   status,
		Code:     code,
		Message:  message,
	}
	if h != nil {
		e.RetryAfter = mailmanager.RetryAfter(h, time.Now())
	}
	switch {
	case strings.EqualFold(code, "MailboxNotEnabledForRESTAPI"):
		e.Err = ErrMailboxNotEnabled
	case strings.EqualFold(code, "syncStateNotFound"),
		strings.EqualFold(code, "syncStateInvalid"),
		strings.EqualFold(code, "resyncRequired"),
		status == http.StatusGone:
		e.Err = mailmanager.ErrCursorExpired
	case strings.EqualFold(code, "ErrorItemNotFound"), status == http.StatusNotFound:
		e.Err = mailmanager.ErrNotFound
	case status == http.StatusUnauthorized:
		e.Err = mailmanager.ErrReauthRequired
	}
	return e
}

// wrapf wraps a failure that is not Graph's answer, such as a network
// error, without the URL's query.
func wrapf(op string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = &url.Error{Op: ue.Op, URL: redactURL(ue.URL), Err: ue.Err}
	}
	return fmt.Errorf("outlook: %s: %w", op, err)
}

// redactURL drops the query and fragment of a URL.
func redactURL(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		return s[:i]
	}
	return s
}

func toHeader(rh *abs.ResponseHeaders) http.Header {
	if rh == nil {
		return nil
	}
	h := http.Header{}
	for _, k := range rh.ListKeys() {
		for _, v := range rh.Get(k) {
			h.Add(k, v)
		}
	}
	return h
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// responseError reads Graph's error body of a request made outside the
// SDK, and closes it.
func responseError(op string, resp *http.Response) error {
	defer resp.Body.Close()
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body)
	msg := body.Error.Message
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	return newAPIError(op, resp.StatusCode, resp.Header, body.Error.Code, msg)
}

// noAnswer reports a call the SDK returned neither a result nor an error
// for, as it does when the body is empty or JSON null. Graph sends neither
// where a result is due, but a broken proxy may.
func noAnswer(op string) error {
	return fmt.Errorf("outlook: %s: empty answer", op)
}
