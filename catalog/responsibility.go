package catalog

// DeptKind is a kind of functional department (条) named by responsibility entries.
type DeptKind struct {
	Kind   string `json:"kind"`
	NameZh string `json:"name_zh"`
	NameEn string `json:"name_en"`
}

// DeptKinds are the department kinds the seed responsibility list names, in display order.
var DeptKinds = []DeptKind{
	{"chengguan", "城管执法", "Urban management and law enforcement"},
	{"greening", "绿化市容", "Greening and city appearance"},
	{"housing", "房屋管理", "Housing administration"},
	{"water", "水务", "Water affairs"},
	{"market", "市场监管", "Market regulation"},
	{"police", "公安", "Public security"},
	{"environment", "生态环境", "Ecology and environment"},
	{"transport", "交通", "Transport and roads"},
	{"construction", "建设管理", "Construction administration"},
	{"utilities", "公用事业", "Public utilities (gas, power, telecom, post)"},
	{"emergency", "应急管理", "Emergency management"},
	{"fire", "消防救援", "Fire and rescue"},
	{"civil_affairs", "民政", "Civil affairs"},
}

// LookupDeptKind returns the department kind with the given identifier.
func LookupDeptKind(kind string) (DeptKind, bool) {
	for _, k := range DeptKinds {
		if k.Kind == kind {
			return k, true
		}
	}
	return DeptKind{}, false
}

func territory(code string) ResponsibilityEntry {
	return ResponsibilityEntry{MatterCode: code, Mode: Comprehensive, Lead: TerritoryLead}
}

func community(code string) ResponsibilityEntry {
	return ResponsibilityEntry{MatterCode: code, Mode: Comprehensive, Lead: TerritoryLead, LeadLevel: LeadCommunity}
}

func dept(code, kind string) ResponsibilityEntry {
	return ResponsibilityEntry{MatterCode: code, Mode: Professional, Lead: kind}
}

func assisted(code, lead string, assisting ...string) ResponsibilityEntry {
	return ResponsibilityEntry{MatterCode: code, Mode: Assisted, Lead: lead, Assisting: assisting}
}

func (e ResponsibilityEntry) note(s string) ResponsibilityEntry { e.Note = s; return e }

// SeedResponsibilities returns the default responsibility list (权责清单) for the seed catalogue:
// one row per matter type valid everywhere (scope ""). Districts narrow it with scoped rows.
//
// The split follows the street-level lists of the 1+6 reform: matters of street order, sanitation and
// neighbourhood life are comprehensive (the street first); matters of a utility, road or licence
// belong to the competent department; matters where law enforcement and ownership are split across
// several bodies are assisted, with the assisting units named.
func SeedResponsibilities() []ResponsibilityEntry {
	return []ResponsibilityEntry{
		// C01 公用设施
		dept("C0101", "water"),
		dept("C0102", "water"),
		dept("C0103", "water"),
		dept("C0104", "water"),
		dept("C0105", "utilities").note("供电企业养护"),
		dept("C0106", "utilities").note("通信运营企业养护"),
		dept("C0107", "utilities").note("燃气企业养护"),
		assisted("C0108", TerritoryLead, "construction").note("权属不明的井盖由属地街镇先行设置警示并补盖, 建设管理部门认定权属"),
		assisted("C0109", "water", "fire").note("供水企业维修, 消防救援部门核验可用"),
		dept("C0110", "transport").note("路灯管理所养护"),
		dept("C0111", "utilities").note("邮政企业养护"),
		dept("C0112", "transport"),
		dept("C0113", "greening"),
		assisted("C0114", TerritoryLead, "greening"),
		dept("C0115", "utilities"),
		dept("C0116", "utilities"),
		// C02 道路交通
		dept("C0201", "police").note("公安交警部门"),
		dept("C0202", "police").note("公安交警部门"),
		dept("C0203", "transport"),
		dept("C0204", "transport"),
		assisted("C0205", "transport", "police"),
		dept("C0206", "transport"),
		dept("C0207", "transport"),
		dept("C0208", "transport"),
		dept("C0209", "transport"),
		// C03 市容环境
		dept("C0301", "greening"),
		dept("C0302", "greening"),
		assisted("C0303", "greening", TerritoryLead).note("居住区垃圾厢房由属地督促物业整改"),
		dept("C0304", "greening"),
		dept("C0305", "greening"),
		// C04 园林绿化
		dept("C0401", "greening"),
		dept("C0402", "greening"),
		dept("C0403", "greening"),
		dept("C0404", "greening"),
		dept("C0405", "greening"),
		dept("C0406", "greening"),
		// C05 房屋土地
		territory("C0501"),
		assisted("C0502", "housing", TerritoryLead),
		dept("C0503", "housing"),
		territory("C0504"),
		// C06 其他设施
		territory("C0601"),
		assisted("C0602", TerritoryLead, "fire"),
		dept("C0603", "water"),
		dept("C0604", "police"),
		// E01 市容环境
		territory("E0101"),
		assisted("E0102", TerritoryLead, "greening"),
		dept("E0103", "greening"),
		dept("E0104", "water").note("河道保洁"),
		dept("E0105", "greening"),
		assisted("E0106", "chengguan", "environment"),
		territory("E0107"),
		assisted("E0108", "police", TerritoryLead),
		assisted("E0109", TerritoryLead, "chengguan", "greening"),
		// E02 宣传广告
		assisted("E0201", "chengguan", "greening"),
		territory("E0202"),
		dept("E0203", "chengguan"),
		dept("E0204", "chengguan"),
		dept("E0205", "greening"),
		territory("E0206"),
		// E03 施工管理
		assisted("E0301", "chengguan", "construction", "environment"),
		assisted("E0302", "transport", "chengguan"),
		dept("E0303", "chengguan"),
		assisted("E0304", TerritoryLead, "chengguan", "housing").note("拆违属地为主, 城管执法、房屋管理部门依职责查处"),
		dept("E0305", "construction"),
		dept("E0306", "construction"),
		dept("E0307", "housing"),
		dept("E0308", "transport"),
		// E04 突发事件
		assisted("E0401", "transport", "police", "water"),
		dept("E0402", "water"),
		assisted("E0403", "utilities", "fire", "police"),
		dept("E0404", "water"),
		dept("E0405", "fire"),
		dept("E0406", "greening"),
		dept("E0407", "water"),
		dept("E0408", "utilities"),
		assisted("E0409", "housing", "emergency", TerritoryLead),
		assisted("E0410", "emergency", "fire", "environment"),
		assisted("E0411", "market", "fire").note("特种设备安全监管"),
		dept("E0412", "environment"),
		// E05 街面秩序
		dept("E0501", "chengguan"),
		dept("E0502", "chengguan"),
		dept("E0503", "chengguan"),
		territory("E0504"),
		dept("E0505", "police"),
		assisted("E0506", "housing", TerritoryLead, "police").note("综合治理群租, 社区协助排查"),
		dept("E0507", "chengguan"),
		territory("E0508"),
		dept("E0509", "chengguan"),
		assisted("E0510", "civil_affairs", "police"),
		dept("E0511", "transport"),
		territory("E0512"),
		// E06 社会事务
		assisted("E0601", "police", "chengguan", "environment").note("社会生活噪声由公安处置, 商业经营噪声由城管执法, 工业噪声由生态环境"),
		community("E0602").note("人民调解"),
		community("E0603"),
		community("E0604"),
		assisted("E0605", "environment", "chengguan", "market"),
		assisted("E0606", "police", TerritoryLead),
		assisted("E0607", "fire", TerritoryLead),
		community("E0608"),
		community("E0609"),
		dept("E0610", "housing"),
		dept("E0611", "housing"),
		dept("E0612", "market"),
		dept("E0613", "civil_affairs"),
		withLevel(assisted("E0614", TerritoryLead, "housing"), LeadCommunity).note("社区调解, 房屋管理部门督促维修"),
		community("E0615"),
		// 热线: the street takes hotline orders first and passes on what it cannot settle.
		territory("H01"),
		territory("H02"),
		territory("H03"),
		assisted("H04", TerritoryLead, "chengguan"),
		territory("H05"),
	}
}

func withLevel(e ResponsibilityEntry, level string) ResponsibilityEntry {
	e.LeadLevel = level
	return e
}

// SeedAdmission returns the community admission list (社区事务准入清单) at district scope: the few
// matters a community may be assigned. Everything else is refused with AdmissionRefusal.
func SeedAdmission(districtID string) []AdmissionEntry {
	rows := []struct{ code, note string }{
		{"E0602", "人民调解委员会调解"},
		{"E0603", "劝导清理, 拒不清理的报街镇"},
		{"E0604", "文明养宠劝导"},
		{"E0608", "劝导及安全宣传"},
		{"E0609", "劝导恢复绿地"},
		{"E0614", "邻里协调, 维修责任由房屋管理部门认定"},
		{"E0615", "邻里协调"},
		{"E0506", "限于协助排查和信息登记, 不含执法"},
		{"E0606", "限于宣传劝导和线索收集, 不含调查取证"},
		{"E0109", "限于居住区分类投放指导"},
	}
	out := make([]AdmissionEntry, len(rows))
	for i, r := range rows {
		out[i] = AdmissionEntry{Scope: districtID, MatterCode: r.code, Note: r.note}
	}
	return out
}
