package assess

import (
	"time"

	"civicgrid/assess/ledger"
	"civicgrid/calendar"
	"civicgrid/casework"
	"civicgrid/catalog"
	"civicgrid/org"
)

// The two ledgers (台账) generated from the record: the indicators of a unit and its children, and
// the case list. Headers are Chinese; rates are percentages with two decimals; times are China
// time.

// IndicatorColumns are the columns of the indicator ledger.
var IndicatorColumns = []ledger.Column{
	{Header: "统计期", Width: 24}, {Header: "单位编码", Width: 24}, {Header: "单位名称", Width: 30}, {Header: "单位类型", Width: 8},
	// 属地口径
	{Header: "受理量", Width: 8}, {Header: "立案数", Width: 8}, {Header: "不予立案数", Width: 10}, {Header: "作废数", Width: 8},
	{Header: "准确立案率(%)", Width: 13}, {Header: "按时派遣率(%)", Width: 13}, {Header: "结案数", Width: 8}, {Header: "应结案数", Width: 9},
	{Header: "结案率(%)", Width: 10}, {Header: "按期结案率(%)", Width: 13}, {Header: "返工率(%)", Width: 10}, {Header: "按时核查率(%)", Width: 13},
	{Header: "超期数", Width: 8}, {Header: "督办数", Width: 8},
	// 承办口径
	{Header: "承办派遣数", Width: 10}, {Header: "退回率(%)", Width: 10}, {Header: "延期率(%)", Width: 10}, {Header: "按时签收率(%)", Width: 13},
	{Header: "按时处置率(%)", Width: 13}, {Header: "平均处置时长(工作小时)", Width: 20}, {Header: "承办结案数", Width: 10},
	{Header: "承办应结案数", Width: 12}, {Header: "承办结案率(%)", Width: 13}, {Header: "承办按期结案率(%)", Width: 17}, {Header: "承办返工率(%)", Width: 13}, {Header: "承办超期数", Width: 10},
	// 诉求三率
	{Header: "诉求量", Width: 8}, {Header: "响应率(%)", Width: 10}, {Header: "解决率(%)", Width: 10}, {Header: "满意率(%)", Width: 10},
	{Header: "三率综合得分", Width: 12},
}

// PeriodLabel names a period in a ledger: its name, or the range in China time.
func PeriodLabel(p Period) string {
	if p.Name != "" {
		return p.Name
	}
	return p.From.In(calendar.China).Format("2006-01-02 15:04") + " 至 " + p.To.In(calendar.China).Format("2006-01-02 15:04")
}

// IndicatorRow is one unit's row of the indicator ledger.
func IndicatorRow(p Period, x Indicators) []ledger.Cell {
	n := func(v int) ledger.Cell { return ledger.Int(int64(v)) }
	t, a, h := x.Territory, x.Assignee, x.Hotline
	return []ledger.Cell{
		ledger.Text(PeriodLabel(p)), ledger.Text(x.Unit.ID), ledger.Text(x.Unit.Name), ledger.Text(KindName(x.Unit.Kind)),
		n(t.Received), n(t.Filed), n(t.Rejected), n(t.Voided), pct(t.AccurateFilingRate), pct(t.OnTimeDispatchRate),
		n(t.Closed), n(t.Due), pct(t.ClosureRate), pct(t.OnTimeClosureRate), pct(t.ReworkRate), pct(t.OnTimeCheckRate),
		n(t.Overdue), n(t.Supervisions),
		n(a.Dispatched), pct(a.ReturnRate), pct(a.ExtensionRate), pct(a.OnTimeSignRate), pct(a.OnTimeHandleRate),
		num(a.HandlingHoursAvg, 2), n(a.Closed), n(a.Due), pct(a.ClosureRate), pct(a.OnTimeClosureRate), pct(a.ReworkRate), n(a.Overdue),
		n(h.Requests), pct(h.ResponseRate), pct(h.ResolutionRate), pct(h.SatisfactionRate), num(h.Score, 2),
	}
}

// pct is a rate as a percentage with two decimals; no rate is an empty cell.
func pct(r *float64) ledger.Cell {
	if r == nil {
		return ledger.Empty()
	}
	return ledger.Number(*r*100, 2)
}

func num(v *float64, decimals int) ledger.Cell {
	if v == nil {
		return ledger.Empty()
	}
	return ledger.Number(*v, decimals)
}

// CaseColumns are the columns of the case ledger.
var CaseColumns = []ledger.Column{
	{Header: "案件编号", Width: 10}, {Header: "跟踪码", Width: 14}, {Header: "状态", Width: 8}, {Header: "事项编码", Width: 9},
	{Header: "事项名称", Width: 16}, {Header: "紧急程度", Width: 9}, {Header: "来源渠道", Width: 10}, {Header: "标题", Width: 24},
	{Header: "问题描述", Width: 40}, {Header: "地址", Width: 30}, {Header: "所属网格", Width: 28}, {Header: "所属社区", Width: 20},
	{Header: "所属街道", Width: 12}, {Header: "发起单位", Width: 20}, {Header: "承办单位", Width: 28}, {Header: "上报时间", Width: 19},
	{Header: "立案时间", Width: 19}, {Header: "派遣时间", Width: 19}, {Header: "处置时间", Width: 19}, {Header: "结案时间", Width: 19},
	{Header: "灯色", Width: 6}, {Header: "是否超期", Width: 9}, {Header: "退回次数", Width: 9}, {Header: "延期次数", Width: 9},
	{Header: "返工次数", Width: 9}, {Header: "督办次数", Width: 9}, {Header: "督办级别", Width: 9}, {Header: "评价", Width: 9},
}

// Names resolves codes to the names a ledger shows; a code it does not know is shown as it is.
type Names struct {
	Unit   func(id string) (string, bool)
	Matter func(code string) (string, bool)
}

func (n Names) unit(id string) string {
	if id == "" {
		return ""
	}
	if n.Unit != nil {
		if s, ok := n.Unit(id); ok {
			return s
		}
	}
	return id
}

func (n Names) matter(code string) string {
	if n.Matter != nil {
		if s, ok := n.Matter(code); ok {
			return s
		}
	}
	return code
}

// CaseRow is one case's row of the case ledger. It holds no personal data of the reporter.
func CaseRow(c *casework.Case, names Names) []ledger.Cell {
	i := func(v int) ledger.Cell { return ledger.Int(int64(v)) }
	txt := ledger.Text
	overdue := "否"
	if c.Overdue {
		overdue = "是"
	}
	return []ledger.Cell{
		ledger.Int(c.ID), txt(c.TrackingCode), txt(zh(stateNames, string(c.State))), txt(c.MatterCode),
		txt(names.matter(c.MatterCode)), txt(zh(urgencyNames, string(c.Urgency))), txt(zh(channelNames, string(c.Channel))), txt(c.Title),
		txt(c.Description), txt(c.Address), txt(names.unit(c.Grid)), txt(names.unit(c.Community)),
		txt(names.unit(c.Street)), txt(names.unit(c.Originator)), txt(names.unit(c.Assignee)), txt(when(&c.ReportedAt)),
		txt(when(c.FiledAt)), txt(when(c.DispatchedAt)), txt(when(c.HandledAt)), txt(when(c.ClosedAt)),
		txt(zh(lightNames, string(c.Light))), txt(overdue), i(c.ReturnCount), i(c.ExtensionCount),
		i(c.ReworkCount), i(c.SupervisionCount), txt(zh(supervisionNames, string(c.Supervision))), txt(zh(ratingNames, string(c.Rating))),
	}
}

func when(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(calendar.China).Format("2006-01-02 15:04:05")
}

func zh(names map[string]string, code string) string {
	if s, ok := names[code]; ok {
		return s
	}
	return code
}

// KindName is the Chinese name of a unit kind.
func KindName(k org.Kind) string { return zh(kindNames, string(k)) }

var (
	kindNames = map[string]string{string(org.City): "市", string(org.District): "区", string(org.Street): "街道", string(org.Town): "镇",
		string(org.Community): "社区", string(org.Grid): "网格", string(org.Department): "部门"}
	stateNames = map[string]string{
		string(casework.Reported): "待受理", string(casework.Confirming): "核实中", string(casework.Filed): "待派遣",
		string(casework.Rejected): "不予立案", string(casework.Dispatched): "待签收", string(casework.Handling): "处置中",
		string(casework.Handled): "处置完毕", string(casework.Checking): "核查中", string(casework.Closed): "结案",
		string(casework.Rework): "返工", string(casework.Returned): "退回", string(casework.Suspended): "挂账", string(casework.Voided): "作废",
	}
	channelNames = map[string]string{
		string(casework.ChannelPatrol): "网格巡查", string(casework.ChannelCommunity): "社区上报", string(casework.ChannelPortal): "居民门户",
		string(casework.ChannelOpen311): "Open311", string(casework.ChannelHotline): "热线", string(casework.ChannelSensor): "感知设备",
		string(casework.ChannelImport): "批量导入",
	}
	urgencyNames     = map[string]string{string(catalog.Normal): "一般", string(catalog.Urgent): "紧急", string(catalog.Critical): "非常紧急"}
	lightNames       = map[string]string{string(casework.Green): "绿", string(casework.Yellow): "黄", string(casework.Red): "红"}
	supervisionNames = map[string]string{string(casework.SuperviseNormal): "一般督办", string(casework.SuperviseYellow): "黄牌", string(casework.SuperviseRed): "红牌"}
	ratingNames      = map[string]string{string(casework.Satisfied): "满意", string(casework.BasicSatisfied): "基本满意", string(casework.Dissatisfied): "不满意"}
)
