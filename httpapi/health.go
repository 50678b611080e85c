package httpapi

import (
	"context"
	"net/http"
	"time"
)

// Check is one readiness condition of /readyz: Fn returns nil when its
// part needs no person, else an error that says what is wrong.
type Check struct {
	Name string
	Fn   func(context.Context) error
}

// CheckTimeout bounds each readiness check.
const CheckTimeout = 5 * time.Second

// Ops serves the operations endpoints in front of api, without a token
// (a probe or a scraper has none; neither answer holds money, ids or
// secrets):
//
//	GET /healthz  liveness (api's own)
//	GET /readyz   200 when every check passes, 503 naming each failing one
//	GET /metrics  Prometheus text format (when m is not nil)
//
// Every other path goes to api; records received through it are counted
// in m.
func Ops(api http.Handler, checks []Check, m *Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { readyz(w, r, checks) })
	if m != nil {
		mux.Handle("GET /metrics", m.Handler())
		api = m.countRecords(api)
	}
	mux.Handle("/", api)
	return mux
}

// ReadyView is the body of /readyz.
type ReadyView struct {
	Status string            `json:"status"` // "ready" or "not ready"
	Checks map[string]string `json:"checks"` // check name → "ok" or what is wrong
}

func readyz(w http.ResponseWriter, r *http.Request, checks []Check) {
	v := ReadyView{Status: "ready", Checks: map[string]string{}}
	status := http.StatusOK
	for _, c := range checks {
		ctx, cancel := context.WithTimeout(r.Context(), CheckTimeout)
		err := c.Fn(ctx)
		cancel()
		if err != nil {
			v.Checks[c.Name] = err.Error()
			v.Status, status = "not ready", http.StatusServiceUnavailable
			continue
		}
		v.Checks[c.Name] = "ok"
	}
	w.Header().Set("Cache-Control", "no-store")
	writeValue(w, status, v)
}
