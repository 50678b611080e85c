package emulator

import (
	"strings"
	"time"
)

// FaultKind is one kind of injected failure.
type FaultKind int

// The fault kinds.
const (
	FaultNone FaultKind = iota
	// Fault5xx answers with a 5xx status (Fault.Status, default 500)
	// before handling: nothing is committed.
	Fault5xx
	// Fault429 answers 429 with `Retry-After` (Fault.RetryAfter, whole
	// seconds) before handling: nothing is committed.
	Fault429
	// FaultLatency delays the request by Fault.Latency and then handles it
	// normally.
	FaultLatency
	// FaultDrop handles the request (a create is committed) and then
	// closes the connection without sending the response.
	FaultDrop
	// FaultReset resets the connection before handling: nothing is
	// committed and no response is sent.
	FaultReset
)

var faultNames = [...]string{"", "5xx", "429", "latency", "drop", "reset"}

// String is the short name recorded in Request.Fault.
func (k FaultKind) String() string {
	if k < 0 || int(k) >= len(faultNames) {
		return "unknown"
	}
	return faultNames[k]
}

// Fault is one injected failure.
type Fault struct {
	Kind       FaultKind
	Status     int           // Fault5xx: the status, default 500
	RetryAfter time.Duration // Fault429: sent as whole seconds, rounded up
	Latency    time.Duration // FaultLatency: added delay
}

// Match selects requests. Method "" matches every method. Path "" matches
// every path; a Path ending in "*" matches by prefix; otherwise the path
// must be equal.
type Match struct {
	Method string
	Path   string
}

func (m Match) matches(method, path string) bool {
	if m.Method != "" && !strings.EqualFold(m.Method, method) {
		return false
	}
	switch {
	case m.Path == "":
		return true
	case strings.HasSuffix(m.Path, "*"):
		return strings.HasPrefix(path, strings.TrimSuffix(m.Path, "*"))
	default:
		return path == m.Path
	}
}

// FaultConfig is the random fault model. Each request that Match selects
// draws once from the server's seeded generator and gets at most one of
// 5xx, 429, drop, reset and slow, with the given probabilities (which must
// add up to at most 1). Every request, faulty or not, is delayed by
// Latency first.
type FaultConfig struct {
	Match Match // which requests random faults apply to; zero = all

	Latency time.Duration // added to every request (not only matched ones)

	Rate5xx   float64
	Rate429   float64
	RateDrop  float64 // commit, then drop the connection
	RateReset float64 // reset the connection before handling
	RateSlow  float64 // add Slow to the latency

	Status5xx  int           // default 500
	RetryAfter time.Duration // for 429, default 0 s
	Slow       time.Duration
}

type scripted struct {
	match Match
	left  int
	fault Fault
}

// SetFaults replaces the random fault model.
func (s *Server) SetFaults(fc FaultConfig) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = fc
}

// Script queues a fault for the next n requests that m selects. Scripted
// faults take precedence over random ones and are consumed in the order
// they were queued.
func (s *Server) Script(m Match, n int, f Fault) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, &scripted{match: m, left: n, fault: f})
}

// ClearScript drops every queued scripted fault.
func (s *Server) ClearScript() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = nil
}

// pickFault consumes a scripted fault or draws a random one.
func (s *Server) pickFault(method, path string) Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, sc := range s.script {
		if sc.match.matches(method, path) {
			sc.left--
			if sc.left == 0 {
				s.script = append(s.script[:i], s.script[i+1:]...)
			}
			return sc.fault
		}
	}
	fc := s.faults
	if fc.Rate5xx+fc.Rate429+fc.RateDrop+fc.RateReset+fc.RateSlow <= 0 || !fc.Match.matches(method, path) {
		return Fault{}
	}
	x := s.rng.Float64()
	for _, c := range []struct {
		p float64
		f Fault
	}{
		{fc.Rate5xx, Fault{Kind: Fault5xx, Status: fc.Status5xx}},
		{fc.Rate429, Fault{Kind: Fault429, RetryAfter: fc.RetryAfter}},
		{fc.RateDrop, Fault{Kind: FaultDrop}},
		{fc.RateReset, Fault{Kind: FaultReset}},
		{fc.RateSlow, Fault{Kind: FaultLatency, Latency: fc.Slow}},
	} {
		if x < c.p {
			return c.f
		}
		x -= c.p
	}
	return Fault{}
}

// latency is the delay before handling a request with fault f.
func (s *Server) latency(f Fault) time.Duration {
	s.mu.Lock()
	d := s.faults.Latency
	s.mu.Unlock()
	if f.Kind == FaultLatency {
		d += f.Latency
	}
	return d
}
