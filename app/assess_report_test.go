package app_test

import (
	"context"
	"fmt"
	"testing"

	"civicgrid"
	"civicgrid/assess"
	"civicgrid/store/storetest"
)

// TestMonthlyReportByConstruction reads March 2026 of the indicator scenario for 友谊路 and for its
// 城管 squad.
//
// 友谊路 (all cases but I): 结案 7/8, 按期结案 6/7, 准确立案 9/11 (F, M voided), 返工 1/7, 满意 2/3
// (A, C of A C K). Territorial composite: 30·7/8 + 25·6/7 + 15·9/11 + 15·6/7 + 15·2/3 = 82.81, B;
// 吴淞 (I alone, every criterion 1) is first with 100. Street scheme (version 0, no evaluation):
// 10·7/8 + 5·9/11 + 5·1 (派遣 10/10) + 5·1 (核查 8/8) + 10·9/10 (响应: K's new sign run late) +
// 10·5/7 (解决: A C D E B of A C D E B H K) + 10·6/7 + 10·6/7 + 15·2/3 = 66.13 of 80 = 82.66, B, second.
// Overdue in March: B, H and K, all in its territory; their marks were against the squad.
//
// The squad: 承办按期结案 6/7, 按时处置 7/9, 1−返工 6/7, the only volume (1):
// 30·6/7 + 30·7/9 + 20·6/7 + 20 = 86.19, B, first of the street's three squads; B, H and K ran
// overdue while with it.
func TestMonthlyReportByConstruction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := context.Background()
		ids := scenario(t, e)
		rep, err := e.app.MonthlyReport(ctx, e.user("youyi.leader"), youyiStreet, "2026-03")
		if err != nil {
			t.Fatal(err)
		}
		if x := rep.Indicators.Territory; x.Received != 12 || x.Closed != 7 || x.Due != 8 || x.Overdue != 3 {
			t.Errorf("indicators %s", show(x))
		}
		standing := func(st []string) string { return fmt.Sprint(st) }
		var got []string
		for _, s := range rep.Standings {
			got = append(got, fmt.Sprint(s.Kind, " ", s.Of.ID, " ", s.Units, " ", s.Ranked, " ", val(s.Row.Rank), " ", val(s.Row.Score), " ", s.Row.Grade, " ", s.Scheme.Version))
		}
		want := []string{"territory 310113000000 5 2 2 82.81 B 0", "street 310113000000 5 2 2 82.66 B 0"}
		if standing(got) != standing(want) {
			t.Errorf("standings\n got %v\nwant %v", got, want)
		}
		var over []string
		for _, c := range rep.Overdue {
			over = append(over, fmt.Sprint(c.ID, " ", c.Basis, " ", c.Assignee))
		}
		wantOver := []string{fmt.Sprint(ids["B"], " 属地 ", youyiSquad), fmt.Sprint(ids["H"], " 属地 ", youyiSquad), fmt.Sprint(ids["K"], " 属地 ", youyiSquad)}
		if fmt.Sprint(over) != fmt.Sprint(wantOver) {
			t.Errorf("overdue\n got %v\nwant %v", over, wantOver)
		}
		sheets := rep.Sheets(e.app.LedgerNames())
		var names []string
		for _, s := range sheets {
			names = append(names, s.Name)
			for i, r := range s.Rows {
				if len(r) != len(s.Columns) {
					t.Errorf("%s row %d: %d cells for %d columns", s.Name, i, len(r), len(s.Columns))
				}
			}
		}
		if fmt.Sprint(names) != "[考核指标 综合得分 排名 一票否决 下对上评价 超期案件]" {
			t.Errorf("sheets %v", names)
		}
		// 综合得分: five parts and a total for the territory, ten parts and a total for the street.
		if comp := sheets[1].Rows; len(comp) != 17 || comp[5][8].String() != "82.81" || comp[16][8].String() != "82.66" || comp[16][9].String() != "B" {
			t.Errorf("composite sheet: %d rows", len(comp))
		}
		if r := sheets[2].Rows; len(r) != 2 || r[1][5].String() != "2" || r[1][2].String() != "宝山区" {
			t.Errorf("ranking sheet %v", r)
		}
		if o := sheets[5].Rows; len(o) != 3 || o[0][8].String() != "属地" {
			t.Errorf("overdue sheet %v", o)
		}

		sq, err := e.app.MonthlyReport(ctx, e.user("chengguan.youyi.handler"), youyiSquad, "2026-03")
		if err != nil {
			t.Fatal(err)
		}
		if len(sq.Standings) != 1 || sq.Standings[0].Kind != assess.RankDepartment || val(sq.Standings[0].Row.Score) != 86.19 ||
			val(sq.Standings[0].Row.Rank) != 1 || sq.Standings[0].Units != 3 {
			t.Errorf("squad standing %+v", sq.Standings)
		}
		if len(sq.Overdue) != 3 || sq.Overdue[0].Basis != "承办" {
			t.Errorf("squad overdue %+v", sq.Overdue)
		}

		// Out of scope, a month not begun.
		if _, err := e.app.MonthlyReport(ctx, e.user("youyi.leader"), wusongStreet, "2026-03"); !civicgrid.IsCode(err, civicgrid.ENOTFOUND) {
			t.Errorf("another street: %v", err)
		}
		if _, err := e.app.MonthlyReport(ctx, e.user("youyi.leader"), youyiStreet, "2026-05"); !civicgrid.IsCode(err, civicgrid.EINVALID) || fieldOf(err) != "month" {
			t.Errorf("May: %v", err)
		}
		if ex, _ := e.app.DB.AuditLog(ctx, "export", 10); len(ex) != 2 || ex[0].Object != "monthly_report/"+youyiSquad {
			t.Errorf("exports logged %+v", ex)
		}
	})
}
