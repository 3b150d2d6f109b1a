package web

import (
	"math"
	"strconv"
	"strings"

	"civicgrid/geo"
)

// Charts and maps of many grids are drawn on the server as inline SVG: no script, no images from
// elsewhere (except the operator's tiles), readable by screen readers through their titles.

// Chart area in viewBox units.
const (
	chartW      = 600.0
	chartH      = 220.0
	chartLeft   = 44.0
	chartRight  = 10.0
	chartTop    = 12.0
	chartBottom = 30.0
	chartTicks  = 4
)

// chart is a drawn chart.
type chart struct {
	ViewBox string
	Lines   []chartLine
	Bars    []chartBar
	YTicks  []chartTick
	XTicks  []chartTick
	Base    string // the y of the zero line
	Right   string // the x of the plot's right edge
	Left    string
}

type chartLine struct {
	Class, Label string
	Points       string // polyline points
	Dots         []chartDot
}

type chartDot struct{ X, Y, Title string }

type chartBar struct {
	X, Y, W, H string
	Title      string
	Missing    bool // no value: a marker on the base line instead of a bar
}

type chartTick struct{ X, Y, Label string }

// niceStep is the smallest step of 1, 2 or 5 times a power of ten such that ticks steps reach v;
// at least 1, since counts are whole numbers.
func niceStep(v float64, ticks int) float64 {
	raw := v / float64(ticks)
	if raw <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// chartY is the y of a value in a plot running from 0 to top.
func chartY(v, top float64) float64 {
	return chartTop + (chartH-chartTop-chartBottom)*(1-v/top)
}

// chartX is the middle of slot i of n.
func chartX(i, n int) float64 {
	return chartLeft + (chartW-chartLeft-chartRight)*(float64(i)+0.5)/float64(n)
}

// lineSeries is one line of a line chart.
type lineSeries struct {
	Class, Label string
	Values       []float64
}

// lineChart draws series over the labelled slots, the y axis from 0 to a round number at or above
// the largest value; every labelEvery-th slot is labelled.
func lineChart(labels []string, series []lineSeries, labelEvery int) *chart {
	n := len(labels)
	if n == 0 {
		return nil
	}
	hi := 0.0
	for _, s := range series {
		for _, v := range s.Values {
			hi = math.Max(hi, v)
		}
	}
	step := niceStep(hi, chartTicks)
	top := step * chartTicks
	c := baseChart()
	for i := 0; i <= chartTicks; i++ {
		v := step * float64(i)
		c.YTicks = append(c.YTicks, chartTick{X: num(chartLeft - 4), Y: num(chartY(v, top)), Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	for i, l := range labels {
		if labelEvery <= 1 || i%labelEvery == 0 || i == n-1 {
			c.XTicks = append(c.XTicks, chartTick{X: num(chartX(i, n)), Y: num(chartH - 10), Label: l})
		}
	}
	for _, s := range series {
		line := chartLine{Class: s.Class, Label: s.Label}
		var pts []string
		for i, v := range s.Values {
			if i >= n {
				break
			}
			x, y := num(chartX(i, n)), num(chartY(v, top))
			pts = append(pts, x+","+y)
			line.Dots = append(line.Dots, chartDot{X: x, Y: y, Title: labels[i] + " " + s.Label + " " + strconv.FormatFloat(v, 'f', -1, 64)})
		}
		line.Points = strings.Join(pts, " ")
		c.Lines = append(c.Lines, line)
	}
	return c
}

// rateChart draws rates (0 to 1) as bars from 0 to 100 %, one per labelled slot; a slot without a
// rate (nothing was due) has a marker instead of a bar.
func rateChart(labels []string, rates []*float64, label string) *chart {
	n := len(labels)
	if n == 0 {
		return nil
	}
	c := baseChart()
	for i := 0; i <= chartTicks; i++ {
		v := float64(i) / chartTicks
		c.YTicks = append(c.YTicks, chartTick{X: num(chartLeft - 4), Y: num(chartY(v, 1)), Label: strconv.Itoa(i*100/chartTicks) + "%"})
	}
	slot := (chartW - chartLeft - chartRight) / float64(n)
	for i, l := range labels {
		c.XTicks = append(c.XTicks, chartTick{X: num(chartX(i, n)), Y: num(chartH - 10), Label: l})
		b := chartBar{X: num(chartX(i, n) - slot*0.3), W: num(slot * 0.6)}
		if i >= len(rates) || rates[i] == nil {
			b.Missing, b.Y, b.H, b.Title = true, num(chartY(0, 1)-2), "2", l+" "+label+" —"
		} else {
			v := math.Max(0, math.Min(1, *rates[i]))
			b.Y, b.H, b.Title = num(chartY(v, 1)), num(chartY(0, 1)-chartY(v, 1)), l+" "+label+" "+percent(rates[i])
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}

func baseChart() *chart {
	return &chart{ViewBox: "0 0 " + num(chartW) + " " + num(chartH), Base: num(chartY(0, 1)), Left: num(chartLeft), Right: num(chartW - chartRight)}
}

// percent shows a rate as a percentage with one decimal, or a dash when there is none.
func percent(r *float64) string {
	if r == nil {
		return "—"
	}
	return strconv.FormatFloat(*r*100, 'f', 1, 64) + "%"
}

// heatLevels are the classes of a grid map by the number of open cases: 0, 1–2, 3–5, 6–10, more.
var heatLevels = []struct {
	Max   int
	Label string
}{{0, "0"}, {2, "1–2"}, {5, "3–5"}, {10, "6–10"}, {math.MaxInt, "> 10"}}

// heatLevel is the class index of a count of open cases.
func heatLevel(n int) int {
	for i, l := range heatLevels {
		if n <= l.Max {
			return i
		}
	}
	return len(heatLevels) - 1
}

// gridMap is a map of many grids, each a shape with a class and a title, over optional tiles.
type gridMap struct {
	ViewBox string
	Tiles   []tileImage
	Shapes  []mapShape
	Legend  []legendItem
}

type mapShape struct {
	ID    string
	Path  string
	Class string
	Title string
}

type legendItem struct{ Class, Label string }

// heatLegend is the legend of the heat classes.
func heatLegend() []legendItem {
	out := make([]legendItem, len(heatLevels))
	for i, l := range heatLevels {
		out[i] = legendItem{Class: "heat-" + strconv.Itoa(i), Label: l.Label}
	}
	return out
}

// drawShapes draws shapes in a frame fitted to them; shape i gets classes[i] and titles[i]. It
// returns nil when nothing has an extent.
func drawShapes(tiles *TileLayer, ids []string, shapes []geo.MultiPolygon, classes, titles []string) *gridMap {
	crs := geo.WGS84
	if tiles != nil {
		crs = tiles.CRS
	}
	f := newMapFrame(crs, 0.04, shapes)
	if f == nil {
		return nil
	}
	m := &gridMap{ViewBox: f.ViewBox(), Tiles: f.tiles(tiles)}
	for i, mp := range shapes {
		m.Shapes = append(m.Shapes, mapShape{ID: ids[i], Path: f.path(mp), Class: classes[i], Title: titles[i]})
	}
	return m
}
