package web

// opsRoutes registers the operational endpoints: the Prometheus metrics (metrics.go). The health
// checks live with the server itself (server.go).
func (s *Server) opsRoutes() {
	s.metrics = newServerMetrics()
	s.mux.HandleFunc("GET /metrics", s.handleMetrics)
}
