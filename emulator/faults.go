package emulator

import (
	"fmt"
	"strconv"
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

// ParseFaults reads the fault model of `settle emulator --faults`: pairs
// KEY=VALUE separated by commas, for example
//
//	5xx=0.02,429=1%,drop=0.5%,seed=7
//
// Rates are fractions (0.02) or percentages (2%) of the requests the match
// selects, and together at most 1:
//
//	5xx=RATE          answer 5xx before handling (nothing committed)
//	429=RATE          answer 429 with Retry-After before handling
//	drop=RATE         handle and commit, then close the connection unanswered
//	reset=RATE        reset the connection before handling
//	slow=RATE         delay by slow-by before handling
//	status=CODE       the status of 5xx faults (default 500)
//	retry-after=DUR   Retry-After of 429 faults, rounded up to seconds (default 0s)
//	slow-by=DUR       the delay of slow faults
//	method=METHOD     only requests with this method (default all)
//	path=PATH         only this path, or paths starting with PATH without its
//	                  trailing * (default all), e.g. path=/platform/transfers/*
//	seed=N            seed of the fault generator (default 0): the same seed
//	                  and the same order of requests give the same faults
//
// It returns the fault model and the seed. An empty spec is no faults.
func ParseFaults(spec string) (FaultConfig, uint64, error) {
	var (
		fc   FaultConfig
		seed uint64
		seen = map[string]bool{}
	)
	rate := func(key, v string, dst *float64) error {
		pct := strings.HasSuffix(v, "%")
		x, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
		if err == nil && pct {
			x /= 100
		}
		if err != nil || x < 0 || x > 1 {
			return fmt.Errorf("%s=%s: want a rate between 0 and 1, or 0%% and 100%%", key, v)
		}
		*dst = x
		return nil
	}
	duration := func(key, v string, dst *time.Duration) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("%s=%s: want a duration such as 50ms or 2s", key, v)
		}
		*dst = d
		return nil
	}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, v, ok := strings.Cut(part, "=")
		key, v = strings.TrimSpace(key), strings.TrimSpace(v)
		if !ok || v == "" {
			return FaultConfig{}, 0, fmt.Errorf("%q: want KEY=VALUE", part)
		}
		if seen[key] {
			return FaultConfig{}, 0, fmt.Errorf("%s is given twice", key)
		}
		seen[key] = true
		var err error
		switch key {
		case "5xx":
			err = rate(key, v, &fc.Rate5xx)
		case "429":
			err = rate(key, v, &fc.Rate429)
		case "drop":
			err = rate(key, v, &fc.RateDrop)
		case "reset":
			err = rate(key, v, &fc.RateReset)
		case "slow":
			err = rate(key, v, &fc.RateSlow)
		case "status":
			fc.Status5xx, err = strconv.Atoi(v)
			if err != nil || fc.Status5xx < 500 || fc.Status5xx > 599 {
				err = fmt.Errorf("status=%s: want a status from 500 to 599", v)
			}
		case "retry-after":
			err = duration(key, v, &fc.RetryAfter)
		case "slow-by":
			err = duration(key, v, &fc.Slow)
		case "method":
			fc.Match.Method = strings.ToUpper(v)
		case "path":
			if !strings.HasPrefix(v, "/") {
				err = fmt.Errorf("path=%s: want a path starting with /", v)
			}
			fc.Match.Path = v
		case "seed":
			seed, err = strconv.ParseUint(v, 10, 64)
			if err != nil {
				err = fmt.Errorf("seed=%s: want a whole number", v)
			}
		default:
			err = fmt.Errorf("unknown key %q (known: 5xx, 429, drop, reset, slow, status, retry-after, slow-by, method, path, seed)", key)
		}
		if err != nil {
			return FaultConfig{}, 0, err
		}
	}
	if sum := fc.Rate5xx + fc.Rate429 + fc.RateDrop + fc.RateReset + fc.RateSlow; sum > 1+1e-9 {
		return FaultConfig{}, 0, fmt.Errorf("the rates add up to %.4g: at most 1 (100%%)", sum)
	}
	if fc.RateSlow > 0 && fc.Slow == 0 {
		return FaultConfig{}, 0, fmt.Errorf("slow=%g needs slow-by=DURATION", fc.RateSlow)
	}
	return fc, seed, nil
}
