package catalog

import (
	"strings"
	"time"
)

// The seed catalogue follows the class structure of CJ/T 214 (数字化城市管理信息系统 管理部件和事件):
// six component classes and five event classes, with a sixth event class for the community and
// social matters that grid work and the 12345 hotline bring in, plus the five hotline kinds. Item
// numbers within a class are this catalogue's own.

type class struct{ zh, en string }

var seedClasses = map[string]class{
	"C01": {"公用设施", "Public facilities"},
	"C02": {"道路交通", "Roads and traffic"},
	"C03": {"市容环境", "City appearance and sanitation"},
	"C04": {"园林绿化", "Parks and greenery"},
	"C05": {"房屋土地", "Buildings and land"},
	"C06": {"其他设施", "Other facilities"},
	"E01": {"市容环境", "City appearance and sanitation"},
	"E02": {"宣传广告", "Publicity and advertising"},
	"E03": {"施工管理", "Construction management"},
	"E04": {"突发事件", "Emergencies"},
	"E05": {"街面秩序", "Street order"},
	"E06": {"社会事务", "Community and social affairs"},
}

const (
	day  = 24 * time.Hour
	week = 7 * day
)

// seedRow is one line of the seed tables. Keywords are space-separated.
type seedRow struct {
	code, zh, en string
	keywords     string
	prof         profile
	urgency      Urgency
	radiusM      float64
	window       time.Duration
	fields       []Field
}

// Seed returns the default catalogue for a Shanghai district: components, events and hotline kinds,
// each with deadlines at every urgency, a duplicate radius and window, and keywords residents use.
// Every call builds fresh values, so callers may change what they get.
func Seed() []MatterType {
	var out []MatterType
	for _, tbl := range [][]seedRow{seedComponents(), seedEvents()} {
		for _, r := range tbl {
			out = append(out, r.matterType())
		}
	}
	return append(out, seedHotline()...)
}

func (r seedRow) matterType() MatterType {
	kind := Component
	if r.code[0] == 'E' {
		kind = Event
	}
	cc := r.code[:3]
	for i := range r.fields {
		r.fields[i].Order = i + 1
	}
	return MatterType{
		Code: r.code, Kind: kind, ClassCode: cc, ClassZh: seedClasses[cc].zh, ClassEn: seedClasses[cc].en,
		NameZh: r.zh, NameEn: r.en, Keywords: strings.Fields(r.keywords),
		DefaultUrgency: r.urgency, Deadlines: deadlines(r.prof), WarnPercent: 80,
		DuplicateRadiusM: r.radiusM, DuplicateWindow: r.window, Fields: r.fields, Active: true,
	}
}

func seedComponents() []seedRow {
	return []seedRow{
		// C01 公用设施
		{"C0101", "上水井盖", "Water-supply manhole cover", "自来水井盖 给水井盖 上水道井盖 水表井盖", profQuick, Urgent, 30, 3 * day, coverFields()},
		{"C0102", "污水井盖", "Sewer manhole cover", "污水井 下水道井盖 排污井盖 化粪池盖", profQuick, Urgent, 30, 3 * day, coverFields()},
		{"C0103", "雨水井盖", "Storm-drain manhole cover", "雨水井 排水井盖 窨井盖", profQuick, Urgent, 30, 3 * day, coverFields()},
		{"C0104", "雨水箅子", "Storm-drain grate", "雨水篦子 雨水口 下水口盖板 进水口 箅子", profDay, Normal, 30, 3 * day, coverFields()},
		{"C0105", "电力井盖", "Electric-power manhole cover", "电缆井盖 供电井盖 电力窨井", profQuick, Urgent, 30, 3 * day, coverFields()},
		{"C0106", "通信井盖", "Telecom manhole cover", "通讯井盖 电信井盖 移动井盖 联通井盖 光缆井盖", profQuick, Urgent, 30, 3 * day, coverFields()},
		{"C0107", "燃气井盖", "Gas manhole cover", "煤气井盖 天然气井盖 燃气阀门井", profQuick, Urgent, 30, 3 * day, coverFields()},
		{"C0108", "无主井盖", "Manhole cover of unknown owner", "无主窨井 权属不明井盖 不知道谁家的井盖", profQuick, Urgent, 30, 3 * day, coverFields()},
		{"C0109", "消防栓", "Fire hydrant", "消火栓 消防龙头 室外消火栓", profDay, Normal, 30, 3 * day, hydrantFields()},
		{"C0110", "路灯", "Street lamp", "路灯不亮 灯杆 街灯 照明灯", profThreeDays, Normal, 50, week, lampFields()},
		{"C0111", "邮筒", "Postbox", "邮箱 信筒 邮政信箱", profFiveDays, Normal, 30, week, nil},
		{"C0112", "公交站亭", "Bus shelter", "公交车站 候车亭 站牌 公交站台", profThreeDays, Normal, 30, week, nil},
		{"C0113", "垃圾箱", "Litter bin", "果皮箱 废物箱 垃圾桶 分类垃圾桶", profDay, Normal, 30, 3 * day, nil},
		{"C0114", "报刊亭", "Newsstand", "书报亭 报亭 便民亭", profFiveDays, Normal, 30, week, nil},
		{"C0115", "变压器箱", "Transformer box", "配电箱 变电箱 箱变 电箱", profDay, Normal, 30, 3 * day, nil},
		{"C0116", "通信交接箱", "Telecom cross-connect cabinet", "光交箱 电话交接箱 弱电箱 通讯箱", profThreeDays, Normal, 30, week, nil},
		// C02 道路交通
		{"C0201", "交通信号灯", "Traffic signal", "红绿灯 信号灯 人行横道灯", profQuick, Urgent, 50, 3 * day, nil},
		{"C0202", "交通标志牌", "Traffic sign", "路牌 指示牌 禁停牌 限速牌 交通标牌", profThreeDays, Normal, 50, week, nil},
		{"C0203", "道路护栏", "Road guardrail", "护栏 栏杆 防护栏 中央护栏", profThreeDays, Normal, 50, week, nil},
		{"C0204", "隔离墩", "Traffic bollard", "隔离桩 石墩 隔离柱 阻车桩 防撞墩", profThreeDays, Normal, 50, week, nil},
		{"C0205", "停车泊位", "On-street parking bay", "停车位 道路停车位 车位线 停车收费", profFiveDays, Normal, 30, 3 * day, nil},
		{"C0206", "人行道板", "Pavement slab", "人行道 地砖 步道砖 道板 翘起 松动", profThreeDays, Normal, 30, week, nil},
		{"C0207", "过街天桥", "Pedestrian overpass", "天桥 人行天桥", profFiveDays, Normal, 50, week, nil},
		{"C0208", "地下通道", "Pedestrian underpass", "地道 过街地道 人行地道", profThreeDays, Normal, 50, week, nil},
		{"C0209", "盲道", "Tactile paving", "盲人通道 导盲砖 盲道被占", profFiveDays, Normal, 30, week, nil},
		// C03 市容环境
		{"C0301", "公共厕所", "Public toilet", "公厕 厕所 卫生间 洗手间", profDay, Normal, 30, 3 * day, nil},
		{"C0302", "广告牌匾", "Billboard or shop sign", "店招 招牌 广告牌 牌匾 门头", profFiveDays, Normal, 30, week, nil},
		{"C0303", "垃圾间", "Refuse room", "垃圾房 垃圾厢房 垃圾站 小压站 垃圾投放点", profDay, Normal, 30, 3 * day, nil},
		{"C0304", "灯箱霓虹灯", "Light box or neon sign", "灯箱 霓虹灯 发光字 LED屏", profFiveDays, Normal, 30, week, nil},
		{"C0305", "景观灯光", "Decorative lighting", "景观灯 泛光照明 楼宇亮化 灯光秀", profThreeDays, Normal, 50, week, nil},
		// C04 园林绿化
		{"C0401", "行道树", "Street tree", "树木 树枝 大树 梧桐 悬铃木 枯树", profThreeDays, Normal, 30, week, nil},
		{"C0402", "绿地", "Green space", "草坪 绿化带 公共绿地 街头绿地", profFiveDays, Normal, 50, week, nil},
		{"C0403", "花坛", "Flower bed", "花箱 花钵 花池 种植箱", profFiveDays, Normal, 30, week, nil},
		{"C0404", "护树设施", "Tree guard", "树池 树篦子 护树板 树围", profFiveDays, Normal, 30, week, nil},
		{"C0405", "城市雕塑", "Public sculpture", "雕塑 雕像 景观小品", profTenDays, Normal, 50, week, nil},
		{"C0406", "古树名木", "Heritage tree", "古树 名木 保护树木 挂牌古树", profThreeDays, Urgent, 50, week, nil},
		// C05 房屋土地
		{"C0501", "宣传栏", "Public notice board", "公告栏 宣传橱窗 告示栏 信息栏", profFiveDays, Normal, 30, week, nil},
		{"C0502", "房屋外立面", "Building facade", "外墙 外墙瓷砖 外墙脱落 墙皮 外立面", profThreeDays, Urgent, 30, week, nil},
		{"C0503", "地下空间", "Basement and underground space", "地下室 地下车库 人防地下室 地下空间住人", profTenDays, Normal, 30, week, nil},
		{"C0504", "闲置地块", "Vacant plot", "空地 荒地 待建地块 拆迁空地", profTenDays, Normal, 100, week, nil},
		// C06 其他设施
		{"C0601", "公共健身设施", "Public fitness equipment", "健身器材 健身苑点 健身步道 运动器械", profFiveDays, Normal, 30, week, nil},
		{"C0602", "非机动车充电设施", "E-bike charging station", "充电桩 电瓶车充电 充电棚 集中充电点", profThreeDays, Normal, 30, week, nil},
		{"C0603", "防汛设施", "Flood-control facility", "防汛墙 泵站 闸门 排水泵 防汛沙袋", profDay, Urgent, 100, 3 * day, nil},
		{"C0604", "公共监控设施", "Public surveillance camera", "监控探头 摄像头 电子眼 天网", profFiveDays, Normal, 30, week, nil},
	}
}

func seedEvents() []seedRow {
	return []seedRow{
		// E01 市容环境
		{"E0101", "暴露垃圾", "Exposed rubbish", "垃圾 乱扔垃圾 垃圾没人收 垃圾满溢", profQuick, Normal, 50, day, nil},
		{"E0102", "积存垃圾渣土", "Accumulated rubbish and spoil", "建筑垃圾 渣土 装修垃圾 垃圾堆 乱倒垃圾", profDay, Normal, 50, 3 * day, nil},
		{"E0103", "道路不洁", "Dirty road", "马路脏 路面污渍 道路保洁 油污 落叶", profQuick, Normal, 100, day, nil},
		{"E0104", "水域不洁", "Dirty waterway", "河道垃圾 河面漂浮物 水面垃圾 河道发臭 黑臭水体", profDay, Normal, 200, 3 * day, nil},
		{"E0105", "绿地脏乱", "Untidy green space", "绿化带垃圾 草坪脏 绿地杂物", profDay, Normal, 50, 3 * day, nil},
		{"E0106", "露天焚烧", "Open burning", "烧垃圾 焚烧树叶 烧纸 烧东西 冒黑烟", profQuick, Urgent, 200, day, nil},
		{"E0107", "动物尸体", "Animal carcass", "死猫 死狗 死老鼠 动物死尸", profQuick, Normal, 50, day, nil},
		{"E0108", "废弃车辆", "Abandoned vehicle", "僵尸车 废旧车辆 长期停放 无牌车 报废车", profTenDays, Normal, 30, week, []Field{
			strField("plate", "车牌号", "Licence plate", false),
		}},
		{"E0109", "垃圾分类不规范", "Improper waste sorting", "垃圾分类 混投 乱投放 湿垃圾 干垃圾 垃圾不分类", profThreeDays, Normal, 50, 3 * day, nil},
		// E02 宣传广告
		{"E0201", "违规户外广告", "Unauthorised outdoor advertisement", "户外广告 大型广告牌 违法广告 楼顶广告", profTenDays, Normal, 50, week, nil},
		{"E0202", "乱张贴乱涂写", "Fly-posting and graffiti", "乱贴 乱画 涂鸦 乱涂乱画 牛皮癣", profDay, Normal, 50, 3 * day, nil},
		{"E0203", "非法小广告", "Illegal small advertisements", "小广告 办证广告 散发传单 喷涂电话 小卡片", profDay, Normal, 100, 3 * day, nil},
		{"E0204", "占道广告牌", "Sandwich board on the road", "落地广告牌 立式广告牌 易拉宝 占道招牌", profDay, Normal, 30, 3 * day, nil},
		{"E0205", "店招店牌安全隐患", "Unsafe shop sign", "招牌松动 店招脱落 招牌摇晃 广告牌要掉", profThreeDays, Urgent, 30, week, nil},
		{"E0206", "违规横幅标语", "Unauthorised banner", "横幅 条幅 拉横幅 标语", profDay, Normal, 50, 3 * day, nil},
		// E03 施工管理
		{"E0301", "施工扰民", "Construction nuisance", "工地噪音 夜间施工 打桩 施工噪声 工地吵", profDay, Normal, 200, 3 * day, []Field{
			strField("site_name", "工地名称", "Construction site", false),
			anyOf("periods", "发生时段", "Time of day", true, timeOfDay()...),
		}},
		{"E0302", "违规占道施工", "Unauthorised works on the road", "占道施工 挖马路 道路施工 围挡占道", profThreeDays, Normal, 100, 3 * day, nil},
		{"E0303", "渣土车抛洒", "Spillage from muck trucks", "渣土车 抛洒滴漏 泥头车 运输撒漏 带泥上路", profQuick, Urgent, 200, day, []Field{
			strField("plate", "车牌号", "Licence plate", false),
			timeField("seen_at", "发现时间", "Seen at", false),
		}},
		{"E0304", "违法建筑", "Illegal construction", "违建 违章搭建 私搭乱建 乱搭建 加层 阳光房", profTenDays, Normal, 30, week, []Field{
			numField("area_m2", "面积(平方米)", "Area (m²)", true),
			oneOf("build_state", "建设状态", "State", true,
				fv("building", "在建", "Under construction"), fv("built", "已建成", "Completed")),
			oneOf("site", "搭建部位", "Where", false,
				fv("roof", "屋顶", "Roof"), fv("yard", "院落", "Yard"), fv("ground_floor", "底层外扩", "Ground-floor extension"),
				fv("balcony", "阳台", "Balcony"), fv("public_space", "公共区域", "Common area")),
			timeField("found_at", "发现时间", "Found at", false),
		}},
		{"E0305", "施工扬尘", "Construction dust", "扬尘 工地灰尘 未覆盖 土方裸露", profThreeDays, Normal, 200, 3 * day, nil},
		{"E0306", "工地围挡破损", "Damaged site hoarding", "围挡倒塌 围墙破损 工地围墙", profThreeDays, Normal, 50, 3 * day, nil},
		{"E0307", "违规装修", "Unauthorised renovation", "装修 拆承重墙 破坏房屋结构 敲墙", profFiveDays, Urgent, 30, week, nil},
		{"E0308", "道路开挖未恢复", "Road excavation not reinstated", "挖了不填 路面未修复 开挖路面 坑洼", profFiveDays, Normal, 50, week, nil},
		// E04 突发事件
		{"E0401", "道路塌陷", "Road collapse", "路面塌陷 地面塌陷 路陷 天坑 路面下沉", profEmergency, Critical, 50, day, nil},
		{"E0402", "自来水管破裂", "Burst water main", "水管爆裂 爆管 漏水 冒水 停水", profEmergency, Urgent, 100, day, nil},
		{"E0403", "燃气泄漏", "Gas leak", "煤气泄漏 天然气泄漏 煤气味 燃气味", profEmergency, Critical, 100, day, []Field{
			timeField("found_at", "发现时间", "Found at", false),
		}},
		{"E0404", "道路积水", "Road flooding", "积水 淹水 下雨积水 路面积水 水淹", profEmergency, Urgent, 200, day, []Field{
			numField("depth_cm", "积水深度(厘米)", "Depth (cm)", false),
		}},
		{"E0405", "火灾", "Fire", "着火 失火 冒烟 起火", profEmergency, Critical, 200, day, nil},
		{"E0406", "树木倒伏", "Fallen tree", "大树倒了 树倒 断枝 树枝折断 台风倒树", profEmergency, Urgent, 50, day, nil},
		{"E0407", "污水冒溢", "Sewage overflow", "下水道堵塞 污水外溢 窨井冒水 化粪池满溢", profEmergency, Urgent, 100, day, nil},
		{"E0408", "电线断落", "Fallen power line", "电线掉落 电缆断了 漏电 线缆垂落 飞线", profEmergency, Critical, 50, day, nil},
		{"E0409", "房屋险情", "Building in danger", "危房 房屋开裂 房屋倾斜 墙体裂缝 阳台坍塌", profEmergency, Critical, 30, 3 * day, nil},
		{"E0410", "危化品泄漏", "Hazardous chemical leak", "化学品泄漏 危险品 刺鼻气味 槽罐车泄漏", profEmergency, Critical, 500, day, nil},
		{"E0411", "电梯困人", "People trapped in a lift", "电梯故障 困电梯 被困电梯 电梯停运", profEmergency, Critical, 30, day, []Field{
			numField("trapped", "被困人数", "People trapped", true),
			strField("lift_no", "电梯注册代码", "Lift registration code", false),
		}},
		{"E0412", "突发环境污染", "Sudden pollution incident", "污染 偷排 排污 河水变色 死鱼", profEmergency, Urgent, 500, day, nil},
		// E05 街面秩序
		{"E0501", "无照经营游商", "Unlicensed street vendor", "游商 小贩 流动摊贩 摆摊 无证经营", profQuick, Normal, 100, day, nil},
		{"E0502", "占道经营", "Trading on the road", "占道摆摊 马路菜场 路边摊 占道", profQuick, Normal, 50, day, nil},
		{"E0503", "店外经营", "Trading outside the shop", "跨门营业 出店经营 门前摆放 商品外摆", profDay, Normal, 30, 3 * day, nil},
		{"E0504", "乱停放非机动车", "Disorderly parked bicycles and e-bikes", "共享单车 乱停车 电瓶车乱停 自行车堆放 单车堆积", profQuick, Normal, 50, day, nil},
		{"E0505", "机动车乱停放", "Illegally parked motor vehicle", "违停 乱停车 占用人行道停车 堵路口", profQuick, Normal, 30, day, []Field{
			strField("plate", "车牌号", "Licence plate", false),
		}},
		{"E0506", "群租", "Overcrowded rental", "群租房 隔断房 一房多租 二房东 住人太多", profTenDays, Normal, 30, week, []Field{
			strField("room", "门牌室号", "Flat number", true),
			numField("occupants", "居住人数", "Occupants", false),
			oneOf("partitioned", "是否隔断改造", "Partitioned", false,
				fv("yes", "是", "Yes"), fv("no", "否", "No"), fv("unknown", "不清楚", "Unknown")),
		}},
		{"E0507", "露天烧烤", "Open-air barbecue", "烧烤摊 路边烧烤 烤串 油烟烧烤", profQuick, Normal, 100, day, nil},
		{"E0508", "沿街晾挂", "Laundry hung on the street", "晾衣服 晾晒 乱晾晒 沿街晒被子", profDay, Normal, 30, 3 * day, nil},
		{"E0509", "违规设置地桩地锁", "Private parking lock", "地锁 地桩 私装车位锁 占车位", profFiveDays, Normal, 30, week, nil},
		{"E0510", "流浪乞讨", "Vagrancy and begging", "流浪汉 乞丐 露宿 流浪人员 乞讨", profQuick, Urgent, 200, day, nil},
		{"E0511", "非法营运", "Unlicensed taxi service", "黑车 非法拉客 摩的 黑出租", profFiveDays, Normal, 200, 3 * day, nil},
		{"E0512", "乱堆物料", "Goods piled on the street", "堆物 乱堆乱放 占道堆放 杂物", profDay, Normal, 30, 3 * day, nil},
		// E06 社会事务
		{"E0601", "噪声扰民", "Noise nuisance", "噪音 吵 广场舞 太吵 扰民 音响", profDay, Normal, 100, 3 * day, []Field{
			oneOf("source", "噪声来源", "Source", true,
				fv("household", "居民家庭", "Household"), fv("shop", "商铺经营", "Shop"), fv("square_dance", "广场舞", "Square dancing"),
				fv("venue", "娱乐场所", "Entertainment venue"), fv("equipment", "设备设施", "Equipment"), fv("other", "其他", "Other")),
			anyOf("periods", "发生时段", "Time of day", true, timeOfDay()...),
			textField("details", "补充说明", "Details", false),
		}},
		{"E0602", "邻里纠纷", "Neighbour dispute", "邻居 吵架 矛盾 邻里矛盾 调解", profFiveDays, Normal, 30, week, []Field{
			oneOf("dispute", "纠纷类型", "Kind of dispute", true,
				fv("leak", "漏水渗水", "Leaking water"), fv("noise", "噪声", "Noise"), fv("space", "公共空间占用", "Shared space"),
				fv("pets", "宠物", "Pets"), fv("other", "其他", "Other")),
			numField("households", "涉及户数", "Households involved", false),
			textField("details", "补充说明", "Details", false),
		}},
		{"E0603", "楼道堆物", "Clutter in the stairwell", "楼道杂物 堆放杂物 占用楼道 过道堆物", profThreeDays, Normal, 30, week, nil},
		{"E0604", "宠物扰民", "Pet nuisance", "狗叫 遛狗不牵绳 狗屎 养狗扰民 犬吠", profThreeDays, Normal, 50, 3 * day, nil},
		{"E0605", "油烟扰民", "Cooking-fume nuisance", "油烟 饭店油烟 排烟 餐饮油烟", profTenDays, Normal, 100, week, nil},
		{"E0606", "高空抛物", "Objects thrown from height", "高空坠物 楼上扔东西 抛物 扔垃圾下楼", profThreeDays, Urgent, 30, 3 * day, nil},
		{"E0607", "占用堵塞消防通道", "Blocked fire lane", "消防通道 生命通道 堵消防通道 消防车道停车", profQuick, Urgent, 30, 3 * day, nil},
		{"E0608", "电动自行车违规充电", "Unsafe e-bike charging", "飞线充电 楼道充电 电瓶车进楼 电瓶上楼 入户充电", profDay, Urgent, 30, 3 * day, nil},
		{"E0609", "毁绿种菜", "Vegetables grown on public green", "种菜 毁绿 绿地种菜 私占绿地", profFiveDays, Normal, 30, week, nil},
		{"E0610", "物业服务纠纷", "Property-management dispute", "物业 物业费 物业不作为 业委会", profTenDays, Normal, 30, week, nil},
		{"E0611", "小区公共设施损坏", "Damaged estate common facilities", "小区设施 门禁坏了 单元门 楼道灯 小区路面", profFiveDays, Normal, 30, week, nil},
		{"E0612", "食品安全", "Food safety", "食品卫生 过期食品 无证餐饮 吃坏肚子", profFiveDays, Urgent, 50, 3 * day, nil},
		{"E0613", "困难群众求助", "Vulnerable person needing help", "孤老 独居老人 困难家庭 救助 低保", profThreeDays, Urgent, 30, 3 * day, nil},
		{"E0614", "房屋渗漏", "Leak between flats", "漏水 渗水 楼上漏水 天花板渗水 墙面渗水", profTenDays, Normal, 30, week, nil},
		{"E0615", "空调外机扰民", "Air-conditioner unit nuisance", "空调外机 空调滴水 空调噪音 外机对窗", profFiveDays, Normal, 30, week, nil},
	}
}

// seedHotline returns the hotline kinds. Each is a class of its own.
func seedHotline() []MatterType {
	rows := []seedRow{
		{"H01", "咨询", "Enquiry", "问一下 咨询 怎么办理 政策 请问", profDay, Normal, 0, 0, nil},
		{"H02", "求助", "Request for help", "求助 帮忙 帮帮 急需", profThreeDays, Normal, 50, 3 * day, nil},
		{"H03", "投诉", "Complaint", "投诉 反映 不满意 没人管", profFiveDays, Normal, 50, 3 * day, []Field{
			textField("details", "补充说明", "Details", false),
		}},
		{"H04", "举报", "Report of wrongdoing", "举报 揭发 违法 违规", profTenDays, Normal, 50, week, nil},
		{"H05", "建议", "Suggestion", "建议 意见 希望 提议", profTenDays, Normal, 0, 0, nil},
	}
	out := make([]MatterType, 0, len(rows))
	for _, r := range rows {
		m := r.matterType()
		m.Kind, m.ClassCode, m.ClassZh, m.ClassEn = Hotline, r.code, r.zh, r.en
		out = append(out, m)
	}
	return out
}
