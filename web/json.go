package web

import "encoding/json"

// jsonRaw embeds stored JSON as is.
func jsonRaw(b []byte) json.RawMessage { return json.RawMessage(b) }
