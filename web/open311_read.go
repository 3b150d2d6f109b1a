package web

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"civicgrid"
	"civicgrid/casework"
	"civicgrid/catalog"
	"civicgrid/org"
	"civicgrid/store"
)

// Read side of Open311: discovery, services, service definitions, requests, tokens and the
// FixMyStreet update list. Reads are public: no api_key is needed, every case of the platform is
// listed, and nothing a resident told about themselves is ever shown.

// o311Changeset is when this surface last changed, as discovery reports it.
const o311Changeset = "2026-03-02T00:00:00+08:00"

type o311Discovery struct {
	XMLName    xml.Name       `json:"-" xml:"discovery"`
	Changeset  string         `json:"changeset" xml:"changeset"`
	Contact    string         `json:"contact" xml:"contact"`
	KeyService string         `json:"key_service" xml:"key_service"`
	Endpoints  []o311Endpoint `json:"endpoints" xml:"endpoints>endpoint"`
}

type o311Endpoint struct {
	Specification string   `json:"specification" xml:"specification"`
	URL           string   `json:"url" xml:"url"`
	Changeset     string   `json:"changeset" xml:"changeset"`
	Type          string   `json:"type" xml:"type"`
	Formats       []string `json:"formats" xml:"formats>format"`
}

func (s *Server) handleO311Discovery(w http.ResponseWriter, r *http.Request, f o311Format, _ string) {
	d := o311Discovery{
		Changeset: o311Changeset,
		Contact:   "本平台管理员 (the platform administrator)",
		KeyService: "API keys are issued by the platform administrator (POST /api/v1/api-keys): role resident for public clients, " +
			"a staff role over a department for department systems.",
		Endpoints: []o311Endpoint{{
			Specification: "http://wiki.open311.org/GeoReport_v2",
			URL:           o311BaseURL(r) + strings.TrimSuffix(open311Base, "/"),
			Changeset:     o311Changeset,
			Type:          "production",
			Formats:       []string{"text/xml", "application/json"},
		}},
	}
	writeO311(w, f, http.StatusOK, d, d)
}

// o311Service is one entry of the service list: an active matter type.
type o311Service struct {
	XMLName     xml.Name `json:"-" xml:"service"`
	ServiceCode string   `json:"service_code" xml:"service_code"`
	ServiceName string   `json:"service_name" xml:"service_name"`
	Description string   `json:"description" xml:"description"`
	Metadata    bool     `json:"metadata" xml:"metadata"`
	Type        string   `json:"type" xml:"type"`
	Keywords    string   `json:"keywords" xml:"keywords"`
	Group       string   `json:"group" xml:"group"`
}

type o311Services struct {
	XMLName  xml.Name      `xml:"services"`
	Services []o311Service `xml:"service"`
}

func (s *Server) handleO311Services(w http.ResponseWriter, r *http.Request, f o311Format, _ string) {
	if _, err := s.o311Jurisdiction(r.URL.Query()); err != nil {
		s.o311Error(w, r, f, err)
		return
	}
	cfg := s.app.Config()
	out := []o311Service{}
	for i := range cfg.MatterList {
		mt := &cfg.MatterList[i]
		if !mt.Active {
			continue
		}
		out = append(out, o311Service{
			ServiceCode: mt.Code,
			ServiceName: mt.NameZh,
			Description: mt.NameZh + " (" + mt.NameEn + ")",
			Metadata:    len(o311Attributes(mt)) > 0,
			Type:        "realtime",
			Keywords:    strings.Join(mt.Keywords, ","),
			Group:       mt.ClassZh,
		})
	}
	writeO311(w, f, http.StatusOK, out, o311Services{Services: out})
}

// o311ServiceDefinition is a service's attributes: its matter type's extra fields.
type o311ServiceDefinition struct {
	XMLName     xml.Name        `json:"-" xml:"service_definition"`
	ServiceCode string          `json:"service_code" xml:"service_code"`
	Attributes  []o311Attribute `json:"attributes" xml:"attributes>attribute"`
}

type o311Attribute struct {
	Variable            bool        `json:"variable" xml:"variable"`
	Code                string      `json:"code" xml:"code"`
	Datatype            string      `json:"datatype" xml:"datatype"`
	Required            bool        `json:"required" xml:"required"`
	DatatypeDescription string      `json:"datatype_description" xml:"datatype_description"`
	Order               int         `json:"order" xml:"order"`
	Description         string      `json:"description" xml:"description"`
	Values              []o311Value `json:"values,omitempty" xml:"-"`
	// XMLValues holds Values for XML, where only list datatypes carry the element.
	XMLValues *o311ValueList `json:"-" xml:"values,omitempty"`
}

type o311ValueList struct {
	Values []o311Value `xml:"value"`
}

type o311Value struct {
	Key  string `json:"key" xml:"key"`
	Name string `json:"name" xml:"name"`
}

// o311Datatypes explains each datatype to the person filling the form.
var o311Datatypes = map[catalog.FieldType]string{
	catalog.FieldString:          "一行文字 (one line of text, at most 1000 characters)",
	catalog.FieldText:            "文字 (text, at most 1000 characters)",
	catalog.FieldNumber:          "数字 (a number, e.g. 12.5)",
	catalog.FieldDatetime:        "日期时间,须带时区 (a W3C datetime with its zone, e.g. 2026-03-02T09:00:00+08:00)",
	catalog.FieldSingleValueList: "从列表中选一项 (one key of the values)",
	catalog.FieldMultiValueList:  "从列表中选一项或多项 (one or more keys of the values, as attribute[code][])",
}

// o311Attributes are a matter type's extra fields with a datatype Open311 knows, in order.
func o311Attributes(mt *catalog.MatterType) []o311Attribute {
	out := []o311Attribute{}
	for i, fd := range mt.Fields {
		desc, ok := o311Datatypes[fd.Type]
		if !ok {
			continue
		}
		order := fd.Order
		if order <= 0 {
			order = i + 1
		}
		a := o311Attribute{Variable: true, Code: fd.Code, Datatype: string(fd.Type), Required: fd.Required,
			DatatypeDescription: desc, Order: order, Description: fd.NameZh}
		if fd.NameEn != "" {
			a.Description += " (" + fd.NameEn + ")"
		}
		if fd.Type == catalog.FieldSingleValueList || fd.Type == catalog.FieldMultiValueList {
			for _, v := range fd.Values {
				a.Values = append(a.Values, o311Value{Key: v.Key, Name: v.NameZh})
			}
			a.XMLValues = &o311ValueList{Values: a.Values}
		}
		out = append(out, a)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return out
}

func (s *Server) handleO311ServiceDefinition(w http.ResponseWriter, r *http.Request, f o311Format, code string) {
	if _, err := s.o311Jurisdiction(r.URL.Query()); err != nil {
		s.o311Error(w, r, f, err)
		return
	}
	mt, ok := s.app.Config().Matters[code]
	if !ok || !mt.Active {
		s.o311Error(w, r, f, civicgrid.Errorf(civicgrid.ENOTFOUND, "service_code %q is not a service of this server (see services.json)", clipText(code, 40)))
		return
	}
	d := o311ServiceDefinition{ServiceCode: mt.Code, Attributes: o311Attributes(mt)}
	writeO311(w, f, http.StatusOK, d, d)
}

// o311Requests is the XML list of service requests.
type o311Requests struct {
	XMLName  xml.Name      `xml:"service_requests"`
	Requests []o311Request `xml:"request"`
}

func (s *Server) handleO311Requests(w http.ResponseWriter, r *http.Request, f o311Format, _ string) {
	q, err := parseO311Query(r.URL.Query(), s.app.Clock.Now())
	if err == nil && q.Jurisdiction != "" {
		var path string
		if path, err = s.jurisdictionPath(q.Jurisdiction); len(q.Filter.IDs) == 0 {
			q.Filter.Within = path
		}
	}
	if err != nil {
		s.o311Error(w, r, f, err)
		return
	}
	reqs, err := s.o311RequestsOf(r, q.Filter, q.Extensions)
	if err != nil {
		s.o311Error(w, r, f, err)
		return
	}
	writeO311(w, f, http.StatusOK, reqs, o311Requests{Requests: reqs})
}

func (s *Server) handleO311Request(w http.ResponseWriter, r *http.Request, f o311Format, id string) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		s.o311Error(w, r, f, civicgrid.Errorf(civicgrid.ENOTFOUND, "service request %q not found", clipText(id, 40)))
		return
	}
	get, err := singleValues(r.URL.Query(), []string{"jurisdiction_id", "extensions"})
	filter := store.CaseFilter{IDs: []int64{n}, Limit: 1}
	ext := false
	if err == nil && get["jurisdiction_id"] != "" {
		filter.Within, err = s.jurisdictionPath(get["jurisdiction_id"])
	}
	if err == nil && get["extensions"] != "" {
		if ext, err = strconv.ParseBool(get["extensions"]); err != nil {
			err = o311Invalid("extensions", "extensions must be true or false")
		}
	}
	if err != nil {
		s.o311Error(w, r, f, err)
		return
	}
	reqs, err := s.o311RequestsOf(r, filter, ext)
	if err == nil && len(reqs) == 0 {
		err = civicgrid.Errorf(civicgrid.ENOTFOUND, "service request %d not found", n)
	}
	if err != nil {
		s.o311Error(w, r, f, err)
		return
	}
	writeO311(w, f, http.StatusOK, reqs, o311Requests{Requests: reqs})
}

// o311RequestsOf reads the cases a filter selects, newest first, as service requests. The filter
// has no scopes: Open311 shows every case of the platform, in its public view.
func (s *Server) o311RequestsOf(r *http.Request, filter store.CaseFilter, ext bool) ([]o311Request, error) {
	ctx := r.Context()
	filter.Scopes = nil
	cases, err := s.app.DB.Cases(ctx, filter)
	if err != nil {
		return nil, err
	}
	var history map[int64][]casework.Event
	if ext && len(cases) > 0 {
		ids := make([]int64, len(cases))
		for i, c := range cases {
			ids[i] = c.ID
		}
		if history, err = s.app.DB.EventsOfCases(ctx, ids); err != nil {
			return nil, err
		}
	}
	media := o311MediaURL(r)
	out := make([]o311Request, 0, len(cases))
	for _, c := range cases {
		req := s.o311RequestOf(c, media)
		req.ServiceNotice = s.o311Notice(c)
		if req.StatusNotes == "" && c.State == casework.Rejected {
			req.StatusNotes = "不予立案:" + rejectPhrase(c.RejectCode)
		}
		if ext {
			req.Extended = s.o311ExtendedOf(c, history[c.ID])
		}
		out = append(out, req)
	}
	return out, nil
}

// o311ExtendedOf is the extension block of a request: workflow state, deadline light, grid, the
// report's attributes and the public notes of its history.
func (s *Server) o311ExtendedOf(c *casework.Case, events []casework.Event) *o311Extended {
	x := &o311Extended{State: string(c.State), Light: string(c.Light), Grid: c.Grid, Attributes: []o311Attr{}, Notes: []o311Note{}}
	codes := make([]string, 0, len(c.Attributes))
	for k := range c.Attributes {
		codes = append(codes, k)
	}
	sort.Strings(codes)
	for _, k := range codes {
		x.Attributes = append(x.Attributes, o311Attr{Code: k, Value: c.Attributes[k]})
	}
	names := s.unitNamer()
	for _, e := range events {
		if !o311Public(e) {
			continue
		}
		n := noteOf(e, names)
		x.Notes = append(x.Notes, o311Note{Action: string(e.Action), Status: n.Status, Datetime: o311Time(e.At), Note: n.Text})
	}
	return x
}

func (s *Server) unitNamer() func(id string) string {
	tree := s.app.Config().Tree
	return func(id string) string {
		if u, ok := tree.Unit(id); ok {
			return u.Name
		}
		return ""
	}
}

// o311TokenAnswer resolves a token to its request.
type o311TokenAnswer struct {
	XMLName          xml.Name `json:"-" xml:"request"`
	ServiceRequestID string   `json:"service_request_id" xml:"service_request_id"`
	Token            string   `json:"token" xml:"token"`
}

type o311TokenAnswers struct {
	XMLName xml.Name          `xml:"service_requests"`
	Items   []o311TokenAnswer `xml:"request"`
}

var tokenRe = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)

func (s *Server) handleO311Token(w http.ResponseWriter, r *http.Request, f o311Format, token string) {
	if _, err := s.o311Jurisdiction(r.URL.Query()); err != nil {
		s.o311Error(w, r, f, err)
		return
	}
	if !tokenRe.MatchString(token) {
		s.o311Error(w, r, f, civicgrid.Errorf(civicgrid.ENOTFOUND, "token %q not found", clipText(token, 40)))
		return
	}
	c, err := s.app.DB.CaseByTrackingCode(r.Context(), strings.ToUpper(token))
	if err != nil {
		s.o311Error(w, r, f, err)
		return
	}
	out := []o311TokenAnswer{{ServiceRequestID: strconv.FormatInt(c.ID, 10), Token: c.TrackingCode}}
	writeO311(w, f, http.StatusOK, out, o311TokenAnswers{Items: out})
}

// o311Update is one public event of a case, as FixMyStreet's servicerequestupdates lists it.
type o311Update struct {
	XMLName            xml.Name `json:"-" xml:"request_update"`
	UpdateID           string   `json:"update_id" xml:"update_id"`
	ServiceRequestID   string   `json:"service_request_id" xml:"service_request_id"`
	Status             string   `json:"status" xml:"status"`
	UpdatedDatetime    string   `json:"updated_datetime" xml:"updated_datetime"`
	Description        string   `json:"description" xml:"description"`
	MediaURL           string   `json:"media_url" xml:"media_url"`
	ExternalStatusCode string   `json:"external_status_code" xml:"external_status_code"`
}

type o311Updates struct {
	XMLName xml.Name     `xml:"service_request_updates"`
	Updates []o311Update `xml:"request_update"`
}

func (s *Server) handleO311Updates(w http.ResponseWriter, r *http.Request, f o311Format, _ string) {
	ctx := r.Context()
	from, to, jur, err := parseO311Window(r.URL.Query(), s.app.Clock.Now())
	within := ""
	if err == nil && jur != "" {
		within, err = s.jurisdictionPath(jur)
	}
	var events []casework.Event
	if err == nil {
		events, err = s.app.DB.EventsBetween(ctx, from, to, o311MaxUpdates)
	}
	var keep map[int64]bool
	if err == nil && within != "" {
		keep, err = s.casesWithin(r, events, within)
	}
	if err != nil {
		s.o311Error(w, r, f, err)
		return
	}
	media, names := o311MediaURL(r), s.unitNamer()
	out := []o311Update{}
	for _, e := range events {
		if !o311Public(e) || (keep != nil && !keep[e.CaseID]) {
			continue
		}
		n := noteOf(e, names)
		u := o311Update{
			UpdateID:           strconv.FormatInt(e.CaseID, 10) + "-" + strconv.Itoa(e.Seq),
			ServiceRequestID:   strconv.FormatInt(e.CaseID, 10),
			Status:             n.Status,
			UpdatedDatetime:    o311Time(e.At),
			Description:        n.Text,
			ExternalStatusCode: string(e.To),
		}
		if n.Photo != "" {
			u.MediaURL = media(n.Photo)
		}
		out = append(out, u)
	}
	writeO311(w, f, http.StatusOK, out, o311Updates{Updates: out})
}

// casesWithin returns which of the events' cases lie within a jurisdiction's territory.
func (s *Server) casesWithin(r *http.Request, events []casework.Event, within string) (map[int64]bool, error) {
	seen := map[int64]bool{}
	var ids []int64
	for _, e := range events {
		if !seen[e.CaseID] {
			seen[e.CaseID] = true
			ids = append(ids, e.CaseID)
		}
	}
	keep := map[int64]bool{}
	for len(ids) > 0 {
		batch := ids[:min(len(ids), MaxFilterValues)]
		ids = ids[len(batch):]
		cases, err := s.app.DB.Cases(r.Context(), store.CaseFilter{IDs: batch, Within: within, Limit: len(batch)})
		if err != nil {
			return nil, err
		}
		for _, c := range cases {
			keep[c.ID] = true
		}
	}
	return keep, nil
}

// o311Jurisdiction checks the jurisdiction_id of a query, if any, and returns its path.
func (s *Server) o311Jurisdiction(q url.Values) (string, error) {
	get, err := singleValues(q, []string{"jurisdiction_id"})
	if err != nil || get["jurisdiction_id"] == "" {
		return "", err
	}
	return s.jurisdictionPath(get["jurisdiction_id"])
}

var divisionCodeRe = regexp.MustCompile(`^[0-9]{12}$`)

// jurisdictionPath resolves a jurisdiction_id: the division code of a district, or of a root of the
// tree (the city). Other units are not Open311 jurisdictions.
func (s *Server) jurisdictionPath(id string) (string, error) {
	if !divisionCodeRe.MatchString(id) {
		return "", o311Invalid("jurisdiction_id", "jurisdiction_id must be a 12-digit division code of a district or city")
	}
	u, ok := s.app.Config().Tree.Unit(id)
	if !ok || (u.Kind != org.District && u.Parent != "") {
		return "", civicgrid.Errorf(civicgrid.ENOTFOUND, "jurisdiction_id %s is not a jurisdiction of this server (a district or the city)", id)
	}
	return u.Path, nil
}

// o311BaseURL is this server's own address as the client reached it.
func o311BaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// o311MediaURL turns an entry of a case's media list into an absolute URL: a stored photo's ID
// into this server's /media/ address, a media_url a client gave into itself.
func o311MediaURL(r *http.Request) func(string) string {
	base := o311BaseURL(r)
	return func(m string) string {
		if strings.HasPrefix(m, "http://") || strings.HasPrefix(m, "https://") {
			return m
		}
		return base + "/media/" + url.PathEscape(m)
	}
}
