package web

// assessRoutes registers the assessment and ledger endpoints. (Being written.)
func (s *Server) assessRoutes() {}
