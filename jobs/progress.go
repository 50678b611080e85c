package jobs

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Progress prints counts and a rate on one terminal line, at most a few
// times a second. With a nil writer (not a terminal) it prints nothing. It
// is safe for concurrent use.
type Progress struct {
	w     io.Writer
	label string
	start time.Time

	mu   sync.Mutex
	n    int64
	last time.Time
}

// NewProgress starts a progress line labelled label on w (nil: silent).
func NewProgress(w io.Writer, label string) *Progress {
	return &Progress{w: w, label: label, start: time.Now()}
}

// Add counts n more done.
func (p *Progress) Add(n int64) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n += n
	if now := time.Now(); now.Sub(p.last) >= 250*time.Millisecond {
		p.last = now
		p.print()
	}
}

func (p *Progress) print() {
	secs := time.Since(p.start).Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(p.n) / secs
	}
	fmt.Fprintf(p.w, "\r%s: %d done (%.0f/s)   ", p.label, p.n, rate)
}

// Done prints the final count and ends the line.
func (p *Progress) Done() {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n > 0 {
		p.print()
		fmt.Fprintln(p.w)
	}
}
