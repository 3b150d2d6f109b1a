package assess_test

import (
	"testing"

	"civicgrid/assess"
	"civicgrid/casework"
)

func TestLedgerRows(t *testing.T) {
	p, _ := assess.ParsePeriod("2026-03")
	x := aggregate(t, p, onTimeStory(t))[districtID]
	row := assess.IndicatorRow(p, x)
	if len(row) != len(assess.IndicatorColumns) {
		t.Fatalf("an indicator row has %d cells for %d columns", len(row), len(assess.IndicatorColumns))
	}
	byHeader := map[string]string{}
	for i, c := range assess.IndicatorColumns {
		byHeader[c.Header] = row[i].String()
	}
	for h, want := range map[string]string{"统计期": "2026-03", "单位名称": "宝山区", "单位类型": "区", "受理量": "1", "结案率(%)": "100",
		"返工率(%)": "0", "平均处置时长(工作小时)": "2.5", "退回率(%)": "0", "满意率(%)": "100", "三率综合得分": "100"} {
		if byHeader[h] != want {
			t.Errorf("%s = %q, want %q", h, byHeader[h], want)
		}
	}
	custom, _ := assess.CustomPeriod(cst(3, 1, 8, 0), cst(3, 2, 8, 0))
	if got := assess.PeriodLabel(custom); got != "2026-03-01 08:00 至 2026-03-02 08:00" {
		t.Errorf("custom period label %q", got)
	}

	c := onTimeStory(t).c
	names := assess.Names{Unit: func(id string) (string, bool) {
		return map[string]string{squadID: "友谊路中队"}[id], id == squadID
	}}
	cells := assess.CaseRow(c, names)
	if len(cells) != len(assess.CaseColumns) {
		t.Fatalf("a case row has %d cells for %d columns", len(cells), len(assess.CaseColumns))
	}
	got := map[string]string{}
	for i, col := range assess.CaseColumns {
		got[col.Header] = cells[i].String()
	}
	for h, want := range map[string]string{"案件编号": "1", "状态": "结案", "来源渠道": "热线", "承办单位": "友谊路中队", "发起单位": districtID,
		"上报时间": "2026-03-02 09:00:00", "结案时间": "2026-03-02 15:00:00", "评价": "满意", "是否超期": "否", "紧急程度": "一般"} {
		if got[h] != want {
			t.Errorf("%s = %q, want %q", h, got[h], want)
		}
	}
	// Every state and channel has its Chinese name.
	for _, s := range casework.States {
		if r := assess.CaseRow(&casework.Case{State: s}, assess.Names{}); r[2].String() == string(s) {
			t.Errorf("state %s has no Chinese name", s)
		}
	}
	for _, ch := range casework.Channels {
		if r := assess.CaseRow(&casework.Case{Channel: ch}, assess.Names{}); r[6].String() == string(ch) && ch != casework.ChannelOpen311 {
			t.Errorf("channel %s has no Chinese name", ch)
		}
	}
}
