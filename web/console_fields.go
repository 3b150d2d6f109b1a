package web

import (
	"net/url"
	"slices"
	"sort"
	"strconv"

	"civicgrid"
	"civicgrid/catalog"
)

// The extra fields a matter type asks for (井盖状态, 面积, 被困人数 …), as form inputs: the grid
// worker's report and the resident portal show and read them the same way. Names of the inputs are
// attr_CODE; the values are checked again by the catalogue when the case is created.

// fieldInputs are the inputs of a type's fields, in the catalogue's order, named in lang.
func fieldInputs(lang string, fs []catalog.Field) []fieldInput {
	fields := slices.Clone(fs)
	sort.SliceStable(fields, func(i, j int) bool { return fields[i].Order < fields[j].Order })
	out := make([]fieldInput, 0, len(fields))
	for _, f := range fields {
		fi := fieldInput{Code: f.Code, Name: f.NameZh, Type: f.Type, Required: f.Required}
		if lang == langEn && f.NameEn != "" {
			fi.Name = f.NameEn
		}
		for _, v := range f.Values {
			name := v.NameZh
			if lang == langEn && v.NameEn != "" {
				name = v.NameEn
			}
			fi.Options = append(fi.Options, option{Value: v.Key, Label: name})
		}
		out = append(out, fi)
	}
	return out
}

// keepFieldValues puts what was posted back into the inputs, for a form shown again.
func keepFieldValues(fields []fieldInput, f url.Values) {
	for i := range fields {
		fields[i].Value = f.Get("attr_" + fields[i].Code)
		for j := range fields[i].Options {
			fields[i].Options[j].Selected = slices.Contains(f["attr_"+fields[i].Code], fields[i].Options[j].Value)
		}
	}
}

// fieldAttributes reads the posted fields into a case's attributes: numbers as numbers, several
// choices as a list, the rest as text; blank fields are left out (the catalogue refuses a missing
// required one with its own message).
func fieldAttributes(p *consolePage, fields []fieldInput, f url.Values) (map[string]any, error) {
	attrs := map[string]any{}
	for _, fi := range fields {
		vals := nonBlank(f["attr_"+fi.Code])
		if len(vals) == 0 {
			continue
		}
		switch fi.Type {
		case catalog.FieldNumber:
			n, err := strconv.ParseFloat(vals[0], 64)
			if err != nil {
				return nil, civicgrid.Errorf(civicgrid.EINVALID, "%s", p.Tf2("worker.bad_number", fi.Name)).WithDetail("field", "attributes."+fi.Code)
			}
			attrs[fi.Code] = n
		case catalog.FieldMultiValueList:
			list := make([]any, 0, len(vals))
			for _, v := range vals {
				list = append(list, v)
			}
			attrs[fi.Code] = list
		default:
			attrs[fi.Code] = vals[0]
		}
	}
	return attrs, nil
}
