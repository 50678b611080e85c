package emulator

import (
	"sync"
	"time"
)

// Clock is a settable clock for Options.Now, safe for concurrent use:
//
//	clk := emulator.NewClock(time.Date(2023, 8, 11, 9, 0, 0, 0, seoul))
//	srv := emulator.New(emulator.Options{Now: clk.Now})
//	clk.Advance(48 * time.Hour) // transfers move SCHEDULED → IN_PROCESS → SETTLED
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
