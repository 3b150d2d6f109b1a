package web

// SetXLSXRowLimit lowers the rows a case ledger takes as XLSX, for tests; it returns the restore.
func SetXLSXRowLimit(n int) (restore func()) {
	old := xlsxRowLimit
	xlsxRowLimit = n
	return func() { xlsxRowLimit = old }
}
