package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"civicgrid"
)

// statusOf maps error codes to HTTP status codes. It is the only place that does.
var statusOf = map[string]int{
	civicgrid.EINVALID:      http.StatusBadRequest,
	civicgrid.ENOTFOUND:     http.StatusNotFound,
	civicgrid.ECONFLICT:     http.StatusConflict,
	civicgrid.EFORBIDDEN:    http.StatusForbidden,
	civicgrid.EUNAUTHORIZED: http.StatusUnauthorized,
	civicgrid.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	civicgrid.ERATELIMIT:    http.StatusTooManyRequests,
	civicgrid.EUNAVAILABLE:  http.StatusServiceUnavailable,
	civicgrid.EINTERNAL:     http.StatusInternalServerError,
}

// HTTPStatus returns the status code for an error.
func HTTPStatus(err error) int {
	if s, ok := statusOf[civicgrid.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details"`
}

// writeError answers with {"error":{"code","message","details"}}. Internal errors are logged with
// their text and shown to the caller only as "internal error".
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := civicgrid.ErrorCode(err)
	if code == civicgrid.EINTERNAL {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	} else {
		s.log.Debug("request refused", "method", r.Method, "path", r.URL.Path, "code", code, "msg", civicgrid.ErrorMessage(err))
	}
	d := errorDetail{Code: code, Message: civicgrid.ErrorMessage(err), Details: map[string]any{}}
	var e *civicgrid.Error
	if errors.As(err, &e) && e.Details != nil {
		d.Details = e.Details
		if v, ok := e.Details["retry_after"]; ok && code == civicgrid.ERATELIMIT {
			w.Header().Set("Retry-After", strconv.Itoa(toInt(v)))
		}
	}
	writeJSON(w, HTTPStatus(err), errorBody{Error: d})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		slog.Debug("write response", "err", err)
	}
}
