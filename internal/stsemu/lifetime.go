package stsemu

import "time"

// SetRoleLifetime makes AssumeRole issue credentials that expire after d
// at most, whatever duration was asked (0: as asked), as if a role's
// maximum session were shorter: tests of refresh-ahead and of long jobs
// can then see several role lifetimes in a minute or two. The response's
// Expiration tells the client, as real STS does.
func (s *Server) SetRoleLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roleLifetime = d
}
