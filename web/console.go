package web

// consoleRoutes registers the web console's pages. (Being written.)
func (s *Server) consoleRoutes() {}
