// Package demo builds the demonstration district that `serve --demo` loads: Shanghai's Baoshan
// District (宝山区) with five of its streets and towns, twenty of their residents' and villagers'
// committees, synthetic grids with rectangular shapes, the district's functional departments with
// their street squads, and staff accounts that cover every role.
//
// What is real: the names and the 12-digit division codes (统计用区划代码) of the city, the district,
// the streets and towns and the communities. They follow the National Bureau of Statistics'
// 2023 edition of 统计用区划代码和城乡划分代码 (divisions as they stood on 30 June 2023).
//
// What is invented: everything below community level (grid codes, grid shapes and grid types),
// the department squads' codes, and every staff account and name. Street rectangles only roughly
// follow where each street lies inside Baoshan; they do not overlap, communities split their street
// rectangle and grids split their community rectangle, sharing edges exactly.
package demo

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"civicgrid/geo"
	"civicgrid/org"
)

// DistrictID is the division code of the demo district, 上海市宝山区.
const DistrictID = "310113000000"

// CityID is the division code of the root unit, 上海市.
const CityID = "310000000000"

// Grid types, the kind of grid worker a grid is patrolled by.
const (
	GridComprehensive = "综合"   // comprehensive patrol
	GridRental        = "出租屋"  // rental housing
	GridSafety        = "安全生产" // work safety
	GridFire          = "消防"   // fire safety
	GridCityscape     = "市容巡查" // cityscape patrol
)

// GridTypes lists every grid type the demo uses, comprehensive first.
var GridTypes = []string{GridComprehensive, GridRental, GridSafety, GridFire, GridCityscape}

// DeptKinds lists the kinds of the district departments, in the order they are created.
var DeptKinds = []string{
	"chengguan", "greening", "housing", "water", "market", "police", "environment",
	"transport", "construction", "utilities", "emergency", "fire", "civil_affairs",
}

// Staff is a seed account: a login, a display name, the roles it holds over unit subtrees and,
// for grid workers, the grid-worker type.
type Staff struct {
	Login      string
	Name       string
	Grants     []org.Grant
	WorkerType string
}

// District is the whole demo: units with parents before children, grid shapes by grid code, and
// the staff accounts.
type District struct {
	Units []org.Unit
	Grids map[string]geo.MultiPolygon
	Staff []Staff
}

// box is a rectangle in micro-degrees, so that neighbouring rectangles computed by integer
// arithmetic share their edges exactly.
type box struct{ minLon, minLat, maxLon, maxLat int64 }

// split returns cell (row, col) of the box divided into rows×cols cells; row 0 is the northern row,
// col 0 the western column.
func (b box) split(rows, cols, row, col int) box {
	r, c := int64(rows), int64(cols)
	i, j := int64(row), int64(col)
	dLon, dLat := b.maxLon-b.minLon, b.maxLat-b.minLat
	return box{
		minLon: b.minLon + dLon*j/c,
		maxLon: b.minLon + dLon*(j+1)/c,
		maxLat: b.maxLat - dLat*i/r,
		minLat: b.maxLat - dLat*(i+1)/r,
	}
}

func micro(v int64) float64 { return float64(v) / 1e6 }

// shape returns the box as a one-polygon multipolygon with a closed, counter-clockwise outer ring.
func (b box) shape() geo.MultiPolygon {
	w, e, s, n := micro(b.minLon), micro(b.maxLon), micro(b.minLat), micro(b.maxLat)
	ring := geo.Ring{{Lon: w, Lat: s}, {Lon: e, Lat: s}, {Lon: e, Lat: n}, {Lon: w, Lat: n}, {Lon: w, Lat: s}}
	return geo.MultiPolygon{geo.Polygon{ring}}
}

type community struct {
	code   string
	name   string // official name (居委会 / 村委会)
	nameEn string
	// specialty is the grid type of every second grid; the others are comprehensive.
	specialty string
}

type street struct {
	code   string
	kind   org.Kind
	name   string // official name
	short  string // the name used in squad and grid names
	nameEn string
	slug   string // login prefix
	area   box
	comms  [4]community
}

// streets holds the five demo streets and towns with four communities each. Codes and names:
// 统计用区划代码, 2023 edition.
var streets = []street{
	{
		code: "310113003000", kind: org.Street, name: "友谊路街道", short: "友谊路",
		nameEn: "Youyi Road Subdistrict", slug: "youyi",
		area: box{121470000, 31390000, 121500000, 31420000},
		comms: [4]community{
			{"310113003001", "宝钢一村居委会", "Baogang Yicun Residents' Committee", GridCityscape},
			{"310113003022", "宝林八村居委会", "Baolin Bacun Residents' Committee", GridFire},
			{"310113003026", "临江新村居委会", "Linjiang Xincun Residents' Committee", GridSafety},
			{"310113003201", "炮台村村委会", "Paotai Villagers' Committee", GridRental},
		},
	},
	{
		code: "310113007000", kind: org.Street, name: "吴淞街道", short: "吴淞",
		nameEn: "Wusong Subdistrict", slug: "wusong",
		area: box{121472000, 31362000, 121502000, 31388000},
		comms: [4]community{
			{"310113007001", "和丰居委会", "Hefeng Residents' Committee", GridSafety},
			{"310113007003", "泗东新村居委会", "Sidong Xincun Residents' Committee", GridRental},
			{"310113007010", "吴淞三村居委会", "Wusong Sancun Residents' Committee", GridFire},
			{"310113007021", "永清新村居委会", "Yongqing Xincun Residents' Committee", GridCityscape},
		},
	},
	{
		code: "310113008000", kind: org.Street, name: "张庙街道", short: "张庙",
		nameEn: "Zhangmiao Subdistrict", slug: "zhangmiao",
		area: box{121425000, 31325000, 121465000, 31350000},
		comms: [4]community{
			{"310113008001", "虎林居委会", "Hulin Residents' Committee", GridFire},
			{"310113008003", "泗塘居委会", "Sitang Residents' Committee", GridCityscape},
			{"310113008018", "通河一村居委会", "Tonghe Yicun Residents' Committee", GridRental},
			{"310113008036", "呼玛四村居委会", "Huma Sicun Residents' Committee", GridSafety},
		},
	},
	{
		code: "310113103000", kind: org.Town, name: "杨行镇", short: "杨行",
		nameEn: "Yanghang Town", slug: "yanghang",
		area: box{121395000, 31360000, 121455000, 31400000},
		comms: [4]community{
			{"310113103001", "杨泰一村一居委会", "Yangtai Yicun First Residents' Committee", GridCityscape},
			{"310113103009", "富锦苑居委会", "Fujinyuan Residents' Committee", GridFire},
			{"310113103016", "四季花城居委会", "Siji Huacheng Residents' Committee", GridSafety},
			{"310113103207", "北宗村村委会", "Beizong Villagers' Committee", GridRental},
		},
	},
	{
		code: "310113109000", kind: org.Town, name: "顾村镇", short: "顾村",
		nameEn: "Gucun Town", slug: "gucun",
		area: box{121345000, 31335000, 121390000, 31375000},
		comms: [4]community{
			{"310113109008", "菊泉居委会", "Juquan Residents' Committee", GridFire},
			{"310113109010", "共富新村第一居委会", "Gongfu Xincun First Residents' Committee", GridCityscape},
			{"310113109057", "上海馨佳园第一居委会", "Xinjiayuan First Residents' Committee", GridSafety},
			{"310113109205", "星星村村委会", "Xingxing Villagers' Committee", GridRental},
		},
	},
}

type department struct{ kind, name, nameEn string }

// departments are the district's functional departments (条), in DeptKinds order.
var departments = []department{
	{"chengguan", "宝山区城管执法局", "Baoshan Urban Management and Law Enforcement Bureau"},
	{"greening", "宝山区绿化和市容管理局", "Baoshan Greening and City Appearance Bureau"},
	{"housing", "宝山区房屋管理局", "Baoshan Housing Administration Bureau"},
	{"water", "宝山区水务局", "Baoshan Water Affairs Bureau"},
	{"market", "宝山区市场监督管理局", "Baoshan Administration for Market Regulation"},
	{"police", "上海市公安局宝山分局", "Baoshan Public Security Sub-bureau"},
	{"environment", "宝山区生态环境局", "Baoshan Ecology and Environment Bureau"},
	{"transport", "宝山区交通委员会", "Baoshan Transport Commission"},
	{"construction", "宝山区建设和管理委员会", "Baoshan Construction and Management Commission"},
	{"utilities", "宝山区公用事业协调办公室(燃气·电力·通信)", "Baoshan Public Utilities Coordination Office (gas, power, telecom)"},
	{"emergency", "宝山区应急管理局", "Baoshan Emergency Management Bureau"},
	{"fire", "宝山区消防救援支队", "Baoshan Fire and Rescue Detachment"},
	{"civil_affairs", "宝山区民政局", "Baoshan Civil Affairs Bureau"},
}

// squadKinds are the departments that keep a squad in every demo street.
var squadKinds = []string{"chengguan", "police", "market"}

func squadName(kind string, s street) (name, nameEn string) {
	short := strings.TrimSuffix(s.nameEn, " Subdistrict")
	short = strings.TrimSuffix(short, " Town")
	switch kind {
	case "chengguan":
		return "宝山区城管执法局" + s.short + "中队", "Baoshan Urban Management " + short + " Squad"
	case "police":
		return s.short + "派出所", short + " Police Station"
	case "market":
		return "宝山区市场监督管理局" + s.short + "市场监管所", short + " Market Regulation Office"
	}
	return "", ""
}

func deptID(owner, kind string) string { return owner + "-" + kind }

// gridLayout returns rows and columns of the grid lattice of the k-th community of a street.
func gridLayout(k int) (rows, cols int) {
	if k%2 == 0 {
		return 2, 3
	}
	return 2, 4
}

// shortCommunity turns "宝钢一村居委会" into "宝钢一村居委" for grid names.
func shortCommunity(name string) string {
	if s, ok := strings.CutSuffix(name, "居委会"); ok {
		return s + "居委"
	}
	if s, ok := strings.CutSuffix(name, "村委会"); ok {
		return s + "村委"
	}
	return name
}

func shortCommunityEn(nameEn string) string {
	s := strings.TrimSuffix(nameEn, " Residents' Committee")
	return strings.TrimSuffix(s, " Villagers' Committee")
}

// Baoshan builds the demo district. Every call returns an equal, freshly allocated value.
func Baoshan() District {
	d := District{Grids: map[string]geo.MultiPolygon{}}
	add := func(u org.Unit) { d.Units = append(d.Units, u) }

	add(org.Unit{ID: CityID, Kind: org.City, Name: "上海市", NameEn: "Shanghai"})
	add(org.Unit{ID: DistrictID, Kind: org.District, Name: "宝山区", NameEn: "Baoshan District", Parent: CityID})
	for _, dep := range departments {
		add(org.Unit{
			ID: deptID(DistrictID, dep.kind), Kind: org.Department, Name: dep.name, NameEn: dep.nameEn,
			Parent: DistrictID, DeptKind: dep.kind, Territory: DistrictID,
		})
	}
	for _, s := range streets {
		add(org.Unit{ID: s.code, Kind: s.kind, Name: s.name, NameEn: s.nameEn, Parent: DistrictID})
		for _, kind := range squadKinds {
			name, nameEn := squadName(kind, s)
			add(org.Unit{
				ID: deptID(s.code, kind), Kind: org.Department, Name: name, NameEn: nameEn,
				Parent: deptID(DistrictID, kind), DeptKind: kind, Territory: s.code,
			})
		}
		for k, c := range s.comms {
			add(org.Unit{ID: c.code, Kind: org.Community, Name: c.name, NameEn: c.nameEn, Parent: s.code})
			area := s.area.split(2, 2, k/2, k%2)
			rows, cols := gridLayout(k)
			for i := 0; i < rows*cols; i++ {
				id := fmt.Sprintf("%s%03d", c.code, i+1)
				add(org.Unit{
					ID:       id,
					Kind:     org.Grid,
					Name:     fmt.Sprintf("%s %s 第%d网格", s.name, shortCommunity(c.name), i+1),
					NameEn:   fmt.Sprintf("%s Grid %d", shortCommunityEn(c.nameEn), i+1),
					Parent:   c.code,
					GridType: gridType(c, i),
				})
				d.Grids[id] = area.split(rows, cols, i/cols, i%cols).shape()
			}
		}
	}
	d.Staff = seedStaff()
	return d
}

// gridType gives every even grid (0-based) the comprehensive type and every odd one the
// community's specialty.
func gridType(c community, i int) string {
	if i%2 == 0 {
		return GridComprehensive
	}
	return c.specialty
}

// Synthetic staff names: a surname and a given name picked by the account's sequence number.
var (
	surnames   = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "朱", "马", "胡", "郭", "林", "何", "高", "沈", "顾", "陆", "钱", "蒋", "姚", "唐", "许"}
	givenNames = []string{"敏", "伟", "芳", "静", "磊", "洁", "军", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "海燕", "建华", "志强", "丽华", "国庆", "晓东", "文彬", "佳怡", "子涵", "雪梅", "振宇", "慧敏", "俊杰", "春燕", "立新", "家豪"}
)

// personName gives account n a name; as the list lengths are coprime, the first
// len(surnames)*len(givenNames) names are all different.
func personName(n int) string {
	return surnames[n%len(surnames)] + givenNames[n%len(givenNames)]
}

func grant(role org.Role, unit string) org.Grant { return org.Grant{Role: role, Unit: unit} }

func seedStaff() []Staff {
	var out []Staff
	add := func(login string, workerType string, grants ...org.Grant) {
		out = append(out, Staff{Login: login, Name: personName(len(out)), Grants: grants, WorkerType: workerType})
	}

	// The district's 网格化综合管理中心.
	add("district.intake", "", grant(org.RoleIntake, DistrictID))
	add("district.intake2", "", grant(org.RoleIntake, DistrictID))
	add("district.shiftleader", "", grant(org.RoleShiftLeader, DistrictID))
	add("district.dispatcher", "", grant(org.RoleDispatcher, DistrictID))
	add("district.dispatcher2", "", grant(org.RoleDispatcher, DistrictID))
	add("district.leader", "", grant(org.RoleLeader, DistrictID))
	add("district.admin", "", grant(org.RoleAdmin, DistrictID))
	// The platform administrator: catalogue, lists, calendar and API keys are platform-wide.
	add("city.admin", "", grant(org.RoleAdmin, CityID))
	add("district.auditor", "", grant(org.RoleAuditor, DistrictID))

	// Handlers of the district departments.
	for _, dep := range departments {
		add(dep.kind+".handler", "", grant(org.RoleHandler, deptID(DistrictID, dep.kind)))
	}

	for _, s := range streets {
		// The street's centre.
		add(s.slug+".intake", "", grant(org.RoleIntake, s.code))
		add(s.slug+".shiftleader", "", grant(org.RoleShiftLeader, s.code))
		add(s.slug+".dispatcher", "", grant(org.RoleDispatcher, s.code))
		add(s.slug+".leader", "", grant(org.RoleLeader, s.code))
		// The street's own office handles what the responsibility list gives the territory (综合管理).
		add(s.slug+".handler", "", grant(org.RoleHandler, s.code))
		// Squads serving the street.
		for _, kind := range squadKinds {
			add(kind+"."+s.slug+".handler", "", grant(org.RoleHandler, deptID(s.code, kind)))
		}
		// Community staff: a handler, a comprehensive grid worker for the whole community and a
		// specialist for the grids of the community's specialty.
		for k, c := range s.comms {
			prefix := fmt.Sprintf("%s.c%d.", s.slug, k+1)
			add(prefix+"handler", "", grant(org.RoleHandler, c.code))
			add(prefix+"worker1", GridComprehensive, grant(org.RoleGridWorker, c.code))
			rows, cols := gridLayout(k)
			var gs []org.Grant
			for i := 0; i < rows*cols; i++ {
				if gridType(c, i) == c.specialty {
					gs = append(gs, grant(org.RoleGridWorker, fmt.Sprintf("%s%03d", c.code, i+1)))
				}
			}
			add(prefix+"worker2", c.specialty, gs...)
		}
	}
	return out
}

// GridCentre returns a point inside the grid: the centroid of its largest polygon when that lies
// inside the polygon (always so for the demo's rectangles), otherwise the middle of the widest
// stretch of a horizontal line through the polygon. It returns the zero Point for an empty shape.
func GridCentre(g geo.MultiPolygon) geo.Point {
	best, bestArea := -1, 0.0
	for i, p := range g {
		if len(p) == 0 || len(p[0]) < 3 {
			continue
		}
		if a := math.Abs(signedArea(p[0])); best < 0 || a > bestArea {
			best, bestArea = i, a
		}
	}
	if best < 0 {
		return geo.Point{}
	}
	poly := g[best]
	if c, ok := centroid(poly[0]); ok && inside(poly, c) {
		return c
	}
	minLat, maxLat := poly[0][0].Lat, poly[0][0].Lat
	for _, q := range poly[0] {
		minLat, maxLat = math.Min(minLat, q.Lat), math.Max(maxLat, q.Lat)
	}
	// Try a few horizontal lines, the middle one first, and keep the widest inside stretch.
	for _, f := range []float64{0.5, 0.25, 0.75, 0.125, 0.375, 0.625, 0.875} {
		lat := minLat + (maxLat-minLat)*f
		if p, ok := widestStretch(poly, lat); ok {
			return p
		}
	}
	return poly[0][0]
}

// signedArea is the shoelace area of a ring; positive when counter-clockwise.
func signedArea(r geo.Ring) float64 {
	o := r[0]
	s := 0.0
	for i := range r {
		a, b := r[i], r[(i+1)%len(r)]
		s += (a.Lon-o.Lon)*(b.Lat-o.Lat) - (b.Lon-o.Lon)*(a.Lat-o.Lat)
	}
	return s / 2
}

// centroid is the area centroid of a ring, computed relative to its first vertex to keep the
// precision of small shapes far from the origin.
func centroid(r geo.Ring) (geo.Point, bool) {
	o := r[0]
	var a, cx, cy float64
	for i := range r {
		p, q := r[i], r[(i+1)%len(r)]
		px, py, qx, qy := p.Lon-o.Lon, p.Lat-o.Lat, q.Lon-o.Lon, q.Lat-o.Lat
		cross := px*qy - qx*py
		a += cross
		cx += (px + qx) * cross
		cy += (py + qy) * cross
	}
	if a == 0 {
		return geo.Point{}, false
	}
	return geo.Point{Lon: o.Lon + cx/(3*a), Lat: o.Lat + cy/(3*a)}, true
}

// inside reports whether p lies inside the polygon (outer ring minus holes), by ray casting.
func inside(poly geo.Polygon, p geo.Point) bool {
	in := false
	for _, r := range poly {
		for i := range r {
			a, b := r[i], r[(i+1)%len(r)]
			if (a.Lat > p.Lat) != (b.Lat > p.Lat) {
				x := a.Lon + (p.Lat-a.Lat)*(b.Lon-a.Lon)/(b.Lat-a.Lat)
				if p.Lon < x {
					in = !in
				}
			}
		}
	}
	return in
}

// widestStretch intersects the polygon with the line at latitude lat and returns the middle of the
// widest stretch that lies inside.
func widestStretch(poly geo.Polygon, lat float64) (geo.Point, bool) {
	var xs []float64
	for _, r := range poly {
		for i := range r {
			a, b := r[i], r[(i+1)%len(r)]
			if (a.Lat > lat) != (b.Lat > lat) {
				xs = append(xs, a.Lon+(lat-a.Lat)*(b.Lon-a.Lon)/(b.Lat-a.Lat))
			}
		}
	}
	sort.Float64s(xs)
	best, width := -1, 0.0
	for i := 0; i+1 < len(xs); i += 2 {
		if w := xs[i+1] - xs[i]; w > width {
			best, width = i, w
		}
	}
	if best < 0 {
		return geo.Point{}, false
	}
	return geo.Point{Lon: (xs[best] + xs[best+1]) / 2, Lat: lat}, true
}
