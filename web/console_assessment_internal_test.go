package web

// assessmentSamples are sample bodies of the assessment page for TestConsoleTemplates: everything
// filled in with markup to escape, and nothing at all.
func assessmentSamples(evil string) []any {
	opts := []option{{Value: "a", Label: evil, Selected: true}, {Value: "b", Label: "b"}}
	full := &assessmentBody{Unit: "310113003000", UnitName: evil, Month: "2026-03", Units: opts, Kind: "street", Kinds: opts, Role: "", Roles: opts,
		SchemeName: evil, SchemeVersion: 2,
		Ranking: []assessRankRow{{Rank: "1", Unit: "310113003000", Name: evil, Score: "81.5", Grade: "B", Previous: "2", Change: "1", Vetoed: evil},
			{Name: evil}},
		People: []assessPersonRow{{Rank: "1", Name: evil, Login: evil, Role: evil, Unit: evil, Score: "100", Grade: "A"}},
		Vetoes: []assessVetoRow{{ID: 3, Unit: evil, Item: evil, Evidence: evil, Document: evil, By: evil, At: "2026-04-01 10:00", CanWithdraw: true},
			{ID: 4, Unit: evil, Item: evil, Evidence: evil, Withdrawn: true, Why: evil}},
		VetoForm:    &assessVetoForm{Units: opts, Items: opts},
		Evaluations: []assessEvalRow{{Community: evil, Unit: evil, Score: "80", Level: evil, Comment: evil, By: evil}},
		EvalForm:    &assessEvalForm{Community: "310113003001", CommunityName: evil, Units: opts, Levels: opts},
		Downloads:   []assessLink{{Key: "assess.download_report_xlsx", URL: "/api/v1/reports/monthly?unit=x&month=2026-03"}},
	}
	bare := &assessmentBody{Unit: "310113003000", Month: "2026-03", RankingError: evil, PeopleError: evil}
	return []any{full, bare}
}
