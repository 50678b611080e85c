package httpapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/settle-dev/settle/jobs"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// Metrics are the Prometheus metrics of `settle serve` (README "Running as
// a service"). Counters count what this instance did since it started;
// settle_intents is read from the database at each scrape, so every
// instance on a shared database reports the same numbers.
type Metrics struct {
	reg        *prometheus.Registry
	jobRuns    *prometheus.CounterVec
	jobSeconds *prometheus.HistogramVec
	transfers  *prometheus.CounterVec
	retries    prometheus.Counter
	mismatches prometheus.Gauge
	scheduled  *prometheus.CounterVec
	lastOK     prometheus.Gauge
	records    *prometheus.CounterVec
}

// NewMetrics returns the metrics over st, with the Go runtime's and the
// process's.
func NewMetrics(st *store.Store) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "settle_job_runs_total",
			Help: "Job runs by job and outcome (done, mismatches, failed)."}, []string{"job", "outcome"}),
		jobSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "settle_job_duration_seconds",
			Help: "Duration of job runs.", Buckets: []float64{0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 10800}}, []string{"job"}),
		transfers: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "settle_transfers_total",
			Help: "Transfer intents the post job finished, by outcome (posted, adopted, failed, conflict)."}, []string{"outcome"}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{Name: "settle_post_retries_total",
			Help: "Posts put back for a later attempt (PortOne busy, a cancel waiting for its order)."}),
		mismatches: prometheus.NewGauge(prometheus.GaugeOpts{Name: "settle_reconcile_mismatches",
			Help: "Mismatches found by the latest reconcile run of this instance."}),
		scheduled: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "settle_scheduled_runs_total",
			Help: "Attempts of scheduled and catch-up runs, by outcome (done, failed)."}, []string{"outcome"}),
		lastOK: prometheus.NewGauge(prometheus.GaugeOpts{Name: "settle_last_scheduled_run_success_timestamp_seconds",
			Help: "When the latest scheduled or catch-up run finished without failing (Unix time)."}),
		records: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "settle_records_received_total",
			Help: "Records received over HTTP by kind (order, cancellation, webhook) and outcome (created, stored, rejected, error)."},
			[]string{"kind", "outcome"}),
	}
	m.reg.MustRegister(m.jobRuns, m.jobSeconds, m.transfers, m.retries, m.mismatches, m.scheduled, m.lastOK, m.records,
		intentsCollector{st}, payoutsCollector{st}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveJob counts one job run (jobs.Options.OnJob).
func (m *Metrics) ObserveJob(r jobs.JobResult, err error) {
	outcome := "done"
	switch {
	case errors.Is(err, jobs.ErrMismatches):
		outcome = "mismatches"
	case err != nil:
		outcome = "failed"
	}
	m.jobRuns.WithLabelValues(string(r.Job), outcome).Inc()
	m.jobSeconds.WithLabelValues(string(r.Job)).Observe(r.Took.Seconds())
	switch r.Job {
	case jobs.JobPost:
		for key, label := range map[string]string{"posted": "posted", "adopted": "adopted", "failed": "failed", "conflicts": "conflict"} {
			m.transfers.WithLabelValues(label).Add(float64(r.Counts[key]))
		}
		m.retries.Add(float64(r.Counts["retries"]))
	case jobs.JobReconcile:
		m.mismatches.Set(float64(r.Counts["mismatches"]))
	}
}

// ObserveRun counts one attempt of a scheduled or catch-up run
// (jobs.Options.OnRun).
func (m *Metrics) ObserveRun(err error) {
	if err != nil && !errors.Is(err, jobs.ErrMismatches) {
		m.scheduled.WithLabelValues("failed").Inc()
		return
	}
	m.scheduled.WithLabelValues("done").Inc()
	m.lastOK.SetToCurrentTime()
}

// recordKinds are the paths that receive records.
var recordKinds = map[string]string{"/v1/orders": "order", "/v1/cancellations": "cancellation", "/webhooks/portone": "webhook"}

// countRecords counts the records received through h by the answer's status.
func (m *Metrics) countRecords(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind, ok := recordKinds[r.URL.Path]
		if !ok || r.Method != http.MethodPost {
			h.ServeHTTP(w, r)
			return
		}
		sw := &statusWriter{ResponseWriter: w} // server.go's; status 0 until written
		h.ServeHTTP(sw, r)
		outcome := "stored"
		switch {
		case sw.status == 0:
			outcome = "error" // nothing answered
		case sw.status == http.StatusCreated:
			outcome = "created"
		case sw.status >= 500:
			outcome = "error"
		case sw.status >= 400:
			outcome = "rejected"
		}
		m.records.WithLabelValues(kind, outcome).Inc()
	})
}

// intentsCollector reports transfer intents by status, from the database
// at each scrape.
type intentsCollector struct{ st *store.Store }

var intentsDesc = prometheus.NewDesc("settle_intents", "Transfer intents by status (pending, posted, adopted, failed, conflict), all business dates.",
	[]string{"status"}, nil)

func (intentsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- intentsDesc }

func (c intentsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := c.st.CountIntents(ctx, settlement.Date{})
	if err != nil {
		ch <- prometheus.NewInvalidMetric(intentsDesc, err)
		return
	}
	for _, s := range []store.IntentStatus{store.IntentPending, store.IntentPosted, store.IntentAdopted, store.IntentFailed, store.IntentConflict} {
		ch <- prometheus.MustNewConstMetric(intentsDesc, prometheus.GaugeValue, float64(n[s]), string(s))
	}
}

// payoutsCollector reports the payouts that need a look (the payouts
// job's current mismatches) by reason, from the database at each scrape.
type payoutsCollector struct{ st *store.Store }

var payoutsDesc = prometheus.NewDesc("settle_payout_mismatches",
	"Payouts and partner settlements that need a look, by reason (PAYOUT_FAILED, PAYOUT_WITHHELD, PAYOUT_AMOUNT_DIFFERS, ...).",
	[]string{"reason"}, nil)

func (payoutsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- payoutsDesc }

func (c payoutsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := c.st.CountPayoutMismatches(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(payoutsDesc, err)
		return
	}
	for r, v := range n {
		ch <- prometheus.MustNewConstMetric(payoutsDesc, prometheus.GaugeValue, float64(v), string(r))
	}
}
