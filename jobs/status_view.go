package jobs

import (
	"time"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// The JSON shapes of the status and the intents: one shape for
// `settle status --json`, `settle intents --json`, GET /v1/status and
// GET /v1/intents (and the runs of GET /v1/runs). Times are RFC 3339 in
// UTC, as everywhere in the HTTP API; amounts are whole won.

// StatusView is Status as JSON.
type StatusView struct {
	Now       string           `json:"now"`
	Dates     []DateStatusView `json:"dates"`
	Waiting   WaitingView      `json:"waiting"`
	LastRun   *RunView         `json:"lastRun,omitempty"`
	Cron      string           `json:"cron,omitempty"`
	NextRun   string           `json:"nextRun,omitempty"`
	Attention []string         `json:"attention"`
}

// DateStatusView is one business date of StatusView.
type DateStatusView struct {
	Date    string            `json:"businessDate"`
	Jobs    []RunView         `json:"jobs"`
	Intents []IntentTotalView `json:"intents"`
}

// RunView is one job run.
type RunView struct {
	Job          string           `json:"job"`
	BusinessDate string           `json:"businessDate"`
	Status       string           `json:"status"`
	Counts       map[string]int64 `json:"counts,omitempty"`
	Error        string           `json:"error,omitempty"`
	StartedAt    string           `json:"startedAt,omitempty"`
	FinishedAt   string           `json:"finishedAt,omitempty"`
	Attempts     int              `json:"attempts"`
}

// IntentTotalView counts the intents of one type and status.
type IntentTotalView struct {
	Type       string `json:"type"`
	Status     string `json:"status"`
	Count      int64  `json:"count"`
	Settlement int64  `json:"settlementAmount"`
}

// WaitingView counts the records without a settlement.
type WaitingView struct {
	Total   int64              `json:"total"`
	Reasons []WaitingCountView `json:"reasons"`
}

// WaitingCountView is how many records of a type wait for one reason.
type WaitingCountView struct {
	Type   string `json:"type"`
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}

// IntentView is one transfer intent as JSON.
type IntentView struct {
	IntentID       string `json:"intentId"`
	BusinessDate   string `json:"businessDate"`
	PartnerID      string `json:"partnerId"`
	PaymentID      string `json:"paymentId"`
	Type           string `json:"type"`
	CancellationID string `json:"cancellationId,omitempty"`
	Status         string `json:"status"`
	Settlement     int64  `json:"settlementAmount"`
	Attempts       int    `json:"attempts"`
	Error          string `json:"error,omitempty"`
	TransferID     string `json:"transferId,omitempty"`
	UpdatedAt      string `json:"updatedAt,omitempty"`
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// NewRunView is r as JSON.
func NewRunView(r store.Run) RunView {
	return RunView{Job: r.Job, BusinessDate: r.BusinessDate.String(), Status: string(r.Status), Counts: r.Counts, Error: r.Error,
		StartedAt: timeText(r.StartedAt), FinishedAt: timeText(r.FinishedAt), Attempts: r.Attempts}
}

// NewIntentView is l as JSON.
func NewIntentView(l *store.IntentLine) IntentView {
	return IntentView{IntentID: string(l.IntentID), BusinessDate: l.BusinessDate.String(), PartnerID: string(l.PartnerID),
		PaymentID: string(l.PaymentID), Type: string(l.Kind), CancellationID: string(l.CancellationID), Status: string(l.Status),
		Settlement: int64(l.Settlement), Attempts: l.Attempts, Error: l.LastError, TransferID: string(l.PortOneTransferID),
		UpdatedAt: timeText(l.UpdatedAt)}
}

// View is s as JSON.
func (s *Status) View() StatusView {
	v := StatusView{Now: timeText(s.Now), Dates: []DateStatusView{}, Cron: s.Cron, NextRun: timeText(s.NextRun),
		Attention: append([]string{}, s.Attention...), Waiting: WaitingView{Total: s.WaitingTotal, Reasons: []WaitingCountView{}}}
	for _, ds := range s.Dates {
		dv := DateStatusView{Date: ds.Date.String(), Jobs: []RunView{}, Intents: []IntentTotalView{}}
		for _, r := range ds.Jobs {
			dv.Jobs = append(dv.Jobs, NewRunView(r))
		}
		for _, t := range ds.Intents {
			dv.Intents = append(dv.Intents, IntentTotalView{Type: string(t.Kind), Status: string(t.Status), Count: t.Count, Settlement: int64(t.Settlement)})
		}
		v.Dates = append(v.Dates, dv)
	}
	for _, kind := range []settlement.Kind{settlement.KindOrder, settlement.KindOrderCancel} {
		for _, r := range WaitReasons {
			if n := s.Waiting[kind][r]; n > 0 {
				v.Waiting.Reasons = append(v.Waiting.Reasons, WaitingCountView{Type: string(kind), Reason: string(r), Count: n})
			}
		}
	}
	if s.LastRun != nil {
		r := NewRunView(*s.LastRun)
		v.LastRun = &r
	}
	return v
}

// WaitReasons are the reasons a record waits, in the order they are shown.
var WaitReasons = []store.WaitReason{store.WaitRejected, store.WaitOrder, store.WaitNextRun, store.WaitDateNotRun}
