package web

import (
	"encoding/xml"
	"strconv"

	"civicgrid/casework"
)

// o311Request is a service request as GeoReport v2 shows it. Residents' personal fields never
// appear here; text is returned exactly as stored.
type o311Request struct {
	XMLName           xml.Name `json:"-" xml:"request"`
	ServiceRequestID  string   `json:"service_request_id" xml:"service_request_id"`
	Status            string   `json:"status" xml:"status"`
	StatusNotes       string   `json:"status_notes" xml:"status_notes"`
	ServiceName       string   `json:"service_name" xml:"service_name"`
	ServiceCode       string   `json:"service_code" xml:"service_code"`
	Description       string   `json:"description" xml:"description"`
	AgencyResponsible string   `json:"agency_responsible" xml:"agency_responsible"`
	ServiceNotice     string   `json:"service_notice" xml:"service_notice"`
	RequestedDatetime string   `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   string   `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedDatetime  string   `json:"expected_datetime" xml:"expected_datetime"`
	Address           string   `json:"address" xml:"address"`
	AddressID         string   `json:"address_id" xml:"address_id"`
	Zipcode           string   `json:"zipcode" xml:"zipcode"`
	Lat               *float64 `json:"lat" xml:"lat,omitempty"`
	Long              *float64 `json:"long" xml:"long,omitempty"`
	MediaURL          string   `json:"media_url" xml:"media_url"`
	// Extended is present with extensions=true.
	Extended *o311Extended `json:"extended_attributes,omitempty" xml:"extended_attributes,omitempty"`
}

// o311Extended carries the common extension: the workflow state, the deadline light and the public
// notes of the case's history.
type o311Extended struct {
	State      string     `json:"state" xml:"state"`
	Light      string     `json:"light" xml:"light"`
	Grid       string     `json:"grid" xml:"grid"`
	Attributes []o311Attr `json:"attributes" xml:"attributes>attribute"`
	Notes      []o311Note `json:"notes" xml:"notes>note"`
}

type o311Attr struct {
	Code  string `json:"code" xml:"code"`
	Value any    `json:"value" xml:"value"`
}

// o311Note is one public step of a case's history.
type o311Note struct {
	Action   string `json:"action" xml:"action"`
	Status   string `json:"status" xml:"status"`
	Datetime string `json:"datetime" xml:"datetime"`
	Note     string `json:"note" xml:"note"`
}

// o311RequestOf maps a case to a service request. mediaURL turns a stored media ID into an
// absolute URL.
func (s *Server) o311RequestOf(c *casework.Case, mediaURL func(id string) string) o311Request {
	cfg := s.app.Config()
	req := o311Request{
		ServiceRequestID:  strconv.FormatInt(c.ID, 10),
		Status:            o311StatusOf(c.State),
		StatusNotes:       statusNotes(c),
		ServiceCode:       c.MatterCode,
		Description:       c.Description,
		RequestedDatetime: o311Time(c.ReportedAt),
		UpdatedDatetime:   o311Time(c.UpdatedAt),
		Address:           c.Address,
	}
	if mt, ok := cfg.Matters[c.MatterCode]; ok {
		req.ServiceName = mt.NameZh
	}
	agency := c.Assignee
	if agency == "" && c.SuggestedRoute != nil {
		agency = c.SuggestedRoute.Lead
	}
	if u, ok := cfg.Tree.Unit(agency); ok {
		req.AgencyResponsible = u.Name
	}
	if c.WholeClock != nil && !c.WholeClock.Paused {
		req.ExpectedDatetime = o311Time(c.WholeClock.DueAt)
	}
	if c.Location != nil {
		lat, lon := c.Location.Lat, c.Location.Lon
		req.Lat, req.Long = &lat, &lon
	}
	if len(c.Media) > 0 && mediaURL != nil {
		req.MediaURL = mediaURL(c.Media[0])
	}
	return req
}

// statusNotes is the latest public word on a case: why it was rejected or voided, or what was done.
func statusNotes(c *casework.Case) string {
	switch {
	case c.MergedInto != 0:
		return "已合并至 " + strconv.FormatInt(c.MergedInto, 10)
	case c.Result != "":
		return c.Result
	}
	return ""
}
