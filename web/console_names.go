package web

import (
	"strconv"
	"strings"

	"civicgrid/app"
	"civicgrid/calendar"
	"civicgrid/casework"
)

// Names of the platform's things in the page's language: units and matter types carry both, the
// catalogue has the rest.

func unitName(cfg *app.Config, lang, id string) string {
	if id == "" {
		return ""
	}
	u, ok := cfg.Tree.Unit(id)
	if !ok {
		return id
	}
	if lang == langEn && u.NameEn != "" {
		return u.NameEn
	}
	return u.Name
}

func unitNames(cfg *app.Config, lang string, ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, unitName(cfg, lang, id))
	}
	return out
}

func matterName(cfg *app.Config, lang, code string) string {
	mt, ok := cfg.Matters[code]
	if !ok {
		return code
	}
	if lang == langEn && mt.NameEn != "" {
		return mt.NameEn
	}
	return mt.NameZh
}

// placeOf is where a case is, for a list: its community and address (or grid).
func placeOf(cfg *app.Config, lang string, c *casework.Case) string {
	var parts []string
	if c.Community != "" {
		parts = append(parts, unitName(cfg, lang, c.Community))
	} else if c.Street != "" {
		parts = append(parts, unitName(cfg, lang, c.Street))
	}
	if c.Address != "" && (len(parts) == 0 || c.Address != parts[0]) {
		parts = append(parts, c.Address)
	} else if c.Grid != "" {
		parts = append(parts, unitName(cfg, lang, c.Grid))
	}
	return strings.Join(parts, " · ")
}

// limitText is a time limit such as "2 工作日" or "2 working days".
func limitText(lang string, l calendar.Limit) string {
	return strconv.Itoa(l.Amount) + " " + t(lang, "unit."+string(l.Unit))
}
