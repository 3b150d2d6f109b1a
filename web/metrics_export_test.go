package web

// ExpoFamilyForTest writes one family with one sample through the exposition writer, so that the
// format tests can feed the writer values no route produces (quotes, backslashes, newlines).
func ExpoFamilyForTest(name, typ, help string, value float64, labels ...string) string {
	var e expo
	e.family(name, typ, help)
	e.sample(name, value, labels...)
	return e.b.String()
}
