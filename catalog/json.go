package catalog

import (
	"bytes"
	"encoding/json"
	"time"

	"civicgrid"
)

// matterTypeJSON is MatterType as people read and write it: the duplicate window in whole minutes
// rather than Go's nanoseconds.
type matterTypeJSON struct {
	*plainMatterType
	DuplicateWindowMinutes int64 `json:"duplicate_window_minutes"`
}

type plainMatterType MatterType

// MarshalJSON writes the duplicate window as duplicate_window_minutes.
func (m MatterType) MarshalJSON() ([]byte, error) {
	p := plainMatterType(m)
	return json.Marshal(matterTypeJSON{plainMatterType: &p, DuplicateWindowMinutes: int64(m.DuplicateWindow / time.Minute)})
}

// UnmarshalJSON reads duplicate_window_minutes, refusing unknown fields as every body of the API
// does (a custom decoder is not reached by the outer decoder's setting).
func (m *MatterType) UnmarshalJSON(b []byte) error {
	aux := matterTypeJSON{plainMatterType: (*plainMatterType)(m)}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&aux); err != nil {
		return err
	}
	if aux.DuplicateWindowMinutes < 0 || aux.DuplicateWindowMinutes > int64(MaxDuplicateWindow/time.Minute) {
		return civicgrid.Errorf(civicgrid.EINVALID, "duplicate_window_minutes must be between 0 and %d", int64(MaxDuplicateWindow/time.Minute)).WithDetail("field", "duplicate_window_minutes")
	}
	m.DuplicateWindow = time.Duration(aux.DuplicateWindowMinutes) * time.Minute
	return nil
}
