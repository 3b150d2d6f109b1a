package assess_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"civicgrid/assess"
	"civicgrid/casework"
	"civicgrid/catalog"
)

// spanningStory is a hotline case that runs over several days: its handle stage goes overdue on
// the 2nd, it closes on the 4th, is reopened by a dissatisfied rating on the 5th and closes again
// on the 6th; its whole-case due passes while it is open.
func spanningStory(t testing.TB) *story {
	squad := handlerOf(squadID, squadPath)
	s := newStory(t, 6, casework.ChannelHotline, cst(3, 2, 9, 0)).
		do(cst(3, 2, 9, 10), intake, casework.ActFile, casework.Input{}).
		do(cst(3, 2, 9, 30), dispatcher, casework.ActDispatch, casework.Input{}, squadPath).
		do(cst(3, 2, 10, 0), squad, casework.ActSign, casework.Input{})
	s.overdue(catalog.StageHandle)
	s.overdue(casework.ClockWhole)
	return s.
		do(cst(3, 4, 10, 0), squad, casework.ActHandle, result).
		do(cst(3, 4, 10, 30), intake, casework.ActRequestCheck, casework.Input{}).
		do(cst(3, 4, 11, 0), intake, casework.ActCheckPass, casework.Input{}).
		do(cst(3, 5, 9, 0), intake, casework.ActRate, casework.Input{Rating: casework.Dissatisfied}).
		do(cst(3, 6, 9, 0), squad, casework.ActSign, casework.Input{}).
		do(cst(3, 6, 10, 0), squad, casework.ActHandle, result).
		do(cst(3, 6, 10, 30), intake, casework.ActRequestCheck, casework.Input{}).
		do(cst(3, 6, 11, 0), intake, casework.ActCheckPass, casework.Input{}).
		do(cst(3, 7, 9, 0), intake, casework.ActRate, casework.Input{Rating: casework.Satisfied})
}

// redispatchStory is dispatched to the bureau, re-dispatched to its squad the next day and left
// waiting for signing: one case twice in the bureau's 派遣数 occurrences, once per period.
func redispatchStory(t testing.TB) *story {
	return newStory(t, 7, casework.ChannelPatrol, cst(3, 2, 16, 0)).
		do(cst(3, 2, 16, 10), intake, casework.ActFile, casework.Input{}).
		do(cst(3, 2, 16, 20), dispatcher, casework.ActDispatch, casework.Input{}, bureauPath).
		do(cst(3, 3, 9, 0), dispatcher, casework.ActDispatch, casework.Input{}, squadPath)
}

// mergedStory is filed and then merged into another case on the next day.
func mergedStory(t testing.TB) *story {
	s := newStory(t, 8, casework.ChannelHotline, cst(3, 3, 23, 0)).
		do(cst(3, 3, 23, 30), intake, casework.ActFile, casework.Input{})
	e := env(cst(3, 4, 8, 0), nil)
	e.Master = &casework.Case{ID: 1, State: casework.Handling}
	ev, err := casework.Decide(s.c, shift, casework.ActMerge, casework.Input{Target: 1, Reason: "重复"}, e)
	if err != nil {
		t.Fatal(err)
	}
	s.append(ev)
	return s
}

// TestContributionsMatchFold checks the roll-up contributions against the fold, the reference:
// for every day-aligned period between 1 and 9 March, with the period over and in progress at
// several instants, the indicators added up from the items equal those of the folded histories.
func TestContributionsMatchFold(t *testing.T) {
	stories := []*story{onTimeStory(t), troubledStory(t), openStory(t), spanningStory(t), redispatchStory(t), mergedStory(t)}
	v := newStory(t, 4, casework.ChannelHotline, cst(3, 2, 9, 0)).
		do(cst(3, 2, 9, 5), intake, casework.ActFile, casework.Input{}).
		do(cst(3, 2, 9, 50), shift, casework.ActVoid, reason)
	r := newStory(t, 5, casework.ChannelHotline, cst(3, 2, 9, 0)).
		do(cst(3, 2, 9, 5), intake, casework.ActReject, casework.Input{ReasonCode: "invalid", Reason: "无效"})
	stories = append(stories, v, r)
	var items [][]assess.Item
	for _, s := range stories {
		it, err := assess.Contributions(s.events, testCalendar)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	nows := []time.Time{{}, cst(3, 2, 12, 0), cst(3, 2, 15, 0), cst(3, 3, 14, 10), cst(3, 4, 23, 59), cst(3, 6, 10, 15)}
	checked := 0
	for from := cst(3, 1, 0, 0); from.Before(cst(3, 9, 0, 0)); from = from.AddDate(0, 0, 1) {
		for to := from.AddDate(0, 0, 1); !to.After(cst(3, 9, 0, 0)); to = to.AddDate(0, 0, 1) {
			p, err := assess.CustomPeriod(from, to)
			if err != nil {
				t.Fatal(err)
			}
			for _, now := range nows {
				if !now.IsZero() && !now.Before(to) {
					continue
				}
				opt := assess.Options{Period: p, Calendar: testCalendar, Weights: assess.DefaultWeights, Now: now}
				want, _ := assess.NewAggregator(testUnits, opt)
				got, _ := assess.NewAggregator(testUnits, opt)
				for i, s := range stories {
					if h := until(s.events, to); len(h) > 0 {
						f := fold(t, h)
						if err := want.Add(&f); err != nil {
							t.Fatal(err)
						}
					}
					if err := got.AddItems(items[i]); err != nil {
						t.Fatal(err)
					}
				}
				if w, g := want.Result(), got.Result(); !reflect.DeepEqual(w, g) {
					for i := range w {
						if !reflect.DeepEqual(w[i], g[i]) {
							t.Fatalf("[%s, %s) now %s, unit %s:\nfold    %s\nroll-up %s", from.Format("01-02"), to.Format("01-02"), now.Format("01-02 15:04"),
								w[i].Unit.ID, show(w[i]), show(g[i]))
						}
					}
				}
				checked++
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d periods checked", checked)
	}
}

func show(x assess.Indicators) string {
	return pretty(x.Territory) + "\n        " + pretty(x.Assignee) + "\n        " + pretty(x.Hotline)
}

// pretty prints a struct's fields, rates as values.
func pretty(v any) string {
	rv := reflect.ValueOf(v)
	s := ""
	for i := range rv.NumField() {
		f := rv.Field(i)
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				s += fmt.Sprintf("%s=- ", rv.Type().Field(i).Name)
				continue
			}
			f = f.Elem()
		}
		s += fmt.Sprintf("%s=%v ", rv.Type().Field(i).Name, f.Interface())
	}
	return s
}

// BenchmarkContributions computes the roll-up contribution of the troubled story's history (21
// events): what every write of a case and every case of a rebuild costs besides the SQL.
func BenchmarkContributions(b *testing.B) {
	events := troubledStory(b).events
	b.ReportAllocs()
	for b.Loop() {
		if _, err := assess.Contributions(events, testCalendar); err != nil {
			b.Fatal(err)
		}
	}
}
