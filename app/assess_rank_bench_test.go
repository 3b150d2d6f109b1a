package app_test

import (
	"context"
	"testing"

	"civicgrid/app"
	"civicgrid/assess"
	"civicgrid/demo"
	"civicgrid/store/storetest"
)

// BenchmarkRankingsMonth ranks the demo district's streets (territory) and its bureaus
// (department) for March 2026 against February, on a database holding about 10,000 cases built as
// in BenchmarkIndicatorsMonth, whose roll-ups are then rebuilt from the histories (the copies are
// made by SQL, behind the store's back). One operation adds up the indicators of the ranked units
// for both months from the roll-ups, scores and ranks them.
func BenchmarkRankingsMonth(b *testing.B) {
	storetest.EachBench(b, func(b *testing.B, newDSN func(testing.TB) string) {
		ctx := context.Background()
		a, cases := benchDistrict(b, newDSN(b))
		march, _ := assess.ParsePeriod("2026-03")
		for _, kind := range []assess.RankingKind{assess.RankTerritory, assess.RankDepartment} {
			b.Run(string(kind), func(b *testing.B) {
				var rep *app.RankingReport
				var err error
				for b.Loop() {
					if rep, err = a.Rankings(ctx, app.Principal{System: true}, app.RankingQuery{Unit: demo.DistrictID, Period: march, Kind: kind}); err != nil {
						b.Fatal(err)
					}
				}
				if rep.Rows[0].Rank == nil || *rep.Rows[0].Rank != 1 {
					b.Fatalf("no unit ranked first: %+v", rep.Rows[0])
				}
				b.ReportMetric(float64(cases), "cases-in-db")
				b.ReportMetric(float64(len(rep.Rows)), "units")
			})
		}
	})
}
