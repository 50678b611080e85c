package jobs

import (
	"sync"
	"time"
)

// SimClock is a clock that runs at real speed from an instant it is set
// to: the demo and the tests replay past nights with it. Time must move
// (leases expire, retries come due); it only starts somewhere else.
type SimClock struct {
	mu     sync.Mutex
	anchor time.Time // simulated instant at real
	real   time.Time
}

// NewSimClock returns a clock that reads t now.
func NewSimClock(t time.Time) *SimClock { return &SimClock{anchor: t, real: time.Now()} }

// Now is the simulated time.
func (c *SimClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.anchor.Add(time.Since(c.real))
}

// Set makes the clock read t now.
func (c *SimClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.anchor, c.real = t, time.Now()
}
