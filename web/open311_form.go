package web

import (
	"errors"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"civicgrid"
	"civicgrid/app"
	"civicgrid/casework"
	"civicgrid/catalog"
)

// The body of POST requests.{fmt}: application/x-www-form-urlencoded, or multipart/form-data when
// photos come with it. Reading (readO311Form) and understanding (submission) are separate so that
// each can be fuzzed and the API key checked in between.

// Bounds of a POST requests body.
const (
	// o311MaxFormBytes caps a urlencoded body, and the text fields of a multipart one together.
	o311MaxFormBytes = 64 << 10
	// o311MaxParts caps the parts of a multipart body.
	o311MaxParts = 200
	// o311MaxMultipart caps a whole multipart body: the text, the photos, and room for the part
	// headers and boundaries.
	o311MaxMultipart = o311MaxFormBytes + app.MaxMediaPerReport*(app.MaxMediaBytes+16<<10)
	// o311MaxMediaURL is the longest media_url taken; it is stored in the case's media list.
	o311MaxMediaURL = casework.MaxMediaRef
	// o311MaxAttrText bounds a string or text attribute, as the catalogue's check does.
	o311MaxAttrText = 1000
)

// o311Form is a POST requests body as it came: the fields (each given once), the attribute values
// by code, and the uploaded photos.
type o311Form struct {
	fields map[string]string
	attrs  map[string][]string
	// listAttrs marks attributes sent as attribute[code][] (a list).
	listAttrs map[string]bool
	media     [][]byte
}

// o311FormFields are the fields of the specification and its extensions that the server reads;
// clients written for other servers send others, which are ignored.
var o311FormFields = map[string]bool{
	"api_key": true, "jurisdiction_id": true, "service_code": true, "lat": true, "long": true, "address_string": true,
	"address_id": true, "email": true, "device_id": true, "account_id": true, "first_name": true, "last_name": true,
	"phone": true, "description": true, "media_url": true,
}

var attrKeyRe = regexp.MustCompile(`^attribute\[([^\[\]]*)\](\[\])?$`)

func newO311Form() *o311Form {
	return &o311Form{fields: map[string]string{}, attrs: map[string][]string{}, listAttrs: map[string]bool{}}
}

// readO311Form reads and caps the body. It checks the shape (each field once, valid UTF-8 text,
// well-formed attribute names, photos in "media" parts within their limits), not the meaning.
func readO311Form(w http.ResponseWriter, r *http.Request) (*o311Form, error) {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "the body must be application/x-www-form-urlencoded or multipart/form-data form fields")
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		return readURLEncoded(w, r)
	case "multipart/form-data":
		if params["boundary"] == "" {
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "a multipart/form-data body needs its boundary in the Content-Type")
		}
		return readMultipart(w, r, params["boundary"])
	}
	return nil, civicgrid.Errorf(civicgrid.EINVALID, "the body must be application/x-www-form-urlencoded or multipart/form-data form fields, not %s", clipText(mt, 60))
}

func readURLEncoded(w http.ResponseWriter, r *http.Request) (*o311Form, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, o311MaxFormBytes))
	if err != nil {
		return nil, bodyReadError(err, o311MaxFormBytes)
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, civicgrid.Errorf(civicgrid.EINVALID, "the form body is not well-formed application/x-www-form-urlencoded data")
	}
	form := newO311Form()
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the first error found is the same on every try
	for _, k := range keys {
		for _, v := range vals[k] {
			if err := form.add(k, v); err != nil {
				return nil, err
			}
		}
	}
	return form, nil
}

func readMultipart(w http.ResponseWriter, r *http.Request, boundary string) (*o311Form, error) {
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, o311MaxMultipart), boundary)
	form := newO311Form()
	textLeft := int64(o311MaxFormBytes)
	for parts := 0; ; parts++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return form, nil
		}
		if err != nil {
			return nil, bodyReadError(err, o311MaxMultipart)
		}
		if parts >= o311MaxParts {
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "the form has more than %d parts", o311MaxParts)
		}
		name := p.FormName()
		if p.FileName() != "" || name == "media" {
			if name != "media" {
				return nil, civicgrid.Errorf(civicgrid.EINVALID, "file part %q is not taken; photos go in parts named media", clipText(name, 40)).WithDetail("field", "media")
			}
			data, err := io.ReadAll(io.LimitReader(p, app.MaxMediaBytes+1))
			if err != nil {
				return nil, bodyReadError(err, o311MaxMultipart)
			}
			if len(data) > app.MaxMediaBytes {
				return nil, civicgrid.Errorf(civicgrid.ETOOLARGE, "a photo exceeds %d bytes", app.MaxMediaBytes).WithDetail("field", "media")
			}
			if len(data) == 0 {
				continue // a form's empty file input
			}
			if len(form.media) == app.MaxMediaPerReport {
				return nil, civicgrid.Errorf(civicgrid.EINVALID, "at most %d photos with one request", app.MaxMediaPerReport).WithDetail("field", "media")
			}
			form.media = append(form.media, data)
			continue
		}
		data, err := io.ReadAll(io.LimitReader(p, textLeft+1))
		if err != nil {
			return nil, bodyReadError(err, o311MaxMultipart)
		}
		textLeft -= int64(len(data))
		if textLeft < 0 {
			return nil, civicgrid.Errorf(civicgrid.ETOOLARGE, "the text fields of the form exceed %d bytes", o311MaxFormBytes)
		}
		if err := form.add(name, string(data)); err != nil {
			return nil, err
		}
	}
}

func bodyReadError(err error, limit int64) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return civicgrid.Errorf(civicgrid.ETOOLARGE, "the request body exceeds %d bytes", limit)
	}
	return civicgrid.Errorf(civicgrid.EINVALID, "the form body could not be read: it is not well-formed")
}

// add records one field of the form.
func (f *o311Form) add(key, value string) error {
	if err := civicgrid.CheckText("field name", key, 100); err != nil {
		return civicgrid.Errorf(civicgrid.EINVALID, "a form field name is not plain text of at most 100 characters")
	}
	if m := attrKeyRe.FindStringSubmatch(key); m != nil {
		code := m[1]
		if !attrCodeRe.MatchString(code) {
			return o311Invalid(key, "attribute code %q is not an attribute code of this server", clipText(code, 40))
		}
		if err := civicgrid.CheckText(key, value, o311MaxAttrText); err != nil {
			return err
		}
		list := m[2] != ""
		if len(f.attrs[code]) > 0 && f.listAttrs[code] != list {
			return o311Invalid(key, "attribute %s is given both as a single value and as a list", code)
		}
		if len(f.attrs[code]) >= catalog.MaxFieldValues {
			return o311Invalid(key, "attribute %s has more than %d values", code, catalog.MaxFieldValues)
		}
		if len(f.attrs) >= casework.MaxAttributes && f.attrs[code] == nil {
			return o311Invalid("attribute", "at most %d attributes", casework.MaxAttributes)
		}
		f.attrs[code] = append(f.attrs[code], value)
		f.listAttrs[code] = list
		return nil
	}
	if !o311FormFields[key] {
		return nil
	}
	if _, dup := f.fields[key]; dup {
		return o311Invalid(key, "%s is given twice; give it once", key)
	}
	if err := civicgrid.CheckText(key, value, 10000); err != nil {
		return err
	}
	f.fields[key] = value
	return nil
}

var attrCodeRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// o311Submission is a POST requests body understood: the key it came with, the report it makes and
// the photos to store with it.
type o311Submission struct {
	APIKey       string
	Jurisdiction string
	Input        app.ReportInput
	Media        [][]byte
	AccountID    string
}

// Bounds of the reporter's fields (characters).
var o311ReporterMax = map[string]int{"email": 254, "phone": 40, "first_name": 50, "last_name": 50, "device_id": 200, "account_id": 200}

// submission checks the form's fields against the catalogue and builds the report. matters are the
// catalogue's matter types by code.
func (f *o311Form) submission(matters map[string]*catalog.MatterType) (*o311Submission, error) {
	get := func(k string) string { return strings.TrimSpace(f.fields[k]) }
	sub := &o311Submission{APIKey: f.fields["api_key"], Jurisdiction: get("jurisdiction_id"), Media: f.media}
	in := &sub.Input
	code := get("service_code")
	if code == "" {
		return nil, o311Invalid("service_code", "service_code is required")
	}
	mt, ok := matters[code]
	if !ok || !mt.Active {
		return nil, o311Invalid("service_code", "service_code %q is not a service of this server (see services.json)", clipText(code, 40))
	}
	in.MatterCode = mt.Code
	in.Description = f.fields["description"]
	if strings.TrimSpace(in.Description) == "" {
		return nil, o311Invalid("description", "description is required: say what is wrong")
	}
	if n := len([]rune(in.Description)); n > casework.MaxDescription {
		return nil, o311Invalid("description", "description is %d characters long; at most %d are allowed", n, casework.MaxDescription)
	}
	in.Address = get("address_string")
	if n := len([]rune(in.Address)); n > casework.MaxAddress {
		return nil, o311Invalid("address_string", "address_string is %d characters long; at most %d are allowed", n, casework.MaxAddress)
	}
	if err := f.location(in); err != nil {
		return nil, err
	}
	if v := get("media_url"); v != "" {
		if err := checkMediaURL(v); err != nil {
			return nil, err
		}
		// Stored as given, after the photos uploaded with the request (see the handler).
		in.Media = []string{v}
	}
	attrs, err := f.attributes(mt)
	if err != nil {
		return nil, err
	}
	in.Attributes = attrs
	rep, err := f.reporter()
	if err != nil {
		return nil, err
	}
	in.Reporter = rep
	if rep != nil {
		sub.AccountID = rep.AccountID
	}
	return sub, nil
}

// location reads lat and long (WGS-84), or takes the address alone: the report is then placed in
// the key's own jurisdiction.
func (f *o311Form) location(in *app.ReportInput) error {
	lat, long := strings.TrimSpace(f.fields["lat"]), strings.TrimSpace(f.fields["long"])
	switch {
	case lat == "" && long == "":
		if in.Address == "" {
			if strings.TrimSpace(f.fields["address_id"]) != "" {
				return o311Invalid("address_id", "address_id is not supported here; give lat and long, or address_string")
			}
			return o311Invalid("lat", "a location is required: lat and long, or address_string")
		}
		return nil
	case lat == "" || long == "":
		return o311Invalid("lat", "lat and long must be given together")
	}
	la, err1 := strconv.ParseFloat(lat, 64)
	lo, err2 := strconv.ParseFloat(long, 64)
	switch {
	case err1 != nil || math.IsNaN(la) || la < -90 || la > 90:
		return o311Invalid("lat", "lat must be a WGS-84 latitude from -90 to 90")
	case err2 != nil || math.IsNaN(lo) || lo < -180 || lo > 180:
		return o311Invalid("long", "long must be a WGS-84 longitude from -180 to 180")
	}
	in.Lat, in.Lon = &la, &lo
	return nil
}

func checkMediaURL(v string) error {
	if n := len(v); n > o311MaxMediaURL {
		return o311Invalid("media_url", "media_url is %d characters long; at most %d are taken", n, o311MaxMediaURL)
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || strings.ContainsAny(v, " \t\r\n") {
		return o311Invalid("media_url", "media_url must be an absolute http or https URL")
	}
	return nil
}

// attributes converts attribute[code] and attribute[code][] to the matter type's datatypes: numbers
// to float64, multivaluelist to a list of keys, the other types to text (a datetime checked as a
// W3C datetime with its zone). The catalogue's own check (required fields, listed keys) follows in
// the report.
func (f *o311Form) attributes(mt *catalog.MatterType) (map[string]any, error) {
	if len(f.attrs) == 0 {
		return nil, nil
	}
	fields := make(map[string]catalog.Field, len(mt.Fields))
	for _, fd := range mt.Fields {
		fields[fd.Code] = fd
	}
	out := make(map[string]any, len(f.attrs))
	codes := make([]string, 0, len(f.attrs))
	for c := range f.attrs {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, code := range codes {
		vals := f.attrs[code]
		fd, ok := fields[code]
		if !ok {
			return nil, o311Invalid("attribute["+code+"]", "service %s has no attribute %q (see services/%s.json)", mt.Code, code, mt.Code)
		}
		v, err := convertAttribute(fd, vals, f.listAttrs[code])
		if err != nil {
			return nil, err
		}
		out[code] = v
	}
	return out, nil
}

func convertAttribute(fd catalog.Field, vals []string, list bool) (any, error) {
	name := "attribute[" + fd.Code + "]"
	if fd.Type == catalog.FieldMultiValueList {
		out := make([]any, 0, len(vals))
		seen := map[string]bool{}
		for _, v := range vals {
			v = strings.TrimSpace(v)
			if !listedKey(fd, v) {
				return nil, o311Invalid(name+"[]", "%q is not one of the listed values of attribute %s", clipText(v, 40), fd.Code)
			}
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
		return out, nil
	}
	if list || len(vals) != 1 {
		return nil, o311Invalid(name, "attribute %s takes one value", fd.Code)
	}
	v := vals[0]
	switch fd.Type {
	case catalog.FieldNumber:
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return nil, o311Invalid(name, "attribute %s must be a number", fd.Code)
		}
		return n, nil
	case catalog.FieldDatetime:
		v = strings.TrimSpace(v)
		if _, err := parseW3CTime(name, v); err != nil {
			return nil, err
		}
		return v, nil
	case catalog.FieldSingleValueList:
		v = strings.TrimSpace(v)
		if !listedKey(fd, v) {
			return nil, o311Invalid(name, "%q is not one of the listed values of attribute %s", clipText(v, 40), fd.Code)
		}
		return v, nil
	}
	return v, nil
}

func listedKey(fd catalog.Field, k string) bool {
	for _, fv := range fd.Values {
		if fv.Key == k {
			return true
		}
	}
	return false
}

// reporter gathers the reporter's fields; nil when none is given. Chinese names join family name
// and given name without a space (张 + 三 → 张三), others with one.
func (f *o311Form) reporter() (*casework.Reporter, error) {
	vals := map[string]string{}
	for k, max := range o311ReporterMax {
		v := strings.TrimSpace(f.fields[k])
		if n := len([]rune(v)); n > max {
			return nil, o311Invalid(k, "%s is %d characters long; at most %d are allowed", k, n, max)
		}
		if strings.ContainsAny(v, "\r\n\t") {
			return nil, o311Invalid(k, "%s must be on one line", k)
		}
		vals[k] = v
	}
	if e := vals["email"]; e != "" && (strings.Count(e, "@") != 1 || strings.HasPrefix(e, "@") || strings.HasSuffix(e, "@") || strings.ContainsAny(e, " <>")) {
		return nil, o311Invalid("email", "email is not an e-mail address")
	}
	first, last := vals["first_name"], vals["last_name"]
	name := strings.TrimSpace(first + " " + last)
	if isHan(first) && isHan(last) {
		name = last + first
	}
	rep := casework.Reporter{Name: name, Phone: vals["phone"], Email: vals["email"], DeviceID: vals["device_id"], AccountID: vals["account_id"]}
	if rep == (casework.Reporter{}) {
		return nil, nil
	}
	return &rep, nil
}

func isHan(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) && r != '·' {
			return false
		}
	}
	return true
}
