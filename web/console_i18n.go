package web

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"civicgrid/calendar"
)

// Console languages: Chinese by default; English when the lang cookie says so. A link with
// ?lang=en (or ?lang=zh) on any console page sets the cookie.
const (
	langZh     = "zh"
	langEn     = "en"
	langCookie = "lang"
)

// language picks the page's language and remembers a choice made with ?lang=.
func (c *console) language(w http.ResponseWriter, r *http.Request) string {
	if q := r.URL.Query().Get("lang"); q == langZh || q == langEn {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: q, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.secure(r)})
		return q
	}
	if ck, err := r.Cookie(langCookie); err == nil && ck.Value == langEn {
		return langEn
	}
	return langZh
}

// T returns the catalogue text for key in the page's language. An unknown key is an error, which
// fails the page's rendering: templates name their keys literally, and a test checks every one.
func (p *consolePage) T(key string) (string, error) {
	m, ok := messages[key]
	if !ok {
		return "", fmt.Errorf("no console message %q", key)
	}
	if p.Lang == langEn {
		return m.En, nil
	}
	return m.Zh, nil
}

// Tf is T with fmt.Sprintf arguments.
func (p *consolePage) Tf(key string, args ...any) (string, error) {
	s, err := p.T(key)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(s, args...), nil
}

// label translates a value of one of the platform's enumerations (states, actions, roles …). A
// value missing from the catalogue is shown as it is rather than failing the page: the data may be
// newer than the catalogue. TestConsoleMessages checks that every known value has its entry.
func (p *consolePage) label(kind, value string) string {
	if value == "" {
		return ""
	}
	if s, err := p.T(kind + "." + value); err == nil {
		return s
	}
	return value
}

// State, Action, Role … are label for one enumeration each, for templates.
func (p *consolePage) State(v any) string   { return p.label("state", fmt.Sprint(v)) }
func (p *consolePage) Action(v any) string  { return p.label("action", fmt.Sprint(v)) }
func (p *consolePage) Role(v any) string    { return p.label("role", fmt.Sprint(v)) }
func (p *consolePage) Channel(v any) string { return p.label("channel", fmt.Sprint(v)) }
func (p *consolePage) Urgency(v any) string { return p.label("urgency", fmt.Sprint(v)) }
func (p *consolePage) Light(v any) string   { return p.label("light", fmt.Sprint(v)) }
func (p *consolePage) Rating(v any) string  { return p.label("rating", fmt.Sprint(v)) }

// T (package-level) is the page-independent form, for handlers.
func t(lang, key string) string {
	m, ok := messages[key]
	switch {
	case !ok:
		return key
	case lang == langEn:
		return m.En
	}
	return m.Zh
}

// Time shows an instant in China time, to the minute.
func (p *consolePage) Time(v any) string {
	switch x := v.(type) {
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.In(calendar.China).Format("2006-01-02 15:04")
	case *time.Time:
		if x == nil {
			return ""
		}
		return p.Time(*x)
	}
	return ""
}

// LangURL is the current page in the other language.
func (p *consolePage) LangURL(lang string) string {
	u, err := url.Parse(p.Path)
	if err != nil {
		return "?lang=" + lang
	}
	q := u.Query()
	q.Set("lang", lang)
	u.RawQuery = q.Encode()
	return u.RequestURI()
}

// msg is one catalogue entry in both languages.
type msg struct{ Zh, En string }
