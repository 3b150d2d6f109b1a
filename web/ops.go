package web

// opsRoutes registers operational endpoints (metrics). (Being written.)
func (s *Server) opsRoutes() {}
