package web

import (
	"encoding/xml"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"civicgrid"
	"civicgrid/app"
)

// POST servicerequestupdates.{json,xml}: FixMyStreet's extension by which a department system
// tells the platform what it did with a service request. The body is a urlencoded form:
//
//	api_key             required (or the X-API-Key header): a key with a role over the department
//	service_request_id  required: the case
//	update_id           required: the department system's own ID of the update, 1–100 visible
//	                    ASCII characters; a repeated update_id (per key) gets the first answer
//	                    again and changes nothing
//	status              required: OPEN, INVESTIGATING, IN_PROGRESS, ACTION_SCHEDULED,
//	                    NOT_COUNCILS_RESPONSIBILITY, DUPLICATE, UNABLE_TO_RESPOND,
//	                    INTERNAL_REFERRAL, FIXED or CLOSED, in any letter case
//	description         the text of the update, at most 4000 characters
//	updated_datetime    optional W3C datetime with a zone (when the department says it happened)
//	media_url           optional photo URL
//	first_name, last_name, email  optional: the person at the department
//	jurisdiction_id     ignored
//
// How each status maps onto the workflow is described (with its table) in app/updates.go. The
// answer is a list of one update:
//
//	[{"update_id":"…","service_request_id":"…","status":"OPEN","service_notice":"…"}]
//
//	<service_request_updates><request_update><update_id>…</update_id>
//	<service_request_id>…</service_request_id><status>OPEN</status>
//	<service_notice>…</service_notice></request_update></service_request_updates>
//
// status is the status the case is left in, in the extended vocabulary the update list (GET
// servicerequestupdates) uses: IN_PROGRESS after a sign or a handling — a department's FIXED is
// not the request's FIXED until the unit that raised it has checked the result, which
// service_notice says — INTERNAL_REFERRAL after a return. Refusals
// come as the specification's error list: 400 for bad input, 403 for a missing or unknown key or an
// action the key's role may not take, 404 for an unknown case or one outside the key's unit, 409
// when the workflow refuses the action from the case's current state (it moved, or the status
// does not fit it), 413 for a body over 64 KiB, 429 with Retry-After when the key or address is
// over its rate limit.

// o311MaxUpdateBody caps the body of an update (a 4000-character description is at most 36 KiB
// percent-encoded).
const o311MaxUpdateBody = 64 << 10

// o311UpdateFields are the fields an update reads; others (clients send account_id, title, …) are
// ignored.
var o311UpdateFields = []string{"api_key", "jurisdiction_id", "service_request_id", "update_id", "status", "description",
	"updated_datetime", "media_url", "first_name", "last_name", "email"}

// o311UpdateAnswer is one request_update of the answer.
type o311UpdateAnswer struct {
	XMLName          xml.Name `json:"-" xml:"request_update"`
	UpdateID         string   `json:"update_id" xml:"update_id"`
	ServiceRequestID string   `json:"service_request_id" xml:"service_request_id"`
	Status           string   `json:"status" xml:"status"`
	ServiceNotice    string   `json:"service_notice,omitempty" xml:"service_notice,omitempty"`
}

type o311UpdateAnswers struct {
	XMLName xml.Name           `xml:"service_request_updates"`
	Updates []o311UpdateAnswer `xml:"request_update"`
}

func (s *Server) handleO311PostUpdate(w http.ResponseWriter, r *http.Request, f o311Format, _ string) {
	form, err := readUpdateForm(w, r)
	if err != nil {
		s.o311Error(w, r, f, err)
		return
	}
	key := r.Header.Get("X-API-Key")
	if v := form["api_key"]; v != "" && v != key {
		if key != "" {
			s.o311Error(w, r, f, civicgrid.Errorf(civicgrid.EFORBIDDEN, "api_key and the X-API-Key header name different keys"))
			return
		}
		key = v
	}
	p, err := s.o311Key(r.Context(), key)
	if err != nil {
		// Callers without a valid key are held to their address's limit, so that guessing keys
		// is as slow as any other write.
		if lerr := s.allow(r, ""); lerr != nil {
			err = lerr
		}
		s.o311Error(w, r, f, err)
		return
	}
	if err := s.allow(r, strconv.FormatInt(p.Key.ID, 10)); err != nil {
		s.o311Error(w, r, f, err)
		return
	}
	u := app.DepartmentUpdate{
		UpdateID: form["update_id"], Status: form["status"], Description: form["description"],
		UpdatedDatetime: strings.TrimSpace(form["updated_datetime"]), MediaURL: strings.TrimSpace(form["media_url"]),
		FirstName: strings.TrimSpace(form["first_name"]), LastName: strings.TrimSpace(form["last_name"]), Email: strings.TrimSpace(form["email"]),
	}
	idText := strings.TrimSpace(form["service_request_id"])
	if idText == "" {
		s.o311Error(w, r, f, civicgrid.Errorf(civicgrid.EINVALID, "service_request_id is required").WithDetail("field", "service_request_id"))
		return
	}
	if u.CaseID, err = strconv.ParseInt(idText, 10, 64); err != nil || u.CaseID <= 0 {
		s.o311Error(w, r, f, civicgrid.Errorf(civicgrid.EINVALID, "service_request_id must be the number of a service request").WithDetail("field", "service_request_id"))
		return
	}
	ans, err := s.app.PostUpdate(r.Context(), p, u)
	if err != nil {
		s.o311Error(w, r, f, err)
		return
	}
	item := o311UpdateAnswer{
		UpdateID:         ans.UpdateID,
		ServiceRequestID: strconv.FormatInt(ans.CaseID, 10),
		Status:           fmsStatusOf(ans.State, "", false),
		ServiceNotice:    ans.Notice,
	}
	items := []o311UpdateAnswer{item}
	writeO311(w, f, http.StatusOK, items, o311UpdateAnswers{Updates: items})
}

// readUpdateForm reads the urlencoded body of an update: capped, each field of interest at most
// once, valid text (the field checks follow in the app).
func readUpdateForm(w http.ResponseWriter, r *http.Request) (map[string]string, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "the body of an update must be application/x-www-form-urlencoded form fields")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, o311MaxUpdateBody))
	if err != nil {
		var maxErr *http.MaxBytesError
		if asErr(err, &maxErr) {
			return nil, civicgrid.Errorf(civicgrid.ETOOLARGE, "the body of an update exceeds %d bytes", o311MaxUpdateBody)
		}
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "the body could not be read")
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "the body is not well-formed application/x-www-form-urlencoded data")
	}
	out := make(map[string]string, len(o311UpdateFields))
	for _, name := range o311UpdateFields {
		vs, ok := vals[name]
		if !ok {
			continue
		}
		if len(vs) > 1 {
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "%s is given %d times; give it once", name, len(vs)).WithDetail("field", name)
		}
		if err := civicgrid.CheckText(name, vs[0], app.MaxUpdateDescription); err != nil {
			return nil, err
		}
		out[name] = vs[0]
	}
	return out, nil
}
