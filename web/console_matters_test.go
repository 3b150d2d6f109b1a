package web

import (
	"slices"
	"strings"
	"testing"

	"civicgrid/app"
	"civicgrid/catalog"
)

// seedConfig is a configuration holding the seed catalogue, as a new platform starts with it.
func seedConfig(extra ...catalog.MatterType) *app.Config {
	cfg := &app.Config{Matters: map[string]*catalog.MatterType{}}
	for _, mt := range append(catalog.Seed(), extra...) {
		cfg.Matters[mt.Code] = &mt
	}
	return cfg
}

// searchNames runs a query and returns the Chinese names found, best first.
func searchNames(cfg *app.Config, q string) []string {
	var out []string
	for _, h := range matterIndexOf(cfg).search(q) {
		out = append(out, cfg.Matters[h.Code].NameZh)
	}
	return out
}

// TestMatterSearchPinyin: on the real catalogue, pinyin initials and abbreviations find the types
// a grid worker means, best matches first; Chinese, codes and English work too; nonsense finds
// nothing; and a type an administrator adds is found by its pinyin without anything generated.
func TestMatterSearchPinyin(t *testing.T) {
	cfg := seedConfig()
	covers := []string{"上水井盖", "污水井盖", "雨水井盖", "电力井盖", "通信井盖", "燃气井盖", "无主井盖"}
	for _, q := range []string{"jg", "jgg", "JG", "j g", "jinggai", "jgai", "井盖"} {
		got := searchNames(cfg, q)
		for _, want := range covers {
			if !slices.Contains(got, want) {
				t.Errorf("%q finds %v, which lacks %s", q, got, want)
			}
		}
		for _, name := range got {
			// Short abbreviations find other names too (景观灯光 is j·g·g as well); longer ones do not.
			if !strings.Contains(name, "井") && len(q) > 3 {
				t.Errorf("%q finds %s, which is no cover", q, name)
			}
		}
	}
	// zd: 占道经营 starts with it and comes before the types that only contain it.
	got := searchNames(cfg, "zd")
	for _, want := range []string{"占道经营", "占道广告牌", "违规占道施工"} {
		if !slices.Contains(got, want) {
			t.Errorf("zd finds %v, which lacks %s", got, want)
		}
	}
	if i, j := slices.Index(got, "占道经营"), slices.Index(got, "违规占道施工"); i > j {
		t.Errorf("zd ranks 违规占道施工 (%d) before 占道经营 (%d): %v", j, i, got)
	}
	if got := searchNames(cfg, "zdjy"); len(got) == 0 || got[0] != "占道经营" {
		t.Errorf("zdjy finds %v, want 占道经营 first", got)
	}
	// A keyword: 路边摊 is a keyword of 占道经营.
	if got := searchNames(cfg, "lbt"); !slices.Contains(got, "占道经营") {
		t.Errorf("lbt (路边摊) finds %v", got)
	}
	if got := searchNames(cfg, "E0502"); len(got) == 0 || got[0] != "占道经营" {
		t.Errorf("the code finds %v", got)
	}
	if got := searchNames(cfg, "manhole"); !slices.Contains(got, "燃气井盖") {
		t.Errorf("English finds %v", got)
	}
	for _, q := range []string{"", "   ", "xqxqxq", "'';--", strings.Repeat("a", 5000)} {
		if got := searchNames(cfg, q); len(got) != 0 {
			t.Errorf("%.20q finds %v", q, got)
		}
	}
	// Added at run time: found by its initials at once.
	added := catalog.MatterType{Code: "E9901", NameZh: "共享充电桩损坏", NameEn: "Shared charger broken", Active: true}
	cfg2 := seedConfig(added)
	if got := searchNames(cfg2, "gxcdz"); len(got) != 1 || got[0] != "共享充电桩损坏" {
		t.Errorf("an added type: gxcdz finds %v", got)
	}
	if got := searchNames(cfg, "gxcdz"); len(got) != 0 {
		t.Errorf("the old configuration finds %v", got)
	}
}

// TestSyllablesAbbreviation: the matching rule itself, on hand-made readings.
func TestSyllablesAbbreviation(t *testing.T) {
	s := syllablesOf("雨水井盖LED")
	if init := s.initials(); init != "ysjgl" {
		t.Fatalf("initials %q", init)
	}
	for q, want := range map[string]bool{"jg": true, "jgg": true, "jingg": true, "yjg": false, "sjgled": true, "gl": true, "jgx": false, "ge": true} {
		if any, _ := s.abbreviatedBy(q); any != want {
			t.Errorf("%q abbreviates 雨水井盖LED: %v, want %v", q, any, want)
		}
	}
}

// TestMatterSearchRanking: exact initials come before looser abbreviations, so that "jg" lists
// the 井盖 types (j·g of two syllables) before names that merely hold one syllable with a j and a g
// (店外经营: jing).
func TestMatterSearchRanking(t *testing.T) {
	got := searchNames(seedConfig(), "jg")
	last := -1
	for i, name := range got {
		if strings.HasSuffix(name, "井盖") {
			last = i
		}
	}
	if i := slices.Index(got, "店外经营"); i >= 0 && i < last {
		t.Errorf("jg ranks 店外经营 (%d) before a cover (%d): %v", i, last, got)
	}
	if len(got) == 0 || got[0] != "景观灯光" {
		t.Errorf("jg: the name that starts with j·g should lead: %v", got)
	}
}
