package web

import (
	"os"
	"strconv"
	"strings"
)

// writeResidentMemory adds the resident set size where the system reports it (Linux: the second
// field of /proc/self/statm, in pages).
func writeResidentMemory(e *expo) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return
	}
	e.single("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", float64(pages*int64(os.Getpagesize())))
}
