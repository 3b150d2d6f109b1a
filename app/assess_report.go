package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"civicgrid"
	"civicgrid/assess"
	"civicgrid/assess/ledger"
	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/org"
	"civicgrid/store"
)

// The monthly report (月度考核报告) of a unit: its indicators, its composites with their parts,
// its places in the rankings it takes part in, the veto items entered against it, the evaluations
// given to it or by the communities below it, and the cases that ran overdue with it in the month.
// Every table is built from the same computations as the API; the web layer streams them as one
// workbook or one CSV.

// ReportSheet is one table of a report.
type ReportSheet struct {
	Name    string
	Columns []ledger.Column
	Rows    [][]ledger.Cell
}

// Standing is a unit's place in one ranking: its row, the scheme and how many units were ranked.
type Standing struct {
	Kind   assess.RankingKind
	Of     assess.Unit // the unit below which the ranking compares
	Scheme assess.Scheme
	Ranked int // units with a rank
	Units  int // units compared
	Row    RankingRow
}

// MonthlyReport is what the report holds.
type MonthlyReport struct {
	Unit        assess.Unit
	Period      assess.Period
	Indicators  assess.Indicators
	Standings   []Standing
	Vetoes      []store.VetoEntry
	Evaluations []store.Evaluation
	Overdue     []OverdueCase
}

// OverdueCase is a case that ran overdue in the month with the unit: in its territory (属地) or
// while assigned to it (承办).
type OverdueCase struct {
	ID         int64
	MatterCode string
	Territory  string // the unit code holding the case (its grid)
	Assignee   string // the unit that had to act at the first overdue mark of the month, if any
	State      casework.State
	ReportedAt time.Time
	OverdueAt  time.Time // the first overdue mark of the month
	Basis      string    // 属地, 承办 or 属地/承办
}

// MaxReportCases bounds the overdue cases one report lists.
const MaxReportCases = 20000

// MonthlyReport gathers the report of a unit the principal may see for a month that has begun.
// The unit's places in the rankings of its peers are given without showing the peers.
func (a *App) MonthlyReport(ctx context.Context, p Principal, unit, month string) (*MonthlyReport, error) {
	u, err := a.visibleUnit(ctx, p, unit, "monthly report")
	if err != nil {
		return nil, err
	}
	period, err := a.monthOf(month, "month")
	if err != nil {
		return nil, err
	}
	rep := &MonthlyReport{Unit: assess.UnitOf(u), Period: period}
	ctx, memo := withIndicatorMemo(ctx)
	tree := a.Config().Tree
	type peers struct {
		kind assess.RankingKind
		of   *org.Unit
	}
	var rankings []peers
	if u.Kind == org.Department {
		if t, ok := tree.Unit(u.Territory); ok {
			rankings = append(rankings, peers{assess.RankDepartment, t})
		}
	} else if parent, ok := tree.Unit(u.Parent); ok {
		rankings = append(rankings, peers{assess.RankTerritory, parent})
		if u.Kind == org.Street || u.Kind == org.Town {
			rankings = append(rankings, peers{assess.RankStreet, parent})
		}
	}
	for _, r := range rankings {
		rk, err := a.ranking(ctx, r.of, RankingQuery{Unit: r.of.ID, Period: period, Kind: r.kind})
		if err != nil {
			return nil, err
		}
		st := Standing{Kind: r.kind, Of: assess.UnitOf(r.of), Scheme: rk.Scheme, Units: len(rk.Rows)}
		for _, row := range rk.Rows {
			if row.Rank != nil {
				st.Ranked++
			}
			if row.Unit.ID == u.ID {
				st.Row = row
			}
		}
		rep.Standings = append(rep.Standings, st)
	}
	// The unit's own indicators came with its peers' when it was ranked.
	if x, ok := memo.find(u.ID, period); ok {
		rep.Indicators = x
	} else {
		xs, err := a.indicatorsOf(ctx, []assess.Unit{rep.Unit}, period, assess.DefaultWeights)
		if err != nil {
			return nil, err
		}
		rep.Indicators = xs[0]
	}
	if rep.Vetoes, err = a.DB.Vetoes(ctx, store.VetoFilter{Paths: []string{u.Path}, Period: period.Name, Withdrawn: true}); err != nil {
		return nil, err
	}
	if rep.Evaluations, err = a.DB.Evaluations(ctx, store.EvaluationFilter{Period: period.Name, Paths: []string{u.Path}}, a.unitPath); err != nil {
		return nil, err
	}
	err = a.DB.EachHistory(ctx, store.HistoryScope{Path: u.Path, From: period.From, To: period.To}, func(events []casework.Event) error {
		f, err := assess.Fold(events)
		if err != nil {
			return err
		}
		var first *assess.Occurrence
		territory, assignee := false, false
		for i, o := range f.Overdues {
			if !period.Contains(o.At) {
				continue
			}
			if first == nil {
				first = &f.Overdues[i]
			}
			territory = territory || org.Contains(u.Path, f.TerritoryPath)
			assignee = assignee || org.Contains(u.Path, o.UnitPath)
		}
		if first == nil || (!territory && !assignee) {
			return nil
		}
		if len(rep.Overdue) == MaxReportCases {
			return civicgrid.Errorf(civicgrid.ETOOLARGE, "more than %d cases ran overdue under %s in %s: ask for a unit further down", MaxReportCases, u.ID, period.Name).WithDetail("field", "unit")
		}
		c := OverdueCase{ID: f.ID, MatterCode: f.MatterCode, State: f.State, ReportedAt: f.ReportedAt, OverdueAt: first.At}
		if ids := org.IDsOnPath(f.TerritoryPath); len(ids) > 0 {
			c.Territory = ids[len(ids)-1]
		}
		if ids := org.IDsOnPath(first.UnitPath); len(ids) > 0 {
			c.Assignee = ids[len(ids)-1]
		}
		switch {
		case territory && assignee:
			c.Basis = "属地/承办"
		case territory:
			c.Basis = "属地"
		default:
			c.Basis = "承办"
		}
		rep.Overdue = append(rep.Overdue, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := a.DB.Audit(ctx, store.AuditEntry{UserID: p.UserID(), Actor: p.Name(), Kind: "export", Object: "monthly_report/" + u.ID,
		Detail: "month=" + period.Name}); err != nil {
		return nil, err
	}
	return rep, nil
}

// kindNames are the Chinese names of the ranking kinds, for reports.
var kindNames = map[assess.RankingKind]string{
	assess.RankTerritory: "属地综合评价", assess.RankDepartment: "部门综合评价", assess.RankStreet: "街道百分制考核",
}

// Sheets lays the report out as tables with Chinese headers.
func (r *MonthlyReport) Sheets(names LedgerNamer) []ReportSheet {
	label := assess.PeriodLabel(r.Period)
	opt := func(v *float64, dec int) ledger.Cell {
		if v == nil {
			return ledger.Empty()
		}
		return ledger.Number(*v, dec)
	}
	optInt := func(v *int) ledger.Cell {
		if v == nil {
			return ledger.Empty()
		}
		return ledger.Int(int64(*v))
	}
	t := func(at time.Time) ledger.Cell { return ledger.Text(at.In(calendar.China).Format("2006-01-02 15:04")) }
	unitName := func(id string) string {
		if n, ok := names.Unit(id); ok {
			return n
		}
		return id
	}

	ind := ReportSheet{Name: "考核指标", Columns: assess.IndicatorColumns, Rows: [][]ledger.Cell{assess.IndicatorRow(r.Period, r.Indicators)}}

	comp := ReportSheet{Name: "综合得分", Columns: []ledger.Column{
		{Header: "统计期", Width: 10}, {Header: "评价类型", Width: 14}, {Header: "评价方案", Width: 18}, {Header: "方案版本", Width: 9},
		{Header: "板块", Width: 14}, {Header: "指标", Width: 16}, {Header: "权重/分值", Width: 10}, {Header: "指标值(%)", Width: 10},
		{Header: "综合得分", Width: 10}, {Header: "等级", Width: 6}, {Header: "一票否决", Width: 24},
	}}
	rank := ReportSheet{Name: "排名", Columns: []ledger.Column{
		{Header: "统计期", Width: 10}, {Header: "评价类型", Width: 14}, {Header: "比较范围", Width: 20}, {Header: "参评单位数", Width: 10},
		{Header: "有排名单位数", Width: 12}, {Header: "排名", Width: 6}, {Header: "综合得分", Width: 10}, {Header: "等级", Width: 6},
		{Header: "上期得分", Width: 10}, {Header: "上期排名", Width: 9}, {Header: "名次变化", Width: 9}, {Header: "一票否决", Width: 24},
	}}
	for _, s := range r.Standings {
		kind := kindNames[s.Kind]
		for _, part := range s.Row.Parts {
			section := ""
			for _, w := range s.Scheme.Weights {
				if w.Criterion == part.Criterion {
					section = w.Section
				}
			}
			var v *float64
			if part.Value != nil {
				x := 100 * *part.Value
				v = &x
			}
			comp.Rows = append(comp.Rows, []ledger.Cell{ledger.Text(label), ledger.Text(kind), ledger.Text(s.Scheme.Name), ledger.Int(int64(s.Scheme.Version)),
				ledger.Text(section), ledger.Text(assess.CriterionNames[part.Criterion]), ledger.Number(part.Weight, 2), opt(v, 2),
				ledger.Empty(), ledger.Empty(), ledger.Empty()})
		}
		vetoes := assess.VetoNames(s.Scheme, s.Row.Vetoed)
		comp.Rows = append(comp.Rows, []ledger.Cell{ledger.Text(label), ledger.Text(kind), ledger.Text(s.Scheme.Name), ledger.Int(int64(s.Scheme.Version)),
			ledger.Text("合计"), ledger.Empty(), ledger.Empty(), ledger.Empty(), opt(s.Row.Score, 2), ledger.Text(s.Row.Grade), ledger.Text(vetoes)})
		rank.Rows = append(rank.Rows, []ledger.Cell{ledger.Text(label), ledger.Text(kind), ledger.Text(s.Of.Name), ledger.Int(int64(s.Units)),
			ledger.Int(int64(s.Ranked)), optInt(s.Row.Rank), opt(s.Row.Score, 2), ledger.Text(s.Row.Grade),
			opt(s.Row.PreviousScore, 2), optInt(s.Row.PreviousRank), optInt(s.Row.Change), ledger.Text(vetoes)})
	}

	veto := ReportSheet{Name: "一票否决", Columns: []ledger.Column{
		{Header: "编号", Width: 6}, {Header: "统计期", Width: 10}, {Header: "单位编码", Width: 16}, {Header: "单位名称", Width: 20},
		{Header: "否决事项", Width: 14}, {Header: "事实与证据", Width: 40}, {Header: "图片", Width: 20}, {Header: "文件", Width: 24},
		{Header: "录入人", Width: 16}, {Header: "录入时间", Width: 17}, {Header: "状态", Width: 8}, {Header: "撤销人", Width: 16},
		{Header: "撤销时间", Width: 17}, {Header: "撤销理由", Width: 30},
	}}
	for _, v := range r.Vetoes {
		state, by, at, why := "有效", ledger.Empty(), ledger.Empty(), ledger.Empty()
		if v.WithdrawnAt != nil {
			state, by, at, why = "已撤销", ledger.Text(v.WithdrawnBy), t(*v.WithdrawnAt), ledger.Text(v.WithdrawReason)
		}
		veto.Rows = append(veto.Rows, []ledger.Cell{ledger.Int(v.ID), ledger.Text(v.Period), ledger.Text(v.Unit), ledger.Text(unitName(v.Unit)),
			ledger.Text(v.Item), ledger.Text(v.Evidence), ledger.Text(strings.Join(v.Media, " ")), ledger.Text(v.Document),
			ledger.Text(v.CreatedBy), t(v.CreatedAt), ledger.Text(state), by, at, why})
	}

	eval := ReportSheet{Name: "下对上评价", Columns: []ledger.Column{
		{Header: "编号", Width: 6}, {Header: "统计期", Width: 10}, {Header: "评价社区", Width: 16}, {Header: "社区名称", Width: 20},
		{Header: "被评单位", Width: 24}, {Header: "单位名称", Width: 24}, {Header: "得分", Width: 8}, {Header: "等级", Width: 10},
		{Header: "意见", Width: 40}, {Header: "评价人", Width: 16}, {Header: "评价时间", Width: 17},
	}}
	levels := map[string]string{"excellent": "优秀", "good": "良好", "fair": "一般", "poor": "较差", "bad": "差"}
	for _, e := range r.Evaluations {
		eval.Rows = append(eval.Rows, []ledger.Cell{ledger.Int(e.ID), ledger.Text(e.Period), ledger.Text(e.Community), ledger.Text(unitName(e.Community)),
			ledger.Text(e.Target), ledger.Text(unitName(e.Target)), ledger.Number(e.Score, 2), ledger.Text(levels[e.Level]),
			ledger.Text(e.Comment), ledger.Text(e.CreatedBy), t(e.CreatedAt)})
	}

	over := ReportSheet{Name: "超期案件", Columns: []ledger.Column{
		{Header: "案件编号", Width: 10}, {Header: "事项编码", Width: 9}, {Header: "事项名称", Width: 16}, {Header: "所属网格", Width: 28},
		{Header: "承办单位", Width: 28}, {Header: "状态", Width: 10}, {Header: "上报时间", Width: 17}, {Header: "本月首次超期", Width: 17},
		{Header: "口径", Width: 10},
	}}
	slices.SortFunc(r.Overdue, func(x, y OverdueCase) int { return int(x.ID - y.ID) })
	for _, c := range r.Overdue {
		matter, _ := names.Matter(c.MatterCode)
		assignee := ""
		if c.Assignee != "" {
			assignee = unitName(c.Assignee)
		}
		over.Rows = append(over.Rows, []ledger.Cell{ledger.Int(c.ID), ledger.Text(c.MatterCode), ledger.Text(matter), ledger.Text(unitName(c.Territory)),
			ledger.Text(assignee), ledger.Text(assess.StateName(c.State)), t(c.ReportedAt), t(c.OverdueAt), ledger.Text(c.Basis)})
	}
	return []ReportSheet{ind, comp, rank, veto, eval, over}
}

// LedgerNamer resolves codes to names (assess.Names).
type LedgerNamer = assess.Names

// ReportName is the file name (without extension) of a unit's monthly report.
func ReportName(u assess.Unit, p assess.Period) string {
	return fmt.Sprintf("monthly-%s-%s", u.ID, p.Name)
}
