package web

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"

	"civicgrid"
	"civicgrid/casework"
)

// Open311 GeoReport v2 under /open311/v2/. Every resource comes as .json or .xml; names and
// shapes follow the specification exactly (no XML namespace), with the common extensions and
// FixMyStreet's servicerequestupdates.

// open311Base is where the GeoReport v2 endpoints live.
const open311Base = "/open311/v2/"

// o311Format is a response format chosen by the resource's extension.
type o311Format string

const (
	o311JSON o311Format = "json"
	o311XML  o311Format = "xml"
)

// splitFormat splits "requests.json" into "requests" and json; an unknown or missing extension is
// not an Open311 resource.
func splitFormat(file string) (string, o311Format, bool) {
	i := strings.LastIndexByte(file, '.')
	if i <= 0 {
		return "", "", false
	}
	switch f := o311Format(file[i+1:]); f {
	case o311JSON, o311XML:
		return file[:i], f, true
	}
	return "", "", false
}

func (s *Server) open311Routes() {
	m := s.mux
	m.HandleFunc("GET "+open311Base+"{file}", s.o311Top)
	m.HandleFunc("POST "+open311Base+"{file}", s.o311TopPost)
	m.HandleFunc("GET "+open311Base+"services/{file}", s.o311Sub(s.handleO311ServiceDefinition))
	m.HandleFunc("GET "+open311Base+"requests/{file}", s.o311Sub(s.handleO311Request))
	m.HandleFunc("GET "+open311Base+"tokens/{file}", s.o311Sub(s.handleO311Token))
	m.HandleFunc("GET /media/{id}", s.handleMedia)
	m.HandleFunc(open311Base, func(w http.ResponseWriter, r *http.Request) {
		s.o311Error(w, r, o311JSON, civicgrid.Errorf(civicgrid.ENOTFOUND, "no Open311 resource %s %s", r.Method, r.URL.Path))
	})
}

// o311Handler serves one resource in the chosen format; id is the part before the extension for
// resources under services/, requests/ and tokens/.
type o311Handler func(w http.ResponseWriter, r *http.Request, f o311Format, id string)

func (s *Server) o311Top(w http.ResponseWriter, r *http.Request) {
	name, f, ok := splitFormat(r.PathValue("file"))
	var h o311Handler
	switch name {
	case "discovery":
		h = s.handleO311Discovery
	case "services":
		h = s.handleO311Services
	case "requests":
		h = s.handleO311Requests
	case "servicerequestupdates":
		h = s.handleO311Updates
	case "openapi":
		h = s.handleO311OpenAPI
	}
	if !ok || h == nil {
		s.o311Error(w, r, o311JSON, civicgrid.Errorf(civicgrid.ENOTFOUND, "no Open311 resource %s (resources end in .json or .xml)", r.URL.Path))
		return
	}
	h(w, r, f, "")
}

func (s *Server) o311TopPost(w http.ResponseWriter, r *http.Request) {
	name, f, ok := splitFormat(r.PathValue("file"))
	var h o311Handler
	switch name {
	case "requests":
		h = s.handleO311PostRequest
	case "servicerequestupdates":
		h = s.handleO311PostUpdate
	}
	if !ok || h == nil {
		s.o311Error(w, r, o311JSON, civicgrid.Errorf(civicgrid.ENOTFOUND, "no Open311 resource POST %s", r.URL.Path))
		return
	}
	h(w, r, f, "")
}

func (s *Server) o311Sub(h o311Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, f, ok := splitFormat(r.PathValue("file"))
		if !ok || id == "" {
			s.o311Error(w, r, o311JSON, civicgrid.Errorf(civicgrid.ENOTFOUND, "no Open311 resource %s (resources end in .json or .xml)", r.URL.Path))
			return
		}
		h(w, r, f, id)
	}
}

// o311Status is the HTTP status the specification gives an error: 400 for bad input, 403 for a
// missing or wrong api_key, 404 for an unknown resource; the platform's own codes otherwise.
func o311Status(err error) int {
	switch civicgrid.ErrorCode(err) {
	case civicgrid.EUNAUTHORIZED, civicgrid.EFORBIDDEN:
		return http.StatusForbidden
	}
	return HTTPStatus(err)
}

// o311ErrorItem is one entry of the specification's error list.
type o311ErrorItem struct {
	XMLName     xml.Name `json:"-" xml:"error"`
	Code        int      `json:"code" xml:"code"`
	Description string   `json:"description" xml:"description"`
}

type o311Errors struct {
	XMLName xml.Name        `xml:"errors"`
	Errors  []o311ErrorItem `xml:"error"`
}

// o311Error answers with the specification's error list: [{"code":400,"description":"..."}].
func (s *Server) o311Error(w http.ResponseWriter, r *http.Request, f o311Format, err error) {
	status := o311Status(err)
	if civicgrid.ErrorCode(err) == civicgrid.EINTERNAL {
		s.log.Error("open311 request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if status == http.StatusTooManyRequests {
		var e *civicgrid.Error
		if asErr(err, &e) {
			if v, ok := e.Details["retry_after"]; ok {
				w.Header().Set("Retry-After", strconv.Itoa(toInt(v)))
			}
		}
	}
	items := []o311ErrorItem{{Code: status, Description: civicgrid.ErrorMessage(err)}}
	writeO311(w, f, status, items, o311Errors{Errors: items})
}

func toInt(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case float64:
		return int(n)
	}
	return 1
}

// writeO311 writes v as JSON or x as XML (with the XML declaration).
func writeO311(w http.ResponseWriter, f o311Format, status int, v any, x any) {
	if f == o311XML {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(status)
		w.Write([]byte(xml.Header))
		enc := xml.NewEncoder(w)
		enc.Encode(x)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// o311Time formats a time as the W3C datetime the specification uses, in China time.
func o311Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(chinaZone).Format("2006-01-02T15:04:05-07:00")
}

var chinaZone = time.FixedZone("CST", 8*3600)

// o311StatusOf maps a case state to GeoReport's two statuses: closed once the loop has ended
// (closed, rejected, voided), open otherwise.
func o311StatusOf(st casework.State) string {
	switch st {
	case casework.Closed, casework.Rejected, casework.Voided:
		return "closed"
	}
	return "open"
}
