package web

import (
	"context"
	"encoding/xml"
	"net/http"
	"strconv"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/auth"
	"civicgrid/geo"
)

// Write side of Open311: submitting requests (with media) and department systems posting updates.

// o311Created answers POST requests: intake is synchronous, so the request ID is always given, with
// the token (the case's tracking code) that tokens/{token} resolves.
type o311Created struct {
	XMLName          xml.Name `json:"-" xml:"request"`
	ServiceRequestID string   `json:"service_request_id" xml:"service_request_id"`
	ServiceNotice    string   `json:"service_notice" xml:"service_notice"`
	AccountID        *string  `json:"account_id" xml:"account_id,omitempty"`
	Token            string   `json:"token" xml:"token"`
}

type o311CreatedList struct {
	XMLName xml.Name      `xml:"service_requests"`
	Items   []o311Created `xml:"request"`
}

// handleO311PostRequest takes a service request in: the key is checked (from the X-API-Key header
// before the body is read, else from the api_key field), the key's client rate-limited, the form
// understood, its photos stored, and the report goes through intake like every other channel's.
func (s *Server) handleO311PostRequest(w http.ResponseWriter, r *http.Request, f o311Format, _ string) {
	ctx := r.Context()
	var p app.Principal
	header := r.Header.Get("X-API-Key")
	if header != "" {
		var err error
		if p, err = s.o311Caller(r, header); err != nil {
			s.o311Error(w, r, f, err)
			return
		}
	}
	form, err := readO311Form(w, r)
	if err != nil {
		s.o311Error(w, r, f, err)
		return
	}
	switch field := form.fields["api_key"]; {
	case header == "":
		if p, err = s.o311Caller(r, field); err != nil {
			s.o311Error(w, r, f, err)
			return
		}
	case field != "" && field != header:
		s.o311Error(w, r, f, civicgrid.Errorf(civicgrid.EFORBIDDEN, "api_key and the X-API-Key header name different keys"))
		return
	}
	if err := s.allow(r, strconv.FormatInt(p.Key.ID, 10)); err != nil {
		s.o311Error(w, r, f, err)
		return
	}
	cfg := s.app.Config()
	sub, err := form.submission(cfg.Matters)
	if err == nil && sub.Jurisdiction != "" {
		_, err = s.jurisdictionPath(sub.Jurisdiction)
	}
	if err == nil && len(sub.Media) > 0 {
		// Photos are stored before the report; a report that would be refused for its place is
		// refused before any photo is stored.
		err = s.o311Placeable(sub.Input)
	}
	if err != nil {
		s.o311Error(w, r, f, err)
		return
	}
	in := sub.Input
	ids := make([]string, 0, len(sub.Media)+len(in.Media))
	for _, data := range sub.Media {
		m, err := s.app.PutMedia(ctx, p, data)
		if err != nil {
			s.o311Error(w, r, f, err)
			return
		}
		ids = append(ids, m.ID)
	}
	in.Media = append(ids, in.Media...)
	c, created, err := s.app.Report(ctx, p, in, r.Header.Get("Idempotency-Key"))
	if err != nil {
		s.o311Error(w, r, f, err)
		return
	}
	out := []o311Created{{ServiceRequestID: strconv.FormatInt(c.ID, 10), ServiceNotice: s.o311Notice(c), Token: c.TrackingCode}}
	if sub.AccountID != "" {
		out[0].AccountID = &sub.AccountID
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	writeO311(w, f, status, out, o311CreatedList{Items: out})
}

// o311Key finds the caller of a write by its API key; a missing, unknown or revoked key is a 403.
func (s *Server) o311Key(ctx context.Context, key string) (app.Principal, error) {
	if key == "" {
		return app.Principal{}, civicgrid.Errorf(civicgrid.EFORBIDDEN, "api_key is required: send it as a form field or in the X-API-Key header")
	}
	k, err := s.app.DB.APIKeyByHash(ctx, auth.TokenHash(key))
	if err != nil {
		if civicgrid.ErrorCode(err) == civicgrid.EUNAUTHORIZED {
			return app.Principal{}, civicgrid.Errorf(civicgrid.EFORBIDDEN, "api_key is unknown or revoked")
		}
		return app.Principal{}, err
	}
	return app.Principal{Key: k}, nil
}

// o311Caller is o311Key for a request: failed attempts count against the client address's rate
// limit, so that keys cannot be guessed at speed.
func (s *Server) o311Caller(r *http.Request, key string) (app.Principal, error) {
	p, err := s.o311Key(r.Context(), key)
	if err != nil {
		if lerr := s.allow(r, ""); lerr != nil {
			err = lerr
		}
	}
	return p, err
}

// o311Placeable refuses a point outside every grid before anything is stored; intake checks the
// place in full.
func (s *Server) o311Placeable(in app.ReportInput) error {
	if in.Lat == nil || in.Lon == nil {
		return nil
	}
	if _, ok := s.app.Config().Index.Locate(geo.Point{Lon: *in.Lon, Lat: *in.Lat}); !ok {
		return o311Invalid("lat", "the point (lat %.6f, long %.6f) lies outside every grid of this platform", *in.Lat, *in.Lon)
	}
	return nil
}
