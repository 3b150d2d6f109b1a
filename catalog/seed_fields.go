package catalog

// Builders for the extra fields of the seed catalogue. Each call returns fresh values so that no two
// matter types share a slice.

func fv(key, zh, en string) FieldValue { return FieldValue{Key: key, NameZh: zh, NameEn: en} }

func field(code, zh, en string, t FieldType, required bool, values []FieldValue) Field {
	return Field{Code: code, NameZh: zh, NameEn: en, Type: t, Required: required, Values: values}
}

func strField(code, zh, en string, req bool) Field {
	return field(code, zh, en, FieldString, req, nil)
}

func numField(code, zh, en string, req bool) Field {
	return field(code, zh, en, FieldNumber, req, nil)
}

func timeField(code, zh, en string, req bool) Field {
	return field(code, zh, en, FieldDatetime, req, nil)
}

func textField(code, zh, en string, req bool) Field {
	return field(code, zh, en, FieldText, req, nil)
}

func oneOf(code, zh, en string, req bool, values ...FieldValue) Field {
	return field(code, zh, en, FieldSingleValueList, req, values)
}

func anyOf(code, zh, en string, req bool, values ...FieldValue) Field {
	return field(code, zh, en, FieldMultiValueList, req, values)
}

// timeOfDay are the periods residents name for a nuisance; 夜间 follows the 22:00–06:00 night of
// the noise law.
func timeOfDay() []FieldValue {
	return []FieldValue{
		fv("early", "清晨(6-8时)", "Early morning (06-08)"),
		fv("day", "白天(8-18时)", "Daytime (08-18)"),
		fv("evening", "傍晚(18-22时)", "Evening (18-22)"),
		fv("night", "夜间(22时-次日6时)", "Night (22-06)"),
	}
}

func coverFields() []Field {
	return []Field{
		oneOf("state", "井盖状态", "Cover state", true,
			fv("missing", "缺失", "Missing"), fv("broken", "破损", "Broken"), fv("displaced", "移位", "Displaced"),
			fv("loose", "松动异响", "Loose or rattling"), fv("uneven", "高差沉降", "Sunken or raised")),
		oneOf("cordoned", "是否已设置警示", "Hazard marked", false,
			fv("yes", "已设置", "Yes"), fv("no", "未设置", "No")),
	}
}

func hydrantFields() []Field {
	return []Field{
		oneOf("state", "消防栓状态", "Hydrant state", true,
			fv("damaged", "损坏", "Damaged"), fv("leaking", "漏水", "Leaking"), fv("blocked", "被圈占遮挡", "Blocked or fenced in"),
			fv("parts_missing", "缺盖缺件", "Parts missing"), fv("knocked_over", "被撞倒", "Knocked over")),
	}
}

func lampFields() []Field {
	return []Field{
		oneOf("fault", "故障类型", "Fault", true,
			fv("off", "不亮", "Not lit"), fv("day_on", "白天亮灯", "Lit by day"), fv("flicker", "闪烁", "Flickering"),
			fv("pole_tilt", "灯杆倾斜", "Pole leaning"), fv("lamp_broken", "灯具破损", "Lamp broken"), fv("door_missing", "检修门缺失", "Access door missing")),
		strField("pole_no", "灯杆编号", "Pole number", false),
	}
}
