// Package civicgrid holds what every part of the platform shares: coded errors.
// Domain rules live in the packages named after them (geo, calendar, org, catalog, casework),
// SQL in store, HTTP in web.
package civicgrid

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP layer maps each to exactly one status code.
const (
	EINVALID      = "invalid"      // the input breaks a rule; nothing changed
	ENOTFOUND     = "not_found"    // no such thing, or not visible to the actor
	ECONFLICT     = "conflict"     // the state moved under the caller; retry after reading again
	EFORBIDDEN    = "forbidden"    // known actor, action not allowed
	EUNAUTHORIZED = "unauthorized" // no or bad credentials
	ETOOLARGE     = "too_large"    // body, list or upload over its limit
	ERATELIMIT    = "rate_limited" // too many requests
	EINTERNAL     = "internal"     // a fault of ours
	EUNAVAILABLE  = "unavailable"  // not ready (database down, schema behind)
)

// Error is an application error a person can act on.
type Error struct {
	Code    string
	Message string
	// Details carries machine-readable specifics (the field at fault, the allowed values, ...).
	Details map[string]any
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithDetail returns e with one more detail set, for chaining at the point of creation.
func (e *Error) WithDetail(key string, value any) *Error {
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details[key] = value
	return e
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other error,
// and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain; other errors are internal
// and their text is not shown to users.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code string) bool { return ErrorCode(err) == code }
