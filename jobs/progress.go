package jobs

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress prints counts and a rate on one terminal line, at most a few
// times a second. With a nil writer (not a terminal) it prints nothing.
type progress struct {
	w     io.Writer
	label string
	start time.Time

	mu   sync.Mutex
	n    int64
	last time.Time
}

func newProgress(w io.Writer, label string) *progress {
	return &progress{w: w, label: label, start: time.Now()}
}

func (p *progress) add(n int64) {
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

func (p *progress) print() {
	secs := time.Since(p.start).Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(p.n) / secs
	}
	fmt.Fprintf(p.w, "\r%s: %d done (%.0f/s)   ", p.label, p.n, rate)
}

func (p *progress) done() {
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
