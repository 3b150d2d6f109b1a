package geo

import (
	"errors"
	"unicode/utf8"

	"civicgrid"
)

// invalidf is the common case: the input breaks a rule.
func invalidf(format string, args ...any) *civicgrid.Error {
	return civicgrid.Errorf(civicgrid.EINVALID, format, args...)
}

// within returns err with its message prefixed by where it happened ("feature 3 (id "A")", "polygon
// 1, ring 0"), keeping code and details, so messages from inner checks still point at the culprit.
// Non-application errors pass through unchanged.
func within(prefix string, err error) error {
	return prefixed(prefix, ": ", err)
}

// prefixed is within with a chosen separator: " " when the prefix is the subject of the message
// ("polygon 0, outer ring" + "is not closed").
func prefixed(prefix, sep string, err error) error {
	var e *civicgrid.Error
	if !errors.As(err, &e) {
		return err
	}
	out := &civicgrid.Error{Code: e.Code, Message: prefix + sep + e.Message}
	for k, v := range e.Details {
		out.WithDetail(k, v)
	}
	return out
}

// clip shortens user input quoted back in messages, so an error never echoes megabytes.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
